//! Speaker verification (F-43): a speaker embedding computed from what a caller says on the
//! phone (8 kHz), compared with an enrolled one by cosine similarity against a calibrated
//! threshold.
//!
//! The embedding is the classical one of text-independent verification: mel-frequency
//! cepstral coefficients (MFCC) of the voiced frames, liftered, and summarised by their means
//! and standard deviations — the long-term spectral envelope of the speaker's vocal tract and
//! how widely it moves. (The deltas' statistics were tried too: they follow what is said more
//! than who says it, and doubled the equal-error rate.) Cepstral means are kept on purpose: with one
//! channel (the phone network) they carry the speaker's timbre more than the line's.
//! Each dimension is then standardised with population statistics (`POPULATION`), so no
//! coefficient dominates the similarity and an average voice scores near zero.

use std::sync::Arc;

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

/// The rate the analysis runs at (the phone network's).
pub const RATE: u32 = 8_000;
/// Speech needed before a voice can be enrolled or verified, in seconds.
pub const MIN_SPEECH_SECONDS: f32 = 3.0;
/// Similarity from which two voices are taken for the same speaker: the equal-error point
/// (5.6%) measured over nine espeak-ng English voices on μ-law (the `speaker` test).
pub const THRESHOLD: f32 = 0.75;

const FRAME: usize = 200; // 25 ms
const HOP: usize = 80; // 10 ms
const FFT: usize = 256;
const MELS: usize = 26;
const CEPS: usize = 19; // c1..c19 (c0, the loudness, says nothing of the speaker)
const LIFTER: f32 = 22.0;
/// Frames quieter than the loudest by this much (dB) are silence.
const VAD_RANGE_DB: f32 = 30.0;
/// Frames quieter than this (dBFS) are silence however loud the rest is.
const VAD_FLOOR_DB: f32 = -55.0;

/// Dimensions of an embedding: the coefficients' means and deviations.
pub const DIMENSIONS: usize = 2 * CEPS;

/// A speaker's voice, as one vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(pub Vec<f32>);

/// What a stretch of audio says about its speaker.
#[derive(Debug, Clone, PartialEq)]
pub struct Voice {
    pub embedding: Embedding,
    /// How much of the audio was speech.
    pub speech_seconds: f32,
}

/// The MFCC front end; reusable across calls.
pub struct Analyzer {
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    filters: Vec<Vec<(usize, f32)>>,
    dct: Vec<Vec<f32>>,
    lifter: Vec<f32>,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    pub fn new() -> Self {
        let fft = FftPlanner::new().plan_fft_forward(FFT);
        let window = (0..FRAME)
            .map(|n| {
                0.54 - 0.46 * (2.0 * std::f32::consts::PI * n as f32 / (FRAME - 1) as f32).cos()
            })
            .collect();
        Self {
            fft,
            window,
            filters: mel_filters(),
            dct: (1..=CEPS)
                .map(|k| {
                    (0..MELS)
                        .map(|m| {
                            (std::f32::consts::PI * k as f32 * (m as f32 + 0.5) / MELS as f32).cos()
                        })
                        .collect()
                })
                .collect(),
            lifter: (1..=CEPS)
                .map(|k| 1.0 + LIFTER / 2.0 * (std::f32::consts::PI * k as f32 / LIFTER).sin())
                .collect(),
        }
    }

    /// The voice in `samples` (8 kHz), or none with less than [`MIN_SPEECH_SECONDS`] of
    /// speech ([`Self::speech_seconds`] says how much there is).
    pub fn voice(&self, samples: &[i16]) -> Option<Voice> {
        let mut features = Features::default();
        features.extend(self, samples);
        features.voice()
    }

    /// The embedding before standardisation (what [`POPULATION`] is measured on), and the
    /// seconds of speech it summarises.
    pub fn statistics(&self, samples: &[i16]) -> Option<(Vec<f32>, f32)> {
        let mut features = Features::default();
        features.extend(self, samples);
        features.statistics()
    }

    /// Seconds of speech in `samples`.
    pub fn speech_seconds(&self, samples: &[i16]) -> f32 {
        let mut features = Features::default();
        features.extend(self, samples);
        features.speech_seconds()
    }

    /// A frame's loudness (dBFS) and liftered cepstrum.
    fn frame(&self, frame: &[f32], buffer: &mut [Complex32]) -> (f32, [f32; CEPS]) {
        let energy = frame.iter().map(|s| s * s).sum::<f32>() / FRAME as f32;
        buffer.fill(Complex32::default());
        for (slot, (sample, weight)) in buffer.iter_mut().zip(frame.iter().zip(&self.window)) {
            slot.re = sample * weight;
        }
        self.fft.process(buffer);
        let power: Vec<f32> = buffer[..=FFT / 2].iter().map(|c| c.norm_sqr()).collect();
        (10.0 * energy.max(1e-12).log10(), self.cepstrum(&power))
    }

    fn cepstrum(&self, power: &[f32]) -> [f32; CEPS] {
        let bands: Vec<f32> = self
            .filters
            .iter()
            .map(|filter| {
                let sum: f32 = filter
                    .iter()
                    .map(|(bin, weight)| power[*bin] * weight)
                    .sum();
                sum.max(1e-10).ln()
            })
            .collect();
        let mut out = [0.0; CEPS];
        for (k, (basis, lift)) in self.dct.iter().zip(&self.lifter).enumerate() {
            out[k] = basis.iter().zip(&bands).map(|(b, e)| b * e).sum::<f32>() * lift;
        }
        out
    }
}

/// What a growing recording says about its speaker, each frame analysed once as its samples
/// arrive (a live call's audio, checked again and again while the caller talks). Gives the
/// same results as analysing all the samples at once.
#[derive(Debug, Clone, Default)]
pub struct Features {
    /// Raw samples taken so far.
    consumed: usize,
    /// The last raw sample (pre-emphasis looks one back).
    last: Option<i16>,
    /// Pre-emphasised samples from the next frame's start on.
    pending: Vec<f32>,
    /// Each frame's loudness (dBFS) and cepstrum.
    frames: Vec<(f32, [f32; CEPS])>,
}

impl Features {
    /// How many samples have been taken: the next call to [`Features::extend`] gives the ones
    /// after them.
    pub fn consumed(&self) -> usize {
        self.consumed
    }

    /// Takes the recording's next samples.
    pub fn extend(&mut self, analyzer: &Analyzer, samples: &[i16]) {
        self.consumed += samples.len();
        // Pre-emphasis: the spectrum's tilt would otherwise drown the formants.
        for &sample in samples {
            let emphasised = match self.last {
                Some(previous) => f32::from(sample) - 0.97 * f32::from(previous),
                None => f32::from(sample),
            };
            self.pending.push(emphasised / 32768.0);
            self.last = Some(sample);
        }
        let mut buffer = vec![Complex32::default(); FFT];
        let mut start = 0;
        while start + FRAME <= self.pending.len() {
            let frame = &self.pending[start..start + FRAME];
            self.frames.push(analyzer.frame(frame, &mut buffer));
            start += HOP;
        }
        self.pending.drain(..start);
    }

    /// The cepstra of the frames loud enough to be speech (against the loudest so far).
    fn voiced(&self) -> Vec<[f32; CEPS]> {
        let loudest = self
            .frames
            .iter()
            .map(|(energy, _)| *energy)
            .fold(f32::MIN, f32::max);
        let floor = (loudest - VAD_RANGE_DB).max(VAD_FLOOR_DB);
        self.frames
            .iter()
            .filter(|(energy, _)| *energy > floor)
            .map(|(_, cepstrum)| *cepstrum)
            .collect()
    }

    /// Seconds of speech so far.
    pub fn speech_seconds(&self) -> f32 {
        self.voiced().len() as f32 * HOP as f32 / RATE as f32
    }

    /// The embedding before standardisation, and the seconds of speech it summarises; none
    /// with too little speech.
    fn statistics(&self) -> Option<(Vec<f32>, f32)> {
        let frames = self.voiced();
        let speech_seconds = frames.len() as f32 * HOP as f32 / RATE as f32;
        if speech_seconds < MIN_SPEECH_SECONDS {
            return None;
        }
        let (mean, deviation) = moments(&frames);
        let mut raw = Vec::with_capacity(DIMENSIONS);
        raw.extend(mean);
        raw.extend(deviation);
        Some((raw, speech_seconds))
    }

    /// The speaker's voice so far; none with too little speech.
    pub fn voice(&self) -> Option<Voice> {
        let (raw, speech_seconds) = self.statistics()?;
        Some(Voice {
            embedding: standardised(&raw),
            speech_seconds,
        })
    }
}

/// A raw embedding measured against the population.
fn standardised(raw: &[f32]) -> Embedding {
    Embedding(
        raw.iter()
            .zip(POPULATION.iter())
            .map(|(value, (mean, deviation))| (value - mean) / deviation)
            .collect(),
    )
}

impl Embedding {
    /// Cosine similarity: 1 for the same direction, near 0 for unrelated voices.
    pub fn similarity(&self, other: &Embedding) -> f32 {
        let dot: f32 = self.0.iter().zip(&other.0).map(|(a, b)| a * b).sum();
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        let denominator = norm(&self.0) * norm(&other.0);
        if denominator == 0.0 {
            0.0
        } else {
            dot / denominator
        }
    }
}

/// Triangular filters on the mel scale, 100 Hz to 3.8 kHz: (FFT bin, weight) each.
fn mel_filters() -> Vec<Vec<(usize, f32)>> {
    let mel = |hz: f32| 2595.0 * (1.0 + hz / 700.0).log10();
    let hz = |mel: f32| 700.0 * (10f32.powf(mel / 2595.0) - 1.0);
    let (low, high) = (mel(100.0), mel(3800.0));
    let edges: Vec<f32> = (0..MELS + 2)
        .map(|i| hz(low + (high - low) * i as f32 / (MELS + 1) as f32) * FFT as f32 / RATE as f32)
        .collect();
    (0..MELS)
        .map(|m| {
            let (left, centre, right) = (edges[m], edges[m + 1], edges[m + 2]);
            (left.floor() as usize..=right.ceil() as usize)
                .filter(|&bin| bin <= FFT / 2)
                .filter_map(|bin| {
                    let f = bin as f32;
                    let weight = if f < centre {
                        (f - left) / (centre - left)
                    } else {
                        (right - f) / (right - centre)
                    };
                    (weight > 0.0).then_some((bin, weight))
                })
                .collect()
        })
        .collect()
}

fn moments(frames: &[[f32; CEPS]]) -> ([f32; CEPS], [f32; CEPS]) {
    let n = frames.len().max(1) as f32;
    let mut mean = [0.0; CEPS];
    for frame in frames {
        for (m, v) in mean.iter_mut().zip(frame) {
            *m += v / n;
        }
    }
    let mut deviation = [0.0; CEPS];
    for frame in frames {
        for ((d, v), m) in deviation.iter_mut().zip(frame).zip(&mean) {
            *d += (v - m).powi(2) / n;
        }
    }
    for d in &mut deviation {
        *d = d.sqrt();
    }
    (mean, deviation)
}

/// Mean and deviation of each raw dimension over a population of voices, so every dimension
/// weighs the same and an average voice sits at the origin. Measured by
/// `examples/speaker_population.rs` on background voices the verification test does not use.
static POPULATION: [(f32, f32); DIMENSIONS] = [
    (-22.0919, 7.4102),
    (27.6398, 21.1426),
    (-45.3507, 13.0296),
    (-14.1575, 15.6408),
    (-41.4399, 16.1234),
    (-36.1385, 24.8040),
    (11.0787, 14.8309),
    (-15.1431, 11.5905),
    (-13.9751, 17.7341),
    (10.3444, 17.1593),
    (-18.9037, 19.4800),
    (10.4047, 13.4092),
    (-8.3768, 12.8509),
    (-1.9717, 11.4483),
    (0.9201, 8.6305),
    (-7.0234, 7.7629),
    (-0.2058, 6.6038),
    (-4.2603, 2.6024),
    (-0.6423, 4.0066),
    (44.7107, 4.2693),
    (76.5415, 11.3716),
    (88.2682, 14.3329),
    (92.7204, 16.7752),
    (78.3996, 18.7517),
    (75.2337, 20.1962),
    (78.2724, 20.7608),
    (68.9287, 16.4301),
    (68.4638, 21.1079),
    (55.4503, 14.1263),
    (54.0472, 15.3479),
    (51.3407, 14.9296),
    (45.2790, 14.0916),
    (35.6170, 10.6371),
    (27.5341, 6.2927),
    (22.0532, 5.8679),
    (18.8268, 4.1194),
    (14.2958, 3.0939),
    (10.7943, 3.5195),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// A voice-like signal: a few harmonics whose pitch and loudness wander, with pauses.
    fn talk(seconds: usize) -> Vec<i16> {
        (0..seconds * RATE as usize)
            .map(|n| {
                let t = n as f32 / RATE as f32;
                let pitch = 120.0 + 30.0 * (t * 1.3).sin();
                let voiced = (t * 2.0).sin() > -0.3;
                let level = if voiced { 6000.0 } else { 30.0 };
                let wave: f32 = (1..6)
                    .map(|h| (2.0 * std::f32::consts::PI * pitch * h as f32 * t).sin() / h as f32)
                    .sum();
                (level * wave) as i16
            })
            .collect()
    }

    #[test]
    fn features_taken_piece_by_piece_match_the_whole_at_once() {
        let analyzer = Analyzer::new();
        let samples = talk(8);
        let whole = analyzer.voice(&samples).expect("enough speech");
        let mut features = Features::default();
        // Pieces of every size, some shorter than a frame.
        let mut at = 0;
        for size in [7, 199, 201, 80, 4000, 13].iter().cycle() {
            if at >= samples.len() {
                break;
            }
            let end = (at + size).min(samples.len());
            features.extend(&analyzer, &samples[at..end]);
            at = end;
        }
        assert_eq!(features.consumed(), samples.len());
        let pieces = features.voice().expect("enough speech");
        assert_eq!(pieces.speech_seconds, whole.speech_seconds);
        assert!(
            pieces.embedding.similarity(&whole.embedding) > 0.999_999,
            "{:?} vs {:?}",
            pieces.embedding,
            whole.embedding
        );
    }
}
