//! Opus at 48 kHz mono in 20 ms frames, tuned for speech: in-band FEC on, with the
//! expected-loss hint following the loss the far end measures (at 0 % FEC does nothing).

use opus::{Application, Bitrate, Channels};

use crate::{FRAME_SAMPLES, Frame, Result, SAMPLE_RATE};

/// The largest Opus packet we produce or accept.
pub const MAX_PACKET: usize = 1275;

pub struct Encoder {
    inner: opus::Encoder,
    out: [u8; MAX_PACKET],
}

impl Encoder {
    pub fn new(bitrate: i32) -> Result<Self> {
        let mut inner = opus::Encoder::new(SAMPLE_RATE, Channels::Mono, Application::Voip)?;
        inner.set_bitrate(Bitrate::Bits(bitrate))?;
        inner.set_inband_fec(true)?;
        inner.set_packet_loss_perc(5)?;
        Ok(Self {
            inner,
            out: [0; MAX_PACKET],
        })
    }

    /// Follows the loss the receiver reports, so FEC spends bits only when it helps.
    pub fn set_expected_loss(&mut self, percent: u8) -> Result<()> {
        // Below 1 % the encoder would drop FEC altogether; keep a little headroom.
        self.inner
            .set_packet_loss_perc(i32::from(percent.clamp(1, 50)))?;
        Ok(())
    }

    /// Encodes one frame; the packet borrows the encoder's buffer (no allocation).
    pub fn encode(&mut self, frame: &Frame) -> Result<&[u8]> {
        let len = self.inner.encode(frame, &mut self.out)?;
        Ok(&self.out[..len])
    }
}

pub struct Decoder {
    inner: opus::Decoder,
}

impl Decoder {
    pub fn new() -> Result<Self> {
        Ok(Self {
            inner: opus::Decoder::new(SAMPLE_RATE, Channels::Mono)?,
        })
    }

    pub fn decode(&mut self, packet: &[u8], frame: &mut Frame) -> Result<()> {
        self.run(packet, frame, false)
    }

    /// Rebuilds a lost frame from the FEC data carried in the packet that followed it.
    pub fn recover(&mut self, next_packet: &[u8], frame: &mut Frame) -> Result<()> {
        self.run(next_packet, frame, true)
    }

    /// Packet-loss concealment: a plausible continuation when nothing arrived.
    pub fn conceal(&mut self, frame: &mut Frame) -> Result<()> {
        self.run(&[], frame, false)
    }

    fn run(&mut self, packet: &[u8], frame: &mut Frame, fec: bool) -> Result<()> {
        let samples = self.inner.decode(packet, frame, fec)?;
        if samples < FRAME_SAMPLES {
            frame[samples..].fill(0);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::analysis::rms;
    use crate::tone::Sine;

    #[test]
    fn a_tone_survives_encode_and_decode() {
        let mut encoder = Encoder::new(32_000).unwrap();
        let mut decoder = Decoder::new().unwrap();
        let mut sine = Sine::new(440.0, 8000);
        let mut input = [0i16; FRAME_SAMPLES];
        let mut output = [0i16; FRAME_SAMPLES];
        let mut sizes = Vec::new();
        for _ in 0..50 {
            sine.fill(&mut input);
            let packet = encoder.encode(&input).unwrap();
            sizes.push(packet.len());
            decoder.decode(packet, &mut output).unwrap();
        }
        let (a, b) = (rms(&input), rms(&output));
        assert!(
            (b / a - 1.0).abs() < 0.2,
            "level kept: in {a:.0}, out {b:.0}"
        );
        // 32 kb/s in 20 ms frames is about 80 bytes a packet.
        let mean = sizes.iter().sum::<usize>() / sizes.len();
        assert!((40..=120).contains(&mean), "{mean} bytes");
    }

    #[test]
    fn a_lost_frame_is_recovered_from_the_next_packet_or_concealed() {
        let mut encoder = Encoder::new(32_000).unwrap();
        encoder.set_expected_loss(20).unwrap();
        let mut decoder = Decoder::new().unwrap();
        let mut sine = Sine::new(300.0, 8000);
        let mut input = [0i16; FRAME_SAMPLES];
        let mut out = [0i16; FRAME_SAMPLES];
        let mut packets = Vec::new();
        for _ in 0..30 {
            sine.fill(&mut input);
            packets.push(encoder.encode(&input).unwrap().to_vec());
        }
        for packet in &packets[..20] {
            decoder.decode(packet, &mut out).unwrap();
        }
        // Packet 20 is lost; FEC in packet 21 rebuilds it.
        decoder.recover(&packets[21], &mut out).unwrap();
        assert!(rms(&out) > 2000.0, "FEC recovered {:.0}", rms(&out));
        decoder.decode(&packets[21], &mut out).unwrap();
        // Then 22 is lost with nothing after it: concealment, not silence.
        decoder.conceal(&mut out).unwrap();
        assert!(rms(&out) > 500.0, "concealed {:.0}", rms(&out));
        assert!(decoder.decode(&[0xff; 3], &mut out).is_err() || rms(&out) < 40_000.0);
    }
}
