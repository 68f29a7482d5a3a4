//! The cpal path against real PulseAudio devices: the test command starts a PulseAudio
//! daemon with two null sinks — `micfeed`, whose monitor is the default source (what is
//! played into it is the "microphone"), and `speaker`, the default sink (recorded from its
//! monitor). Speech played into the microphone must arrive; a tone played must come out.

#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use switchboard_voice::analysis::{envelope, envelope_match};
use switchboard_voice::device::{Microphone, Speaker};
use switchboard_voice::peer::{Capture, Playback};
use switchboard_voice::tone::Sine;
use switchboard_voice::wav::Source;
use switchboard_voice::{FRAME_SAMPLES, Frame};

/// Calls `step` every 20 ms of real time, `frames` times.
fn paced(frames: usize, mut step: impl FnMut()) {
    let start = Instant::now();
    for i in 0..frames {
        step();
        let next = start + Duration::from_millis(20 * (i as u64 + 1));
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
}

#[test]
fn speech_played_into_the_microphone_is_captured() {
    let dir = std::env::temp_dir().join(format!("sb-devices-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wav = dir.join("speech.wav");
    let spoke = Command::new("espeak-ng")
        .arg("-w")
        .arg(&wav)
        .arg("Your call is important to us. Please stay on the line.")
        .status()
        .expect("espeak-ng is installed by the test command");
    assert!(spoke.success());
    let mut source = Source::open(&wav, false).unwrap();
    let mut spoken = Vec::new();
    let mut frame: Frame = [0; FRAME_SAMPLES];
    while !source.is_done() {
        source.read(&mut frame);
        spoken.extend_from_slice(&frame);
    }

    let mut microphone = Microphone::open(None).expect("the PulseAudio test daemon runs");
    let mut player = Command::new("paplay")
        .args(["--device=micfeed"])
        .arg(&wav)
        .spawn()
        .unwrap();
    let mut captured = Vec::new();
    paced(spoken.len() / FRAME_SAMPLES + 60, || {
        microphone.read(&mut frame);
        captured.extend_from_slice(&frame);
    });
    assert!(player.wait().unwrap().success());
    std::fs::remove_dir_all(dir).unwrap();

    let best = envelope_match(&spoken, &captured, 60);
    eprintln!("microphone capture: envelope correlation {best:.3}");
    assert!(best > 0.9, "correlation {best:.3}");
}

#[test]
fn a_tone_written_to_the_speaker_comes_out() {
    let mut recorder = Command::new("parec")
        .args([
            "--device=speaker.monitor",
            "--format=s16le",
            "--rate=48000",
            "--channels=1",
            "--raw",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let recorded = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let mut stdout = recorder.stdout.take().unwrap();
    let sink = recorded.clone();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    let loud_frames = || {
        let bytes = recorded.lock().unwrap();
        let samples: Vec<i16> = bytes
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        envelope(&samples)
            .iter()
            .filter(|&&rms| rms > 3000.0)
            .count()
    };

    let mut speaker = Speaker::open(None).expect("the PulseAudio test daemon runs");
    let mut sine = Sine::new(1000.0, 8000);
    let mut frame: Frame = [0; FRAME_SAMPLES];
    // Keep playing (paced in real time) until 2 s of tone came out of the speaker; the
    // recorder may take a moment to start on a loaded machine, so allow up to 10 s.
    let start = Instant::now();
    let mut written = 0u64;
    while loud_frames() < 100 && written < 500 {
        sine.fill(&mut frame);
        speaker.write(&frame);
        written += 1;
        let next = start + Duration::from_millis(20 * written);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    drop(speaker);
    recorder.kill().unwrap();
    recorder.wait().unwrap();
    let loud = loud_frames();
    eprintln!("speaker: {loud} loud frames came out after {written} written");
    assert!(
        loud >= 100,
        "the tone came out (got {loud} loud frames of {written} written)"
    );
}
