//! The adaptive jitter buffer: packets arrive late, early, out of order or not at all; the
//! player asks for one frame every 20 ms. The buffer holds back as little as the measured
//! jitter allows (RFC 3550 interarrival jitter), plays packets in sequence order, rebuilds a
//! lost frame from the next packet's FEC when it is already here, and asks for concealment
//! otherwise. It also measures loss for the sender's FEC hint.

use std::collections::BTreeMap;

use crate::{FRAME_MS, SAMPLE_RATE};

/// What to play for the next 20 ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// Decode this packet.
    Packet(Vec<u8>),
    /// The packet is lost but the next one is here: decode its FEC data.
    Recover(Vec<u8>),
    /// Nothing to go on: let the decoder conceal the gap.
    Conceal,
    /// Not playing yet (filling up at the start or after a long gap).
    Silence,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub received: u64,
    pub played: u64,
    pub recovered: u64,
    pub concealed: u64,
    /// Arrived after their turn had passed.
    pub late: u64,
    /// Dropped to bring the delay back down.
    pub dropped: u64,
    /// Frames of delay added (concealment played while waiting) because jitter grew.
    pub stretched: u64,
}

#[derive(Debug, Clone)]
pub struct JitterBuffer {
    packets: BTreeMap<u64, Vec<u8>>,
    highest: Option<u64>,
    next: Option<u64>,
    /// Interarrival jitter in ms.
    jitter_ms: f64,
    last_transit: Option<f64>,
    target: usize,
    min_frames: usize,
    max_frames: usize,
    missing_run: u32,
    stats: Stats,
    window: Stats,
}

/// After this many frames with nothing at all to play, fill up again before playing.
const REBUFFER_AFTER: u32 = 10;
/// Most packets held; more means the sender runs far ahead.
const CAPACITY: usize = 64;

impl Default for JitterBuffer {
    fn default() -> Self {
        Self::new(1, 10)
    }
}

impl JitterBuffer {
    /// Holds between `min_frames` and `max_frames` frames (20 ms each) before playing.
    pub fn new(min_frames: usize, max_frames: usize) -> Self {
        let min_frames = min_frames.max(1);
        Self {
            packets: BTreeMap::new(),
            highest: None,
            next: None,
            jitter_ms: 0.0,
            last_transit: None,
            target: min_frames,
            min_frames,
            max_frames: max_frames.max(min_frames),
            missing_run: 0,
            stats: Stats::default(),
            window: Stats::default(),
        }
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Frames the buffer now aims to hold.
    pub fn target_frames(&self) -> usize {
        self.target
    }

    pub fn jitter_ms(&self) -> f64 {
        self.jitter_ms
    }

    /// Percentage of frames lost since the last call: the sender's expected-loss hint.
    pub fn take_loss_percent(&mut self) -> u8 {
        let window = std::mem::take(&mut self.window);
        let lost = window.recovered + window.concealed;
        let total = window.played + lost;
        (lost * 100)
            .checked_div(total)
            .map_or(0, |percent| percent.min(100) as u8)
    }

    /// A packet arrived at `arrival_ms` (any monotonic clock in milliseconds).
    pub fn push(&mut self, seq: u16, timestamp: u32, payload: Vec<u8>, arrival_ms: f64) {
        let seq = self.extend(seq);
        self.stats.received += 1;
        if self.next.is_some_and(|next| seq < next) || self.packets.contains_key(&seq) {
            self.stats.late += 1;
            self.window.late += 1;
            return;
        }
        self.highest = Some(self.highest.map_or(seq, |h| h.max(seq)));

        let transit = arrival_ms - f64::from(timestamp) * 1000.0 / f64::from(SAMPLE_RATE);
        if let Some(last) = self.last_transit {
            let d = (transit - last).abs();
            self.jitter_ms += (d - self.jitter_ms) / 16.0;
        }
        self.last_transit = Some(transit);
        let frames = (2.0 * self.jitter_ms / f64::from(FRAME_MS)).ceil() as usize + 1;
        self.target = frames.clamp(self.min_frames, self.max_frames);

        if self.packets.len() >= CAPACITY
            && let Some((&oldest, _)) = self.packets.first_key_value()
        {
            self.packets.remove(&oldest);
            self.stats.dropped += 1;
        }
        self.packets.insert(seq, payload);
    }

    /// The next 20 ms.
    pub fn pop(&mut self) -> Playout {
        let next = match self.next {
            Some(next) => next,
            None => {
                if self.packets.len() < self.target {
                    return Playout::Silence;
                }
                match self.packets.first_key_value() {
                    Some((&first, _)) => first,
                    None => return Playout::Silence,
                }
            }
        };
        let mut next = next;
        // Held back more than the jitter needs (it calmed down): skip ahead to cut delay.
        if let Some(highest) = self.highest {
            while highest.saturating_sub(next) as usize > self.target + 2 {
                if self.packets.remove(&next).is_some() {
                    self.stats.dropped += 1;
                }
                next += 1;
            }
        }
        // Jitter grew: neither the next packet nor the one after it (for FEC) is here, and
        // fewer frames are buffered than the target. Wait a frame (concealment) instead of
        // giving its turn away; this adds the delay the jitter now needs.
        let depth = self.highest.map_or(0, |h| (h + 1).saturating_sub(next)) as usize;
        if depth < self.target
            && !self.packets.contains_key(&next)
            && !self.packets.contains_key(&(next + 1))
        {
            self.next = Some(next);
            self.stats.stretched += 1;
            self.missing_run += 1;
            if self.missing_run >= REBUFFER_AFTER && self.packets.is_empty() {
                self.next = None;
                self.missing_run = 0;
            }
            return Playout::Conceal;
        }
        self.next = Some(next + 1);
        if let Some(packet) = self.packets.remove(&next) {
            self.missing_run = 0;
            self.stats.played += 1;
            self.window.played += 1;
            return Playout::Packet(packet);
        }
        if let Some(following) = self.packets.get(&(next + 1)) {
            self.missing_run = 0;
            self.stats.recovered += 1;
            self.window.recovered += 1;
            return Playout::Recover(following.clone());
        }
        self.stats.concealed += 1;
        self.window.concealed += 1;
        self.missing_run += 1;
        if self.missing_run >= REBUFFER_AFTER && self.packets.is_empty() {
            // The far end went quiet (hold, a network stall): fill up again when it returns.
            self.next = None;
            self.missing_run = 0;
        }
        Playout::Conceal
    }

    /// A 16-bit sequence number placed on a 64-bit line near the highest one seen.
    fn extend(&self, seq: u16) -> u64 {
        match self.highest {
            // Start one cycle in, so packets older than the first one still fit.
            None => u64::from(seq) + (1 << 16),
            Some(highest) => {
                let delta = i64::from(seq.wrapping_sub(highest as u16) as i16);
                (highest as i64 + delta).max(0) as u64
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn packet(n: u16) -> Vec<u8> {
        n.to_be_bytes().to_vec()
    }

    /// Pushes packets `seqs` arriving on time at 20 ms intervals from `start`.
    fn feed(buffer: &mut JitterBuffer, seqs: impl IntoIterator<Item = u16>) {
        for seq in seqs {
            let ts = u32::from(seq) * 960;
            buffer.push(seq, ts, packet(seq), f64::from(seq) * 20.0);
        }
    }

    fn played(playout: Playout) -> Option<u16> {
        match playout {
            Playout::Packet(p) => Some(u16::from_be_bytes([p[0], p[1]])),
            _ => None,
        }
    }

    #[test]
    fn reordered_packets_play_in_sequence() {
        let mut buffer = JitterBuffer::new(3, 10);
        feed(&mut buffer, [1, 3, 2, 5, 4, 6]);
        let order: Vec<_> = (0..6).filter_map(|_| played(buffer.pop())).collect();
        assert_eq!(order, [1, 2, 3, 4, 5, 6]);
        assert_eq!(buffer.stats().played, 6);
    }

    #[test]
    fn a_lost_packet_is_rebuilt_from_the_next_and_a_longer_gap_is_concealed() {
        let mut buffer = JitterBuffer::new(3, 10);
        feed(&mut buffer, [10, 12, 13]);
        assert_eq!(played(buffer.pop()), Some(10));
        assert_eq!(
            buffer.pop(),
            Playout::Recover(packet(12)),
            "11 lost, 12 is here"
        );
        assert_eq!(played(buffer.pop()), Some(12));
        assert_eq!(played(buffer.pop()), Some(13));
        feed(&mut buffer, [16]);
        assert_eq!(buffer.pop(), Playout::Conceal, "14 lost and 15 too");
        assert_eq!(buffer.pop(), Playout::Recover(packet(16)));
        assert_eq!(played(buffer.pop()), Some(16));
        assert_eq!(buffer.take_loss_percent(), 42, "3 of 7 frames lost");
        assert_eq!(buffer.take_loss_percent(), 0, "the window restarts");
    }

    #[test]
    fn late_and_duplicate_packets_are_dropped() {
        let mut buffer = JitterBuffer::new(1, 10);
        feed(&mut buffer, [1, 2]);
        assert_eq!(played(buffer.pop()), Some(1));
        feed(&mut buffer, [1, 2]);
        assert_eq!(buffer.stats().late, 2);
        assert_eq!(played(buffer.pop()), Some(2));
    }

    #[test]
    fn sequence_numbers_wrap_around() {
        let mut buffer = JitterBuffer::new(1, 10);
        feed(&mut buffer, [65534, 65535, 0, 1]);
        let order: Vec<_> = (0..4).filter_map(|_| played(buffer.pop())).collect();
        assert_eq!(order, [65534, 65535, 0, 1]);
    }

    #[test]
    fn the_delay_grows_with_jitter_and_shrinks_when_it_calms() {
        let mut buffer = JitterBuffer::new(1, 10);
        // Steady arrivals: one frame of delay is enough.
        for seq in 0..50u16 {
            buffer.push(
                seq,
                u32::from(seq) * 960,
                packet(seq),
                f64::from(seq) * 20.0,
            );
            buffer.pop();
        }
        assert_eq!(buffer.target_frames(), 1);
        // Arrivals scattered by up to ±40 ms.
        for seq in 50..150u16 {
            let wobble = if seq % 2 == 0 { 40.0 } else { -40.0 };
            buffer.push(
                seq,
                u32::from(seq) * 960,
                packet(seq),
                f64::from(seq) * 20.0 + wobble,
            );
        }
        assert!(
            buffer.target_frames() >= 5,
            "target {}",
            buffer.target_frames()
        );
        // Calm again: the target comes back down and the surplus is skipped.
        for seq in 150..400u16 {
            buffer.push(
                seq,
                u32::from(seq) * 960,
                packet(seq),
                f64::from(seq) * 20.0,
            );
            buffer.pop();
        }
        assert!(
            buffer.target_frames() <= 2,
            "target {}",
            buffer.target_frames()
        );
        assert!(buffer.packets.len() <= buffer.target_frames() + 3);
    }

    #[test]
    fn after_a_long_silence_it_fills_up_again() {
        let mut buffer = JitterBuffer::new(2, 10);
        feed(&mut buffer, [1, 2]);
        assert_eq!(played(buffer.pop()), Some(1));
        assert_eq!(played(buffer.pop()), Some(2));
        for _ in 0..REBUFFER_AFTER {
            assert_eq!(buffer.pop(), Playout::Conceal);
        }
        assert_eq!(buffer.pop(), Playout::Silence, "waiting for the far end");
        feed(&mut buffer, [40, 41]);
        assert_eq!(played(buffer.pop()), Some(40));
    }
}
