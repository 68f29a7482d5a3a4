//! An account whose agents may only reach the hub through a TURN relay (their firewall lets
//! nothing else out): the hub hands each agent short-lived TURN credentials made from the
//! secret it shares with a real coturn, the desktop's engine gathers a relay with them, and
//! Alex's speech reaches Lucía through it. A hub whose secret the TURN server does not know
//! stops the call before anything rings, saying why.

#![cfg(feature = "builtin-hub")]
#![allow(clippy::unwrap_used)]

#[path = "../crates/voice/tests/support/coturn.rs"]
mod coturn;

use std::path::Path;
use std::time::{Duration, Instant};

use coturn::{Auth, Coturn};
use switchboard::call::{self, Audio, Failure};
use switchboard::session::{self, Session};
use switchboard_client::Hub;
use switchboard_hub::Embedded;
use switchboard_hub::config::{IceServer, IceTransportPolicy};
use switchboard_hub::demo::DEMO_PASSWORD;
use switchboard_protocol::{Bootstrap, CallState, Id, StatusKey, Target};
use switchboard_voice::FRAME_SAMPLES;
use switchboard_voice::analysis::envelope_match;
use switchboard_voice::wav::{Sink, Source};

/// The demo hub, relay-only, its TURN servers given with `secret`; Alex signed in.
struct Demo {
    _embedded: Embedded,
    hub: Hub,
    alex: Session,
    alex_id: Id,
    lucia_id: Id,
}

async fn demo(home: &Path, turn: &Coturn, secret: &str) -> Demo {
    let mut config = switchboard_hub::Config {
        data_dir: home.join("hub"),
        ..switchboard_hub::Config::default()
    };
    config.media.ice_servers = vec![IceServer {
        urls: vec![turn.url("udp"), turn.url("tcp")],
        shared_secret: Some(secret.into()),
        ..IceServer::default()
    }];
    config.media.ice_transport_policy = IceTransportPolicy::Relay;
    let embedded = tokio::task::spawn_blocking(move || Embedded::start(config, true))
        .await
        .unwrap()
        .unwrap();
    let hub = Hub::new(&embedded.url()).unwrap();
    let (alex, boot) = sign_in(&hub, "alex@acme.example").await;
    let lucia_id = boot
        .agents
        .iter()
        .find(|a| a.name == "Lucía Fernández")
        .unwrap()
        .id;
    Demo {
        _embedded: embedded,
        hub,
        alex,
        alex_id: boot.me.id,
        lucia_id,
    }
}

async fn sign_in(hub: &Hub, email: &str) -> (Session, Bootstrap) {
    session::sign_in(hub.clone(), email, DEMO_PASSWORD, false, false, None)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_only_account_talks_through_turn_with_credentials_the_hub_made() {
    let turn = Coturn::start(Auth::Secret("shared by the hub and the TURN server"));
    let home = tempfile::tempdir().unwrap();
    let Demo {
        hub,
        alex,
        alex_id,
        lucia_id,
        _embedded: _hub_running,
        ..
    } = demo(home.path(), &turn, "shared by the hub and the TURN server").await;
    let (lucia, _) = sign_in(&hub, "lucia@acme.example").await;

    // Alex starts speaking a second after his leg is up, once Lucía's is too (connecting
    // through the relays takes a few round trips).
    let sentence = home.path().join("sentence.wav");
    let mut spoken =
        switchboard_voice::wav::speak("Lucia, can you take a billing question?", &sentence)
            .expect("espeak-ng is installed by the test command");
    let speech = home.path().join("alex.wav");
    let mut sink = Sink::create(&speech).unwrap();
    let mut frame = [0i16; FRAME_SAMPLES];
    for _ in 0..50 {
        sink.write(&frame).unwrap();
    }
    while !spoken.is_done() {
        spoken.read(&mut frame);
        sink.write(&frame).unwrap();
    }
    sink.finish().unwrap();
    let heard = home.path().join("lucia-heard.wav");
    let audio = |output: &Path| Audio {
        input_file: Some(speech.clone()),
        output_file: Some(output.to_owned()),
        ..Audio::default()
    };
    let (ringing, alex_engine) = call::dial(
        alex.hub.clone(),
        alex.token.clone(),
        Target::Agent(lucia_id),
        audio(&home.path().join("alex-heard.wav")),
    )
    .await
    .unwrap();
    let (live, lucia_engine) =
        call::answer(hub.clone(), lucia.token.clone(), ringing.id, audio(&heard))
            .await
            .unwrap();
    assert_eq!(live.state, CallState::Live);

    let spoken = Source::open(&sentence, false).unwrap().samples().to_vec();
    let wanted = (spoken.len() + 90 * FRAME_SAMPLES) as u64 * 2;
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(&heard).map(|m| m.len()).unwrap_or(0) < wanted {
        assert!(Instant::now() < deadline, "Lucía's audio stalled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    hub.hang_up(&alex.token, live.id).await.unwrap();
    drop(alex_engine);
    drop(lucia_engine);

    let received = Source::open(&heard, false).unwrap().samples().to_vec();
    let best = envelope_match(&spoken, &received, 80);
    eprintln!("desktop → TURN → hub → TURN → desktop: envelope correlation {best:.3}");
    assert!(best > 0.8, "correlation {best:.3}");
    // The relays were granted to the agents themselves: coturn saw their REST usernames.
    let log = turn.log();
    for agent in [alex_id, lucia_id] {
        assert!(
            log.contains(&format!(":{agent}>")),
            "no allocation for agent {agent}:\n{log}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_turn_server_that_refuses_the_hubs_credentials_stops_the_call_before_it_rings() {
    let turn = Coturn::start(Auth::Secret("the TURN server's secret"));
    let home = tempfile::tempdir().unwrap();
    let Demo {
        hub,
        alex,
        lucia_id,
        _embedded: _hub_running,
        ..
    } = demo(home.path(), &turn, "a secret rotated on one side only").await;
    let speech = home.path().join("in.wav");
    switchboard_voice::wav::speak("Hello", &speech).unwrap();
    let audio = Audio {
        input_file: Some(speech),
        output_file: Some(home.path().join("out.wav")),
        ..Audio::default()
    };
    let dialled = call::dial(
        alex.hub.clone(),
        alex.token.clone(),
        Target::Agent(lucia_id),
        audio,
    )
    .await;
    let reason = match dialled {
        Err(Failure::NoRelay(reason)) => reason,
        Err(other) => panic!("expected a relay failure, got {other:?}"),
        Ok(_) => panic!("the call started without a relay"),
    };
    assert!(reason.contains("refused"), "{reason}");
    // Gathering comes before the hub is asked to ring anyone: Alex is free to call again.
    let boot = hub.bootstrap(&alex.token).await.unwrap();
    assert_eq!(boot.me.presence.status, StatusKey::available());
}
