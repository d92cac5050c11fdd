//! An activity as a person reads it: each field under its label, as lines
//! in the page's language (closed lists by their names, recipients by
//! kind, retention periods as "data : duration (fate)"); and the
//! difference of two versions as the lines removed and added per field;
//! the register as a printable document. Used by the comparison of
//! versions and the printed register.

use vigie_domain::{
    dpia::DpiaStatus,
    organisation::OrganisationSheet,
    register::{Activity, data_category},
};
use vigie_store::{StoredActivity, StoredDpia};

use crate::{
    i18n::Msgs,
    labels::register as rl,
    print::{Document, Section},
};

/// What every printed document of a tenant shares: its language, the
/// organisation (its sheet as the cover) and the date printed.
pub struct PrintFrame {
    pub lang: &'static str,
    pub m: &'static Msgs,
    pub org: String,
    pub sheet: Option<OrganisationSheet>,
    pub when: String,
}

impl PrintFrame {
    /// A document under this frame: "organisation — date" under the title.
    pub fn document(
        &self,
        title: &str,
        cover: Vec<(String, String)>,
        sections: Vec<Section>,
    ) -> Document {
        Document {
            lang: self.lang,
            title: title.to_owned(),
            subtitle: format!("{} — {}", self.org, self.when),
            cover,
            sections,
            page_word: self.m.print_page,
        }
    }
}

/// The fields in the form's order: (key as stored, label).
pub fn fields_of(m: &'static Msgs) -> [(&'static str, &'static str); 23] {
    [
        ("name", m.act_name),
        ("controller", m.act_controller),
        ("joint_controllers", m.act_joint_short),
        ("dpo_contact", m.act_dpo),
        ("purposes", m.act_purposes),
        ("legal_bases", m.act_legal_bases),
        ("legitimate_interest", m.act_legitimate_interest),
        ("subject_categories", m.policy_subjects),
        ("people_estimate", m.act_people_estimate),
        ("data_categories", m.act_categories),
        ("sensitive_condition", m.act_sensitive_condition_short),
        ("other_data", m.act_other_data_short),
        ("recipients", m.policy_recipients),
        ("transfers", m.policy_transfers),
        ("retentions", m.policy_retentions),
        ("security_measures", m.act_security_measures),
        ("automated_decision", m.act_automated),
        ("profiling", m.act_profiling),
        ("collection", m.act_collection),
        ("dpia_criteria", m.act_dpia_criteria),
        ("no_sensitive_data", m.act_no_sensitive),
        ("no_minors", m.act_no_minors),
        ("published", m.act_published_short),
    ]
}

/// One field's value as lines (none: empty).
pub fn lines(lang: &str, m: &'static Msgs, a: &Activity, key: &str) -> Vec<String> {
    let text = |s: &str| -> Vec<String> {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let yes_no = |b: bool| vec![(if b { m.yes } else { m.no }).to_owned()];
    let fr = lang != "en";
    match key {
        "name" => text(&a.name),
        "controller" => text(&a.controller),
        "joint_controllers" => text(&a.joint_controllers),
        "dpo_contact" => text(&a.dpo_contact),
        "purposes" => text(&a.purposes),
        "legal_bases" => a
            .legal_bases
            .iter()
            .map(|b| rl::legal_basis(lang, *b).to_owned())
            .collect(),
        "legitimate_interest" => text(&a.legitimate_interest),
        "subject_categories" => a
            .subject_categories
            .iter()
            .map(|c| match a.subject_estimates.get(c) {
                // Words, not "≈": the printed PDF's fonts have no such sign.
                Some(n) => format!("{c} ({} {})", m.about, grouped(fr, *n)),
                None => c.clone(),
            })
            .collect(),
        "people_estimate" => a
            .people_estimate
            .map(|n| grouped(fr, n))
            .into_iter()
            .collect(),
        "data_categories" => a
            .data_categories
            .iter()
            .map(|c| {
                data_category(c)
                    .map_or_else(|| c.clone(), |d| (if fr { d.fr } else { d.en }).to_owned())
            })
            .collect(),
        "sensitive_condition" => a
            .sensitive_condition
            .map(|c| rl::sensitive_condition(lang, c).to_owned())
            .into_iter()
            .collect(),
        "other_data" => text(&a.other_data),
        "recipients" => a
            .recipients
            .iter()
            .map(|r| format!("{} : {}", rl::recipient_kind(lang, r.kind), r.name))
            .collect(),
        "transfers" => a
            .transfers
            .iter()
            .map(|t| {
                format!(
                    "{} ({}) — {}",
                    t.recipient,
                    t.country,
                    rl::safeguard(lang, t.safeguard)
                )
            })
            .collect(),
        "retentions" => a
            .retentions
            .iter()
            .map(|r| format!("{} : {} ({})", r.data, r.duration, rl::fate(lang, r.fate)))
            .collect(),
        "security_measures" => a
            .measures
            .iter()
            .map(|x| {
                let name = rl::measure(lang, x.kind);
                if x.comment.is_empty() {
                    name.to_owned()
                } else {
                    format!("{name} : {}", x.comment)
                }
            })
            .chain(a.security_measures.iter().cloned())
            .collect(),
        "automated_decision" => yes_no(a.automated_decision),
        "profiling" => yes_no(a.profiling),
        "collection" => a
            .collection
            .iter()
            .map(|c| rl::collection(lang, *c).to_owned())
            .collect(),
        "dpia_criteria" => a
            .dpia_criteria
            .iter()
            .map(|c| rl::criterion(lang, *c).to_owned())
            .collect(),
        "no_sensitive_data" => yes_no(a.no_sensitive_data),
        "no_minors" => yes_no(a.no_minors),
        "published" => yes_no(a.published),
        _ => Vec::new(),
    }
}

/// A number with its thousands grouped as each language writes them.
fn grouped(fr: bool, n: u64) -> String {
    let digits = n.to_string();
    let sep = if fr { "\u{202f}" } else { "," };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

/// The cover of every printed document: the organisation sheet's filled
/// fields.
pub fn cover(m: &'static Msgs, sheet: Option<&OrganisationSheet>) -> Vec<(String, String)> {
    let Some(s) = sheet else {
        return Vec::new();
    };
    [
        (m.org_legal_name, s.legal_name.clone()),
        (m.org_address, s.address.clone()),
        (m.org_siren_public, s.siren.clone()),
        (m.org_representative_public, s.representative_line()),
        (m.act_dpo, s.dpo_line()),
        (
            m.org_referent,
            [s.referent_name.as_str(), s.referent_contact.as_str()]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(" — "),
        ),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .map(|(label, value)| (label.to_owned(), value))
    .collect()
}

/// The register (or one activity) as a printable document: the
/// organisation sheet as the cover, one section per activity with its
/// assessment's state.
pub fn document(
    frame: &PrintFrame,
    activities: &[StoredActivity],
    dpias: &[StoredDpia],
    title: &str,
) -> Document {
    let (lang, m) = (frame.lang, frame.m);
    let mut cover = cover(m, frame.sheet.as_ref());
    cover.push((m.print_activities.to_owned(), activities.len().to_string()));
    let sections = activities
        .iter()
        .map(|a| {
            let latest = dpias.iter().find(|d| d.activity == a.id).map(|d| &d.dpia);
            let dpia = DpiaStatus::of(a.body.dpia_required(), latest);
            let mut fields: Vec<(String, Vec<String>)> = vec![
                (
                    m.act_status.to_owned(),
                    vec![rl::status(lang, a.status).to_owned()],
                ),
                (
                    m.register_version.to_owned(),
                    vec![format!("{} — {}", a.version, a.updated_by)],
                ),
                (
                    m.print_dpia.to_owned(),
                    vec![crate::labels::dpia::status(lang, dpia).to_owned()],
                ),
            ];
            fields.extend(
                fields_of(m)
                    .into_iter()
                    .filter(|(k, _)| *k != "name")
                    .map(|(k, label)| (label.to_owned(), lines(lang, m, &a.body, k))),
            );
            Section::page(a.body.name.clone(), fields)
        })
        .collect();
    frame.document(title, cover, sections)
}

/// What Art. 15(1) says the person is told with their data — the
/// controller and its DPO, then for each published activity its purposes,
/// legal bases, data, recipients, transfers, retention, source, automated
/// decisions and the rights it gives — as plain text in the reader's
/// language, from the register (issue 18).
pub fn information_text(
    lang: &'static str,
    m: &'static Msgs,
    org: &str,
    sheet: Option<&OrganisationSheet>,
    activities: &[&Activity],
) -> String {
    let mut out = format!(
        "{}\n\n{}\n",
        m.art15_title,
        m.art15_intro.replace("{org}", org)
    );
    for (label, value) in cover(m, sheet) {
        out.push_str(&format!("{label} : {value}\n"));
    }
    const KEYS: [&str; 10] = [
        "purposes",
        "legal_bases",
        "data_categories",
        "other_data",
        "recipients",
        "transfers",
        "retentions",
        "collection",
        "automated_decision",
        "profiling",
    ];
    let labels = fields_of(m);
    for a in activities {
        out.push_str(&format!("\n== {} ==\n", a.name));
        for key in KEYS {
            let lines = lines(lang, m, a, key);
            if lines.is_empty() {
                continue;
            }
            let label = labels
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(key, |(_, l)| l);
            out.push_str(&format!("{label} :\n"));
            for l in lines {
                out.push_str(&format!("  - {l}\n"));
            }
        }
        out.push_str(&format!("{} :\n", m.policy_rights));
        for k in a.rights() {
            out.push_str(&format!("  - {}\n", crate::labels::right(m, k)));
        }
    }
    out.push_str(&format!("\n{}\n", m.rights_cnil));
    out
}

/// The register as CSV for people (C06): `;`-separated with a BOM (as
/// spreadsheets in France open it), the page's labels as the header and
/// as the values — never internal codes —, one row per activity and per
/// data category (with its sensitivity), lines joined by " | ", every
/// cell safe from formulas.
pub fn csv(lang: &'static str, m: &'static Msgs, activities: &[StoredActivity]) -> Vec<u8> {
    use vigie_domain::{cell::spreadsheet_safe, register::Sensitivity};
    let fields: Vec<(&str, &str)> = fields_of(m)
        .into_iter()
        .filter(|(k, _)| *k != "name" && *k != "data_categories")
        .collect();
    let mut header: Vec<&str> = vec![m.act_name, m.register_version, m.act_status];
    header.extend(fields.iter().map(|(_, label)| *label));
    header.extend([
        m.act_categories,
        m.print_sensitivity,
        m.print_dpia,
        m.register_completeness,
    ]);
    let mut w = ::csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    let mut ok = w.write_record(&header).is_ok();
    let sensitivity = |s: Sensitivity| match s {
        Sensitivity::Ordinary => m.print_ordinary,
        Sensitivity::Special => m.print_special,
        Sensitivity::Offences => m.print_offences,
        Sensitivity::Nir => m.print_nir,
    };
    for a in activities {
        let b = &a.body;
        let mut common: Vec<String> = vec![
            b.name.clone(),
            a.version.to_string(),
            rl::status(lang, a.status).to_owned(),
        ];
        common.extend(fields.iter().map(|(k, _)| lines(lang, m, b, k).join(" | ")));
        let mut categories: Vec<(String, &str)> = b
            .data_categories
            .iter()
            .map(|c| match data_category(c) {
                Some(d) => (
                    (if lang == "en" { d.en } else { d.fr }).to_owned(),
                    sensitivity(d.sensitivity),
                ),
                None => (c.clone(), ""),
            })
            .collect();
        if categories.is_empty() {
            categories.push((String::new(), ""));
        }
        let dpia = if b.dpia_required() { m.yes } else { m.no };
        for (category, level) in categories {
            let mut row = common.clone();
            row.extend([
                category,
                level.to_owned(),
                dpia.to_owned(),
                format!("{} %", b.completeness()),
            ]);
            ok &= w
                .write_record(row.iter().map(|c| spreadsheet_safe(c)))
                .is_ok();
        }
    }
    match (ok, w.into_inner()) {
        (true, Ok(bytes)) => bytes,
        _ => Vec::new(),
    }
}

/// What changed in one field: the lines only `before` has, and those only
/// `after` has.
pub struct FieldChange {
    pub label: &'static str,
    pub removed: Vec<String>,
    pub added: Vec<String>,
}

/// The fields that differ between two versions, in the form's order.
pub fn changes(
    lang: &str,
    m: &'static Msgs,
    before: &Activity,
    after: &Activity,
) -> Vec<FieldChange> {
    fields_of(m)
        .into_iter()
        .filter_map(|(key, label)| {
            let (b, a) = (lines(lang, m, before, key), lines(lang, m, after, key));
            let removed: Vec<String> = b.iter().filter(|l| !a.contains(l)).cloned().collect();
            let added: Vec<String> = a.iter().filter(|l| !b.contains(l)).cloned().collect();
            // Same lines in another order still say something changed.
            let reordered = removed.is_empty() && added.is_empty() && a != b;
            (reordered || !removed.is_empty() || !added.is_empty()).then_some(FieldChange {
                label,
                removed: if reordered { b } else { removed },
                added: if reordered { a } else { added },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use vigie_domain::register::{FinalFate, LegalBasis, Recipient, RecipientKind, Retention};

    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn c04_a_change_reads_as_lines_not_json() {
        let m = Lang::Fr.msgs();
        let before = Activity {
            name: "Cantine".into(),
            legal_bases: vec![LegalBasis::PublicTask],
            recipients: vec![Recipient {
                kind: RecipientKind::Internal,
                name: "Service scolaire".into(),
                subprocessor: None,
            }],
            retentions: vec![Retention {
                data: "Dossiers".into(),
                duration: "1 an".into(),
                fate: FinalFate::Destruction,
            }],
            ..Activity::default()
        };
        let mut after = before.clone();
        after.legal_bases.push(LegalBasis::Consent);
        after.retentions[0].duration = "2 ans".into();
        after.published = true;
        let c = changes("fr", m, &before, &after);
        let labels: Vec<&str> = c.iter().map(|f| f.label).collect();
        assert_eq!(
            labels,
            [
                m.act_legal_bases,
                m.policy_retentions,
                m.act_published_short
            ]
        );
        assert!(c[0].removed.is_empty());
        assert_eq!(c[0].added, ["Consentement"]);
        assert_eq!(c[1].removed, ["Dossiers : 1 an (destruction)"]);
        assert_eq!(c[1].added, ["Dossiers : 2 ans (destruction)"]);
        assert_eq!(
            (c[2].removed.as_slice(), c[2].added.as_slice()),
            (&["Non".to_owned()][..], &["Oui".to_owned()][..])
        );
        assert!(changes("fr", m, &before, &before).is_empty());
    }
}
