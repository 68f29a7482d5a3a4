//! Opus in Ogg (RFC 7845): how call recordings are kept (`.opus` files any player opens),
//! written one 20 ms packet at a time and read back to PCM for playing.

use std::io::{Cursor, Write};

use ogg::{PacketReader, PacketWriteEndInfo, PacketWriter};

use crate::codec::Decoder;
use crate::{Error, FRAME_SAMPLES, Frame, Result, SAMPLE_RATE};

/// Samples the decoder must skip at the start (the encoder's lookahead at 48 kHz).
const PRE_SKIP: u16 = 312;

/// Writes a mono Opus stream into an Ogg file.
pub struct Writer<W: Write> {
    inner: PacketWriter<'static, W>,
    serial: u32,
    /// Samples written so far (the granule position counts them, with the pre-skip).
    samples: u64,
    /// The last packet, held back so the stream's end can be marked on it.
    pending: Option<Vec<u8>>,
    /// Packets since the last page ended (a page every second keeps a cut-off file
    /// readable up to its last second).
    in_page: u32,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Result<Self> {
        let mut inner = PacketWriter::new(out);
        let serial = rand_serial();
        let mut head = Vec::with_capacity(19);
        head.extend_from_slice(b"OpusHead");
        head.push(1); // version
        head.push(1); // channels
        head.extend_from_slice(&PRE_SKIP.to_le_bytes());
        head.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
        head.extend_from_slice(&0i16.to_le_bytes()); // output gain
        head.push(0); // mapping family: mono/stereo
        inner
            .write_packet(head, serial, PacketWriteEndInfo::EndPage, 0)
            .map_err(io)?;
        let vendor = b"switchboard";
        let mut tags = Vec::new();
        tags.extend_from_slice(b"OpusTags");
        tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
        tags.extend_from_slice(vendor);
        tags.extend_from_slice(&0u32.to_le_bytes()); // no comments
        inner
            .write_packet(tags, serial, PacketWriteEndInfo::EndPage, 0)
            .map_err(io)?;
        Ok(Self {
            inner,
            serial,
            samples: 0,
            pending: None,
            in_page: 0,
        })
    }

    /// Adds one 20 ms Opus packet.
    pub fn write(&mut self, packet: &[u8]) -> Result<()> {
        if let Some(previous) = self.pending.replace(packet.to_vec()) {
            self.emit(previous, false)?;
        }
        Ok(())
    }

    /// Ends the stream; the file is complete once this returns.
    pub fn finish(mut self) -> Result<W> {
        if let Some(last) = self.pending.take() {
            self.emit(last, true)?;
        }
        Ok(self.inner.into_inner())
    }

    /// Seconds of audio written.
    pub fn seconds(&self) -> f64 {
        self.samples as f64 / f64::from(SAMPLE_RATE)
    }

    fn emit(&mut self, packet: Vec<u8>, last: bool) -> Result<()> {
        self.samples += FRAME_SAMPLES as u64;
        self.in_page += 1;
        let end = if last {
            PacketWriteEndInfo::EndStream
        } else if self.in_page >= 50 {
            self.in_page = 0;
            PacketWriteEndInfo::EndPage
        } else {
            PacketWriteEndInfo::NormalPacket
        };
        let granule = self.samples + u64::from(PRE_SKIP);
        self.inner
            .write_packet(packet, self.serial, end, granule)
            .map_err(io)
    }
}

/// Decodes an Ogg Opus file (mono, as recordings are) to 48 kHz PCM.
pub fn decode(bytes: &[u8]) -> Result<Vec<i16>> {
    let mut reader = PacketReader::new(Cursor::new(bytes));
    let head = reader
        .read_packet()
        .map_err(|e| Error::Invalid(format!("not an Ogg file: {e}")))?
        .ok_or_else(|| Error::Invalid("an empty Ogg file".into()))?;
    if !head.data.starts_with(b"OpusHead") || head.data.len() < 19 {
        return Err(Error::Invalid("not an Opus stream".into()));
    }
    let pre_skip = usize::from(u16::from_le_bytes([head.data[10], head.data[11]]));
    let mut decoder = Decoder::new()?;
    let mut samples = Vec::new();
    let mut frame: Frame = [0; FRAME_SAMPLES];
    let mut first = true;
    while let Some(packet) = reader
        .read_packet()
        .map_err(|e| Error::Invalid(format!("a damaged Ogg page: {e}")))?
    {
        if first {
            first = false;
            if packet.data.starts_with(b"OpusTags") {
                continue;
            }
        }
        decoder.decode(&packet.data, &mut frame)?;
        samples.extend_from_slice(&frame);
    }
    Ok(samples.split_off(pre_skip.min(samples.len())))
}

fn rand_serial() -> u32 {
    // Unique enough per file: the time in nanoseconds.
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ d.as_secs() as u32)
        .unwrap_or(1)
}

fn io(error: std::io::Error) -> Error {
    Error::Invalid(format!("writing the recording: {error}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::codec::Encoder;
    use crate::tone::Sine;

    #[test]
    fn what_is_written_reads_back_as_the_same_sound() {
        let mut sine = Sine::new(440.0, 8000);
        let mut encoder = Encoder::new(32_000).unwrap();
        let mut writer = Writer::new(Vec::new()).unwrap();
        let mut played = Vec::new();
        for _ in 0..100 {
            let mut frame: Frame = [0; FRAME_SAMPLES];
            sine.fill(&mut frame);
            played.extend_from_slice(&frame);
            writer.write(encoder.encode(&frame).unwrap()).unwrap();
        }
        assert!((writer.seconds() - 2.0).abs() < 0.03);
        let bytes = writer.finish().unwrap();
        assert!(bytes.starts_with(b"OggS"));
        let heard = decode(&bytes).unwrap();
        assert!(heard.len() >= 2 * 48_000 - 1000, "{}", heard.len());
        let rms = |s: &[i16]| {
            (s.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / s.len() as f64).sqrt()
        };
        let (a, b) = (rms(&played[48_000..]), rms(&heard[48_000..96_000 - 1000]));
        assert!((a - b).abs() / a < 0.2, "{a} vs {b}");
        assert!(decode(b"not ogg").is_err());
    }
}
