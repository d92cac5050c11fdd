//! The end-of-contract export (C24, "réversibilité"): everything Vigie
//! holds for one client organisation, as JSON and CSV files with a README
//! describing each file and field, in one archive the provider hands over.

use jiff::Timestamp;
use serde_json::{Value, json};
use vigie_domain::{cell::spreadsheet_safe, page::Page, scope::TenantScope};
use vigie_store::{RequestFilter, Tenant, TrailFilter};

use crate::{Ctx, Result};

const README: &str = "# Export de réversibilité — {org}

Produit par Vigie le {when} pour {org} ({slug}) : tout ce que Vigie
conserve pour cette organisation, à la fin du contrat (RGPD, art. 28.3 g).
Les dates sont en UTC, au format RFC 3339.

## Fichiers

- `registre.json` — le registre des activités de traitement, version en
  vigueur : une entrée par activité (`id`, `status`, `version`, `updated_at`,
  et `activity`, la fiche complète : finalités, bases légales, personnes,
  catégories de données, destinataires, transferts, durées de
  conservation, mesures de sécurité, contact du DPO).
- `registre.csv` — le même registre, une ligne par activité (séparateur `;`).
- `registre_versions.json` — chaque version de chaque activité : `activity`,
  `name`, `version`, `at`, `author`, `reason`, `status`, `body` (la fiche
  telle qu'elle était).
- `analyses_impact.json` — chaque version de l'analyse d'impact (AIPD) de
  chaque activité : `activity`, `version`, `saved_at`, `saved_by`, et
  `dpia` (contexte, principes, risques avec vraisemblance et gravité,
  mesures prévues, avis et décision).
- `suivi.json` — les préconisations du DPO et le plan d'action : `kind`
  (`advice` ou `action`), `activity`, `title`, `detail`, `owner`, `due`,
  `status` (`open`, `done`, `declined`), `response`, `created_at`,
  `created_by`, `updated_at`, `updated_by`.
- `pieces.json` et `pieces/` — les pièces justificatives : pour chacune
  `file` (son nom dans `pieces/`), `name`, `activity`, `type`, `size`,
  `sha256` (pour vérifier la copie), `uploaded_at`, `uploaded_by`.
- `demandes.json` — les demandes d'exercice des droits : `reference`,
  `kind`, `intake`, `status`, `subject_name`, `subject_email`, `details`,
  `received_at`, `due_on`, `extended`, `extension_reason`, `answer`,
  `created_at`, `timeline` (chaque étape : `at`, `actor`, `step`,
  `detail`, et `detail_en` quand Vigie l'a écrite) et `documents`, ceux que la personne a envoyés (`file`, son
  nom dans `demandes/`, `name`, `type`, `size`, `sha256`, `added_at`).
- `demandes.csv` — une ligne par demande (référence, type, état, reçue le,
  due le, personne).
- `violations.json` — le registre des incidents et violations : `reference`,
  `title`, `description`, `intake`, `declared_by`, `declared_at`,
  `aware_at`, `status`, `facts` (les faits qualifiés), `inform`,
  `inform_reasoning`, `notified_at`, `late_reason`, et `phases` (chaque
  notification envoyée à la CNIL, telle qu'envoyée).
- `conservation.json` — les règles de conservation appliquées et les
  rapports signés de chaque balayage.
- `journal.csv` — l'extrait du journal des accès de l'organisation :
  `seq`, `at`, `actor`, `action`, `object`, `ip`, `outcome`, `hash`.
";

fn when(t: Timestamp) -> String {
    t.to_string()
}

/// The export's files: (name, content).
pub async fn export(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    tenant: &Tenant,
    now: Timestamp,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = vec![(
        "README.md".to_owned(),
        README
            .replace("{org}", tenant.name.as_str())
            .replace("{slug}", tenant.slug.as_str())
            .replace("{when}", &when(now))
            .into_bytes(),
    )];
    let activities = ctx.store.all_activities(scope).await?;
    let sheet = ctx.store.organisation_sheet(scope).await?.map(|s| s.sheet);
    files.push((
        "registre.json".into(),
        crate::register::json(tenant.name.as_str(), sheet.as_ref(), &activities),
    ));
    files.push(("registre.csv".into(), crate::register::csv(&activities)));
    let mut versions = Vec::new();
    for n in 1.. {
        let page = ctx
            .store
            .register_history(tenant.id, Page::new(Some(n), Some(500)))
            .await?;
        versions.extend(page.items.iter().map(|v| {
            json!({
                "activity": v.activity.0, "name": v.name, "version": v.version, "at": when(v.at),
                "author": v.author, "reason": v.reason, "status": v.status.as_str(), "body": v.body,
            })
        }));
        if !page.has_next() {
            break;
        }
    }
    files.push((
        "registre_versions.json".into(),
        pretty(&Value::Array(versions)),
    ));

    // The DPO's follow-up (issue 17): assessments, advice and actions,
    // evidence with its bytes.
    let mut dpias = Vec::new();
    for a in &activities {
        for v in ctx.store.dpia_versions(scope, a.id).await? {
            dpias.push(json!({
                "activity": a.id.0, "version": v.version, "saved_at": when(v.saved_at),
                "saved_by": v.saved_by, "dpia": v.dpia,
            }));
        }
    }
    files.push(("analyses_impact.json".into(), pretty(&Value::Array(dpias))));
    let items: Vec<Value> = ctx
        .store
        .all_follow_ups(scope)
        .await?
        .into_iter()
        .map(|f| {
            json!({
                "kind": f.kind.as_str(), "activity": f.activity.map(|a| a.0), "title": f.title,
                "detail": f.detail, "owner": f.owner, "due": f.due.map(|d| d.to_string()),
                "status": f.status.as_str(), "response": f.response,
                "created_at": when(f.created_at), "created_by": f.created_by,
                "updated_at": when(f.updated_at), "updated_by": f.updated_by,
            })
        })
        .collect();
    files.push(("suivi.json".into(), pretty(&Value::Array(items))));
    let mut pieces = Vec::new();
    for n in 1.. {
        let page = ctx
            .store
            .evidence(scope, None, Page::new(Some(n), Some(200)))
            .await?;
        for e in &page.items {
            let file = format!("pieces/{}.{}", e.id, extension(&e.name));
            let (_, bytes) = ctx.store.evidence_file(scope, e.id).await?;
            pieces.push(json!({
                "file": file, "name": e.name, "activity": e.activity.map(|a| a.0),
                "type": e.kind.media_type(), "size": e.size, "sha256": e.sha256,
                "uploaded_at": when(e.uploaded_at), "uploaded_by": e.uploaded_by,
            }));
            files.push((file, bytes));
        }
        if !page.has_next() {
            break;
        }
    }
    files.push(("pieces.json".into(), pretty(&Value::Array(pieces))));

    let mut requests = Vec::new();
    let mut rows = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    rows.write_record([
        "reference",
        "type",
        "etat",
        "recue_le",
        "due_le",
        "personne",
    ])
    .map_err(|e| crate::invalid("export", e.to_string()))?;
    for n in 1.. {
        let page = ctx
            .store
            .requests(
                scope,
                &RequestFilter::default(),
                Page::new(Some(n), Some(200)),
            )
            .await?;
        for r in &page.items {
            // The person's documents (issue 18), with their bytes.
            let mut documents = Vec::new();
            for d in ctx.store.request_attachments(scope, r.id).await? {
                let file = format!("demandes/{}/{}.{}", r.id.0, d.id, extension(&d.name));
                let (_, bytes) = ctx.store.request_attachment(scope, r.id, d.id).await?;
                documents.push(json!({
                    "file": file, "name": d.name, "type": d.kind.media_type(), "size": d.size,
                    "sha256": d.sha256, "added_at": when(d.added_at),
                }));
                files.push((file, bytes));
            }
            let timeline: Vec<Value> = ctx
                .store
                .events(scope, r.id)
                .await?
                .iter()
                .map(|e| json!({"at": when(e.at), "actor": e.actor, "step": e.step, "detail": e.detail, "detail_en": e.detail_en}))
                .collect();
            requests.push(json!({
                "reference": r.reference, "kind": r.kind.as_str(), "intake": r.intake.as_str(),
                "status": r.status.as_str(), "subject_name": r.subject_name, "subject_email": r.subject_email,
                "details": r.details, "received_at": r.received_at.map(when), "due_on": r.due_on.map(|d| d.to_string()),
                "extended": r.extended, "extension_reason": r.extension_reason, "answer": r.answer,
                "created_at": when(r.created_at), "timeline": timeline, "documents": documents,
            }));
            rows.write_record([
                spreadsheet_safe(&r.reference),
                r.kind.as_str().to_owned(),
                r.status.as_str().to_owned(),
                r.received_at.map(when).unwrap_or_default(),
                r.due_on.map(|d| d.to_string()).unwrap_or_default(),
                spreadsheet_safe(&r.subject_name),
            ])
            .map_err(|e| crate::invalid("export", e.to_string()))?;
        }
        if !page.has_next() {
            break;
        }
    }
    files.push(("demandes.json".into(), pretty(&Value::Array(requests))));
    files.push((
        "demandes.csv".into(),
        rows.into_inner()
            .map_err(|e| crate::invalid("export", e.to_string()))?,
    ));

    let mut incidents = Vec::new();
    for n in 1.. {
        let page = ctx
            .store
            .incidents(scope, "", Page::new(Some(n), Some(200)))
            .await?;
        for i in &page.items {
            let phases: Vec<Value> = ctx
                .store
                .phases(scope, i.id)
                .await?
                .iter()
                .map(|p| json!({"n": p.n, "kind": p.kind.as_str(), "sent_at": when(p.sent_at), "sent_by": p.sent_by, "late_reason": p.late_reason, "facts": p.facts}))
                .collect();
            incidents.push(json!({
                "reference": i.reference, "title": i.title, "description": i.description, "intake": i.intake.as_str(),
                "declared_by": i.declared_by, "declared_at": when(i.declared_at), "aware_at": when(i.aware_at),
                "status": i.status.as_str(), "facts": i.facts, "inform": i.inform.map(|d| d.as_str()),
                "inform_reasoning": i.inform_reasoning, "notified_at": i.notified_at.map(when),
                "late_reason": i.late_reason, "phases": phases,
            }));
        }
        if !page.has_next() {
            break;
        }
    }
    files.push(("violations.json".into(), pretty(&Value::Array(incidents))));

    let rules: Vec<Value> = ctx
        .store
        .rules(scope)
        .await?
        .iter()
        .map(|r| json!({"label": r.rule.label, "table": r.rule.table, "trigger_column": r.rule.trigger_column, "period": r.rule.period.to_string(), "action": r.rule.action.as_str()}))
        .collect();
    let mut reports = Vec::new();
    for n in 1.. {
        let page = ctx.store.runs(scope, Page::new(Some(n), Some(200))).await?;
        reports.extend(
            page.items
                .iter()
                .filter_map(|r| serde_json::from_str::<Value>(&r.report).ok()),
        );
        if !page.has_next() {
            break;
        }
    }
    files.push((
        "conservation.json".into(),
        pretty(&json!({"rules": rules, "reports": reports})),
    ));

    let mut trail = csv::Writer::from_writer(Vec::new());
    trail
        .write_record([
            "seq", "at", "actor", "action", "object", "ip", "outcome", "hash",
        ])
        .map_err(|e| crate::invalid("export", e.to_string()))?;
    for n in 1.. {
        let page = ctx
            .store
            .tenant_trail(
                scope,
                &TrailFilter::default(),
                Page::new(Some(n), Some(500)),
            )
            .await?;
        for r in &page.items {
            trail
                .write_record([
                    r.seq.to_string(),
                    when(r.at),
                    spreadsheet_safe(&r.event.actor.label),
                    spreadsheet_safe(&r.event.action),
                    spreadsheet_safe(&r.event.object),
                    spreadsheet_safe(&r.event.ip),
                    r.event.outcome.as_str().to_owned(),
                    r.hash.to_hex(),
                ])
                .map_err(|e| crate::invalid("export", e.to_string()))?;
        }
        if !page.has_next() {
            break;
        }
    }
    files.push((
        "journal.csv".into(),
        trail
            .into_inner()
            .map_err(|e| crate::invalid("export", e.to_string()))?,
    ));
    Ok(files)
}

fn pretty(v: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(v).unwrap_or_default()
}

/// How long a destroyed client's data may still sit in the kept backups
/// (the policies' daily encrypted backups, kept 14 days).
pub const BACKUP_DAYS: i64 = 14;

/// The delay between the end of a contract and the destruction, unless
/// the contract says otherwise (seed 000: 30 days after termination).
pub const DEFAULT_DELAY_DAYS: i64 = 30;

/// Starts the end of a client's contract: its data are destroyed after
/// `delay_days` unless cancelled; its DPOs and user managers are told.
pub async fn start_ending(
    ctx: Ctx<'_>,
    tenant: &Tenant,
    delay_days: i64,
    by: &str,
    now: Timestamp,
) -> Result<vigie_store::Ending> {
    if !(0..=365).contains(&delay_days) {
        return Err(crate::invalid("delay", "between 0 and 365 days"));
    }
    let day = vigie_domain::time::legal_date(now)
        .checked_add(jiff::Span::new().days(delay_days))
        .map_err(|e| crate::invalid("delay", e.to_string()))?;
    let token = crate::random_token();
    let e = ctx
        .store
        .start_ending(tenant.id, day, &crate::token_hash(&token), by, now)
        .await
        .map_err(|e| match e {
            vigie_store::StoreError::Conflict(_) => {
                crate::invalid("delay", "this client's contract is already ending")
            }
            e => e.into(),
        })?;
    crate::mail_members(
        ctx,
        tenant.id,
        &[vigie_domain::role::Role::Dpo, vigie_domain::role::Role::UserManager],
        &format!("Fin de contrat : destruction des données le {day}"),
        &format!(
            "Bonjour,\n\nLe contrat de {} avec son prestataire prend fin. Conformément à l'article 28.3 g du RGPD, toutes les données que Vigie conserve pour vous seront détruites le {day}, et un certificat de destruction signé sera émis.\n\nD'ici là, téléchargez l'export de réversibilité de ces données (registre, demandes, violations, règles de conservation, journal des accès, avec un mode d'emploi) :\n{}/fin-de-contrat/{token}\n\nCe lien personnel est valable jusqu'à la destruction ; ne le transmettez pas.\n",
            tenant.name.as_str(),
            ctx.base_url
        ),
        now,
    )
    .await?;
    Ok(e)
}

/// What a destruction certificate says, as signed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Certificate {
    pub tenant: String,
    pub organisation: String,
    pub ending_started_at: String,
    pub ending_started_by: String,
    pub destroyed_at: String,
    /// (what, how many) destroyed.
    pub destroyed: Vec<(String, i64)>,
    /// After this day no kept backup holds any of it.
    pub no_backup_after: String,
    pub note: String,
}

/// Destroys every client whose day has come, each with its signed
/// certificate; returns them.
pub async fn destroy_due(
    ctx: Ctx<'_>,
    now: Timestamp,
    sign: crate::retention::Signer<'_>,
) -> Result<Vec<vigie_store::DestructionCertificate>> {
    let mut out = Vec::new();
    for e in ctx
        .store
        .endings_due(vigie_domain::time::legal_date(now))
        .await?
    {
        let tenant = ctx.store.tenant(e.tenant).await?;
        let told = crate::members_to_tell(
            ctx,
            tenant.id,
            &[
                vigie_domain::role::Role::Dpo,
                vigie_domain::role::Role::UserManager,
            ],
        )
        .await?;
        let cert = Certificate {
            tenant: tenant.slug.to_string(),
            organisation: tenant.name.as_str().to_owned(),
            ending_started_at: when(e.started_at),
            ending_started_by: e.started_by.clone(),
            destroyed_at: when(now),
            destroyed: ctx.store.tenant_counts(tenant.id).await?,
            no_backup_after: (vigie_domain::time::legal_date(now)
                + jiff::Span::new().days(BACKUP_DAYS))
            .to_string(),
            note: "Le journal des accès garde, jusqu'à la fin de sa propre durée de conservation, la trace de qui a accédé à quoi — sans le contenu des données.".into(),
        };
        let text = serde_json::to_string(&cert)
            .map_err(|e| crate::invalid("certificate", e.to_string()))?;
        let (signature, public_key) = sign(text.as_bytes());
        let kept = ctx
            .store
            .destroy_tenant(
                tenant.id,
                &vigie_store::DestructionCertificate {
                    id: 0,
                    tenant_slug: tenant.slug.to_string(),
                    tenant_name: tenant.name.as_str().to_owned(),
                    destroyed_at: now,
                    certificate: text,
                    signature: format!("{signature}:{public_key}"),
                },
            )
            .await?;
        let body = format!(
            "Bonjour,\n\nLes données de {} conservées par Vigie ont été détruites le {}. Aucune sauvegarde n'en contient plus après le {}. Le certificat de destruction signé est tenu à votre disposition par votre prestataire.\n",
            tenant.name.as_str(),
            cert.destroyed_at,
            cert.no_backup_after
        );
        let admins = crate::provider_admins(ctx).await?;
        crate::mail_each(
            ctx,
            None,
            told.into_iter().chain(admins).collect(),
            &format!("Certificat de destruction : {}", tenant.name.as_str()),
            &body,
            now,
        )
        .await?;
        out.push(kept);
    }
    Ok(out)
}

/// Whether a certificate's signature holds (with `expected_key` when given).
pub fn certificate_signed(
    c: &vigie_store::DestructionCertificate,
    expected_key: Option<&str>,
) -> bool {
    crate::signed_with(&c.certificate, &c.signature, expected_key)
}

/// A kept document's file in the archive is named by id (two documents may
/// share a name) with its name's extension: ASCII, short, as the archive's
/// header wants.
fn extension(name: &str) -> &str {
    name.rsplit_once('.')
        .map(|(_, x)| x)
        .filter(|x| (1..=5).contains(&x.len()) && x.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or("bin")
}
