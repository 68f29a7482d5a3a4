//! A real phone for the trunk tests: Debian's baresip, dialling at start with a WAV as its
//! microphone and recording what it hears, on 127.0.0.1.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use switchboard_voice::wav;

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
    let said = wav::speak(text, &dir.join("said48.wav"))
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

/// A baresip that, as `caller` (its SIP user), dials `uri` at start, plays `speech`, records
/// what it hears in `dir` (`dump-…-dec.wav`) and hangs up after `seconds`.
pub fn dial(dir: &Path, caller: &str, uri: &str, speech: &Path, seconds: u32) -> Child {
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
            port = free_port(),
            speech = speech.display(),
            dir = dir.display(),
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("accounts"),
        format!("<sip:{caller}@127.0.0.1>;regint=0;audio_codecs=PCMU\n"),
    )
    .unwrap();
    Command::new("baresip")
        .arg("-f")
        .arg(dir)
        .arg("-e")
        .arg(format!("/dial {uri}"))
        .arg("-t")
        .arg(seconds.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("baresip is installed by the test command")
}
