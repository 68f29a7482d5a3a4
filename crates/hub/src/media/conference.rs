//! Three-way calls: the legs of a conference no longer pass their Opus to one peer;
//! each one's audio is decoded into its queue, and every 20 ms each leg is sent the mix of
//! the others, encoded for it. Runs on the media thread (a few decodes and encodes per
//! conference per frame).

use std::collections::VecDeque;
use std::time::Instant;

use switchboard_voice::codec::{Decoder, Encoder};
use switchboard_voice::{FRAME_SAMPLES, Frame};

use super::LegId;

/// Frames a participant may queue before the oldest are dropped (latency stays bounded).
const MAX_QUEUED: usize = 6;
const BITRATE: i32 = 32_000;

struct Participant {
    leg: LegId,
    decoder: Decoder,
    encoder: Encoder,
    queue: VecDeque<Frame>,
}

pub struct Conference {
    participants: Vec<Participant>,
    /// When the next mix is due.
    pub next: Instant,
}

impl Conference {
    pub fn new(legs: &[LegId]) -> Option<Self> {
        let participants = legs
            .iter()
            .map(|&leg| {
                Some(Participant {
                    leg,
                    decoder: Decoder::new().ok()?,
                    encoder: Encoder::new(BITRATE).ok()?,
                    queue: VecDeque::new(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            participants,
            next: Instant::now(),
        })
    }

    pub fn has(&self, leg: LegId) -> bool {
        self.participants.iter().any(|p| p.leg == leg)
    }

    /// One Opus packet from `leg`.
    pub fn hear(&mut self, leg: LegId, packet: &[u8]) {
        if let Some(p) = self.participants.iter_mut().find(|p| p.leg == leg) {
            let mut frame: Frame = [0; FRAME_SAMPLES];
            if p.decoder.decode(packet, &mut frame).is_ok() {
                p.queue.push_back(frame);
                while p.queue.len() > MAX_QUEUED {
                    p.queue.pop_front();
                }
            }
        }
    }

    /// The next frame for every participant: the others' voices summed, encoded for it.
    pub fn mix(&mut self) -> Vec<(LegId, Vec<u8>)> {
        let frames: Vec<Frame> = self
            .participants
            .iter_mut()
            .map(|p| p.queue.pop_front().unwrap_or([0; FRAME_SAMPLES]))
            .collect();
        let mut out = Vec::with_capacity(self.participants.len());
        for (i, p) in self.participants.iter_mut().enumerate() {
            let mut mixed: Frame = [0; FRAME_SAMPLES];
            for (n, sample) in mixed.iter_mut().enumerate() {
                let sum: i32 = frames
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, f)| i32::from(f[n]))
                    .sum();
                *sample = sum.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
            }
            if let Ok(packet) = p.encoder.encode(&mixed) {
                out.push((p.leg, packet.to_vec()));
            }
        }
        out
    }
}
