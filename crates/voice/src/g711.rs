//! The phone network's G.711 (PCMU and PCMA: 8 kHz, one byte a sample) and the bridge's Opus.
//! A trunk leg turns what the carrier sends into Opus for the agents' legs and the reverse.
//! Opus runs at 8 kHz here (libopus encodes and decodes narrowband directly), so there is no
//! resampling, and its packets are ordinary Opus any WebRTC peer decodes at 48 kHz.

use audio_codec_algorithms::{decode_alaw, decode_ulaw, encode_alaw, encode_ulaw};
use opus::{Application, Bitrate, Channels};

use crate::codec::MAX_PACKET;
use crate::{Error, Result};

/// 8 kHz.
pub const RATE: u32 = 8_000;
/// Samples in 20 ms at 8 kHz (and G.711 bytes).
pub const FRAME: usize = 160;
/// The longest Opus frame (120 ms) at 8 kHz.
const MAX_DECODED: usize = 960;

/// Which G.711 companding law.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Law {
    /// PCMU, North America and Japan.
    Mu,
    /// PCMA, the rest of the world.
    A,
}

impl Law {
    /// The static RTP payload type (RFC 3551).
    pub fn payload_type(self) -> u8 {
        match self {
            Law::Mu => 0,
            Law::A => 8,
        }
    }

    pub fn from_payload_type(pt: u8) -> Option<Self> {
        match pt {
            0 => Some(Law::Mu),
            8 => Some(Law::A),
            _ => None,
        }
    }

    /// The encoding name SDP uses.
    pub fn name(self) -> &'static str {
        match self {
            Law::Mu => "PCMU",
            Law::A => "PCMA",
        }
    }

    pub fn encode(self, sample: i16) -> u8 {
        match self {
            Law::Mu => encode_ulaw(sample),
            Law::A => encode_alaw(sample),
        }
    }

    pub fn decode(self, byte: u8) -> i16 {
        match self {
            Law::Mu => decode_ulaw(byte),
            Law::A => decode_alaw(byte),
        }
    }
}

/// G.711 ↔ Opus for one call leg. Buffers are its own: no allocation per packet.
pub struct Transcoder {
    law: Law,
    encoder: opus::Encoder,
    decoder: opus::Decoder,
    pcm: [i16; MAX_DECODED],
    opus: [u8; MAX_PACKET],
    g711: [u8; MAX_DECODED],
}

impl Transcoder {
    pub fn new(law: Law) -> Result<Self> {
        let mut encoder = opus::Encoder::new(RATE, Channels::Mono, Application::Voip)?;
        // Narrowband speech: 16 kb/s is transparent to what G.711 carries.
        encoder.set_bitrate(Bitrate::Bits(16_000))?;
        encoder.set_inband_fec(true)?;
        encoder.set_packet_loss_perc(5)?;
        Ok(Self {
            law,
            encoder,
            decoder: opus::Decoder::new(RATE, Channels::Mono)?,
            pcm: [0; MAX_DECODED],
            opus: [0; MAX_PACKET],
            g711: [0; MAX_DECODED],
        })
    }

    pub fn law(&self) -> Law {
        self.law
    }

    /// G.711 from the network (10, 20, 40 or 60 ms of it) as one Opus packet.
    pub fn to_opus(&mut self, g711: &[u8]) -> Result<&[u8]> {
        if !matches!(g711.len(), 80 | 160 | 320 | 480) {
            return Err(Error::Invalid(format!(
                "{} bytes of G.711 is not a frame Opus can carry",
                g711.len()
            )));
        }
        let pcm = &mut self.pcm[..g711.len()];
        for (sample, byte) in pcm.iter_mut().zip(g711) {
            *sample = self.law.decode(*byte);
        }
        let len = self.encoder.encode(pcm, &mut self.opus)?;
        Ok(&self.opus[..len])
    }

    /// One Opus packet from the bridge as G.711; `None` for a lost packet (concealed).
    pub fn to_g711(&mut self, opus: Option<&[u8]>) -> Result<&[u8]> {
        let samples = match opus {
            Some(packet) => self.decoder.decode(packet, &mut self.pcm, false)?,
            // Concealment needs the length asked for: one 20 ms frame.
            None => self.decoder.decode(&[], &mut self.pcm[..FRAME], false)?,
        };
        for (byte, sample) in self.g711.iter_mut().zip(&self.pcm[..samples]) {
            *byte = self.law.encode(*sample);
        }
        Ok(&self.g711[..samples])
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::analysis::rms;
    use crate::codec::{Decoder, Encoder};
    use crate::tone::Sine;
    use crate::{FRAME_SAMPLES, Frame};

    #[test]
    fn both_laws_round_trip_within_their_quantisation() {
        for law in [Law::Mu, Law::A] {
            for sample in [-32_000i16, -1000, -1, 0, 1, 440, 12_345, 32_000] {
                let back = law.decode(law.encode(sample));
                let tolerance = (i32::from(sample).abs() / 16).max(16);
                assert!(
                    (i32::from(back) - i32::from(sample)).abs() <= tolerance,
                    "{law:?}: {sample} came back as {back}"
                );
            }
            assert_eq!(Law::from_payload_type(law.payload_type()), Some(law));
        }
    }

    #[test]
    fn a_tone_crosses_from_the_phone_network_to_a_webrtc_leg_and_back() {
        let mut trunk = Transcoder::new(Law::A).unwrap();
        // The agent's side: Opus at 48 kHz, as every engine decodes it.
        let mut agent_decoder = Decoder::new().unwrap();
        let mut agent_encoder = Encoder::new(32_000).unwrap();
        let mut heard_by_agent = Vec::new();
        let mut heard_by_caller = Vec::new();
        let mut tone = [0i16; FRAME];
        let mut wide = Sine::new(300.0, 8000);
        let mut frame: Frame = [0; FRAME_SAMPLES];
        for i in 0..50 {
            // 300 Hz at 8 kHz, from the caller.
            for (n, s) in tone.iter_mut().enumerate() {
                let t = (i * FRAME + n) as f64 / f64::from(RATE);
                *s = (8000.0 * (2.0 * std::f64::consts::PI * 300.0 * t).sin()) as i16;
            }
            let g711: Vec<u8> = tone.iter().map(|s| Law::A.encode(*s)).collect();
            let packet = trunk.to_opus(&g711).unwrap().to_vec();
            agent_decoder.decode(&packet, &mut frame).unwrap();
            heard_by_agent.extend_from_slice(&frame);
            // And the agent's own voice back to the caller.
            wide.fill(&mut frame);
            let packet = agent_encoder.encode(&frame).unwrap().to_vec();
            let g711 = trunk.to_g711(Some(&packet)).unwrap();
            assert_eq!(g711.len(), FRAME, "20 ms of Opus is 160 G.711 bytes");
            heard_by_caller.extend(g711.iter().map(|b| Law::A.decode(*b)));
        }
        let agent = rms(&heard_by_agent[FRAME_SAMPLES * 10..]);
        let caller = rms(&heard_by_caller[FRAME * 10..]);
        assert!((4500.0..7000.0).contains(&agent), "agent hears {agent:.0}");
        assert!(
            (4500.0..7000.0).contains(&caller),
            "caller hears {caller:.0}"
        );
        // A lost packet is concealed with 20 ms of something, not a gap.
        assert_eq!(trunk.to_g711(None).unwrap().len(), FRAME);
        assert!(trunk.to_opus(&[0u8; 100]).is_err(), "not a frame length");
    }
}
