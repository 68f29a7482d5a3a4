//! Consult (warm) transfer with real media on every leg: a customer on a real phone
//! (baresip, playing a 300 Hz tone) talks with Ana (440 Hz); Ana consults Ben (700 Hz) while
//! the customer hears hold music; Ana and Ben hear each other; Ana completes the transfer and
//! the customer and Ben hear each other. Declined and cancelled consultations bring Ana
//! back to the customer, and so does a declined blind transfer.

#![allow(clippy::unwrap_used)]

mod common;
mod phone;

use std::net::SocketAddr;
use std::time::Duration;

use phone::free_port;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_protocol::{Call, CallState};
use switchboard_voice::analysis::tone_share;
use switchboard_voice::recording::Recording;

/// Whether `frequency` comes to dominate what an engine hears.
async fn hears(heard: &Recording, frequency: f64) -> bool {
    common::comes_to_hear(heard, frequency).await
}

/// Whether both tones are heard together (each a good part of the power).
async fn hears_both(heard: &Recording, a: f64, b: f64) -> bool {
    let part = common::heard_next(heard).await;
    tone_share(&part, a) > 0.15 && tone_share(&part, b) > 0.15
}

/// The hub with its trunk; Ana answers +14155550100, whose calls are recorded.
async fn hub_and_ana() -> (common::Hub, SocketAddr, common::Agent, common::Events) {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let hub = common::start_with(|config| config.sip.listen = Some(sip)).await;
    hub.settings(hub.alpha, |s| {
        s.after_call_work = false;
        s.record_calls = true;
    })
    .await;
    let (ana, events) = hub.sales_line("ana@alpha.test", "ring_all").await;
    (hub, sip, ana, events)
}

/// An agent, Available, and their event stream.
async fn available(hub: &common::Hub, email: &str) -> (common::Agent, common::Events) {
    let agent = hub.sign_in(email).await;
    hub.set_status(&agent, "available").await;
    let events = hub
        .events(&agent, hub.bootstrap(&agent).await.event_seq)
        .await;
    (agent, events)
}

#[tokio::test(flavor = "multi_thread")]
async fn ana_consults_ben_then_hands_him_the_customer() {
    let (hub, sip, ana, mut ana_events) = hub_and_ana().await;
    let (ben, mut ben_events) = available(&hub, "ben@alpha.test").await;
    let (cy, mut cy_events) = available(&hub, "cy@alpha.test").await;

    let dir = tempfile::tempdir().unwrap();
    let phone = phone::customer(dir.path(), sip);
    let call = ana_events.rings(&ana).await;
    let (_ana_engine, ana_heard) = hub.take(&ana, call.id, 440.0).await;
    assert!(hears(&ana_heard, 300.0).await, "Ana hears the customer");
    let consult = format!("/calls/{}/consult", call.id);

    // Consulting someone on the call, or nobody, is refused.
    let response = hub.post(&ana, &consult, json!({})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Cy first: she declines; Ana is back with the customer.
    let response = hub
        .post(&ana, &consult, json!({ "to_agent": cy.id() }))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let consulting: Call = response.json().await.unwrap();
    assert_eq!(consulting.consult_of, Some(call.id));
    let again = hub
        .post(&ana, &consult, json!({ "to_agent": ben.id() }))
        .await;
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "one consultation at a time"
    );
    // The call and Cy's consultation are open; the refused one left nothing on record.
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE ended_at IS NULL")
        .fetch_one(&hub.db)
        .await
        .unwrap();
    assert_eq!(open, 2);
    let ringing = cy_events.rings(&cy).await;
    assert_eq!(ringing.id, consulting.id);
    let response = hub
        .post(&cy, &format!("/calls/{}/decline", ringing.id), json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(hears(&ana_heard, 300.0).await, "back with the customer");
    // Cy again: Ana changes her mind while it rings.
    let response = hub
        .post(&ana, &consult, json!({ "to_agent": cy.id() }))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let ringing = cy_events.rings(&cy).await;
    let back: Call = hub.act(&ana, call.id, "consult/cancel").await;
    assert_eq!((back.state, back.consult), (CallState::Live, None));
    let stopped = cy_events.ended(ringing.id).await;
    assert_eq!(
        stopped.outcome,
        Some(switchboard_protocol::CallOutcome::Cancelled)
    );
    assert!(
        hears(&ana_heard, 300.0).await,
        "back with the customer again"
    );

    // Ben: he answers, Ana and he talk while the customer waits with music.
    let consulting: Call = hub
        .post(&ana, &consult, json!({ "to_agent": ben.id() }))
        .await
        .json()
        .await
        .unwrap();
    let completing = format!("/calls/{}/consult/complete", call.id);
    let early = hub.post(&ana, &completing, json!({})).await;
    assert_eq!(
        early.status(),
        StatusCode::CONFLICT,
        "not before Ben answers"
    );
    let ringing = ben_events.rings(&ben).await;
    assert_eq!(ringing.id, consulting.id);
    let (_ben_engine, ben_heard) = hub.take(&ben, ringing.id, 700.0).await;
    let twice = hub
        .post(
            &ben,
            &format!("/calls/{}/accept", ringing.id),
            json!({ "offer": "v=0" }),
        )
        .await;
    assert_eq!(
        common::error_of(twice).await,
        (
            StatusCode::CONFLICT,
            switchboard_protocol::ErrorCode::NoLongerRinging
        )
    );
    assert!(hears(&ana_heard, 700.0).await, "Ana hears Ben");
    assert!(hears(&ben_heard, 440.0).await, "Ben hears Ana");

    // Ana completes: Ben and the customer talk, Ana is gone.
    let handed: Call = hub
        .post(&ana, &completing, json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(handed.state, CallState::Live);
    assert!(handed.involves(ben.id()) && !handed.involves(ana.id()));
    assert_eq!(handed.consult, None);
    assert!(hears(&ben_heard, 300.0).await, "Ben hears the customer");
    let merged = ben_events.ended(consulting.id).await;
    assert_eq!(
        merged.merged_into,
        Some(call.id),
        "Ben's call continues as the customer's"
    );
    // Ana is off the phone; Ben is on it.
    let boot = hub.bootstrap(&cy).await;
    let status = |name: &str| {
        boot.agents
            .iter()
            .find(|a| a.name == name)
            .unwrap()
            .presence
            .status
            .clone()
    };
    assert_eq!(status("Ana"), switchboard_protocol::StatusKey::available());
    assert_eq!(status("Ben"), switchboard_protocol::StatusKey::on_call());

    // They talk a while (the phone's recording runs behind what it plays).
    for _ in 0..3 {
        assert!(
            hears(&ben_heard, 300.0).await,
            "Ben still hears the customer"
        );
    }
    // Ben hangs up: the customer's phone gets its BYE. What it heard: Ana, then music,
    // then Ben.
    hub.post(&ben, &format!("/calls/{}/hangup", call.id), json!({}))
        .await;
    phone::hung_up(dir.path(), phone).await;
    let heard = phone::heard(dir.path()).expect("baresip kept what it heard");
    let samples = switchboard_voice::wav::Source::open(&heard, false)
        .unwrap()
        .samples()
        .to_vec();
    let heard_ana = samples
        .chunks(48_000 / 4)
        .any(|chunk| tone_share(chunk, 440.0) > 0.5);
    assert!(heard_ana, "the customer heard Ana first");

    // What the customer was sent is in the call's recording (with their own tone): Ana at
    // first, nothing of the colleagues' consultation, Ben at the end.
    let recorded = hub.recording(&ben, call.id).await;
    let quarters: Vec<&[i16]> = recorded.chunks(48_000 / 4).collect();
    let share = |chunk: &&[i16], f| tone_share(chunk, f);
    assert!(share(&quarters[1], 440.0) > 0.2, "Ana first");
    assert!(
        // (The very end may hold the customer's last frames alone.)
        quarters
            .iter()
            .rev()
            .skip(2)
            .take(4)
            .all(|q| share(q, 700.0) > 0.2),
        "Ben last"
    );
    assert!(
        quarters
            .iter()
            .all(|q| share(q, 700.0) < 0.2 || share(q, 440.0) < 0.2),
        "never Ana and Ben together: the consultation was not recorded"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_three_way_call_then_the_first_agent_leaves_it_to_the_colleague() {
    let (hub, sip, ana, mut ana_events) = hub_and_ana().await;
    let (ben, mut ben_events) = available(&hub, "ben@alpha.test").await;
    let dir = tempfile::tempdir().unwrap();
    let phone = phone::customer(dir.path(), sip);
    let call = ana_events.rings(&ana).await;
    let (_ana_engine, ana_heard) = hub.take(&ana, call.id, 440.0).await;
    assert!(hears(&ana_heard, 300.0).await);
    let joining = format!("/calls/{}/consult/conference", call.id);
    let response = hub.post(&ana, &joining, json!({})).await;
    assert_eq!(
        response.status(),
        StatusCode::CONFLICT,
        "nobody to join yet"
    );
    let response = hub
        .post(
            &ana,
            &format!("/calls/{}/consult", call.id),
            json!({ "to_agent": ben.id() }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let ringing = ben_events.rings(&ben).await;
    let (_ben_engine, ben_heard) = hub.take(&ben, ringing.id, 700.0).await;
    assert!(hears(&ben_heard, 440.0).await, "Ben hears Ana");

    // All three: each agent hears the other two.
    let joined: Call = hub
        .post(&ana, &joining, json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert!(joined.conference);
    assert_eq!(joined.state, CallState::Live);
    // Ben is on the customer's call now: he sees it is recorded.
    let bens = loop {
        let call = ben_events.next_call(Duration::from_secs(20)).await;
        if call.id == ringing.id && call.conference {
            break call;
        }
    };
    assert_eq!(
        bens.recording,
        Some(switchboard_protocol::Recording::Recording)
    );
    assert!(
        hears_both(&ana_heard, 300.0, 700.0).await,
        "Ana hears the customer and Ben"
    );
    assert!(
        hears_both(&ben_heard, 300.0, 440.0).await,
        "Ben hears the customer and Ana"
    );

    // Ana hangs up: Ben carries on with the customer.
    let left: Call = hub.act(&ana, call.id, "hangup").await;
    assert_eq!(left.state, CallState::Live);
    assert!(left.involves(ben.id()) && !left.involves(ana.id()) && !left.conference);
    assert!(
        hears(&ben_heard, 300.0).await,
        "Ben hears the customer alone"
    );
    hub.post(&ben, &format!("/calls/{}/hangup", call.id), json!({}))
        .await;
    phone::hung_up(dir.path(), phone).await;

    // What the customer was sent, kept in the recording: both agents during the
    // three-way call.
    let recorded = hub.recording(&ben, call.id).await;
    let three_way = recorded.chunks(48_000 / 4).any(|q| {
        [300.0, 440.0, 700.0]
            .iter()
            .all(|f| tone_share(q, *f) > 0.1)
    });
    assert!(three_way, "the customer heard Ana and Ben together");
}

#[tokio::test(flavor = "multi_thread")]
async fn ana_consults_a_ring_group_and_whoever_takes_it_gets_the_customer() {
    let (hub, sip, ana, mut ana_events) = hub_and_ana().await;
    let store = &hub.state.store;
    let (ben, mut ben_events) = available(&hub, "ben@alpha.test").await;
    let (cy, mut cy_events) = available(&hub, "cy@alpha.test").await;
    let support = store
        .create_ring_group(hub.alpha, "Support", "ring_all")
        .await
        .unwrap();
    for agent in [&ben, &cy] {
        store
            .set_ring_group_member(hub.alpha, "Support", agent.id(), true)
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let phone = phone::customer(dir.path(), sip);
    let call = ana_events.rings(&ana).await;
    let (_ana_engine, ana_heard) = hub.take(&ana, call.id, 440.0).await;
    assert!(hears(&ana_heard, 300.0).await, "Ana hears the customer");
    let consult = format!("/calls/{}/consult", call.id);
    let response = hub
        .post(&ana, &consult, json!({ "to_group": 999_999 }))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "no such group");

    // Both of Support ring; Ana thinks better of it and both stop ringing.
    let response = hub
        .post(&ana, &consult, json!({ "to_group": support }))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let consulting: Call = response.json().await.unwrap();
    assert_eq!(consulting.ring_group.as_deref(), Some("Support"));
    assert_eq!(ben_events.rings(&ben).await.id, consulting.id);
    assert_eq!(cy_events.rings(&cy).await.id, consulting.id);
    hub.post(
        &ana,
        &format!("/calls/{}/consult/cancel", call.id),
        json!({}),
    )
    .await;
    for (events, who) in [(&mut ben_events, "Ben"), (&mut cy_events, "Cy")] {
        let stopped = events.ended(consulting.id).await;
        assert_eq!(
            stopped.outcome,
            Some(switchboard_protocol::CallOutcome::Cancelled),
            "{who}'s desk stops ringing"
        );
    }
    assert!(hears(&ana_heard, 300.0).await, "back with the customer");

    // Again: Cy takes it; Ben's desk stops ringing and he cannot take it any more.
    let consulting: Call = hub
        .post(&ana, &consult, json!({ "to_group": support }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ben_events.rings(&ben).await.id, consulting.id);
    assert_eq!(cy_events.rings(&cy).await.id, consulting.id);
    let (_cy_engine, cy_heard) = hub.take(&cy, consulting.id, 700.0).await;
    let late = hub
        .post(
            &ben,
            &format!("/calls/{}/accept", consulting.id),
            json!({ "offer": "v=0" }),
        )
        .await;
    assert!(
        matches!(late.status(), StatusCode::CONFLICT | StatusCode::NOT_FOUND),
        "taken by Cy: {}",
        late.status()
    );
    assert!(hears(&ana_heard, 700.0).await, "Ana hears Cy");
    assert!(hears(&cy_heard, 440.0).await, "Cy hears Ana");

    let handed: Call = hub.act(&ana, call.id, "consult/complete").await;
    assert!(handed.involves(cy.id()) && !handed.involves(ana.id()));
    assert!(hears(&cy_heard, 300.0).await, "Cy hears the customer");
    // On record: Ana handed the call to Cy.
    let to: Option<i64> =
        sqlx::query_scalar("SELECT to_agent FROM call_transfers WHERE call_id = ?")
            .bind(call.id)
            .fetch_one(&hub.db)
            .await
            .unwrap();
    assert_eq!(to, Some(cy.id()));
    hub.post(&cy, &format!("/calls/{}/hangup", call.id), json!({}))
        .await;
    phone::hung_up(dir.path(), phone).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declined_transfer_comes_back_to_ana_or_else_waits_in_her_queue() {
    let (hub, sip, ana, mut ana_events) = hub_and_ana().await;
    let store = &hub.state.store;
    let (ben, mut ben_events) = available(&hub, "ben@alpha.test").await;
    store
        .set_ring_group_member(hub.alpha, "Sales", ben.id(), true)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let phone = phone::customer(dir.path(), sip);
    let call = ana_events.rings(&ana).await;
    assert_eq!(ben_events.rings(&ben).await.id, call.id, "Sales rings both");
    let (ana_engine, _) = hub.take(&ana, call.id, 440.0).await;
    let transfer = format!("/calls/{}/transfer", call.id);

    // To Ben, who declines: it rings at Ana again, saying why; she takes it back.
    hub.post(&ana, &transfer, json!({ "to_agent": ben.id() }))
        .await;
    ana_engine.hang_up();
    assert_eq!(ben_events.rings(&ben).await.id, call.id);
    let declined = hub
        .post(&ben, &format!("/calls/{}/decline", call.id), json!({}))
        .await;
    assert_eq!(declined.status(), StatusCode::OK);
    let back = ana_events.rings(&ana).await;
    let returned = back.returned.clone().expect("says it came back");
    assert_eq!(
        (returned.to.name.as_str(), returned.outcome),
        ("Ben", switchboard_protocol::CallOutcome::Declined)
    );
    let (ana_engine, ana_heard) = hub.take(&ana, call.id, 440.0).await;
    assert!(hears(&ana_heard, 300.0).await, "Ana has the customer back");

    // To Ben again; Ana signs out meanwhile, so when he declines the customer waits in
    // Sales, where Ben — the one agent left — is offered it, and takes it.
    hub.post(&ana, &transfer, json!({ "to_agent": ben.id() }))
        .await;
    ana_engine.hang_up();
    assert!(hub.sign_out(&ana).await.status().is_success());
    assert_eq!(ben_events.rings(&ben).await.id, call.id);
    hub.post(&ben, &format!("/calls/{}/decline", call.id), json!({}))
        .await;
    let offered = loop {
        let offered = ben_events.rings(&ben).await;
        if offered.offered_to.contains(&ben.id()) {
            break offered;
        }
    };
    assert_eq!(offered.ring_group.as_deref(), Some("Sales"));
    let (_ben_engine, ben_heard) = hub.take(&ben, call.id, 700.0).await;
    assert!(hears(&ben_heard, 300.0).await, "Ben hears the customer");
    // On record: both transfers to Ben, declined (taking it from the queue is no transfer).
    let outcomes: Vec<Option<String>> =
        sqlx::query_scalar("SELECT outcome FROM call_transfers WHERE call_id = ? ORDER BY id")
            .bind(call.id)
            .fetch_all(&hub.db)
            .await
            .unwrap();
    assert_eq!(
        outcomes,
        [Some("declined".to_owned()), Some("declined".to_owned())]
    );
    hub.post(&ben, &format!("/calls/{}/hangup", call.id), json!({}))
        .await;
    phone::hung_up(dir.path(), phone).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_nobody_answers_comes_back_then_goes_to_the_queue() {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let hub = common::start_with(|config| {
        config.sip.listen = Some(sip);
        config.calls.ring_timeout = Duration::from_secs(1);
    })
    .await;
    hub.settings(hub.alpha, |s| s.after_call_work = false).await;
    let (ana, mut ana_events) = hub.sales_line("ana@alpha.test", "ring_all").await;
    let (ben, mut ben_events) = available(&hub, "ben@alpha.test").await;
    hub.state
        .store
        .set_ring_group_member(hub.alpha, "Sales", ben.id(), true)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let phone = phone::customer(dir.path(), sip);
    let call = ana_events.rings(&ana).await;
    assert_eq!(ben_events.rings(&ben).await.id, call.id, "Sales rings both");
    let (ana_engine, _) = hub.take(&ana, call.id, 440.0).await;
    hub.post(
        &ana,
        &format!("/calls/{}/transfer", call.id),
        json!({ "to_agent": ben.id() }),
    )
    .await;
    ana_engine.hang_up();

    // Ben lets it ring: it comes back to Ana, saying so.
    assert_eq!(ben_events.rings(&ben).await.id, call.id);
    let back = ana_events.rings(&ana).await;
    let returned = back.returned.expect("says it came back");
    assert_eq!(
        (returned.to.name.as_str(), returned.outcome),
        ("Ben", switchboard_protocol::CallOutcome::NoAnswer)
    );
    // Ana lets it ring too: the customer waits in Sales, whose agents are offered it.
    let offered = loop {
        let offered = ben_events.rings(&ben).await;
        if offered.offered_to.contains(&ben.id()) {
            break offered;
        }
    };
    assert_eq!(offered.ring_group.as_deref(), Some("Sales"));
    let (_ben_engine, ben_heard) = hub.take(&ben, call.id, 700.0).await;
    assert!(hears(&ben_heard, 300.0).await, "Ben hears the customer");
    hub.post(&ben, &format!("/calls/{}/hangup", call.id), json!({}))
        .await;
    phone::hung_up(dir.path(), phone).await;
}
