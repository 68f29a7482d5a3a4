//! Real speech through the whole receive path: espeak-ng speaks, Opus encodes, a simulated
//! network loses, delays and reorders packets, the jitter buffer and decoder (FEC and
//! concealment) play it out — and what comes out still follows what went in.

#![allow(clippy::unwrap_used)]

use switchboard_voice::analysis::envelope_match;
use switchboard_voice::codec::{Decoder, Encoder};
use switchboard_voice::jitter::{JitterBuffer, Playout};
use switchboard_voice::wav::{self, Source};
use switchboard_voice::{FRAME_SAMPLES, Frame};

fn speech(name: &str) -> Source {
    let dir = std::env::temp_dir().join(format!("sb-speech-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = wav::speak(
        "Thank you for calling Acme support. Your account number is four five seven two.",
        &dir.join("speech.wav"),
    )
    .expect("espeak-ng is installed by the test command");
    std::fs::remove_dir_all(dir).unwrap();
    source
}

/// A deterministic pseudo-random sequence (no dependency, same every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Returns the envelope correlation, the buffer's stats and how many frames were sent.
fn run(loss: f64, jitter_ms: f64) -> (f64, switchboard_voice::jitter::Stats, u64) {
    let mut source = speech(&format!("{loss}-{jitter_ms}"));
    let mut encoder = Encoder::new(32_000).unwrap();
    encoder.set_expected_loss((loss * 100.0) as u8).unwrap();
    let mut decoder = Decoder::new().unwrap();
    let mut buffer = JitterBuffer::new(1, 10);
    let mut random = Lcg(7);

    // Sender: every frame becomes a packet sent at seq * 20 ms, arriving after a random delay.
    let mut sent = Vec::new();
    let mut in_flight = Vec::new();
    let mut frame: Frame = [0; FRAME_SAMPLES];
    let mut seq: u16 = 0;
    while !source.is_done() {
        source.read(&mut frame);
        sent.extend_from_slice(&frame);
        let packet = encoder.encode(&frame).unwrap().to_vec();
        if random.next() >= loss {
            let arrival = f64::from(seq) * 20.0 + 30.0 + random.next() * jitter_ms;
            in_flight.push((arrival, seq, packet));
        }
        seq = seq.wrapping_add(1);
    }
    in_flight.sort_by(|a, b| a.0.total_cmp(&b.0));

    // Receiver: plays a frame every 20 ms, taking in whatever arrived by then.
    let mut received = Vec::new();
    let mut arrivals = in_flight.into_iter().peekable();
    let mut out: Frame = [0; FRAME_SAMPLES];
    let mut now = 0.0;
    while received.len() < sent.len() + 20 * FRAME_SAMPLES {
        while let Some((arrival, seq, _)) = arrivals.peek() {
            if *arrival > now {
                break;
            }
            let (arrival, seq, packet) = (*arrival, *seq, arrivals.next().unwrap().2);
            buffer.push(seq, u32::from(seq) * FRAME_SAMPLES as u32, packet, arrival);
        }
        match buffer.pop() {
            Playout::Packet(packet) => decoder.decode(&packet, &mut out).unwrap(),
            Playout::Recover(next) => decoder.recover(&next, &mut out).unwrap(),
            Playout::Conceal => decoder.conceal(&mut out).unwrap(),
            Playout::Silence => out.fill(0),
        }
        received.extend_from_slice(&out);
        now += 20.0;
    }

    // Aligned at the best delay (the buffer adds a few frames).
    let best = envelope_match(&sent, &received, 20);
    (best, buffer.stats(), u64::from(seq))
}

#[test]
fn speech_arrives_clean_over_a_clean_network() {
    let (correlation, stats, sent) = run(0.0, 0.0);
    assert!(
        correlation > 0.95,
        "loudness envelope correlation {correlation:.3}"
    );
    assert_eq!(stats.played, sent, "every frame played");
    assert_eq!(stats.recovered + stats.late + stats.dropped, 0);
}

#[test]
fn speech_survives_loss_jitter_and_reordering() {
    let (correlation, stats, _) = run(0.08, 60.0);
    eprintln!("8 % loss, 60 ms jitter: correlation {correlation:.3}, {stats:?}");
    assert!(
        correlation > 0.85,
        "loudness envelope correlation {correlation:.3}"
    );
    assert!(stats.recovered > 0, "FEC rebuilt some lost frames");
    assert!(stats.concealed + stats.recovered > 0);
}
