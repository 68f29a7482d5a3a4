//! An agent calls a customer's phone (baresip) through the account's carrier: the number
//! rings, the phone answers, each hears the other, and the call is on record with the caller
//! ID presented. A number that rings out, and an agent who gives up while it rings, end the
//! call the way the agent expects.

#![allow(clippy::unwrap_used)]

mod common;
mod phone;

use std::net::SocketAddr;
use std::time::Duration;

use phone::free_port;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_hub::store::{Carrier, Transport};
use switchboard_protocol::{Call, CallOutcome, CallState, MediaAnswer};
use switchboard_voice::analysis::{envelope_match, tone_share};
use switchboard_voice::peer::Setup;
use switchboard_voice::recording::Recording;
use switchboard_voice::tone::Sine;
use switchboard_voice::wav::{self, Source};

/// A hub with a SIP trunk whose account alpha sends outside calls to `phone_port`.
async fn hub_with_carrier(phone_port: u16, ring_timeout: Duration) -> common::Hub {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let hub = common::start_with(|config| {
        config.sip.listen = Some(sip);
        config.sip.ring_timeout = ring_timeout;
    })
    .await;
    hub.state
        .store
        .set_carrier(&Carrier {
            account_id: hub.alpha,
            proxy: format!("127.0.0.1:{phone_port}"),
            transport: Transport::Udp,
            username: None,
            password: None,
            register: false,
        })
        .await
        .unwrap();
    hub.state
        .store
        .add_caller_id(hub.alpha, "+14155550100", "Main line")
        .await
        .unwrap();
    hub
}

/// The next news of a call, within `wait`.
#[tokio::test(flavor = "multi_thread")]
async fn an_agent_calls_a_customers_phone_and_they_talk() {
    let dir = tempfile::tempdir().unwrap();
    let (customer_said, customer_wav) =
        phone::speech(dir.path(), "Hello? Yes, this is Maria speaking.", 1);
    let (phone, port) = phone::answer(dir.path(), "+14155550123", &customer_wav, 10);
    let hub = hub_with_carrier(port, Duration::from_secs(30)).await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let mut events = hub.events(&ana, hub.bootstrap(&ana).await.event_seq).await;

    let agent_said = wav::speak(
        "Good morning Maria, I am calling about your order.",
        &dir.path().join("agent.wav"),
    )
    .unwrap();
    let agent_samples = agent_said.samples().to_vec();
    let (mut media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let response = hub
        .post(
            &ana,
            "/calls",
            json!({ "to_number": "(415) 555-0123", "offer": offer }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let placed: MediaAnswer = response.json().await.unwrap();
    assert_eq!(placed.call.state, CallState::Ringing);
    assert_eq!(placed.call.to.number.as_deref(), Some("+14155550123"));
    media.accept_answer(&placed.answer).unwrap();
    let heard = Recording::default();
    let (engine, _engine_events) = media
        .start(Box::new(agent_said), Box::new(heard.clone()))
        .unwrap();

    // News in order: calling, the phone rings (or answers straight away), live.
    let mut seen = Vec::new();
    let live = loop {
        let call = events.next_call(Duration::from_secs(10)).await;
        assert_eq!(call.id, placed.call.id);
        seen.push((call.state, call.alerting));
        if call.state == CallState::Live {
            break call;
        }
        assert_eq!(call.state, CallState::Ringing, "{seen:?}");
    };
    assert!(
        seen.contains(&(CallState::Ringing, true)),
        "the agent was told the phone rings: {seen:?}"
    );
    assert!(live.from.is(ana.id()));

    // The customer hangs up when baresip's time is up.
    let ended = loop {
        let call = events.next_call(Duration::from_secs(20)).await;
        if call.state == CallState::Ended {
            break call;
        }
    };
    assert_eq!(ended.outcome, Some(CallOutcome::Completed));
    engine.hang_up();
    let status = phone::exited(phone).await;
    assert!(status.success(), "baresip exited with {status}");

    let best = envelope_match(&customer_said, &heard.samples(), 120);
    eprintln!("customer (baresip, PCMU) → trunk → agent: envelope correlation {best:.3}");
    assert!(best > 0.7, "Ana heard the customer: {best:.3}");
    // The customer's phone showed the account's caller ID.
    let log = std::fs::read_to_string(dir.path().join("baresip.log")).unwrap();
    assert!(
        log.contains("from sip:+14155550100@"),
        "the caller ID reached the phone: {log}"
    );
    let dump = phone::heard(dir.path()).expect("baresip recorded the call");
    let heard_by_customer = Source::open(&dump, false).unwrap().samples().to_vec();
    let best = envelope_match(&agent_samples, &heard_by_customer, 120);
    eprintln!("agent → trunk → customer (baresip): envelope correlation {best:.3}");
    assert!(best > 0.7, "the customer heard Ana: {best:.3}");

    let (direction, to_number, caller_id, answered, outcome): (
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
    ) = sqlx::query_as(
        "SELECT direction, to_number, caller_id, answered_at, outcome FROM calls WHERE id = ?",
    )
    .bind(placed.call.id)
    .fetch_one(&hub.db)
    .await
    .unwrap();
    assert_eq!(
        (
            direction.as_str(),
            to_number.as_deref(),
            caller_id.as_deref()
        ),
        ("outbound", Some("+14155550123"), Some("+14155550100"))
    );
    assert!(answered.is_some());
    assert_eq!(outcome.as_deref(), Some("completed"));
}

/// A phone that rings and is never answered (baresip without auto-answer).
fn ringing_phone(dir: &std::path::Path) -> (std::process::Child, u16) {
    let (_, wav) = phone::speech(dir, "Hello.", 0);
    phone::ring(dir, "+14155550123", &wav, 30)
}

/// Ana (tone in, nothing kept) calls +1 415 555 0123 on a hub whose carrier is the phone at
/// `port`; her event stream, the call as placed, and her engine.
async fn ana_calls_the_ringing_phone(
    port: u16,
    ring_timeout: Duration,
) -> (
    common::Hub,
    common::Agent,
    common::Events,
    MediaAnswer,
    switchboard_voice::peer::Handle,
) {
    let hub = hub_with_carrier(port, ring_timeout).await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let events = hub.events(&ana, hub.bootstrap(&ana).await.event_seq).await;
    let (mut media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let placed: MediaAnswer = hub
        .post(
            &ana,
            "/calls",
            json!({ "to_number": "+14155550123", "offer": offer }),
        )
        .await
        .json()
        .await
        .unwrap();
    media.accept_answer(&placed.answer).unwrap();
    let (engine, _) = media
        .start(
            Box::new(Sine::new(440.0, 6000)),
            Box::new(Recording::default()),
        )
        .unwrap();
    (hub, ana, events, placed, engine)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_number_nobody_answers_ends_as_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (mut phone, port) = ringing_phone(dir.path());
    // The hub stays up until the call has ended.
    let (_hub, _ana, mut events, _placed, engine) =
        ana_calls_the_ringing_phone(port, Duration::from_secs(2)).await;
    let ended = loop {
        let call = events.next_call(Duration::from_secs(15)).await;
        if call.state == CallState::Ended {
            break call;
        }
    };
    assert_eq!(ended.outcome, Some(CallOutcome::NoAnswer));
    engine.hang_up();
    let _ = phone.kill();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_who_hangs_up_while_it_rings_cancels_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let (mut phone, port) = ringing_phone(dir.path());
    let (hub, ana, mut events, placed, engine) =
        ana_calls_the_ringing_phone(port, Duration::from_secs(30)).await;
    loop {
        let call = events.next_call(Duration::from_secs(10)).await;
        if call.alerting {
            break;
        }
    }
    let response = hub
        .post(
            &ana,
            &format!("/calls/{}/hangup", placed.call.id),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let ended: Call = response.json().await.unwrap();
    assert_eq!(ended.outcome, Some(CallOutcome::Cancelled));
    engine.hang_up();
    // The phone stops ringing: the CANCEL reached it and closed the call there.
    let log = dir.path().join("baresip.log");
    let mut closed = false;
    for _ in 0..100 {
        closed = std::fs::read_to_string(&log).is_ok_and(|log| log.contains("session closed"));
        if closed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = phone.kill();
    assert!(closed, "the phone stopped ringing");
}

/// A customer's call handed on to a partner's outside number: the partner's phone
/// (+14155550123, 700 Hz, hanging up after 10 s) behind the account's carrier, a customer
/// (300 Hz) calling +14155550100, and Ana (440 Hz) talking with them. Calls are recorded.
struct Handover {
    hub: common::Hub,
    ana: common::Agent,
    events: common::Events,
    call: Call,
    partner: std::process::Child,
    customer: std::process::Child,
    /// The customer's phone's folder.
    near: tempfile::TempDir,
    ana_heard: Recording,
    ana_engine: switchboard_voice::peer::Handle,
    _far: tempfile::TempDir,
}

async fn customer_with_ana_and_a_partner() -> Handover {
    let far = tempfile::tempdir().unwrap();
    let partner_tone = phone::tone(far.path(), "partner.wav", 700.0, 30);
    let (partner, port) = phone::answer(far.path(), "+14155550123", &partner_tone, 10);
    let hub = hub_with_carrier(port, Duration::from_secs(30)).await;
    hub.settings(hub.alpha, |s| {
        s.after_call_work = false;
        s.record_calls = true;
    })
    .await;
    let (ana, mut events) = hub.sales_line("ana@alpha.test", "ring_all").await;
    let near = tempfile::tempdir().unwrap();
    let sip = hub.state.config.sip.listen.unwrap();
    let customer = phone::customer(near.path(), sip);
    let call = events.rings(&ana).await;
    let (ana_engine, ana_heard) = hub.take(&ana, call.id, 440.0).await;
    common::heard_next(&ana_heard).await;
    Handover {
        hub,
        ana,
        events,
        call,
        partner,
        customer,
        near,
        ana_heard,
        ana_engine,
        _far: far,
    }
}

/// Quarters of a second of the recording where the customer and the partner are both heard.
fn customer_with_partner(recorded: &[i16]) -> usize {
    recorded
        .chunks(48_000 / 4)
        .filter(|q| tone_share(q, 700.0) > 0.2 && tone_share(q, 300.0) > 0.2)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_is_handed_on_to_an_outside_number() {
    let Handover {
        hub,
        ana,
        call,
        partner,
        customer,
        near,
        ana_engine,
        events: _events,
        ana_heard: _ana_heard,
        _far,
    } = customer_with_ana_and_a_partner().await;

    // A number that is not one is refused in words; the partner's is dialled.
    let transfer = format!("/calls/{}/transfer", call.id);
    let response = hub
        .post(&ana, &transfer, json!({ "to_number": "12" }))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let handed: Call = hub
        .post(&ana, &transfer, json!({ "to_number": "(415) 555-0123" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(handed.state, CallState::Ringing);
    assert_eq!(handed.to.number.as_deref(), Some("+14155550123"));
    assert!(!handed.involves(ana.id()), "Ana is off the call");
    ana_engine.hang_up();

    // The partner answers, talks, hangs up: the customer's call ends with it.
    let status = phone::exited(partner).await;
    assert!(status.success(), "the partner's phone exited with {status}");
    phone::hung_up(near.path(), customer).await;

    // The recording: Ana with the customer, then the partner with the customer.
    let recorded = hub.recording(&ana, call.id).await;
    let quarters: Vec<&[i16]> = recorded.chunks(48_000 / 4).collect();
    assert!(
        quarters.iter().any(|q| tone_share(q, 440.0) > 0.2),
        "Ana at first"
    );
    let talked = customer_with_partner(&recorded);
    assert!(
        talked >= 8,
        "the customer and the partner talked: {talked} quarters"
    );
    // The history says where Ana handed it.
    let recent: Vec<switchboard_protocol::CallRecord> =
        hub.get(&ana, "/me/calls").await.json().await.unwrap();
    assert_eq!(recent[0].id, call.id);
    let handed_to: Vec<Option<&str>> = recent[0]
        .transferred_to
        .iter()
        .map(|p| p.number.as_deref())
        .collect();
    assert_eq!(handed_to, [Some("+14155550123")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_consults_an_outside_number_then_hands_the_customer_to_it() {
    let Handover {
        hub,
        ana,
        mut events,
        call,
        partner,
        customer,
        near,
        ana_heard,
        ana_engine,
        _far,
    } = customer_with_ana_and_a_partner().await;

    // Ana consults the partner's number: the customer waits; she hears the partner.
    let consulting: Call = hub
        .post(
            &ana,
            &format!("/calls/{}/consult", call.id),
            json!({ "to_number": "(415) 555-0123" }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(consulting.consult_of, Some(call.id));
    assert_eq!(consulting.to.number.as_deref(), Some("+14155550123"));
    loop {
        let news = events.next_call(Duration::from_secs(10)).await;
        if news.id == consulting.id && news.state == CallState::Live {
            break;
        }
    }
    assert!(
        common::comes_to_hear(&ana_heard, 700.0).await,
        "Ana hears the partner"
    );

    // She hands the customer over; when the partner hangs up the customer's call ends too.
    let handed: Call = hub.act(&ana, call.id, "consult/complete").await;
    assert_eq!(handed.to.number.as_deref(), Some("+14155550123"));
    ana_engine.hang_up();
    let status = phone::exited(partner).await;
    assert!(status.success(), "the partner's phone exited with {status}");
    phone::hung_up(near.path(), customer).await;
    let talked = customer_with_partner(&hub.recording(&ana, call.id).await);
    assert!(
        talked >= 4,
        "the customer and the partner talked: {talked} quarters"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_handed_to_a_number_nobody_answers_comes_back_to_the_agent() {
    let far = tempfile::tempdir().unwrap();
    let (mut partner, port) = ringing_phone(far.path());
    let hub = hub_with_carrier(port, Duration::from_secs(2)).await;
    // Ana wraps up after each call: the customer comes back to her all the same.
    hub.settings(hub.alpha, |s| s.after_call_work = true).await;
    let (ana, mut events) = hub.sales_line("ana@alpha.test", "ring_all").await;
    let near = tempfile::tempdir().unwrap();
    let sip = hub.state.config.sip.listen.unwrap();
    let customer = phone::customer(near.path(), sip);
    let call = events.rings(&ana).await;
    let (ana_engine, _) = hub.take(&ana, call.id, 440.0).await;
    let handed: Call = hub
        .post(
            &ana,
            &format!("/calls/{}/transfer", call.id),
            json!({ "to_number": "+14155550123" }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(!handed.involves(ana.id()));
    ana_engine.hang_up();

    // The partner's phone rings out: the customer rings at Ana again, saying why.
    let back = events.rings(&ana).await;
    let returned = back.returned.expect("says it came back");
    assert_eq!(returned.to.number.as_deref(), Some("+14155550123"));
    assert_eq!(returned.outcome, CallOutcome::NoAnswer);
    let ana_now = hub.state.store.agent(hub.alpha, ana.id()).await.unwrap();
    assert_eq!(
        ana_now.status(),
        switchboard_protocol::StatusKey::after_call_work()
    );
    let (_ana_engine, ana_heard) = hub.take(&ana, call.id, 440.0).await;
    assert!(
        common::comes_to_hear(&ana_heard, 300.0).await,
        "Ana has the customer back"
    );
    let _ = partner.kill();
    hub.post(&ana, &format!("/calls/{}/hangup", call.id), json!({}))
        .await;
    phone::hung_up(near.path(), customer).await;
    // Nobody took it at the number: the history shows no transfer.
    let recent: Vec<switchboard_protocol::CallRecord> =
        hub.get(&ana, "/me/calls").await.json().await.unwrap();
    assert_eq!(recent[0].id, call.id);
    assert!(recent[0].transferred_to.is_empty());
}
