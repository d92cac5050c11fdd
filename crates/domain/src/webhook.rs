//! Webhooks (issue 20): what a tenant's endpoint may be told when a long
//! action ends, and the states of one delivery. Signing and sending live
//! above; here only the words and the rules.

use std::collections::BTreeSet;

closed_list! {
    /// What an endpoint may be told.
    EventKind {
        /// A connected system's scan ended, done or failed.
        ScanFinished = "scan_finished",
        /// A rights request's execution ended on every connected system
        /// (each task done, failed or held for an agent).
        ExecutionFinished = "execution_finished",
        /// A masked copy of a system into a test database ended (C30).
        CopyFinished = "copy_finished",
        /// A test sent from the page or the API: always delivered.
        Ping = "ping",
    }
}

closed_list! {
    /// Where one delivery stands.
    DeliveryState {
        /// Waiting for its first try or its next one.
        Pending = "pending",
        /// The endpoint answered 2xx.
        Delivered = "delivered",
        /// Every try failed: kept, and sent again only on request.
        Abandoned = "abandoned",
    }
}

/// Tries before a delivery is abandoned. With the job backoff (30 s
/// doubling, at most 6 h) the last try comes about a day and a half
/// after the first: an endpoint down over a weekend night still gets it.
pub const MAX_ATTEMPTS: u32 = 15;

/// The events an endpoint asked for: never empty (`Ping` is always sent
/// and never listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriptions(BTreeSet<EventKind>);

impl Subscriptions {
    /// From codes; an unknown code or an empty list is refused, naming it.
    pub fn parse<'a>(codes: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut set = BTreeSet::new();
        for code in codes.into_iter().map(str::trim).filter(|c| !c.is_empty()) {
            match EventKind::parse(code) {
                Some(EventKind::Ping) | None => {
                    return Err(format!(
                        "« {code} » is not an event an endpoint can ask for"
                    ));
                }
                Some(k) => {
                    set.insert(k);
                }
            }
        }
        if set.is_empty() {
            return Err("choose at least one event".into());
        }
        Ok(Subscriptions(set))
    }

    /// As stored: codes separated by spaces.
    pub fn to_text(&self) -> String {
        self.kinds()
            .map(EventKind::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn kinds(&self) -> impl Iterator<Item = EventKind> + '_ {
        self.0.iter().copied()
    }

    pub fn includes(&self, kind: EventKind) -> bool {
        kind == EventKind::Ping || self.0.contains(&kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_are_read_strictly() {
        let s = Subscriptions::parse(["scan_finished", " execution_finished ", ""]).unwrap();
        assert_eq!(s.to_text(), "scan_finished execution_finished");
        assert!(s.includes(EventKind::Ping));
        let only = Subscriptions::parse("scan_finished".split(' ')).unwrap();
        assert!(!only.includes(EventKind::ExecutionFinished));
        assert!(Subscriptions::parse([]).is_err());
        assert!(Subscriptions::parse(["ping"]).is_err());
        let e = Subscriptions::parse(["scan_done"]).unwrap_err();
        assert!(e.contains("scan_done"), "{e}");
    }
}
