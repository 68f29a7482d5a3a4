//! Measures `speaker::POPULATION`: the mean and deviation of each embedding dimension over
//! background voices (espeak-ng voices that the verification test does not use), on the
//! phone network (8 kHz μ-law). Prints the table to paste into `src/speaker.rs`.
//!
//! cargo run -p switchboard-voice --example speaker_population

use switchboard_voice::g711::Law;
use switchboard_voice::speaker::{Analyzer, DIMENSIONS};
use switchboard_voice::wav;

const BACKGROUND: [&str; 10] = [
    "en+m2",
    "en+m4",
    "en+m6",
    "en+f2",
    "en+f4",
    "en-us",
    "en+klatt",
    "en+klatt3",
    "en-gb-scotland",
    "en-gb-x-rp+m2",
];

const SENTENCES: [&str; 3] = [
    "Good morning, I would like to know why my last payment has not been applied to my account yet.",
    "The parcel arrived damaged and the box was open, so I want to send it back and get a new one.",
    "Please call me back this afternoon on my mobile, any time after three o'clock is fine for me.",
];

fn main() {
    let dir = std::env::temp_dir().join("switchboard-speaker-population");
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let analyzer = Analyzer::new();
    let mut rows = Vec::new();
    for voice in BACKGROUND {
        for (n, text) in SENTENCES.iter().enumerate() {
            let path = dir.join(format!("{}-{n}.wav", voice.replace('+', "_")));
            wav::speak_as(voice, text, &path).expect("espeak-ng");
            let wideband = wav::Source::open(&path, false)
                .expect("its WAV")
                .samples()
                .to_vec();
            let phone: Vec<i16> = wav::resample(&wideband, 48_000, 8_000)
                .into_iter()
                .map(|s| Law::Mu.decode(Law::Mu.encode(s)))
                .collect();
            if let Some((raw, _)) = analyzer.statistics(&phone) {
                rows.push(raw);
            }
        }
    }
    let n = rows.len() as f32;
    println!(
        "// {} utterances of {} background voices",
        rows.len(),
        BACKGROUND.len()
    );
    println!("static POPULATION: [(f32, f32); DIMENSIONS] = [");
    for d in 0..DIMENSIONS {
        let mean = rows.iter().map(|r| r[d]).sum::<f32>() / n;
        let deviation = (rows.iter().map(|r| (r[d] - mean).powi(2)).sum::<f32>() / n).sqrt();
        println!("    ({mean:.4}, {:.4}),", deviation.max(1e-3));
    }
    println!("];");
}
