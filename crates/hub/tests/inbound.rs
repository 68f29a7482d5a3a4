//! A customer on a real phone (baresip) calls one of the account's numbers through the SIP
//! trunk: the number's ring group offers the call to its Available agent, she accepts with
//! her engine and hears the caller; when the caller hangs up the call ends for her too and is
//! on record. A number no account has is refused with 404.

#![allow(clippy::unwrap_used)]

mod common;
mod phone;

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use phone::free_port;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_protocol::{Call, CallOutcome, CallState, Event, MediaAnswer, StatusKey};
use switchboard_voice::analysis::envelope_match;
use switchboard_voice::peer::Setup;
use switchboard_voice::recording::Recording;
use switchboard_voice::tone::Sine;

/// Ana, Available, is the Sales group, which +14155550100 rings; her event stream.
async fn ana_takes_sales_calls(hub: &common::Hub) -> (common::Agent, common::Events) {
    hub.sales_line("ana@alpha.test", "longest_idle").await
}

async fn next_call(events: &mut common::Events) -> Call {
    loop {
        if let Event::CallUpdated { call } = events.next().await.event {
            return *call;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_calls_the_number_and_the_ring_groups_agent_takes_it() {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let hub = common::start_with(|config| config.sip.listen = Some(sip)).await;
    let (ana, mut events) = ana_takes_sales_calls(&hub).await;

    let dir = tempfile::tempdir().unwrap();
    let (spoken, speech) = phone::speech(
        dir.path(),
        "Hi, I am calling because my invoice is wrong.",
        1,
    );
    let phone = phone::dial(
        dir.path(),
        "+442071838750",
        &format!("sip:+14155550100@{sip}"),
        &speech,
        9,
    );

    let offered = tokio::time::timeout(Duration::from_secs(10), next_call(&mut events))
        .await
        .expect("the call was offered to Ana");
    assert_eq!(offered.state, CallState::Ringing);
    assert_eq!(offered.offered_to, [ana.id()]);
    assert_eq!(offered.from.number.as_deref(), Some("+442071838750"));
    assert_eq!(offered.dialled.as_deref(), Some("+14155550100"));
    assert_eq!(offered.ring_group.as_deref(), Some("Sales"));
    assert!(
        offered.waiting_since.is_some(),
        "the caller's wait is on the offer"
    );

    // Offered is not answered: hanging up is not hers to do (decline is).
    let response = hub
        .post(&ana, &format!("/calls/{}/hangup", offered.id), json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);

    let (mut media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let response = hub
        .post(
            &ana,
            &format!("/calls/{}/accept", offered.id),
            json!({ "offer": offer }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let accepted: MediaAnswer = response.json().await.unwrap();
    assert_eq!(accepted.call.state, CallState::Live);
    assert!(accepted.call.to.is(ana.id()));
    assert_eq!(accepted.call.waiting_since, None, "no longer waiting");
    media.accept_answer(&accepted.answer).unwrap();
    let heard = Recording::default();
    let (engine, _engine_events) = media
        .start(Box::new(Sine::new(440.0, 6000)), Box::new(heard.clone()))
        .unwrap();

    // The caller hangs up when baresip's time is up: the call ends for Ana.
    let ended = loop {
        let envelope = events
            .try_next(Duration::from_secs(20))
            .await
            .expect("the caller's hang-up reached Ana");
        if let Event::CallUpdated { call } = envelope.event
            && call.state == CallState::Ended
        {
            break call;
        }
    };
    assert_eq!(ended.outcome, Some(CallOutcome::Completed));
    engine.hang_up();
    let status = phone::exited(phone).await;
    assert!(status.success(), "baresip exited with {status}");

    let best = envelope_match(&spoken, &heard.samples(), 120);
    eprintln!("customer (baresip, PCMU) → trunk → Ana: envelope correlation {best:.3}");
    assert!(best > 0.7, "Ana heard the customer: {best:.3}");

    let me = hub.bootstrap(&ana).await.me;
    assert_eq!(me.presence.status, StatusKey::after_call_work());
    let (direction, to_agent, dialled, answered): (
        String,
        Option<i64>,
        Option<String>,
        Option<i64>,
    ) = sqlx::query_as("SELECT direction, to_agent, dialled, answered_at FROM calls WHERE id = ?")
        .bind(offered.id)
        .fetch_one(&hub.db)
        .await
        .unwrap();
    assert_eq!(
        (direction.as_str(), to_agent, dialled.as_deref()),
        ("inbound", Some(ana.id()), Some("+14155550100"))
    );
    assert!(answered.is_some());
    // Where the caller joined the queue and how long they waited are kept with the call.
    let (place, waited): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT queue_position, waited_ms FROM calls WHERE id = ?")
            .bind(offered.id)
            .fetch_one(&hub.db)
            .await
            .unwrap();
    assert_eq!(place, Some(1));
    assert!(
        waited.is_some_and(|ms| (0..20_000).contains(&ms)),
        "{waited:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_number_no_account_has_is_refused() {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let _hub = common::start_with(|config| config.sip.listen = Some(sip)).await;
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(250)))
        .unwrap();
    let port = socket.local_addr().unwrap().port();
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
               m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    let invite = format!(
        "INVITE sip:+18005550199@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKnobody\r\nMax-Forwards: 70\r\n\
         From: <sip:+442071838750@127.0.0.1>;tag=x\r\nTo: <sip:+18005550199@127.0.0.1>\r\n\
         Call-ID: nobody@127.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:c@127.0.0.1:{port}>\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    );
    // Like any UA over UDP, resend until the trunk (still starting) answers.
    let mut statuses = Vec::new();
    let mut buf = [0u8; 4096];
    for _ in 0..20 {
        socket.send_to(invite.as_bytes(), sip).unwrap();
        if let Ok((n, _)) = socket.recv_from(&mut buf) {
            statuses.push(status_line(&buf[..n]));
            break;
        }
    }
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    while statuses.last().is_some_and(|s| s.starts_with("SIP/2.0 1")) {
        let Ok((n, _)) = socket.recv_from(&mut buf) else {
            break;
        };
        statuses.push(status_line(&buf[..n]));
    }
    assert_eq!(
        statuses.last().map(String::as_str),
        Some("SIP/2.0 404 Not Found"),
        "{statuses:?}"
    );
}

fn status_line(message: &[u8]) -> String {
    String::from_utf8_lossy(message)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// An account without automatic statuses: an agent's status stays Available through a call,
/// and once she hangs up the next customer is offered to her.
#[tokio::test(flavor = "multi_thread")]
async fn an_agent_who_hung_up_gets_the_next_caller_even_if_her_status_never_changed() {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let hub = common::start_with(|config| config.sip.listen = Some(sip)).await;
    let store = &hub.state.store;
    let mut settings = store.account(hub.alpha).await.unwrap().settings;
    settings.auto_on_call = false;
    settings.after_call_work = false;
    store
        .set_account_settings(hub.alpha, &settings)
        .await
        .unwrap();
    let (ana, mut events) = ana_takes_sales_calls(&hub).await;

    let dir = tempfile::tempdir().unwrap();
    let (_, speech) = phone::speech(dir.path(), "Hello there.", 1);
    let uri = format!("sip:+14155550100@{sip}");
    let first_dir = dir.path().join("first");
    std::fs::create_dir_all(&first_dir).unwrap();
    let mut first = phone::dial(&first_dir, "+442071838750", &uri, &speech, 30);
    let offered = next_call(&mut events).await;
    assert_eq!(offered.offered_to, [ana.id()]);
    let (mut media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let accepted: MediaAnswer = hub
        .post(
            &ana,
            &format!("/calls/{}/accept", offered.id),
            json!({ "offer": offer }),
        )
        .await
        .json()
        .await
        .unwrap();
    media.accept_answer(&accepted.answer).unwrap();
    let (engine, _) = media
        .start(
            Box::new(Sine::new(440.0, 6000)),
            Box::new(Recording::default()),
        )
        .unwrap();
    // Ana hangs up; her status was never touched.
    let response = hub
        .post(&ana, &format!("/calls/{}/hangup", offered.id), json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    engine.hang_up();
    assert_eq!(
        hub.bootstrap(&ana).await.me.presence.status,
        StatusKey::available()
    );

    // The next customer rings at her desk.
    let second_dir = dir.path().join("second");
    std::fs::create_dir_all(&second_dir).unwrap();
    let mut second = phone::dial(&second_dir, "+442071838751", &uri, &speech, 30);
    let next = loop {
        let call = next_call(&mut events).await;
        if call.id != offered.id && call.state == CallState::Ringing {
            break call;
        }
    };
    assert_eq!(next.offered_to, [ana.id()]);
    assert_eq!(next.from.number.as_deref(), Some("+442071838751"));
    for phone in [&mut first, &mut second] {
        let _ = phone.kill();
        let _ = phone.wait();
    }
}

/// A carrier refreshes the session of a caller waiting in the queue (a re-INVITE with the
/// same offer): the hub answers it with its SDP, the call carries on, and the caller's BYE
/// ends it — with no second BYE from the hub.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_refresh_mid_call_is_answered_and_the_call_carries_on() {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let hub = common::start_with(|config| config.sip.listen = Some(sip)).await;
    // Nobody takes it: the caller waits with music through the refresh.
    let (ana, _events) = ana_takes_sales_calls(&hub).await;
    hub.state
        .store
        .set_ring_group_member(hub.alpha, "Sales", ana.id(), false)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let scenario = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sipp/reinvite.xml");
    let status = tokio::process::Command::new("sipp")
        .arg("-sf")
        .arg(&scenario)
        .args(["-s", "+14155550100", &sip.to_string(), "-i", "127.0.0.1"])
        .args(["-p", &free_port().to_string(), "-m", "1", "-nostdin"])
        .args(["-timeout", "20s", "-timeout_error", "-trace_err"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .expect("SIPp (sip-tester) is installed by the test command");
    let errors = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>();
    assert!(status.success(), "the refresh was answered: {errors}");
    assert!(
        !errors.contains("BYE"),
        "no BYE after the caller's own: {errors}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_handed_back_to_a_queue_is_taken_there_by_another_agent() {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let hub = common::start_with(|config| config.sip.listen = Some(sip)).await;
    let store = &hub.state.store;
    let (ana, mut ana_events) = ana_takes_sales_calls(&hub).await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let support = store
        .create_ring_group(hub.alpha, "Support", "longest_idle")
        .await
        .unwrap();
    store
        .set_ring_group_member(hub.alpha, "Support", ben.id(), true)
        .await
        .unwrap();
    assert_eq!(
        hub.set_status(&ben, "available").await.status(),
        StatusCode::OK
    );
    let mut ben_events = hub.events(&ben, hub.bootstrap(&ben).await.event_seq).await;

    let dir = tempfile::tempdir().unwrap();
    let (spoken, speech) = phone::speech(
        dir.path(),
        "I was told you are the right team for a refund on my order.",
        3,
    );
    let phone = phone::dial(
        dir.path(),
        "+442071838750",
        &format!("sip:+14155550100@{sip}"),
        &speech,
        12,
    );
    let offered = tokio::time::timeout(Duration::from_secs(10), next_call(&mut ana_events))
        .await
        .expect("the call was offered to Ana");
    let (_ana_media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let response = hub
        .post(
            &ana,
            &format!("/calls/{}/accept", offered.id),
            json!({ "offer": offer }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let transfer = format!("/calls/{}/transfer", offered.id);

    // What cannot be: no target, two targets, a group of another account.
    let response = hub.post(&ana, &transfer, json!({})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = hub
        .post(
            &ana,
            &transfer,
            json!({ "to_agent": ben.id(), "to_group": support }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let beta_group = store
        .create_ring_group(hub.beta, "Beta desk", "ring_all")
        .await
        .unwrap();
    let response = hub
        .post(&ana, &transfer, json!({ "to_group": beta_group }))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Back to the Support queue: it rings at Ben, with music for the customer meanwhile.
    let handed: Call = hub
        .post(&ana, &transfer, json!({ "to_group": support }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(handed.state, CallState::Ringing);
    assert_eq!(handed.ring_group.as_deref(), Some("Support"));
    assert!(!handed.involves(ana.id()), "Ana left the call");
    let ringing = loop {
        let call = tokio::time::timeout(Duration::from_secs(10), next_call(&mut ben_events))
            .await
            .expect("the call was offered to Ben");
        if call.rings_at(ben.id()) {
            break call;
        }
    };
    assert_eq!(ringing.transferred_by.as_ref().unwrap().name, "Ana");
    let (mut media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let accepted: MediaAnswer = hub
        .post(
            &ben,
            &format!("/calls/{}/accept", ringing.id),
            json!({ "offer": offer }),
        )
        .await
        .json()
        .await
        .unwrap();
    media.accept_answer(&accepted.answer).unwrap();
    let heard = Recording::default();
    let (engine, _reports) = media
        .start(Box::new(Sine::new(440.0, 3000)), Box::new(heard.clone()))
        .unwrap();
    let status = phone::exited(phone).await;
    assert!(status.success(), "baresip exited with {status}");
    engine.hang_up();
    let best = envelope_match(&spoken, &heard.samples(), 300);
    eprintln!("customer → queue → Ben: envelope correlation {best:.3}");
    assert!(best > 0.7, "Ben heard the customer: {best:.3}");
    // On record: Ana handed it to the queue, Ben took it.
    let recent: Vec<switchboard_protocol::CallRecord> =
        hub.get(&ben, "/me/calls").await.json().await.unwrap();
    assert_eq!(recent[0].id, offered.id);
    let handed_to: Vec<&str> = recent[0]
        .transferred_to
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(handed_to, ["Ben"]);
    let response = hub
        .put(
            &ben,
            &format!("/calls/{}/notes", offered.id),
            json!({ "notes": "Refund approved", "revision": 1 }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "Ben took part");
}
