//! Reading a carrier's SDP: where its audio goes, the first voice codec it lists that the
//! hub speaks (PCMU, PCMA, Opus) and its key-press payload type. Nothing here but `ezk-sdp-types`, so the fuzz target
//! (`crates/hub/fuzz`) builds this very file on its own.

use std::net::{IpAddr, SocketAddr};

use bytesstr::BytesStr;
use ezk_sdp_types::{MediaType, SessionDescription, TaggedAddress, TransportProtocol};

/// The audio stream of an offer or answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audio {
    pub codec: Codec,
    /// `telephone-event` at the codec's clock rate, when listed.
    pub event_pt: Option<u8>,
    pub remote: SocketAddr,
}

/// The voice codecs a trunk leg speaks, with their payload type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Payload type 0.
    Pcmu,
    /// Payload type 8.
    Pcma,
    /// `opus/48000/2` (RFC 7587), at its dynamic payload type.
    Opus(u8),
}

impl Codec {
    pub fn payload_type(self) -> u8 {
        match self {
            Self::Pcmu => 0,
            Self::Pcma => 8,
            Self::Opus(pt) => pt,
        }
    }

    /// The RTP clock rate.
    pub fn clock_rate(self) -> u32 {
        match self {
            Self::Pcmu | Self::Pcma => 8_000,
            Self::Opus(_) => 48_000,
        }
    }
}

/// Reads an SDP `what` (offer, answer); the error says what is wrong with it.
pub fn read(sdp: &str, what: &str) -> Result<Audio, String> {
    let bad = |why: String| format!("bad SDP {what}: {why}");
    let sdp = SessionDescription::parse(&BytesStr::from(sdp)).map_err(|e| bad(e.to_string()))?;
    let audio = sdp
        .media_descriptions
        .iter()
        .find(|m| {
            m.media.media_type == MediaType::Audio
                && m.media.port != 0
                && m.media.proto == TransportProtocol::RtpAvp
        })
        .ok_or_else(|| bad("no RTP/AVP audio stream".into()))?;
    let connection = audio
        .connection
        .as_ref()
        .or(sdp.connection.as_ref())
        .ok_or_else(|| bad("no connection address".into()))?;
    let ip: IpAddr = match &connection.address {
        TaggedAddress::IP4(ip) => (*ip).into(),
        TaggedAddress::IP6(ip) => (*ip).into(),
        other => return Err(bad(format!("{other:?} is not an IP address"))),
    };
    // The offerer's order is its preference.
    let codec = audio
        .media
        .fmts
        .iter()
        .find_map(|pt| match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            pt => audio
                .rtpmap
                .iter()
                .any(|map| {
                    map.payload == *pt
                        && map.encoding.eq_ignore_ascii_case("opus")
                        && map.clock_rate == 48_000
                })
                .then_some(Codec::Opus(*pt)),
        })
        .ok_or_else(|| format!("the {what} has neither PCMU, PCMA nor Opus: no codec in common"))?;
    let event_pt = audio
        .rtpmap
        .iter()
        .find(|map| {
            map.encoding.eq_ignore_ascii_case("telephone-event")
                && map.clock_rate == codec.clock_rate()
        })
        .map(|map| map.payload)
        .filter(|pt| audio.media.fmts.contains(pt));
    Ok(Audio {
        codec,
        event_pt,
        remote: SocketAddr::new(ip, audio.media.port),
    })
}
