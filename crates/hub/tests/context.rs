//! Context from outside (F-21): a system holding one of the account's API keys attaches
//! what it knows to a live call, and the agents the call rings at see it at once. Keys of
//! another account, unknown keys and bad context are refused.

#![allow(clippy::unwrap_used)]

mod common;

use common::error_of;
use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_protocol::{Call, ContextItem, ErrorCode, Event, MediaAnswer};
use switchboard_voice::peer::Setup;

async fn post_with_key(hub: &common::Hub, key: &str, path: &str, body: Value) -> reqwest::Response {
    hub.http
        .post(format!("{}{path}", hub.url))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn item(key: &str, value: &str) -> ContextItem {
    ContextItem {
        key: key.into(),
        value: value.into(),
    }
}

#[tokio::test]
async fn an_outside_system_attaches_context_that_the_ringing_agent_sees() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let mut ben_events = hub.events(&ben, hub.bootstrap(&ben).await.event_seq).await;
    let (_media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let started: MediaAnswer = hub
        .post(
            &ana,
            "/calls",
            json!({ "to_agent": ben.id(), "offer": offer }),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/calls/{}/context", started.call.id);

    let crm = hub
        .state
        .store
        .create_api_key(hub.alpha, "CRM")
        .await
        .unwrap();
    let response = post_with_key(
        &hub,
        &crm,
        &path,
        json!({ "context": [
            { "key": "ticket", "value": "T-1042" },
            { "key": "tier", "value": "Gold" },
        ] }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    // A key already there takes the new value and keeps its place.
    let response = post_with_key(
        &hub,
        &crm,
        &path,
        json!({ "context": [{ "key": "tier", "value": "Platinum" }] }),
    )
    .await;
    let call: Call = response.json().await.unwrap();
    assert_eq!(
        call.context,
        [item("ticket", "T-1042"), item("tier", "Platinum")]
    );
    // Ben's desk rings with it.
    let seen = loop {
        if let Event::CallUpdated { call } = ben_events.next().await.event
            && call.context.len() == 2
            && call.context[1].value == "Platinum"
        {
            break *call;
        }
    };
    assert_eq!(seen.id, started.call.id);

    // An agent of the account may attach context too.
    let response = hub
        .post(
            &ana,
            &path,
            json!({ "context": [{ "key": "reason", "value": "Billing" }] }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (kept,): (Option<String>,) = sqlx::query_as("SELECT context FROM calls WHERE id = ?")
        .bind(started.call.id)
        .fetch_one(&hub.db)
        .await
        .unwrap();
    assert_eq!(
        kept.as_deref(),
        Some(r#"[["ticket","T-1042"],["tier","Platinum"],["reason","Billing"]]"#)
    );
}

#[tokio::test]
async fn other_accounts_unknown_keys_and_bad_context_are_refused() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let (_media, offer) = Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let started: MediaAnswer = hub
        .post(
            &ana,
            "/calls",
            json!({ "to_agent": ben.id(), "offer": offer }),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/calls/{}/context", started.call.id);
    let good = json!({ "context": [{ "key": "ticket", "value": "T-1" }] });

    // Beta's key does not reach Alpha's call: it is not found, as if it did not exist.
    let beta = hub
        .state
        .store
        .create_api_key(hub.beta, "CRM")
        .await
        .unwrap();
    let response = post_with_key(&hub, &beta, &path, good.clone()).await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    // Nor does Beta's agent.
    let zoe = hub.sign_in("zoe@beta.test").await;
    let response = hub.post(&zoe, &path, good.clone()).await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    // A made-up or revoked key is not signed in.
    let response = post_with_key(&hub, "sbk_made-up", &path, good.clone()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let alpha = hub
        .state
        .store
        .create_api_key(hub.alpha, "Old CRM")
        .await
        .unwrap();
    hub.state
        .store
        .revoke_api_key(hub.alpha, "Old CRM")
        .await
        .unwrap();
    let response = post_with_key(&hub, &alpha, &path, good.clone()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Bad pieces are refused whole; nothing was kept.
    let alpha = hub
        .state
        .store
        .create_api_key(hub.alpha, "CRM")
        .await
        .unwrap();
    let too_many: Vec<Value> = (0..51)
        .map(|i| json!({ "key": format!("k{i}"), "value": "v" }))
        .collect();
    for bad in [
        json!({ "context": [{ "key": "", "value": "x" }] }),
        json!({ "context": [{ "key": "k".repeat(65), "value": "x" }] }),
        json!({ "context": [{ "key": "note", "value": "x".repeat(1025) }] }),
        json!({ "context": too_many }),
        json!({ "context": "not a list" }),
    ] {
        let response = post_with_key(&hub, &alpha, &path, bad.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let (kept,): (Option<String>,) = sqlx::query_as("SELECT context FROM calls WHERE id = ?")
        .bind(started.call.id)
        .fetch_one(&hub.db)
        .await
        .unwrap();
    assert_eq!(kept, None);
    // A good piece still goes in afterwards (so the refusals were for the pieces).
    let response = post_with_key(&hub, &alpha, &path, good.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    // A call that is over takes no more context.
    let response = post_with_key(&hub, &alpha, "/calls/999/context", good).await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
}
