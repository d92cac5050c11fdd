//! The job worker: enqueues scheduled jobs idempotently (one row per kind
//! and due time, whatever the number of nodes), claims due jobs with a
//! lease, runs them and records what they did. A worker that dies leaves
//! its job to be taken again when the lease ends.

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;
use vigie_domain::{
    audit::{Actor, AuditEvent, Outcome},
    jobs::{JobKind, Lane, retry_delay},
};
use vigie_store::{
    Job, Store, StoreError,
    trail::{self, TrailKey},
};

use vigie_service::{Ctx, discovery, rights, subprocessors};
use vigie_store::vault::Vault;

use crate::mail::{Mailer, Sender};

/// Who a tenant's messages are from: its organisation sheet's name (or the
/// tenant's), answers to its DPO's address, else its référent's, when
/// either is an email address.
async fn sender_of(s: &dyn Store, tenant: vigie_domain::TenantId) -> Result<Sender, String> {
    let t = s.tenant(tenant).await.map_err(|e| e.to_string())?;
    let sheet = s
        .organisation_sheet(&vigie_domain::scope::TenantScope::of_system(tenant))
        .await
        .map_err(|e| e.to_string())?
        .map(|x| x.sheet);
    let name = sheet
        .as_ref()
        .map(|x| x.legal_name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| t.name.as_str().to_owned());
    let reply_to = sheet.and_then(|x| {
        [x.dpo_contact, x.referent_contact]
            .into_iter()
            .find(|c| vigie_domain::account::Email::parse(c.trim()).is_ok())
            .map(|c| c.trim().to_owned())
    });
    Ok(Sender { name, reply_to })
}

/// How long a claimed job is ours before another worker may take it; a
/// running job renews it every third of that.
pub const LEASE: SignedDuration = SignedDuration::from_mins(5);

/// Outbox messages claimed at a time, how long the claim holds (a batch
/// sent one by one, each bounded by the SMTP timeout), and how many one
/// job sends before the lane looks at its other work.
const OUTBOX_BATCH: i64 = 20;
const OUTBOX_LEASE: SignedDuration = SignedDuration::from_mins(2);
const OUTBOX_PER_JOB: usize = 200;

pub struct Worker {
    pub store: Arc<dyn Store>,
    pub key: Arc<TrailKey>,
    pub mailer: Arc<Mailer>,
    /// Longest wait for one webhook endpoint's answer.
    pub hook_timeout: Duration,
    /// Opens connected systems' credentials and seals exports.
    pub vault: Vault,
    /// For links in emails.
    pub base_url: String,
    /// Where tenants' connected systems may live (C27).
    pub confinement: vigie_connect::Confinement,
    pub retention: SignedDuration,
    pub session_idle: SignedDuration,
    pub schedules: Vec<(JobKind, cron::Schedule)>,
    pub id: String,
    /// `LEASE` in production; shorter in tests.
    pub lease: SignedDuration,
    /// Where signed checkpoints are also written (C28), if anywhere.
    pub witness: Option<std::path::PathBuf>,
    /// A request's note older than this belongs to a request that ended
    /// (longer than the request timeout): it is recorded as interrupted.
    pub intent_grace: SignedDuration,
    /// The provider's crisis escalation thresholds (C19): the cadence of
    /// updates owed to clients of a provider-wide incident.
    pub escalation: vigie_domain::breach::EscalationRules,
    /// How long Vigie keeps its own data (C21).
    pub own_policy: vigie_domain::retention::OwnPolicy,
    /// Backups of Vigie's own data (C31), when configured.
    pub backup: Option<Arc<vigie_backup::run::Settings>>,
    /// No backup for this long is an alert (C33).
    pub backup_max_age: SignedDuration,
}

impl Worker {
    /// Queues the latest due run of every schedule (idempotent by key).
    pub async fn schedule(&self, now: Timestamp) -> Result<(), StoreError> {
        let now_c = chrono::DateTime::<Utc>::from_timestamp_micros(now.as_microsecond())
            .unwrap_or_default();
        for (kind, s) in &self.schedules {
            if let Some(due) = s.after(&now_c).next_back() {
                let run_at = Timestamp::from_microsecond(due.timestamp_micros()).unwrap_or(now);
                self.store
                    .enqueue(*kind, &format!("{}@{}", kind.as_str(), run_at), run_at)
                    .await?;
            }
        }
        Ok(())
    }

    /// Runs due jobs of every kind until none is left; returns how many ran.
    pub async fn drain(&self) -> Result<usize, StoreError> {
        self.drain_kinds(&JobKind::ALL).await
    }

    /// Runs due jobs of `kinds` until none is left; returns how many ran.
    pub async fn drain_kinds(&self, kinds: &[JobKind]) -> Result<usize, StoreError> {
        let mut n = 0;
        loop {
            let now = Timestamp::now();
            let Some(job) = self
                .store
                .claim(&self.id, now, now + self.lease, kinds)
                .await?
            else {
                return Ok(n);
            };
            n += 1;
            let ran = self.run_renewing(&job).await;
            // The work's end is told to the tenant's webhooks before the
            // job is finished: a node killed in between leaves the job to
            // run again, which finds the work done and tells it then.
            let told = self.announce(&job).await;
            match ran.and_then(|summary| told.map(|()| summary)) {
                Ok(summary) => {
                    self.store
                        .finish(job.id, Timestamp::now(), &summary)
                        .await?
                }
                Err(e) => {
                    let attempts = u32::try_from(job.attempts).unwrap_or(0);
                    let retry = (attempts < 10).then(|| Timestamp::now() + retry_delay(attempts));
                    tracing::warn!(job = %job.key, "job failed: {e}");
                    self.store.fail(job.id, Timestamp::now(), &e, retry).await?;
                }
            }
        }
    }

    /// Runs a job while renewing its lease, so that a long job (a client's
    /// row lock, a large erasure) is never taken by another worker while
    /// it still runs.
    async fn run_renewing(&self, job: &Job) -> Result<String, String> {
        let every = std::time::Duration::from_micros(
            u64::try_from(self.lease.as_micros() / 3)
                .unwrap_or(1)
                .max(1),
        );
        let renew = async {
            loop {
                tokio::time::sleep(every).await;
                match self
                    .store
                    .renew(job.id, &self.id, Timestamp::now() + self.lease)
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(job = %job.key, "lease lost to another worker");
                        return;
                    }
                    Err(e) => tracing::warn!(job = %job.key, "renewing the lease: {e}"),
                }
            }
        };
        let run = self.run(job);
        tokio::pin!(run);
        tokio::select! {
            r = &mut run => r,
            () = renew => run.await,
        }
    }

    /// Queues the webhook event of a scan, an execution or a copy that has ended
    /// (nothing when it has not, or was told already).
    async fn announce(&self, job: &Job) -> Result<(), String> {
        let now = Timestamp::now();
        let told = match job.kind {
            JobKind::SystemScan => match discovery::scan_of_key(&job.key) {
                Some((tenant, id)) => {
                    let scope = vigie_domain::scope::TenantScope::of_system(tenant);
                    vigie_service::webhooks::scan_ended(self.ctx(), &scope, id, now).await
                }
                None => Ok(0),
            },
            JobKind::RightsTask => match rights::task_of_key(&job.key) {
                Some(id) => vigie_service::webhooks::execution_ended(self.ctx(), id, now).await,
                None => Ok(0),
            },
            JobKind::MaskedCopy => match vigie_service::copies::of_key(&job.key) {
                Some((tenant, id)) => {
                    let scope = vigie_domain::scope::TenantScope::of_system(tenant);
                    vigie_service::webhooks::copy_ended(self.ctx(), &scope, id, now).await
                }
                None => Ok(0),
            },
            _ => Ok(0),
        };
        told.map(|_| ())
            .map_err(|e| format!("the end was not queued for the webhooks: {e}"))
    }

    async fn run(&self, job: &Job) -> Result<String, String> {
        let now = Timestamp::now();
        let s = self.store.as_ref();
        match job.kind {
            JobKind::TrailCheckpoint => match trail::checkpoint(s, &self.key, now).await {
                Ok(Some(c)) => {
                    let copy = match &self.witness {
                        Some(path) => match crate::witness::append(path, &c) {
                            Ok(()) => format!(", copied to {}", path.display()),
                            Err(e) => {
                                tracing::warn!("checkpoint copy: {e:#}");
                                format!(" (copy not written: {e:#})")
                            }
                        },
                        None => String::new(),
                    };
                    Ok(format!("checkpoint signed at record {}{copy}", c.seq))
                }
                Ok(None) => Ok("no new record since the last checkpoint".into()),
                Err(e) => Err(e.to_string()),
            },
            JobKind::TrailVerify => {
                let key = self.key.public_hex();
                let checked = async {
                    let report = trail::verify(s, Some(&key), |_| {})
                        .await
                        .map_err(|e| e.to_string())?;
                    let witness = match &self.witness {
                        Some(path) => crate::witness::read(path).map_err(|e| e.to_string())?,
                        None => Vec::new(),
                    };
                    trail::check_witness(s, &report, &witness, Some(&key))
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok::<_, String>(report.records)
                }
                .await;
                match checked {
                    Ok(records) => Ok(format!("trail intact: {records} records")),
                    Err(reason) => {
                        let opened =
                            vigie_service::breaches::trail_altered(self.ctx(), &reason, now)
                                .await
                                .map_err(|e| e.to_string())?;
                        Err(format!(
                            "TRAIL BROKEN: {reason} — {opened} integrity incident(s) opened"
                        ))
                    }
                }
            }
            JobKind::TrailPurge => {
                let cutoff = now - self.retention;
                let n = trail::purge(s, &self.key, cutoff, now)
                    .await
                    .map_err(|e| e.to_string())?;
                if n > 0 {
                    s.append(&AuditEvent {
                        actor: Actor::system(),
                        tenant: None,
                        action: "trail.purge".into(),
                        object: format!("records:{n}"),
                        ip: String::new(),
                        user_agent: String::new(),
                        outcome: Outcome::Success,
                    })
                    .await
                    .map_err(|e| e.to_string())?;
                }
                Ok(format!("{n} records older than {cutoff} purged"))
            }
            JobKind::OutboxDelivery => {
                // Small claims: a node killed mid-send strands at most one
                // batch, given back when it restarts or its lease ends.
                let (mut sent, mut failed, mut waiting) = (0, 0, 0);
                let mut senders = std::collections::HashMap::new();
                'pass: while sent + failed < OUTBOX_PER_JOB {
                    let now = Timestamp::now();
                    let due = s
                        .claim_messages(&self.id, now, now + OUTBOX_LEASE, OUTBOX_BATCH)
                        .await
                        .map_err(|e| e.to_string())?;
                    if due.is_empty() {
                        break;
                    }
                    for (i, m) in due.iter().enumerate() {
                        let sender = match m.tenant {
                            Some(t) => {
                                if let std::collections::hash_map::Entry::Vacant(e) =
                                    senders.entry(t)
                                {
                                    e.insert(sender_of(s, t).await?);
                                }
                                senders.get(&t)
                            }
                            None => None,
                        };
                        match self.mailer.send(m, sender).await {
                            Ok(()) => {
                                s.mark_sent(m.id, Timestamp::now())
                                    .await
                                    .map_err(|e| e.to_string())?;
                                sent += 1;
                            }
                            Err(e) => {
                                let attempts = u32::try_from(m.attempts).unwrap_or(0);
                                s.mark_failed(m.id, &e, Timestamp::now() + retry_delay(attempts))
                                    .await
                                    .map_err(|e| e.to_string())?;
                                failed += 1;
                                // A server that fails one message would fail
                                // the next: the rest wait for the next pass
                                // rather than each costing a timeout now.
                                for rest in &due[i + 1..] {
                                    s.release_message(rest.id, Timestamp::now())
                                        .await
                                        .map_err(|e| e.to_string())?;
                                    waiting += 1;
                                }
                                break 'pass;
                            }
                        }
                    }
                }
                Ok(format!(
                    "{sent} sent, {failed} to retry, {waiting} left for the next pass"
                ))
            }
            JobKind::WebhookDelivery => {
                let p = crate::hooks::deliver(self.ctx(), &self.id, self.hook_timeout, now).await?;
                Ok(format!(
                    "{} delivered, {} to retry, {} abandoned, {} left for the next pass",
                    p.delivered, p.retried, p.abandoned, p.waiting
                ))
            }
            JobKind::SessionCleanup => {
                let n = s
                    .purge_expired(now - self.session_idle, now)
                    .await
                    .map_err(|e| e.to_string())?;
                let j = s
                    .purge_finished_jobs(now - SignedDuration::from_hours(24 * 30))
                    .await
                    .map_err(|e| e.to_string())?;
                // Exports outlive their 7-day link by a margin, then go.
                let e = s
                    .purge_exports(now - SignedDuration::from_hours(24 * 30), now)
                    .await
                    .map_err(|e| e.to_string())?;
                // Webhook deliveries: a month once delivered, three once
                // abandoned (time to send them again by hand).
                let w = s
                    .purge_deliveries(
                        now - SignedDuration::from_hours(24 * 30),
                        now - SignedDuration::from_hours(24 * 90),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!(
                    "{n} expired sessions, links and failures removed; {j} old job records removed; {e} old exports dropped; {w} old webhook deliveries removed"
                ))
            }
            JobKind::RightsTask => {
                let id = rights::task_of_key(&job.key)
                    .ok_or_else(|| format!("no task in job key {}", job.key))?;
                rights::run_task(self.ctx(), id, now)
                    .await
                    .map_err(|e| e.to_string())
            }
            JobKind::SystemScan => {
                let (tenant, id) = discovery::scan_of_key(&job.key)
                    .ok_or_else(|| format!("no scan in job key {}", job.key))?;
                discovery::run(
                    self.ctx(),
                    &vigie_domain::scope::TenantScope::of_system(tenant),
                    id,
                    now,
                )
                .await
                .map_err(|e| e.to_string())
            }
            JobKind::ObjectionWindows => {
                let n = subprocessors::close_windows(self.ctx(), now)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!("{n} objection windows closed: accepted by silence"))
            }
            JobKind::BreachReminders => {
                let n = vigie_service::breaches::remind(self.ctx(), now)
                    .await
                    .map_err(|e| e.to_string())?;
                let m = vigie_service::problems::remind(self.ctx(), &self.escalation, now)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!(
                    "{n} breach reminders sent; {m} for provider-wide incidents"
                ))
            }
            JobKind::RetentionSchedule => {
                let n = vigie_service::retention::schedule(self.ctx(), now)
                    .await
                    .map_err(|e| e.to_string())?;
                // Clients whose contract ended and whose day has come (C24).
                let key = &self.key;
                let sign = |b: &[u8]| (key.sign_document(b), key.public_hex());
                let destroyed = vigie_service::reversibility::destroy_due(self.ctx(), now, &sign)
                    .await
                    .map_err(|e| e.to_string())?;
                // Vigie's own data, with the clients destroyed in its report.
                let own = vigie_service::own_data::sweep(
                    self.ctx(),
                    &self.own_policy,
                    "Vigie",
                    false,
                    now,
                    destroyed.len(),
                    &sign,
                    &|_| false,
                )
                .await
                .map_err(|e| e.to_string())?;
                Ok(format!(
                    "{n} retention sweeps queued; {} client(s) destroyed; own data swept ({})",
                    destroyed.len(),
                    own.id
                ))
            }
            JobKind::Backup => match &self.backup {
                None => Ok("backups are not configured ([backup] recipients and targets)".into()),
                Some(s) => {
                    crate::backups::nightly(self.ctx(), s, &self.key.public_hex(), now).await
                }
            },
            JobKind::BackupWatch => {
                crate::backups::watch(self.ctx(), self.backup.is_some(), self.backup_max_age, now)
                    .await
            }
            JobKind::RetentionSweep => {
                let (tenant, trigger) = vigie_service::retention::of_key(&job.key)
                    .ok_or_else(|| format!("no tenant in job key {}", job.key))?;
                let key = &self.key;
                let sign = |b: &[u8]| (key.sign_document(b), key.public_hex());
                let run = vigie_service::retention::sweep(
                    self.ctx(),
                    &vigie_domain::scope::TenantScope::of_system(tenant),
                    "Vigie",
                    false,
                    trigger,
                    now,
                    vigie_service::retention::BATCH,
                    &sign,
                    &|_| false,
                )
                .await
                .map_err(|e| e.to_string())?;
                Ok(format!("retention run {} done", run.id))
            }
            JobKind::MaskedCopy => {
                let (tenant, id) = vigie_service::copies::of_key(&job.key)
                    .ok_or_else(|| format!("no copy in job key {}", job.key))?;
                let c = vigie_service::copies::run(
                    self.ctx(),
                    &vigie_domain::scope::TenantScope::of_system(tenant),
                    id,
                )
                .await
                .map_err(|e| e.to_string())?;
                Ok(format!("copy {id}: {}, {} rows", c.state, c.rows_copied))
            }
            JobKind::RightsReminders => {
                let r = rights::remind(self.ctx(), now)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!(
                    "{} requests due within a week, late or stalled; {} emails queued",
                    r.items, r.emails
                ))
            }
        }
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            store: self.store.as_ref(),
            vault: &self.vault,
            base_url: &self.base_url,
            confinement: &self.confinement,
        }
    }

    /// Takes back the jobs, outbox messages and webhook deliveries this node held when it
    /// stopped.
    pub async fn resume(&self) -> Result<u64, StoreError> {
        let now = Timestamp::now();
        let n = self.store.release_jobs(&self.id, now).await?;
        let m = self.store.release_messages(&self.id, now).await?;
        let h = self.store.release_deliveries(&self.id, now).await?;
        if n + m + h > 0 {
            tracing::info!(
                "{n} interrupted job(s), {m} claimed email(s) and {h} webhook delivery(ies) of {} taken back",
                self.id
            );
        }
        Ok(n + m + h)
    }

    /// Records the requests that ended without a trail record (C28): the
    /// process died, or the answer timed out, between acting and
    /// recording. Any node may do it: each note is removed with its record.
    pub async fn settle_intents(&self, now: Timestamp) -> Result<u64, StoreError> {
        let n =
            vigie_store::intent::settle_stale(self.store.as_ref(), now - self.intent_grace).await?;
        if n > 0 {
            tracing::info!("{n} interrupted request(s) recorded in the trail");
        }
        Ok(n)
    }

    /// Schedules, and drains each lane in its own loop every few seconds,
    /// until shutdown: mail, the trail, and the rest on two loops, so that
    /// one tenant's slow system holds neither another tenant's task nor
    /// anybody's email or checkpoint.
    pub async fn run_forever(self, shutdown: watch::Receiver<bool>) {
        if let Err(e) = self.resume().await {
            tracing::warn!("taking back interrupted jobs: {e}");
        }
        let me = Arc::new(self);
        let mut loops = Vec::new();
        for (lane, copies) in [
            (Lane::Mail, 1),
            (Lane::Trail, 1),
            (Lane::Work, 2),
            (Lane::Backup, 1),
            (Lane::Hooks, 1),
        ] {
            for _ in 0..copies {
                let (w, mut stop) = (me.clone(), shutdown.clone());
                loops.push(tokio::spawn(async move {
                    loop {
                        if let Err(e) = w.drain_kinds(lane.kinds()).await {
                            tracing::warn!("running {lane:?} jobs: {e}");
                        }
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                            _ = stop.changed() => return,
                        }
                    }
                }));
            }
        }
        let mut stop = shutdown;
        loop {
            if let Err(e) = me.schedule(Timestamp::now()).await {
                tracing::warn!("scheduling jobs: {e}");
            }
            if let Err(e) = me.settle_intents(Timestamp::now()).await {
                tracing::warn!("recording interrupted requests: {e}");
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = stop.changed() => break,
            }
        }
        for l in loops {
            let _ = l.await;
        }
    }
}
