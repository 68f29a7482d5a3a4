//! Reading a carrier's SDP: where its audio goes, the first G.711 payload type it lists and
//! its key-press payload type. Nothing here but `ezk-sdp-types`, so the fuzz target
//! (`crates/hub/fuzz`) builds this very file on its own.

use std::net::{IpAddr, SocketAddr};

use bytesstr::BytesStr;
use ezk_sdp_types::{MediaType, SessionDescription, TaggedAddress, TransportProtocol};

/// The audio stream of an offer or answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audio {
    /// 0 (PCMU) or 8 (PCMA): the first of them the stream lists.
    pub payload_type: u8,
    /// `telephone-event/8000`, when listed.
    pub event_pt: Option<u8>,
    pub remote: SocketAddr,
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
    let payload_type = audio
        .media
        .fmts
        .iter()
        .copied()
        .find(|pt| matches!(pt, 0 | 8))
        .ok_or_else(|| format!("the {what} has neither PCMU nor PCMA: no codec in common"))?;
    let event_pt = audio
        .rtpmap
        .iter()
        .find(|map| map.encoding.eq_ignore_ascii_case("telephone-event") && map.clock_rate == 8000)
        .map(|map| map.payload)
        .filter(|pt| audio.media.fmts.contains(pt));
    Ok(Audio {
        payload_type,
        event_pt,
        remote: SocketAddr::new(ip, audio.media.port),
    })
}
