//! Issue 18: the French pages say things in words. Every internal code of
//! the product's closed lists (states, steps, kinds, bases, methods…) is
//! collected from the domain itself, and the visible text of the pages a
//! DPO and an agent use every day — filled with real objects — must hold
//! none of them.

use axum::http::StatusCode;
use vigie_domain::role::Role;

use crate::{both, support::TestApp};

/// The codes a person must never read: those with an underscore (they
/// cannot be French words), and the single-word English states.
fn internal_codes() -> Vec<String> {
    use vigie_domain::{breach, dpia, followup, register, rights};
    let mut all: Vec<&str> = Vec::new();
    all.extend(rights::RequestStatus::ALL.iter().map(|s| s.as_str()));
    all.extend(rights::Verification::ALL.iter().map(|s| s.as_str()));
    all.extend(rights::Intake::ALL.iter().map(|s| s.as_str()));
    all.extend(register::ActivityStatus::ALL.iter().map(|s| s.as_str()));
    all.extend(register::LegalBasis::ALL.iter().map(|s| s.as_str()));
    all.extend(register::DpiaCriterion::ALL.iter().map(|s| s.as_str()));
    all.extend(register::MeasureKind::ALL.iter().map(|s| s.as_str()));
    all.extend(breach::IncidentStatus::ALL.iter().map(|s| s.as_str()));
    all.extend(breach::Criterion::ALL.iter().map(|s| s.as_str()));
    all.extend(dpia::Principle::ALL.iter().map(|s| s.as_str()));
    all.extend(dpia::FearedEvent::ALL.iter().map(|s| s.as_str()));
    all.extend(dpia::Decision::ALL.iter().map(|s| s.as_str()));
    all.extend(followup::FollowUpKind::ALL.iter().map(|s| s.as_str()));
    all.extend(followup::FollowUpStatus::ALL.iter().map(|s| s.as_str()));
    all.extend([
        "task_done",
        "task_failed",
        "task_held",
        "submitted",
        "queued",
        "running",
        "birth_date",
        "person_name",
        "postal_address",
        "not_required",
        "in_progress",
    ]);
    let mut out: Vec<String> = all
        .into_iter()
        // Words French shares with the codes ("action", "document"…) are
        // left out: only what cannot be French stays.
        .filter(|c| c.contains('_') || !FRENCH_TOO.contains(c))
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Codes that are also French words, or names a page may rightly show.
const FRENCH_TOO: &[&str] = &[
    "action",
    "consent",
    "contract",
    "document",
    "email",
    "letter",
    "scoring",
    "matching",
    "integrity",
    "availability",
    "confidentiality",
    "accepted",
    "refused",
    "archived",
    "minimisation",
    "information",
];

/// The text a person reads: outside tags, scripts and styles left out.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tag = &rest[open..];
        let lower = tag.get(..8).unwrap_or(tag).to_ascii_lowercase();
        let close = if lower.starts_with("<script") {
            tag.find("</script>").map(|i| i + 9)
        } else if lower.starts_with("<style") {
            tag.find("</style>").map(|i| i + 8)
        } else {
            tag.find('>').map(|i| i + 1)
        };
        match close {
            Some(c) => rest = &tag[c..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

both!(issue18_french_pages_show_no_internal_code, |app| {
    let t = app.tenant("commune-w").await;
    app.person("dpo@commune-w.fr", &[(&t, &[Role::Dpo, Role::Agent])])
        .await;
    let mut dpo = app.signed_in("dpo@commune-w.fr").await;
    // Real objects on every page read.
    let created = dpo
        .post(
            "/t/commune-w/registre",
            &[
                ("name", "Cantine scolaire"),
                ("purposes", "Inscriptions et facturation"),
                ("legal_basis", "public_task"),
                ("legal_basis", "consent"),
                ("category", "coordonnees"),
                ("subjects", "Parents ; 300"),
                ("retentions", "Dossiers ; 1 an ; destruction"),
                ("dpia", "vulnerable_people"),
                ("dpia", "large_scale"),
                ("measure", "access_control"),
                ("collection", "web_form"),
                ("status", "complete"),
                ("published", "on"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let activity = created.location().split('?').next().unwrap().to_owned();
    let aipd = dpo
        .post(
            &format!("{activity}/aipd"),
            &[("version", "0"), ("overview", "Inscriptions en ligne")],
        )
        .await;
    assert_eq!(aipd.status, StatusCode::SEE_OTHER);
    for fields in [
        vec![
            ("kind", "advice"),
            ("title", "Réduire les données collectées"),
        ],
        vec![
            ("kind", "action"),
            ("title", "Chiffrer les sauvegardes"),
            ("owner", "DSI"),
            ("due", "2030-01-01"),
        ],
    ] {
        let r = dpo.post("/t/commune-w/suivi", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let aware = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    let declared = dpo
        .post(
            "/t/commune-w/incidents",
            &[
                ("title", "Courriel envoyé au mauvais destinataire"),
                ("description", "Une liste d'inscrits envoyée à un parent"),
                ("aware_at", &aware),
                ("intake", "phone"),
                ("reported_by", "Le secrétariat"),
            ],
        )
        .await;
    assert!(declared.status.is_redirection(), "{}", declared.body);
    let recorded = dpo
        .post(
            "/t/commune-w/demandes",
            &[
                ("kind", "access"),
                ("intake", "letter"),
                ("name", "Jeanne Martin"),
                ("email", "jeanne.martin@example.org"),
                ("received_on", "2026-11-20"),
            ],
        )
        .await;
    assert!(recorded.status.is_redirection(), "{}", recorded.body);

    let codes = internal_codes();
    // The reader sees text, not scripts: what this test catches.
    let seen = words_of(&visible(
        "<p>État : <b>task_done</b></p><script>let s = 'awaiting_email_check';</script>",
    ));
    assert!(seen.contains(&"task_done".to_owned()));
    assert!(!seen.contains(&"awaiting_email_check".to_owned()));
    assert!(
        codes.contains(&"awaiting_email_check".to_owned())
            && codes.contains(&"public_task".to_owned())
    );
    let mut pages = vec![
        "/t/commune-w".to_owned(),
        "/t/commune-w/registre".to_owned(),
        "/t/commune-w/registre/historique".to_owned(),
        activity.clone(),
        format!("{activity}/aipd"),
        "/t/commune-w/suivi".to_owned(),
        "/t/commune-w/suivi/preuves".to_owned(),
        "/t/commune-w/rapport-annuel".to_owned(),
        "/t/commune-w/demandes".to_owned(),
        "/t/commune-w/incidents".to_owned(),
        "/t/commune-w/sous-traitants".to_owned(),
        "/t/commune-w/organisme".to_owned(),
        "/p/commune-w/confidentialite".to_owned(),
    ];
    if let Some(l) = declared.headers.get("location") {
        pages.push(l.to_str().unwrap().split('?').next().unwrap().to_owned());
    }
    if let Some(l) = recorded.headers.get("location") {
        pages.push(l.to_str().unwrap().split('?').next().unwrap().to_owned());
    }
    let mut found = Vec::new();
    for p in &pages {
        let r = dpo.get(p).await;
        assert_eq!(r.status, StatusCode::OK, "{p}");
        let words = words_of(&visible(&r.body));
        for c in &codes {
            if words.iter().any(|w| w == c) {
                found.push(format!("{p}: {c}"));
            }
        }
    }
    assert!(found.is_empty(), "raw codes shown: {found:#?}");
    // The printed sheet says the estimate in words its fonts can draw.
    let pdf = dpo.get(&format!("{activity}/fiche.pdf")).await;
    let text = crate::register::pdf_text(&pdf.bytes);
    assert!(text.contains("Parents (environ 300)"), "{text}");
    assert!(
        !text.contains('?'),
        "no character the PDF font lacks: {text}"
    );
});
