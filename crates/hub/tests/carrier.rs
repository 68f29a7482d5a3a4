//! A carrier that wants digest authentication, played by SIPp: the hub registers with the
//! account's credentials (and is refused with the wrong ones), answers the carrier's 407
//! challenge to an INVITE, presents the caller ID, and an agent reads "busy" when the
//! carrier says the number is busy.

#![allow(clippy::unwrap_used)]

mod common;
mod phone;

use std::net::SocketAddr;
use std::time::Duration;

use phone::free_port;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_hub::store::{Carrier, Transport};
use switchboard_protocol::{CallOutcome, CallState, Event, MediaAnswer};
use switchboard_voice::peer::Setup;
use switchboard_voice::recording::Recording;
use switchboard_voice::tone::Sine;

fn carrier(hub: &common::Hub, port: u16, password: &str) -> Carrier {
    Carrier {
        account_id: hub.alpha,
        proxy: format!("127.0.0.1:{port}"),
        transport: Transport::Udp,
        username: Some("acme".into()),
        password: Some(password.into()),
        register: true,
    }
}

async fn hub_with_trunk() -> common::Hub {
    let sip: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    common::start_with(|config| config.sip.listen = Some(sip)).await
}

/// Waits for SIPp to finish its one call; whether every step of the scenario matched.
async fn finished(sipp: std::process::Child) -> bool {
    phone::exited(sipp).await.success()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hub_registers_with_the_accounts_credentials() {
    let hub = hub_with_trunk().await;
    let trunk = hub.state.trunk.get().unwrap().clone();

    let dir = tempfile::tempdir().unwrap();
    let (sipp, port) = phone::carrier(dir.path(), "register.xml");
    let registration = tokio::time::timeout(
        Duration::from_secs(20),
        trunk.register(&carrier(&hub, port, "s3cret")),
    )
    .await
    .expect("the registrar answered");
    assert!(registration.is_ok(), "registered: {:?}", registration.err());
    assert!(finished(sipp).await, "SIPp saw the challenge answered");

    let dir = tempfile::tempdir().unwrap();
    let (sipp, port) = phone::carrier(dir.path(), "register.xml");
    let refused = tokio::time::timeout(
        Duration::from_secs(20),
        trunk.register(&carrier(&hub, port, "wrong")),
    )
    .await
    .expect("the registrar answered");
    assert!(refused.is_err(), "a wrong password is not registered");
    let _ = finished(sipp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_number_behind_a_challenging_carrier_reads_busy() {
    let hub = hub_with_trunk().await;
    let dir = tempfile::tempdir().unwrap();
    let (sipp, port) = phone::carrier(dir.path(), "invite-busy.xml");
    let mut carrier = carrier(&hub, port, "s3cret");
    carrier.register = false;
    hub.state.store.set_carrier(&carrier).await.unwrap();
    let store = &hub.state.store;
    store
        .add_caller_id(hub.alpha, "+14155550100", "Main line")
        .await
        .unwrap();
    store
        .add_caller_id(hub.alpha, "+14155550111", "Support line")
        .await
        .unwrap();
    let support = store.caller_ids(hub.alpha).await.unwrap()[1].id;
    // Ana may choose the caller ID; she presents the support line.
    let ana = hub.sign_in("ana@alpha.test").await;
    sqlx::query("UPDATE agents SET can_choose_caller_id = 1 WHERE id = ?")
        .bind(ana.id())
        .execute(&hub.db)
        .await
        .unwrap();
    let mut events = hub.events(&ana, hub.bootstrap(&ana).await.event_seq).await;

    let (mut media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let response = hub
        .post(
            &ana,
            "/calls",
            json!({ "to_number": "+14155550123", "caller_id": support, "offer": offer }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let placed: MediaAnswer = response.json().await.unwrap();
    media.accept_answer(&placed.answer).unwrap();
    let (engine, _) = media
        .start(
            Box::new(Sine::new(440.0, 6000)),
            Box::new(Recording::default()),
        )
        .unwrap();
    let ended = loop {
        let envelope = events
            .try_next(Duration::from_secs(20))
            .await
            .expect("the call's news arrived");
        if let Event::CallUpdated { call } = envelope.event
            && call.state == CallState::Ended
        {
            break call;
        }
    };
    assert_eq!(ended.outcome, Some(CallOutcome::Busy));
    engine.hang_up();
    assert!(finished(sipp).await, "SIPp accepted the digest answer");
    let log = std::fs::read_to_string(dir.path().join("sipp.log")).unwrap_or_default();
    assert!(
        log.contains("caller ID +14155550111"),
        "the chosen caller ID reached the carrier: {log}"
    );
}

/// Carriers can also come from the hub's configuration file: set at start; one naming an
/// account that does not exist stops the start with the reason.
#[tokio::test]
async fn carriers_in_the_configuration_file_are_set_at_start() {
    use switchboard_hub::config::CarrierConfig;
    let from_file = CarrierConfig {
        account: "Alpha".into(),
        proxy: "sip.carrier.example:5080".into(),
        transport: "tcp".into(),
        username: Some("acme".into()),
        password: Some("s3cret".into()),
        register: true,
    };
    let hub = common::start_with(|config| config.sip.carriers = vec![from_file.clone()]).await;
    let mut set = None;
    for _ in 0..200 {
        set = hub.state.store.carrier(hub.alpha).await.unwrap();
        if set.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let set = set.expect("the carrier was set at start");
    assert_eq!(set.proxy, "sip.carrier.example:5080");
    assert_eq!(set.transport, Transport::Tcp);
    assert!(set.register);
    assert_eq!(hub.state.store.carrier(hub.beta).await.unwrap(), None);

    // A carrier for an account nobody created: the hub does not start.
    let dir = tempfile::tempdir().unwrap();
    let mut config = switchboard_hub::Config {
        data_dir: dir.path().to_owned(),
        ..switchboard_hub::Config::default()
    };
    config.sip.carriers = vec![CarrierConfig {
        account: "Nobody".into(),
        ..from_file
    }];
    let store = switchboard_hub::Store::open(&config.database_path())
        .await
        .unwrap();
    let state = std::sync::Arc::new(
        switchboard_hub::AppState::new(config, store, Default::default()).unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let refused = switchboard_hub::serve(state, listener).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.to_string().contains("\"Nobody\"")),
        "{refused:?}"
    );
}
