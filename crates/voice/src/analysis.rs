//! Measuring audio: loudness per frame, and how closely what arrived follows what was sent.
//! Used by the tests and benchmarks that check a call path end to end, and by the level meter.

use crate::FRAME_SAMPLES;

/// Root-mean-square level of some samples (0 for none).
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
}

/// The share of `samples`' power (48 kHz) at `frequency`, 0 to 1 (Goertzel): which of the
/// tones the tests play is heard.
pub fn tone_share(samples: &[i16], frequency: f64) -> f64 {
    let k = 2.0 * (2.0 * std::f64::consts::PI * frequency / f64::from(crate::SAMPLE_RATE)).cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for x in samples {
        let s = f64::from(*x) + k * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - k * s1 * s2;
    let total: f64 = samples.iter().map(|x| f64::from(*x).powi(2)).sum();
    2.0 * power / (samples.len() as f64 * total.max(1.0))
}

/// Loudness per 20 ms frame.
/// A trailing partial frame is left out: its level would change as samples arrive.
pub fn envelope(samples: &[i16]) -> Vec<f64> {
    samples.chunks_exact(FRAME_SAMPLES).map(rms).collect()
}

/// Pearson correlation of two series over their common length.
pub fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    if n < 2 {
        return 0.0;
    }
    let (a, b) = (&a[..n], &b[..n]);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(a), mean(b));
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>();
    let denominator = (var(a, ma) * var(b, mb)).sqrt();
    if denominator == 0.0 {
        0.0
    } else {
        cov / denominator
    }
}

/// How closely the loudness of `received` follows `sent`, at the best delay up to
/// `max_lag_frames` (the path adds some): 0.95 and more for a clean path.
pub fn envelope_match(sent: &[i16], received: &[i16], max_lag_frames: usize) -> f64 {
    let (a, b) = (envelope(sent), envelope(received));
    (0..=max_lag_frames.min(b.len().saturating_sub(1)))
        .map(|lag| correlation(&a, &b[lag..]))
        .fold(f64::MIN, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delayed_copy_matches_and_silence_does_not() {
        let sent: Vec<i16> = (0..FRAME_SAMPLES * 40)
            // An irregular loud/quiet pattern, so no shifted copy lines up by chance.
            .map(|i| {
                let frame = i / FRAME_SAMPLES;
                if (frame * frame + 3 * frame) % 7 < 2 {
                    8000
                } else {
                    100
                }
            })
            .collect();
        let mut delayed = vec![0i16; FRAME_SAMPLES * 5];
        delayed.extend_from_slice(&sent);
        assert!(envelope_match(&sent, &delayed, 10) > 0.99);
        assert!(
            envelope_match(&sent, &delayed, 2) < 0.5,
            "the delay is beyond the window"
        );
        assert_eq!(envelope_match(&sent, &vec![0; sent.len()], 10), 0.0);
    }
}
