//! DTMF as RFC 4733 telephone events: the 4-byte payload, the packets a key press becomes,
//! and a receiver that reports each press once however many packets carry it.

use crate::{Error, FRAME_SAMPLES, Result};

/// A key press as the payload carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    pub digit: char,
    /// The last packets of an event carry the end bit (sent three times).
    pub end: bool,
    /// Power level in -dBm0 (0–63); 10 is usual.
    pub volume: u8,
    /// Duration so far, in RTP timestamp units (samples).
    pub duration: u16,
}

const DIGITS: &[u8; 16] = b"0123456789*#ABCD";

pub fn event_code(digit: char) -> Option<u8> {
    let upper = digit.to_ascii_uppercase();
    DIGITS
        .iter()
        .position(|&d| char::from(d) == upper)
        .map(|i| i as u8)
}

impl TelephoneEvent {
    pub fn encode(&self) -> Result<[u8; 4]> {
        let code = event_code(self.digit)
            .ok_or_else(|| Error::Invalid(format!("{:?} is not a DTMF key", self.digit)))?;
        let flags = (u8::from(self.end) << 7) | (self.volume & 0x3f);
        let [hi, lo] = self.duration.to_be_bytes();
        Ok([code, flags, hi, lo])
    }

    pub fn decode(payload: &[u8]) -> Result<Self> {
        let [code, flags, hi, lo] = payload
            .get(..4)
            .and_then(|p| <[u8; 4]>::try_from(p).ok())
            .ok_or_else(|| Error::Invalid("a telephone event is 4 bytes".into()))?;
        let digit = DIGITS
            .get(usize::from(code))
            .map(|&d| char::from(d))
            .ok_or_else(|| Error::Invalid(format!("event {code} is not a DTMF key")))?;
        Ok(Self {
            digit,
            end: flags & 0x80 != 0,
            volume: flags & 0x3f,
            duration: u16::from_be_bytes([hi, lo]),
        })
    }
}

/// The payloads one key press of `duration_ms` becomes, one per 20 ms, ending with the
/// end packet three times. All share one RTP timestamp; the first carries the marker bit.
pub fn key_press(digit: char, duration_ms: u32) -> Result<Vec<[u8; 4]>> {
    let frames = duration_ms.div_ceil(20).max(1);
    let mut packets = Vec::with_capacity(frames as usize + 2);
    for i in 1..=frames {
        let duration = (i as usize * FRAME_SAMPLES).min(usize::from(u16::MAX)) as u16;
        let end = i == frames;
        let event = TelephoneEvent {
            digit,
            end,
            volume: 10,
            duration,
        };
        let payload = event.encode()?;
        packets.push(payload);
        if end {
            packets.push(payload);
            packets.push(payload);
        }
    }
    Ok(packets)
}

/// Reports each key press once, on its first packet, however many packets repeat it.
#[derive(Debug, Default)]
pub struct Receiver {
    last_timestamp: Option<u32>,
}

impl Receiver {
    pub fn on_packet(&mut self, rtp_timestamp: u32, payload: &[u8]) -> Option<char> {
        let event = TelephoneEvent::decode(payload).ok()?;
        if self.last_timestamp == Some(rtp_timestamp) {
            return None;
        }
        self.last_timestamp = Some(rtp_timestamp);
        Some(event.digit)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn payloads_match_rfc_4733() {
        let event = TelephoneEvent {
            digit: '#',
            end: true,
            volume: 10,
            duration: 1600,
        };
        assert_eq!(event.encode().unwrap(), [11, 0x8a, 0x06, 0x40]);
        assert_eq!(
            TelephoneEvent::decode(&[11, 0x8a, 0x06, 0x40]).unwrap(),
            event
        );
        assert!(
            TelephoneEvent {
                digit: 'x',
                ..event
            }
            .encode()
            .is_err()
        );
        assert!(TelephoneEvent::decode(&[16, 0, 0, 0]).is_err());
        assert!(TelephoneEvent::decode(&[1, 0]).is_err());
    }

    #[test]
    fn a_key_press_is_reported_once() {
        let packets = key_press('7', 100).unwrap();
        assert_eq!(
            packets.len(),
            5 + 2,
            "five 20 ms updates, end sent three times"
        );
        let mut receiver = Receiver::default();
        let mut heard = Vec::new();
        for (timestamp, digit) in [(1000u32, '7'), (2000, '7'), (3000, '*')] {
            for payload in key_press(digit, 100).unwrap() {
                heard.extend(receiver.on_packet(timestamp, &payload));
            }
        }
        assert_eq!(heard, ['7', '7', '*'], "two presses of 7 are two presses");
    }
}
