//! Two WebRTC legs (str0m, DTLS-SRTP, ICE on 127.0.0.1) talk in real time: speech played
//! into one arrives at the other, a tone travels back, and mute silences the sender.

#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use switchboard_voice::peer::{Capture, Event, Playback, Setup};
use switchboard_voice::tone::Sine;
use switchboard_voice::wav::Source;
use switchboard_voice::{FRAME_SAMPLES, Frame};

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<i16>>>);

impl Playback for Recorder {
    fn write(&mut self, frame: &Frame) {
        self.0.lock().unwrap().extend_from_slice(frame);
    }
}

struct Tone(Sine);

impl Capture for Tone {
    fn read(&mut self, frame: &mut Frame) {
        self.0.fill(frame);
    }
}

fn speech() -> Source {
    let dir = tempfile_dir("speech");
    let path = dir.join("speech.wav");
    let status = Command::new("espeak-ng")
        .arg("-w")
        .arg(&path)
        .arg("Hello, this is Alex from Acme support. How can I help you today?")
        .status()
        .expect("espeak-ng is installed by the test command");
    assert!(status.success());
    Source::open(&path, false).unwrap()
}

fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sb-webrtc-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn envelope(samples: &[i16]) -> Vec<f64> {
    samples
        .chunks(FRAME_SAMPLES)
        .map(|c| (c.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / c.len() as f64).sqrt())
        .collect()
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(a), mean(b));
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>();
    cov / (var(a, ma) * var(b, mb)).sqrt()
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

/// Waits (polling) until `recorder` has played `samples`; real time paces it.
fn played_until(recorder: &Recorder, samples: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while recorder.0.lock().unwrap().len() < samples {
        assert!(Instant::now() < deadline, "playback stalled");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn speech_crosses_a_webrtc_call_both_ways_and_mute_silences_it() {
    let loopback = "127.0.0.1:0".parse().unwrap();
    let (mut caller, offer) = Setup::offer(loopback).unwrap();
    let (callee, answer) = Setup::answer(loopback, &offer).unwrap();
    caller.accept_answer(&answer).unwrap();

    let source = speech();
    let spoken: Vec<i16> = {
        let mut copy = source.clone();
        let mut all = Vec::new();
        let mut frame = [0i16; FRAME_SAMPLES];
        while !copy.is_done() {
            copy.read(&mut frame);
            all.extend_from_slice(&frame);
        }
        all
    };
    let heard_by_callee = Recorder::default();
    let heard_by_caller = Recorder::default();
    let (caller, caller_events) = caller
        .start(Box::new(source), Box::new(heard_by_caller.clone()))
        .unwrap();
    let (callee, callee_events) = callee
        .start(
            Box::new(Tone(Sine::new(600.0, 6000))),
            Box::new(heard_by_callee.clone()),
        )
        .unwrap();
    wait_for(&caller_events, &Event::Connected);
    wait_for(&callee_events, &Event::Connected);

    // Let the whole sentence play, plus the path's delay.
    played_until(&heard_by_callee, spoken.len() + 30 * FRAME_SAMPLES);

    // Then mute the callee: the caller must hear silence from then on.
    callee.set_muted(true);
    let muted_from = heard_by_caller.0.lock().unwrap().len();
    played_until(&heard_by_caller, muted_from + 40 * FRAME_SAMPLES);
    caller.hang_up();
    callee.hang_up();

    let received = heard_by_callee.0.lock().unwrap().clone();
    let (a, b) = (envelope(&spoken), envelope(&received));
    let best = (0..b.len().saturating_sub(a.len()).min(60))
        .map(|lag| correlation(&a, &b[lag..]))
        .fold(f64::MIN, f64::max);
    eprintln!("speech envelope correlation over WebRTC: {best:.3}");
    assert!(best > 0.9, "speech arrived: correlation {best:.3}");

    let back = heard_by_caller.0.lock().unwrap().clone();
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
