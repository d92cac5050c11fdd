//! Growing delay after failed sign-ins, per account and per IP address
//! (CNIL délibération 2022-100: limit attempts; ANSSI: temporise).

use jiff::SignedDuration;

/// Failures counted over this window.
pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// How long an account must wait before the next attempt, given its recent
/// failures: free for the first 4, then 1 min doubling up to 15 min.
/// Rights requests one address (IP) may submit on a tenant's public form
/// within `WINDOW`: each sends an email, so the form must not become a way
/// to send mail to anyone.
pub const PUBLIC_FORM_PER_WINDOW: u32 = 5;

/// Reset links one account may be sent within `WINDOW` (each is an email
/// to a victim when someone else asks), and reset requests one address
/// may make (issue 12).
pub const RESET_LINKS_PER_WINDOW: u32 = 3;
pub const RESET_REQUESTS_PER_WINDOW: u32 = 10;

/// How long failed sign-ins are remembered: long enough for the delay to
/// keep growing while someone keeps guessing (the counters the public
/// form and the reset form use are shorter, `WINDOW`).
pub const FAILURE_MEMORY: SignedDuration = SignedDuration::from_hours(24);

/// What is left to wait before the next attempt, given the failures
/// remembered and the last one's age: `None` to go ahead.
pub fn remaining(
    delay: Option<SignedDuration>,
    since_last: SignedDuration,
) -> Option<SignedDuration> {
    delay
        .map(|d| d - since_last)
        .filter(|left| left.is_positive())
}

pub fn account_delay(failures: u32) -> Option<SignedDuration> {
    growing(failures, 5)
}

/// The same for an IP address, which may hold many honest users (a town
/// hall behind one NAT), so it starts later.
pub fn ip_delay(failures: u32) -> Option<SignedDuration> {
    growing(failures, 20)
}

fn growing(failures: u32, free: u32) -> Option<SignedDuration> {
    if failures < free {
        return None;
    }
    let minutes = 1i64 << (failures - free).min(4);
    Some(SignedDuration::from_mins(minutes.min(15)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c25_delay_grows_after_failures() {
        assert_eq!(account_delay(4), None);
        assert_eq!(account_delay(5), Some(SignedDuration::from_mins(1)));
        assert_eq!(account_delay(6), Some(SignedDuration::from_mins(2)));
        assert_eq!(account_delay(30), Some(SignedDuration::from_mins(15)));
        assert_eq!(ip_delay(19), None);
        assert!(ip_delay(20).is_some());
    }

    #[test]
    fn c25_the_wait_counts_from_the_last_failure() {
        let d = account_delay(6);
        assert_eq!(
            remaining(d, SignedDuration::from_secs(30)),
            Some(SignedDuration::from_secs(90))
        );
        assert_eq!(remaining(d, SignedDuration::from_mins(2)), None);
        assert_eq!(remaining(None, SignedDuration::ZERO), None);
    }
}
