//! Two agents' WebRTC legs (the desktop's own engine) terminate at the hub's media bridge
//! on one UDP socket and hear each other through it: speech one way, a tone the other; a
//! held leg hears the hold music and is not heard; dial-pad keys cross the bridge.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use switchboard_hub::media::{MediaBridge, MediaEvent};
use switchboard_voice::FRAME_SAMPLES;
use switchboard_voice::analysis::{envelope, envelope_match};
use switchboard_voice::peer::{Event, Setup};
use switchboard_voice::recording::Recording;
use switchboard_voice::tone::Sine;
use switchboard_voice::wav::{self, Source};

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
    let source = wav::speak(
        "Lucia, can you take the caller on line two? It is about an invoice.",
        &dir.join("speech.wav"),
    )
    .expect("espeak-ng is installed by the test command");
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

/// Two engines playing tones, bridged through a fresh bridge.
struct Pair {
    bridge: MediaBridge,
    legs: [switchboard_hub::media::LegId; 2],
    handles: [switchboard_voice::peer::Handle; 2],
    events: [std::sync::mpsc::Receiver<Event>; 2],
    heard: [Recording; 2],
}

async fn bridged_tones() -> Pair {
    let (events_tx, _media_events) = tokio::sync::mpsc::unbounded_channel();
    let bridge = MediaBridge::start("127.0.0.1:0".parse().unwrap(), events_tx).unwrap();
    let mut legs = Vec::new();
    let mut handles = Vec::new();
    let mut events = Vec::new();
    let mut heard = Vec::new();
    for frequency in [440.0, 700.0] {
        let (mut setup, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
        let (leg, answer) = bridge.add_leg(offer).await.unwrap();
        setup.accept_answer(&answer).unwrap();
        let recording = Recording::default();
        let (handle, leg_events) = setup
            .start(
                Box::new(Sine::new(frequency, 6000)),
                Box::new(recording.clone()),
            )
            .unwrap();
        connected(&leg_events);
        legs.push(leg);
        handles.push(handle);
        events.push(leg_events);
        heard.push(recording);
    }
    bridge.bridge(legs[0], legs[1]).unwrap();
    fn collect<T>(v: Vec<T>) -> [T; 2] {
        v.try_into().ok().unwrap()
    }
    Pair {
        bridge,
        legs: collect(legs),
        handles: collect(handles),
        events: collect(events),
        heard: collect(heard),
    }
}

/// The next `frames` frames a recording takes in.
fn next_frames(recording: &Recording, frames: usize) -> Vec<i16> {
    let from = recording.len();
    assert!(
        recording.wait_for(from + frames * FRAME_SAMPLES, Duration::from_secs(20)),
        "playback stalled"
    );
    recording.samples()[from..from + frames * FRAME_SAMPLES].to_vec()
}

fn loud_share(samples: &[i16]) -> f64 {
    let frames = envelope(samples);
    frames.iter().filter(|&&rms| rms > 1500.0).count() as f64 / frames.len() as f64
}

#[tokio::test(flavor = "multi_thread")]
async fn a_held_party_hears_the_music_and_is_not_heard() {
    let pair = bridged_tones().await;
    let [alex, lucia] = &pair.heard;
    // Bridged: each hears the other's tone.
    next_frames(alex, 25);
    assert!(loud_share(&next_frames(alex, 50)) > 0.9);
    assert!(loud_share(&next_frames(lucia, 50)) > 0.9);

    // Alex puts Lucia on hold.
    pair.bridge.hold(pair.legs[1], true).unwrap();
    next_frames(alex, 25);
    let alex_hears = next_frames(alex, 100);
    assert!(
        loud_share(&alex_hears) < 0.05,
        "the held party is not heard ({:.2} loud)",
        loud_share(&alex_hears)
    );
    // Lucia hears the music from its start (after the path's delay).
    let music = Source::open(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/hold-music.wav"),
        false,
    )
    .unwrap();
    let lucia_hears = next_frames(lucia, 300);
    let best = envelope_match(&music.samples()[..250 * FRAME_SAMPLES], &lucia_hears, 50);
    eprintln!("hold music: envelope correlation {best:.3}");
    assert!(best > 0.9, "the held party hears the music: {best:.3}");

    // Resumed: the tones are back both ways.
    pair.bridge.hold(pair.legs[1], false).unwrap();
    next_frames(alex, 25);
    assert!(loud_share(&next_frames(alex, 50)) > 0.9);
    next_frames(lucia, 25);
    let lucia_hears = next_frames(lucia, 50);
    let tone = envelope(&lucia_hears);
    let steady = tone.iter().all(|&rms| (3500.0..5000.0).contains(&rms));
    assert!(steady, "Alex's tone, not the music: {tone:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dial_pad_keys_cross_the_bridge() {
    let pair = bridged_tones().await;
    next_frames(&pair.heard[1], 10);
    for key in "90210#".chars() {
        pair.handles[0].send_dtmf(key).unwrap();
    }
    let mut heard = String::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while heard.len() < 6 {
        match pair.events[1]
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
        {
            Ok(Event::Dtmf(key)) => heard.push(key),
            Ok(Event::Ended { reason }) => panic!("the leg ended: {reason}"),
            Ok(_) => {}
            Err(_) => panic!("only {heard:?} arrived"),
        }
    }
    assert_eq!(heard, "90210#");
    // A held party's keys go nowhere.
    pair.bridge.hold(pair.legs[0], true).unwrap();
    next_frames(&pair.heard[1], 10);
    pair.handles[0].send_dtmf('5').unwrap();
    next_frames(&pair.heard[1], 25);
    assert!(
        !pair.events[1]
            .try_iter()
            .any(|e| matches!(e, Event::Dtmf(_))),
        "no key from the held leg"
    );
}

#[tokio::test]
async fn a_malformed_offer_is_refused_with_a_reason() {
    let (events_tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let bridge = MediaBridge::start("127.0.0.1:0".parse().unwrap(), events_tx).unwrap();
    let error = bridge.add_leg("v=0\r\nnot sdp".into()).await.unwrap_err();
    assert!(error.to_string().contains("SDP"), "{error}");
}
