//! Two WebRTC legs (str0m, DTLS-SRTP, ICE on 127.0.0.1) talk in real time: speech played
//! into one arrives at the other, a tone travels back, and mute silences the sender.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use switchboard_voice::FRAME_SAMPLES;
use switchboard_voice::analysis::{envelope, envelope_match};
use switchboard_voice::peer::{Event, Setup};
use switchboard_voice::recording::Recording;
use switchboard_voice::tone::Sine;
use switchboard_voice::wav::{self, Source};

fn speech() -> Source {
    let dir = tempfile_dir("speech");
    wav::speak(
        "Hello, this is Alex from Acme support. How can I help you today?",
        &dir.join("speech.wav"),
    )
    .expect("espeak-ng is installed by the test command")
}

fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sb-webrtc-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wait_for(events: &std::sync::mpsc::Receiver<Event>, wanted: &Event) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Ok(event) = events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if &event == wanted {
            return;
        }
        if let Event::Ended { reason } = event {
            panic!("the leg ended: {reason}");
        }
    }
    panic!("no {wanted:?} within 10 s");
}

#[test]
fn speech_crosses_a_webrtc_call_both_ways_and_mute_silences_it() {
    let loopback = "127.0.0.1:0".parse().unwrap();
    let (mut caller, offer) = Setup::offer(loopback).unwrap();
    let (callee, answer) = Setup::answer(loopback, &offer).unwrap();
    caller.accept_answer(&answer).unwrap();

    let source = speech();
    let spoken: Vec<i16> = source.samples().to_vec();
    let heard_by_callee = Recording::default();
    let heard_by_caller = Recording::default();
    let (caller, caller_events) = caller
        .start(Box::new(source), Box::new(heard_by_caller.clone()))
        .unwrap();
    let (callee, callee_events) = callee
        .start(
            Box::new(Sine::new(600.0, 6000)),
            Box::new(heard_by_callee.clone()),
        )
        .unwrap();
    wait_for(&caller_events, &Event::Connected);
    wait_for(&callee_events, &Event::Connected);

    // Let the whole sentence play, plus the path's delay.
    let timeout = Duration::from_secs(20);
    assert!(heard_by_callee.wait_for(spoken.len() + 30 * FRAME_SAMPLES, timeout));

    // Then mute the callee: the caller must hear silence from then on.
    callee.set_muted(true);
    let muted_from = heard_by_caller.len();
    assert!(heard_by_caller.wait_for(muted_from + 40 * FRAME_SAMPLES, timeout));
    caller.hang_up();
    callee.hang_up();

    let received = heard_by_callee.samples();
    let best = envelope_match(&spoken, &received, 60);
    eprintln!("speech envelope correlation over WebRTC: {best:.3}");
    assert!(best > 0.9, "speech arrived: correlation {best:.3}");

    let back = heard_by_caller.samples();
    let tone = envelope(&back[FRAME_SAMPLES * 25..muted_from]);
    let loud = tone.iter().filter(|&&rms| rms > 2000.0).count();
    assert!(
        loud * 10 >= tone.len() * 9,
        "the tone arrived steadily: {loud}/{}",
        tone.len()
    );
    // Allow the path's delay (a few frames) before the silence starts.
    let after_mute = envelope(&back[muted_from + FRAME_SAMPLES * 10..]);
    assert!(!after_mute.is_empty());
    assert!(
        after_mute.iter().all(|&rms| rms < 100.0),
        "muted: {after_mute:?}"
    );
}

#[test]
fn dial_pad_keys_arrive_once_each_and_in_order() {
    let loopback = "127.0.0.1:0".parse().unwrap();
    let (mut caller, offer) = Setup::offer(loopback).unwrap();
    let (callee, answer) = Setup::answer(loopback, &offer).unwrap();
    caller.accept_answer(&answer).unwrap();
    let (caller, caller_events) = caller
        .start(
            Box::new(Sine::new(440.0, 3000)),
            Box::new(Recording::default()),
        )
        .unwrap();
    let (callee, callee_events) = callee
        .start(
            Box::new(Sine::new(600.0, 3000)),
            Box::new(Recording::default()),
        )
        .unwrap();
    wait_for(&caller_events, &Event::Connected);
    wait_for(&callee_events, &Event::Connected);

    assert!(caller.send_dtmf('x').is_err(), "not a dial-pad key");
    // Pressed faster than tones can be told apart: they queue.
    for key in "1234#*0".chars() {
        caller.send_dtmf(key).unwrap();
    }
    let mut heard = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while heard.len() < 7 {
        match callee_events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Event::Dtmf(key)) => heard.push(key),
            Ok(Event::Ended { reason }) => panic!("the leg ended: {reason}"),
            Ok(_) => {}
            Err(_) => panic!("only {heard:?} arrived"),
        }
    }
    assert_eq!(heard, "1234#*0");
    caller.hang_up();
    callee.hang_up();
}
