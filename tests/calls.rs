//! The desktop's call path against the real built-in hub: Alex calls Lucía from the
//! workspace's engine (WAV files standing in for devices), Lucía answers, and Alex's speech
//! reaches her. A missing microphone stops the call before anyone's phone rings.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use switchboard::call::{self, Audio, Failure};
use switchboard::session::{self, Outcome};
use switchboard_client::environment::Environment;
use switchboard_client::{Config, Hub};
use switchboard_hub::demo::DEMO_PASSWORD;
use switchboard_protocol::CallState;
use switchboard_voice::wav::Source;
use switchboard_voice::{FRAME_SAMPLES, Frame};

fn envelope(samples: &[i16]) -> Vec<f64> {
    samples
        .chunks(FRAME_SAMPLES)
        .map(|c| (c.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / c.len() as f64).sqrt())
        .collect()
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(a), mean(b));
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>();
    cov / (var(a, ma) * var(b, mb)).sqrt()
}

fn samples_of(path: &Path) -> Vec<i16> {
    let mut source = Source::open(path, false).unwrap();
    let mut all = Vec::new();
    let mut frame: Frame = [0; FRAME_SAMPLES];
    while !source.is_done() {
        source.read(&mut frame);
        all.extend_from_slice(&frame);
    }
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn alex_calls_lucia_from_the_workspace_engine_and_she_hears_him() {
    let home = tempfile::tempdir().unwrap();
    let started = session::start(
        Environment::portable(home.path().to_owned()),
        Config::default(),
        None,
    )
    .await;
    let Outcome::SignedIn(alex, boot) = started.outcome else {
        panic!("the demo agent is signed in");
    };
    let lucia_id = boot
        .agents
        .iter()
        .find(|a| a.name == "Lucía Fernández")
        .unwrap()
        .id;
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
    let (ringing, alex_engine) =
        call::dial(alex.hub.clone(), alex.token.clone(), lucia_id, alex_audio)
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
    let (a, b) = (envelope(&spoken), envelope(&received));
    let best = (0..b.len().saturating_sub(a.len()).min(80))
        .map(|lag| correlation(&a, &b[lag..]))
        .fold(f64::MIN, f64::max);
    eprintln!("desktop engine → hub → desktop engine: envelope correlation {best:.3}");
    assert!(best > 0.9, "correlation {best:.3}");
}

#[tokio::test]
async fn a_missing_microphone_stops_the_call_before_anything_rings() {
    let home = tempfile::tempdir().unwrap();
    let started = session::start(
        Environment::portable(home.path().to_owned()),
        Config::default(),
        None,
    )
    .await;
    let Outcome::SignedIn(alex, boot) = started.outcome else {
        panic!("the demo agent is signed in");
    };
    let lucia_id = boot
        .agents
        .iter()
        .find(|a| a.name == "Lucía Fernández")
        .unwrap()
        .id;
    let audio = Audio {
        input_file: Some(home.path().join("no-such-microphone.wav")),
        output_file: Some(home.path().join("out.wav")),
    };
    let failure = call::dial(alex.hub.clone(), alex.token.clone(), lucia_id, audio)
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
