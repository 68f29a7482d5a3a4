//! A customer on a real phone (baresip) goes through the number's call flow: hears the
//! menu, presses 2 and keys in an account number; the Support group's agent is offered the
//! call with that Context. A caller who presses nothing ends in voicemail, and the message
//! they speak is kept.

#![allow(clippy::unwrap_used)]

mod common;
mod phone;

use std::net::SocketAddr;
use std::time::Duration;

use phone::free_port;
use reqwest::StatusCode;
use switchboard_protocol::{Call, ContextItem, Event};
use switchboard_voice::analysis::envelope_match;
use switchboard_voice::wav::{self, Source};

const FLOW: &str = r##"
start = "menu"

[steps.menu]
gather = { prompt = "menu", timeout = "3s", attempts = 2, into = "choice" }
choices = { "1" = "sales", "2" = "account" }
no_input = "voicemail"

[steps.account]
gather = { prompt = "account", min_digits = 4, max_digits = 8, finish_on = "#", timeout = "5s", into = "account" }
next = "support"
no_input = "support"

[steps.sales]
route = "Sales"

[steps.support]
set = { department = "Support" }
next = "queue"

[steps.queue]
route = "Support"

[steps.voicemail]
voicemail = { max_length = "20s" }
"##;

/// A short menu that gives up at once: the caller who says nothing leaves a message.
const SHORT_MENU: &str = r##"
start = "menu"

[steps.menu]
gather = { prompt = "press-one", timeout = "1s", attempts = 1 }
choices = { "1" = "queue" }
no_input = "voicemail"

[steps.queue]
route = "Support"

[steps.voicemail]
voicemail = { max_length = "20s" }
"##;

/// A hub whose +14155550100 runs `flow`, with the Sales and Support groups.
async fn hub_with_flow(flow: &str) -> (common::Hub, SocketAddr, tempfile::TempDir) {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let hub = common::start_with(|config| config.sip.listen = Some(sip)).await;
    let store = &hub.state.store;
    let prompts = tempfile::tempdir().unwrap();
    for (name, said) in [
        ("menu", "For sales, press 1. For your account, press 2."),
        (
            "account",
            "Please key in your account number, then press hash.",
        ),
        ("press-one", "Press one."),
    ] {
        let path = prompts.path().join(format!("{name}.wav"));
        wav::speak(said, &path).unwrap();
        store
            .set_prompt(hub.alpha, name, &std::fs::read(&path).unwrap())
            .await
            .unwrap();
    }
    for group in ["Sales", "Support"] {
        store
            .create_ring_group(hub.alpha, group, "longest_idle")
            .await
            .unwrap();
    }
    store.set_flow(hub.alpha, "main", flow).await.unwrap();
    store
        .add_flow_number(hub.alpha, "+14155550100", "main", "Main line")
        .await
        .unwrap();
    (hub, sip, prompts)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_callers_menu_choice_and_account_number_reach_the_agent_as_context() {
    let (hub, sip, _prompts) = hub_with_flow(FLOW).await;
    let store = &hub.state.store;
    let ana = hub.sign_in("ana@alpha.test").await;
    store
        .set_ring_group_member(hub.alpha, "Support", ana.id(), true)
        .await
        .unwrap();
    assert_eq!(
        hub.set_status(&ana, "available").await.status(),
        StatusCode::OK
    );
    let mut events = hub.events(&ana, hub.bootstrap(&ana).await.event_seq).await;

    let dir = tempfile::tempdir().unwrap();
    let (_, speech) = phone::speech(dir.path(), "Hello.", 1);
    let mut phone = phone::dial_with_keypad(
        dir.path(),
        "+442071838750",
        &format!("sip:+14155550100@{sip}"),
        &speech,
        25,
    );
    assert!(phone::established(dir.path()).await, "the flow answered");
    // Pressed while the menu plays: it stops, and the account question follows.
    phone::press(&mut phone, "2").await;
    phone::press(&mut phone, "12345#").await;

    let offered: Call = loop {
        let envelope = events
            .try_next(Duration::from_secs(20))
            .await
            .expect("the call was offered to Ana");
        if let Event::CallUpdated { call } = envelope.event {
            break *call;
        }
    };
    assert_eq!(offered.offered_to, [ana.id()]);
    assert_eq!(offered.ring_group.as_deref(), Some("Support"));
    let item = |key: &str, value: &str| ContextItem {
        key: key.into(),
        value: value.into(),
    };
    assert_eq!(
        offered.context,
        [
            item("choice", "2"),
            item("account", "12345"),
            item("department", "Support")
        ]
    );
    let _ = phone.kill();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_who_presses_nothing_leaves_a_message_that_is_kept() {
    let (hub, sip, _prompts) = hub_with_flow(SHORT_MENU).await;
    let dir = tempfile::tempdir().unwrap();
    // Silence through the menu, the greeting and the tone, then the message.
    let (said, speech) = phone::speech(
        dir.path(),
        "Hi, this is Maria. Please call me back about my refund.",
        9,
    );
    let phone = phone::dial(
        dir.path(),
        "+442071838750",
        &format!("sip:+14155550100@{sip}"),
        &speech,
        17,
    );
    let status = phone::exited(phone).await;
    assert!(status.success(), "baresip exited with {status}");

    // The call ends as voicemail once the hub has the message.
    let mut voicemails = Vec::new();
    for _ in 0..100 {
        voicemails = hub.state.store.voicemails(hub.alpha).await.unwrap();
        if !voicemails.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let [message] = voicemails.as_slice() else {
        panic!("one message: {voicemails:?}");
    };
    assert_eq!(message.from_number.as_deref(), Some("+442071838750"));
    assert_eq!(message.dialled.as_deref(), Some("+14155550100"));
    let (outcome,): (Option<String>,) = sqlx::query_as("SELECT outcome FROM calls WHERE id = ?")
        .bind(message.call_id.unwrap())
        .fetch_one(&hub.db)
        .await
        .unwrap();
    assert_eq!(outcome.as_deref(), Some("voicemail"));
    let recorded = Source::open(std::path::Path::new(&message.path), false).unwrap();
    let best = envelope_match(&said, recorded.samples(), 120);
    eprintln!("caller → voicemail: envelope correlation {best:.3}");
    assert!(best > 0.6, "the message is what the caller said: {best:.3}");
}
