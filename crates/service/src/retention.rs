//! Retention rules executed (C21, C22): the DPO writes a rule per table of
//! a connected system, checked against its dataset and live schema; a
//! preview counts what each rule would touch today; a sweep deletes or
//! anonymises the rows past their period in batches keyed by primary key,
//! exactly once across crashes, and ends with a report signed with the
//! trail's key.
//!
//! Exactly once: each batch is recorded as pending in Vigie's store
//! before its client transaction commits, with one row of it and what the
//! commit writes there; after a crash, that row tells whether the batch
//! was committed (then it is counted) or not (then it is done again).

use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};
use vigie_connect::{
    Conn, RowFilter, Schema,
    sweep::{self, ExpiredRow, Sweep, SweepError},
};
use vigie_domain::{
    SystemId,
    dataset::Dataset,
    retention::{Period, PeriodUnit, RetentionAction, RetentionRule},
    role::Permission,
    scope::TenantScope,
};
use vigie_store::{PendingBatch, RetentionRun, StoredRule};

use crate::{Ctx, Result, ServiceError, invalid, systems::url_of, targets};

/// Rows per batch: one short transaction each.
pub const BATCH: u32 = 1000;

/// A rule the night's sweep first applies a day after it was written, so
/// that its author sees the preview before anything is changed; a sweep
/// the DPO asks for applies it at once.
pub const GRACE: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// A rule as typed in the form or the API.
#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    pub system: i64,
    pub label: String,
    pub table: String,
    pub trigger_column: String,
    pub amount: String,
    pub unit: String,
    pub action: String,
}

fn may_manage(scope: &TenantScope) -> Result<()> {
    crate::require(
        scope,
        Permission::ManageSystems,
        "only the organisation's DPO writes or runs retention rules",
    )
}

fn sweep_error(e: SweepError) -> ServiceError {
    match e {
        SweepError::Rule { field, message } => invalid(field, message),
        SweepError::Exec(e) => ServiceError::Exec(e),
        SweepError::Db(m) => invalid("system", m),
    }
}

/// A system opened for a rule: its connection, dataset and row filter.
struct OpenSystem {
    conn: Conn,
    dataset: Dataset,
    filter: Option<RowFilter>,
}

async fn open_system(ctx: Ctx<'_>, scope: &TenantScope, id: SystemId) -> Result<OpenSystem> {
    let system = ctx.store.system(scope, id).await.map_err(|e| match e {
        vigie_store::StoreError::NotFound => invalid("system", "no such connected system"),
        e => e.into(),
    })?;
    let dataset =
        vigie_connect::parse_dataset(&system.dataset).map_err(|m| invalid("dataset", m))?;
    let url = url_of(ctx, scope.tenant(), &system)?;
    let (opened, filter) = targets::open(ctx, scope.tenant(), &url).await?;
    Ok(OpenSystem {
        conn: opened.conn,
        dataset,
        filter,
    })
}

/// Checks a rule against its system and records it.
pub async fn create_rule(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    input: &RuleInput,
    now: Timestamp,
) -> Result<StoredRule> {
    may_manage(scope)?;
    let mut wrong = Vec::new();
    let label = input.label.trim().to_owned();
    if label.is_empty() || label.chars().count() > 200 {
        wrong.push((
            "label",
            "say what the rows are, in 1 to 200 characters".to_owned(),
        ));
    }
    let unit = PeriodUnit::parse(&input.unit);
    if unit.is_none() {
        wrong.push(("unit", "days, months or years".to_owned()));
    }
    let period = match (input.amount.trim().parse::<i64>(), unit) {
        (Ok(n), Some(u)) => Period::new(n, u)
            .map_err(|m| wrong.push(("amount", m.to_owned())))
            .ok(),
        (Err(_), _) => {
            wrong.push(("amount", "a whole number".to_owned()));
            None
        }
        _ => None,
    };
    let action = RetentionAction::parse(&input.action);
    if action.is_none() {
        wrong.push(("action", "delete or anonymise".to_owned()));
    }
    for (field, v) in [
        ("table", &input.table),
        ("trigger_column", &input.trigger_column),
    ] {
        if v.trim().is_empty() {
            wrong.push((field, "required".to_owned()));
        }
    }
    let (Some(period), Some(action), true) = (period, action, wrong.is_empty()) else {
        return Err(ServiceError::Fields(wrong));
    };
    let rule = RetentionRule {
        system: SystemId(input.system),
        label,
        table: input.table.trim().to_owned(),
        trigger_column: input.trigger_column.trim().to_owned(),
        period,
        action,
    };
    let mut s = open_system(ctx, scope, rule.system)
        .await
        .map_err(|e| match e {
            ServiceError::Exec(x) => invalid("system", x.to_string()),
            e => e,
        })?;
    let checked = sweep::check(
        &mut s.conn,
        &s.dataset,
        s.filter.as_ref(),
        &rule.table,
        &rule.trigger_column,
        rule.action,
    )
    .await;
    s.conn.close().await;
    checked.map_err(sweep_error)?;
    Ok(ctx.store.create_rule(scope, &rule, now).await?)
}

/// One column of an example row: its name, a hint of its value, and what
/// the rule writes there.
pub type ExampleColumn = (String, String, String);

/// What a rule would touch today, without changing anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulePreview {
    pub rule: StoredRule,
    pub cutoff: Date,
    pub matched: u64,
    /// A few rows: key, and per masked column its hint before and what
    /// anonymisation writes.
    pub examples: Vec<(String, Vec<ExampleColumn>)>,
    pub error: Option<String>,
}

fn window<'a>(
    r: &'a StoredRule,
    table: &'a vigie_domain::dataset::TableSpec,
    filter: Option<&'a RowFilter>,
    key: &'a [u8; 32],
    today: Date,
) -> Sweep<'a> {
    Sweep {
        table,
        trigger: &r.rule.trigger_column,
        action: r.rule.action,
        before: r.rule.period.cutoff(today),
        from: r.done_before,
        filter,
        key,
    }
}

/// Opens the rule's system and checks the rule again: the system or its
/// dataset may have changed since the rule was written.
async fn prepared(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    r: &StoredRule,
) -> Result<(OpenSystem, Schema)> {
    let mut s = open_system(ctx, scope, r.rule.system).await?;
    match sweep::check(
        &mut s.conn,
        &s.dataset,
        s.filter.as_ref(),
        &r.rule.table,
        &r.rule.trigger_column,
        r.rule.action,
    )
    .await
    {
        Ok(schema) => Ok((s, schema)),
        Err(e) => {
            s.conn.close().await;
            Err(sweep_error(e))
        }
    }
}

pub async fn preview(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    now: Timestamp,
) -> Result<Vec<RulePreview>> {
    let today = vigie_domain::time::legal_date(now);
    let key = ctx.vault.masking_key(scope.tenant());
    let mut out = Vec::new();
    for r in ctx.store.rules(scope).await? {
        let cutoff = r.rule.period.cutoff(today);
        let one = async {
            let (mut s, schema) = prepared(ctx, scope, &r).await?;
            let result = async {
                let table = s
                    .dataset
                    .table(&r.rule.table)
                    .ok_or_else(|| invalid("table", "not in the dataset"))?;
                let w = window(&r, table, s.filter.as_ref(), &key, today);
                let matched = sweep::count(&mut s.conn, &schema, &w)
                    .await
                    .map_err(sweep_error)?;
                let rows = sweep::next_batch(&mut s.conn, &schema, &w, None, 3)
                    .await
                    .map_err(sweep_error)?;
                let cols: Vec<String> = sweep::masked_columns(table)
                    .iter()
                    .map(|(c, _)| (*c).to_owned())
                    .collect();
                let examples = rows
                    .iter()
                    .map(|row| (row.key.clone(), example(&cols, row, r.rule.action)))
                    .collect();
                Ok::<_, ServiceError>((matched, examples))
            }
            .await;
            s.conn.close().await;
            result
        }
        .await;
        out.push(match one {
            Ok((matched, examples)) => RulePreview {
                rule: r,
                cutoff,
                matched,
                examples,
                error: None,
            },
            Err(e) => RulePreview {
                rule: r,
                cutoff,
                matched: 0,
                examples: Vec::new(),
                error: Some(e.to_string()),
            },
        });
    }
    Ok(out)
}

/// A row shown masked: never the value itself, its hint.
fn example(
    cols: &[String],
    row: &ExpiredRow,
    action: RetentionAction,
) -> Vec<(String, String, String)> {
    cols.iter()
        .enumerate()
        .map(|(i, c)| {
            let before = row
                .before
                .get(i)
                .cloned()
                .flatten()
                .map_or_else(|| "NULL".to_owned(), |v| vigie_connect::mask::hint(&v));
            let after = match action {
                RetentionAction::Delete => "(supprimée)".to_owned(),
                RetentionAction::Anonymise => row
                    .after
                    .get(i)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| "NULL".to_owned()),
            };
            (c.clone(), before, after)
        })
        .collect()
}

/// One rule's line in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleReport {
    pub rule: i64,
    pub label: String,
    pub system: i64,
    pub table: String,
    pub trigger_column: String,
    pub action: String,
    pub period: String,
    /// Rows whose trigger falls before this day were past their period.
    pub cutoff: String,
    pub matched: i64,
    pub changed: i64,
    pub error: String,
    /// Why the rule was left out of this sweep, if it was.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// What a sweep did, as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub tenant: i64,
    pub run: i64,
    pub dry: bool,
    pub started_by: String,
    pub started_at: String,
    pub ended_at: String,
    pub rules: Vec<RuleReport>,
}

impl Report {
    /// The bytes signed: the report's JSON, fields in their declared order.
    pub fn signed_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A report with its signature and the key to check it, as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedReport {
    pub report: Report,
    pub signature: String,
    pub public_key: String,
}

impl SignedReport {
    /// Whether the signature holds and, when given, is the instance's key.
    pub fn verify(&self, expected_key: Option<&str>) -> bool {
        expected_key.is_none_or(|k| k.eq_ignore_ascii_case(&self.public_key))
            && vigie_store::trail::document_signed_by(
                &self.public_key,
                &self.report.signed_bytes(),
                &self.signature,
            )
    }
}

/// Where a sweep may stop on purpose, in tests: after a batch is recorded
/// as pending, and after its client commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Pending,
    Committed,
}

/// Signs the report's bytes (the trail's key, held by the worker).
pub type Signer<'a> = &'a (dyn Fn(&[u8]) -> (String, String) + Sync);

/// Sweeps the tenant's rules — resuming its unfinished run if a crash
/// left one — and returns the finished run with its signed report.
/// How a sweep was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The night's schedule: rules younger than `GRACE` wait.
    Scheduled,
    /// A DPO or the provider asked for it: every rule applies.
    Asked,
}

#[allow(clippy::too_many_arguments)]
pub async fn sweep(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    by: &str,
    dry: bool,
    trigger: Trigger,
    now: Timestamp,
    batch: u32,
    sign: Signer<'_>,
    stop: &(dyn Fn(Step) -> bool + Sync),
) -> Result<RetentionRun> {
    let run = match ctx.store.running_run(scope).await? {
        Some(r) => r,
        None => ctx.store.start_run(scope, dry, by, now).await?,
    };
    let today = vigie_domain::time::legal_date(run.started_at);
    let key = ctx.vault.masking_key(scope.tenant());
    let rules = ctx.store.rules(scope).await?;
    let waits =
        |r: &StoredRule| trigger == Trigger::Scheduled && r.created_at > run.started_at - GRACE;
    for r in &rules {
        if waits(r) || ctx.store.progress(run.id, r.id).await?.done {
            continue;
        }
        let outcome = sweep_rule(ctx, scope, &run, r, today, &key, batch.max(1), stop).await;
        match outcome {
            Ok(()) => {
                let done_before = (!run.dry).then(|| r.rule.period.cutoff(today));
                ctx.store
                    .finish_rule(scope, run.id, r.id, "", done_before)
                    .await?;
            }
            Err(ServiceError::Interrupted) => return Err(ServiceError::Interrupted),
            Err(e) => {
                ctx.store
                    .finish_rule(scope, run.id, r.id, &e.to_string(), None)
                    .await?;
            }
        }
    }
    let mut lines = Vec::new();
    for r in &rules {
        let p = ctx.store.progress(run.id, r.id).await?;
        lines.push(RuleReport {
            rule: r.id,
            label: r.rule.label.clone(),
            system: r.rule.system.0,
            table: r.rule.table.clone(),
            trigger_column: r.rule.trigger_column.clone(),
            action: r.rule.action.as_str().to_owned(),
            period: r.rule.period.to_string(),
            cutoff: r.rule.period.cutoff(today).to_string(),
            matched: p.matched,
            changed: p.changed,
            error: p.error,
            note: if waits(r) {
                format!(
                    "written less than 24 hours ago: first applied by the sweep after {}",
                    (r.created_at + GRACE)
                        .to_zoned(vigie_domain::time::legal_zone())
                        .strftime("%Y-%m-%d %H:%M")
                )
            } else {
                String::new()
            },
        });
    }
    let ended = Timestamp::now().max(now);
    let report = Report {
        tenant: scope.tenant().0,
        run: run.id,
        dry: run.dry,
        started_by: run.started_by.clone(),
        started_at: run.started_at.to_string(),
        ended_at: ended.to_string(),
        rules: lines,
    };
    let (signature, public_key) = sign(&report.signed_bytes());
    let signed = SignedReport {
        report,
        signature,
        public_key,
    };
    let text = serde_json::to_string(&signed).map_err(|e| invalid("report", e.to_string()))?;
    ctx.store
        .finish_run(scope, run.id, &text, &signed.signature, ended)
        .await?;
    Ok(ctx.store.run(scope, run.id).await?)
}

#[allow(clippy::too_many_arguments)]
async fn sweep_rule(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    run: &RetentionRun,
    r: &StoredRule,
    today: Date,
    key: &[u8; 32],
    batch: u32,
    stop: &(dyn Fn(Step) -> bool + Sync),
) -> Result<()> {
    let (mut s, schema) = prepared(ctx, scope, r).await?;
    let result = async {
        let table = s
            .dataset
            .table(&r.rule.table)
            .ok_or_else(|| invalid("table", "not in the dataset"))?
            .clone();
        let w = window(r, &table, s.filter.as_ref(), key, today);
        if run.dry {
            let matched = sweep::count(&mut s.conn, &schema, &w)
                .await
                .map_err(sweep_error)?;
            let counted = PendingBatch {
                upto: String::new(),
                probe_key: String::new(),
                probe_column: None,
                probe_after: None,
                matched: i64::try_from(matched).unwrap_or(i64::MAX),
                changed: 0,
            };
            ctx.store.set_pending(run.id, r.id, &counted).await?;
            ctx.store.advance(run.id, r.id).await?;
            return Ok(());
        }
        // A batch recorded but maybe not committed before a crash.
        if let Some(b) = ctx.store.progress(run.id, r.id).await?.pending {
            let now_there = sweep::probe(
                &mut s.conn,
                &schema,
                &table,
                &b.probe_key,
                b.probe_column.as_deref(),
            )
            .await
            .map_err(sweep_error)?;
            let committed = match (&b.probe_column, now_there) {
                (None, None) => true,
                (Some(_), Some(v)) => v == b.probe_after,
                _ => false,
            };
            if committed {
                ctx.store.advance(run.id, r.id).await?;
            } else {
                ctx.store.clear_pending(run.id, r.id).await?;
            }
        }
        loop {
            let last = ctx.store.progress(run.id, r.id).await?.last_key;
            s.conn
                .begin(false)
                .await
                .map_err(|e| invalid("system", e.to_string()))?;
            let rows = sweep::next_batch(&mut s.conn, &schema, &w, last.as_deref(), batch)
                .await
                .map_err(sweep_error)?;
            let Some(upto) = rows.last().map(|x| x.key.clone()) else {
                s.conn
                    .rollback()
                    .await
                    .map_err(|e| invalid("system", e.to_string()))?;
                return Ok(());
            };
            let changed = sweep::apply(&mut s.conn, &schema, &w, &rows)
                .await
                .map_err(sweep_error)?;
            let batch = pending_of(&table, r.rule.action, &rows, upto, changed);
            ctx.store.set_pending(run.id, r.id, &batch).await?;
            if stop(Step::Pending) {
                return Err(ServiceError::Interrupted);
            }
            s.conn
                .commit()
                .await
                .map_err(|e| invalid("system", e.to_string()))?;
            if stop(Step::Committed) {
                return Err(ServiceError::Interrupted);
            }
            ctx.store.advance(run.id, r.id).await?;
        }
    }
    .await;
    if result.is_err() {
        let _ = s.conn.rollback().await;
    }
    s.conn.close().await;
    result
}

/// The pending record of a batch, with the row that will tell whether it
/// was committed: for a deletion any row (gone once committed); for an
/// anonymisation one whose value the commit changes.
fn pending_of(
    table: &vigie_domain::dataset::TableSpec,
    action: RetentionAction,
    rows: &[ExpiredRow],
    upto: String,
    changed: u64,
) -> PendingBatch {
    let cols = sweep::masked_columns(table);
    let probe = match action {
        RetentionAction::Delete => rows.first().map(|x| (x.key.clone(), None, None)),
        RetentionAction::Anonymise => rows.iter().find_map(|x| {
            x.before
                .iter()
                .zip(&x.after)
                .zip(&cols)
                .find(|((b, a), _)| b != a)
                .map(|((_, a), (c, _))| (x.key.clone(), Some((*c).to_owned()), a.clone()))
        }),
    };
    // No row changes (all already as anonymisation writes them): any probe
    // reads "committed", and redoing the batch would change nothing.
    let (probe_key, probe_column, probe_after) = probe.unwrap_or_else(|| {
        (
            upto.clone(),
            cols.first().map(|(c, _)| (*c).to_owned()),
            None,
        )
    });
    PendingBatch {
        upto,
        probe_key,
        probe_column,
        probe_after,
        matched: i64::try_from(rows.len()).unwrap_or(i64::MAX),
        changed: i64::try_from(changed).unwrap_or(i64::MAX),
    }
}

/// The job key of a sweep of `tenant`: `at` tells one run from another
/// (the night's date, or the instant a DPO asked for it).
pub fn sweep_key(tenant: vigie_domain::TenantId, at: &str) -> String {
    format!("retention_sweep:{}:{at}", tenant.0)
}

/// The tenant a sweep's job key names, and whether the night's schedule
/// queued it (its key holds a date) or someone asked.
pub fn of_key(key: &str) -> Option<(vigie_domain::TenantId, Trigger)> {
    let rest = key.strip_prefix("retention_sweep:")?;
    let (t, at) = rest.split_once(':')?;
    let trigger = if at.contains('-') {
        Trigger::Scheduled
    } else {
        Trigger::Asked
    };
    Some((vigie_domain::TenantId(t.parse().ok()?), trigger))
}

/// Queues a sweep of the tenant now (a DPO asked for it).
pub async fn request(ctx: Ctx<'_>, scope: &TenantScope, now: Timestamp) -> Result<()> {
    may_manage(scope)?;
    if ctx.store.rules(scope).await?.is_empty() {
        return Err(invalid("rules", "write a rule first"));
    }
    ctx.store
        .enqueue_for(
            scope.tenant(),
            vigie_domain::jobs::JobKind::RetentionSweep,
            &sweep_key(scope.tenant(), &now.as_microsecond().to_string()),
            now,
        )
        .await?;
    Ok(())
}

/// Queues the night's sweep of every tenant with rules (once a day per
/// tenant: the key holds the date). Returns how many were queued.
pub async fn schedule(ctx: Ctx<'_>, now: Timestamp) -> Result<usize> {
    let today = vigie_domain::time::legal_date(now).to_string();
    let mut n = 0;
    for t in ctx.store.tenants_with_rules().await? {
        if ctx
            .store
            .enqueue_for(
                t,
                vigie_domain::jobs::JobKind::RetentionSweep,
                &sweep_key(t, &today),
                now,
            )
            .await?
        {
            n += 1;
        }
    }
    Ok(n)
}
