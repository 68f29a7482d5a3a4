//! WAV files standing in for audio devices: a microphone that plays a file (48 kHz mono
//! 16-bit after conversion) and a speaker that records what it is given.

use std::path::Path;

use crate::{Error, FRAME_SAMPLES, Frame, Result, SAMPLE_RATE};

/// A microphone reading a WAV file, frame by frame; after the end it gives silence.
#[derive(Debug, Clone)]
pub struct Source {
    samples: Vec<i16>,
    position: usize,
    looping: bool,
}

impl Source {
    /// Reads any PCM WAV (any rate, any channel count) and converts it to 48 kHz mono.
    pub fn open(path: &Path, looping: bool) -> Result<Self> {
        Self::decode(hound::WavReader::open(path)?, looping)
    }

    /// The same, from a WAV held in memory (a resource built into the program).
    pub fn from_bytes(wav: &[u8], looping: bool) -> Result<Self> {
        Self::decode(hound::WavReader::new(std::io::Cursor::new(wav))?, looping)
    }

    fn decode<R: std::io::Read>(mut reader: hound::WavReader<R>, looping: bool) -> Result<Self> {
        let spec = reader.spec();
        let channels = usize::from(spec.channels.max(1));
        let raw: Vec<i32> = match spec.sample_format {
            hound::SampleFormat::Int => {
                let shift = i32::from(spec.bits_per_sample).saturating_sub(16);
                reader
                    .samples::<i32>()
                    .map(|s| s.map(|v| if shift >= 0 { v >> shift } else { v << -shift }))
                    .collect::<Result<_, _>>()?
            }
            hound::SampleFormat::Float => reader
                .samples::<f32>()
                .map(|s| s.map(|v| (v.clamp(-1.0, 1.0) * 32767.0) as i32))
                .collect::<Result<_, _>>()?,
        };
        let mono: Vec<i16> = raw
            .chunks(channels)
            .map(|frame| (frame.iter().sum::<i32>() / channels as i32) as i16)
            .collect();
        Ok(Self {
            samples: resample(&mono, spec.sample_rate, SAMPLE_RATE),
            position: 0,
            looping,
        })
    }

    pub fn from_samples(samples: Vec<i16>, looping: bool) -> Self {
        Self {
            samples,
            position: 0,
            looping,
        }
    }

    /// Everything the file holds, at 48 kHz mono.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    pub fn duration_ms(&self) -> u64 {
        self.samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE)
    }

    pub fn is_done(&self) -> bool {
        !self.looping && self.position >= self.samples.len()
    }

    pub fn read(&mut self, frame: &mut Frame) {
        for sample in frame.iter_mut() {
            if self.position >= self.samples.len() {
                if self.looping && !self.samples.is_empty() {
                    self.position = 0;
                } else {
                    *sample = 0;
                    continue;
                }
            }
            *sample = self.samples[self.position];
            self.position += 1;
        }
    }
}

/// A speaker writing 48 kHz mono 16-bit WAV.
pub struct Sink {
    writer: hound::WavWriter<std::io::BufWriter<std::fs::File>>,
}

impl Sink {
    pub fn create(path: &Path) -> Result<Self> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        Ok(Self {
            writer: hound::WavWriter::create(path, spec)?,
        })
    }

    pub fn write(&mut self, frame: &Frame) -> Result<()> {
        let mut samples = self.writer.get_i16_writer(FRAME_SAMPLES as u32);
        for &sample in frame {
            samples.write_sample(sample);
        }
        samples.flush()?;
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        self.writer.finalize()?;
        Ok(())
    }
}

impl crate::peer::Playback for Sink {
    fn write(&mut self, frame: &Frame) {
        if let Err(error) = Sink::write(self, frame) {
            tracing::warn!(%error, "could not write the call audio file");
        }
    }
}

/// Linear-interpolation resampling: enough for speech test files (espeak-ng writes 22.05 kHz).
pub fn resample(input: &[i16], from: u32, to: u32) -> Vec<i16> {
    if from == to || input.is_empty() {
        return input.to_vec();
    }
    let out_len = (input.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    let ratio = f64::from(from) / f64::from(to);
    (0..out_len)
        .map(|i| {
            let position = i as f64 * ratio;
            let index = position as usize;
            let fraction = position - index as f64;
            let a = f64::from(input[index.min(input.len() - 1)]);
            let b = f64::from(input[(index + 1).min(input.len() - 1)]);
            (a + (b - a) * fraction) as i16
        })
        .collect()
}

/// Speech for tests and benchmarks: espeak-ng says `text` into a 48 kHz mono WAV at `path`
/// (a file a fake microphone, `paplay` or the desktop's WAV device can read), returned as
/// a source that plays it once.
pub fn speak(text: &str, path: &Path) -> Result<Source> {
    speak_as("en", text, path)
}

/// As [`speak`], in one of espeak-ng's voices (`en+f3`, `en-us+m2`…): different speakers.
pub fn speak_as(voice: &str, text: &str, path: &Path) -> Result<Source> {
    let spoke = std::process::Command::new("espeak-ng")
        .args(["-v", voice])
        .arg("-w")
        .arg(path)
        .arg(text)
        .status()
        .map_err(|e| Error::Invalid(format!("cannot run espeak-ng: {e}")))?;
    if !spoke.success() {
        return Err(Error::Invalid(format!("espeak-ng failed: {spoke}")));
    }
    // espeak-ng writes 22.05 kHz; the file is rewritten at the pipeline's rate.
    let source = Source::open(path, false)?;
    let mut sink = Sink::create(path)?;
    let mut frame = [0i16; FRAME_SAMPLES];
    for chunk in source.samples().chunks(FRAME_SAMPLES) {
        frame.fill(0);
        frame[..chunk.len()].copy_from_slice(chunk);
        sink.write(&frame)?;
    }
    sink.finish()?;
    Ok(source)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::tone::Sine;

    #[test]
    fn what_the_sink_writes_the_source_reads_back() {
        let dir = std::env::temp_dir().join(format!("sb-wav-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tone.wav");
        let mut sink = Sink::create(&path).unwrap();
        let mut sine = Sine::new(1000.0, 10_000);
        let mut frame = [0i16; FRAME_SAMPLES];
        let mut written = Vec::new();
        for _ in 0..10 {
            sine.fill(&mut frame);
            sink.write(&frame).unwrap();
            written.extend_from_slice(&frame);
        }
        sink.finish().unwrap();
        let mut source = Source::open(&path, false).unwrap();
        assert_eq!(source.duration_ms(), 200);
        let mut read = Vec::new();
        while !source.is_done() {
            source.read(&mut frame);
            read.extend_from_slice(&frame);
        }
        assert_eq!(read, written);
        source.read(&mut frame);
        assert!(frame.iter().all(|&s| s == 0), "silence after the end");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn resampling_keeps_duration_and_pitch() {
        let mut sine = Sine::new(440.0, 10_000);
        let mut at48 = vec![0i16; 48_000];
        sine.fill(&mut at48);
        let at16 = resample(&at48, 48_000, 16_000);
        assert_eq!(at16.len(), 16_000);
        let back = resample(&at16, 16_000, 48_000);
        assert_eq!(back.len(), 48_000);
        let crossings = |s: &[i16]| s.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
        assert!((crossings(&back) as i64 - 440).abs() <= 2);
    }
}
