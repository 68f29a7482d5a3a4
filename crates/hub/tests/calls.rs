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
        Event::CallUpdated { call } => call,
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
    let ended: Call = hub
        .post(
            &ana,
            &format!("/calls/{}/hangup", started.call.id),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
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
            .fetch_one(hub.state.store.pool())
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
        (StatusCode::CONFLICT, ErrorCode::Conflict)
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
        (StatusCode::BAD_REQUEST, ErrorCode::BadRequest)
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
    let declined: Call = hub
        .post(
            &ben,
            &format!("/calls/{}/decline", started.call.id),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
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
