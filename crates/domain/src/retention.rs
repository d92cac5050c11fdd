//! Retention rules ("durées de conservation") executed (C21, C22): for a
//! table of a connected system, a trigger date column, a period counted as
//! Regulation 1182/71 counts, and what happens to the rows past it.

use jiff::{Span, civil::Date};

use crate::SystemId;

closed_list!(
    /// The unit of a retention period.
    PeriodUnit {
        Days = "days",
        Months = "months",
        Years = "years",
    }
);

closed_list!(
    /// What happens to a row past its period.
    RetentionAction {
        /// Removed from the table.
        Delete = "delete",
        /// Kept, its masked columns replaced (C23): links and counts stay.
        Anonymise = "anonymise",
    }
);

/// A retention period: 1 to 100 years' worth of its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Period {
    amount: u16,
    unit: PeriodUnit,
}

/// The longest period a rule may hold, in its unit (100 years).
fn max_amount(unit: PeriodUnit) -> i64 {
    match unit {
        PeriodUnit::Days => 36_525,
        PeriodUnit::Months => 1200,
        PeriodUnit::Years => 100,
    }
}

impl Period {
    pub fn new(amount: i64, unit: PeriodUnit) -> Result<Self, &'static str> {
        if amount < 1 {
            return Err("a period of at least 1");
        }
        if amount > max_amount(unit) {
            return Err("a period of at most 100 years");
        }
        let amount = u16::try_from(amount).map_err(|_| "a period of at most 100 years")?;
        Ok(Period { amount, unit })
    }
    pub fn amount(self) -> i64 {
        i64::from(self.amount)
    }
    pub fn unit(self) -> PeriodUnit {
        self.unit
    }

    /// The first day a row is kept on `today`: a row whose trigger falls
    /// before it has outlived its period. Regulation 1182/71 (art. 3): a
    /// period starts the day after the event and ends with the last hour
    /// of the day of the same number in the last month or year (its last
    /// day when the month is shorter) — so an account last used on
    /// 1 December 2025 kept for a year is expired from 2 December 2026.
    pub fn cutoff(self, today: Date) -> Date {
        let n = self.amount();
        let span = match self.unit {
            PeriodUnit::Days => Span::new().days(n),
            PeriodUnit::Months => Span::new().months(n),
            PeriodUnit::Years => Span::new().years(n),
        };
        today.checked_sub(span).unwrap_or(Date::MIN)
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match (self.unit, self.amount) {
            (PeriodUnit::Days, 1) => "jour",
            (PeriodUnit::Days, _) => "jours",
            (PeriodUnit::Months, _) => "mois",
            (PeriodUnit::Years, 1) => "an",
            (PeriodUnit::Years, _) => "ans",
        };
        write!(f, "{} {unit}", self.amount)
    }
}

/// A rule as its author writes it; the live checks (the table is in the
/// dataset, the trigger is a date) are `vigie-connect`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRule {
    pub system: SystemId,
    /// What the rows are ("Contacts inactifs"), for the report and the
    /// public policy.
    pub label: String,
    pub table: String,
    pub trigger_column: String,
    pub period: Period,
    pub action: RetentionAction,
}

/// Ready-made rules from the seeds' promised durations (C21).
pub struct RuleTemplate {
    pub key: &'static str,
    /// What the data are (the duration is said apart).
    pub label: &'static str,
    pub amount: i64,
    pub unit: PeriodUnit,
    pub action: RetentionAction,
}

impl RuleTemplate {
    pub fn period(&self) -> Option<Period> {
        Period::new(self.amount, self.unit).ok()
    }
}

pub const TEMPLATES: &[RuleTemplate] = &[
    RuleTemplate {
        key: "inactive_account",
        label: "Comptes inactifs (dernière connexion)",
        amount: 1,
        unit: PeriodUnit::Years,
        action: RetentionAction::Delete,
    },
    RuleTemplate {
        key: "prospect",
        label: "Prospects (dernier contact)",
        amount: 3,
        unit: PeriodUnit::Years,
        action: RetentionAction::Anonymise,
    },
    RuleTemplate {
        key: "connection_logs",
        label: "Journaux de connexion",
        amount: 1,
        unit: PeriodUnit::Years,
        action: RetentionAction::Delete,
    },
    RuleTemplate {
        key: "cookies",
        label: "Données des traceurs (cookies)",
        amount: 13,
        unit: PeriodUnit::Months,
        action: RetentionAction::Delete,
    },
    RuleTemplate {
        key: "badges_video",
        label: "Badges et vidéoprotection",
        amount: 1,
        unit: PeriodUnit::Months,
        action: RetentionAction::Delete,
    },
    RuleTemplate {
        key: "candidates",
        label: "Candidats non retenus",
        amount: 2,
        unit: PeriodUnit::Years,
        action: RetentionAction::Delete,
    },
    RuleTemplate {
        key: "contract",
        label: "Contrats (fin du contrat)",
        amount: 10,
        unit: PeriodUnit::Years,
        action: RetentionAction::Anonymise,
    },
    RuleTemplate {
        key: "tickets",
        label: "Tickets d'assistance",
        amount: 15,
        unit: PeriodUnit::Years,
        action: RetentionAction::Anonymise,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn c21_periods_count_as_regulation_1182_71() {
        let year = Period::new(1, PeriodUnit::Years).unwrap();
        // Last used on 1 Dec 2025: kept through 1 Dec 2026.
        let cutoff = year.cutoff(date(2026, 12, 1));
        assert_eq!(cutoff, date(2025, 12, 1));
        assert!(date(2025, 12, 1) >= cutoff, "still kept on 1 Dec 2026");
        assert!(date(2025, 12, 1) < year.cutoff(date(2026, 12, 2)));
        // A month from 31 March ends on the last day of April.
        let month = Period::new(1, PeriodUnit::Months).unwrap();
        assert_eq!(month.cutoff(date(2026, 4, 30)), date(2026, 3, 30));
        assert_eq!(month.cutoff(date(2026, 3, 31)), date(2026, 2, 28));
        // 29 February, a year on, ends on 28 February.
        assert_eq!(year.cutoff(date(2029, 2, 28)), date(2028, 2, 28));
        assert_eq!(
            Period::new(30, PeriodUnit::Days)
                .unwrap()
                .cutoff(date(2026, 3, 1)),
            date(2026, 1, 30)
        );
        assert!(Period::new(0, PeriodUnit::Days).is_err());
        assert!(Period::new(101, PeriodUnit::Years).is_err());
        assert!(Period::new(1201, PeriodUnit::Months).is_err());
        assert_eq!(
            Period::new(13, PeriodUnit::Months).unwrap().to_string(),
            "13 mois"
        );
    }
}
