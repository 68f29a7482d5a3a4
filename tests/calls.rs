//! The desktop's call path against the real built-in hub: Alex calls Lucía from the
//! workspace's engine (WAV files standing in for devices), Lucía answers, and Alex's speech
//! reaches her. A missing microphone stops the call before anyone's phone rings.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use switchboard::call::{self, Audio, Failure};
use switchboard::session::{self, Outcome, Session, Started};
use switchboard_client::environment::Environment;
use switchboard_client::{Config, Hub};
use switchboard_hub::demo::DEMO_PASSWORD;
use switchboard_protocol::{CallState, Id, Target};
use switchboard_voice::FRAME_SAMPLES;
use switchboard_voice::analysis::envelope_match;
use switchboard_voice::wav::Source;

fn samples_of(path: &Path) -> Vec<i16> {
    Source::open(path, false).unwrap().samples().to_vec()
}

/// The built-in demo hub with Alex signed in, and Lucía's id.
async fn demo(home: &Path) -> (Started, Session, Id) {
    let started = session::start(
        Environment::portable(home.to_owned()),
        Config::default(),
        None,
    )
    .await;
    let Outcome::SignedIn(alex, boot) = started.outcome.clone() else {
        panic!("the demo agent is signed in");
    };
    let lucia = boot
        .agents
        .iter()
        .find(|a| a.name == "Lucía Fernández")
        .unwrap()
        .id;
    (started, alex, lucia)
}

#[tokio::test(flavor = "multi_thread")]
async fn alex_calls_lucia_from_the_workspace_engine_and_she_hears_him() {
    let home = tempfile::tempdir().unwrap();
    let (started, alex, lucia_id) = demo(home.path()).await;
    let hub = Hub::new(&started.builtin.as_ref().unwrap().url()).unwrap();
    let (lucia, _) = session::sign_in(
        hub.clone(),
        "lucia@acme.example",
        DEMO_PASSWORD,
        false,
        true,
        None,
    )
    .await
    .unwrap();

    let speech = home.path().join("alex.wav");
    let spoke = Command::new("espeak-ng")
        .arg("-w")
        .arg(&speech)
        .arg("Hi Lucia, I have a customer asking about a refund.")
        .status()
        .expect("espeak-ng is installed by the test command");
    assert!(spoke.success());
    let heard = home.path().join("lucia-heard.wav");

    let alex_audio = Audio {
        input_file: Some(speech.clone()),
        output_file: Some(home.path().join("alex-heard.wav")),
    };
    let (ringing, alex_engine) = call::dial(
        alex.hub.clone(),
        alex.token.clone(),
        Target::Agent(lucia_id),
        alex_audio,
    )
    .await
    .unwrap();
    assert_eq!(ringing.state, CallState::Ringing);
    let lucia_audio = Audio {
        input_file: Some(speech.clone()),
        output_file: Some(heard.clone()),
    };
    let (live, lucia_engine) =
        call::answer(hub.clone(), lucia.token.clone(), ringing.id, lucia_audio)
            .await
            .unwrap();
    assert_eq!(live.state, CallState::Live);

    // Wait (polling) until Lucía's recording holds the whole sentence and a little more.
    let spoken = samples_of(&speech);
    let wanted = (spoken.len() + 40 * FRAME_SAMPLES) as u64 * 2;
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(&heard).map(|m| m.len()).unwrap_or(0) < wanted {
        assert!(Instant::now() < deadline, "Lucía's audio stalled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    hub.hang_up(&alex.token, live.id).await.unwrap();
    drop(alex_engine);
    drop(lucia_engine);

    let received = samples_of(&heard);
    let best = envelope_match(&spoken, &received, 80);
    eprintln!("desktop engine → hub → desktop engine: envelope correlation {best:.3}");
    assert!(best > 0.9, "correlation {best:.3}");
}

#[tokio::test]
async fn a_missing_microphone_stops_the_call_before_anything_rings() {
    let home = tempfile::tempdir().unwrap();
    let (_hub_alive, alex, lucia_id) = demo(home.path()).await;
    let audio = Audio {
        input_file: Some(home.path().join("no-such-microphone.wav")),
        output_file: Some(home.path().join("out.wav")),
    };
    let failure = call::dial(
        alex.hub.clone(),
        alex.token.clone(),
        Target::Agent(lucia_id),
        audio,
    )
    .await
    .unwrap_err();
    assert!(matches!(failure, Failure::Audio(_)), "{failure:?}");
    let boot = alex.hub.bootstrap(&alex.token).await.unwrap();
    assert_eq!(
        boot.me.presence.status,
        switchboard_protocol::StatusKey::available(),
        "no call happened"
    );
}
