//! What one call to the phone network costs the hub: every 20 ms, 160 bytes of G.711 from the
//! carrier become an Opus packet for the agent, and the agent's Opus packet becomes G.711.
//! Prints the time per 20 ms of a call both ways and how many calls one core could carry
//! (transcoding only: RTP, SRTP and the bridge's own work come on top).

use std::time::{Duration, Instant};

use switchboard_voice::codec::Encoder;
use switchboard_voice::g711::{FRAME, Law, Transcoder};
use switchboard_voice::tone::Sine;
use switchboard_voice::{FRAME_SAMPLES, Frame};

fn main() {
    // Speech-like input: a tone with a slow tremolo (not silence, which Opus codes cheaply).
    let mut wide = Sine::new(310.0, 9000);
    let mut agent = Encoder::new(32_000).expect("opus");
    let mut frame: Frame = [0; FRAME_SAMPLES];
    let frames = 3000; // one minute of a call
    let mut from_agent = Vec::with_capacity(frames);
    for _ in 0..frames {
        wide.fill(&mut frame);
        from_agent.push(agent.encode(&frame).expect("opus").to_vec());
    }
    let from_carrier: Vec<Vec<u8>> = (0..frames)
        .map(|i| {
            (0..FRAME)
                .map(|n| {
                    let t = (i * FRAME + n) as f64 / 8000.0;
                    let level = 6000.0 * (1.0 + (2.0 * std::f64::consts::PI * 3.0 * t).sin()) / 2.0;
                    Law::Mu.encode((level * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16)
                })
                .collect()
        })
        .collect();

    let mut trunk = Transcoder::new(Law::Mu).expect("transcoder");
    let mut times = Vec::with_capacity(frames);
    for (g711, opus) in from_carrier.iter().zip(&from_agent) {
        let started = Instant::now();
        std::hint::black_box(trunk.to_opus(g711).expect("encode").len());
        std::hint::black_box(trunk.to_g711(Some(opus)).expect("decode").len());
        times.push(started.elapsed());
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    let p99 = times[times.len() * 99 / 100];
    let per_core = Duration::from_millis(20).as_secs_f64() / mean.as_secs_f64();
    println!(
        "transcoding one call, per 20 ms both ways: mean {:.1} µs, p99 {:.1} µs",
        mean.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    );
    println!(
        "→ about {:.0} calls per core, {:.0} on this machine's {} cores (target: 200 concurrent)",
        per_core,
        per_core * std::thread::available_parallelism().map_or(1, |n| n.get()) as f64,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
}
