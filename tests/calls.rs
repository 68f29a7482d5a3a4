//! The desktop's call path against the real built-in hub: Alex calls Lucía from the
//! workspace's engine (WAV files standing in for devices), Lucía answers, and Alex's speech
//! reaches her. A missing microphone stops the call before anyone's phone rings. And the
//! whole flow on the screens: Alex dials Lucía, she accepts, he hangs up — each workspace
//! fed by its real event stream, each task run as the app's runtime runs it.

#![cfg(feature = "builtin-hub")]
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use switchboard::call::{self, Audio, Failure};
use switchboard::screen::workspace::{Action, Message, Workspace, directory};
use switchboard::session::{self, Outcome, Session, Started};
use switchboard_client::Hub;
use switchboard_client::events::Update;
use switchboard_hub::demo::DEMO_PASSWORD;
use switchboard_protocol::{CallState, Id, Target};
use switchboard_voice::FRAME_SAMPLES;
use switchboard_voice::analysis::envelope_match;
use switchboard_voice::wav::{Sink, Source};

/// Silence before Alex speaks, in 20 ms frames.
const LEAD_IN_FRAMES: usize = 60;

fn samples_of(path: &Path) -> Vec<i16> {
    Source::open(path, false).unwrap().samples().to_vec()
}

/// The built-in demo hub with Alex signed in, and Lucía's id.
async fn demo(home: &Path) -> (Started, Session, Id) {
    let (started, alex, boot) = common::demo(home).await;
    let lucia = boot
        .agents
        .iter()
        .find(|a| a.name == "Lucía Fernández")
        .unwrap()
        .id;
    (started, alex, lucia)
}

/// Lucía signs in to the same hub (her own session, beside Alex's).
async fn lucia_signs_in(hub: &Hub) -> (Session, switchboard_protocol::Bootstrap) {
    session::sign_in(
        hub.clone(),
        "lucia@acme.example",
        DEMO_PASSWORD,
        false,
        true,
        None,
    )
    .await
    .unwrap()
}

fn speak(text: &str, path: &Path) {
    switchboard_voice::wav::speak(text, path).expect("espeak-ng is installed by the test command");
}

#[tokio::test(flavor = "multi_thread")]
async fn alex_calls_lucia_from_the_workspace_engine_and_she_hears_him() {
    let home = tempfile::tempdir().unwrap();
    let (started, alex, lucia_id) = demo(home.path()).await;
    let hub = Hub::new(&started.builtin.as_ref().unwrap().url()).unwrap();
    let (lucia, _) = lucia_signs_in(&hub).await;

    let sentence = home.path().join("sentence.wav");
    speak(
        "Hi Lucia, I have a customer asking about a refund.",
        &sentence,
    );
    // Alex clears his throat first: his engine plays from the moment it starts, and Lucía's
    // starts listening a moment later (once she has answered). What she hears is compared
    // with the sentence, at whatever delay the silence left.
    let speech = home.path().join("alex.wav");
    let mut padded = Sink::create(&speech).unwrap();
    for _ in 0..LEAD_IN_FRAMES {
        padded.write(&[0; FRAME_SAMPLES]).unwrap();
    }
    for chunk in samples_of(&sentence).chunks(FRAME_SAMPLES) {
        let mut frame = [0; FRAME_SAMPLES];
        frame[..chunk.len()].copy_from_slice(chunk);
        padded.write(&frame).unwrap();
    }
    padded.finish().unwrap();
    let heard = home.path().join("lucia-heard.wav");

    let alex_audio = Audio {
        input_file: Some(speech.clone()),
        output_file: Some(home.path().join("alex-heard.wav")),
        ..Audio::default()
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
        ..Audio::default()
    };
    let (live, lucia_engine) =
        call::answer(hub.clone(), lucia.token.clone(), ringing.id, lucia_audio)
            .await
            .unwrap();
    assert_eq!(live.state, CallState::Live);

    // Wait (polling) until Lucía's recording holds the whole sentence and a little more.
    let spoken = samples_of(&sentence);
    let wanted = (samples_of(&speech).len() + 40 * FRAME_SAMPLES) as u64 * 2;
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(&heard).map(|m| m.len()).unwrap_or(0) < wanted {
        assert!(Instant::now() < deadline, "Lucía's audio stalled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    hub.hang_up(&alex.token, live.id).await.unwrap();
    drop(alex_engine);
    drop(lucia_engine);

    let received = samples_of(&heard);
    let best = envelope_match(&spoken, &received, LEAD_IN_FRAMES + 20);
    eprintln!("desktop engine → hub → desktop engine: envelope correlation {best:.3}");
    // 0.95 on a quiet machine; a busy one (the other tests run alongside) conceals a few
    // late packets. Silence or another sound scores near 0.
    assert!(best > 0.8, "correlation {best:.3}");
}

#[tokio::test]
async fn a_missing_microphone_stops_the_call_before_anything_rings() {
    let home = tempfile::tempdir().unwrap();
    let (_hub_alive, alex, lucia_id) = demo(home.path()).await;
    let audio = Audio {
        input_file: Some(home.path().join("no-such-microphone.wav")),
        output_file: Some(home.path().join("out.wav")),
        ..Audio::default()
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

/// Feeds the workspace its stream until `done` holds (at most 20 s).
async fn until(
    ws: &mut Workspace,
    updates: &mut futures::channel::mpsc::Receiver<Update>,
    done: impl Fn(&Workspace) -> bool,
) {
    use futures::StreamExt;
    while !done(ws) {
        let update = tokio::time::timeout(Duration::from_secs(20), updates.next())
            .await
            .expect("the awaited event arrived")
            .expect("the stream runs");
        let action = ws.update(Message::Stream(update));
        common::settle(ws, vec![action]).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dial_an_agent_accept_and_hang_up_on_the_screens() {
    use switchboard::screen::workspace::phone::Call;
    let home = tempfile::tempdir().unwrap();
    let (started, alex, _) = demo(home.path()).await;
    let Outcome::SignedIn(_, alex_boot) = started.outcome.clone() else {
        unreachable!("demo() checked it");
    };
    let hub = Hub::new(&started.builtin.as_ref().unwrap().url()).unwrap();
    let (lucia, lucia_boot) = lucia_signs_in(&hub).await;
    let speech = home.path().join("speech.wav");
    speak(
        "Lucia, a quick question about the Northwind account.",
        &speech,
    );
    let audio = |heard: &str| Audio {
        input_file: Some(speech.clone()),
        output_file: Some(home.path().join(heard)),
        ..Audio::default()
    };
    let now = time::OffsetDateTime::now_utc();
    let mut alex_updates = common::stream(&alex, alex_boot.event_seq);
    let mut lucia_updates = common::stream(&lucia, lucia_boot.event_seq);
    let mut alex_ws = Workspace::new(alex.clone(), *alex_boot, now).with_audio(audio("alex.wav"));
    let mut lucia_ws = Workspace::new(lucia, lucia_boot, now).with_audio(audio("lucia.wav"));

    // Alex finds Lucía in Call an Agent and clicks Call.
    common::click(&mut alex_ws, "Call an Agent");
    alex_ws.update(Message::Directory(directory::Message::QueryChanged(
        "lucía".into(),
    )));
    let actions = common::click(&mut alex_ws, "Call");
    common::settle(&mut alex_ws, actions).await;
    assert!(matches!(alex_ws.call(), Some(Call::Ringing { .. })));
    assert!(common::shows(&alex_ws, "Calling Lucía Fernández…"));

    // It rings at Lucía's; she accepts.
    until(&mut lucia_ws, &mut lucia_updates, |ws| {
        matches!(ws.call(), Some(Call::Incoming { .. }))
    })
    .await;
    assert!(common::shows(&lucia_ws, "Incoming call from Alex Rivera"));
    let actions = common::click(&mut lucia_ws, "Accept");
    common::settle(&mut lucia_ws, actions).await;
    assert!(matches!(lucia_ws.call(), Some(Call::Live(_))));
    assert!(common::shows(&lucia_ws, "Hang up"));

    // Alex's screen follows: live, with its timer.
    until(&mut alex_ws, &mut alex_updates, |ws| {
        matches!(ws.call(), Some(Call::Live(_)))
    })
    .await;
    assert!(common::shows(&alex_ws, "00:00"));

    // Alex hangs up; both bars go away.
    let actions = common::click(&mut alex_ws, "Hang up");
    common::settle(&mut alex_ws, actions).await;
    assert!(alex_ws.call().is_none());
    until(&mut lucia_ws, &mut lucia_updates, |ws| ws.call().is_none()).await;
    assert!(!common::shows(&lucia_ws, "Hang up"));
}

#[tokio::test(flavor = "multi_thread")]
async fn notes_typed_before_the_app_is_killed_mid_call_come_back_and_reach_the_hub() {
    use switchboard::screen::workspace::phone::Call;
    use switchboard_client::notes::Drafts;
    let home = tempfile::tempdir().unwrap();
    let (started, alex, lucia_id) = demo(home.path()).await;
    let Outcome::SignedIn(_, alex_boot) = started.outcome.clone() else {
        unreachable!("demo() checked it");
    };
    let hub = Hub::new(&started.builtin.as_ref().unwrap().url()).unwrap();
    let (lucia, _) = lucia_signs_in(&hub).await;
    let speech = home.path().join("speech.wav");
    speak("Checking the refund for order one two three.", &speech);
    let audio = |heard: &str| Audio {
        input_file: Some(speech.clone()),
        output_file: Some(home.path().join(heard)),
        ..Audio::default()
    };
    let drafts_file = home.path().join("data").join("notes.sqlite3");
    let now = time::OffsetDateTime::now_utc();
    let mut updates = common::stream(&alex, alex_boot.event_seq);
    let mut alex_ws = Workspace::new(alex.clone(), *alex_boot, now)
        .with_audio(audio("alex.wav"))
        .with_drafts(Drafts::at(drafts_file.clone()));

    // Alex calls Lucía; she answers; Alex opens Notes and types.
    let action = alex_ws.update(Message::Phone(
        switchboard::screen::workspace::phone::Message::Dial {
            target: Target::Agent(lucia_id),
            name: "Lucía Fernández".into(),
        },
    ));
    common::settle(&mut alex_ws, vec![action]).await;
    let call_id = alex_ws.call().and_then(Call::id).unwrap();
    let (_live, lucia_engine) = call::answer(
        hub.clone(),
        lucia.token.clone(),
        call_id,
        audio("lucia.wav"),
    )
    .await
    .unwrap();
    until(&mut alex_ws, &mut updates, |ws| {
        matches!(ws.call(), Some(Call::Live(_)))
    })
    .await;
    common::click(&mut alex_ws, "Notes");
    let typed = "Refund for order 123 approved by Lucía";
    let mut pending = common::type_into(&mut alex_ws, "notes", typed);
    // Every keystroke reaches this computer's store; then the app is killed before the hub
    // hears of them (what would send them is dropped with the app).
    while !alex_ws.notes().saved_here() {
        let Some(Action::Run(task)) = pending.pop() else {
            continue;
        };
        for message in common::outputs(task).await {
            pending.push(alex_ws.update(message));
        }
    }
    assert!(!alex_ws.notes().synced());
    drop(pending);
    drop(alex_ws);
    drop(updates);
    // Lucía hangs up on the vanished agent; Alex is wrapping up at the hub.
    hub.hang_up(&lucia.token, call_id).await.unwrap();
    drop(lucia_engine);
    let mine = alex.hub.my_calls(&alex.token, 1).await.unwrap();
    assert_eq!(mine[0].id, call_id);
    assert!(
        mine[0].notes.is_empty(),
        "the hub has not heard of them yet"
    );

    // The app starts again: the notes are back in wrap-up, and reach the hub.
    let boot = alex.hub.bootstrap(&alex.token).await.unwrap();
    assert_eq!(
        boot.me.presence.status,
        switchboard_protocol::StatusKey::after_call_work()
    );
    let mut alex_ws = Workspace::new(alex.clone(), boot, time::OffsetDateTime::now_utc())
        .with_audio(audio("alex.wav"))
        .with_drafts(Drafts::at(drafts_file));
    let start = alex_ws.start();
    common::settle(&mut alex_ws, vec![Action::Run(start)]).await;
    assert!(common::shows(&alex_ws, "After-call work"));
    assert_eq!(alex_ws.notes().text().unwrap().trim_end(), typed);
    assert!(alex_ws.notes().synced());
    assert!(common::shows(&alex_ws, "Saved"));
    let mine = alex.hub.my_calls(&alex.token, 1).await.unwrap();
    assert_eq!(mine[0].notes.len(), 1);
    assert_eq!(mine[0].notes[0].notes.trim_end(), typed);
    assert_eq!(mine[0].notes[0].agent_name, "Alex Rivera");
}
