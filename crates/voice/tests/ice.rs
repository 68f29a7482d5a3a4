//! Reaching the far end through STUN and TURN, against a real coturn on 127.0.0.1: the
//! address a STUN server reports, a call whose media only goes through TURN relays (over
//! UDP on one side, TCP on the other), wrong TURN credentials refused before any call, and
//! a STUN server that never answers costing a bounded wait, not the call.

#![allow(clippy::unwrap_used)]

#[path = "support/coturn.rs"]
mod coturn;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use coturn::{Auth, Coturn};
use switchboard_voice::FRAME_SAMPLES;
use switchboard_voice::analysis::envelope_match;
use switchboard_voice::ice::{self, Policy, Server};
use switchboard_voice::peer::{Event, Setup};
use switchboard_voice::recording::Recording;
use switchboard_voice::tone::Sine;
use switchboard_voice::wav;

fn relay_only(server: &Coturn, transport: &str, password: &str) -> ice::Config {
    ice::Config {
        servers: vec![Server {
            urls: vec![server.url(transport)],
            username: Some("agent".into()),
            credential: Some(password.into()),
        }],
        policy: Policy::Relay,
        ..ice::Config::default()
    }
}

/// The `typ` of every candidate an SDP carries.
fn candidate_types(sdp: &str) -> Vec<String> {
    sdp.lines()
        .filter(|line| line.starts_with("a=candidate:"))
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            words.position(|w| w == "typ")?;
            words.next().map(str::to_string)
        })
        .collect()
}

fn wait_connected(events: &std::sync::mpsc::Receiver<Event>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Ok(event) = events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        match event {
            Event::Connected => return,
            Event::Ended { reason } => panic!("the leg ended: {reason}"),
            _ => {}
        }
    }
    panic!("not connected within 10 s");
}

#[test]
fn a_stun_server_reports_the_address_it_sees() {
    let server = Coturn::start(Auth::User("agent", "secret"));
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let config = ice::Config {
        servers: vec![Server {
            urls: vec![format!("stun:{}", server.address)],
            ..Server::default()
        }],
        ..ice::Config::default()
    };
    let gathered = ice::gather(&socket, &config).unwrap();
    assert_eq!(gathered.reflexive, vec![socket.local_addr().unwrap()]);
    assert!(gathered.failures.is_empty(), "{:?}", gathered.failures);
}

#[test]
fn speech_crosses_a_call_relayed_by_turn_over_udp_and_tcp() {
    let server = Coturn::start(Auth::User("agent", "secret"));
    let loopback = "127.0.0.1:0".parse().unwrap();
    let (mut caller, offer) =
        Setup::offer_with(loopback, &relay_only(&server, "udp", "secret")).unwrap();
    let (callee, answer) =
        Setup::answer_with(loopback, &relay_only(&server, "tcp", "secret"), &offer).unwrap();
    // Neither side discloses its own address: the only way between them is the relays.
    assert_eq!(candidate_types(&offer), ["relay"], "{offer}");
    assert_eq!(candidate_types(&answer), ["relay"], "{answer}");
    caller.accept_answer(&answer).unwrap();

    let dir = std::env::temp_dir().join(format!("sb-ice-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = wav::speak(
        "Thank you for calling Acme. Your order shipped this morning.",
        &dir.join("speech.wav"),
    )
    .expect("espeak-ng is installed by the test command");
    let spoken = source.samples().to_vec();
    let heard_by_callee = Recording::default();
    let heard_by_caller = Recording::default();
    let (caller, caller_events) = caller
        .start(Box::new(source), Box::new(heard_by_caller.clone()))
        .unwrap();
    let (callee, callee_events) = callee
        .start(
            Box::new(Sine::new(440.0, 6000)),
            Box::new(heard_by_callee.clone()),
        )
        .unwrap();
    wait_connected(&caller_events);
    wait_connected(&callee_events);
    let timeout = Duration::from_secs(20);
    assert!(heard_by_callee.wait_for(spoken.len() + 30 * FRAME_SAMPLES, timeout));
    caller.hang_up();
    callee.hang_up();

    let best = envelope_match(&spoken, &heard_by_callee.samples(), 60);
    eprintln!("speech envelope correlation through TURN: {best:.3}");
    assert!(best > 0.9, "speech arrived through the relays: {best:.3}");
    let back = switchboard_voice::analysis::envelope(&heard_by_caller.samples());
    let loud = back.iter().filter(|&&rms| rms > 2000.0).count();
    assert!(
        loud > back.len() / 2,
        "the tone came back: {loud}/{}",
        back.len()
    );
}

#[test]
fn wrong_turn_credentials_stop_a_relay_only_call_before_it_starts() {
    let server = Coturn::start(Auth::User("agent", "secret"));
    let loopback = "127.0.0.1:0".parse().unwrap();
    let error = Setup::offer_with(loopback, &relay_only(&server, "udp", "wrong"))
        .err()
        .expect("no relay, no call");
    let message = error.to_string();
    assert!(message.contains("TURN relay"), "{message}");
    assert!(message.contains("refused"), "{message}");
}

#[test]
fn a_silent_stun_server_costs_the_gathering_timeout_not_the_call() {
    // A socket that never answers stands in for a STUN server behind a firewall.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let config = ice::Config {
        servers: vec![Server {
            urls: vec![format!("stun:{}", silent.local_addr().unwrap())],
            ..Server::default()
        }],
        timeout: Duration::from_millis(300),
        ..ice::Config::default()
    };
    let started = Instant::now();
    let (_setup, offer) = Setup::offer_with("127.0.0.1:0".parse().unwrap(), &config).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "gathering gave up in time"
    );
    assert_eq!(candidate_types(&offer), ["host"], "{offer}");
}
