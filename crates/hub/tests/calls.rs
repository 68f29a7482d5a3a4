//! Agent-to-agent calls through the hub: signalling over the API, media through the bridge
//! with the desktop's own engine, call events to both parties, and the presence rules.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::error_of;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_protocol::{
    Call, CallOutcome, CallState, ErrorCode, Event, MediaAnswer, StatusKey,
};
use switchboard_voice::FRAME_SAMPLES;
use switchboard_voice::analysis::envelope;
use switchboard_voice::peer::Setup;
use switchboard_voice::recording::Recording;
use switchboard_voice::tone::Sine;

/// Loud 20 ms frames among the last `frames` played.
fn loud_frames(recording: &Recording, frames: usize) -> usize {
    let samples = recording.samples();
    let start = samples.len().saturating_sub(frames * FRAME_SAMPLES);
    envelope(&samples[start..])
        .into_iter()
        .filter(|&rms| rms > 1500.0)
        .count()
}

fn call_of(event: Event) -> Call {
    match event {
        Event::CallUpdated { call } => *call,
        other => panic!("expected a call update, got {other:?}"),
    }
}

async fn status_of(hub: &common::Hub, viewer: &common::Agent, name: &str) -> StatusKey {
    hub.bootstrap(viewer)
        .await
        .agents
        .into_iter()
        .find(|a| a.name == name)
        .unwrap()
        .presence
        .status
}

/// Events of other kinds (presence) are skipped.
async fn next_call(stream: &mut common::Events) -> Call {
    loop {
        let envelope = stream.next().await;
        if let Event::CallUpdated { .. } = envelope.event {
            return call_of(envelope.event);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ana_calls_ben_they_talk_and_hang_up() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let cy = hub.sign_in("cy@alpha.test").await;
    let mut ana_events = hub.events(&ana, hub.bootstrap(&ana).await.event_seq).await;
    let mut ben_events = hub.events(&ben, hub.bootstrap(&ben).await.event_seq).await;

    let loopback = "127.0.0.1:0".parse().unwrap();
    let (mut ana_media, offer) = Setup::offer(loopback).unwrap();
    let response = hub
        .post(
            &ana,
            "/calls",
            json!({ "to_agent": ben.id(), "offer": offer }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let started: MediaAnswer = response.json().await.unwrap();
    ana_media.accept_answer(&started.answer).unwrap();
    assert_eq!(started.call.state, CallState::Ringing);
    assert_eq!(started.call.from.name, "Ana");

    // Ben is told who calls; so is Ana (her own call, ringing).
    let ringing = next_call(&mut ben_events).await;
    assert_eq!(
        (ringing.id, ringing.state, ringing.from.name.as_str()),
        (started.call.id, CallState::Ringing, "Ana")
    );
    assert_eq!(next_call(&mut ana_events).await.state, CallState::Ringing);

    // Only the callee may answer.
    let path = format!("/calls/{}/accept", started.call.id);
    assert_eq!(
        error_of(hub.post(&ana, &path, json!({ "offer": "x" })).await).await,
        (StatusCode::FORBIDDEN, ErrorCode::Forbidden)
    );
    // And nobody outside the call sees it.
    assert_eq!(
        error_of(
            hub.post(
                &cy,
                &format!("/calls/{}/hangup", started.call.id),
                json!({})
            )
            .await
        )
        .await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );

    let (mut ben_media, offer) = Setup::offer(loopback).unwrap();
    let accepted: MediaAnswer = hub
        .post(&ben, &path, json!({ "offer": offer }))
        .await
        .json()
        .await
        .unwrap();
    ben_media.accept_answer(&accepted.answer).unwrap();
    assert_eq!(accepted.call.state, CallState::Live);
    assert_eq!(next_call(&mut ana_events).await.state, CallState::Live);
    assert_eq!(next_call(&mut ben_events).await.state, CallState::Live);

    // On a call: both "On a call" (the account's automatic status).
    assert_eq!(status_of(&hub, &cy, "Ana").await, StatusKey::on_call());
    assert_eq!(status_of(&hub, &cy, "Ben").await, StatusKey::on_call());

    let heard_by_ana = Recording::default();
    let heard_by_ben = Recording::default();
    let (ana_leg, _) = ana_media
        .start(
            Box::new(Sine::new(440.0, 6000)),
            Box::new(heard_by_ana.clone()),
        )
        .unwrap();
    let (ben_leg, _) = ben_media
        .start(
            Box::new(Sine::new(700.0, 6000)),
            Box::new(heard_by_ben.clone()),
        )
        .unwrap();
    let timeout = Duration::from_secs(20);
    assert!(
        heard_by_ben.wait_for(100 * FRAME_SAMPLES, timeout),
        "playback stalled"
    );
    assert!(
        heard_by_ana.wait_for(100 * FRAME_SAMPLES, timeout),
        "playback stalled"
    );
    assert!(loud_frames(&heard_by_ben, 40) >= 36, "Ben hears Ana");
    assert!(loud_frames(&heard_by_ana, 40) >= 36, "Ana hears Ben");

    // Ana hangs up: both are told, both go to after-call work.
    let ended: Call = hub.act(&ana, started.call.id, "hangup").await;
    assert_eq!(
        (ended.state, ended.outcome),
        (CallState::Ended, Some(CallOutcome::Completed))
    );
    let told = next_call(&mut ben_events).await;
    assert_eq!(
        (told.state, told.outcome),
        (CallState::Ended, Some(CallOutcome::Completed))
    );
    assert_eq!(
        status_of(&hub, &cy, "Ben").await,
        StatusKey::after_call_work()
    );
    ana_leg.hang_up();
    ben_leg.hang_up();

    let record: (Option<i64>, Option<i64>, Option<String>) =
        sqlx::query_as("SELECT answered_at, ended_at, outcome FROM calls WHERE id = ?")
            .bind(started.call.id)
            .fetch_one(&hub.db)
            .await
            .unwrap();
    assert!(record.0.is_some() && record.1.is_some());
    assert_eq!(record.2.as_deref(), Some("completed"));
}

#[tokio::test]
async fn calls_that_cannot_happen_are_refused_in_words() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let zoe = hub.sign_in("zoe@beta.test").await;
    let (_media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();

    // Another account's agent does not exist for Zoe.
    let response = hub
        .post(
            &zoe,
            "/calls",
            json!({ "to_agent": ana.id(), "offer": offer }),
        )
        .await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    // Cy is offline: not callable.
    let cy_id = hub
        .bootstrap(&ana)
        .await
        .agents
        .iter()
        .find(|a| a.name == "Cy")
        .unwrap()
        .id;
    let response = hub
        .post(&ana, "/calls", json!({ "to_agent": cy_id, "offer": offer }))
        .await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::CONFLICT, ErrorCode::Unavailable)
    );
    // Oneself, and a malformed offer.
    let response = hub
        .post(
            &ana,
            "/calls",
            json!({ "to_agent": ana.id(), "offer": offer }),
        )
        .await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, ErrorCode::CannotCallSelf)
    );
    let response = hub
        .post(
            &ana,
            "/calls",
            json!({ "to_agent": ben.id(), "offer": "v=0 nonsense" }),
        )
        .await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, ErrorCode::BadRequest)
    );
}

#[tokio::test]
async fn a_declined_call_ends_without_touching_presence() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let (_media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let started: MediaAnswer = hub
        .post(
            &ana,
            "/calls",
            json!({ "to_agent": ben.id(), "offer": offer }),
        )
        .await
        .json()
        .await
        .unwrap();
    let declined: Call = hub.act(&ben, started.call.id, "decline").await;
    assert_eq!(declined.outcome, Some(CallOutcome::Declined));
    assert_eq!(
        hub.bootstrap(&ana).await.me.presence.status,
        StatusKey::available()
    );
    // It is over: answering now is refused.
    let (_media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let response = hub
        .post(
            &ben,
            &format!("/calls/{}/accept", started.call.id),
            json!({ "offer": offer }),
        )
        .await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
}

#[tokio::test]
async fn a_colleague_who_does_not_answer_is_no_answer_after_the_ring_timeout() {
    let hub = common::start_with(|config| config.calls.ring_timeout = Duration::from_secs(1)).await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let mut ana_events = hub.events(&ana, hub.bootstrap(&ana).await.event_seq).await;
    let mut ben_events = hub.events(&ben, hub.bootstrap(&ben).await.event_seq).await;
    let (_media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let started: MediaAnswer = hub
        .post(
            &ana,
            "/calls",
            json!({ "to_agent": ben.id(), "offer": offer }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ben_events.rings(&ben).await.id, started.call.id);
    // Nobody answers: both are told it ended unanswered; Ben's desk stops ringing.
    for events in [&mut ana_events, &mut ben_events] {
        let ended = events.ended(started.call.id).await;
        assert_eq!(ended.outcome, Some(CallOutcome::NoAnswer));
    }
    let outcome: Option<String> = sqlx::query_scalar("SELECT outcome FROM calls WHERE id = ?")
        .bind(started.call.id)
        .fetch_one(&hub.db)
        .await
        .unwrap();
    assert_eq!(outcome.as_deref(), Some("no_answer"));
}

/// Ana calls Ben and Ben answers; both engines play a tone (Ana 440 Hz, Ben 700 Hz).
async fn connected_call(
    hub: &common::Hub,
    ana: &common::Agent,
    ben: &common::Agent,
) -> (Call, [switchboard_voice::peer::Handle; 2], [Recording; 2]) {
    let loopback = "127.0.0.1:0".parse().unwrap();
    let (mut ana_media, offer) = Setup::offer(loopback).unwrap();
    let started: MediaAnswer = hub
        .post(
            ana,
            "/calls",
            json!({ "to_agent": ben.id(), "offer": offer }),
        )
        .await
        .json()
        .await
        .unwrap();
    ana_media.accept_answer(&started.answer).unwrap();
    let (mut ben_media, offer) = Setup::offer(loopback).unwrap();
    let accepted: MediaAnswer = hub
        .post(
            ben,
            &format!("/calls/{}/accept", started.call.id),
            json!({ "offer": offer }),
        )
        .await
        .json()
        .await
        .unwrap();
    ben_media.accept_answer(&accepted.answer).unwrap();
    let heard = [Recording::default(), Recording::default()];
    let (ana_leg, _) = ana_media
        .start(Box::new(Sine::new(440.0, 6000)), Box::new(heard[0].clone()))
        .unwrap();
    let (ben_leg, _) = ben_media
        .start(Box::new(Sine::new(700.0, 6000)), Box::new(heard[1].clone()))
        .unwrap();
    (accepted.call, [ana_leg, ben_leg], heard)
}

/// Waits for `frames` more frames, then gives the loudness of each.
fn next_envelope(recording: &Recording, frames: usize) -> Vec<f64> {
    let from = recording.len();
    assert!(
        recording.wait_for(from + frames * FRAME_SAMPLES, Duration::from_secs(20)),
        "playback stalled"
    );
    envelope(&recording.samples()[from..from + frames * FRAME_SAMPLES])
}

/// Music rises and falls; a tone is steady; silence is neither.
fn sounds_like_music(levels: &[f64]) -> bool {
    let mean = levels.iter().sum::<f64>() / levels.len() as f64;
    let spread =
        (levels.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / levels.len() as f64).sqrt();
    mean > 500.0 && spread / mean > 0.2
}

fn steady_tone(levels: &[f64]) -> bool {
    levels.iter().filter(|&&l| l > 3000.0).count() * 10 >= levels.len() * 9
}

#[tokio::test(flavor = "multi_thread")]
async fn hold_plays_music_to_the_held_party_and_only_the_holder_resumes() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let mut ana_events = hub.events(&ana, hub.bootstrap(&ana).await.event_seq).await;
    let (call, _legs, [ana_hears, ben_hears]) = connected_call(&hub, &ana, &ben).await;
    next_envelope(&ana_hears, 50);
    assert!(steady_tone(&next_envelope(&ana_hears, 40)), "Ana hears Ben");

    let held: Call = hub.act(&ben, call.id, "hold").await;
    assert_eq!(
        (held.state, held.held_by),
        (CallState::Held, Some(ben.id()))
    );
    loop {
        let told = next_call(&mut ana_events).await;
        if told.state == CallState::Held {
            assert_eq!(told.held_by, Some(ben.id()));
            break;
        }
    }
    next_envelope(&ana_hears, 25);
    let levels = next_envelope(&ana_hears, 150);
    assert!(sounds_like_music(&levels), "Ana hears music: {levels:?}");
    next_envelope(&ben_hears, 10);
    let levels = next_envelope(&ben_hears, 50);
    assert!(
        levels.iter().all(|&l| l < 300.0),
        "Ben hears nothing: {levels:?}"
    );

    // Holding twice, and resuming by the held party, are refused.
    let hold_again = hub
        .post(&ben, &format!("/calls/{}/hold", call.id), json!({}))
        .await;
    assert_eq!(
        error_of(hold_again).await,
        (StatusCode::CONFLICT, ErrorCode::OnHold)
    );
    let ana_resumes = hub
        .post(&ana, &format!("/calls/{}/resume", call.id), json!({}))
        .await;
    assert_eq!(
        error_of(ana_resumes).await,
        (StatusCode::FORBIDDEN, ErrorCode::HeldByOther)
    );
    // Still on a call while held.
    assert_eq!(status_of(&hub, &ben, "Ana").await, StatusKey::on_call());

    let resumed: Call = hub.act(&ben, call.id, "resume").await;
    assert_eq!((resumed.state, resumed.held_by), (CallState::Live, None));
    next_envelope(&ana_hears, 25);
    assert!(steady_tone(&next_envelope(&ana_hears, 40)), "Ben is back");
    next_envelope(&ben_hears, 25);
    assert!(steady_tone(&next_envelope(&ben_hears, 40)), "Ana is back");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blind_transfer_hands_the_caller_to_another_agent() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let cy = hub.sign_in("cy@alpha.test").await;
    let zoe = hub.sign_in("zoe@beta.test").await;
    let mut ben_events = hub.events(&ben, hub.bootstrap(&ben).await.event_seq).await;
    let mut cy_events = hub.events(&cy, hub.bootstrap(&cy).await.event_seq).await;
    let (call, _legs, [ana_hears, _]) = connected_call(&hub, &ana, &ben).await;
    let transfer = format!("/calls/{}/transfer", call.id);

    // Not to a party of the call, not across accounts.
    assert_eq!(
        error_of(
            hub.post(&ben, &transfer, json!({ "to_agent": ana.id() }))
                .await
        )
        .await,
        (StatusCode::BAD_REQUEST, ErrorCode::OnTheCall)
    );
    assert_eq!(
        error_of(
            hub.post(&ben, &transfer, json!({ "to_agent": zoe.id() }))
                .await
        )
        .await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    // A ring group waits for customers, not for agents.
    let sales = hub
        .state
        .store
        .create_ring_group(hub.alpha, "Sales", "ring_all")
        .await
        .unwrap();
    assert_eq!(
        error_of(
            hub.post(&ben, &transfer, json!({ "to_group": sales }))
                .await
        )
        .await,
        (StatusCode::CONFLICT, ErrorCode::NotACustomersCall)
    );

    let handed: Call = hub
        .post(&ben, &transfer, json!({ "to_agent": cy.id() }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(handed.state, CallState::Ringing);
    assert_eq!(
        (handed.from.name.as_str(), handed.to.name.as_str()),
        ("Ana", "Cy")
    );
    assert_eq!(
        handed.transferred_by.as_ref().and_then(|p| p.agent_id),
        Some(ben.id())
    );

    // Ben is out of the call (told so) and in after-call work; Cy's phone rings with Ana.
    loop {
        let told = next_call(&mut ben_events).await;
        if !told.involves(ben.id()) {
            break;
        }
    }
    assert_eq!(
        status_of(&hub, &ana, "Ben").await,
        StatusKey::after_call_work()
    );
    let ringing = loop {
        let call = next_call(&mut cy_events).await;
        if call.state == CallState::Ringing {
            break call;
        }
    };
    assert_eq!(ringing.from.name, "Ana");
    // Ana waits with music, still on a call.
    next_envelope(&ana_hears, 25);
    assert!(sounds_like_music(&next_envelope(&ana_hears, 150)));
    assert_eq!(status_of(&hub, &cy, "Ana").await, StatusKey::on_call());
    // Ben can no longer act on it.
    assert_eq!(
        error_of(
            hub.post(&ben, &format!("/calls/{}/hangup", call.id), json!({}))
                .await
        )
        .await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );

    let (mut cy_media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let accepted: MediaAnswer = hub
        .post(
            &cy,
            &format!("/calls/{}/accept", call.id),
            json!({ "offer": offer }),
        )
        .await
        .json()
        .await
        .unwrap();
    cy_media.accept_answer(&accepted.answer).unwrap();
    let (_cy_leg, _) = cy_media
        .start(
            Box::new(Sine::new(900.0, 6000)),
            Box::new(Recording::default()),
        )
        .unwrap();
    assert_eq!(accepted.call.state, CallState::Live);
    next_envelope(&ana_hears, 50);
    assert!(steady_tone(&next_envelope(&ana_hears, 40)), "Ana hears Cy");
    assert_eq!(status_of(&hub, &ana, "Cy").await, StatusKey::on_call());

    let transfers: Vec<(i64, i64)> =
        sqlx::query_as("SELECT from_agent, to_agent FROM call_transfers WHERE call_id = ?")
            .bind(call.id)
            .fetch_all(&hub.db)
            .await
            .unwrap();
    assert_eq!(transfers, [(ben.id(), cy.id())]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_that_stopped_mid_call_leaves_nobody_on_a_call() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let (call, legs, _) = connected_call(&hub, &ana, &ben).await;
    assert_eq!(status_of(&hub, &ana, "Ben").await, StatusKey::on_call());
    drop(legs);

    // A new hub process on the same database: the call in the old one's memory is gone.
    let restarted = switchboard_hub::AppState::new(
        hub.state.config.clone(),
        hub.state.store.clone(),
        tokio_util::sync::CancellationToken::new(),
    )
    .unwrap();
    restarted.recover().await.unwrap();
    let outcome: Option<String> = sqlx::query_scalar("SELECT outcome FROM calls WHERE id = ?")
        .bind(call.id)
        .fetch_one(&hub.db)
        .await
        .unwrap();
    assert_eq!(outcome.as_deref(), Some("failed"));
    // The account runs after-call work, so that is where both are now.
    for (viewer, name) in [(&ben, "Ana"), (&ana, "Ben")] {
        assert_eq!(
            status_of(&hub, viewer, name).await,
            StatusKey::after_call_work(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn an_outside_number_is_checked_then_refused_without_a_phone_line() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let (_media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let call = |body: serde_json::Value| {
        let mut body = body;
        body["offer"] = json!(offer);
        hub.post(&ana, "/calls", body)
    };
    // A malformed number is a bad request, in words.
    let response = call(json!({ "to_number": "12" })).await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, ErrorCode::InvalidNumber)
    );
    // Ana may not pick a caller ID.
    let response = call(json!({ "to_number": "(415) 555-0132", "caller_id": 1 })).await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::FORBIDDEN, ErrorCode::Forbidden)
    );
    // A good number: no trunk is configured, and the hub says exactly that.
    let response = call(json!({ "to_number": "(415) 555-0132" })).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: switchboard_protocol::ErrorBody = response.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::NoTrunk);
    assert!(body.message.contains("SIP trunk"), "{}", body.message);
    // Neither or both targets.
    let response = call(json!({})).await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, ErrorCode::BadRequest)
    );
    assert_eq!(
        hub.bootstrap(&ana).await.me.presence.status,
        StatusKey::available(),
        "no call happened"
    );
}
