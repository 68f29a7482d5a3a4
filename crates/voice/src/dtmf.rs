//! DTMF as RFC 4733 telephone events. str0m builds and parses the packets; this module maps
//! keys to event codes and reports each key press once, however many packets repeat it.

use std::time::Duration;

use str0m::media::TelephoneEvent;

const KEYS: &[u8; 16] = b"0123456789*#ABCD";

/// How long a key press lasts on the wire, and the pause the far end needs between presses.
pub const TONE: Duration = Duration::from_millis(100);
pub const GAP: Duration = Duration::from_millis(60);

/// The RFC 4733 event code of a dial-pad key.
pub fn event_code(key: char) -> Option<u8> {
    let upper = key.to_ascii_uppercase();
    KEYS.iter()
        .position(|&k| char::from(k) == upper)
        .map(|i| i as u8)
}

/// The key an event code stands for (codes past 15 are not keys).
pub fn key(code: u8) -> Option<char> {
    KEYS.get(usize::from(code)).map(|&k| char::from(k))
}

/// The complete telephone event one press of `key` becomes.
pub fn press(key: char) -> Option<TelephoneEvent> {
    Some(TelephoneEvent {
        event: event_code(key)?,
        end: true,
        volume: 10,
        duration: TONE,
    })
}

/// Reports each key press once, on its first packet: every packet of one press shares the
/// RTP timestamp of its start.
#[derive(Debug, Default)]
pub struct Receiver {
    last_start: Option<u64>,
}

impl Receiver {
    pub fn on_event(&mut self, rtp_start: u64, event: &TelephoneEvent) -> Option<char> {
        if self.last_start == Some(rtp_start) {
            return None;
        }
        let key = key(event.event)?;
        self.last_start = Some(rtp_start);
        Some(key)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_rfc_4733_codes() {
        assert_eq!(event_code('0'), Some(0));
        assert_eq!(event_code('*'), Some(10));
        assert_eq!(event_code('#'), Some(11));
        assert_eq!(event_code('d'), Some(15));
        assert_eq!(event_code('x'), None);
        assert_eq!(key(11), Some('#'));
        assert_eq!(key(16), None, "16 is flash, not a key");
        assert!(press('x').is_none());
    }

    #[test]
    fn a_key_press_is_reported_once() {
        let mut receiver = Receiver::default();
        let mut heard = Vec::new();
        for (start, key) in [(1000, '7'), (9000, '7'), (17000, '*')] {
            let mut event = press(key).unwrap();
            // Updates, then the end report three times.
            for end in [false, false, true, true, true] {
                event.end = end;
                heard.extend(receiver.on_event(start, &event));
            }
        }
        assert_eq!(heard, ['7', '7', '*'], "two presses of 7 are two presses");
        let flash = TelephoneEvent {
            event: 16,
            ..press('1').unwrap()
        };
        assert_eq!(receiver.on_event(20000, &flash), None);
    }
}
