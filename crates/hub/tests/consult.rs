//! Consult (warm) transfer with real media on every leg: a customer on a real phone
//! (baresip, playing a 300 Hz tone) talks with Ana (440 Hz); Ana consults Ben (700 Hz) while
//! the customer hears hold music; Ana and Ben hear each other; Ana completes the transfer and
//! the customer and Ben hear each other. Declined and cancelled consultations bring Ana
//! back to the customer.

#![allow(clippy::unwrap_used)]

mod common;
mod phone;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use phone::free_port;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_protocol::{Call, CallState, Event, MediaAnswer};
use switchboard_voice::FRAME_SAMPLES;
use switchboard_voice::peer::{Handle, Setup};
use switchboard_voice::recording::Recording;
use switchboard_voice::tone::Sine;

/// Share of `frequency` in the power of `samples` (48 kHz), by Goertzel.
fn share_of(samples: &[i16], rate: f64, frequency: f64) -> f64 {
    let k = 2.0 * (2.0 * std::f64::consts::PI * frequency / rate).cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for x in samples {
        let s = f64::from(*x) + k * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - k * s1 * s2;
    let total: f64 = samples.iter().map(|x| f64::from(*x).powi(2)).sum();
    2.0 * power / (samples.len() as f64 * total.max(1.0))
}

/// What an engine hears from now on, for half a second: whether `frequency` dominates it.
async fn hears(heard: &Recording, frequency: f64) -> bool {
    let from = heard.len();
    let wanted = from + 25 * FRAME_SAMPLES;
    let waiting = heard.clone();
    assert!(
        tokio::task::spawn_blocking(move || waiting.wait_for(wanted, Duration::from_secs(10)))
            .await
            .unwrap(),
        "the engine stopped hearing anything"
    );
    let samples = heard.samples();
    let share = share_of(&samples[from..wanted], 48_000.0, frequency);
    share > 0.5
}

/// An engine playing `tone` that answers `call` for `agent`.
async fn answer(
    hub: &common::Hub,
    agent: &common::Agent,
    call: &Call,
    tone: f64,
) -> (Handle, Recording) {
    let (mut media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let response = hub
        .post(
            agent,
            &format!("/calls/{}/accept", call.id),
            json!({ "offer": offer }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let accepted: MediaAnswer = response.json().await.unwrap();
    media.accept_answer(&accepted.answer).unwrap();
    let heard = Recording::default();
    let (engine, _reports) = media
        .start(Box::new(Sine::new(tone, 4000)), Box::new(heard.clone()))
        .unwrap();
    (engine, heard)
}

async fn rings(events: &mut common::Events, agent: &common::Agent) -> Call {
    loop {
        let envelope = events
            .try_next(Duration::from_secs(10))
            .await
            .expect("a call rang");
        if let Event::CallUpdated { call } = envelope.event
            && call.rings_at(agent.id())
        {
            return *call;
        }
    }
}

/// A WAV of a steady tone for the customer's phone (8 kHz, 40 s).
fn tone_file(dir: &Path, frequency: f64) -> std::path::PathBuf {
    let path = dir.join("customer.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&path, spec).unwrap();
    for n in 0..8_000 * 40 {
        let t = f64::from(n) / 8_000.0;
        writer
            .write_sample((5000.0 * (2.0 * std::f64::consts::PI * frequency * t).sin()) as i16)
            .unwrap();
    }
    writer.finalize().unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn ana_consults_ben_then_hands_him_the_customer() {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let hub = common::start_with(|config| config.sip.listen = Some(sip)).await;
    let store = &hub.state.store;
    let mut settings = store.account(hub.alpha).await.unwrap().settings;
    settings.after_call_work = false;
    settings.record_calls = true;
    store
        .set_account_settings(hub.alpha, &settings)
        .await
        .unwrap();
    store
        .create_ring_group(hub.alpha, "Sales", "ring_all")
        .await
        .unwrap();
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let cy = hub.sign_in("cy@alpha.test").await;
    store
        .set_ring_group_member(hub.alpha, "Sales", ana.id(), true)
        .await
        .unwrap();
    store
        .add_inbound_number(hub.alpha, "+14155550100", "Sales", "Main line")
        .await
        .unwrap();
    for agent in [&ana, &ben, &cy] {
        hub.set_status(agent, "available").await;
    }
    let mut ana_events = hub.events(&ana, hub.bootstrap(&ana).await.event_seq).await;
    let mut ben_events = hub.events(&ben, hub.bootstrap(&ben).await.event_seq).await;
    let mut cy_events = hub.events(&cy, hub.bootstrap(&cy).await.event_seq).await;

    let dir = tempfile::tempdir().unwrap();
    let customer_tone = tone_file(dir.path(), 300.0);
    let phone = phone::dial(
        dir.path(),
        "+442071838750",
        &format!("sip:+14155550100@{sip}"),
        &customer_tone,
        60,
    );
    let call = rings(&mut ana_events, &ana).await;
    let (_ana_engine, ana_heard) = answer(&hub, &ana, &call, 440.0).await;
    assert!(hears(&ana_heard, 300.0).await, "Ana hears the customer");
    let consult = format!("/calls/{}/consult", call.id);

    // Consulting someone on the call, or nobody, is refused.
    let response = hub.post(&ana, &consult, json!({})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Cy first: she declines; Ana is back with the customer.
    let response = hub
        .post(&ana, &consult, json!({ "to_agent": cy.id() }))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let consulting: Call = response.json().await.unwrap();
    assert_eq!(consulting.consult_of, Some(call.id));
    let again = hub
        .post(&ana, &consult, json!({ "to_agent": ben.id() }))
        .await;
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "one consultation at a time"
    );
    // The call and Cy's consultation are open; the refused one left nothing on record.
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE ended_at IS NULL")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(open, 2);
    let ringing = rings(&mut cy_events, &cy).await;
    assert_eq!(ringing.id, consulting.id);
    let response = hub
        .post(&cy, &format!("/calls/{}/decline", ringing.id), json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(hears(&ana_heard, 300.0).await, "back with the customer");
    // Cy again: Ana changes her mind while it rings.
    let response = hub
        .post(&ana, &consult, json!({ "to_agent": cy.id() }))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let ringing = rings(&mut cy_events, &cy).await;
    let back: Call = hub
        .post(
            &ana,
            &format!("/calls/{}/consult/cancel", call.id),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((back.state, back.consult), (CallState::Live, None));
    let stopped = loop {
        let envelope = cy_events.try_next(Duration::from_secs(5)).await.unwrap();
        if let Event::CallUpdated { call } = envelope.event
            && call.id == ringing.id
            && call.state == CallState::Ended
        {
            break *call;
        }
    };
    assert_eq!(
        stopped.outcome,
        Some(switchboard_protocol::CallOutcome::Cancelled)
    );
    assert!(
        hears(&ana_heard, 300.0).await,
        "back with the customer again"
    );

    // Ben: he answers, Ana and he talk while the customer waits with music.
    let consulting: Call = hub
        .post(&ana, &consult, json!({ "to_agent": ben.id() }))
        .await
        .json()
        .await
        .unwrap();
    let completing = format!("/calls/{}/consult/complete", call.id);
    let early = hub.post(&ana, &completing, json!({})).await;
    assert_eq!(
        early.status(),
        StatusCode::CONFLICT,
        "not before Ben answers"
    );
    let ringing = rings(&mut ben_events, &ben).await;
    assert_eq!(ringing.id, consulting.id);
    let (_ben_engine, ben_heard) = answer(&hub, &ben, &ringing, 700.0).await;
    assert!(hears(&ana_heard, 700.0).await, "Ana hears Ben");
    assert!(hears(&ben_heard, 440.0).await, "Ben hears Ana");

    // Ana completes: Ben and the customer talk, Ana is gone.
    let handed: Call = hub
        .post(&ana, &completing, json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(handed.state, CallState::Live);
    assert!(handed.involves(ben.id()) && !handed.involves(ana.id()));
    assert_eq!(handed.consult, None);
    assert!(hears(&ben_heard, 300.0).await, "Ben hears the customer");
    let merged = loop {
        let envelope = ben_events.try_next(Duration::from_secs(5)).await.unwrap();
        if let Event::CallUpdated { call } = envelope.event
            && call.id == consulting.id
            && call.state == CallState::Ended
        {
            break *call;
        }
    };
    assert_eq!(
        merged.merged_into,
        Some(call.id),
        "Ben's call continues as the customer's"
    );
    // Ana is off the phone; Ben is on it.
    let boot = hub.bootstrap(&cy).await;
    let status = |name: &str| {
        boot.agents
            .iter()
            .find(|a| a.name == name)
            .unwrap()
            .presence
            .status
            .clone()
    };
    assert_eq!(status("Ana"), switchboard_protocol::StatusKey::available());
    assert_eq!(status("Ben"), switchboard_protocol::StatusKey::on_call());

    // They talk a while (the phone's recording runs behind what it plays).
    for _ in 0..3 {
        assert!(
            hears(&ben_heard, 300.0).await,
            "Ben still hears the customer"
        );
    }
    // Ben hangs up: the customer's phone gets its BYE. What it heard: Ana, then music,
    // then Ben.
    hub.post(&ben, &format!("/calls/{}/hangup", call.id), json!({}))
        .await;
    phone::hung_up(dir.path(), phone).await;
    let heard = phone::heard(dir.path()).expect("baresip kept what it heard");
    let samples = switchboard_voice::wav::Source::open(&heard, false)
        .unwrap()
        .samples()
        .to_vec();
    let heard_ana = samples
        .chunks(48_000 / 4)
        .any(|chunk| share_of(chunk, 48_000.0, 440.0) > 0.5);
    assert!(heard_ana, "the customer heard Ana first");

    // What the customer was sent is in the call's recording (with their own tone): Ana at
    // first, nothing of the colleagues' consultation, Ben at the end.
    let recording = loop {
        let response = hub
            .get(&ben, &format!("/calls/{}/recording", call.id))
            .await;
        if response.status() == StatusCode::OK {
            break response.bytes().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let recorded = switchboard_voice::ogg_opus::decode(&recording).unwrap();
    let quarters: Vec<&[i16]> = recorded.chunks(48_000 / 4).collect();
    let share = |chunk: &&[i16], f| share_of(chunk, 48_000.0, f);
    assert!(share(&quarters[1], 440.0) > 0.2, "Ana first");
    assert!(
        // (The very end may hold the customer's last frames alone.)
        quarters
            .iter()
            .rev()
            .skip(2)
            .take(4)
            .all(|q| share(q, 700.0) > 0.2),
        "Ben last"
    );
    assert!(
        quarters
            .iter()
            .all(|q| share(q, 700.0) < 0.2 || share(q, 440.0) < 0.2),
        "never Ana and Ben together: the consultation was not recorded"
    );
}

/// Whether both tones are heard together (each a good part of the power).
async fn hears_both(heard: &Recording, a: f64, b: f64) -> bool {
    let from = heard.len();
    let wanted = from + 25 * FRAME_SAMPLES;
    let waiting = heard.clone();
    assert!(
        tokio::task::spawn_blocking(move || waiting.wait_for(wanted, Duration::from_secs(10)))
            .await
            .unwrap()
    );
    let samples = heard.samples();
    let part = &samples[from..wanted];
    share_of(part, 48_000.0, a) > 0.15 && share_of(part, 48_000.0, b) > 0.15
}

#[tokio::test(flavor = "multi_thread")]
async fn a_three_way_call_then_the_first_agent_leaves_it_to_the_colleague() {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let hub = common::start_with(|config| config.sip.listen = Some(sip)).await;
    let store = &hub.state.store;
    let mut settings = store.account(hub.alpha).await.unwrap().settings;
    settings.after_call_work = false;
    settings.record_calls = true;
    store
        .set_account_settings(hub.alpha, &settings)
        .await
        .unwrap();
    store
        .create_ring_group(hub.alpha, "Sales", "ring_all")
        .await
        .unwrap();
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    store
        .set_ring_group_member(hub.alpha, "Sales", ana.id(), true)
        .await
        .unwrap();
    store
        .add_inbound_number(hub.alpha, "+14155550100", "Sales", "Main line")
        .await
        .unwrap();
    for agent in [&ana, &ben] {
        hub.set_status(agent, "available").await;
    }
    let mut ana_events = hub.events(&ana, hub.bootstrap(&ana).await.event_seq).await;
    let mut ben_events = hub.events(&ben, hub.bootstrap(&ben).await.event_seq).await;
    let dir = tempfile::tempdir().unwrap();
    let customer_tone = tone_file(dir.path(), 300.0);
    let phone = phone::dial(
        dir.path(),
        "+442071838750",
        &format!("sip:+14155550100@{sip}"),
        &customer_tone,
        60,
    );
    let call = rings(&mut ana_events, &ana).await;
    let (_ana_engine, ana_heard) = answer(&hub, &ana, &call, 440.0).await;
    assert!(hears(&ana_heard, 300.0).await);
    let joining = format!("/calls/{}/consult/conference", call.id);
    let response = hub.post(&ana, &joining, json!({})).await;
    assert_eq!(
        response.status(),
        StatusCode::CONFLICT,
        "nobody to join yet"
    );
    let response = hub
        .post(
            &ana,
            &format!("/calls/{}/consult", call.id),
            json!({ "to_agent": ben.id() }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let ringing = rings(&mut ben_events, &ben).await;
    let (_ben_engine, ben_heard) = answer(&hub, &ben, &ringing, 700.0).await;
    assert!(hears(&ben_heard, 440.0).await, "Ben hears Ana");

    // All three: each agent hears the other two.
    let joined: Call = hub
        .post(&ana, &joining, json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert!(joined.conference);
    assert_eq!(joined.state, CallState::Live);
    assert!(
        hears_both(&ana_heard, 300.0, 700.0).await,
        "Ana hears the customer and Ben"
    );
    assert!(
        hears_both(&ben_heard, 300.0, 440.0).await,
        "Ben hears the customer and Ana"
    );

    // Ana hangs up: Ben carries on with the customer.
    let left: Call = hub
        .post(&ana, &format!("/calls/{}/hangup", call.id), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(left.state, CallState::Live);
    assert!(left.involves(ben.id()) && !left.involves(ana.id()) && !left.conference);
    assert!(
        hears(&ben_heard, 300.0).await,
        "Ben hears the customer alone"
    );
    hub.post(&ben, &format!("/calls/{}/hangup", call.id), json!({}))
        .await;
    phone::hung_up(dir.path(), phone).await;

    // What the customer was sent, kept in the recording: both agents during the
    // three-way call.
    let recording = loop {
        let response = hub
            .get(&ben, &format!("/calls/{}/recording", call.id))
            .await;
        if response.status() == StatusCode::OK {
            break response.bytes().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let recorded = switchboard_voice::ogg_opus::decode(&recording).unwrap();
    let three_way = recorded.chunks(48_000 / 4).any(|q| {
        [300.0, 440.0, 700.0]
            .iter()
            .all(|f| share_of(q, 48_000.0, *f) > 0.1)
    });
    assert!(three_way, "the customer heard Ana and Ben together");
}
