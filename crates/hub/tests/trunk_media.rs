//! A leg to the phone network at the hub's media bridge: a carrier sends G.711 (PCMU) RTP,
//! bridged to an agent's WebRTC leg (Opus): the caller's speech reaches the agent, the
//! agent's voice reaches the caller, a key the caller presses reaches the agent, media goes
//! back to where the carrier really sends from (symmetric RTP), and a carrier that falls
//! silent or a removed leg ends it.

#![allow(clippy::unwrap_used)]

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rtp_rs::{RtpPacketBuilder, RtpReader, Seq};
use switchboard_hub::media::{MediaBridge, MediaEvent};
use switchboard_voice::FRAME_SAMPLES;
use switchboard_voice::analysis::{envelope, envelope_match};
use switchboard_voice::g711::{FRAME, Law};
use switchboard_voice::peer::{Event, Setup};
use switchboard_voice::recording::Recording;
use switchboard_voice::tone::Sine;
use switchboard_voice::wav;

fn offer(media: SocketAddr) -> String {
    format!(
        "v=0\r\no=carrier 7 7 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n",
        ip = media.ip(),
        port = media.port()
    )
}

/// The hub's RTP address from its answer.
fn answered(answer: &str) -> SocketAddr {
    let port = answer
        .lines()
        .find_map(|l| l.strip_prefix("m=audio "))
        .and_then(|l| l.split(' ').next())
        .unwrap();
    format!("127.0.0.1:{port}").parse().unwrap()
}

fn packet(pt: u8, seq: u16, timestamp: u32, marked: bool, payload: &[u8]) -> Vec<u8> {
    RtpPacketBuilder::new()
        .payload_type(pt)
        .ssrc(0x5eed)
        .sequence(Seq::from(seq))
        .timestamp(timestamp)
        .marked(marked)
        .payload(payload)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_on_the_phone_network_and_an_agent_hear_each_other() {
    let (events_tx, mut media_events) = tokio::sync::mpsc::unbounded_channel();
    let bridge = MediaBridge::start("127.0.0.1:0".parse().unwrap(), events_tx).unwrap();

    // The carrier's SDP names one port; its media comes from another (NAT, an SBC).
    let named = UdpSocket::bind("127.0.0.1:0").unwrap();
    let carrier = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (trunk_leg, answer) = bridge
        .add_trunk_leg(offer(named.local_addr().unwrap()))
        .await
        .unwrap();
    assert!(answer.contains("PCMU/8000") && answer.contains("telephone-event/8000"));
    let hub_rtp = answered(&answer);
    assert_ne!(hub_rtp.port(), bridge.addr().port(), "a port of its own");

    let (mut agent, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let (agent_leg, answer) = bridge.add_leg(offer).await.unwrap();
    agent.accept_answer(&answer).unwrap();
    bridge.bridge(trunk_leg, agent_leg).unwrap();
    let heard_by_agent = Recording::default();
    let (agent, agent_events) = agent
        .start(
            Box::new(Sine::new(440.0, 6000)),
            Box::new(heard_by_agent.clone()),
        )
        .unwrap();
    match agent_events.recv_timeout(Duration::from_secs(10)) {
        Ok(Event::Connected) => {}
        other => panic!("the agent's leg did not connect: {other:?}"),
    }

    let dir = tempfile::tempdir().unwrap();
    let speech = wav::speak(
        "Hello, I am calling about my order. It has not arrived yet.",
        &dir.path().join("caller.wav"),
    )
    .expect("espeak-ng is installed by the test command");
    let spoken = speech.samples().to_vec();
    let narrow = wav::resample(&spoken, 48_000, 8_000);

    // The caller's phone: speech every 20 ms, the key 5 halfway, and what comes back.
    let heard_by_caller = Arc::new(Mutex::new(Vec::<i16>::new()));
    // RFC 4733 packets from the agent's keypad: (event, end bit, timestamp, marker).
    let keys_to_caller = Arc::new(Mutex::new(Vec::<(u8, bool, u32, bool)>::new()));
    let done = Arc::new(AtomicBool::new(false));
    let receiver = {
        let done = done.clone();
        let keys = keys_to_caller.clone();
        let carrier = carrier.try_clone().unwrap();
        let heard = heard_by_caller.clone();
        carrier
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 1500];
            let mut from = Vec::new();
            while !done.load(Ordering::Relaxed) {
                if let Ok((n, source)) = carrier.recv_from(&mut buf) {
                    from.push(source);
                    let packet = RtpReader::new(&buf[..n]).unwrap();
                    if packet.payload_type() == 101 {
                        let event = packet.payload();
                        keys.lock().unwrap().push((
                            event[0],
                            event[1] & 0x80 != 0,
                            packet.timestamp(),
                            packet.mark(),
                        ));
                        continue;
                    }
                    assert_eq!(packet.payload_type(), 0, "PCMU back to the caller");
                    let mut heard = heard.lock().unwrap();
                    heard.extend(packet.payload().iter().map(|b| Law::Mu.decode(*b)));
                }
            }
            from
        })
    };
    // Until the carrier's first packet, the hub can only send where the SDP said.
    let named_heard = {
        let done = done.clone();
        let named = named.try_clone().unwrap();
        named
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        std::thread::spawn(move || {
            let mut last = None;
            while !done.load(Ordering::Relaxed) {
                if named.recv_from(&mut [0u8; 1500]).is_ok() {
                    last = Some(Instant::now());
                }
            }
            last
        })
    };
    let first_sent = Instant::now();
    let mut seq = 1u16;
    let mut clock = 0u32;
    let mut next = Instant::now();
    let frames = narrow.chunks(FRAME).count();
    for (i, chunk) in narrow
        .chunks(FRAME)
        .chain(std::iter::repeat_n(&[0i16; FRAME][..], 50))
        .enumerate()
    {
        let mut payload: Vec<u8> = chunk.iter().map(|s| Law::Mu.encode(*s)).collect();
        payload.resize(FRAME, Law::Mu.encode(0));
        carrier
            .send_to(&packet(0, seq, clock, i == 0, &payload), hub_rtp)
            .unwrap();
        seq = seq.wrapping_add(1);
        if i == frames / 2 {
            // RFC 4733: event 5, three packets of one press, the last with the end bit.
            for (n, end) in [(1u16, false), (2, false), (3, true)] {
                let duration = 160 * n;
                let flags = if end { 0x80 | 10 } else { 10 };
                let event = [5u8, flags, (duration >> 8) as u8, duration as u8];
                carrier
                    .send_to(&packet(101, seq, clock, n == 1, &event), hub_rtp)
                    .unwrap();
                seq = seq.wrapping_add(1);
            }
            // And the agent presses 7 for the caller (an IVR on the far side, say).
            agent.send_dtmf('7').unwrap();
        }
        clock = clock.wrapping_add(FRAME as u32);
        next += Duration::from_millis(20);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }

    assert!(
        heard_by_agent.wait_for(spoken.len() + 40 * FRAME_SAMPLES, Duration::from_secs(20)),
        "the agent's playback stalled"
    );
    let mut keys = Vec::new();
    while let Ok(event) = agent_events.try_recv() {
        if let Event::Dtmf(key) = event {
            keys.push(key);
        }
    }
    assert_eq!(keys, ['5'], "the caller's key reached the agent once");

    let best = envelope_match(&spoken, &heard_by_agent.samples(), 80);
    eprintln!("PCMU caller → hub (transcoded) → agent: envelope correlation {best:.3}");
    assert!(best > 0.8, "correlation {best:.3}");

    done.store(true, Ordering::Relaxed);
    let sources = receiver.join().unwrap();
    let keys = keys_to_caller.lock().unwrap().clone();
    assert!(!keys.is_empty(), "the agent's key reached the caller");
    assert!(keys.iter().all(|(event, _, _, _)| *event == 7), "{keys:?}");
    assert!(keys[0].3, "the press starts with the marker bit");
    assert!(
        keys.iter().all(|k| k.2 == keys[0].2),
        "one press, one timestamp: {keys:?}"
    );
    assert_eq!(
        keys.iter().filter(|k| k.1).count(),
        3,
        "three end packets: {keys:?}"
    );
    assert!(!sources.is_empty(), "the caller heard nothing");
    assert!(sources.iter().all(|s| *s == hub_rtp), "{sources:?}");
    let heard = heard_by_caller.lock().unwrap().clone();
    let tone = envelope(&heard[heard.len() / 2..]);
    let loud = tone.iter().filter(|&&rms| rms > 2000.0).count();
    assert!(
        loud * 10 >= tone.len() * 8,
        "the agent's tone reached the caller: {loud}/{}",
        tone.len()
    );
    // Once the carrier's media arrived, it went back where the carrier sends from.
    if let Some(last) = named_heard.join().unwrap() {
        assert!(
            last < first_sent + Duration::from_millis(500),
            "media kept going where the SDP said, {:?} after the carrier's first packet",
            last - first_sent
        );
    }

    bridge.remove(trunk_leg).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let wait = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(wait, media_events.recv()).await {
            Ok(Some(MediaEvent::Ended { leg, .. })) if leg == trunk_leg => break,
            Ok(Some(_)) => {}
            other => panic!("the trunk leg did not end: {other:?}"),
        }
    }
    agent.hang_up();
}

#[tokio::test]
async fn offers_the_bridge_cannot_take_are_refused_with_a_reason() {
    let (events_tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let bridge = MediaBridge::start("127.0.0.1:0".parse().unwrap(), events_tx).unwrap();
    let g729_only = offer("127.0.0.1:4000".parse().unwrap())
        .replace("RTP/AVP 0 101", "RTP/AVP 18")
        .replace("a=rtpmap:0 PCMU/8000\r\n", "a=rtpmap:18 G729/8000\r\n");
    for (offer, why) in [
        ("INVITE sip:x SIP/2.0".to_string(), "bad SDP"),
        (g729_only, "no codec in common"),
    ] {
        let error = bridge.add_trunk_leg(offer).await.unwrap_err().to_string();
        assert!(error.contains(why), "{error}");
    }
}
