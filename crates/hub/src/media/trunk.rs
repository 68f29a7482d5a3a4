//! A leg to the phone network: plain RTP (RFC 3550/3551) on a UDP port of its own, G.711
//! (PCMU or PCMA) transcoded to and from the Opus the agents' legs carry — or Opus itself
//! (RFC 7587) passed through when the carrier offers it first — RFC 4733 key presses, and
//! symmetric RTP: media goes back to where the carrier's packets come from, which behind NAT
//! is not what its SDP says.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtp_rs::{RtpPacketBuilder, RtpReader, Seq};
use str0m::media::TelephoneEvent;
use switchboard_voice::g711::{Law, Transcoder};

pub use super::sdp::Codec;
use crate::{Error, Result};

/// What was agreed with the carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub codec: Codec,
    /// `telephone-event` at the codec's clock rate, when the carrier offered it.
    pub event_pt: Option<u8>,
    /// Where the carrier said to send media.
    pub remote: SocketAddr,
}

impl Negotiated {
    /// The G.711 law, when the leg transcodes.
    pub fn law(&self) -> Option<Law> {
        match self.codec {
            Codec::Pcmu => Some(Law::Mu),
            Codec::Pcma => Some(Law::A),
            Codec::Opus(_) => None,
        }
    }

    /// RTP clock ticks per millisecond.
    fn ticks_per_ms(&self) -> u32 {
        self.codec.clock_rate() / 1000
    }
}

/// Reads a carrier's SDP offer: its audio address and the first G.711 law it lists.
pub fn read_offer(offer: &str) -> Result<Negotiated> {
    read(offer, "offer")
}

/// Reads the carrier's SDP answer to our [`offer`]: the law it chose, where it listens.
pub fn read_answer(answer: &str) -> Result<Negotiated> {
    read(answer, "answer")
}

fn read(sdp: &str, what: &str) -> Result<Negotiated> {
    let audio = super::sdp::read(sdp, what).map_err(Error::BadRequest)?;
    Ok(Negotiated {
        codec: audio.codec,
        event_pt: audio.event_pt,
        remote: audio.remote,
    })
}

/// The telephone-event payload type of our offers.
const OFFERED_EVENT_PT: u8 = 101;

fn session_lines(local: SocketAddr, session: u64) -> String {
    let family = if local.is_ipv4() { "IP4" } else { "IP6" };
    let ip = local.ip();
    format!(
        "v=0\r\no=switchboard {session} {session} IN {family} {ip}\r\ns=switchboard\r\n\
         c=IN {family} {ip}\r\nt=0 0\r\n"
    )
}

/// Our offer for a call to the phone network: PCMU, PCMA and key presses, at `local`.
pub fn offer(local: SocketAddr, session: u64) -> String {
    let mut sdp = session_lines(local, session);
    let event = OFFERED_EVENT_PT;
    sdp.push_str(&format!(
        "m=audio {port} RTP/AVP 0 8 {event}\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:8 PCMA/8000\r\na=rtpmap:{event} telephone-event/8000\r\n\
         a=fmtp:{event} 0-15\r\na=ptime:20\r\na=sendrecv\r\n",
        port = local.port()
    ));
    sdp
}

/// Our answer: `local` is where the carrier sends to.
pub fn answer(negotiated: &Negotiated, local: SocketAddr, session: u64) -> String {
    let pt = negotiated.codec.payload_type();
    let rate = negotiated.codec.clock_rate();
    let rtpmap = match negotiated.codec {
        Codec::Pcmu => format!("a=rtpmap:{pt} PCMU/8000\r\n"),
        Codec::Pcma => format!("a=rtpmap:{pt} PCMA/8000\r\n"),
        Codec::Opus(_) => {
            format!("a=rtpmap:{pt} opus/48000/2\r\na=fmtp:{pt} useinbandfec=1\r\n")
        }
    };
    let mut sdp = session_lines(local, session);
    let port = local.port();
    match negotiated.event_pt {
        Some(event) => sdp.push_str(&format!(
            "m=audio {port} RTP/AVP {pt} {event}\r\n{rtpmap}\
             a=rtpmap:{event} telephone-event/{rate}\r\na=fmtp:{event} 0-15\r\n"
        )),
        None => sdp.push_str(&format!("m=audio {port} RTP/AVP {pt}\r\n{rtpmap}")),
    }
    sdp.push_str("a=ptime:20\r\na=sendrecv\r\n");
    sdp
}

/// A prompt playing on a trunk leg: Opus frames, 20 ms each, the next one due, and who to
/// tell when it has played to the end.
pub struct Prompt {
    pub frames: std::sync::Arc<[std::sync::Arc<[u8]>]>,
    pub next: usize,
    pub due: Instant,
    pub done: Option<tokio::sync::oneshot::Sender<()>>,
}

/// A WAV file for recording what a caller says: 8 kHz, 16-bit mono, as the phone network
/// carries it.
pub fn recording_spec() -> hound::WavSpec {
    hound::WavSpec {
        channels: 1,
        sample_rate: 8_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    }
}

/// What a caller has said, at 8 kHz, shared with whoever verifies their voice.
pub type VoiceTap = std::sync::Arc<std::sync::Mutex<Vec<i16>>>;

/// Most a voice tap keeps: a minute (far more than verifying a speaker needs; under 1 MB
/// a call).
pub const MAX_TAP_SAMPLES: usize = 8_000 * 60;

/// After this long without a packet from the carrier, the call is gone.
pub const SILENT_FOR: Duration = Duration::from_secs(30);

pub struct TrunkLeg {
    pub socket: mio::net::UdpSocket,
    pub peer: Option<super::LegId>,
    /// On hold: the next music frame and when it is due.
    pub held: Option<(usize, Instant)>,
    /// A prompt being played to the caller (a call flow's).
    pub prompt: Option<Prompt>,
    /// What the caller says, written as it arrives (a voicemail).
    pub recording: Option<hound::WavWriter<std::io::BufWriter<std::fs::File>>>,
    /// What the caller says, kept for speaker verification.
    tap: Option<VoiceTap>,
    pub last_heard: Instant,
    pub connected: bool,
    remote: SocketAddr,
    /// Whether `remote` is where packets really came from (no longer what the SDP said).
    latched: bool,
    negotiated: Negotiated,
    voice: Voice,
    ssrc: u32,
    seq: Seq,
    timestamp: u32,
    last_sent: Option<Instant>,
    /// RTP timestamp of the last key press passed on (its packets repeat).
    last_key: Option<u32>,
    /// Key presses from the agent waiting to go out, the one going out, and when the next
    /// may start (presses must not run together).
    keys: VecDeque<TelephoneEvent>,
    key: Option<KeyOut>,
    next_key: Instant,
}

/// A key press being sent as RFC 4733 events: a packet every 50 ms while it lasts, then
/// three end packets, all with the press's start timestamp.
#[derive(Debug, Clone, Copy)]
struct KeyOut {
    event: TelephoneEvent,
    timestamp: u32,
    started: Instant,
    next: Instant,
}

const KEY_EVERY: Duration = Duration::from_millis(50);

/// How the leg's voice meets the agents' Opus.
enum Voice {
    /// G.711, transcoded both ways.
    G711(Box<Transcoder>),
    /// Opus, passed through; decoded only while the caller is being recorded.
    Opus {
        recorder: Option<switchboard_voice::codec::Decoder>,
    },
}

/// What a packet from the carrier became.
pub enum Heard {
    /// Opus for the bridged leg, with its RTP time at 48 kHz.
    Audio(u64, Vec<u8>),
    Key(TelephoneEvent),
    Nothing,
}

impl TrunkLeg {
    pub fn new(socket: mio::net::UdpSocket, negotiated: Negotiated) -> Result<Self> {
        let voice = match negotiated.law() {
            Some(law) => Voice::G711(Box::new(
                Transcoder::new(law).map_err(|e| Error::Internal(format!("transcoder: {e}")))?,
            )),
            None => Voice::Opus { recorder: None },
        };
        Ok(Self {
            socket,
            peer: None,
            held: None,
            prompt: None,
            recording: None,
            tap: None,
            last_heard: Instant::now(),
            connected: false,
            remote: negotiated.remote,
            latched: false,
            negotiated,
            voice,
            ssrc: rand::random(),
            seq: Seq::from(rand::random::<u16>()),
            timestamp: rand::random(),
            last_sent: None,
            last_key: None,
            keys: VecDeque::new(),
            key: None,
            next_key: Instant::now(),
        })
    }

    /// One datagram from the socket.
    pub fn hear(&mut self, data: &[u8], source: SocketAddr) -> Heard {
        let Ok(packet) = RtpReader::new(data) else {
            return Heard::Nothing;
        };
        let pt = packet.payload_type();
        let audio = pt == self.negotiated.codec.payload_type();
        let key = Some(pt) == self.negotiated.event_pt;
        if !audio && !key {
            return Heard::Nothing;
        }
        if source != self.remote {
            // Symmetric RTP: answer where the media comes from, once; a stranger later
            // does not get to take the call's audio over.
            if self.latched {
                return Heard::Nothing;
            }
            tracing::debug!(sdp = %self.remote, actual = %source, "trunk media latched");
            self.remote = source;
        }
        self.latched = true;
        self.last_heard = Instant::now();
        if audio {
            self.record(packet.payload());
            match &mut self.voice {
                Voice::G711(transcoder) => {
                    let time = u64::from(packet.timestamp()) * 6;
                    match transcoder.to_opus(packet.payload()) {
                        Ok(opus) => Heard::Audio(time, opus.to_vec()),
                        Err(error) => {
                            tracing::debug!(%error, "trunk audio dropped");
                            Heard::Nothing
                        }
                    }
                }
                Voice::Opus { .. } => {
                    Heard::Audio(u64::from(packet.timestamp()), packet.payload().to_vec())
                }
            }
        } else {
            let payload = packet.payload();
            if payload.len() < 4 || self.last_key == Some(packet.timestamp()) {
                return Heard::Nothing;
            }
            // RFC 4733: event, E|R|volume, duration (8 kHz ticks). Passed on at its first
            // packet, as a whole press.
            self.last_key = Some(packet.timestamp());
            Heard::Key(TelephoneEvent {
                event: payload[0],
                end: true,
                volume: payload[1] & 0x3f,
                duration: switchboard_voice::dtmf::TONE,
            })
        }
    }

    /// Starts keeping what the caller says (see [`recording_spec`]).
    pub fn start_recording(&mut self, writer: hound::WavWriter<std::io::BufWriter<std::fs::File>>) {
        self.decode_opus();
        self.recording = Some(writer);
    }

    /// Starts keeping what the caller says in `tap`, for speaker verification.
    pub fn listen(&mut self, tap: VoiceTap) {
        self.decode_opus();
        self.tap = Some(tap);
    }

    /// Opus passes through undecoded unless the caller's voice is wanted.
    fn decode_opus(&mut self) {
        if let Voice::Opus { recorder } = &mut self.voice
            && recorder.is_none()
        {
            *recorder = switchboard_voice::codec::Decoder::new().ok();
        }
    }

    /// Hands one packet of the caller's voice (8 kHz) to the recording and the tap, if kept.
    fn record(&mut self, payload: &[u8]) {
        if self.recording.is_none() && self.tap.is_none() {
            return;
        }
        let samples: Vec<i16> = match &mut self.voice {
            Voice::G711(transcoder) => {
                let law = transcoder.law();
                payload.iter().map(|byte| law.decode(*byte)).collect()
            }
            Voice::Opus { recorder } => {
                let mut frame = [0i16; switchboard_voice::FRAME_SAMPLES];
                match recorder.as_mut().map(|d| d.decode(payload, &mut frame)) {
                    Some(Ok(())) => switchboard_voice::wav::resample(&frame, 48_000, 8_000),
                    _ => return,
                }
            }
        };
        if let Some(recording) = &mut self.recording
            && samples
                .iter()
                .try_for_each(|sample| recording.write_sample(*sample))
                .is_err()
        {
            tracing::warn!("a recording could not be written; it stops here");
            self.recording = None;
        }
        if let Some(tap) = &self.tap {
            let mut kept = tap.lock().unwrap_or_else(|e| e.into_inner());
            let room = MAX_TAP_SAMPLES.saturating_sub(kept.len());
            kept.extend(samples.iter().take(room));
        }
    }

    /// A key the agent pressed, for the carrier.
    pub fn press(&mut self, event: TelephoneEvent) {
        self.keys.push_back(event);
    }

    /// When [`send_keys`](Self::send_keys) next has a packet to send.
    pub fn key_due(&self) -> Option<Instant> {
        match self.key {
            Some(key) => Some(key.next),
            None if !self.keys.is_empty() => Some(self.next_key),
            None => None,
        }
    }

    /// Sends the key packets due by `now`.
    pub fn send_keys(&mut self, now: Instant) {
        if self.key.is_none()
            && now >= self.next_key
            && let Some(event) = self.keys.pop_front()
        {
            self.key = Some(KeyOut {
                event,
                timestamp: self.timestamp,
                started: now,
                next: now,
            });
        }
        let Some(mut key) = self.key else { return };
        if now < key.next {
            return;
        }
        let elapsed = now.saturating_duration_since(key.started);
        let first = elapsed.is_zero();
        if elapsed >= key.event.duration {
            let ticks = (key.event.duration.as_millis() as u32)
                .saturating_mul(self.negotiated.ticks_per_ms());
            for _ in 0..3 {
                self.send_event(&key, ticks.min(0xffff) as u16, true, false);
            }
            self.key = None;
            self.next_key = now + switchboard_voice::dtmf::GAP;
            return;
        }
        let ticks = (elapsed.as_millis() as u32).saturating_mul(self.negotiated.ticks_per_ms());
        self.send_event(&key, ticks.min(0xffff) as u16, false, first);
        key.next = now + KEY_EVERY;
        self.key = Some(key);
    }

    fn send_event(&mut self, key: &KeyOut, duration: u16, end: bool, first: bool) {
        let Some(pt) = self.negotiated.event_pt else {
            return;
        };
        let flags = if end { 0x80 } else { 0 } | (key.event.volume & 0x3f);
        let [high, low] = duration.to_be_bytes();
        let payload = [key.event.event, flags, high, low];
        let built = RtpPacketBuilder::new()
            .payload_type(pt)
            .ssrc(self.ssrc)
            .sequence(self.seq)
            .timestamp(key.timestamp)
            .marked(first)
            .payload(&payload)
            .build();
        if let Ok(packet) = built {
            let _ = self.socket.send_to(&packet, self.remote);
        }
        self.seq = self.seq.next();
    }

    /// One Opus frame for the carrier (from the bridged leg, music or a prompt).
    pub fn say(&mut self, opus: &[u8]) {
        let now = Instant::now();
        let (payload, ticks) = match &mut self.voice {
            Voice::G711(transcoder) => match transcoder.to_g711(Some(opus)) {
                Ok(g711) => (g711, g711.len() as u32),
                Err(error) => {
                    tracing::debug!(%error, "audio for the trunk dropped");
                    return;
                }
            },
            // 20 ms frames at 48 kHz.
            Voice::Opus { .. } => (opus, switchboard_voice::FRAME_SAMPLES as u32),
        };
        // A new talk spurt after a pause: the marker bit, and the clock jumps by the pause.
        let gap = self
            .last_sent
            .map(|at| now.saturating_duration_since(at))
            .filter(|gap| *gap > Duration::from_millis(60));
        if let Some(gap) = gap {
            self.timestamp = self.timestamp.wrapping_add(
                (gap.as_millis() as u32).saturating_mul(self.negotiated.ticks_per_ms()),
            );
        }
        let built = RtpPacketBuilder::new()
            .payload_type(self.negotiated.codec.payload_type())
            .ssrc(self.ssrc)
            .sequence(self.seq)
            .timestamp(self.timestamp)
            .marked(self.last_sent.is_none() || gap.is_some())
            .payload(payload)
            .build();
        if let Ok(packet) = built {
            let _ = self.socket.send_to(&packet, self.remote);
        }
        self.seq = self.seq.next();
        self.timestamp = self.timestamp.wrapping_add(ticks);
        self.last_sent = Some(now);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=carrier 1 1 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\n\
        t=0 0\r\nm=audio 40000 RTP/AVP 18 8 0 101\r\na=rtpmap:18 G729/8000\r\n\
        a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
        a=fmtp:101 0-16\r\na=sendrecv\r\n";

    #[test]
    fn an_offer_is_answered_with_its_first_g711_law_and_its_key_events() {
        let negotiated = read_offer(OFFER).unwrap();
        assert_eq!(
            negotiated,
            Negotiated {
                codec: Codec::Pcma,
                event_pt: Some(101),
                remote: "203.0.113.5:40000".parse().unwrap()
            }
        );
        let answer = answer(&negotiated, "198.51.100.7:30000".parse().unwrap(), 42);
        let parsed = read_offer(&answer).unwrap();
        assert_eq!(parsed.codec, Codec::Pcma);
        assert_eq!(parsed.event_pt, Some(101));
        assert_eq!(parsed.remote, "198.51.100.7:30000".parse().unwrap());
    }

    #[test]
    fn an_offer_listing_opus_first_is_answered_with_opus_and_its_48_khz_key_events() {
        let offer = "v=0\r\no=carrier 1 1 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\n\
            t=0 0\r\nm=audio 40000 RTP/AVP 111 0 101 102\r\na=rtpmap:111 opus/48000/2\r\n\
            a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
            a=rtpmap:102 telephone-event/48000\r\n";
        let negotiated = read_offer(offer).unwrap();
        assert_eq!(negotiated.codec, Codec::Opus(111));
        assert_eq!(negotiated.event_pt, Some(102));
        assert_eq!(negotiated.law(), None);
        let answer = answer(&negotiated, "198.51.100.7:30000".parse().unwrap(), 42);
        assert!(
            answer.contains("m=audio 30000 RTP/AVP 111 102\r\n"),
            "{answer}"
        );
        assert!(answer.contains("a=rtpmap:111 opus/48000/2\r\n"), "{answer}");
        assert!(
            answer.contains("a=rtpmap:102 telephone-event/48000\r\n"),
            "{answer}"
        );
        // Listed after PCMU, Opus is not what the carrier prefers.
        let pcmu_first = offer.replace("RTP/AVP 111 0", "RTP/AVP 0 111");
        assert_eq!(read_offer(&pcmu_first).unwrap().codec, Codec::Pcmu);
    }

    #[test]
    fn offers_we_cannot_take_are_refused_with_a_reason() {
        for (offer, why) in [
            ("", "bad SDP"),
            ("v=0\r\nm=audio 4000 RTP/AVP 18\r\n", "bad SDP"),
            (
                &OFFER.replace(" 8 0 101", " 101"),
                "neither PCMU, PCMA nor Opus",
            ),
            (&OFFER.replace("RTP/AVP", "RTP/SAVP"), "no RTP/AVP audio"),
            (
                &OFFER.replace("m=audio 40000", "m=audio 0"),
                "no RTP/AVP audio",
            ),
            (
                &OFFER.replace("c=IN IP4 203.0.113.5\r\n", ""),
                "no connection",
            ),
        ] {
            let error = read_offer(offer).unwrap_err().to_string();
            assert!(error.contains(why), "{offer:?}: {error}");
        }
    }
}
