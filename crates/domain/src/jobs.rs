//! Background jobs and outgoing messages: kinds, and how long to wait
//! before trying again.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

/// What a job does. Stored by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Sign the head of the access trail.
    TrailCheckpoint,
    /// Delete trail records older than the retention, keeping an anchor.
    TrailPurge,
    /// Send what waits in the outbox.
    OutboxDelivery,
    /// Delete expired sessions, reset links and sign-in failures.
    SessionCleanup,
    /// Run one rights request's step on one connected system; the key
    /// names the task.
    RightsTask,
    /// Remind agents of requests due within a week or late.
    RightsReminders,
    /// Scan a connected system for personal data; the key names the scan.
    SystemScan,
    /// Close sub-processor objection windows past their deadline.
    ObjectionWindows,
    /// Remind DPOs of breaches whose 72-hour clock runs (24, 48, 60 h).
    BreachReminders,
    /// Verify the whole access trail; an alteration opens an incident.
    TrailVerify,
    /// Queue the night's retention sweep of every tenant with rules.
    RetentionSchedule,
    /// Sweep one tenant's retention rules; the key names the tenant.
    RetentionSweep,
    /// Copy a connected system, masked, into a test database; the key
    /// names the copy.
    MaskedCopy,
    /// Back up Vigie's own data, rotate, test the restore (C31, C32).
    Backup,
    /// Alert when no backup succeeded within the expected interval (C33).
    BackupWatch,
    /// Post what waits for tenants' webhook endpoints (issue 20).
    WebhookDelivery,
}

/// A worker loop's share of the jobs: mail, the trail and the rest each
/// run in their own loop, so that a dead SMTP server or a slow client
/// database never holds a checkpoint or another tenant's code by email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Mail,
    Trail,
    Work,
    /// Backups: long, and bound to remote stores that may be slow.
    Backup,
    /// Tenants' webhook endpoints: a silent one holds no other work.
    Hooks,
}

impl Lane {
    pub const ALL: [Lane; 5] = [
        Lane::Mail,
        Lane::Trail,
        Lane::Work,
        Lane::Backup,
        Lane::Hooks,
    ];

    pub fn kinds(self) -> &'static [JobKind] {
        match self {
            Lane::Mail => &[JobKind::OutboxDelivery],
            Lane::Trail => &[
                JobKind::TrailCheckpoint,
                JobKind::TrailPurge,
                JobKind::TrailVerify,
            ],
            Lane::Work => &[
                JobKind::SessionCleanup,
                JobKind::RightsTask,
                JobKind::RightsReminders,
                JobKind::SystemScan,
                JobKind::ObjectionWindows,
                JobKind::BreachReminders,
                JobKind::RetentionSchedule,
                JobKind::RetentionSweep,
                JobKind::MaskedCopy,
            ],
            Lane::Backup => &[JobKind::Backup, JobKind::BackupWatch],
            Lane::Hooks => &[JobKind::WebhookDelivery],
        }
    }
}

impl JobKind {
    pub const ALL: [JobKind; 16] = [
        JobKind::TrailCheckpoint,
        JobKind::TrailPurge,
        JobKind::OutboxDelivery,
        JobKind::SessionCleanup,
        JobKind::RightsTask,
        JobKind::RightsReminders,
        JobKind::SystemScan,
        JobKind::ObjectionWindows,
        JobKind::BreachReminders,
        JobKind::TrailVerify,
        JobKind::RetentionSchedule,
        JobKind::RetentionSweep,
        JobKind::MaskedCopy,
        JobKind::Backup,
        JobKind::BackupWatch,
        JobKind::WebhookDelivery,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::TrailCheckpoint => "trail_checkpoint",
            JobKind::TrailPurge => "trail_purge",
            JobKind::OutboxDelivery => "outbox_delivery",
            JobKind::SessionCleanup => "session_cleanup",
            JobKind::RightsTask => "rights_task",
            JobKind::RightsReminders => "rights_reminders",
            JobKind::SystemScan => "system_scan",
            JobKind::ObjectionWindows => "objection_windows",
            JobKind::BreachReminders => "breach_reminders",
            JobKind::TrailVerify => "trail_verify",
            JobKind::RetentionSchedule => "retention_schedule",
            JobKind::RetentionSweep => "retention_sweep",
            JobKind::MaskedCopy => "masked_copy",
            JobKind::Backup => "backup",
            JobKind::BackupWatch => "backup_watch",
            JobKind::WebhookDelivery => "webhook_delivery",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// State of a job row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Exponential backoff: 30 s, 1 min, 2 min… capped at 6 hours, so that a
/// message to a server down for a day is still tried a few times an hour
/// at first, then a few times a day; nothing is ever dropped.
pub fn retry_delay(attempts: u32) -> SignedDuration {
    let secs = 30i64.saturating_mul(1i64 << attempts.min(20));
    SignedDuration::from_secs(secs.min(6 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_in_one_lane() {
        for k in JobKind::ALL {
            let lanes = Lane::ALL.iter().filter(|l| l.kinds().contains(&k)).count();
            assert_eq!(lanes, 1, "{k:?}");
        }
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(retry_delay(0).as_secs(), 30);
        assert_eq!(retry_delay(1).as_secs(), 60);
        assert_eq!(retry_delay(3).as_secs(), 240);
        assert_eq!(retry_delay(50).as_secs(), 6 * 3600);
    }

    #[test]
    fn kinds_round_trip() {
        for k in JobKind::ALL {
            assert_eq!(JobKind::parse(k.as_str()), Some(k));
        }
    }
}
