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
    /// Consent's validity (C35) and cookie data's retention (seed 003 §5).
    pub const THIRTEEN_MONTHS: Period = Period {
        amount: 13,
        unit: PeriodUnit::Months,
    };

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

impl Period {
    /// The last day a thing whose period starts on `from` is kept: the day
    /// of the same number, `amount` units later (the month's last day when
    /// it is shorter).
    pub fn last_day(self, from: Date) -> Date {
        let n = self.amount();
        let span = match self.unit {
            PeriodUnit::Days => Span::new().days(n),
            PeriodUnit::Months => Span::new().months(n),
            PeriodUnit::Years => Span::new().years(n),
        };
        from.checked_add(span).unwrap_or(Date::MAX)
    }
}

/// `"1 an"`, `"3 mois"`, `"30 jours"`, or in English (`"1 year"`,
/// `"3 months"`, `"30 days"`): how the instance's configuration writes a
/// period.
impl std::str::FromStr for Period {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const FORM: &str = "a number and a unit: \"1 an\", \"3 mois\", \"30 jours\"";
        let (n, unit) = s.trim().split_once(' ').ok_or(FORM)?;
        let amount: i64 = n.parse().map_err(|_| FORM)?;
        let unit = match unit.trim() {
            "jour" | "jours" | "day" | "days" => PeriodUnit::Days,
            "mois" | "month" | "months" => PeriodUnit::Months,
            "an" | "ans" | "year" | "years" => PeriodUnit::Years,
            _ => return Err(FORM),
        };
        Period::new(amount, unit)
    }
}

/// How long Vigie keeps its own data (C21, seed 002 §8): the instance's
/// policy, applied by the nightly sweep of its own data (C22).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnPolicy {
    /// An account not signed in for this long is deleted ("en cas
    /// d'inactivité pendant une année, le compte est supprimé").
    pub inactive_account: Period,
    /// Its owner is told this long before, and may sign in to keep it.
    pub notice: Period,
    /// An account left with no client — its holder's cessation of
    /// activity notified, or its client gone — is deleted after this
    /// ("dans un délai de 3 mois").
    pub unattached_account: Period,
    /// A rights request answered or closed is kept this long after its
    /// last step, then anonymised: the proof of the answer for the
    /// limitation period of civil actions (5 years, art. 2224 Code civil).
    pub closed_request: Period,
    /// A submission whose sender never confirmed the address is deleted
    /// after this.
    pub unconfirmed_request: Period,
    /// A consent record is kept while the consent holds (13 months), then
    /// deleted; the chain keeps an anchor.
    pub consent_record: Period,
}

impl Default for OwnPolicy {
    fn default() -> Self {
        let p = |n, u| Period { amount: n, unit: u };
        OwnPolicy {
            inactive_account: p(1, PeriodUnit::Years),
            notice: p(30, PeriodUnit::Days),
            unattached_account: p(3, PeriodUnit::Months),
            closed_request: p(5, PeriodUnit::Years),
            unconfirmed_request: p(30, PeriodUnit::Days),
            consent_record: Period::THIRTEEN_MONTHS,
        }
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
    fn c21_the_configuration_writes_periods_in_words() {
        let p: Period = "1 an".parse().unwrap();
        assert_eq!(p, Period::new(1, PeriodUnit::Years).unwrap());
        assert_eq!(
            "3 mois".parse::<Period>().unwrap().unit(),
            PeriodUnit::Months
        );
        assert_eq!("30 days".parse::<Period>().unwrap().amount(), 30);
        for bad in ["", "1", "an", "0 an", "1 semaine", "-3 mois", "101 ans"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        // The day of the same number, or the month's last.
        let year = Period::new(1, PeriodUnit::Years).unwrap();
        assert_eq!(year.last_day(date(2028, 2, 29)), date(2029, 2, 28));
        for d in [date(2025, 12, 1), date(2028, 2, 29), date(2026, 3, 31)] {
            // Kept on its last day, expired the day after.
            assert!(d >= year.cutoff(year.last_day(d)));
            assert!(d < year.cutoff(year.last_day(d).tomorrow().unwrap()));
        }
    }

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
