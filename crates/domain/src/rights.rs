//! Data subjects' rights requests ("demandes d'exercice des droits"): what
//! can be asked, how a request moves from receipt to closure, and its legal
//! deadline (Art. 12.3 GDPR).

use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;

/// A right the person exercises (Art. 15–22, and art. 85 of the French
/// "loi Informatique et Libertés" for directives after death).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// "droit d'accès" (Art. 15)
    Access,
    /// "droit de rectification" (Art. 16)
    Rectification,
    /// "droit à l'effacement" (Art. 17)
    Erasure,
    /// "droit à la limitation du traitement" (Art. 18)
    Restriction,
    /// "droit à la portabilité" (Art. 20)
    Portability,
    /// "droit d'opposition" (Art. 21), including to marketing by channel.
    Objection,
    /// "directives relatives au sort des données après la mort" (LIL art. 85)
    PostMortem,
}

impl RequestKind {
    pub const ALL: [RequestKind; 7] = [
        RequestKind::Access,
        RequestKind::Rectification,
        RequestKind::Erasure,
        RequestKind::Restriction,
        RequestKind::Portability,
        RequestKind::Objection,
        RequestKind::PostMortem,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Access => "access",
            RequestKind::Rectification => "rectification",
            RequestKind::Erasure => "erasure",
            RequestKind::Restriction => "restriction",
            RequestKind::Portability => "portability",
            RequestKind::Objection => "objection",
            RequestKind::PostMortem => "post_mortem",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// Whether approving the request runs something on the connected
    /// systems; directives after death are recorded, not executed.
    pub fn executes(self) -> bool {
        self != RequestKind::PostMortem
    }
    /// Whether execution produces an export for the person.
    pub fn exports(self) -> bool {
        matches!(self, RequestKind::Access | RequestKind::Portability)
    }
}

/// A marketing channel a person may object to (Art. 21.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
    Phone,
    Post,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Email, Channel::Sms, Channel::Phone, Channel::Post];
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Phone => "phone",
            Channel::Post => "post",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How a request reached the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intake {
    /// The tenant's public form.
    WebForm,
    /// A letter, recorded by an agent with its date of receipt.
    Letter,
    /// An email, recorded by an agent.
    Email,
    /// Forwarded by the provider, which processes the data on the tenant's
    /// behalf (C14).
    Forwarded,
}

impl Intake {
    pub const ALL: [Intake; 4] = [
        Intake::WebForm,
        Intake::Letter,
        Intake::Email,
        Intake::Forwarded,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Intake::WebForm => "web_form",
            Intake::Letter => "letter",
            Intake::Email => "email",
            Intake::Forwarded => "forwarded",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How the person's identity was checked (C12). Only what is needed: the
/// form never asks for an identity document up front.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// Control of the email address, by a one-time code.
    EmailCode,
    /// An identity document seen (not kept).
    DocumentSeen,
    /// In person, at the front desk.
    InPerson,
    /// The request came from the person's authenticated account.
    KnownAccount,
}

impl Verification {
    pub const ALL: [Verification; 4] = [
        Verification::EmailCode,
        Verification::DocumentSeen,
        Verification::InPerson,
        Verification::KnownAccount,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::EmailCode => "email_code",
            Verification::DocumentSeen => "document_seen",
            Verification::InPerson => "in_person",
            Verification::KnownAccount => "known_account",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Submitted on the public form; the person has not yet entered the
    /// code sent to their address. Not yet a request: no clock.
    AwaitingEmailCheck,
    /// Received; identity not yet checked.
    Received,
    /// More information asked of the person.
    AwaitingInformation,
    /// Identity checked.
    Verified,
    /// Approved: running against the connected systems.
    Executing,
    /// Every system's step finished.
    Executed,
    /// The person was answered.
    Answered,
    /// Refused (manifestly unfounded, identity not established…), with a
    /// reason told to the person.
    Refused,
    /// Forwarded to the client organisation, which answers (C14).
    Forwarded,
    Closed,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 10] = [
        RequestStatus::AwaitingEmailCheck,
        RequestStatus::Received,
        RequestStatus::AwaitingInformation,
        RequestStatus::Verified,
        RequestStatus::Executing,
        RequestStatus::Executed,
        RequestStatus::Answered,
        RequestStatus::Refused,
        RequestStatus::Forwarded,
        RequestStatus::Closed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::AwaitingEmailCheck => "awaiting_email_check",
            RequestStatus::Received => "received",
            RequestStatus::AwaitingInformation => "awaiting_information",
            RequestStatus::Verified => "verified",
            RequestStatus::Executing => "executing",
            RequestStatus::Executed => "executed",
            RequestStatus::Answered => "answered",
            RequestStatus::Refused => "refused",
            RequestStatus::Forwarded => "forwarded",
            RequestStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// Whether the legal clock still runs: the organisation owes an answer.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            RequestStatus::Received
                | RequestStatus::AwaitingInformation
                | RequestStatus::Verified
                | RequestStatus::Executing
                | RequestStatus::Executed
        )
    }
}

/// Something done to a request. Each is one transition of the state
/// machine and one line of the request's timeline (C16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    ConfirmEmail,
    AskInformation,
    Verify,
    Extend,
    Approve,
    FinishExecution,
    Answer,
    Refuse,
    Forward,
    Close,
}

/// A step that the request's status does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a request that is {from} cannot be {step}")]
pub struct IllegalStep {
    pub from: &'static str,
    pub step: &'static str,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::ConfirmEmail => "email_confirmed",
            Step::AskInformation => "information_asked",
            Step::Verify => "verified",
            Step::Extend => "extended",
            Step::Approve => "approved",
            Step::FinishExecution => "executed",
            Step::Answer => "answered",
            Step::Refuse => "refused",
            Step::Forward => "forwarded",
            Step::Close => "closed",
        }
    }

    /// The status after this step, if it is allowed from `from`.
    pub fn apply(self, from: RequestStatus) -> Result<RequestStatus, IllegalStep> {
        use RequestStatus as S;
        let to = match (self, from) {
            (Step::ConfirmEmail, S::AwaitingEmailCheck) => Some(S::Received),
            (Step::AskInformation, S::Received | S::AwaitingInformation | S::Verified) => {
                Some(S::AwaitingInformation)
            }
            (Step::Verify, S::Received | S::AwaitingInformation) => Some(S::Verified),
            // Extending does not move the request; it is allowed while open.
            (Step::Extend, s) if s.is_open() => Some(s),
            (Step::Approve, S::Verified) => Some(S::Executing),
            (Step::FinishExecution, S::Executing) => Some(S::Executed),
            (Step::Answer, S::Verified | S::Executed) => Some(S::Answered),
            (Step::Refuse, s) if s.is_open() && s != S::Executing => Some(S::Refused),
            (Step::Forward, S::Received | S::AwaitingInformation | S::Verified) => {
                Some(S::Forwarded)
            }
            (Step::Close, S::Answered | S::Refused | S::Forwarded) => Some(S::Closed),
            _ => None,
        };
        to.ok_or(IllegalStep {
            from: from.as_str(),
            step: self.as_str(),
        })
    }
}

/// The legal deadline of a request received at `received` (C13): one
/// month, counted on the Paris calendar date of receipt; three months once
/// extended (Art. 12.3: "prolongé de deux mois").
pub fn deadline(received: Timestamp, calendar: Calendar, extended: bool) -> Date {
    let day = crate::time::legal_date(received);
    calendar.months_after(day, if extended { 3 } else { 1 })
}

/// An extension must be told to the person within the first month
/// (Art. 12.3): allowed up to and including the original deadline.
pub fn may_extend(received: Timestamp, calendar: Calendar, today: Date) -> bool {
    today <= deadline(received, calendar, false)
}

/// How a request stands against its deadline, for the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Late,
    /// Seven days or fewer left.
    DueSoon,
    OnTime,
}

pub fn urgency(due: Date, today: Date) -> Urgency {
    if today > due {
        Urgency::Late
    } else if (due - today).get_days() <= 7 {
        Urgency::DueSoon
    } else {
        Urgency::OnTime
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn round_trips() {
        for k in RequestKind::ALL {
            assert_eq!(RequestKind::parse(k.as_str()), Some(k));
        }
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(s.as_str()), Some(s));
        }
        for v in Verification::ALL {
            assert_eq!(Verification::parse(v.as_str()), Some(v));
        }
        for i in Intake::ALL {
            assert_eq!(Intake::parse(i.as_str()), Some(i));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
    }

    // C12: nothing is executed or answered before identity is checked.
    #[test]
    fn c12_no_execution_or_answer_before_verification() {
        use RequestStatus as S;
        for s in [S::AwaitingEmailCheck, S::Received, S::AwaitingInformation] {
            assert!(Step::Approve.apply(s).is_err(), "{s:?}");
            assert!(Step::Answer.apply(s).is_err(), "{s:?}");
        }
        assert_eq!(Step::Verify.apply(S::Received), Ok(S::Verified));
        assert_eq!(Step::Approve.apply(S::Verified), Ok(S::Executing));
        let e = Step::Approve.apply(S::Received).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a request that is received cannot be approved"
        );
    }

    #[test]
    fn c14_forwarded_requests_are_not_answered() {
        let s = Step::Forward.apply(RequestStatus::Received).unwrap();
        assert_eq!(s, RequestStatus::Forwarded);
        assert!(Step::Answer.apply(s).is_err());
        assert!(!s.is_open());
        assert_eq!(Step::Close.apply(s), Ok(RequestStatus::Closed));
    }

    #[test]
    fn c13_deadline_uses_the_paris_date_of_receipt() {
        // 30 Nov 2026 23:30 UTC is already 1 Dec in Paris → 1 Jan is a
        // holiday → Fri 1 Jan → Mon 4 Jan 2027.
        let t: Timestamp = "2026-11-30T23:30:00Z".parse().unwrap();
        assert_eq!(deadline(t, Calendar::France, false), date(2027, 1, 4));
        // Extended: 1 Mar 2027 is a Monday.
        assert_eq!(deadline(t, Calendar::France, true), date(2027, 3, 1));
        assert!(may_extend(t, Calendar::France, date(2027, 1, 4)));
        assert!(!may_extend(t, Calendar::France, date(2027, 1, 5)));
    }

    #[test]
    fn urgency_levels() {
        let due = date(2026, 12, 10);
        assert_eq!(urgency(due, date(2026, 12, 11)), Urgency::Late);
        assert_eq!(urgency(due, date(2026, 12, 3)), Urgency::DueSoon);
        assert_eq!(urgency(due, date(2026, 12, 10)), Urgency::DueSoon);
        assert_eq!(urgency(due, date(2026, 12, 2)), Urgency::OnTime);
    }
}

closed_list!(
    /// In what capacity someone acts for the person (Art. 12, and the
    /// French rules on minors and protected adults).
    Capacity {
        /// A parent of a minor ("titulaire de l'autorité parentale").
        Parent = "parent",
        /// A guardian or curator of a protected adult ("tuteur, curateur").
        Guardian = "guardian",
        Lawyer = "lawyer",
        /// Anyone holding a written mandate ("mandataire").
        Mandatary = "mandatary",
    }
);

/// Someone who makes the request for the person, and the proof of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Representative {
    pub name: String,
    pub capacity: Capacity,
    /// The proof of mandate seen ("livret de famille", "jugement de
    /// tutelle du 3 mars 2024", "mandat signé du 12 novembre").
    pub mandate: String,
}

closed_list!(
    /// How the answer reaches the person.
    AnswerBy {
        Email = "email",
        /// A letter, printed from Vigie.
        Post = "post",
        /// Handed over at the front desk.
        InPerson = "in_person",
    }
);

/// How to reach the person beyond an email address (issue 18): a postal
/// address, a representative, and how the answer goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub postal_address: String,
    pub representative: Option<Representative>,
    pub answer_by: AnswerBy,
}

impl Default for Contact {
    fn default() -> Self {
        Contact {
            postal_address: String::new(),
            representative: None,
            answer_by: AnswerBy::Email,
        }
    }
}

/// Why a request's contact cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactProblem {
    #[error("postal_address: an answer by post needs the postal address")]
    NoAddress,
    #[error("email: an answer by email needs the email address")]
    NoEmail,
    #[error("representative: the representative's name and the proof of mandate seen")]
    Representative,
    #[error("{0}: at most 500 characters")]
    TooLong(&'static str),
}

impl ContactProblem {
    pub fn field(&self) -> &'static str {
        match self {
            ContactProblem::NoAddress => "postal_address",
            ContactProblem::NoEmail => "email",
            ContactProblem::Representative => "representative",
            ContactProblem::TooLong(f) => f,
        }
    }
}

impl Contact {
    /// Trimmed and checked against how the answer goes (`has_email`: the
    /// request holds an address).
    pub fn checked(mut self, has_email: bool) -> Result<Contact, ContactProblem> {
        self.postal_address = self.postal_address.trim().to_owned();
        if self.postal_address.chars().count() > 500 {
            return Err(ContactProblem::TooLong("postal_address"));
        }
        if let Some(r) = &mut self.representative {
            r.name = r.name.trim().to_owned();
            r.mandate = r.mandate.trim().to_owned();
            if r.name.is_empty() || r.mandate.is_empty() {
                return Err(ContactProblem::Representative);
            }
            if r.name.chars().count() > 200 || r.mandate.chars().count() > 500 {
                return Err(ContactProblem::TooLong("representative"));
            }
        }
        match self.answer_by {
            AnswerBy::Post if self.postal_address.is_empty() => Err(ContactProblem::NoAddress),
            AnswerBy::Email if !has_email => Err(ContactProblem::NoEmail),
            _ => Ok(self),
        }
    }
}

#[cfg(test)]
mod contact_tests {
    use super::*;

    #[test]
    fn an_answer_goes_where_the_request_can_be_reached() {
        let by_post = Contact {
            answer_by: AnswerBy::Post,
            ..Contact::default()
        };
        assert_eq!(
            by_post.clone().checked(true),
            Err(ContactProblem::NoAddress)
        );
        let addressed = Contact {
            postal_address: " 3 rue des Lilas\n39000 Lons-le-Saunier ".into(),
            ..by_post
        };
        assert_eq!(
            addressed.checked(false).unwrap().postal_address,
            "3 rue des Lilas\n39000 Lons-le-Saunier"
        );
        assert_eq!(
            Contact::default().checked(false),
            Err(ContactProblem::NoEmail)
        );
        let acting = Contact {
            representative: Some(Representative {
                name: "Paul Martin".into(),
                capacity: Capacity::Parent,
                mandate: " ".into(),
            }),
            ..Contact::default()
        };
        assert_eq!(acting.checked(true), Err(ContactProblem::Representative));
    }
}
