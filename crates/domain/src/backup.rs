//! Which backups are kept (C32): the newest of each of the last N days
//! that have one, of the last N ISO weeks, of the last N months — as
//! restic's `forget --keep-daily/--keep-weekly/--keep-monthly` counts —
//! days counted in the legal zone.

use std::collections::BTreeSet;

use jiff::Timestamp;

/// How many versions of each kind are kept; the seeds ask for 14, 7 or 5
/// daily ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Keep {
    pub daily: u16,
    pub weekly: u16,
    pub monthly: u16,
}

impl Default for Keep {
    fn default() -> Self {
        Keep {
            daily: 14,
            weekly: 0,
            monthly: 0,
        }
    }
}

impl Keep {
    /// At least one version is always kept: a policy keeping none would
    /// delete the only good backup.
    pub fn check(self) -> Result<Self, &'static str> {
        if self.daily == 0 && self.weekly == 0 && self.monthly == 0 {
            return Err("keep at least one daily, weekly or monthly version");
        }
        Ok(self)
    }

    /// The ids of `versions` (good backups: id and when taken) to keep;
    /// the others are deleted.
    pub fn kept(self, versions: &[(i64, Timestamp)]) -> BTreeSet<i64> {
        let zone = crate::time::legal_zone();
        let mut newest_first = versions.to_vec();
        newest_first.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        let mut kept = BTreeSet::new();
        for (count, bucket) in [
            (self.daily, Bucket::Day),
            (self.weekly, Bucket::Week),
            (self.monthly, Bucket::Month),
        ] {
            let mut seen = BTreeSet::new();
            for (id, at) in &newest_first {
                if seen.len() >= usize::from(count) {
                    break;
                }
                let d = at.to_zoned(zone.clone()).date();
                let key = match bucket {
                    Bucket::Day => (d.year(), i16::from(d.month()), i16::from(d.day())),
                    Bucket::Week => {
                        let w = d.iso_week_date();
                        (w.year(), i16::from(w.week()), 0)
                    }
                    Bucket::Month => (d.year(), i16::from(d.month()), 0),
                };
                if seen.insert(key) {
                    kept.insert(*id);
                }
            }
        }
        kept
    }
}

enum Bucket {
    Day,
    Week,
    Month,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn c32_the_newest_of_each_day_week_and_month() {
        // Two a day for 40 days, from 1 Oct 2026.
        let mut v = Vec::new();
        let start = at("2026-10-01T01:00:00Z");
        for i in 0..80 {
            v.push((i, start + jiff::SignedDuration::from_hours(12 * i)));
        }
        let daily = Keep {
            daily: 14,
            weekly: 0,
            monthly: 0,
        }
        .kept(&v);
        assert_eq!(daily.len(), 14);
        // The newest of each day: the 13:00 (UTC) one, odd ids.
        assert!(daily.iter().all(|id| id % 2 == 1 && *id >= 80 - 28));
        let seeds = Keep {
            daily: 7,
            weekly: 4,
            monthly: 3,
        }
        .kept(&v);
        // 7 days + up to 4 weeks (the newest already in) + 2 months.
        assert!(seeds.contains(&79) && seeds.contains(&61));
        let october_last = v
            .iter()
            .filter(|(_, t)| t.to_zoned(crate::time::legal_zone()).month() == 10)
            .map(|(i, _)| *i)
            .max()
            .unwrap();
        assert!(seeds.contains(&october_last));
        assert!(!seeds.contains(&0));
        // Fewer days than kept: the newest of each.
        assert_eq!(Keep::default().kept(&v[..3]).len(), 2);
        assert!(
            Keep {
                daily: 0,
                weekly: 0,
                monthly: 0
            }
            .check()
            .is_err()
        );
    }
}

/// The continuity promise of the seeds (C34): RPO and RTO of 8 working
/// hours.
pub const PROMISED_WORKING_MINUTES: i64 = 8 * 60;

/// What the backups achieve against the promise (C34): the data that
/// would be lost now (the age of the newest backup whose restore was
/// tested), and the time the last restore test took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Continuity {
    pub rpo: Option<jiff::SignedDuration>,
    /// Within the promise, counted in working hours.
    pub rpo_held: bool,
    pub rto: Option<jiff::SignedDuration>,
    pub rto_held: bool,
}

impl Continuity {
    /// From the end of the newest restore-tested backup and its restore
    /// test's duration; none tested: neither is held.
    pub fn of(
        tested: Option<(Timestamp, i64)>,
        now: Timestamp,
        calendar: crate::calendar::Calendar,
    ) -> Self {
        let Some((ended, ms)) = tested else {
            return Continuity {
                rpo: None,
                rpo_held: false,
                rto: None,
                rto_held: false,
            };
        };
        let rto = jiff::SignedDuration::from_millis(ms);
        Continuity {
            rpo: Some(now.duration_since(ended)),
            // Held while no more than the promised working minutes have
            // passed: until the working minute after them begins.
            rpo_held: now < calendar.add_working_minutes(ended, PROMISED_WORKING_MINUTES + 1),
            rto: Some(rto),
            rto_held: rto.as_mins() < PROMISED_WORKING_MINUTES,
        }
    }
}

#[cfg(test)]
mod continuity_tests {
    use super::*;
    use crate::calendar::Calendar;

    #[test]
    fn c34_rpo_counts_working_hours() {
        // Backed up Friday 2026-12-04 at 01:00 Paris, tested in 2 s.
        let ended: Timestamp = "2026-12-04T00:00:00Z".parse().unwrap();
        // Friday's 8 working hours (08:30–17:30, lunch aside) are lost by
        // a failure on Monday before 08:30, more after.
        let early: Timestamp = "2026-12-07T07:00:00Z".parse().unwrap();
        assert!(Continuity::of(Some((ended, 2000)), early, Calendar::France).rpo_held);
        let monday: Timestamp = "2026-12-07T08:00:00Z".parse().unwrap();
        let c = Continuity::of(Some((ended, 2000)), monday, Calendar::France);
        assert!(!c.rpo_held, "{c:?}");
        let friday_noon: Timestamp = "2026-12-04T11:00:00Z".parse().unwrap();
        let c = Continuity::of(Some((ended, 2000)), friday_noon, Calendar::France);
        assert!(c.rpo_held && c.rto_held);
        assert_eq!(c.rto, Some(jiff::SignedDuration::from_secs(2)));
        let none = Continuity::of(None, monday, Calendar::France);
        assert!(!none.rpo_held && !none.rto_held);
    }
}
