//! What a DPO follows beside the register (issue 17): advice given to the
//! controller ("préconisations") and the action plan ("plan d'action"),
//! each with who answers for it and by when; and the evidence documents
//! kept as proof, checked for what they really are.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ActivityId;

closed_list!(
    /// Advice the DPO gives, or an action the controller plans.
    FollowUpKind {
        /// "préconisation du DPO": the controller follows it or not.
        Advice = "advice",
        /// "action du plan d'action": someone does it by a date.
        Action = "action",
    }
);

closed_list!(
    /// Where an item stands: open, done (advice followed), or declined
    /// (advice not followed, action abandoned — with the reason why).
    FollowUpStatus {
        Open = "open",
        Done = "done",
        Declined = "declined",
    }
);

/// An item to record, checked: a title, and for an action its owner and
/// due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFollowUp {
    pub kind: FollowUpKind,
    pub activity: Option<ActivityId>,
    pub title: String,
    pub detail: String,
    /// Who answers for it ("service informatique", "Mme Martin").
    pub owner: String,
    pub due: Option<Date>,
}

/// A field of an item that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FollowUpProblem {
    #[error("title: what is advised or to be done, 1 to 300 characters")]
    Title,
    #[error("detail: at most 10,000 characters")]
    Detail,
    #[error("owner: an action has someone who answers for it (at most 200 characters)")]
    Owner,
    #[error("due: an action has a due date")]
    Due,
    #[error("response: say why it is declined or abandoned")]
    Response,
}

impl FollowUpProblem {
    pub fn field(&self) -> &'static str {
        match self {
            FollowUpProblem::Title => "title",
            FollowUpProblem::Detail => "detail",
            FollowUpProblem::Owner => "owner",
            FollowUpProblem::Due => "due",
            FollowUpProblem::Response => "response",
        }
    }
}

impl NewFollowUp {
    /// Trimmed, then checked: every rule it breaks.
    pub fn checked(mut self) -> Result<NewFollowUp, Vec<FollowUpProblem>> {
        self.title = self.title.trim().to_owned();
        self.detail = self.detail.trim().to_owned();
        self.owner = self.owner.trim().to_owned();
        let mut out = Vec::new();
        let n = self.title.chars().count();
        if n == 0 || n > 300 {
            out.push(FollowUpProblem::Title);
        }
        if self.detail.chars().count() > 10_000 {
            out.push(FollowUpProblem::Detail);
        }
        let owner_len = self.owner.chars().count();
        if owner_len > 200 || (self.kind == FollowUpKind::Action && owner_len == 0) {
            out.push(FollowUpProblem::Owner);
        }
        if self.kind == FollowUpKind::Action && self.due.is_none() {
            out.push(FollowUpProblem::Due);
        }
        if out.is_empty() { Ok(self) } else { Err(out) }
    }
}

/// Closing an item: declining needs the reason (what the DPO's annual
/// report says of advice not followed).
pub fn check_closing(status: FollowUpStatus, response: &str) -> Result<(), FollowUpProblem> {
    let r = response.trim();
    if status == FollowUpStatus::Declined && r.is_empty() || r.chars().count() > 10_000 {
        return Err(FollowUpProblem::Response);
    }
    Ok(())
}

/// An action open past its due date.
pub fn overdue(status: FollowUpStatus, due: Option<Date>, today: Date) -> bool {
    status == FollowUpStatus::Open && due.is_some_and(|d| d < today)
}

closed_list!(
    /// What an evidence document really is, read from its first bytes —
    /// never from the name or the type the browser sent.
    EvidenceType {
        Pdf = "pdf",
        Png = "png",
        Jpeg = "jpeg",
        /// OpenDocument text, spreadsheet or presentation.
        OpenDocument = "opendocument",
        /// Word, Excel or PowerPoint (Office Open XML).
        OfficeOpenXml = "office_open_xml",
        /// Plain UTF-8 text (CSV included).
        Text = "text",
    }
);

/// The largest evidence document kept.
pub const EVIDENCE_MAX_BYTES: usize = 10 * 1024 * 1024;

/// Why a document is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceRefusal {
    #[error("the file is empty")]
    Empty,
    #[error("the file is over 10 MiB")]
    TooLarge,
    #[error(
        "the file is not a PDF, PNG, JPEG, OpenDocument, Office document or plain text (what it is was read from its content)"
    )]
    UnknownType,
    #[error("the file's name: 1 to 200 characters, no path")]
    Name,
}

impl EvidenceType {
    /// The type served back, with `nosniff`: what the content is.
    pub fn media_type(self) -> &'static str {
        match self {
            EvidenceType::Pdf => "application/pdf",
            EvidenceType::Png => "image/png",
            EvidenceType::Jpeg => "image/jpeg",
            EvidenceType::OpenDocument => "application/vnd.oasis.opendocument",
            EvidenceType::OfficeOpenXml => "application/vnd.openxmlformats-officedocument",
            EvidenceType::Text => "text/plain; charset=utf-8",
        }
    }

    /// Reads what the bytes are. A ZIP is kept only when it is an office
    /// document (OpenDocument's `mimetype` entry first, or OOXML's
    /// `[Content_Types].xml`); text only when it is UTF-8 with no control
    /// character (a NUL, an ELF header) and does not open as markup a browser
    /// would run.
    pub fn sniff(bytes: &[u8]) -> Result<EvidenceType, EvidenceRefusal> {
        if bytes.is_empty() {
            return Err(EvidenceRefusal::Empty);
        }
        if bytes.len() > EVIDENCE_MAX_BYTES {
            return Err(EvidenceRefusal::TooLarge);
        }
        if bytes.starts_with(b"%PDF-") {
            return Ok(EvidenceType::Pdf);
        }
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Ok(EvidenceType::Png);
        }
        if bytes.starts_with(b"\xFF\xD8\xFF") {
            return Ok(EvidenceType::Jpeg);
        }
        if bytes.starts_with(b"PK\x03\x04") {
            // OpenDocument: the first entry is "mimetype", stored, holding
            // "application/vnd.oasis.opendocument.…" (local header 30 bytes,
            // then the name, then the data).
            let head = &bytes[..bytes.len().min(200)];
            if head.get(30..38) == Some(b"mimetype")
                && contains(head, b"application/vnd.oasis.opendocument.")
            {
                return Ok(EvidenceType::OpenDocument);
            }
            if contains(&bytes[..bytes.len().min(64 * 1024)], b"[Content_Types].xml") {
                return Ok(EvidenceType::OfficeOpenXml);
            }
            return Err(EvidenceRefusal::UnknownType);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| EvidenceRefusal::UnknownType)?;
        let start = text.trim_start_matches('\u{FEFF}').trim_start();
        let markup = [
            "<!doctype",
            "<html",
            "<script",
            "<svg",
            "<?xml",
            "<body",
            "<iframe",
        ]
        .iter()
        .any(|m| start.len() >= m.len() && start[..m.len()].eq_ignore_ascii_case(m));
        // Control characters other than layout: a binary that happens to
        // be valid UTF-8 (an ELF header), not text.
        let binary = text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'));
        if binary || markup {
            return Err(EvidenceRefusal::UnknownType);
        }
        Ok(EvidenceType::Text)
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A document's name as kept: its last path component, trimmed, with no
/// control characters or quotes (it goes into a download header).
pub fn evidence_name(raw: &str) -> Result<String, EvidenceRefusal> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect::<String>()
        .trim()
        .to_owned();
    let n = name.chars().count();
    if n == 0 || n > 200 || name == "." || name == ".." {
        return Err(EvidenceRefusal::Name);
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action() -> NewFollowUp {
        NewFollowUp {
            kind: FollowUpKind::Action,
            activity: None,
            title: " Chiffrer les sauvegardes ".into(),
            detail: String::new(),
            owner: "Service informatique".into(),
            due: Some(jiff::civil::date(2027, 3, 31)),
        }
    }

    #[test]
    fn an_action_has_an_owner_and_a_due_date() {
        assert_eq!(
            action().checked().unwrap().title,
            "Chiffrer les sauvegardes"
        );
        let bare = NewFollowUp {
            owner: " ".into(),
            due: None,
            ..action()
        };
        assert_eq!(
            bare.clone().checked().unwrap_err(),
            [FollowUpProblem::Owner, FollowUpProblem::Due]
        );
        // Advice needs neither.
        let advice = NewFollowUp {
            kind: FollowUpKind::Advice,
            ..bare
        };
        assert!(advice.checked().is_ok());
    }

    #[test]
    fn declining_says_why() {
        assert_eq!(
            check_closing(FollowUpStatus::Declined, "  "),
            Err(FollowUpProblem::Response)
        );
        assert!(check_closing(FollowUpStatus::Declined, "budget 2027").is_ok());
        assert!(check_closing(FollowUpStatus::Done, "").is_ok());
    }

    #[test]
    fn overdue_is_open_past_its_date() {
        let today = jiff::civil::date(2027, 4, 1);
        let due = Some(jiff::civil::date(2027, 3, 31));
        assert!(overdue(FollowUpStatus::Open, due, today));
        assert!(!overdue(FollowUpStatus::Done, due, today));
        assert!(!overdue(FollowUpStatus::Open, None, today));
    }

    #[test]
    fn evidence_is_what_its_bytes_say() {
        assert_eq!(EvidenceType::sniff(b"%PDF-1.7\n..."), Ok(EvidenceType::Pdf));
        assert_eq!(
            EvidenceType::sniff(b"\x89PNG\r\n\x1a\n...."),
            Ok(EvidenceType::Png)
        );
        assert_eq!(
            EvidenceType::sniff("nom;date\nMartin;2026\n".as_bytes()),
            Ok(EvidenceType::Text)
        );
        for refused in [
            &b"<html><script>alert(1)</script>"[..],
            b"  <SVG onload=x>",
            b"MZ\x90\x00\x03\x00\x00\x00",
            b"\x7fELF\x02\x01",
            b"PK\x03\x04 a plain zip with anything in it",
            b"text\0with a NUL",
        ] {
            assert_eq!(
                EvidenceType::sniff(refused),
                Err(EvidenceRefusal::UnknownType),
                "{refused:?}"
            );
        }
        assert_eq!(EvidenceType::sniff(b""), Err(EvidenceRefusal::Empty));
        let big = vec![b'a'; EVIDENCE_MAX_BYTES + 1];
        assert_eq!(EvidenceType::sniff(&big), Err(EvidenceRefusal::TooLarge));
    }

    #[test]
    fn a_name_is_a_name_not_a_path() {
        assert_eq!(
            evidence_name("C:\\Users\\x\\PV \"final\".pdf").unwrap(),
            "PV final.pdf"
        );
        assert_eq!(evidence_name("../../etc/passwd").unwrap(), "passwd");
        assert!(evidence_name("dir/").is_err());
        assert!(evidence_name("..").is_err());
    }
}
