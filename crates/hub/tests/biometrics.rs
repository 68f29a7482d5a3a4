//! Voice biometrics through the whole pipeline: customers on real phones (baresip, PCMU)
//! speak in espeak-ng voices; the hub listens to the caller from the start of the call. An
//! agent enrols Olivia's voiceprint (with her consent) on one call; on the next, her voice
//! saying other things is authenticated, and another voice calling from her number is not.

#![allow(clippy::unwrap_used)]

mod common;
mod phone;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use phone::free_port;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_protocol::{Call, CallState, Event, VoiceCheck, VoiceStatus};

const OLIVIA: &str = "+14155550132";

/// Olivia (or someone else) calls the Sales line saying `text` in `voice`.
fn calls(dir: &Path, voice: &str, text: &str) -> std::process::Child {
    let sip = std::fs::read_to_string(dir.join("../sip")).unwrap();
    let (_, speech) = phone::speech_as(dir, voice, text, 0);
    phone::dial(dir, OLIVIA, &format!("sip:+14155550100@{sip}"), &speech, 40)
}

/// The next new call ringing at Ana (news of earlier ones, their identity say, may come
/// late).
async fn ringing(events: &mut common::Events, ana: &common::Agent, seen: &mut Vec<i64>) -> Call {
    loop {
        let envelope = events
            .try_next(Duration::from_secs(20))
            .await
            .expect("the call rang at Ana");
        if let Event::CallUpdated { call } = envelope.event
            && call.state == CallState::Ringing
            && call.rings_at(ana.id())
            && !seen.contains(&call.id)
        {
            seen.push(call.id);
            return *call;
        }
    }
}

/// Asks the hub (polling, as the desktop does) until it has heard `seconds` of speech.
async fn check_after(
    hub: &common::Hub,
    ana: &common::Agent,
    call: &Call,
    contact: i64,
    seconds: f32,
) -> VoiceCheck {
    let path = format!("/calls/{}/voice?contact={contact}", call.id);
    for _ in 0..300 {
        let check: VoiceCheck = hub.get(ana, &path).await.json().await.unwrap();
        if check.speech_seconds >= seconds {
            return check;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the hub never heard {seconds} s of speech");
}

/// Ana takes the call and hangs up: the phone gets its BYE.
async fn end(
    hub: &common::Hub,
    ana: &common::Agent,
    call: &Call,
    dir: &Path,
    phone: std::process::Child,
) {
    hub.take_and_hang_up(ana, call.id).await;
    phone::hung_up(dir, phone).await;
}

/// What is said on the later calls, in Olivia's voice and in someone else's: other words than
/// those she enrolled with.
const LATER_CALL: &str = "Could you please tell me when the engineer will arrive, since I \
     need to be at home. I would also like to change the address for my deliveries to the new \
     office.";

#[tokio::test(flavor = "multi_thread")]
async fn a_returning_customer_is_recognised_by_her_voice_and_someone_else_is_not() {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let hub = common::start_with(|config| config.sip.listen = Some(sip)).await;
    let store = &hub.state.store;
    hub.settings(hub.alpha, |s| {
        s.identity = true;
        s.after_call_work = false;
    })
    .await;
    let (ana, mut events) = hub.sales_line("ana@alpha.test", "ring_all").await;
    let olivia = store
        .contacts_by_phone(hub.alpha, OLIVIA)
        .await
        .unwrap()
        .remove(0);
    let zoe = hub.sign_in("zoe@beta.test").await;
    let mut seen = Vec::new();
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("sip"), sip.to_string()).unwrap();
    let phone_dir = |name: &str| {
        let dir = root.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    };

    // First call: nothing to compare with yet. With her consent, Ana keeps her voiceprint.
    let dir = phone_dir("first");
    let phone = calls(
        &dir,
        "en+f3",
        "Hello, I am calling about the invoice you sent me last week, because the amount looks wrong. \
         My account number is four five seven two, and I have been a customer for nine years.",
    );
    let call = ringing(&mut events, &ana, &mut seen).await;
    let early: VoiceCheck = hub
        .get(
            &ana,
            &format!("/calls/{}/voice?contact={}", call.id, olivia.id),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(early.status, VoiceStatus::NotEnrolled);
    let enrol = format!("/calls/{}/voiceprint", call.id);
    let response = hub
        .post(
            &ana,
            &enrol,
            json!({ "contact_id": olivia.id, "consent": false }),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "never without consent"
    );
    // Another account's agent reaches neither the call nor its audio.
    let response = hub
        .post(
            &zoe,
            &enrol,
            json!({ "contact_id": olivia.id, "consent": true }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let heard = check_after(&hub, &ana, &call, olivia.id, 6.0).await;
    assert_eq!(heard.status, VoiceStatus::NotEnrolled);
    let enrolled: VoiceCheck = hub
        .post(
            &ana,
            &enrol,
            json!({ "contact_id": olivia.id, "consent": true }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(enrolled.status, VoiceStatus::Enrolled);
    end(&hub, &ana, &call, &dir, phone).await;

    // She calls again and says other things: authenticated.
    let dir = phone_dir("again");
    let phone = calls(&dir, "en+f3", LATER_CALL);
    let call = ringing(&mut events, &ana, &mut seen).await;
    let check = check_after(&hub, &ana, &call, olivia.id, 6.0).await;
    eprintln!("Olivia again: {check:?}");
    assert_eq!(check.status, VoiceStatus::Authenticated);
    assert!(check.score.unwrap() >= check.threshold);
    end(&hub, &ana, &call, &dir, phone).await;

    // Someone else calls from her number: not authenticated.
    let dir = phone_dir("impostor");
    let phone = calls(&dir, "en+m3", LATER_CALL);
    let call = ringing(&mut events, &ana, &mut seen).await;
    let check = check_after(&hub, &ana, &call, olivia.id, 6.0).await;
    eprintln!("someone else on Olivia's number: {check:?}");
    assert_eq!(check.status, VoiceStatus::NotAuthenticated);
    assert!(check.score.unwrap() < check.threshold);

    // She withdraws her consent: the voiceprint is gone.
    let response = hub
        .delete(&ana, &format!("/contacts/{}/voiceprint", olivia.id))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let check: VoiceCheck = hub
        .get(
            &ana,
            &format!("/calls/{}/voice?contact={}", call.id, olivia.id),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(check.status, VoiceStatus::NotEnrolled);
    end(&hub, &ana, &call, &dir, phone).await;
}
