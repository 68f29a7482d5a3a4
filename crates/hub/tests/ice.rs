//! The STUN and TURN servers the hub hands its agents: only to signed-in agents, TURN REST
//! credentials made for each agent and expiring, and a hub behind NAT offering its public
//! address in every answer.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use serde_json::json;
use switchboard_hub::config::{IceServer, IceTransportPolicy};
use switchboard_protocol::{IceServers, MediaAnswer};
use switchboard_voice::peer::Setup;

#[tokio::test]
async fn agents_are_handed_the_servers_with_turn_credentials_of_their_own() {
    let hub = common::start_with(|config| {
        config.media.ice_servers = vec![
            IceServer {
                urls: vec!["stun:stun.acme.example:3478".into()],
                ..IceServer::default()
            },
            IceServer {
                urls: vec!["turn:turn.acme.example?transport=tcp".into()],
                username: Some("fixed".into()),
                credential: Some("fixed-password".into()),
                ..IceServer::default()
            },
            IceServer {
                urls: vec!["turn:relay.acme.example:3478".into()],
                shared_secret: Some("shared with the TURN server".into()),
                ..IceServer::default()
            },
        ];
        config.media.ice_transport_policy = IceTransportPolicy::Relay;
        config.media.turn_credential_ttl = Duration::from_secs(3600);
    })
    .await;

    // Nobody signed in learns the TURN credentials.
    let anonymous = hub
        .http
        .get(format!("{}/media/ice-servers", hub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let fetch = |agent| {
        let hub = &hub;
        async move {
            let response = hub.get(agent, "/media/ice-servers").await;
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<IceServers>().await.unwrap()
        }
    };
    let for_ana = fetch(&ana).await;
    let for_ben = fetch(&ben).await;
    assert_eq!(for_ana.ice_transport_policy, IceTransportPolicy::Relay);
    let [stun, fixed, rest] = &for_ana.ice_servers[..] else {
        panic!("three servers: {for_ana:?}");
    };
    assert_eq!(
        (stun.username.as_ref(), stun.credential.as_ref()),
        (None, None)
    );
    assert_eq!(fixed.username.as_deref(), Some("fixed"));
    assert_eq!(fixed.credential.as_deref(), Some("fixed-password"));

    // `<expiry>:<agent id>`, expiring after the configured lifetime.
    let username = rest.username.as_deref().unwrap();
    let (expiry, agent) = username.split_once(':').unwrap();
    assert_eq!(agent, ana.id().to_string());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expiry: u64 = expiry.parse().unwrap();
    assert!(
        (now + 3590..=now + 3610).contains(&expiry),
        "{expiry} vs {now}"
    );
    assert!(!rest.credential.as_deref().unwrap().is_empty());
    // Ben gets credentials of his own, not Ana's.
    assert_ne!(for_ben.ice_servers[2].username, rest.username);
    assert_ne!(for_ben.ice_servers[2].credential, rest.credential);
}

#[tokio::test]
async fn a_hub_behind_nat_offers_its_public_address_in_every_answer() {
    let hub = common::start_with(|config| {
        config.media.public_ip = Some("192.0.2.10".parse().unwrap());
    })
    .await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let (_media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let response = hub
        .post(
            &ana,
            "/calls",
            json!({ "to_agent": ben.id(), "offer": offer }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let answer: MediaAnswer = response.json().await.unwrap();
    let port = hub.state.media.addr().port();
    let candidates: Vec<&str> = answer
        .answer
        .lines()
        .filter(|l| l.starts_with("a=candidate:"))
        .collect();
    assert!(
        candidates
            .iter()
            .any(|c| c.contains(&format!("192.0.2.10 {port} typ srflx"))),
        "{candidates:?}"
    );
    assert!(
        candidates
            .iter()
            .any(|c| c.contains(&format!("127.0.0.1 {port} typ host"))),
        "{candidates:?}"
    );
}
