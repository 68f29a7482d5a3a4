//! The cpal path against real PulseAudio devices: the test command starts a PulseAudio
//! daemon with two null sinks — `micfeed`, whose monitor is the default source (what is
//! played into it is the "microphone"), and `speaker`, the default sink (recorded from its
//! monitor). Speech played into the microphone must arrive; a tone played must come out.

#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use switchboard_voice::analysis::{envelope, envelope_match};
use switchboard_voice::device::{self, Microphone, Speaker, Tone};
use switchboard_voice::peer::{Capture, Playback};
use switchboard_voice::tone::{Cadence, Sine};
use switchboard_voice::wav;
use switchboard_voice::{FRAME_SAMPLES, Frame};

/// The tests share the daemon's default devices: one at a time, so one test's sound is not
/// taken for another's.
static DEVICES: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    DEVICES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Calls `step` every 20 ms of real time, at most `frames` times, until it returns false;
/// returns how many times it went on.
fn paced(frames: u64, mut step: impl FnMut() -> bool) -> u64 {
    let start = Instant::now();
    for i in 0..frames {
        if !step() {
            return i;
        }
        let next = start + Duration::from_millis(20 * (i + 1));
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    frames
}

/// Writes a `hz` tone to the speaker in real time while `go_on` says so (checked before
/// each frame), at most `frames` frames; returns how many were written.
fn play_tone(speaker: &mut Speaker, hz: f64, frames: u64, mut go_on: impl FnMut() -> bool) -> u64 {
    let mut sine = Sine::new(hz, 8000);
    let mut frame: Frame = [0; FRAME_SAMPLES];
    paced(frames, || {
        if !go_on() {
            return false;
        }
        sine.fill(&mut frame);
        speaker.write(&frame);
        true
    })
}

#[test]
fn speech_played_into_the_microphone_is_captured() {
    let _devices = exclusive();
    let dir = tempfile_dir("speech");
    let speech = dir.join("speech.wav");
    let mut source = wav::speak(
        "Your call is important to us. Please stay on the line.",
        &speech,
    )
    .expect("espeak-ng is installed by the test command");
    let mut spoken = Vec::new();
    let mut frame: Frame = [0; FRAME_SAMPLES];
    while !source.is_done() {
        source.read(&mut frame);
        spoken.extend_from_slice(&frame);
    }

    let mut microphone = Microphone::open(None).expect("the PulseAudio test daemon runs");
    let mut player = Command::new("paplay")
        .args(["--device=micfeed"])
        .arg(&speech)
        .spawn()
        .unwrap();
    let mut captured = Vec::new();
    paced((spoken.len() / FRAME_SAMPLES + 60) as u64, || {
        microphone.read(&mut frame);
        captured.extend_from_slice(&frame);
        true
    });
    assert!(player.wait().unwrap().success());
    std::fs::remove_dir_all(dir).unwrap();

    let best = envelope_match(&spoken, &captured, 60);
    eprintln!("microphone capture: envelope correlation {best:.3}");
    assert!(best > 0.9, "correlation {best:.3}");
}

/// What comes out of a PulseAudio sink, recorded from its monitor by `parec`.
struct Monitor {
    recorder: std::process::Child,
    recorded: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Monitor {
    fn start(sink: &str) -> Self {
        let mut recorder = Command::new("parec")
            .arg(format!("--device={sink}.monitor"))
            .args(["--format=s16le", "--rate=48000", "--channels=1", "--raw"])
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
        Self { recorder, recorded }
    }

    /// 20 ms frames louder than a quiet voice, so far.
    fn loud_frames(&self) -> usize {
        let bytes = self.recorded.lock().unwrap();
        let samples: Vec<i16> = bytes
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        envelope(&samples)
            .iter()
            .filter(|&&rms| rms > 3000.0)
            .count()
    }

    /// Polls until `frames` loud frames came out, or `wait` passed.
    fn wait_for_loud(&self, frames: usize, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if self.loud_frames() >= frames {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.recorder.kill();
        let _ = self.recorder.wait();
    }
}

/// A second null sink standing for a USB headset; unloaded when dropped (unplugged).
struct Headset {
    module: String,
    name: String,
}

impl Headset {
    fn plug(sink: &str) -> Self {
        let out = Command::new("pactl")
            .args(["load-module", "module-null-sink"])
            .arg(format!("sink_name={sink}"))
            .args(["rate=48000", "channels=1"])
            .arg(format!("sink_properties=device.description={sink}"))
            .output()
            .unwrap();
        assert!(out.status.success(), "pactl load-module");
        let module = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        let (_, outputs) = device::list();
        let name = outputs
            .into_iter()
            .find(|device| device.label.contains(sink))
            .unwrap_or_else(|| panic!("{sink} is listed among the outputs"))
            .id;
        Self { module, name }
    }

    fn unplug(&self) {
        let status = Command::new("pactl")
            .args(["unload-module", &self.module])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Headset {
    fn drop(&mut self) {
        let _ = Command::new("pactl")
            .args(["unload-module", &self.module])
            .stderr(Stdio::null())
            .status();
    }
}

#[test]
fn the_ringtone_rings_on_the_chosen_device_until_dropped() {
    let _devices = exclusive();
    let ringer = Headset::plug("ringer");
    let monitor = Monitor::start("ringer");
    let speaker = Monitor::start("speaker");
    let ringing = Tone::play(Some(&ringer.name), {
        let mut ringtone = Cadence::ringtone();
        move |out| ringtone.fill(out)
    })
    .unwrap();
    assert!(
        monitor.wait_for_loud(25, Duration::from_secs(10)),
        "the ringtone came out of the ringer device"
    );
    drop(ringing);
    let rung = monitor.loud_frames();
    assert_eq!(speaker.loud_frames(), 0, "nothing rang on the speaker");
    // Stopped: no new ringing in the next 3 s (the cadence would have rung again by then).
    assert!(!monitor.wait_for_loud(rung + 10, Duration::from_secs(3)));
}

#[test]
fn an_unplugged_speaker_gives_way_to_the_default() {
    let _devices = exclusive();
    let headset = Headset::plug("headset");
    let on_headset = Monitor::start("headset");
    let on_default = Monitor::start("speaker");
    let mut speaker = Speaker::open(Some(&headset.name)).unwrap();
    let mut unplugged = false;
    // Once the headset has played 1 s, unplug it; the tone must carry on from the default
    // speaker (up to 15 s).
    play_tone(&mut speaker, 700.0, 750, || {
        if !unplugged && on_headset.loud_frames() >= 50 {
            headset.unplug();
            unplugged = true;
        }
        on_default.loud_frames() < 50
    });
    assert!(unplugged, "the headset played first");
    let loud = on_default.loud_frames();
    assert!(
        loud >= 50,
        "the default speaker took over ({loud} loud frames)"
    );
}

/// Puts the default sink back however the test ends.
struct DefaultSink(&'static str);

impl Drop for DefaultSink {
    fn drop(&mut self) {
        let _ = Command::new("pactl")
            .args(["set-default-sink", self.0])
            .status();
    }
}

#[test]
fn the_speaker_follows_the_system_default_when_it_changes() {
    let _devices = exclusive();
    let headset = Headset::plug("newdefault");
    let _restore = DefaultSink("speaker");
    let on_old = Monitor::start("speaker");
    let on_new = Monitor::start("newdefault");
    let mut speaker = Speaker::open(None).unwrap();
    let mut switched = false;
    // Once the default has played 1 s, make the new sink the default; the tone must move
    // there (up to 15 s).
    play_tone(&mut speaker, 600.0, 750, || {
        if !switched && on_old.loud_frames() >= 50 {
            let status = Command::new("pactl")
                .args(["set-default-sink", "newdefault"])
                .status()
                .unwrap();
            assert!(status.success());
            switched = true;
        }
        on_new.loud_frames() < 50
    });
    drop(headset);
    assert!(switched, "the old default played first");
    let loud = on_new.loud_frames();
    assert!(loud >= 50, "the new default took over ({loud} loud frames)");
}

#[test]
fn a_tone_written_to_the_speaker_comes_out() {
    let _devices = exclusive();
    let monitor = Monitor::start("speaker");
    let loud_frames = || monitor.loud_frames();

    let mut speaker = Speaker::open(None).expect("the PulseAudio test daemon runs");
    // Keep playing until 2 s of tone came out of the speaker; the recorder may take a
    // moment to start on a loaded machine, so allow up to 10 s.
    let written = play_tone(&mut speaker, 1000.0, 500, || loud_frames() < 100);
    drop(speaker);
    let loud = loud_frames();
    eprintln!("speaker: {loud} loud frames came out after {written} written");
    assert!(
        loud >= 100,
        "the tone came out (got {loud} loud frames of {written} written)"
    );
}

#[test]
fn the_level_meter_follows_the_voice_even_when_nobody_reads_the_microphone() {
    let _devices = exclusive();
    let dir = tempfile_dir("meter");
    let speech = dir.join("speech.wav");
    wav::speak(
        "Testing the level meter in settings, one two three four five six.",
        &speech,
    )
    .expect("espeak-ng is installed by the test command");
    let microphone = Microphone::open(None).expect("the PulseAudio test daemon runs");
    let level = microphone.level();
    // Settings only shows the level: nobody drains the buffer, which fills in 200 ms.
    let mut player = Command::new("paplay")
        .args(["--device=micfeed"])
        .arg(&speech)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut loudest = 0.0f32;
    while Instant::now() < deadline && loudest < 0.05 {
        loudest = loudest.max(level.get());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(player.wait().unwrap().success());
    drop(microphone);
    std::fs::remove_dir_all(dir).unwrap();
    assert!(
        loudest >= 0.05,
        "the meter moved with the voice (peak {loudest})"
    );
}

fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sb-devices-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
