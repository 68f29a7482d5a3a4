//! The agent event stream: ordered, resumable, nothing lost and nothing twice.

#![allow(clippy::unwrap_used)]

mod common;

use switchboard_protocol::{Event, StatusKey};

fn status_of(event: &Event) -> (i64, StatusKey) {
    match event {
        Event::PresenceChanged { agent_id, presence } => (*agent_id, presence.status.clone()),
        other => panic!("expected a presence change, got {other:?}"),
    }
}

#[tokio::test]
async fn other_agents_status_changes_arrive_in_order() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let boot = hub.bootstrap(&ana).await;
    let mut stream = hub.events(&ana, boot.event_seq).await;

    hub.set_status(&ben, "away").await;
    hub.set_status(&ben, "available").await;
    let first = stream.next().await;
    let second = stream.next().await;
    assert_eq!(status_of(&first.event), (ben.id(), StatusKey::away()));
    assert_eq!(status_of(&second.event), (ben.id(), StatusKey::available()));
    assert!(second.seq > first.seq && first.seq > boot.event_seq);
}

#[tokio::test]
async fn a_reconnecting_client_gets_every_missed_event_exactly_once() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let boot = hub.bootstrap(&ana).await;

    let mut stream = hub.events(&ana, boot.event_seq).await;
    hub.set_status(&ben, "away").await;
    let seen = stream.next().await;
    stream.close().await;

    // While Ana is disconnected, Cy signs in and Ben and Cy change status several times.
    let cy = hub.sign_in("cy@alpha.test").await;
    hub.set_status(&cy, "away").await;
    hub.set_status(&ben, "available").await;
    hub.set_status(&cy, "available").await;
    hub.set_status(&ben, "away").await;

    let mut resumed = hub.events(&ana, seen.seq).await;
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(resumed.next().await);
    }
    let seqs: Vec<u64> = got.iter().map(|e| e.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing: {seqs:?}"
    );
    assert!(seqs[0] > seen.seq, "nothing already seen is sent again");
    let changes: Vec<_> = got.iter().map(|e| status_of(&e.event)).collect();
    assert_eq!(
        changes,
        [
            (cy.id(), StatusKey::available()), // signing in
            (cy.id(), StatusKey::away()),
            (ben.id(), StatusKey::available()),
            (cy.id(), StatusKey::available()),
            (ben.id(), StatusKey::away()),
        ]
    );

    // And the stream goes on live after the backlog, with no duplicate in between.
    hub.set_status(&cy, "away").await;
    let live = resumed.next().await;
    assert_eq!(status_of(&live.event), (cy.id(), StatusKey::away()));
    assert!(live.seq > seqs[4]);
}

#[tokio::test]
async fn resuming_past_retention_gets_an_explicit_resync() {
    let hub = common::start_with(|config| config.events.retention = 3).await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let boot = hub.bootstrap(&ana).await;
    for status in ["away", "available", "away", "available", "away"] {
        hub.set_status(&ben, status).await;
    }
    let mut stream = hub.events(&ana, boot.event_seq).await;
    let first = stream.next().await;
    assert_eq!(first.event, Event::Resync);

    // After the resync the stream is live from there on.
    hub.set_status(&ben, "available").await;
    let next = stream.next().await;
    assert_eq!(status_of(&next.event), (ben.id(), StatusKey::available()));
    assert!(next.seq > first.seq);
}

#[tokio::test]
async fn a_client_ahead_of_the_hub_is_told_to_resync() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    // A seq this hub never issued: the client's memory comes from another database.
    let mut stream = hub.events(&ana, 1_000_000).await;
    assert_eq!(stream.next().await.event, Event::Resync);
}

#[tokio::test]
async fn an_agent_added_by_an_administrator_reaches_the_stream() {
    let hub = common::start_with(|config| {
        config.events.heartbeat = std::time::Duration::from_millis(200);
    })
    .await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let boot = hub.bootstrap(&ana).await;
    let mut stream = hub.events(&ana, boot.event_seq).await;
    // Written straight to the database, as the admin CLI (another process) does: nothing in
    // this hub is woken, the stream's periodic read finds it.
    hub.state
        .store
        .create_agent(&switchboard_hub::store::NewAgent {
            account_id: hub.alpha,
            email: "dee@alpha.test".into(),
            name: "Dee".into(),
            role: switchboard_protocol::Role::Agent,
            password_hash: switchboard_hub::auth::hash_password(common::PASSWORD).unwrap(),
            can_choose_caller_id: false,
        })
        .await
        .unwrap();
    match stream.next().await.event {
        Event::AgentAdded { agent } => assert_eq!(agent.name, "Dee"),
        other => panic!("expected AgentAdded, got {other:?}"),
    }
}
