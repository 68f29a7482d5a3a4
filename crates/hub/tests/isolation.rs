//! An agent of one account never sees another account's data.

#![allow(clippy::unwrap_used)]

mod common;

use common::error_of;
use reqwest::StatusCode;
use switchboard_protocol::{AgentSummary, Contact, ErrorCode, Event};

#[tokio::test]
async fn objects_of_another_account_are_not_found() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let zoe = hub.sign_in("zoe@beta.test").await;

    // Zoe's directory is Beta only.
    let agents: Vec<AgentSummary> = hub.get(&zoe, "/agents").await.json().await.unwrap();
    assert_eq!(
        agents.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["Zoe"]
    );
    assert!(hub.bootstrap(&zoe).await.agents.is_empty());

    // Alpha's agent, by id, is "not found" for Zoe, exactly like an id that does not exist.
    let path = format!("/agents/{}", ana.id());
    assert_eq!(
        error_of(hub.get(&zoe, &path).await).await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    assert_eq!(hub.get(&ana, &path).await.status(), StatusCode::OK);

    // Contacts: Alpha's contact is invisible to Zoe by id, by search and by number.
    let alpha_contacts: Vec<Contact> = hub
        .get(&ana, "/contacts?q=olivia")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alpha_contacts.len(), 1);
    assert_eq!(alpha_contacts[0].name, "Olivia Alpha");
    let path = format!("/contacts/{}", alpha_contacts[0].id);
    assert_eq!(
        error_of(hub.get(&zoe, &path).await).await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    let beta_contacts: Vec<Contact> = hub
        .get(&zoe, "/contacts?q=olivia")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        beta_contacts
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["Olivia Beta"]
    );
    let found: Vec<Contact> = hub
        .get(&zoe, "/contacts/lookup?phone=%2B14155550132")
        .await
        .json()
        .await
        .unwrap();
    assert!(found.is_empty());
}

#[tokio::test]
async fn events_of_another_account_never_reach_the_stream() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let zoe = hub.sign_in("zoe@beta.test").await;
    let boot = hub.bootstrap(&zoe).await;
    let mut stream = hub.events(&zoe, boot.event_seq).await;

    hub.set_status(&ana, "away").await;
    hub.set_status(&zoe, "away").await;
    // The first event Zoe receives is her own change: Ana's, made before it, never arrived.
    let first = stream.next().await;
    match first.event {
        Event::PresenceChanged { agent_id, .. } => assert_eq!(agent_id, zoe.id()),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn lookup_reads_national_numbers_in_the_account_country() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let zoe = hub.sign_in("zoe@beta.test").await;
    let found: Vec<Contact> = hub
        .get(&ana, "/contacts/lookup?phone=(415)%20555-0132")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found[0].phones[0].number, "+14155550132");
    // Beta's country is Spain: a Spanish national number finds Beta's contact.
    let found: Vec<Contact> = hub
        .get(&zoe, "/contacts/lookup?phone=912%20345%20678")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found[0].name, "Olivia Beta");
    assert_eq!(
        error_of(hub.get(&ana, "/contacts/lookup?phone=not-a-number").await).await,
        (StatusCode::BAD_REQUEST, ErrorCode::InvalidNumber)
    );
}

/// An agent adds an unknown caller as a contact: the number is kept in E.164, the account's
/// integrations badge it, the next lookup finds it — and only in that account.
#[tokio::test]
async fn an_agent_adds_a_caller_as_a_contact_of_their_account_only() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let response = hub
        .post(
            &ana,
            "/contacts",
            serde_json::json!({
                "name": "  Grace Hopper ",
                "company": "Navy",
                "phones": [{ "number": "(415) 555-0177", "label": "Mobile" }],
                "emails": ["grace@navy.example"],
            }),
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    let grace: switchboard_protocol::Contact = response.json().await.unwrap();
    assert_eq!(grace.name, "Grace Hopper");
    assert_eq!(grace.phones[0].number, "+14155550177");
    assert_eq!(grace.badges[0].integration, "contacts");
    let found: Vec<switchboard_protocol::Contact> = hub
        .get(&ana, "/contacts/lookup?phone=%2B14155550177")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found, [grace]);
    let zoe = hub.sign_in("zoe@beta.test").await;
    let found: Vec<switchboard_protocol::Contact> = hub
        .get(&zoe, "/contacts/lookup?phone=%2B14155550177")
        .await
        .json()
        .await
        .unwrap();
    assert!(found.is_empty(), "another account does not see her");

    for bad in [
        serde_json::json!({ "name": " " }),
        serde_json::json!({ "name": "X", "phones": [{ "number": "12", "label": "" }] }),
        serde_json::json!({ "name": "X", "emails": ["not an email"] }),
        serde_json::json!({ "company": "no name" }),
    ] {
        let response = hub.post(&ana, "/contacts", bad.clone()).await;
        assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST, "{bad}");
    }
}
