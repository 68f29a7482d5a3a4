//! Call recordings: a customer on a real phone (baresip) talks with Ana (the desktop's
//! engine, playing a tone); the account records calls, so the call says so from the moment
//! it connects; Ana pauses a moment and resumes. After the call the recording (Opus in Ogg,
//! read by opus-tools as any player would) holds both sides — the customer's words and Ana's
//! tone — without the paused stretch; her call history says how long it is; agents who were
//! not on the call, and other accounts, cannot fetch it.

#![allow(clippy::unwrap_used)]

mod common;
mod phone;

use std::net::SocketAddr;
use std::time::Duration;

use phone::free_port;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_protocol::{Call, CallRecord, CallState, MediaAnswer, Recording};
use switchboard_voice::FRAME_SAMPLES;
use switchboard_voice::analysis::{envelope_match, tone_share};
use switchboard_voice::peer::Setup;
use switchboard_voice::recording::Recording as Heard;
use switchboard_voice::tone::Sine;

#[tokio::test(flavor = "multi_thread")]
async fn a_recorded_call_keeps_both_sides_but_not_what_was_paused() {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let hub = common::start_with(|config| config.sip.listen = Some(sip)).await;
    hub.settings(hub.alpha, |s| {
        s.record_calls = true;
        s.recording_pause = true;
        s.after_call_work = false;
    })
    .await;
    let (ana, mut events) = hub.sales_line("ana@alpha.test", "ring_all").await;

    let dir = tempfile::tempdir().unwrap();
    let (spoken, speech) = phone::speech(
        dir.path(),
        "Hello, I would like to check the status of my order, number four five six.",
        1,
    );
    // The customer stays on the line after speaking.
    phone::then_silence(&speech, 30);
    let phone = phone::dial(
        dir.path(),
        "+442071838750",
        &format!("sip:+14155550100@{sip}"),
        &speech,
        60,
    );
    let offered = events.rings(&ana).await;
    assert_eq!(
        offered.recording, None,
        "nothing is recorded before it connects"
    );
    let (mut media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let accepted: MediaAnswer = hub
        .post(
            &ana,
            &format!("/calls/{}/accept", offered.id),
            json!({ "offer": offer }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        accepted.call.recording,
        Some(Recording::Recording),
        "Ana sees it recorded"
    );
    media.accept_answer(&accepted.answer).unwrap();
    let heard = Heard::default();
    let (engine, _reports) = media
        .start(Box::new(Sine::new(700.0, 2500)), Box::new(heard.clone()))
        .unwrap();
    let id = offered.id;

    // The customer's sentence (and a little more) is heard, then Ana pauses for a second.
    let wanted = spoken.len() + 48_000 + 20 * FRAME_SAMPLES;
    let waiting = heard.clone();
    assert!(
        tokio::task::spawn_blocking(move || waiting.wait_for(wanted, Duration::from_secs(30)))
            .await
            .unwrap()
    );
    let response = hub
        .post(&ana, &format!("/calls/{id}/recording/pause"), json!({}))
        .await;
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    let paused: Call = serde_json::from_str(&body).unwrap();
    assert_eq!(paused.recording, Some(Recording::Paused));
    let at_pause = heard.len();
    let waiting = heard.clone();
    assert!(
        tokio::task::spawn_blocking(move || {
            waiting.wait_for(at_pause + 50 * FRAME_SAMPLES, Duration::from_secs(10))
        })
        .await
        .unwrap()
    );
    // Where the account does not allow it, pausing and resuming are refused.
    hub.settings(hub.alpha, |s| s.recording_pause = false).await;
    let response = hub
        .post(&ana, &format!("/calls/{id}/recording/resume"), json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    hub.settings(hub.alpha, |s| s.recording_pause = true).await;
    let resumed: Call = hub
        .post(&ana, &format!("/calls/{id}/recording/resume"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resumed.recording, Some(Recording::Recording));
    let paused_samples = heard.len() - at_pause;
    let at_resume = heard.len();
    let waiting = heard.clone();
    assert!(
        tokio::task::spawn_blocking(move || {
            waiting.wait_for(at_resume + 50 * FRAME_SAMPLES, Duration::from_secs(10))
        })
        .await
        .unwrap()
    );
    let talked = heard.len();
    let ended: Call = hub
        .post(&ana, &format!("/calls/{id}/hangup"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ended.state, CallState::Ended);
    engine.hang_up();
    phone::hung_up(dir.path(), phone).await;

    // The recording: a valid Opus file, as long as the call minus the pause.
    let response = hub.get(&ana, &format!("/calls/{id}/recording")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "audio/ogg");
    let bytes = response.bytes().await.unwrap();
    let file = dir.path().join("call.opus");
    std::fs::write(&file, &bytes).unwrap();
    let info = std::process::Command::new("opusinfo")
        .arg(&file)
        .output()
        .expect("opus-tools is installed by the test command");
    let report = String::from_utf8_lossy(&info.stdout).to_string();
    assert!(
        info.status.success() && !report.contains("WARNING"),
        "{report}"
    );
    let recorded = switchboard_voice::ogg_opus::decode(&bytes).unwrap();
    let seconds = |samples: usize| samples as f64 / 48_000.0;
    let expected = seconds(talked - paused_samples);
    eprintln!(
        "recorded {:.2} s of a {:.2} s call paused {:.2} s",
        seconds(recorded.len()),
        seconds(talked),
        seconds(paused_samples)
    );
    assert!(
        (seconds(recorded.len()) - expected).abs() < 1.0,
        "{:.2} s recorded, {expected:.2} s expected",
        seconds(recorded.len())
    );
    // Both sides: the customer's words, and Ana's tone.
    let best = envelope_match(&spoken, &recorded, 150);
    eprintln!("the customer's speech in the recording: envelope correlation {best:.3}");
    assert!(best > 0.6, "{best:.3}");
    let tone = tone_share(&recorded[recorded.len() - 48_000..], 700.0);
    eprintln!(
        "Ana's 700 Hz tone in the recording's last second: {:.0}% of its power",
        tone * 100.0
    );
    assert!(tone > 0.5, "{tone:.2}");

    // Her history says it was recorded, and for how long.
    let recent: Vec<CallRecord> = hub.get(&ana, "/me/calls").await.json().await.unwrap();
    let kept = recent[0].recording_seconds.unwrap();
    assert!((f64::from(kept) - expected).abs() <= 1.5, "{kept} s");

    // Not for agents who were not on the call, nor other accounts.
    let cy = hub.sign_in("cy@alpha.test").await;
    let response = hub.get(&cy, &format!("/calls/{id}/recording")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let zoe = hub.sign_in("zoe@beta.test").await;
    let response = hub.get(&zoe, &format!("/calls/{id}/recording")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// A finished recording of a call of Ana's in Alpha, `days` old: its call and its file.
async fn recording_of(hub: &common::Hub, ana: &common::Agent, days: i64) -> (i64, Vec<u8>) {
    let ended = time::OffsetDateTime::now_utc() - time::Duration::days(days);
    let ended_ms = (ended.unix_timestamp_nanos() / 1_000_000) as i64;
    let call: i64 = sqlx::query_scalar(
        "INSERT INTO calls (account_id, direction, to_agent, from_number, started_at, answered_at, ended_at, outcome)
         VALUES (?, 'inbound', ?, '+442071838750', ?1 - 60000, ?1 - 55000, ?1, 'completed') RETURNING id",
    )
    .bind(hub.alpha)
    .bind(ana.id())
    .bind(ended_ms)
    .fetch_one(&hub.db)
    .await
    .unwrap();
    let relative = format!("recordings/{}/{call}.opus", hub.alpha);
    let path = hub.state.config.data_dir.join(&relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let bytes = format!("OggS recording of call {call}").into_bytes();
    std::fs::write(&path, &bytes).unwrap();
    sqlx::query(
        "INSERT INTO call_recordings (call_id, account_id, path, started_at, ended_at, seconds)
         VALUES (?, ?, ?, ?, ?, 55)",
    )
    .bind(call)
    .bind(hub.alpha)
    .bind(&relative)
    .bind(ended_ms - 55_000)
    .bind(ended_ms)
    .execute(&hub.db)
    .await
    .unwrap();
    (call, bytes)
}

#[tokio::test]
async fn recordings_go_after_the_accounts_retention_or_when_an_admin_deletes_one() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let (old, _) = recording_of(&hub, &ana, 40).await;
    let (recent, recent_bytes) = recording_of(&hub, &ana, 1).await;
    let file = |call: i64| {
        hub.state
            .config
            .data_dir
            .join(format!("recordings/{}/{call}.opus", hub.alpha))
    };
    let data = &hub.state.config.data_dir;
    let expire = || switchboard_hub::recording::expire(&hub.state.store, data);

    // Kept until the account says otherwise.
    assert_eq!(expire().await.unwrap(), 0);
    assert!(file(old).exists());
    hub.settings(hub.alpha, |s| s.recording_retention_days = 30)
        .await;
    assert_eq!(expire().await.unwrap(), 1, "the 40-day-old one goes");
    assert!(!file(old).exists());
    let gone = hub.get(&ana, &format!("/calls/{old}/recording")).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let kept = hub.get(&ana, &format!("/calls/{recent}/recording")).await;
    assert_eq!(kept.status(), StatusCode::OK);
    assert_eq!(
        kept.bytes().await.unwrap().as_ref(),
        recent_bytes.as_slice()
    );
    let history: Vec<CallRecord> = hub.get(&ana, "/me/calls").await.json().await.unwrap();
    let seconds = |call: i64| {
        history
            .iter()
            .find(|r| r.id == call)
            .unwrap()
            .recording_seconds
    };
    assert_eq!((seconds(old), seconds(recent)), (None, Some(55)));

    // Deleting by hand is an administrator's: not Ana's, nor another account's admin.
    let path = format!("/calls/{recent}/recording");
    let refused = hub.delete(&ana, &path).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let store = &hub.state.store;
    store
        .set_role("zoe@beta.test", switchboard_protocol::Role::Admin, false)
        .await
        .unwrap();
    let zoe = hub.sign_in("zoe@beta.test").await;
    assert_eq!(
        hub.delete(&zoe, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    store
        .set_role("ben@alpha.test", switchboard_protocol::Role::Admin, false)
        .await
        .unwrap();
    let ben = hub.sign_in("ben@alpha.test").await;
    assert_eq!(
        hub.delete(&ben, &path).await.status(),
        StatusCode::NO_CONTENT
    );
    assert!(!file(recent).exists());
    assert_eq!(hub.get(&ana, &path).await.status(), StatusCode::NOT_FOUND);
}
