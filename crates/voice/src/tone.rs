//! Generated sounds: the test tone, and tone patterns (ringback, ringtone) as on/off cadences.

use std::f64::consts::TAU;

use crate::SAMPLE_RATE;

/// A sine wave at `hz` with peak `amplitude`, continuous across calls to `fill`.
#[derive(Debug, Clone)]
pub struct Sine {
    step: f64,
    phase: f64,
    amplitude: f64,
}

impl Sine {
    pub fn new(hz: f64, amplitude: i16) -> Self {
        Self {
            step: TAU * hz / f64::from(SAMPLE_RATE),
            phase: 0.0,
            amplitude: f64::from(amplitude),
        }
    }

    pub fn fill(&mut self, out: &mut [i16]) {
        for sample in out {
            *sample = (self.phase.sin() * self.amplitude) as i16;
            self.phase = (self.phase + self.step) % TAU;
        }
    }
}

impl crate::peer::Capture for Sine {
    fn read(&mut self, frame: &mut crate::Frame) {
        self.fill(frame);
    }
}

/// Two tones summed and switched on and off in a cadence, e.g. North American ringback
/// (440 + 480 Hz, 2 s on, 4 s off).
#[derive(Debug, Clone)]
pub struct Cadence {
    low: Sine,
    high: Sine,
    on_samples: u64,
    period_samples: u64,
    position: u64,
}

impl Cadence {
    pub fn new(low_hz: f64, high_hz: f64, on_ms: u64, off_ms: u64, amplitude: i16) -> Self {
        let per_ms = u64::from(SAMPLE_RATE) / 1000;
        Self {
            low: Sine::new(low_hz, amplitude / 2),
            high: Sine::new(high_hz, amplitude / 2),
            on_samples: on_ms * per_ms,
            period_samples: (on_ms + off_ms) * per_ms,
            position: 0,
        }
    }

    pub fn ringback() -> Self {
        Self::new(440.0, 480.0, 2000, 4000, 6000)
    }

    /// The desktop's ringtone for an incoming call: a fifth (440 + 660 Hz), 1.2 s on, 1.8 s off.
    pub fn ringtone() -> Self {
        Self::new(440.0, 660.0, 1200, 1800, 9000)
    }

    pub fn fill(&mut self, out: &mut [i16]) {
        let mut a = [0i16; 1];
        let mut b = [0i16; 1];
        for sample in out {
            self.low.fill(&mut a);
            self.high.fill(&mut b);
            let on = self.position % self.period_samples < self.on_samples;
            *sample = if on { a[0].saturating_add(b[0]) } else { 0 };
            self.position += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ringback_rings_for_two_seconds_then_is_silent_for_four() {
        let mut ringback = Cadence::ringback();
        let mut second = vec![0i16; SAMPLE_RATE as usize];
        let mut loud = Vec::new();
        for _ in 0..6 {
            ringback.fill(&mut second);
            loud.push(second.iter().any(|&s| s.abs() > 1000));
        }
        assert_eq!(loud, [true, true, false, false, false, false]);
    }
}
