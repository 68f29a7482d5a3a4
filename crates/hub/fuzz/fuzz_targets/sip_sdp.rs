//! The trunk's way in: a datagram read as a SIP message the way the SIP endpoint reads it
//! (message line, header lines, the headers every request needs, Content-Length), and its
//! body read as the SDP offer (or answer) the media bridge takes. Whatever arrives, the
//! result is an answer or an error — never a panic.

#![no_main]

use bytes::Bytes;
use ezk_sip_types::header::typed::{CSeq, CallID, Contact, ContentLength, FromTo, Via};
use ezk_sip_types::msg::{Line, MessageLine, PullParser};
use ezk_sip_types::parse::Parse;
use ezk_sip_types::{Headers, Name};
use libfuzzer_sys::fuzz_target;

// The hub's own SDP reading, built here on its own (it needs nothing but ezk-sdp-types).
#[path = "../../src/media/sdp.rs"]
mod sdp;

fuzz_target!(|data: &[u8]| {
    let buffer = Bytes::copy_from_slice(data);
    let mut parser = PullParser::new(&buffer, 0);
    let mut message_line = None;
    let mut headers = Headers::new();
    for item in &mut parser {
        let Ok(line) = item else { return };
        let Ok(line) = std::str::from_utf8(line) else {
            return;
        };
        if message_line.is_none() {
            let Ok((_, line)) = MessageLine::parse(&buffer)(line) else {
                return;
            };
            message_line = Some(line);
        } else {
            let Ok((_, line)) = nom::Finish::finish(Line::parse(&buffer, line)) else {
                return;
            };
            headers.insert(line.name, line.value);
        }
    }
    let head_end = parser.head_end();
    let _ = headers.get_named::<Vec<Via>>();
    let _ = headers.get::<FromTo>(Name::FROM);
    let _ = headers.get::<FromTo>(Name::TO);
    let _ = headers.get_named::<CallID>();
    let _ = headers.get_named::<CSeq>();
    let _ = headers.get_named::<Contact>();
    let body = match headers.get_named::<ContentLength>() {
        Ok(ContentLength(0)) => Bytes::new(),
        Ok(ContentLength(len)) => match head_end.checked_add(len) {
            Some(end) if end <= buffer.len() => buffer.slice(head_end..end),
            _ => return,
        },
        Err(_) => buffer.slice(head_end.min(buffer.len())..),
    };
    if let Ok(sdp) = std::str::from_utf8(&body) {
        let _ = sdp::read(sdp, "offer");
    }
});
