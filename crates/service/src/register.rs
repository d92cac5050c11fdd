//! The register of processing activities (C01, C04, C06): saving an
//! activity with its version (who, when, why), comparing two versions, and
//! the exports — CSV with one row per activity and per data category, and
//! JSON.

use jiff::Timestamp;
use serde_json::json;
use vigie_domain::cell::spreadsheet_safe;
use vigie_domain::{
    ActivityId,
    dpia::Dpia,
    organisation::OrganisationSheet,
    register::{Activity, ActivityProblem, ActivityStatus, LinkRefusal, data_category},
    scope::TenantScope,
};
use vigie_store::{ActivityChange, StoredActivity};

use crate::{Ctx, Result, ServiceError, invalid};

/// Problems of an activity, for the form: (field, message).
pub fn check(
    body: &Activity,
    status: ActivityStatus,
) -> std::result::Result<(), Vec<ActivityProblem>> {
    let p = body.problems(status);
    if p.is_empty() { Ok(()) } else { Err(p) }
}

fn refuse(problems: Vec<ActivityProblem>) -> ServiceError {
    let field = problems.first().map_or("activity", ActivityProblem::field);
    invalid(field, crate::lines(&problems))
}

/// Processors linked to the sub-processor registry: each must serve this
/// organisation (its name is taken from the registry), and one that keeps
/// data outside the EU/EEA must have its transfer recorded — the register
/// cannot say less than the registry knows (issue 17, C08).
async fn link_processors(ctx: Ctx<'_>, scope: &TenantScope, body: &mut Activity) -> Result<()> {
    if body.recipients.iter().all(|r| r.subprocessor.is_none()) {
        return Ok(());
    }
    let serving = ctx.store.subprocessors_of_tenant(scope).await?;
    for r in &mut body.recipients {
        let Some(id) = r.subprocessor else { continue };
        let Some(sp) = serving.iter().find(|sp| sp.id == id) else {
            return Err(LinkRefusal::NotServing(id).into());
        };
        r.name = sp.body.name.clone();
        let outside = sp.body.sites.iter().find(|site| !site.country.in_eea());
        if let Some(site) = outside
            && !body.transfers.iter().any(|t| t.recipient == sp.body.name)
        {
            return Err(LinkRefusal::UnrecordedTransfer {
                name: sp.body.name.clone(),
                country: site.country.as_str().to_owned(),
                site: site.name.clone(),
            }
            .into());
        }
    }
    // One line per sub-processor, however often it was ticked.
    let mut seen = std::collections::BTreeSet::new();
    body.recipients
        .retain(|r| r.subprocessor.is_none_or(|id| seen.insert(id)));
    Ok(())
}

pub async fn create(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    mut body: Activity,
    status: ActivityStatus,
    author: &str,
    now: Timestamp,
) -> Result<StoredActivity> {
    link_processors(ctx, scope, &mut body).await?;
    check(&body, status).map_err(refuse)?;
    Ok(ctx
        .store
        .create_activity(
            scope,
            &ActivityChange {
                status,
                body,
                author: author.to_owned(),
                reason: "création".into(),
                at: now,
            },
        )
        .await?)
}

/// Saves a new version; the reason is required (C04) and a version saved
/// by someone else since `expected_version` is a conflict.
#[allow(clippy::too_many_arguments)] // the fields of one change
pub async fn save(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    id: ActivityId,
    expected_version: i64,
    mut body: Activity,
    status: ActivityStatus,
    author: &str,
    reason: &str,
    now: Timestamp,
) -> Result<StoredActivity> {
    if reason.trim().is_empty() {
        return Err(invalid("reason", "say why the activity changes"));
    }
    link_processors(ctx, scope, &mut body).await?;
    check(&body, status).map_err(refuse)?;
    Ok(ctx
        .store
        .save_activity(
            scope,
            id,
            expected_version,
            &ActivityChange {
                status,
                body,
                author: author.to_owned(),
                reason: reason.trim().to_owned(),
                at: now,
            },
        )
        .await?)
}

/// Saves the tenant's organisation sheet (issue 17), normalised; a wrong
/// field refuses the whole sheet, named.
pub async fn save_sheet(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    sheet: OrganisationSheet,
    by: &str,
    now: Timestamp,
) -> Result<vigie_store::StoredSheet> {
    crate::require(
        scope,
        vigie_domain::role::Permission::Write,
        "the organisation sheet is written by the DPO or an agent",
    )?;
    let sheet = sheet.normalised();
    let problems = sheet.problems();
    if let Some(first) = problems.first() {
        return Err(invalid(first.field(), crate::lines(&problems)));
    }
    Ok(ctx
        .store
        .save_organisation_sheet(scope, &sheet, by, now)
        .await?)
}

/// Saves the next version of an activity's impact assessment (issue 17),
/// normalised to the method's parts; a decision is refused until the parts
/// it rests on are written, each wrong field named.
#[allow(clippy::too_many_arguments)] // the fields of one save
pub async fn save_dpia(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    activity: ActivityId,
    expected_version: i64,
    dpia: Dpia,
    by: &str,
    now: Timestamp,
) -> Result<vigie_store::StoredDpia> {
    crate::require(
        scope,
        vigie_domain::role::Permission::Write,
        "the impact assessment is written by the DPO or an agent",
    )?;
    let dpia = dpia.normalised();
    let problems = dpia.problems();
    if !problems.is_empty() {
        return Err(ServiceError::Fields(
            problems
                .iter()
                .map(|p| (p.field(), p.to_string()))
                .collect(),
        ));
    }
    Ok(ctx
        .store
        .save_dpia(scope, activity, expected_version, &dpia, by, now)
        .await?)
}

/// One field that differs between two versions: (field, before, after),
/// as text, fields in alphabetical order.
pub fn diff(before: &Activity, after: &Activity) -> Vec<(String, String, String)> {
    let a = serde_json::to_value(before).unwrap_or_default();
    let b = serde_json::to_value(after).unwrap_or_default();
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return Vec::new();
    };
    let text = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    a.keys()
        .chain(b.keys().filter(|k| !a.contains_key(*k)))
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| (k.clone(), text(a.get(k)), text(b.get(k))))
        .collect()
}

/// The register as CSV with the register's codes (for the reversibility
/// archive, read by programs; people download the pages' labelled CSV):
/// one row per activity and per data category (an activity without
/// category has one row), `;`-separated with a BOM.
pub fn csv(activities: &[StoredActivity]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    let header = [
        "activite",
        "version",
        "statut",
        "responsable",
        "finalites",
        "bases_legales",
        "interet_legitime",
        "personnes_concernees",
        "categorie_donnees",
        "sensibilite",
        "destinataires",
        "transferts",
        "conservation",
        "mesures_securite",
        "decision_automatisee",
        "aipd_requise",
        "completude",
    ];
    let mut ok = w.write_record(header).is_ok();
    for a in activities {
        let b = &a.body;
        let joined = |v: Vec<String>| v.join(" | ");
        let common = [
            joined(
                b.legal_bases
                    .iter()
                    .map(|l| l.as_str().to_owned())
                    .collect(),
            ),
            b.legitimate_interest.clone(),
            joined(b.subject_categories.clone()),
        ];
        let rest = [
            joined(
                b.recipients
                    .iter()
                    .map(|r| format!("{}: {}", r.kind.as_str(), r.name))
                    .collect(),
            ),
            joined(
                b.transfers
                    .iter()
                    .map(|t| format!("{} ({}, {})", t.recipient, t.country, t.safeguard.as_str()))
                    .collect(),
            ),
            joined(
                b.retentions
                    .iter()
                    .map(|r| format!("{}: {} ({})", r.data, r.duration, r.fate.as_str()))
                    .collect(),
            ),
            joined(b.security_measures.clone()),
            (b.automated_decision || b.profiling).to_string(),
            b.dpia_required().to_string(),
            b.completeness().to_string(),
        ];
        let mut categories: Vec<(String, &str)> = b
            .data_categories
            .iter()
            .map(|c| {
                (
                    c.clone(),
                    data_category(c).map_or("", |d| d.sensitivity.as_str()),
                )
            })
            .collect();
        if !b.other_data.trim().is_empty() {
            categories.push((b.other_data.trim().to_owned(), "ordinary"));
        }
        if categories.is_empty() {
            categories.push((String::new(), ""));
        }
        for (cat, sensitivity) in categories {
            let mut row = vec![
                b.name.clone(),
                a.version.to_string(),
                a.status.as_str().to_owned(),
                b.controller.clone(),
                b.purposes.clone(),
            ];
            row.extend(common.iter().cloned());
            row.push(cat);
            row.push(sensitivity.to_owned());
            row.extend(rest.iter().cloned());
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

/// The register as JSON: every activity with its version and flags.
/// The register as JSON: the organisation sheet (null until one is
/// saved) and every activity given.
pub fn json(
    tenant: &str,
    sheet: Option<&OrganisationSheet>,
    activities: &[StoredActivity],
) -> Vec<u8> {
    let items: Vec<serde_json::Value> = activities
        .iter()
        .map(|a| {
            json!({
                "id": a.id.0,
                "version": a.version,
                "status": a.status.as_str(),
                "updated_at": a.updated_at.to_string(),
                "updated_by": a.updated_by,
                "sensitive_data": a.body.has_sensitive_data(),
                "dpia_required": a.body.dpia_required(),
                "completeness": a.body.completeness(),
                "activity": a.body,
            })
        })
        .collect();
    serde_json::to_vec_pretty(
        &json!({ "tenant": tenant, "organisation": sheet, "activities": items }),
    )
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_domain::{
        TenantId,
        register::{FinalFate, LegalBasis, Retention},
    };

    fn stored(body: Activity) -> StoredActivity {
        StoredActivity {
            id: ActivityId(1),
            tenant: TenantId(1),
            status: ActivityStatus::Complete,
            body,
            version: 3,
            updated_at: Timestamp::UNIX_EPOCH,
            updated_by: "dpo".into(),
        }
    }

    #[test]
    fn c06_csv_has_one_row_per_activity_and_category() {
        let a = Activity {
            name: "Maintenance applicative".into(),
            purposes: "Corriger les anomalies; y compris \"urgentes\"".into(),
            legal_bases: vec![LegalBasis::Contract],
            data_categories: vec!["etat_civil".into(), "nir".into()],
            retentions: vec![Retention {
                data: "Tickets".into(),
                duration: "3 ans".into(),
                fate: FinalFate::Destruction,
            }],
            ..Activity::default()
        };
        let empty = Activity {
            name: "Vide".into(),
            ..Activity::default()
        };
        let text = String::from_utf8(csv(&[stored(a), stored(empty)])[3..].to_vec()).unwrap();
        let mut r = ::csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(text.as_bytes());
        let rows: Vec<::csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(&rows[0][8], "etat_civil");
        assert_eq!(&rows[1][8], "nir");
        assert_eq!(&rows[1][9], "nir");
        assert_eq!(
            &rows[0][4],
            "Corriger les anomalies; y compris \"urgentes\""
        );
        assert_eq!(&rows[2][0], "Vide");
        let j: serde_json::Value =
            serde_json::from_slice(&json("t", None, &[stored(Activity::default())])).unwrap();
        assert_eq!(j["activities"][0]["version"], 3);
    }

    #[test]
    fn c04_diff_names_the_changed_fields() {
        let a = Activity {
            name: "A".into(),
            ..Activity::default()
        };
        let mut b = a.clone();
        b.purposes = "Nouvelle finalité".into();
        b.legal_bases = vec![LegalBasis::PublicTask];
        let d = diff(&a, &b);
        let fields: Vec<&str> = d.iter().map(|(f, _, _)| f.as_str()).collect();
        assert_eq!(fields, ["legal_bases", "purposes"]);
        assert_eq!(d[1].2, "Nouvelle finalité");
        assert_eq!(d[0].2, "[\"public_task\"]");
    }
}
