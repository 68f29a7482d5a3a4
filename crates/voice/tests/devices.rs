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
use switchboard_voice::wav::Source;
use switchboard_voice::{FRAME_SAMPLES, Frame};

/// The tests share the daemon's default devices: one at a time, so one test's sound is not
/// taken for another's.
static DEVICES: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    DEVICES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

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
    let _devices = exclusive();
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
    let mut sine = Sine::new(700.0, 8000);
    let mut frame: Frame = [0; FRAME_SAMPLES];
    let mut unplugged = false;
    let start = Instant::now();
    let mut written = 0u64;
    // Play in real time; once the headset has played 1 s, unplug it; the tone must carry on
    // from the default speaker (up to 15 s).
    while on_default.loud_frames() < 50 && written < 750 {
        if !unplugged && on_headset.loud_frames() >= 50 {
            headset.unplug();
            unplugged = true;
        }
        sine.fill(&mut frame);
        speaker.write(&frame);
        written += 1;
        let next = start + Duration::from_millis(20 * written);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
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
    let mut sine = Sine::new(600.0, 8000);
    let mut frame: Frame = [0; FRAME_SAMPLES];
    let mut switched = false;
    let start = Instant::now();
    let mut written = 0u64;
    // Play in real time; once the default has played 1 s, make the new sink the default;
    // the tone must move there (up to 15 s).
    while on_new.loud_frames() < 50 && written < 750 {
        if !switched && on_old.loud_frames() >= 50 {
            let status = Command::new("pactl")
                .args(["set-default-sink", "newdefault"])
                .status()
                .unwrap();
            assert!(status.success());
            switched = true;
        }
        sine.fill(&mut frame);
        speaker.write(&frame);
        written += 1;
        let next = start + Duration::from_millis(20 * written);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
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
    let wav = dir.join("speech.wav");
    let spoke = Command::new("espeak-ng")
        .arg("-w")
        .arg(&wav)
        .arg("Testing the level meter in settings, one two three four five six.")
        .status()
        .expect("espeak-ng is installed by the test command");
    assert!(spoke.success());
    let microphone = Microphone::open(None).expect("the PulseAudio test daemon runs");
    let level = microphone.level();
    // Settings only shows the level: nobody drains the buffer, which fills in 200 ms.
    let mut player = Command::new("paplay")
        .args(["--device=micfeed"])
        .arg(&wav)
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
