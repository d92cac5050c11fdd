//! Conformance scenarios of webhook endpoints and deliveries (issue 20):
//! one delivery per endpoint and event, a tenant's endpoints its own, a
//! claim that only its holder may settle, a paused endpoint left alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};
use vigie_domain::{
    page::Page,
    role::{Role, Roles},
    scope::TenantScope,
    tenant::{TenantName, TenantSlug},
    webhook::{DeliveryState, EventKind, Subscriptions},
};

use crate::{NewWebhook, Store, StoreError};

fn hook(url: &str) -> NewWebhook {
    NewWebhook {
        url: url.into(),
        description: "Supervision".into(),
        events: Subscriptions::parse(["scan_finished"]).unwrap(),
        secret_sealed: vec![1, 2, 3],
    }
}

pub async fn webhooks_deliver_once_per_endpoint_and_event(s: &dyn Store) {
    let mut scopes = Vec::new();
    for slug in ["commune-a", "syndicat-b"] {
        let t = s
            .create_tenant(
                &TenantSlug::parse(slug).unwrap(),
                &TenantName::parse(slug).unwrap(),
            )
            .await
            .unwrap();
        scopes.push(TenantScope::from_verified_membership(
            t.id,
            None,
            Roles::new(vec![Role::Dpo]),
        ));
    }
    let (a, b) = (&scopes[0], &scopes[1]);
    // Stored to the microsecond.
    let now = Timestamp::from_microsecond(Timestamp::now().as_microsecond()).unwrap();
    let ha = s
        .create_webhook(a, &hook("https://hooks.a.example/v"), "dpo", now)
        .await
        .unwrap();
    let hb = s
        .create_webhook(b, &hook("https://hooks.b.example/v"), "dpo", now)
        .await
        .unwrap();
    assert!(ha.active);
    assert_eq!(ha.events.to_text(), "scan_finished");
    assert_eq!(ha.secret_sealed, vec![1, 2, 3]);
    assert_eq!(
        (ha.previous_secret_sealed.clone(), ha.previous_until),
        (None, None)
    );

    // A rotation keeps the replaced secret beside the new one until told;
    // a second forgets the first; another tenant's endpoint is not found.
    let until = now + SignedDuration::from_hours(24);
    s.rotate_webhook_secret(a, ha.id, &[4, 5], until)
        .await
        .unwrap();
    let rotated = s.webhook(a, ha.id).await.unwrap();
    assert_eq!(rotated.secret_sealed, vec![4, 5]);
    assert_eq!(rotated.previous_secret_sealed, Some(vec![1, 2, 3]));
    assert_eq!(rotated.previous_until, Some(until));
    s.rotate_webhook_secret(a, ha.id, &[6], until)
        .await
        .unwrap();
    let twice = s.webhook(a, ha.id).await.unwrap();
    assert_eq!(
        (twice.secret_sealed, twice.previous_secret_sealed),
        (vec![6], Some(vec![4, 5]))
    );
    assert!(matches!(
        s.rotate_webhook_secret(b, ha.id, &[7], until).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.webhook(a, ha.id).await.unwrap().secret_sealed, vec![6]);

    // One delivery per endpoint and event id, whatever the repeats.
    let body = r#"{"type":"scan_finished"}"#;
    let k = EventKind::ScanFinished;
    assert!(
        s.queue_delivery(a, ha.id, "scan_1", k, body, now)
            .await
            .unwrap()
    );
    assert!(
        !s.queue_delivery(a, ha.id, "scan_1", k, body, now)
            .await
            .unwrap()
    );
    assert!(
        s.queue_delivery(b, hb.id, "scan_1", k, body, now)
            .await
            .unwrap()
    );

    // C27: another tenant's endpoint is not found, never queued to.
    for r in [
        s.queue_delivery(b, ha.id, "scan_x", k, body, now)
            .await
            .map(|_| ()),
        s.webhook(b, ha.id).await.map(|_| ()),
        s.set_webhook_active(b, ha.id, false).await,
        s.delete_webhook(b, ha.id).await,
    ] {
        assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    }
    let listed = s.webhooks(b, "", Page::default()).await.unwrap();
    assert_eq!(listed.total, 1);
    assert_eq!(listed.items[0].id, hb.id);
    assert_eq!(
        s.webhooks(a, "HOOKS.A", Page::default())
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        s.webhooks(a, "nulle-part", Page::default())
            .await
            .unwrap()
            .total,
        0
    );
    let da = s
        .deliveries(a, ha.id, None, "", Page::default())
        .await
        .unwrap();
    assert_eq!(da.total, 1);
    let da = da.items[0].clone();
    assert!(matches!(
        s.delivery(b, da.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.deliveries(b, ha.id, None, "", Page::default())
            .await
            .unwrap()
            .total,
        0
    );

    // A claim is its holder's: another worker neither takes it nor settles it.
    let lease = now + SignedDuration::from_mins(5);
    let first = s.claim_deliveries("n1", now, lease, 10).await.unwrap();
    assert_eq!(first.len(), 2);
    assert!(
        s.claim_deliveries("n2", now, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!s.mark_delivered(da.id, "n2", 200, now).await.unwrap());
    let retry = now + SignedDuration::from_secs(30);
    assert!(
        s.mark_undelivered(
            da.id,
            "n1",
            Some(503),
            "the endpoint answered 503",
            Some(retry)
        )
        .await
        .unwrap()
    );
    let d = s.delivery(a, da.id).await.unwrap();
    assert_eq!(
        (d.state, d.attempts, d.last_status, d.next_attempt_at),
        (DeliveryState::Pending, 1, Some(503), retry)
    );
    // n1's lease on b's delivery ends; n2 takes it, n1 can no longer settle it.
    let later = lease + SignedDuration::from_secs(1);
    let taken = s
        .claim_deliveries("n2", later, later + SignedDuration::from_mins(5), 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 2, "a's retry is due and b's lease has run out");
    let db = taken.iter().find(|d| d.webhook == hb.id).unwrap();
    assert!(!s.mark_delivered(db.id, "n1", 200, later).await.unwrap());
    assert!(s.mark_delivered(db.id, "n2", 204, later).await.unwrap());
    let db = s.delivery(b, db.id).await.unwrap();
    assert_eq!(
        (db.state, db.attempts, db.delivered_at),
        (DeliveryState::Delivered, 1, Some(later))
    );

    // Given up, then sent again on request; not twice while pending.
    assert!(
        s.mark_undelivered(da.id, "n2", None, "refused", None)
            .await
            .unwrap()
    );
    assert_eq!(
        s.delivery(a, da.id).await.unwrap().state,
        DeliveryState::Abandoned
    );
    let abandoned = s
        .deliveries(
            a,
            ha.id,
            Some(DeliveryState::Abandoned),
            "scan_",
            Page::default(),
        )
        .await
        .unwrap();
    assert_eq!(abandoned.total, 1);
    let again = s.redeliver(a, da.id, later).await.unwrap();
    assert_eq!((again.state, again.attempts), (DeliveryState::Pending, 0));
    assert!(matches!(
        s.redeliver(a, da.id, later).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.redeliver(b, da.id, later).await,
        Err(StoreError::NotFound)
    ));

    // A paused endpoint is not tried; resumed, it is.
    s.set_webhook_active(a, ha.id, false).await.unwrap();
    assert!(s.active_webhooks(a).await.unwrap().is_empty());
    let t = later + SignedDuration::from_secs(1);
    assert!(
        s.claim_deliveries("n3", t, t + SignedDuration::from_mins(5), 10)
            .await
            .unwrap()
            .is_empty()
    );
    s.set_webhook_active(a, ha.id, true).await.unwrap();
    let held = s
        .claim_deliveries("n3", t, t + SignedDuration::from_mins(5), 10)
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    // A node that restarts under its name gives its claims back at once.
    assert_eq!(s.release_deliveries("n3", t).await.unwrap(), 1);
    assert_eq!(
        s.claim_deliveries("n4", t, t + SignedDuration::from_mins(5), 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // Kept a month once delivered, three once abandoned (C21).
    let month = SignedDuration::from_hours(24 * 30);
    assert_eq!(
        s.purge_deliveries(later, later).await.unwrap(),
        0,
        "delivered at `later`, not before"
    );
    assert_eq!(
        s.purge_deliveries(later + month, t).await.unwrap(),
        1,
        "b's delivery"
    );
    assert_eq!(
        s.deliveries(b, hb.id, None, "", Page::default())
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        s.deliveries(a, ha.id, None, "", Page::default())
            .await
            .unwrap()
            .total,
        1,
        "a's is pending"
    );

    // Removing an endpoint removes its deliveries, and only its own.
    s.delete_webhook(a, ha.id).await.unwrap();
    assert!(matches!(
        s.delivery(a, da.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.webhook(b, hb.id).await.unwrap().id,
        hb.id,
        "b's endpoint stays"
    );
}
