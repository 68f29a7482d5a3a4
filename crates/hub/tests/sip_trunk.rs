//! The SIP trunk against a real phone: baresip (Debian's) calls a number on the hub's trunk
//! on 127.0.0.1, over SIP/UDP with PCMU, playing a speech WAV. The trunk rings and answers
//! it, the media bridge transcodes it for an agent's WebRTC leg: the caller's speech reaches
//! the agent, the agent's speech reaches the caller (baresip's own recording), and the
//! caller hanging up ends the call. A malformed INVITE gets a 400, never a crash.

#![allow(clippy::unwrap_used)]

mod phone;

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use phone::free_port;
use switchboard_hub::media::MediaBridge;
use switchboard_hub::trunk::Trunk;
use switchboard_voice::FRAME_SAMPLES;
use switchboard_voice::analysis::envelope_match;
use switchboard_voice::peer::{Event, Setup};
use switchboard_voice::recording::Recording;
use switchboard_voice::wav::{self, Source};

/// What each side of a call through the trunk heard.
struct Talk {
    /// The caller's speech and what the agent heard.
    spoken: Vec<i16>,
    heard_by_agent: Vec<i16>,
    /// The agent's speech and what baresip recorded.
    agent_said: Vec<i16>,
    heard_by_phone: Vec<i16>,
    /// baresip's log.
    log: String,
}

/// baresip (PCMU, or Opus) calls the trunk, an agent's engine is bridged to it, each speaks;
/// baresip hangs up when its time is up and the dialog ends with its BYE.
async fn talk_through_the_trunk(opus: bool, caller_says: &str, agent_says: &str) -> Talk {
    let (events_tx, _media_events) = tokio::sync::mpsc::unbounded_channel();
    let bridge = MediaBridge::start("127.0.0.1:0".parse().unwrap(), events_tx).unwrap();
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let (_trunk, mut incoming) = Trunk::start(sip, bridge.control()).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let agent_said = wav::speak(agent_says, &dir.path().join("agent.wav")).unwrap();
    let agent_samples = agent_said.samples().to_vec();
    let uri = format!("sip:+14155550100@{sip}");
    let (spoken, phone) = if opus {
        let (spoken, wav) = phone::speech_wideband(dir.path(), caller_says, 1);
        (
            spoken,
            phone::dial_opus(dir.path(), "caller", &uri, &wav, 7),
        )
    } else {
        let (spoken, wav) = phone::speech(dir.path(), caller_says, 1);
        (spoken, phone::dial(dir.path(), "caller", &uri, &wav, 8))
    };

    let mut call = tokio::time::timeout(Duration::from_secs(10), incoming.recv())
        .await
        .expect("the INVITE arrived")
        .unwrap();
    assert_eq!(call.to, "+14155550100");
    assert_eq!(call.from, "caller");
    call.ring().await.unwrap();

    let (mut agent, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let (agent_leg, answer) = bridge.add_leg(offer).await.unwrap();
    agent.accept_answer(&answer).unwrap();
    let heard_by_agent = Recording::default();
    let (agent, agent_events) = agent
        .start(Box::new(agent_said), Box::new(heard_by_agent.clone()))
        .unwrap();
    assert_eq!(
        agent_events.recv_timeout(Duration::from_secs(10)).unwrap(),
        Event::Connected
    );

    let mut answered = call.answer().await.unwrap();
    bridge.bridge(answered.leg, agent_leg).unwrap();
    tokio::time::timeout(Duration::from_secs(20), answered.until_hung_up())
        .await
        .expect("the caller's BYE arrived")
        .unwrap();
    agent.hang_up();
    let status = phone::exited(phone).await;
    assert!(status.success(), "baresip exited with {status}");

    // What baresip heard: its decoded-audio dump.
    let dump = phone::heard(dir.path()).expect("baresip recorded the call");
    Talk {
        spoken,
        heard_by_agent: heard_by_agent.samples(),
        agent_said: agent_samples,
        heard_by_phone: Source::open(&dump, false).unwrap().samples().to_vec(),
        log: std::fs::read_to_string(dir.path().join("baresip.log")).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phone_calls_the_trunk_and_talks_with_an_agent() {
    let talk = talk_through_the_trunk(
        false,
        "Hello, I would like to change the address on my account.",
        "Of course. I can help you with that right away.",
    )
    .await;
    let best = envelope_match(&talk.spoken, &talk.heard_by_agent, 120);
    eprintln!("baresip (PCMU) → trunk → agent: envelope correlation {best:.3}");
    assert!(best > 0.7, "the agent heard the caller: {best:.3}");
    assert!(
        talk.heard_by_phone.len() > 2 * FRAME_SAMPLES * 50,
        "two seconds at least"
    );
    let best = envelope_match(&talk.agent_said, &talk.heard_by_phone, 120);
    eprintln!("agent → trunk → baresip: envelope correlation {best:.3}");
    assert!(best > 0.7, "the caller heard the agent: {best:.3}");
}

/// A carrier that offers Opus first gets Opus: the hub passes it through to the agent, no
/// transcoding, and each still hears the other.
#[tokio::test(flavor = "multi_thread")]
async fn a_phone_speaking_opus_is_carried_without_transcoding() {
    let talk = talk_through_the_trunk(
        true,
        "My parcel never arrived.",
        "I am sorry to hear that, let me check.",
    )
    .await;
    assert!(
        talk.log.contains("Set audio encoder: opus"),
        "baresip spoke Opus: {}",
        talk.log
    );
    let best = envelope_match(&talk.spoken, &talk.heard_by_agent, 120);
    eprintln!("baresip (Opus) → trunk → agent: envelope correlation {best:.3}");
    assert!(best > 0.7, "the agent heard the caller: {best:.3}");
    let best = envelope_match(&talk.agent_said, &talk.heard_by_phone, 120);
    eprintln!("agent → trunk → baresip (Opus): envelope correlation {best:.3}");
    assert!(best > 0.7, "the caller heard the agent: {best:.3}");
}

/// Sends one datagram to the trunk and returns the status line of its answer, if any.
fn exchange(socket: &UdpSocket, trunk: SocketAddr, message: &str) -> Option<String> {
    socket.send_to(message.as_bytes(), trunk).unwrap();
    let mut buf = [0u8; 4096];
    let (n, _) = socket.recv_from(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    text.lines().next().map(str::to_owned)
}

fn request(method: &str, port: u16, branch: &str, content_type: &str, body: &str) -> String {
    format!(
        "{method} sip:+14155550100@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:caller@127.0.0.1>;tag={branch}\r\n\
         To: <sip:+14155550100@127.0.0.1>\r\nCall-ID: {branch}@127.0.0.1\r\n\
         CSeq: 1 {method}\r\nContact: <sip:caller@127.0.0.1:{port}>\r\n\
         Content-Type: {content_type}\r\nContent-Length: {len}\r\n\r\n{body}",
        len = body.len()
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_sip_is_refused_or_dropped_and_the_trunk_keeps_working() {
    let (events_tx, _media_events) = tokio::sync::mpsc::unbounded_channel();
    let bridge = MediaBridge::start("127.0.0.1:0".parse().unwrap(), events_tx).unwrap();
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let (_trunk, mut incoming) = Trunk::start(sip, bridge.control()).await.unwrap();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let port = socket.local_addr().unwrap().port();
    let exchange = |message: String| {
        let socket = socket.try_clone().unwrap();
        async move {
            tokio::task::spawn_blocking(move || exchange(&socket, sip, &message))
                .await
                .unwrap()
        }
    };

    // Garbage and truncated messages get no answer (and break nothing).
    for junk in [
        "\u{0}\u{1}\u{2}garbage".to_string(),
        "INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP".to_string(),
        request("INVITE", port, "cut", "application/sdp", "v=0\r\n")
            .replace("Content-Length: 5", "Content-Length: 500"),
    ] {
        let socket = socket.try_clone().unwrap();
        socket.send_to(junk.as_bytes(), sip).unwrap();
    }
    // An INVITE whose SDP cannot be read: 400.
    let answer = exchange(request(
        "INVITE",
        port,
        "badsdp",
        "application/sdp",
        "this is not SDP",
    ))
    .await;
    assert_eq!(answer.as_deref(), Some("SIP/2.0 400 Bad Request"));
    // An INVITE without an offer: 488 (the trunk answers offers).
    let answer = exchange(request("INVITE", port, "nosdp", "text/plain", "")).await;
    assert_eq!(
        answer.as_deref(),
        Some("SIP/2.0 488 an SDP offer is required")
    );
    let mut buf = [0u8; 4096];
    // A method a trunk does not take: 405, saying which it does.
    socket
        .send_to(
            request("MESSAGE", port, "chat", "text/plain", "hi").as_bytes(),
            sip,
        )
        .unwrap();
    let (n, _) = socket.recv_from(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("SIP/2.0 405"), "{text}");
    assert!(
        text.contains("Allow: INVITE, ACK, BYE, CANCEL, OPTIONS"),
        "{text}"
    );
    // Nothing of that reached the call engine, and the trunk still answers.
    assert!(incoming.try_recv().is_err());
    let answer = exchange(request("OPTIONS", port, "alive", "text/plain", "")).await;
    assert_eq!(answer.as_deref(), Some("SIP/2.0 200 OK"));
}

/// Thousands of mangled INVITEs (bytes flipped, cut, duplicated, headers and SDP lines
/// swapped, huge lengths) from a seeded generator: the trunk answers or drops each, never
/// falls over, never hands a broken call to the call engine, and still answers afterwards.
#[tokio::test(flavor = "multi_thread")]
async fn mangled_sip_and_sdp_never_bring_the_trunk_down() {
    use rand::{Rng, SeedableRng, rngs::StdRng};

    let (events_tx, _media_events) = tokio::sync::mpsc::unbounded_channel();
    let bridge = MediaBridge::start("127.0.0.1:0".parse().unwrap(), events_tx).unwrap();
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let (_trunk, mut incoming) = Trunk::start(sip, bridge.control()).await.unwrap();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
               m=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n\
               a=rtpmap:101 telephone-event/8000\r\n";
    let mut rng = StdRng::seed_from_u64(4);
    let cases = 3000;
    // Incoming calls that did get through (a mangling can leave a valid INVITE): each must
    // carry an SDP the bridge could answer or be refused cleanly; drain them as we go.
    let drained = tokio::spawn(async move {
        let mut got = 0;
        while let Some(call) = incoming.recv().await {
            got += 1;
            let _ = call.reject(486).await;
        }
        got
    });
    for case in 0..cases {
        let valid = request(
            "INVITE",
            port,
            &format!("fuzz{case}"),
            "application/sdp",
            sdp,
        );
        let mut bytes = valid.into_bytes();
        match rng.random_range(0..6) {
            0 => {
                for _ in 0..rng.random_range(1..8) {
                    let at = rng.random_range(0..bytes.len());
                    bytes[at] = rng.random();
                }
            }
            1 => bytes.truncate(rng.random_range(0..bytes.len())),
            2 => {
                let at = rng.random_range(0..bytes.len());
                let chunk = bytes[at..].to_vec();
                bytes.extend_from_slice(&chunk);
            }
            3 => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let mut lines: Vec<&str> = text.split("\r\n").collect();
                let (a, b) = (
                    rng.random_range(0..lines.len()),
                    rng.random_range(0..lines.len()),
                );
                lines.swap(a, b);
                bytes = lines.join("\r\n").into_bytes();
            }
            4 => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let length = rng.random_range(0..u32::MAX);
                bytes = text
                    .replacen("Content-Length: ", &format!("Content-Length: {length}"), 1)
                    .into_bytes();
            }
            _ => {
                // An oversized header.
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let long = "x".repeat(rng.random_range(1_000..60_000));
                bytes = text
                    .replacen("Max-Forwards: 70", &format!("X-Long: {long}"), 1)
                    .into_bytes();
            }
        }
        bytes.truncate(65_000);
        let _ = socket.send_to(&bytes, sip);
    }
    // Still standing: a plain OPTIONS is answered.
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut alive = false;
    let mut buf = [0u8; 65_535];
    for attempt in 0..50 {
        let options = request(
            "OPTIONS",
            port,
            &format!("alive{attempt}"),
            "text/plain",
            "",
        );
        socket.send_to(options.as_bytes(), sip).unwrap();
        // Skip the answers to the mangled INVITEs still in flight.
        while let Ok((n, _)) = socket.recv_from(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]);
            if text.starts_with("SIP/2.0 200") && text.contains("CSeq: 1 OPTIONS") {
                alive = true;
                break;
            }
        }
        if alive {
            break;
        }
    }
    assert!(
        alive,
        "the trunk stopped answering after {cases} mangled messages"
    );
    drained.abort();
}
