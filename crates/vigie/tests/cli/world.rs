//! What the worker tests set up the same way: a tenant with a connected
//! system and approved rights requests on it, a worker, a server that
//! accepts and never answers, a client's row lock.

use std::{path::Path, sync::Arc};

use jiff::{SignedDuration, Timestamp};
use vigie::{config::EmailConfig, jobs::Worker, mail::Mailer};
use vigie_connect::{Confinement, Conn, Dialect, Sql, target::HostPattern};
use vigie_domain::{
    account::Email,
    rights::{Intake, RequestKind, Verification},
    role::{Role, Roles},
    scope::TenantScope,
    tenant::{TenantName, TenantSlug},
};
use vigie_service::{
    Ctx,
    rights::{self, RequestInput},
    systems::{self, SystemInput},
};
use vigie_store::{RightsRequest, Store, Tenant, trail::TrailKey, vault::Vault};

/// The key the tests seal with (and give `serve` as `VIGIE_DATA_KEY`).
pub const KEY: [u8; 32] = [7; 32];

pub fn vault() -> Vault {
    Vault::new(KEY)
}

/// The local servers, as a provider would list them.
pub fn local(connect_timeout: std::time::Duration) -> Confinement {
    Confinement {
        hosts: vec![HostPattern::parse("127.0.0.1:*").unwrap()],
        connect_timeout,
        ..Confinement::default()
    }
}

/// A server that accepts connections and never answers; its port.
pub fn silent_server() -> u16 {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

/// Tenant `slug` with a connected system at `url` (the fixture's dataset).
pub async fn tenant_with_system(
    store: &dyn Store,
    confinement: &Confinement,
    slug: &str,
    url: &str,
) -> (Tenant, TenantScope) {
    let t = store
        .create_tenant(
            &TenantSlug::parse(slug).unwrap(),
            &TenantName::parse(slug).unwrap(),
        )
        .await
        .unwrap();
    let scope = TenantScope::from_verified_membership(t.id, None, Roles::new(vec![Role::Dpo]));
    systems::create(
        ctx(store, confinement),
        &scope,
        &SystemInput {
            name: "Mes demandes".into(),
            url: url.into(),
            dataset: vigie_connect::fixture::DATASET.into(),
        },
        "dpo",
        Timestamp::now(),
    )
    .await
    .unwrap();
    (t, scope)
}

pub fn ctx<'a>(store: &'a dyn Store, confinement: &'a Confinement) -> Ctx<'a> {
    static VAULT: std::sync::OnceLock<Vault> = std::sync::OnceLock::new();
    Ctx {
        store,
        vault: VAULT.get_or_init(vault),
        base_url: "http://127.0.0.1:8080",
        confinement,
    }
}

/// A request of `kind` about `email`, recorded, verified and approved: its
/// task is queued.
pub async fn approved_request(
    store: &dyn Store,
    confinement: &Confinement,
    scope: &TenantScope,
    kind: RequestKind,
    email: &str,
) -> RightsRequest {
    let ctx = ctx(store, confinement);
    let input = RequestInput {
        kind,
        name: "Une Personne".into(),
        email: Some(Email::parse(email).unwrap()),
        phone: String::new(),
        details: String::new(),
        channels: vec![],
        rectifications: vec![],
        contact: Default::default(),
    };
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let now = Timestamp::now();
    let r = rights::record(ctx, scope, "agent", &input, Intake::Letter, today, now)
        .await
        .unwrap();
    let r = rights::verify(
        ctx,
        &r,
        Verification::InPerson,
        rights::IdentityCheck::all(&r),
        "agent",
        now,
    )
    .await
    .unwrap();
    rights::approve(ctx, &r, vec![], "agent", now)
        .await
        .unwrap()
}

/// A worker on `store` named `id`, sending email as files in `dir`.
pub fn worker(
    store: Arc<dyn Store>,
    dir: &Path,
    confinement: &Confinement,
    id: &str,
    lease: SignedDuration,
) -> Worker {
    Worker {
        store,
        key: Arc::new(TrailKey::generate().unwrap()),
        mailer: Arc::new(Mailer::from_config(&EmailConfig::default(), dir).unwrap()),
        hook_timeout: std::time::Duration::from_secs(3),
        vault: vault(),
        base_url: "http://127.0.0.1:8080".into(),
        confinement: confinement.clone(),
        retention: SignedDuration::from_hours(24),
        session_idle: SignedDuration::from_mins(30),
        schedules: Vec::new(),
        id: id.into(),
        lease,
        witness: None,
        intent_grace: SignedDuration::from_secs(60),
        escalation: Default::default(),
        own_policy: Default::default(),
        backup: None,
        backup_max_age: jiff::SignedDuration::from_hours(26),
    }
}

/// The client's application holds contact `id`'s row until the
/// connection is rolled back.
pub async fn lock_contact(url: &str, id: i64) -> Conn {
    let mut locker = Conn::open(url).await.unwrap();
    locker.begin(false).await.unwrap();
    let mut q = Sql::new(Dialect::Postgres);
    q.push(&format!(
        "SELECT id::text FROM contacts WHERE id = {id} FOR UPDATE"
    ));
    locker.rows(&q).await.unwrap();
    locker
}
