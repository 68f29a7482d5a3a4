//! Interop with a WebRTC stack we did not write: Debian's headless Chromium, driven by
//! playwright-core, calls an agent through the hub with its own SDP offer, and is bridged with
//! the agent's engine (the desktop's). Speech goes both ways and is checked where it lands.
//! The customer web widget relies on exactly this path.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use switchboard_protocol::{CallState, Event, MediaAnswer};
use switchboard_voice::analysis::{envelope_match, rms};
use switchboard_voice::peer::{Event as MediaEvent, Setup};
use switchboard_voice::recording::Recording;
use switchboard_voice::wav::{self, Source};
use switchboard_voice::{FRAME_SAMPLES, SAMPLE_RATE};

/// Speech from espeak-ng, as a 48 kHz WAV `NAME.wav` (what Chromium's fake microphone reads).
fn speech(dir: &Path, name: &str, text: &str) -> Vec<i16> {
    wav::speak(text, &dir.join(format!("{name}.wav")))
        .expect("espeak-ng is installed by the test command")
        .samples()
        .to_vec()
}

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_calls_an_agent_through_the_bridge_and_both_hear_each_other() {
    assert!(
        browser_dir().join("node_modules/playwright-core").exists(),
        "the test command installs playwright-core (npm ci in crates/hub/tests/browser)"
    );
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let browser_agent = hub.sign_in("ben@alpha.test").await;
    let mut ana_events = hub.events(&ana, hub.bootstrap(&ana).await.event_seq).await;

    let dir = tempfile::tempdir().unwrap();
    let customer = speech(
        dir.path(),
        "customer",
        "Hello, I am calling about my order. It has not arrived yet, and it was due on Monday.",
    );
    let agent = speech(
        dir.path(),
        "agent",
        "Thank you for calling Acme support. Let me look that up for you right away.",
    );
    let heard_wav = dir.path().join("heard-by-chromium.wav");
    // Two whole loops of the longer file and some, so each side hears one from its start
    // whatever the path's set-up delay.
    let seconds = 2.0 * customer.len().max(agent.len()) as f64 / f64::from(SAMPLE_RATE) + 3.0;

    let config = json!({
        "api": hub.url,
        "token": browser_agent.token,
        "toAgent": ana.id(),
        "microphoneWav": dir.path().join("customer.wav"),
        "outWav": heard_wav,
        "seconds": seconds,
    });
    let mut chromium = Command::new("node")
        .arg(browser_dir().join("peer.mjs"))
        .arg(config.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node is installed by the test command");
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let stdout = chromium.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(serde_json::from_str(&line).unwrap());
        }
    });

    // Chromium's offer rang Ana like any call; she answers with the desktop's engine.
    let first = tokio::time::timeout(Duration::from_secs(60), lines.recv())
        .await
        .expect("Chromium placed its call")
        .expect("Chromium exited before calling; see its stderr");
    let call_id = first["call"].as_i64().unwrap();
    let ringing = loop {
        if let Event::CallUpdated { call } = ana_events.next().await.event {
            break call;
        }
    };
    assert_eq!(
        (ringing.id, ringing.state, ringing.from.name.as_str()),
        (call_id, CallState::Ringing, "Ben")
    );
    let (mut media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let accepted: MediaAnswer = hub
        .post(
            &ana,
            &format!("/calls/{call_id}/accept"),
            json!({ "offer": offer }),
        )
        .await
        .json()
        .await
        .unwrap();
    media.accept_answer(&accepted.answer).unwrap();
    let heard_by_ana = Recording::default();
    let (leg, media_events) = media
        .start(
            Box::new(Source::from_samples(agent.clone(), true)),
            Box::new(heard_by_ana.clone()),
        )
        .unwrap();
    match media_events.recv_timeout(Duration::from_secs(10)) {
        Ok(MediaEvent::Connected) => {}
        other => panic!("Ana's engine did not connect: {other:?}"),
    }

    let wanted = (seconds * f64::from(SAMPLE_RATE)) as usize;
    assert!(
        heard_by_ana.wait_for(wanted, Duration::from_secs(60)),
        "Ana's playback stalled"
    );
    let done = tokio::time::timeout(Duration::from_secs(60), lines.recv())
        .await
        .expect("Chromium recorded what it heard")
        .expect("Chromium exited before it heard enough; see its stderr");
    eprintln!("chromium: {done}");
    assert!(chromium.wait().unwrap().success());
    leg.hang_up();

    // Ana hears the customer (from Chromium's fake microphone)…
    let heard = heard_by_ana.samples();
    let loop_frames = customer.len() / FRAME_SAMPLES + 100;
    let score = envelope_match(&customer, &heard, loop_frames);
    eprintln!("Ana: level {:.0}, envelope match {score:.3}", rms(&heard));
    assert!(rms(&heard) > 300.0, "Ana heard silence");
    assert!(
        score > 0.8,
        "Ana heard something other than the customer: {score:.3}"
    );

    // …and Chromium hears Ana.
    let heard = Source::open(&heard_wav, false).unwrap().samples().to_vec();
    let loop_frames = agent.len() / FRAME_SAMPLES + 100;
    let score = envelope_match(&agent, &heard, loop_frames);
    eprintln!(
        "Chromium: level {:.0}, envelope match {score:.3}",
        rms(&heard)
    );
    assert!(rms(&heard) > 300.0, "Chromium heard silence");
    assert!(
        score > 0.8,
        "Chromium heard something other than Ana: {score:.3}"
    );
}
