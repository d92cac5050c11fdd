//! Client audits of the provider (C40) and documented instructions (C41),
//! as seed 000 promises them: an audit is announced a month ahead, at most
//! once in twelve months unless an authority requires it; every
//! instruction is written down, and the provider may flag one it believes
//! unlawful (Art. 28.3 h).

use jiff::{ToSpan, civil::Date};
use serde::{Deserialize, Serialize};

/// Why an audit request is refused, said on the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditRefusal {
    #[error("an audit is announced at least one month ahead: the earliest date is {earliest}")]
    NoticeTooShort { earliest: Date },
    #[error(
        "one audit per 12 months: the last one was planned on {last}; the next is possible from {next}, unless an authority requires it"
    )]
    OnePerYear { last: Date, next: Date },
}

/// Checks an audit request made on `requested_on` for `planned_on`, given
/// the planned dates of the tenant's earlier audits not required by an
/// authority.
pub fn check_audit(
    requested_on: Date,
    planned_on: Date,
    authority_required: bool,
    earlier: &[Date],
) -> Result<(), AuditRefusal> {
    let earliest = requested_on.checked_add(1.month()).unwrap_or(Date::MAX);
    if planned_on < earliest {
        return Err(AuditRefusal::NoticeTooShort { earliest });
    }
    if authority_required {
        return Ok(());
    }
    if let Some(last) = earlier.iter().copied().max() {
        let next = last.checked_add(12.months()).unwrap_or(Date::MAX);
        if planned_on < next {
            return Err(AuditRefusal::OnePerYear { last, next });
        }
    }
    Ok(())
}

/// A client's audit of the provider.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Audit {
    pub scope: String,
    pub auditor: String,
    pub authority_required: bool,
    /// Which authority, when it requires the audit.
    pub authority: String,
    /// The audit plan, agreed with the provider.
    pub plan: String,
    pub report: String,
    /// The provider's answers to the report's findings.
    pub answers: String,
}

/// A documented instruction of a client (C41).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Instruction {
    pub given_by: String,
    pub purpose: String,
    /// What the provider is to do with the data.
    pub operation: String,
    /// The provider believes the instruction infringes the GDPR.
    pub flagged_unlawful: bool,
    pub flag_reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn c40_a_month_of_notice() {
        let r = check_audit(date(2026, 11, 23), date(2026, 12, 15), false, &[]);
        assert_eq!(
            r,
            Err(AuditRefusal::NoticeTooShort {
                earliest: date(2026, 12, 23)
            })
        );
        assert!(r.unwrap_err().to_string().contains("2026-12-23"));
        assert_eq!(
            check_audit(date(2026, 11, 23), date(2026, 12, 23), false, &[]),
            Ok(())
        );
        // Even an authority's audit gives the month of notice.
        assert!(check_audit(date(2026, 11, 23), date(2026, 12, 1), true, &[]).is_err());
    }

    #[test]
    fn c40_one_per_twelve_months_unless_an_authority_requires_it() {
        let earlier = [date(2026, 3, 10)];
        let r = check_audit(date(2026, 11, 23), date(2027, 1, 10), false, &earlier);
        assert_eq!(
            r,
            Err(AuditRefusal::OnePerYear {
                last: date(2026, 3, 10),
                next: date(2027, 3, 10)
            })
        );
        assert_eq!(
            check_audit(date(2026, 11, 23), date(2027, 3, 10), false, &earlier),
            Ok(())
        );
        assert_eq!(
            check_audit(date(2026, 11, 23), date(2027, 1, 10), true, &earlier),
            Ok(())
        );
    }
}
