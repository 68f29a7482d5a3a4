//! Speaker verification measured: espeak-ng's English voices (different speakers: pitch,
//! formants, voice quality) each say several sentences, through the phone network (8 kHz
//! μ-law). Every voice is enrolled from two sentences and verified with two others, against
//! itself and every other voice; the equal-error rate (where false accepts and false rejects
//! meet) is printed and bounded.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use switchboard_voice::g711::Law;
use switchboard_voice::speaker::{Analyzer, THRESHOLD};
use switchboard_voice::wav;

const SPEAKERS: [&str; 9] = [
    "en+m1", "en+m3", "en+m5", "en+m7", "en+f1", "en+f3", "en+f5", "en-us+m2", "en-us+f2",
];

const SENTENCES: [&str; 4] = [
    "Hello, I am calling about the invoice you sent me last week, because the amount looks wrong to me.",
    "My account number is four five seven two, and I have been a customer for nearly nine years now.",
    "Could you please tell me when the engineer will arrive, since I need to be at home to let him in.",
    "I would also like to change the address for my deliveries to the new office on Harbour Street.",
];

/// What the phone network delivers of `voice` saying `text`: 8 kHz, through μ-law.
fn on_the_phone(dir: &Path, voice: &str, text: &str, n: usize) -> Vec<i16> {
    let path = dir.join(format!("{}-{n}.wav", voice.replace('+', "_")));
    wav::speak_as(voice, text, &path).expect("espeak-ng is installed by the test command");
    let wideband = wav::Source::open(&path, false).unwrap().samples().to_vec();
    wav::resample(&wideband, 48_000, 8_000)
        .into_iter()
        .map(|s| Law::Mu.decode(Law::Mu.encode(s)))
        .collect()
}

/// The threshold where false accepts equal false rejects, and that rate.
fn equal_error(genuine: &[f32], impostor: &[f32]) -> (f32, f32) {
    let mut best = (0.0, 1.0, f32::MAX);
    for step in 0..=2000 {
        let threshold = -1.0 + step as f32 / 1000.0;
        let rejects =
            genuine.iter().filter(|s| **s < threshold).count() as f32 / genuine.len() as f32;
        let accepts =
            impostor.iter().filter(|s| **s >= threshold).count() as f32 / impostor.len() as f32;
        let gap = (rejects - accepts).abs();
        if gap < best.2 {
            best = (threshold, (rejects + accepts) / 2.0, gap);
        }
    }
    (best.0, best.1)
}

#[test]
fn same_speaker_scores_above_the_threshold_and_others_below() {
    let dir = tempfile::tempdir().unwrap();
    let analyzer = Analyzer::new();
    let mut enrolled = Vec::new();
    let mut probes = Vec::new();
    for voice in SPEAKERS {
        let mut said: Vec<Vec<i16>> = SENTENCES
            .iter()
            .enumerate()
            .map(|(n, text)| on_the_phone(dir.path(), voice, text, n))
            .collect();
        let mut enrolment = said.remove(0);
        enrolment.extend(said.remove(0));
        enrolled.push(analyzer.voice(&enrolment).expect("enough speech to enrol"));
        probes.push(
            said.iter()
                .map(|s| analyzer.voice(s).expect("enough speech to verify"))
                .collect::<Vec<_>>(),
        );
    }
    let (mut genuine, mut impostor) = (Vec::new(), Vec::new());
    for (i, print) in enrolled.iter().enumerate() {
        for (j, tries) in probes.iter().enumerate() {
            for probe in tries {
                let score = print.embedding.similarity(&probe.embedding);
                if i == j {
                    genuine.push(score);
                } else {
                    impostor.push(score);
                }
            }
        }
    }
    let (threshold, eer) = equal_error(&genuine, &impostor);
    let min_genuine = genuine.iter().copied().fold(f32::MAX, f32::min);
    let max_impostor = impostor.iter().copied().fold(f32::MIN, f32::max);
    eprintln!(
        "speaker verification over {} voices: {} genuine, {} impostor trials; EER {:.1}% at {threshold:.2} \
         (THRESHOLD {THRESHOLD:.2}); genuine ≥ {min_genuine:.2}, impostor ≤ {max_impostor:.2}",
        SPEAKERS.len(),
        genuine.len(),
        impostor.len(),
        eer * 100.0
    );
    for (i, voice) in SPEAKERS.iter().enumerate() {
        let row: Vec<String> = probes
            .iter()
            .map(|tries| {
                format!(
                    "{:.2}",
                    enrolled[i].embedding.similarity(&tries[0].embedding)
                )
            })
            .collect();
        eprintln!("{voice:>9}: {}", row.join(" "));
    }
    // The bound: each genuine trial is 5.6% of them, so this fails as soon as two of the
    // nine voices are not recognised (or as many impostors pass); published classical
    // MFCC-statistics systems sit near 5–10% on clean single-channel speech.
    assert!(eer <= 0.10, "EER {:.1}%", eer * 100.0);
    // The shipped threshold still sits where both error rates stay within that bound.
    let rejects = genuine.iter().filter(|s| **s < THRESHOLD).count() as f32 / genuine.len() as f32;
    let accepts =
        impostor.iter().filter(|s| **s >= THRESHOLD).count() as f32 / impostor.len() as f32;
    eprintln!(
        "at THRESHOLD: {:.1}% false rejects, {:.1}% false accepts",
        rejects * 100.0,
        accepts * 100.0
    );
    assert!(rejects <= 0.12 && accepts <= 0.10);
}
