//! Incidents and personal-data breaches ("violations de données à
//! caractère personnel"): the register of every incident, notified or not
//! (C17), what is known of one as facts arrive — what a notification to
//! the CNIL holds (C18) — the 72-hour clock from awareness, and the
//! decision to inform the people (C20).

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Art. 33.1: notified "not later than 72 hours after having become aware
/// of it", in elapsed hours: a change of the wall clock (daylight saving)
/// neither gives nor takes an hour.
pub const CNIL_DELAY: SignedDuration = SignedDuration::from_hours(72);

/// Hours after awareness at which the DPOs are reminded, until notified.
pub const REMINDER_HOURS: [i64; 3] = [24, 48, 60];

closed_list!(
    /// Where an incident stands.
    IncidentStatus {
        /// Declared; nobody has qualified it yet.
        Declared = "declared",
        /// Qualified: a breach (clock running until notified) or not.
        Qualified = "qualified",
        /// A breach the CNIL was notified of (in one phase or more).
        Notified = "notified",
        Closed = "closed",
    }
);

closed_list!(
    /// The security criterion the incident touched.
    Criterion {
        /// "disponibilité": data lost or out of reach.
        Availability = "availability",
        /// "intégrité": data altered.
        Integrity = "integrity",
        /// "confidentialité": data disclosed or accessed.
        Confidentiality = "confidentiality",
    }
);

closed_list!(
    /// How an incident reached the register.
    Intake {
        /// Declared in Vigie by someone with an account.
        Account = "account",
        /// Received by phone, post or email, or fax, and recorded by an
        /// agent with its time of receipt.
        Phone = "phone",
        Mail = "mail",
        Fax = "fax",
        /// Opened by Vigie itself (an altered access trail).
        Vigie = "vigie",
        /// Declared by a partner or sub-processor through the public link,
        /// their address confirmed by a code.
        Partner = "partner",
        /// Notified by the provider, the client's processor (Art. 33.2):
        /// its part of a provider-wide incident.
        Processor = "processor",
    }
);

closed_list!(
    /// A notification phase (the CNIL accepts an initial notification
    /// completed later as facts arrive).
    PhaseKind {
        Initial = "initial",
        Complementary = "complementary",
        Complete = "complete",
    }
);

closed_list!(
    /// Whether the people are informed (Art. 34).
    InformDecision {
        /// High risk: they are told, in plain words.
        Inform = "inform",
        /// No high risk to their rights and freedoms.
        NoHighRisk = "no_high_risk",
        /// Art. 34.3 a: the data were unintelligible (encrypted…).
        Unintelligible = "unintelligible",
        /// Art. 34.3 b: later measures removed the high risk.
        LaterMeasures = "later_measures",
        /// Art. 34.3 c: informing each would take disproportionate
        /// effort: a public communication instead.
        PublicCommunication = "public_communication",
    }
);

/// What is known of an incident, completed as facts arrive (C18).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facts {
    pub criteria: Vec<Criterion>,
    /// `None` until someone decides; an incident that is not a breach
    /// stays in the register with the reason (C17).
    pub is_breach: Option<bool>,
    pub not_breach_reason: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub started_at: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub ended_at: Option<Timestamp>,
    pub origin: String,
    pub cause: String,
    /// Systems, processing activities and sub-processors involved.
    pub systems: String,
    pub activities: String,
    pub subprocessors: String,
    pub person_categories: String,
    /// Approximate numbers, as the CNIL form asks.
    pub persons: Option<u64>,
    pub records: Option<u64>,
    pub consequences: String,
    pub measures_taken: String,
    pub measures_proposed: String,
    pub dpo_contact: String,
}

/// A fact that cannot be, with the field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactError {
    pub field: &'static str,
    pub message: &'static str,
}

/// Up to a minute ahead is clock skew between machines, not the future.
const SKEW: SignedDuration = SignedDuration::from_secs(60);

/// Awareness ("prise de connaissance") cannot be in the future.
pub fn check_awareness(awareness: Timestamp, now: Timestamp) -> Result<(), FactError> {
    if awareness > now.saturating_add(SKEW).unwrap_or(now) {
        return Err(FactError {
            field: "aware_at",
            message: "awareness cannot be in the future",
        });
    }
    Ok(())
}

impl Facts {
    /// What cannot be true, field by field.
    pub fn check(&self, now: Timestamp) -> Vec<FactError> {
        let mut out = Vec::new();
        let later = now.saturating_add(SKEW).unwrap_or(now);
        if self.started_at.is_some_and(|s| s > later) {
            out.push(FactError {
                field: "started_at",
                message: "the start cannot be in the future",
            });
        }
        if let (Some(s), Some(e)) = (self.started_at, self.ended_at)
            && e < s
        {
            out.push(FactError {
                field: "ended_at",
                message: "the end is before the start",
            });
        }
        if self.is_breach == Some(false) && self.not_breach_reason.trim().is_empty() {
            out.push(FactError {
                field: "not_breach_reason",
                message: "say why this is not a personal-data breach",
            });
        }
        out
    }

    /// What a complete notification still lacks (C18): nature, people
    /// and records, consequences, measures, the DPO's contact.
    pub fn missing_for_notification(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.criteria.is_empty() {
            out.push("criteria");
        }
        if self.person_categories.trim().is_empty() {
            out.push("person_categories");
        }
        if self.persons.is_none() {
            out.push("persons");
        }
        if self.records.is_none() {
            out.push("records");
        }
        if self.consequences.trim().is_empty() {
            out.push("consequences");
        }
        if self.measures_taken.trim().is_empty() {
            out.push("measures_taken");
        }
        if self.dpo_contact.trim().is_empty() {
            out.push("dpo_contact");
        }
        out
    }
}

/// Whether an incident's 72-hour clock runs: a breach (or not yet
/// qualified), not notified, not closed.
pub fn clock_runs(facts: &Facts, notified: bool, status: IncidentStatus) -> bool {
    facts.is_breach != Some(false) && !notified && status != IncidentStatus::Closed
}

/// A breach's 72-hour clock, from awareness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CnilClock {
    pub awareness: Timestamp,
}

impl CnilClock {
    pub fn deadline(self) -> Timestamp {
        self.awareness
            .saturating_add(CNIL_DELAY)
            .unwrap_or(Timestamp::MAX)
    }
    /// Time left at `now` (negative once past).
    pub fn left(self, now: Timestamp) -> SignedDuration {
        now.duration_until(self.deadline())
    }
    /// Whether a notification at `at` is late: then it needs the reasons
    /// for the delay (Art. 33.1).
    pub fn is_late(self, at: Timestamp) -> bool {
        at > self.deadline()
    }
    /// How many of the reminders (24 h, 48 h, 60 h) are due at `now`.
    pub fn reminders_due(self, now: Timestamp) -> usize {
        let elapsed = self.awareness.duration_until(now);
        REMINDER_HOURS
            .iter()
            .filter(|h| elapsed >= SignedDuration::from_hours(**h))
            .count()
    }
}

/// Service-hours promises of the provider's contracts (C34): an
/// intervention within 2 working hours of the declaration, data and
/// service back within 8 working hours (RPO and RTO) of the incident.
pub const INTERVENTION_WORKING_MINUTES: i64 = 2 * 60;
pub const RECOVERY_WORKING_MINUTES: i64 = 8 * 60;

/// The service-hours clocks of an incident, on the tenant's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceClocks {
    /// Intervention due by.
    pub intervention: Timestamp,
    /// Service and data restored by (RTO, RPO).
    pub recovery: Timestamp,
}

impl ServiceClocks {
    pub fn of(calendar: crate::calendar::Calendar, declared: Timestamp, aware: Timestamp) -> Self {
        ServiceClocks {
            intervention: calendar.add_working_minutes(declared, INTERVENTION_WORKING_MINUTES),
            recovery: calendar.add_working_minutes(aware, RECOVERY_WORKING_MINUTES),
        }
    }
}

/// The crisis process's escalation (C19): level 1, 2 or 3 from how long
/// the incident lasts and how many people it touches. The provider sets
/// the thresholds; the defaults: level 2 from 4 hours or 100 people,
/// level 3 from 24 hours or 1,000 people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EscalationRules {
    pub level2_hours: i64,
    pub level3_hours: i64,
    pub level2_persons: u64,
    pub level3_persons: u64,
}

impl Default for EscalationRules {
    fn default() -> Self {
        EscalationRules {
            level2_hours: 4,
            level3_hours: 24,
            level2_persons: 100,
            level3_persons: 1000,
        }
    }
}

impl EscalationRules {
    /// The thresholds make sense: positive, level 3 above level 2.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.level2_hours < 1 || self.level3_hours <= self.level2_hours {
            return Err("level2_hours must be at least 1 and below level3_hours");
        }
        if self.level2_persons < 1 || self.level3_persons <= self.level2_persons {
            return Err("level2_persons must be at least 1 and below level3_persons");
        }
        Ok(())
    }

    /// The level of an incident at `now`: its duration runs from its start
    /// (or awareness) to its end (or now).
    pub fn level(&self, facts: &Facts, aware: Timestamp, now: Timestamp) -> u8 {
        let from = facts.started_at.unwrap_or(aware);
        let to = facts.ended_at.unwrap_or(now);
        let hours = from.duration_until(to).as_hours();
        let persons = facts.persons.unwrap_or(0);
        if hours >= self.level3_hours || persons >= self.level3_persons {
            3
        } else if hours >= self.level2_hours || persons >= self.level2_persons {
            2
        } else {
            1
        }
    }
}

/// How often those impacted are kept informed at each level until
/// closure (level 1: at closure only).
pub fn update_every(level: u8) -> Option<SignedDuration> {
    match level {
        3 => Some(SignedDuration::from_hours(4)),
        2 => Some(SignedDuration::from_hours(24)),
        _ => None,
    }
}

/// The processor's notice to each affected client (Art. 33.2: "without
/// undue delay"), within the limit of that client's contract; 48 hours
/// where the contract names none.
pub const DEFAULT_PROCESSOR_NOTICE_HOURS: i64 = 48;

/// A contractual notice limit makes sense between 1 hour and 72: past
/// that the client could not notify the CNIL in time.
pub fn check_notice_hours(hours: i64) -> Result<(), &'static str> {
    if (1..=72).contains(&hours) {
        Ok(())
    } else {
        Err("between 1 and 72 hours")
    }
}

/// When the provider's notice to one client is due: from the provider's
/// awareness, in elapsed hours.
pub fn notice_due(provider_aware: Timestamp, hours: i64) -> Timestamp {
    provider_aware
        .saturating_add(SignedDuration::from_hours(hours))
        .unwrap_or(Timestamp::MAX)
}

/// When the impacted clients are next owed news of a provider-wide
/// incident ("problème") at `level`: the set interval after the last
/// thing they were told. `None` at level 1 (news at closure only).
pub fn next_update_due(level: u8, last_told: Timestamp) -> Option<Timestamp> {
    update_every(level).map(|every| last_told.saturating_add(every).unwrap_or(Timestamp::MAX))
}

closed_list!(
    /// Where a provider-wide incident stands.
    ProblemStatus {
        /// Its impacted clients are told as it unfolds.
        Open = "open",
        /// Closed with the general information to every impacted client.
        Closed = "closed",
    }
);

/// "47 h 12 min", for a countdown; a negative duration counts the delay.
pub fn hours_and_minutes(d: SignedDuration) -> String {
    let mins = d.as_mins().abs();
    format!("{} h {:02} min", mins / 60, mins % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn paris(y: i16, mo: i8, d: i8, h: i8, mi: i8) -> Timestamp {
        date(y, mo, d)
            .at(h, mi, 0, 0)
            .to_zoned(crate::time::legal_zone())
            .unwrap()
            .timestamp()
    }

    #[test]
    fn c17_seventy_two_real_hours_across_a_daylight_saving_change() {
        // Aware on the eve of the autumn change (25 Oct 2026, 03:00 → 02:00):
        // 72 elapsed hours end at 21:30 wall time, not 22:30.
        let clock = CnilClock {
            awareness: paris(2026, 10, 24, 22, 30),
        };
        assert_eq!(clock.deadline(), paris(2026, 10, 27, 21, 30));
        // Spring (29 Mar 2026, 02:00 → 03:00): one hour later on the wall.
        let spring = CnilClock {
            awareness: paris(2026, 3, 28, 23, 5),
        };
        assert_eq!(spring.deadline(), paris(2026, 4, 1, 0, 5));
    }

    #[test]
    fn c17_at_night_and_on_a_holiday_the_clock_runs_the_same() {
        // Aware at 02:14 on 1 May (a holiday): no working-hours pause.
        let clock = CnilClock {
            awareness: paris(2026, 5, 1, 2, 14),
        };
        assert_eq!(clock.deadline(), paris(2026, 5, 4, 2, 14));
        assert!(!clock.is_late(paris(2026, 5, 4, 2, 14)));
        assert!(clock.is_late(paris(2026, 5, 4, 2, 15)));
        assert_eq!(
            hours_and_minutes(clock.left(paris(2026, 5, 1, 3, 2))),
            "71 h 12 min"
        );
        assert_eq!(clock.reminders_due(paris(2026, 5, 2, 2, 13)), 0);
        assert_eq!(clock.reminders_due(paris(2026, 5, 2, 2, 14)), 1);
        assert_eq!(clock.reminders_due(paris(2026, 5, 3, 14, 14)), 3);
    }

    #[test]
    fn c34_service_clocks_count_working_hours_of_the_tenant_calendar() {
        // Declared Thursday 24 Dec 2026 at 16:45 in Alsace-Moselle: 45 min
        // that day; 25 and 26 Dec are holidays, then the weekend.
        let c = ServiceClocks::of(
            crate::calendar::Calendar::AlsaceMoselle,
            paris(2026, 12, 24, 16, 45),
            paris(2026, 12, 24, 16, 0),
        );
        assert_eq!(c.intervention, paris(2026, 12, 28, 9, 45));
        assert_eq!(c.recovery, paris(2026, 12, 28, 16, 0));
    }

    #[test]
    fn c19_escalation_by_duration_and_people() {
        let rules = EscalationRules::default();
        let aware = paris(2026, 12, 1, 8, 0);
        let facts = |persons, ended: Option<Timestamp>| Facts {
            persons,
            ended_at: ended,
            ..Facts::default()
        };
        assert_eq!(
            rules.level(&facts(Some(10), None), aware, paris(2026, 12, 1, 11, 59)),
            1
        );
        assert_eq!(
            rules.level(&facts(Some(10), None), aware, paris(2026, 12, 1, 12, 0)),
            2
        );
        assert_eq!(rules.level(&facts(Some(150), None), aware, aware), 2);
        assert_eq!(rules.level(&facts(Some(5000), None), aware, aware), 3);
        assert_eq!(
            rules.level(&facts(None, None), aware, paris(2026, 12, 2, 8, 0)),
            3
        );
        // Ended after an hour: level 1 however late it is read.
        let ended = Some(paris(2026, 12, 1, 9, 0));
        assert_eq!(
            rules.level(&facts(None, ended), aware, paris(2026, 12, 9, 8, 0)),
            1
        );
        assert_eq!(update_every(3), Some(SignedDuration::from_hours(4)));
        assert!(update_every(1).is_none());
        let wrong = EscalationRules {
            level3_hours: 2,
            ..rules
        };
        assert!(wrong.check().is_err());
        assert!(rules.check().is_ok());
    }

    #[test]
    fn c17_c19_the_processor_notice_and_the_updates_run_on_their_own_clocks() {
        let aware = paris(2026, 10, 24, 20, 0);
        // 24 contractual hours across the autumn change: 19:00 on the wall.
        assert_eq!(notice_due(aware, 24), paris(2026, 10, 25, 19, 0));
        assert!(check_notice_hours(0).is_err());
        assert!(check_notice_hours(73).is_err());
        assert!(check_notice_hours(DEFAULT_PROCESSOR_NOTICE_HOURS).is_ok());
        assert_eq!(next_update_due(1, aware), None);
        assert_eq!(next_update_due(3, aware), Some(paris(2026, 10, 25, 0, 0)));
        assert_eq!(next_update_due(2, aware), Some(paris(2026, 10, 25, 19, 0)));
    }

    #[test]
    fn c17_impossible_facts_are_refused_by_field() {
        let now = paris(2026, 12, 1, 10, 0);
        assert!(check_awareness(paris(2026, 12, 1, 11, 0), now).is_err());
        assert!(check_awareness(now, now).is_ok());
        let facts = Facts {
            started_at: Some(paris(2026, 11, 30, 10, 0)),
            ended_at: Some(paris(2026, 11, 29, 10, 0)),
            is_breach: Some(false),
            ..Facts::default()
        };
        let fields: Vec<&str> = facts.check(now).iter().map(|e| e.field).collect();
        assert_eq!(fields, ["ended_at", "not_breach_reason"]);
        assert_eq!(Facts::default().missing_for_notification().len(), 7);
    }
}
