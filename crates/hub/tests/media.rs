//! Two agents' WebRTC legs (the desktop's own engine) terminate at the hub's media bridge
//! on one UDP socket and hear each other through it: speech one way, a tone the other.

#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::Duration;

use switchboard_hub::media::{MediaBridge, MediaEvent};
use switchboard_voice::FRAME_SAMPLES;
use switchboard_voice::analysis::{envelope, envelope_match};
use switchboard_voice::peer::{Event, Setup};
use switchboard_voice::recording::Recording;
use switchboard_voice::tone::Sine;
use switchboard_voice::wav::Source;

fn connected(events: &std::sync::mpsc::Receiver<Event>) {
    match events.recv_timeout(Duration::from_secs(10)) {
        Ok(Event::Connected) => {}
        other => panic!("expected Connected, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_agents_hear_each_other_through_the_hub() {
    let (events_tx, mut media_events) = tokio::sync::mpsc::unbounded_channel();
    let bridge = MediaBridge::start("127.0.0.1:0".parse().unwrap(), events_tx).unwrap();

    let loopback = "127.0.0.1:0".parse().unwrap();
    let (mut alex, offer) = Setup::offer(loopback).unwrap();
    let (alex_leg, answer) = bridge.add_leg(offer).await.unwrap();
    alex.accept_answer(&answer).unwrap();
    let (mut lucia, offer) = Setup::offer(loopback).unwrap();
    let (lucia_leg, answer) = bridge.add_leg(offer).await.unwrap();
    lucia.accept_answer(&answer).unwrap();
    assert!(
        answer.contains(&bridge.addr().port().to_string()),
        "one socket for every leg"
    );
    bridge.bridge(alex_leg, lucia_leg).unwrap();

    let dir = std::env::temp_dir().join(format!("sb-bridge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wav = dir.join("speech.wav");
    let status = Command::new("espeak-ng")
        .arg("-w")
        .arg(&wav)
        .arg("Lucia, can you take the caller on line two? It is about an invoice.")
        .status()
        .expect("espeak-ng is installed by the test command");
    assert!(status.success());
    let source = Source::open(&wav, false).unwrap();
    let spoken: Vec<i16> = source.samples().to_vec();

    let heard_by_lucia = Recording::default();
    let heard_by_alex = Recording::default();
    let (alex, alex_events) = alex
        .start(Box::new(source), Box::new(heard_by_alex.clone()))
        .unwrap();
    let (lucia, lucia_events) = lucia
        .start(
            Box::new(Sine::new(500.0, 6000)),
            Box::new(heard_by_lucia.clone()),
        )
        .unwrap();
    connected(&alex_events);
    connected(&lucia_events);
    let mut legs_up = Vec::new();
    while legs_up.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(10), media_events.recv()).await {
            Ok(Some(MediaEvent::Connected(leg))) => legs_up.push(leg),
            other => panic!("expected the hub's legs to connect, got {other:?}"),
        }
    }

    let played = spoken.len() + 30 * FRAME_SAMPLES;
    assert!(
        heard_by_lucia.wait_for(played, Duration::from_secs(20)),
        "playback stalled"
    );
    alex.hang_up();
    lucia.hang_up();
    std::fs::remove_dir_all(dir).unwrap();

    let received = heard_by_lucia.samples();
    let best = envelope_match(&spoken, &received, 60);
    eprintln!("speech through the hub bridge: envelope correlation {best:.3}");
    assert!(best > 0.9, "correlation {best:.3}");

    let back = heard_by_alex.samples();
    let tone = envelope(&back[back.len() / 2..]);
    let loud = tone.iter().filter(|&&rms| rms > 2000.0).count();
    assert!(
        loud * 10 >= tone.len() * 9,
        "the tone reached Alex: {loud}/{}",
        tone.len()
    );
}

#[tokio::test]
async fn a_malformed_offer_is_refused_with_a_reason() {
    let (events_tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let bridge = MediaBridge::start("127.0.0.1:0".parse().unwrap(), events_tx).unwrap();
    let error = bridge.add_leg("v=0\r\nnot sdp".into()).await.unwrap_err();
    assert!(error.to_string().contains("SDP"), "{error}");
}
