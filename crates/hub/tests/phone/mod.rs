//! A real phone for the trunk tests: Debian's baresip, dialling at start with a WAV as its
//! microphone and recording what it hears, on 127.0.0.1.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use switchboard_voice::wav;

/// Waits for a phone (or SIPp) to exit, without holding up the runtime.
pub async fn exited(child: Child) -> std::process::ExitStatus {
    tokio::task::spawn_blocking(move || {
        let mut child = child;
        child.wait()
    })
    .await
    .unwrap()
    .unwrap()
}

/// A port free for both UDP and TCP on 127.0.0.1.
pub fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Speech at the phone network's 8 kHz in `dir`, after `silence` seconds of nothing (the
/// other side connects meanwhile): what was said (48 kHz) and the WAV for baresip.
pub fn speech(dir: &Path, text: &str, silence: u32) -> (Vec<i16>, PathBuf) {
    speech_as(dir, "en", text, silence)
}

/// As [`speech`], in one of espeak-ng's voices (a different speaker).
pub fn speech_as(dir: &Path, voice: &str, text: &str, silence: u32) -> (Vec<i16>, PathBuf) {
    let said = wav::speak_as(voice, text, &dir.join("said48.wav"))
        .expect("espeak-ng is installed by the test command");
    let narrow = wav::resample(said.samples(), 48_000, 8_000);
    let path = dir.join("phone.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&path, spec).unwrap();
    for sample in std::iter::repeat_n(0, 8_000 * silence as usize).chain(narrow) {
        writer.write_sample(sample).unwrap();
    }
    writer.finalize().unwrap();
    (said.samples().to_vec(), path)
}

/// A steady tone at `frequency` for a phone to play (8 kHz, `seconds` long): a party whose
/// voice is easy to tell from the others'.
pub fn tone(dir: &Path, name: &str, frequency: f64, seconds: u32) -> PathBuf {
    let path = dir.join(name);
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&path, spec).unwrap();
    for n in 0..8_000 * seconds {
        let t = f64::from(n) / 8_000.0;
        let sample = 5000.0 * (2.0 * std::f64::consts::PI * frequency * t).sin();
        writer.write_sample(sample as i16).unwrap();
    }
    writer.finalize().unwrap();
    path
}

/// Adds `seconds` of silence at the end of a phone's WAV: baresip hangs up when its
/// audio file ends.
pub fn then_silence(path: &Path, seconds: u32) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    let samples: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    let silence = spec.sample_rate as usize * spec.channels as usize * seconds as usize;
    for sample in samples.into_iter().chain(std::iter::repeat_n(0, silence)) {
        writer.write_sample(sample).unwrap();
    }
    writer.finalize().unwrap();
}

/// Speech for a phone speaking Opus: 48 kHz, both channels (what baresip's file source
/// wants for `opus/48000/2`), after `silence` seconds.
pub fn speech_wideband(dir: &Path, text: &str, silence: u32) -> (Vec<i16>, PathBuf) {
    let said = wav::speak(text, &dir.join("said48.wav"))
        .expect("espeak-ng is installed by the test command");
    let path = dir.join("phone48.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&path, spec).unwrap();
    let samples =
        std::iter::repeat_n(0, 48_000 * silence as usize).chain(said.samples().iter().copied());
    for sample in samples {
        writer.write_sample(sample).unwrap();
        writer.write_sample(sample).unwrap();
    }
    writer.finalize().unwrap();
    (said.samples().to_vec(), path)
}

/// A baresip that, as `caller` (its SIP user), dials `uri` at start, plays `speech`, records
/// what it hears in `dir` (`dump-…-dec.wav`) and hangs up after `seconds`.
pub fn dial(dir: &Path, caller: &str, uri: &str, speech: &Path, seconds: u32) -> Child {
    configure(
        dir,
        free_port(),
        &format!("<sip:{caller}@127.0.0.1>;regint=0;audio_codecs=PCMU"),
        speech,
    );
    run(dir, Some(uri), seconds, false)
}

/// A customer (+44 20 7183 8750) on a real phone, calling the sales line (+1 415 555 0100)
/// through the hub's trunk at `sip`: plays a 300 Hz tone for 40 s and hangs up after a
/// minute.
pub fn customer(dir: &Path, sip: std::net::SocketAddr) -> Child {
    let customer_tone = tone(dir, "customer.wav", 300.0, 40);
    dial(
        dir,
        "+442071838750",
        &format!("sip:+14155550100@{sip}"),
        &customer_tone,
        60,
    )
}

/// Like [`dial`], speaking Opus (RFC 7587) instead of PCMU.
pub fn dial_opus(dir: &Path, caller: &str, uri: &str, speech: &Path, seconds: u32) -> Child {
    configure(
        dir,
        free_port(),
        &format!("<sip:{caller}@127.0.0.1>;regint=0;audio_codecs=opus/48000/2"),
        speech,
    );
    // The codec module must load before the accounts that name it.
    let config = dir.join("config");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("module g711.so\n", "module g711.so\nmodule opus.so\n");
    std::fs::write(config, text).unwrap();
    run(dir, Some(uri), seconds, false)
}

/// Like [`dial`], with a keypad: [`press`] sends keys (RFC 4733) once the call is up.
pub fn dial_with_keypad(dir: &Path, caller: &str, uri: &str, speech: &Path, seconds: u32) -> Child {
    configure(
        dir,
        free_port(),
        &format!("<sip:{caller}@127.0.0.1>;regint=0;audio_codecs=PCMU"),
        speech,
    );
    run(dir, Some(uri), seconds, true)
}

/// Waits (polling baresip's log) until its call was hung up by the other side, then stops
/// it (it would otherwise wait out its time).
pub async fn hung_up(dir: &Path, mut phone: Child) {
    for _ in 0..200 {
        let log = std::fs::read_to_string(dir.join("baresip.log")).unwrap_or_default();
        if log.contains("terminated") {
            // Asked to quit (not killed), baresip finishes the recording of what it heard.
            let _ = Command::new("kill")
                .args(["-TERM", &phone.id().to_string()])
                .status();
            for _ in 0..100 {
                if phone.try_wait().ok().flatten().is_some() {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            let _ = phone.kill();
            let _ = phone.wait();
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = phone.kill();
    panic!("the phone's call was never hung up");
}

/// Waits (polling baresip's log) until its call is established.
pub async fn established(dir: &Path) -> bool {
    for _ in 0..200 {
        let log = std::fs::read_to_string(dir.join("baresip.log")).unwrap_or_default();
        if log.contains("Call established") {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// Presses keys on a [`dial_with_keypad`] phone's keypad, one at a time.
pub async fn press(phone: &mut Child, keys: &str) {
    use std::io::Write;
    let stdin = phone.stdin.as_mut().expect("the phone has a keypad");
    for key in keys.chars() {
        stdin.write_all(key.to_string().as_bytes()).unwrap();
        stdin.flush().unwrap();
        // One key at a time, as fingers do (each press is its own RFC 4733 event).
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// A baresip that answers calls to `user` at once on the returned port of 127.0.0.1, plays
/// `speech`, records what it hears in `dir` and quits after `seconds`.
pub fn answer(dir: &Path, user: &str, speech: &Path, seconds: u32) -> (Child, u16) {
    let port = free_port();
    configure(
        dir,
        port,
        &format!("<sip:{user}@127.0.0.1:{port}>;regint=0;answermode=auto;audio_codecs=PCMU"),
        speech,
    );
    (run(dir, None, seconds, false), port)
}

/// A baresip that lets calls to `user` ring (nobody answers) on the returned port.
pub fn ring(dir: &Path, user: &str, speech: &Path, seconds: u32) -> (Child, u16) {
    let port = free_port();
    configure(
        dir,
        port,
        &format!("<sip:{user}@127.0.0.1:{port}>;regint=0;answermode=manual;audio_codecs=PCMU"),
        speech,
    );
    (run(dir, None, seconds, false), port)
}

/// The recording of what baresip heard on its (last) call.
pub fn heard(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("dump-") && n.ends_with("-dec.wav"))
        })
}

fn configure(dir: &Path, port: u16, account: &str, speech: &Path) {
    std::fs::write(
        dir.join("config"),
        format!(
            "module_path /usr/lib/baresip/modules\n\
             sip_listen 127.0.0.1:{port}\n\
             audio_source aufile,{speech}\n\
             audio_player alsa,null\n\
             audio_alert alsa,null\n\
             snd_path {dir}\n\
             module g711.so\n\
             module aufile.so\n\
             module alsa.so\n\
             module sndfile.so\n\
             module account.so\n\
             module menu.so\n",
            speech = speech.display(),
            dir = dir.display(),
        ),
    )
    .unwrap();
    std::fs::write(dir.join("accounts"), format!("{account}\n")).unwrap();
}

fn run(dir: &Path, dial: Option<&str>, seconds: u32, keypad: bool) -> Child {
    if keypad {
        let config = dir.join("config");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str("module stdio.so\n");
        std::fs::write(config, text).unwrap();
    }
    let mut command = Command::new("baresip");
    command.arg("-f").arg(dir);
    if let Some(uri) = dial {
        command.arg("-e").arg(format!("/dial {uri}"));
    }
    command
        .arg("-t")
        .arg(seconds.to_string())
        .stdin(if keypad {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(std::fs::File::create(dir.join("baresip.log")).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("baresip is installed by the test command")
}

/// A carrier played by Debian's SIPp: runs `scenario` (in `tests/sipp/`) as a server on the
/// returned port of 127.0.0.1 for one call, writing its `<log>` lines to `dir/sipp.log`.
pub fn carrier(dir: &Path, scenario: &str) -> (Child, u16) {
    let port = free_port();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp")
        .join(scenario);
    let child = Command::new("sipp")
        .arg("-sf")
        .arg(scenario)
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error"])
        // Errors and the messages exchanged stay next to the log, for a failing test.
        .args(["-trace_logs", "-trace_err", "-trace_msg"])
        .arg("-log_file")
        .arg(dir.join("sipp.log"))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("SIPp (sip-tester) is installed by the test command");
    (child, port)
}
