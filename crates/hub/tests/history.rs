//! What stays of calls: each agent's notes and disposition (newest revision wins, only for
//! the call's parties, only the account's dispositions), an agent's recent calls and a
//! contact's past interactions.

#![allow(clippy::unwrap_used)]

mod common;

use common::error_of;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_protocol::{
    CallNotes, CallOutcome, CallRecord, Direction, ErrorCode, Id, MAX_NOTES_CHARS, MediaAnswer,
};
use switchboard_voice::peer::Setup;

/// Ana calls Ben, Ben answers, Ana hangs up: the call's id.
async fn finished_call(hub: &common::Hub, ana: &common::Agent, ben: &common::Agent) -> Id {
    let loopback = "127.0.0.1:0".parse().unwrap();
    let (_ana_media, offer) = Setup::offer(loopback).unwrap();
    let started: MediaAnswer = hub
        .post(
            ana,
            "/calls",
            json!({ "to_agent": ben.id(), "offer": offer }),
        )
        .await
        .json()
        .await
        .unwrap();
    let (_ben_media, offer) = Setup::offer(loopback).unwrap();
    let response = hub
        .post(
            ben,
            &format!("/calls/{}/accept", started.call.id),
            json!({ "offer": offer }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = hub
        .post(
            ana,
            &format!("/calls/{}/hangup", started.call.id),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    started.call.id
}

#[tokio::test]
async fn each_party_keeps_notes_and_a_disposition_and_the_newest_wins() {
    let hub = common::start().await;
    let store = &hub.state.store;
    let sale = store.add_disposition(hub.alpha, "Sale").await.unwrap();
    let callback = store
        .add_disposition(hub.alpha, "Callback requested")
        .await
        .unwrap();
    let beta_only = store.add_disposition(hub.beta, "Refund").await.unwrap();
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let cy = hub.sign_in("cy@alpha.test").await;
    let zoe = hub.sign_in("zoe@beta.test").await;
    let call = finished_call(&hub, &ana, &ben).await;
    let path = format!("/calls/{call}/notes");

    let saved: CallNotes = hub
        .put(
            &ben,
            &path,
            json!({ "notes": "Wants the annual plan", "disposition_id": sale, "revision": 2 }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saved.notes, "Wants the annual plan");
    assert_eq!(saved.disposition.as_ref().unwrap().label, "Sale");
    assert_eq!(saved.agent_name, "Ben");

    // A late, older save (a retry from before) does not undo the newer one.
    let kept: CallNotes = hub
        .put(&ben, &path, json!({ "notes": "Wants", "revision": 1 }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (kept.notes.as_str(), kept.revision),
        ("Wants the annual plan", 2)
    );
    // Ana keeps her own.
    let response = hub
        .put(
            &ana,
            &path,
            json!({ "notes": "Transferred pricing question", "disposition_id": callback, "revision": 1 }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // Not a party, another account, another account's disposition, too long, no such call.
    let response = hub
        .put(&cy, &path, json!({ "notes": "x", "revision": 1 }))
        .await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::FORBIDDEN, ErrorCode::Forbidden)
    );
    let response = hub
        .put(&zoe, &path, json!({ "notes": "x", "revision": 1 }))
        .await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    let response = hub
        .put(
            &ben,
            &path,
            json!({ "notes": "x", "disposition_id": beta_only, "revision": 3 }),
        )
        .await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, ErrorCode::UnknownDisposition)
    );
    let response = hub
        .put(
            &ben,
            &path,
            json!({ "notes": "é".repeat(MAX_NOTES_CHARS + 1), "revision": 3 }),
        )
        .await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, ErrorCode::NotesTooLong)
    );
    let response = hub
        .put(
            &ben,
            "/calls/999999/notes",
            json!({ "notes": "x", "revision": 1 }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let mine: CallNotes = hub.get(&ben, &path).await.json().await.unwrap();
    assert_eq!(mine.notes, "Wants the annual plan");

    // Both see the call in Recent calls, with both agents' notes; Cy and Zoe do not.
    for agent in [&ana, &ben] {
        let recent: Vec<CallRecord> = hub.get(agent, "/me/calls").await.json().await.unwrap();
        assert_eq!(recent.len(), 1);
        let record = &recent[0];
        assert_eq!(record.id, call);
        assert_eq!(record.direction, Direction::Internal);
        assert_eq!(record.from.name, "Ana");
        assert_eq!(record.to.as_ref().unwrap().name, "Ben");
        assert_eq!(record.outcome, Some(CallOutcome::Completed));
        assert!(record.talk_seconds().is_some());
        let mut written: Vec<(String, String)> = record
            .notes
            .iter()
            .map(|n| (n.agent_name.clone(), n.disposition.clone().unwrap().label))
            .collect();
        written.sort();
        assert_eq!(
            written,
            [
                ("Ana".to_owned(), "Callback requested".to_owned()),
                ("Ben".to_owned(), "Sale".to_owned())
            ]
        );
    }
    for agent in [&cy, &zoe] {
        let recent: Vec<CallRecord> = hub.get(agent, "/me/calls").await.json().await.unwrap();
        assert!(recent.is_empty());
    }

    // A disposition taken off the list stays on the calls that used it.
    store.remove_disposition(hub.alpha, "Sale").await.unwrap();
    let labels: Vec<String> = hub
        .bootstrap(&ben)
        .await
        .dispositions
        .into_iter()
        .map(|d| d.label)
        .collect();
    assert_eq!(labels, ["Callback requested"]);
    let recent: Vec<CallRecord> = hub.get(&ben, "/me/calls").await.json().await.unwrap();
    assert!(
        recent[0]
            .notes
            .iter()
            .any(|n| n.disposition.as_ref().is_some_and(|d| d.label == "Sale"))
    );
    // Ben may keep it (saving his notes again) but nobody picks it anew.
    let response = hub
        .put(
            &ben,
            &path,
            json!({ "notes": "Annual plan, paid", "disposition_id": sale, "revision": 3 }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = hub
        .put(
            &ana,
            &path,
            json!({ "notes": "x", "disposition_id": sale, "revision": 2 }),
        )
        .await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, ErrorCode::UnknownDisposition)
    );
}

#[tokio::test]
async fn a_contact_history_holds_the_calls_of_their_numbers() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let zoe = hub.sign_in("zoe@beta.test").await;
    let store = &hub.state.store;
    let olivia = store
        .contacts_by_phone(hub.alpha, "+14155550132")
        .await
        .unwrap()
        .remove(0);
    // Olivia called the account and Ana answered; a stranger called too.
    let mut ids = Vec::new();
    for (number, at) in [
        ("+14155550132", 1_700_000_000_000_i64),
        ("+14155550999", 1_700_000_100_000),
    ] {
        let id: Id = sqlx::query_scalar(
            "INSERT INTO calls (account_id, direction, from_number, dialled, to_agent, started_at, answered_at, ended_at, outcome)
             VALUES (?, 'inbound', ?, '+14155550100', ?, ?, ?, ?, 'completed') RETURNING id",
        )
        .bind(hub.alpha)
        .bind(number)
        .bind(ana.id())
        .bind(at)
        .bind(at + 5_000)
        .bind(at + 65_000)
        .fetch_one(&hub.db)
        .await
        .unwrap();
        ids.push(id);
    }
    let response = hub
        .put(
            &ana,
            &format!("/calls/{}/notes", ids[0]),
            json!({ "notes": "Asked about delivery", "revision": 1 }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let history: Vec<CallRecord> = hub
        .get(&ana, &format!("/contacts/{}/calls", olivia.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    let call = &history[0];
    assert_eq!(call.direction, Direction::Inbound);
    assert_eq!(call.from.name, "Olivia Alpha");
    assert_eq!(call.phone_number(), Some("+14155550132"));
    assert_eq!(call.to.as_ref().unwrap().name, "Ana");
    assert_eq!(call.talk_seconds(), Some(60));
    assert_eq!(call.notes[0].notes, "Asked about delivery");

    // A call nobody answered has no party to write notes on it.
    let missed: Id = sqlx::query_scalar(
        "INSERT INTO calls (account_id, direction, from_number, started_at, ended_at, outcome)
         VALUES (?, 'inbound', '+14155550132', 1700000200000, 1700000210000, 'cancelled') RETURNING id",
    )
    .bind(hub.alpha)
    .fetch_one(&hub.db)
    .await
    .unwrap();
    let response = hub
        .put(
            &ana,
            &format!("/calls/{missed}/notes"),
            json!({ "notes": "x", "revision": 1 }),
        )
        .await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::FORBIDDEN, ErrorCode::Forbidden)
    );

    // Recent calls: newest first, the stranger by number.
    let recent: Vec<CallRecord> = hub
        .get(&ana, "/me/calls?limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].from.name, "+14155550999");

    // Another account's agent cannot read Olivia's history.
    let response = hub
        .get(&zoe, &format!("/contacts/{}/calls", olivia.id))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
