//! Discovery on a connected system (C39, C38): sample its database, classify
//! every column, and compare with what its dataset declares — personal data
//! found but not declared, sensitive data where the dataset has none. A
//! finding can be accepted into the dataset in one step. Scans run as jobs
//! and their reports are kept.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vigie_domain::{
    SystemId, TenantId,
    dataset::Dataset,
    jobs::JobKind,
    register::{Activity, Sensitivity, data_category},
    scope::TenantScope,
};
use vigie_scan::{
    PiiKind,
    column::{ColumnReport, Position, classify_at},
};
use vigie_store::{System, SystemScan};

use crate::{
    Ctx, Result, ServiceError, invalid,
    systems::{self, SystemInput, url_of},
    targets,
};

/// Rows sampled per table.
pub const SAMPLE_ROWS: u32 = 500;

/// How a finding stands against the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gap {
    /// The column is in the dataset.
    Declared,
    /// The table is in the dataset, not this column.
    UndeclaredColumn,
    /// The table is not in the dataset at all.
    UndeclaredTable,
}

/// One column holding personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub table: String,
    pub column: String,
    pub data_type: String,
    /// `vigie_scan::PiiKind` name.
    pub kind: String,
    pub sampled: usize,
    pub matched: usize,
    pub confidence: f64,
    /// Masked: never the value itself.
    pub example: String,
    pub sensitive: bool,
    pub gap: Gap,
    /// The data category accepting this finding would declare.
    pub category: String,
    /// C38: sensitive data (Art. 9 hints or a NIR) that no activity of the
    /// register declares, or that an activity promises not to hold; or
    /// birth dates of minors where an activity promises none.
    #[serde(default)]
    pub register_gap: bool,
    /// Birth dates of people under 18 among the values looked at.
    #[serde(default)]
    pub minors: usize,
    /// The first rows holding it, by primary key (« id=42 »), personal
    /// data in a key masked; none where the table has no row address.
    #[serde(default)]
    pub rows: Vec<String>,
}

/// Rows named per finding.
const ROWS_SHOWN: usize = 5;

/// Whether the register accounts for a sensitive finding: some activity
/// declares that kind of data and none promises to hold no sensitive data.
fn register_covers(kind: PiiKind, register: &[Activity]) -> bool {
    let declared = register.iter().any(|a| {
        a.data_categories.iter().any(|c| {
            data_category(c).is_some_and(|d| match kind {
                PiiKind::Nir => d.sensitivity == Sensitivity::Nir,
                _ => d.sensitivity == Sensitivity::Special,
            })
        })
    });
    declared && !register.iter().any(|a| a.no_sensitive_data)
}

/// The data category a kind of personal data is declared under.
pub fn category_of(kind: PiiKind) -> &'static str {
    match kind {
        PiiKind::Email => "contact.email",
        PiiKind::Phone => "contact.telephone",
        PiiKind::PostalAddress => "contact.adresse",
        PiiKind::Nir => "identite.nir",
        PiiKind::PersonName => "identite",
        PiiKind::BirthDate => "identite.naissance",
        PiiKind::Iban | PiiKind::Card => "finance",
        PiiKind::Siren | PiiKind::Siret => "entreprise",
        PiiKind::Ipv4 | PiiKind::Ipv6 => "connexion.ip",
        PiiKind::Sensitive => "sensible",
    }
}

/// Compares classified columns with a dataset.
pub fn compare(
    dataset: Option<&Dataset>,
    register: &[Activity],
    columns: impl IntoIterator<Item = (String, String, String, vigie_scan::column::ColumnReport)>,
) -> Vec<Finding> {
    let mut out: Vec<Finding> = columns
        .into_iter()
        .map(|(table, column, data_type, r)| {
            let t = dataset.and_then(|d| d.table(&table));
            let gap = match t {
                None => Gap::UndeclaredTable,
                Some(t) if t.column(&column).is_some() || t.primary_key == column => Gap::Declared,
                Some(_) => Gap::UndeclaredColumn,
            };
            let sensitive = matches!(r.kind, PiiKind::Sensitive | PiiKind::Nir);
            // A promise of no minors is broken by a single child's birth date.
            let minors_promised_away = r.minors > 0 && register.iter().any(|a| a.no_minors);
            Finding {
                register_gap: (sensitive && !register_covers(r.kind, register))
                    || minors_promised_away,
                minors: r.minors,
                rows: r
                    .at
                    .iter()
                    .filter_map(|p| match p {
                        Position::Key { key } => Some(key.clone()),
                        _ => None,
                    })
                    .take(ROWS_SHOWN)
                    .collect(),
                sensitive,
                category: category_of(r.kind).to_owned(),
                kind: r.kind.as_str().to_owned(),
                sampled: r.sampled,
                matched: r.matched,
                confidence: r.confidence,
                example: r.example,
                gap,
                table,
                column,
                data_type,
            }
        })
        .collect();
    // Register gaps first, then dataset gaps, sensitive first among them.
    out.sort_by(|a, b| {
        (
            !a.register_gap,
            a.gap == Gap::Declared,
            !a.sensitive,
            &a.table,
            &a.column,
        )
            .cmp(&(
                !b.register_gap,
                b.gap == Gap::Declared,
                !b.sensitive,
                &b.table,
                &b.column,
            ))
    });
    out
}

/// Queues a scan of a system; the worker runs it.
pub async fn request(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    system: SystemId,
    now: Timestamp,
) -> Result<SystemScan> {
    let scan = ctx.store.create_scan(scope, system, now).await?;
    ctx.store
        .enqueue_for(
            scope.tenant(),
            JobKind::SystemScan,
            &scan_key(scope.tenant(), scan.id),
            now,
        )
        .await?;
    Ok(scan)
}

pub fn scan_key(tenant: TenantId, id: i64) -> String {
    format!("system_scan:{}:{id}", tenant.0)
}

pub fn scan_of_key(key: &str) -> Option<(TenantId, i64)> {
    let rest = key.strip_prefix("system_scan:")?;
    let (t, id) = rest.split_once(':')?;
    Some((TenantId(t.parse().ok()?), id.parse().ok()?))
}

/// Runs a queued scan: samples, classifies, compares, keeps the report.
/// What the system answers ends the scan, done or failed (`Ok`, with the
/// job's summary); only a failure of Vigie's own database is an `Err`.
pub async fn run(ctx: Ctx<'_>, scope: &TenantScope, id: i64, now: Timestamp) -> Result<String> {
    let tenant = scope.tenant();
    let mut scan = ctx.store.scan(scope, id).await?;
    // Ended already (a run killed after writing its outcome): as it was.
    if scan.state == "done" || scan.state == "failed" {
        return Ok(format!("scan {id} already {}", scan.state));
    }
    scan.state = "running".into();
    ctx.store.save_scan(&scan).await?;
    let system = ctx.store.system(scope, scan.system).await?;
    let result = async {
        let url = url_of(ctx, tenant, &system)?;
        let (mut opened, filter) = targets::open(ctx, tenant, &url).await?;
        if filter.is_some() {
            // Sampling reads any row; on a database shared with other
            // organisations those would be theirs (C27).
            opened.conn.close().await;
            return Err(invalid(
                "system",
                "this database is shared with other organisations: the provider scans it",
            ));
        }
        // One statement is bounded by the confinement; the whole scan by a
        // generous multiple, so a server that trickles cannot hold the worker.
        let limit = ctx.confinement.statement_timeout * 10;
        let sampled =
            tokio::time::timeout(limit, vigie_connect::sample(&mut opened.conn, SAMPLE_ROWS)).await;
        opened.conn.close().await;
        let samples = match sampled {
            Ok(r) => r.map_err(|e| invalid("system", e.to_string()))?,
            Err(_) => {
                return Err(invalid(
                    "system",
                    format!(
                        "the scan took longer than {} s and was stopped",
                        limit.as_secs()
                    ),
                ));
            }
        };
        let dataset = vigie_connect::parse_dataset(&system.dataset).ok();
        let register: Vec<Activity> = ctx
            .store
            .all_activities(scope)
            .await?
            .into_iter()
            .filter(|a| a.is_current())
            .map(|a| a.body)
            .collect();
        let columns = samples.iter().flat_map(|s| {
            // PostgreSQL names come as schema.table; datasets use the table.
            let table = s.table.rsplit('.').next().unwrap_or(&s.table).to_owned();
            classify_sample(s)
                .into_iter()
                .map(move |r| (table.clone(), s.column.clone(), s.data_type.clone(), r))
        });
        Ok::<_, ServiceError>(compare(dataset.as_ref(), &register, columns))
    }
    .await;
    scan.finished_at = Some(Timestamp::now().max(now));
    match result {
        Ok(findings) => {
            let gaps = findings.iter().filter(|f| f.gap != Gap::Declared).count();
            let register_gaps = findings.iter().filter(|f| f.register_gap).count();
            scan.state = "done".into();
            scan.report = serde_json::to_string(&findings).unwrap_or_default();
            scan.message = format!(
                "{} findings, {gaps} not in the dataset, {register_gaps} sensitive not in the register",
                findings.len()
            );
            ctx.store.save_scan(&scan).await?;
            Ok(scan.message)
        }
        // Vigie's own database failed: nothing is decided about the
        // system, the job runs the scan again.
        Err(e @ ServiceError::Store(_)) => Err(e),
        // The system's answer (unreachable, refused, too slow, shared) is
        // the scan's outcome: final, told once, not retried by the job —
        // the person asks for a new scan when the system is back.
        Err(e) => {
            scan.state = "failed".into();
            scan.message = e.to_string();
            ctx.store.save_scan(&scan).await?;
            Ok(format!("scan {id} failed: {}", scan.message))
        }
    }
}

/// Classifies a sampled column, each value with its row's key, so that a
/// finding says where (the service's scans and `vigie scan --database`).
pub fn classify_sample(s: &vigie_connect::ColumnSample) -> Vec<ColumnReport> {
    let values = s
        .values
        .iter()
        .zip(&s.keys)
        .map(|(v, k)| (k.as_ref().map(|k| Position::key(k.parts())), v.as_str()));
    classify_at(&s.column, values)
}

/// The findings of a finished scan.
pub fn findings(scan: &SystemScan) -> Vec<Finding> {
    serde_json::from_str(&scan.report).unwrap_or_default()
}

/// Adds `table.column` with `category` to the system's dataset, in the
/// table's own block so the author's layout and comments stay, then saves
/// through the usual checks.
pub async fn accept(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    system: System,
    (table, column): (&str, &str),
    category: &str,
    actor: &str,
    now: Timestamp,
) -> Result<System> {
    let text = insert_column(&system.dataset, table, column, category).ok_or_else(|| {
        ServiceError::Invalid {
            field: "dataset",
            message: format!(
                "table {table} is not in the dataset: add it with a reference to a declared table"
            ),
        }
    })?;
    let input = SystemInput {
        name: system.name.clone(),
        url: String::new(),
        dataset: text,
    };
    systems::update(ctx, scope, system, &input, actor, now).await
}

/// The dataset text with a column block added at the end of `table`'s
/// block; `None` if the table is not declared or the column already is.
pub fn insert_column(text: &str, table: &str, column: &str, category: &str) -> Option<String> {
    let d = vigie_connect::parse_dataset(text).ok()?;
    let t = d.table(table)?;
    if t.column(column).is_some() {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    // The line opening each [[table]] and its name.
    let mut start = None;
    let mut current: Option<String> = None;
    let mut end = lines.len();
    for (i, l) in lines.iter().enumerate() {
        let trimmed = l.trim();
        if trimmed == "[[table]]" {
            if start.is_some() {
                end = i;
                break;
            }
            current = None;
        } else if current.is_none()
            && let Some(v) = trimmed.strip_prefix("name")
            && let Some(v) = v.trim_start().strip_prefix('=')
        {
            let name = v.trim().trim_matches('"').to_owned();
            if name == table && start.is_none() {
                start = Some(i);
            }
            current = Some(name);
        }
    }
    start?;
    // Trailing blank lines of the block stay after the insertion.
    while end > 0 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let block = format!(
        "\n  [[table.column]]\n  name = {}\n  category = {}\n",
        quote(column),
        quote(category)
    );
    let mut out = lines[..end].join("\n");
    out.push('\n');
    out.push_str(&block);
    if end < lines.len() {
        out.push('\n');
        out.push_str(&lines[end..].join("\n"));
        out.push('\n');
    }
    // The result must read back with the column in the right table.
    let back = vigie_connect::parse_dataset(&out).ok()?;
    back.table(table)?.column(column)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_connect::fixture::DATASET;

    #[test]
    fn accepting_a_finding_adds_it_to_its_own_table() {
        let text = insert_column(DATASET, "demandes", "titre", "demande.contenu").unwrap();
        let d = vigie_connect::parse_dataset(&text).unwrap();
        assert_eq!(
            d.table("demandes")
                .unwrap()
                .column("titre")
                .unwrap()
                .category
                .as_deref(),
            Some("demande.contenu")
        );
        assert!(d.table("journaux").unwrap().column("titre").is_none());
        assert!(text.starts_with("# « Mes demandes »"), "comments stay");
        assert_eq!(d.problems(), vec![]);
        // The last table too.
        let text = insert_column(DATASET, "journaux", "evenement", "connexion").unwrap();
        assert!(
            vigie_connect::parse_dataset(&text)
                .unwrap()
                .table("journaux")
                .unwrap()
                .column("evenement")
                .is_some()
        );
        // Not twice, not into an undeclared table.
        assert_eq!(insert_column(DATASET, "contacts", "email", "x"), None);
        assert_eq!(insert_column(DATASET, "organisations", "nom", "x"), None);
    }

    #[test]
    fn c38_sensitive_data_missing_from_the_register_is_flagged() {
        use vigie_scan::column::ColumnReport;
        let report = |kind| ColumnReport {
            column: "x".into(),
            kind,
            sampled: 10,
            matched: 10,
            confidence: 1.0,
            example: "1 ** ** ** *** *** **".into(),
            evidence: "values",
            minors: 0,
            at: Vec::new(),
        };
        let cols = || {
            vec![
                (
                    "agents".to_owned(),
                    "num_secu".to_owned(),
                    "text".to_owned(),
                    report(PiiKind::Nir),
                ),
                (
                    "agents".to_owned(),
                    "email".to_owned(),
                    "text".to_owned(),
                    report(PiiKind::Email),
                ),
            ]
        };
        let none = compare(None, &[], cols());
        assert!(none[0].register_gap && none[0].kind == "nir");
        assert!(!none[1].register_gap, "ordinary data is not a register gap");
        let mut declared = Activity {
            name: "Paie".into(),
            data_categories: vec!["nir".into()],
            ..Activity::default()
        };
        assert!(!compare(None, &[declared.clone()], cols())[1].register_gap);
        assert!(
            compare(None, &[declared.clone()], cols())
                .iter()
                .all(|f| !f.register_gap)
        );
        declared.no_sensitive_data = true;
        assert!(
            compare(None, &[declared], cols())[0].register_gap,
            "a promise of none"
        );
    }

    #[test]
    fn c38_birth_dates_of_minors_break_a_promise_of_none() {
        use vigie_scan::column::ColumnReport;
        let births = |minors| {
            vec![(
                "inscrits".to_owned(),
                "date_naissance".to_owned(),
                "date".to_owned(),
                ColumnReport {
                    column: "date_naissance".into(),
                    kind: PiiKind::BirthDate,
                    sampled: 10,
                    matched: 10,
                    confidence: 1.0,
                    example: "**/**/****".into(),
                    evidence: "values+name",
                    minors,
                    at: Vec::new(),
                },
            )]
        };
        let promise = Activity {
            name: "Inscriptions sportives adultes".into(),
            no_minors: true,
            ..Activity::default()
        };
        let found = compare(None, std::slice::from_ref(&promise), births(3));
        assert!(found[0].register_gap);
        assert_eq!(found[0].minors, 3);
        assert!(
            !compare(None, &[promise], births(0))[0].register_gap,
            "adults only"
        );
        assert!(
            !compare(None, &[Activity::default()], births(3))[0].register_gap,
            "no promise, no gap"
        );
    }

    #[test]
    fn keys_round_trip() {
        assert_eq!(
            scan_of_key(&scan_key(TenantId(3), 42)),
            Some((TenantId(3), 42))
        );
        assert_eq!(scan_of_key("rights_task:1"), None);
    }
}
