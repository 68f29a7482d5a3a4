//! Conversations on the real hub: one thread per contact under concurrency, replies that a
//! retry never doubles, statuses that only move forward, fresh episodes after resolution,
//! merging two contacts, and another account's threads out of reach.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{Agent, Events, Hub, error_of};
use reqwest::StatusCode;
use serde_json::json;
use switchboard_hub::conversation::Inbound;
use switchboard_hub::store::IdentityKind;
use switchboard_protocol::{
    Author, Channel, EpisodeState, ErrorCode, Event, Id, Message, MessagePage, MessageStatus,
    Thread,
};

/// A visitor's chat message, as the live chat channel hands it in.
fn chat(text: &str) -> Inbound {
    Inbound {
        channel: Channel::Chat,
        text: text.into(),
        automatic: false,
        group: None,
        provider_id: None,
        attachments: Vec::new(),
    }
}

/// Visitor `visitor` of Alpha's website writes `text`: their thread.
async fn visitor_writes(hub: &Hub, visitor: &str, text: &str) -> Thread {
    let (thread, _) = hub
        .state
        .conversations
        .inbound(
            hub.alpha,
            (IdentityKind::ChatVisitor, visitor),
            "Website visitor",
            chat(text),
        )
        .await
        .unwrap();
    thread
}

async fn count(hub: &Hub, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&hub.db).await.unwrap()
}

/// The next event on the stream that `pick` wants, skipping others (20 s at most).
async fn next_of<T>(events: &mut Events, pick: impl Fn(Event) -> Option<T>) -> T {
    loop {
        let envelope = events
            .try_next(Duration::from_secs(20))
            .await
            .expect("the event arrived");
        if let Some(found) = pick(envelope.event) {
            return found;
        }
    }
}

/// The conversations in `agent`'s inbox.
async fn inbox(hub: &Hub, agent: &Agent) -> Vec<Id> {
    let threads: Vec<Thread> = hub.get(agent, "/conversations").await.json().await.unwrap();
    threads.into_iter().map(|t| t.id).collect()
}

async fn resolve(
    hub: &Hub,
    agent: &Agent,
    thread: Id,
    disposition: Option<Id>,
) -> reqwest::Response {
    hub.post(
        agent,
        &format!("/conversations/{thread}/resolve"),
        json!({ "disposition_id": disposition }),
    )
    .await
}

async fn read(hub: &Hub, agent: &Agent, thread: Id, upto: Id) -> reqwest::Response {
    hub.post(
        agent,
        &format!("/conversations/{thread}/read"),
        json!({ "message_id": upto }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_first_messages_from_one_visitor_make_one_contact_and_one_thread() {
    let hub = common::start().await;
    let mut writers = Vec::new();
    for n in 0..100 {
        let conversations = hub.state.conversations.clone();
        let alpha = hub.alpha;
        writers.push(tokio::spawn(async move {
            conversations
                .inbound(
                    alpha,
                    (IdentityKind::ChatVisitor, "visitor-1"),
                    "Website visitor",
                    chat(&format!("hello {n}")),
                )
                .await
                .unwrap()
        }));
        // And twenty other visitors, five messages each, at the same time.
        let conversations = hub.state.conversations.clone();
        writers.push(tokio::spawn(async move {
            conversations
                .inbound(
                    alpha,
                    (IdentityKind::ChatVisitor, &format!("other-{}", n % 20)),
                    "Website visitor",
                    chat("hi"),
                )
                .await
                .unwrap()
        }));
    }
    let mut threads = std::collections::HashSet::new();
    for writer in writers {
        let (thread, message) = writer.await.unwrap();
        assert_eq!(message.thread_id, thread.id);
        threads.insert(thread.id);
    }
    assert_eq!(threads.len(), 21, "one thread per visitor");
    assert_eq!(
        count(
            &hub,
            "SELECT COUNT(*) FROM contacts WHERE name = 'Website visitor'"
        )
        .await,
        21
    );
    assert_eq!(
        count(
            &hub,
            "SELECT COUNT(*) FROM contact_identities WHERE kind = 'chat_visitor'"
        )
        .await,
        21
    );
    assert_eq!(count(&hub, "SELECT COUNT(*) FROM threads").await, 21);
    assert_eq!(
        count(&hub, "SELECT COUNT(*) FROM episodes WHERE state = 'open'").await,
        21,
        "one open episode each"
    );
    assert_eq!(count(&hub, "SELECT COUNT(*) FROM messages").await, 200);
    let thread = visitor_writes(&hub, "visitor-1", "still there?").await;
    assert_eq!(
        thread.unread, 101,
        "every message of theirs waits to be read"
    );
}

#[tokio::test]
async fn an_agents_reply_is_stored_once_however_often_it_is_sent() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let mut events = hub.events(&ana, 0).await;
    let thread = visitor_writes(&hub, "v-7", "Is my order shipped?").await;

    let inbox: Vec<Thread> = hub.get(&ana, "/conversations").await.json().await.unwrap();
    assert_eq!(inbox.iter().map(|t| t.id).collect::<Vec<_>>(), [thread.id]);
    let created = next_of(&mut events, |event| match event {
        Event::MessageCreated { message } => Some(*message),
        _ => None,
    })
    .await;
    assert_eq!(created.text, "Is my order shipped?");
    assert_eq!(created.author, Author::Contact);

    let path = format!("/conversations/{}/messages", thread.id);
    let body = json!({ "client_key": "k-1", "text": "Yes, it left today." });
    // The first attempt's answer was lost; the desktop sends again, twice at once.
    let (first, second, third) = tokio::join!(
        hub.post(&ana, &path, body.clone()),
        hub.post(&ana, &path, body.clone()),
        hub.post(&ana, &path, body.clone()),
    );
    let mut ids = Vec::new();
    for response in [first, second, third] {
        assert_eq!(response.status(), StatusCode::CREATED);
        let message: Message = response.json().await.unwrap();
        assert_eq!(message.status, MessageStatus::Accepted);
        assert_eq!(message.client_key.as_deref(), Some("k-1"));
        ids.push(message.id);
    }
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(
        count(
            &hub,
            "SELECT COUNT(*) FROM messages WHERE client_key = 'k-1'"
        )
        .await,
        1
    );
    let reply = next_of(&mut events, |event| match event {
        Event::MessageCreated { message } if message.author != Author::Contact => Some(*message),
        _ => None,
    })
    .await;
    assert_eq!(reply.id, ids[0]);
    assert!(
        events
            .try_next(Duration::from_millis(500))
            .await
            .is_none_or(|e| !matches!(e.event, Event::MessageCreated { .. })),
        "no second copy is announced"
    );

    // Answering took the conversation: it is Ana's, answered.
    let thread: Thread = hub
        .get(&ana, &format!("/conversations/{}", thread.id))
        .await
        .json()
        .await
        .unwrap();
    let episode = thread.episode.unwrap();
    assert_eq!(episode.assignee, Some(ana.id()));
    assert!(episode.first_response_at.is_some());

    // The same key for other words is refused; Ben cannot answer Ana's customer.
    let reused = hub
        .post(
            &ana,
            &path,
            json!({ "client_key": "k-1", "text": "Something else" }),
        )
        .await;
    assert_eq!(
        error_of(reused).await,
        (StatusCode::CONFLICT, ErrorCode::ClientKeyReused)
    );
    let bens = hub
        .post(&ben, &path, json!({ "client_key": "k-2", "text": "Hi!" }))
        .await;
    assert_eq!(
        error_of(bens).await,
        (StatusCode::CONFLICT, ErrorCode::AssignedToOther)
    );
    for (body, code) in [
        (
            json!({ "client_key": "k-3", "text": "  " }),
            ErrorCode::InvalidMessage,
        ),
        (
            json!({ "client_key": "k-3", "text": "x".repeat(10_001) }),
            ErrorCode::InvalidMessage,
        ),
        (
            json!({ "client_key": "", "text": "Hi" }),
            ErrorCode::InvalidClientKey,
        ),
        (
            json!({ "client_key": "has space", "text": "Hi" }),
            ErrorCode::InvalidClientKey,
        ),
    ] {
        let response = hub.post(&ana, &path, body).await;
        assert_eq!(error_of(response).await, (StatusCode::BAD_REQUEST, code));
    }
    // But Ben may leave a note for Ana.
    let note = hub
        .post(
            &ben,
            &format!("/conversations/{}/notes", thread.id),
            json!({ "client_key": "n-1", "text": "They called yesterday too." }),
        )
        .await;
    assert_eq!(note.status(), StatusCode::CREATED);
    let note: Message = note.json().await.unwrap();
    assert_eq!(note.channel, Channel::Note);
}

#[tokio::test]
async fn a_messages_status_only_moves_forward() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let thread = visitor_writes(&hub, "v-1", "Hello").await;
    let sent: Message = hub
        .post(
            &ana,
            &format!("/conversations/{}/messages", thread.id),
            json!({ "client_key": "k", "text": "Hi, how can I help?" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut events = hub.events(&ana, 0).await;
    let conversations = &hub.state.conversations;
    // Reports arrive twice and out of order.
    let reports = [
        (MessageStatus::Delivered, true),
        (MessageStatus::Sent, false),
        (MessageStatus::Delivered, false),
        (MessageStatus::Failed, false),
        (MessageStatus::Read, true),
        (MessageStatus::Delivered, false),
    ];
    for (status, moves) in reports {
        let changed = conversations
            .report(hub.alpha, sent.id, status, None)
            .await
            .unwrap();
        assert_eq!(changed.is_some(), moves, "{status:?}");
    }
    let page: MessagePage = hub
        .get(&ana, &format!("/conversations/{}/messages", thread.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.messages.last().unwrap().status, MessageStatus::Read);
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let update = next_of(&mut events, |event| match event {
            Event::MessageUpdated { message } => Some(message.status),
            _ => None,
        })
        .await;
        seen.push(update);
    }
    assert_eq!(seen, [MessageStatus::Delivered, MessageStatus::Read]);

    // A send that fails stays failed, with why.
    let other: Message = hub
        .post(
            &ana,
            &format!("/conversations/{}/messages", thread.id),
            json!({ "client_key": "k2", "text": "Are you there?" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let failed = conversations
        .report(
            hub.alpha,
            other.id,
            MessageStatus::Failed,
            Some("visitor left"),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.failure.as_deref(), Some("visitor left"));
    let late = conversations
        .report(hub.alpha, other.id, MessageStatus::Sent, None)
        .await
        .unwrap();
    assert!(late.is_none());
}

#[tokio::test]
async fn after_resolution_the_customer_opens_a_new_episode_but_an_auto_reply_does_not() {
    let hub = common::start().await;
    let store = &hub.state.store;
    let support = store
        .create_ring_group(hub.alpha, "Support", "longest_idle")
        .await
        .unwrap();
    let ana = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    store
        .set_ring_group_member(hub.alpha, "Support", ana.id(), true)
        .await
        .unwrap();
    let disposition = store.add_disposition(hub.alpha, "Solved").await.unwrap();
    let in_support = |text: &str| Inbound {
        group: Some(support),
        ..chat(text)
    };
    let conversations = &hub.state.conversations;
    let visitor = (IdentityKind::ChatVisitor, "v-9");
    let (thread, _) = conversations
        .inbound(
            hub.alpha,
            visitor,
            "Visitor",
            in_support("My invoice is wrong"),
        )
        .await
        .unwrap();
    let first = thread.episode.clone().unwrap();
    assert_eq!(first.group_id, Some(support));
    assert_eq!(first.assignee, None);

    // Waiting in Support: Ana's inbox shows it, Ben (not in Support) does not see it.
    assert_eq!(inbox(&hub, &ana).await, [thread.id]);
    assert!(inbox(&hub, &ben).await.is_empty());
    let take = hub
        .post(
            &ana,
            &format!("/conversations/{}/take", thread.id),
            json!({}),
        )
        .await;
    assert_eq!(take.status(), StatusCode::OK);
    let second_take = hub
        .post(
            &ben,
            &format!("/conversations/{}/take", thread.id),
            json!({}),
        )
        .await;
    assert_eq!(
        error_of(second_take).await,
        (StatusCode::CONFLICT, ErrorCode::AssignedToOther)
    );

    assert_eq!(
        error_of(resolve(&hub, &ana, thread.id, Some(disposition + 100)).await).await,
        (StatusCode::BAD_REQUEST, ErrorCode::UnknownDisposition)
    );
    let resolved: Thread = resolve(&hub, &ana, thread.id, Some(disposition))
        .await
        .json()
        .await
        .unwrap();
    let episode = resolved.episode.unwrap();
    assert_eq!(episode.state, EpisodeState::Resolved);
    assert_eq!(episode.disposition_id, Some(disposition));
    assert_eq!(
        error_of(resolve(&hub, &ana, thread.id, None).await).await,
        (StatusCode::CONFLICT, ErrorCode::NothingOpen)
    );
    assert!(inbox(&hub, &ana).await.is_empty());

    // An out-of-office answer from the customer's side opens nothing.
    let (after_auto, _) = conversations
        .inbound(
            hub.alpha,
            visitor,
            "Visitor",
            Inbound {
                automatic: true,
                ..in_support("I am away until Monday")
            },
        )
        .await
        .unwrap();
    assert_eq!(after_auto.episode.unwrap().id, first.id);

    // Their next own message does: a fresh episode, waiting again, in the same thread.
    let (again, message) = conversations
        .inbound(hub.alpha, visitor, "Visitor", in_support("One more thing"))
        .await
        .unwrap();
    assert_eq!(again.id, thread.id);
    let fresh = again.episode.unwrap();
    assert_ne!(fresh.id, first.id);
    assert_eq!(fresh.state, EpisodeState::Open);
    assert_eq!(fresh.assignee, None);
    assert_eq!(message.episode_id, Some(fresh.id));
    assert_eq!(inbox(&hub, &ana).await, [thread.id]);

    // Ana hands it to Ben with a note; the note is in the thread.
    let handed: Thread = hub
        .post(
            &ana,
            &format!("/conversations/{}/assign", thread.id),
            json!({ "agent_id": ben.id(), "note": "Billing question, over to you" }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(handed.episode.unwrap().assignee, Some(ben.id()));
    assert_eq!(
        handed.last_message.unwrap().text,
        "Billing question, over to you"
    );
    assert_eq!(inbox(&hub, &ben).await, [thread.id]);
    assert!(inbox(&hub, &ana).await.is_empty());
}

#[tokio::test]
async fn a_thread_is_read_a_page_at_a_time_and_read_positions_only_grow() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let mut thread = visitor_writes(&hub, "v-1", "message 0").await;
    for n in 1..120 {
        thread = visitor_writes(&hub, "v-1", &format!("message {n}")).await;
    }
    assert_eq!(thread.unread, 120);
    let path = format!("/conversations/{}/messages", thread.id);
    let newest: MessagePage = hub.get(&ana, &path).await.json().await.unwrap();
    assert_eq!(newest.messages.len(), 50);
    assert!(newest.more);
    assert_eq!(newest.messages.last().unwrap().text, "message 119");
    let mut texts: Vec<String> = newest.messages.iter().map(|m| m.text.clone()).collect();
    let mut before = newest.messages[0].id;
    loop {
        let page: MessagePage = hub
            .get(&ana, &format!("{path}?before={before}&limit=50"))
            .await
            .json()
            .await
            .unwrap();
        let mut older: Vec<String> = page.messages.iter().map(|m| m.text.clone()).collect();
        older.append(&mut texts);
        texts = older;
        before = page.messages[0].id;
        if !page.more {
            break;
        }
    }
    let expected: Vec<String> = (0..120).map(|n| format!("message {n}")).collect();
    assert_eq!(texts, expected);

    // A desktop that dropped the newest part of a long thread pages forward again.
    let oldest: MessagePage = hub
        .get(&ana, &format!("{path}?before={before}&limit=50"))
        .await
        .json()
        .await
        .unwrap();
    assert!(oldest.messages.is_empty() && !oldest.more);
    let mut after = before; // the id of message 0
    let mut forward = vec!["message 0".to_string()];
    loop {
        let page: MessagePage = hub
            .get(&ana, &format!("{path}?after={after}&limit=50"))
            .await
            .json()
            .await
            .unwrap();
        forward.extend(page.messages.iter().map(|m| m.text.clone()));
        if !page.more {
            break;
        }
        after = page.messages.last().unwrap().id;
    }
    assert_eq!(forward, expected);
    let both = hub
        .get(&ana, &format!("{path}?before={before}&after={before}"))
        .await;
    assert_eq!(both.status(), reqwest::StatusCode::BAD_REQUEST);

    let upto = newest.messages[9].id; // message 79
    let read_to: Thread = read(&hub, &ana, thread.id, upto)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read_to.unread, 40);
    let back: Thread = read(&hub, &ana, thread.id, upto - 30)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(back.unread, 40, "reading an older one changes nothing");
    assert_eq!(back.version, read_to.version);
}

#[tokio::test]
async fn merging_two_contacts_makes_one_thread_and_one_piece_of_work() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let conversations = &hub.state.conversations;
    // The same person, first on the website, then by email (not yet a channel: its
    // identity is enough here).
    let on_chat = visitor_writes(&hub, "v-grace", "Hi, I'm Grace").await;
    let (by_mail, _) = conversations
        .inbound(
            hub.alpha,
            (IdentityKind::Email, "grace@example.com"),
            "Grace Hopper",
            Inbound {
                channel: Channel::Email,
                ..chat("About my order")
            },
        )
        .await
        .unwrap();
    assert_ne!(on_chat.id, by_mail.id);
    hub.post(
        &ana,
        &format!("/conversations/{}/take", on_chat.id),
        json!({}),
    )
    .await;
    let mut events = hub.events(&ana, 0).await;

    let merged = hub
        .post(
            &ana,
            &format!("/contacts/{}/merge", on_chat.contact_id),
            json!({ "from": by_mail.contact_id }),
        )
        .await;
    assert_eq!(merged.status(), StatusCode::OK);
    let merged: Thread = merged.json().await.unwrap();
    assert_eq!(merged.id, on_chat.id);
    let (from, into, thread) = next_of(&mut events, |event| match event {
        Event::ContactMerged { from, into, thread } => Some((from, into, thread)),
        _ => None,
    })
    .await;
    assert_eq!(
        (from, into, thread),
        (by_mail.contact_id, on_chat.contact_id, on_chat.id)
    );

    let page: MessagePage = hub
        .get(&ana, &format!("/conversations/{}/messages", merged.id))
        .await
        .json()
        .await
        .unwrap();
    let texts: Vec<&str> = page.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["Hi, I'm Grace", "About my order"]);
    assert_eq!(
        count(&hub, "SELECT COUNT(*) FROM episodes WHERE state = 'open'").await,
        1
    );
    assert_eq!(merged.episode.unwrap().assignee, Some(ana.id()));
    let gone = hub
        .get(&ana, &format!("/conversations/{}", by_mail.id))
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    // Her next email finds the surviving thread; her contact card has the address.
    let (next, _) = conversations
        .inbound(
            hub.alpha,
            (IdentityKind::Email, "grace@example.com"),
            "Grace Hopper",
            Inbound {
                channel: Channel::Email,
                ..chat("Any news?")
            },
        )
        .await
        .unwrap();
    assert_eq!(next.id, on_chat.id);
    let contact: switchboard_protocol::Contact = hub
        .get(&ana, &format!("/contacts/{}", on_chat.contact_id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(contact.emails, ["grace@example.com"]);
    let found: Vec<switchboard_protocol::Contact> = hub
        .get(&ana, "/contacts?q=Grace")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "the merged contact is no longer listed");

    let itself = hub
        .post(
            &ana,
            &format!("/contacts/{}/merge", on_chat.contact_id),
            json!({ "from": on_chat.contact_id }),
        )
        .await;
    assert_eq!(
        error_of(itself).await,
        (StatusCode::BAD_REQUEST, ErrorCode::SameContact)
    );
}

#[tokio::test]
async fn an_edited_contact_is_recognised_by_its_new_number_and_address_and_never_takes_anothers() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let zoe = hub.sign_in("zoe@beta.test").await;
    let chat_thread = visitor_writes(&hub, "v-ada", "Hello?").await;
    let mut events = hub.events(&ana, 0).await;
    let path = format!("/contacts/{}", chat_thread.contact_id);

    let edited = hub
        .put(
            &ana,
            &path,
            json!({
                "name": " Ada Lovelace ",
                "company": "Analytical Engines",
                "phones": [{ "number": "(415) 555-0199", "label": "mobile" }],
                "emails": ["Ada@Example.com"],
            }),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: switchboard_protocol::Contact = edited.json().await.unwrap();
    assert_eq!(edited.name, "Ada Lovelace");
    assert_eq!(edited.phones[0].number, "+14155550199");
    assert_eq!(edited.emails, ["Ada@Example.com"]);
    // Agents with her conversation open see the new name.
    let renamed = next_of(&mut events, |event| match event {
        Event::ThreadUpdated { thread } if thread.newer_than(&chat_thread) => Some(thread),
        _ => None,
    })
    .await;
    assert_eq!(renamed.id, chat_thread.id);
    assert_eq!(renamed.contact_name, "Ada Lovelace");

    // She writes by email and by SMS: the same thread.
    for (kind, value, channel) in [
        (IdentityKind::Email, "ada@example.com", Channel::Email),
        (IdentityKind::Phone, "+14155550199", Channel::Sms),
    ] {
        let (thread, _) = hub
            .state
            .conversations
            .inbound(
                hub.alpha,
                (kind, value),
                "Someone",
                Inbound {
                    channel,
                    ..chat("It's Ada")
                },
            )
            .await
            .unwrap();
        assert_eq!(thread.id, chat_thread.id, "{value}");
    }

    // Grace has her own number: Ada's card cannot take it, and is left as it was.
    let grace = hub
        .post(
            &ana,
            "/contacts",
            json!({ "name": "Grace", "phones": [{ "number": "+14155550123", "label": "" }] }),
        )
        .await;
    assert_eq!(grace.status(), StatusCode::CREATED);
    let taking = hub
        .put(
            &ana,
            &path,
            json!({ "name": "Ada", "phones": [{ "number": "+14155550123", "label": "" }] }),
        )
        .await;
    assert_eq!(
        error_of(taking).await,
        (StatusCode::CONFLICT, ErrorCode::IdentityTaken)
    );
    let unchanged: switchboard_protocol::Contact = hub.get(&ana, &path).await.json().await.unwrap();
    assert_eq!(unchanged.name, "Ada Lovelace");
    assert_eq!(unchanged.phones[0].number, "+14155550199");

    // Bad input is refused with its reason; another account's agent finds nothing.
    for (body, expected) in [
        (json!({ "name": "  " }), ErrorCode::ContactNameRequired),
        (
            json!({ "name": "Ada", "phones": [{ "number": "12", "label": "" }] }),
            ErrorCode::InvalidNumber,
        ),
        (
            json!({ "name": "Ada", "emails": ["not an email"] }),
            ErrorCode::InvalidEmail,
        ),
    ] {
        let refused = hub.put(&ana, &path, body).await;
        assert_eq!(error_of(refused).await, (StatusCode::BAD_REQUEST, expected));
    }
    let foreign = hub.put(&zoe, &path, json!({ "name": "Mine now" })).await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);

    // Her address dropped from the card: she is no longer recognised by it.
    let dropped = hub
        .put(
            &ana,
            &path,
            json!({ "name": "Ada Lovelace", "phones": [{ "number": "+14155550199", "label": "" }] }),
        )
        .await;
    assert_eq!(dropped.status(), StatusCode::OK);
    assert_eq!(
        count(
            &hub,
            "SELECT COUNT(*) FROM contact_identities WHERE value = 'ada@example.com'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn another_accounts_conversations_are_out_of_reach() {
    let hub = common::start().await;
    let zoe = hub.sign_in("zoe@beta.test").await;
    let mut zoes_events = hub.events(&zoe, 0).await;
    let thread = visitor_writes(&hub, "v-1", "Private question").await;
    let other = visitor_writes(&hub, "v-2", "Another").await;

    let inbox: Vec<Thread> = hub.get(&zoe, "/conversations").await.json().await.unwrap();
    assert!(inbox.is_empty());
    let id = thread.id;
    for path in [
        format!("/conversations/{id}"),
        format!("/conversations/{id}/messages"),
        format!("/contacts/{}/conversation", thread.contact_id),
    ] {
        let response = hub.get(&zoe, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for (path, body) in [
        (
            format!("/conversations/{id}/messages"),
            json!({ "client_key": "z", "text": "hi" }),
        ),
        (
            format!("/conversations/{id}/notes"),
            json!({ "client_key": "z2", "text": "hi" }),
        ),
        (format!("/conversations/{id}/take"), json!({})),
        (format!("/conversations/{id}/resolve"), json!({})),
        (
            format!("/conversations/{id}/read"),
            json!({ "message_id": 1 }),
        ),
        (
            format!("/contacts/{}/merge", thread.contact_id),
            json!({ "from": other.contact_id }),
        ),
    ] {
        let response = hub.post(&zoe, &path, body).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        count(&hub, "SELECT COUNT(*) FROM messages WHERE account_id = (SELECT id FROM accounts WHERE name = 'Beta')").await,
        0
    );
    // Nothing of Alpha's reached Zoe's stream.
    while let Some(envelope) = zoes_events.try_next(Duration::from_millis(500)).await {
        assert!(
            !matches!(
                envelope.event,
                Event::ThreadUpdated { .. }
                    | Event::MessageCreated { .. }
                    | Event::ContactMerged { .. }
            ),
            "{envelope:?}"
        );
    }
}

#[tokio::test]
async fn canned_replies_are_kept_by_admins_and_read_filled_in_for_the_conversation() {
    let hub = common::start().await;
    sqlx::query("UPDATE agents SET role = 'admin' WHERE email = 'cy@alpha.test'")
        .execute(&hub.db)
        .await
        .unwrap();
    let ana = hub.sign_in("ana@alpha.test").await;
    let cy = hub.sign_in("cy@alpha.test").await;
    let zoe = hub.sign_in("zoe@beta.test").await;
    let greeting = json!({ "text": "Hi {first_name}, {agent} here. How can I help?" });
    let by_agent = hub
        .put(&ana, "/canned-replies/greeting", greeting.clone())
        .await;
    assert_eq!(
        error_of(by_agent).await,
        (StatusCode::FORBIDDEN, ErrorCode::Forbidden)
    );
    let saved = hub.put(&cy, "/canned-replies/greeting", greeting).await;
    assert_eq!(saved.status(), StatusCode::OK);
    for (shortcut, text) in [
        ("greeting", "Hi {firstname}"),
        ("Bad Shortcut", "Hello"),
        ("empty", " "),
    ] {
        let refused = hub
            .put(
                &cy,
                &format!("/canned-replies/{shortcut}"),
                json!({ "text": text }),
            )
            .await;
        assert_eq!(
            error_of(refused).await,
            (StatusCode::BAD_REQUEST, ErrorCode::InvalidCannedReply),
            "{shortcut:?} {text:?}"
        );
    }
    hub.put(
        &cy,
        "/canned-replies/bye",
        json!({ "text": "Thanks, {contact}!" }),
    )
    .await;

    let (thread, _) = hub
        .state
        .conversations
        .inbound(
            hub.alpha,
            (IdentityKind::Email, "grace@example.com"),
            "Grace Hopper",
            Inbound {
                channel: Channel::Email,
                ..chat("Hello")
            },
        )
        .await
        .unwrap();
    let filled: Vec<switchboard_protocol::CannedReply> = hub
        .get(
            &ana,
            &format!("/conversations/{}/canned-replies", thread.id),
        )
        .await
        .json()
        .await
        .unwrap();
    let texts: Vec<(&str, &str)> = filled
        .iter()
        .map(|r| (r.shortcut.as_str(), r.text.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            ("bye", "Thanks, Grace Hopper!"),
            ("greeting", "Hi Grace, Ana here. How can I help?"),
        ]
    );
    // Another account has none of them, and cannot read them through Alpha's thread.
    let theirs: Vec<switchboard_protocol::CannedReply> =
        hub.get(&zoe, "/canned-replies").await.json().await.unwrap();
    assert!(theirs.is_empty());
    let through = hub
        .get(
            &zoe,
            &format!("/conversations/{}/canned-replies", thread.id),
        )
        .await;
    assert_eq!(through.status(), StatusCode::NOT_FOUND);

    let removed = hub.delete(&cy, "/canned-replies/bye").await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let again = hub.delete(&cy, "/canned-replies/bye").await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let left: Vec<switchboard_protocol::CannedReply> =
        hub.get(&ana, "/canned-replies").await.json().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        left[0].text,
        "Hi {first_name}, {agent} here. How can I help?"
    );
}

#[tokio::test]
async fn admins_make_chat_widgets_whose_secret_is_shown_once() {
    let hub = common::start().await;
    sqlx::query(
        "UPDATE agents SET role = 'admin' WHERE email IN ('cy@alpha.test', 'zoe@beta.test')",
    )
    .execute(&hub.db)
    .await
    .unwrap();
    let sales = hub
        .state
        .store
        .create_ring_group(hub.alpha, "Sales", "ring_all")
        .await
        .unwrap();
    let ana = hub.sign_in("ana@alpha.test").await;
    let cy = hub.sign_in("cy@alpha.test").await;
    let zoe = hub.sign_in("zoe@beta.test").await;
    let shop = json!({
        "name": "Shop",
        "origins": ["https://Shop.Example/", "http://localhost:8080"],
        "group_id": sales,
        "greeting": "Hi! How can we help?",
    });
    let by_agent = hub.post(&ana, "/widgets", shop.clone()).await;
    assert_eq!(
        error_of(by_agent).await,
        (StatusCode::FORBIDDEN, ErrorCode::Forbidden)
    );
    let made = hub.post(&cy, "/widgets", shop.clone()).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let made: switchboard_protocol::CreatedWidget = made.json().await.unwrap();
    assert_eq!(
        made.widget.origins,
        ["https://shop.example", "http://localhost:8080"]
    );
    assert_eq!(made.widget.group_id, Some(sales));
    assert!(made.secret.len() >= 40);
    // The website signs its users with the secret; the hub finds the widget by its public id.
    let (account, found, secret) = hub
        .state
        .store
        .widget_by_public_id(&made.widget.public_id)
        .await
        .unwrap();
    assert_eq!((account, &found), (hub.alpha, &made.widget));
    assert_eq!(secret, made.secret);

    let twice = hub.post(&cy, "/widgets", shop).await;
    assert_eq!(error_of(twice).await.0, StatusCode::CONFLICT);
    let bad = hub
        .post(
            &cy,
            "/widgets",
            json!({ "name": "Bad", "origins": ["https://shop.example/chat"] }),
        )
        .await;
    assert_eq!(
        error_of(bad).await,
        (StatusCode::BAD_REQUEST, ErrorCode::InvalidWidget)
    );
    // Another account's admin sees none of Alpha's widgets and cannot remove them; the list
    // never shows the secret.
    let listed = hub.get(&cy, "/widgets").await.text().await.unwrap();
    assert!(listed.contains(&made.widget.public_id) && !listed.contains(&made.secret));
    let theirs: Vec<switchboard_protocol::Widget> =
        hub.get(&zoe, "/widgets").await.json().await.unwrap();
    assert!(theirs.is_empty());
    let path = format!("/widgets/{}", made.widget.id);
    assert_eq!(
        hub.delete(&zoe, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hub.delete(&cy, &path).await.status(),
        StatusCode::NO_CONTENT
    );
    assert!(
        hub.state
            .store
            .widget_by_public_id(&made.widget.public_id)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn messages_and_notes_are_found_whatever_the_accents_and_only_in_ones_own_account() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let zoe = hub.sign_in("zoe@beta.test").await;
    let grace = visitor_writes(&hub, "v-1", "Tengo un problema con la facturación de marzo").await;
    visitor_writes(&hub, "v-2", "Where is my parcel?").await;
    hub.post(
        &ana,
        &format!("/conversations/{}/notes", grace.id),
        json!({ "client_key": "n", "text": "Facturacion: refund agreed, see ticket \"T-9\"" }),
    )
    .await;
    let found = search(&hub, &ana, "facturacion").await;
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found
            .iter()
            .all(|(contact, _)| *contact == grace.contact_id)
    );
    assert_eq!(search(&hub, &ana, "FACTURACIÓN marzo").await.len(), 1);
    assert_eq!(
        search(&hub, &ana, "parc").await.len(),
        1,
        "the start of a word"
    );
    assert_eq!(
        search(&hub, &ana, "ticket \"T-9").await.len(),
        1,
        "quotes are text"
    );
    // Search syntax in what people type is text too: no error, nothing with those words.
    assert!(search(&hub, &ana, "refund OR NEAR( *").await.is_empty());
    assert!(search(&hub, &ana, "!!! ???").await.is_empty());
    assert!(search(&hub, &ana, "invoice").await.is_empty());
    assert!(
        search(&hub, &zoe, "facturacion").await.is_empty(),
        "another account's"
    );
    let short = hub.get(&ana, "/conversations/search?q=ab").await;
    assert_eq!(
        error_of(short).await,
        (StatusCode::BAD_REQUEST, ErrorCode::InvalidSearch)
    );
}

/// What a search finds: whose and what.
async fn search(hub: &Hub, agent: &Agent, q: &str) -> Vec<(Id, String)> {
    let url = format!("/conversations/search?q={}", urlencode(q));
    let response = hub.get(agent, &url).await;
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    let hits: Vec<switchboard_protocol::SearchHit> = response.json().await.unwrap();
    hits.into_iter()
        .map(|hit| (hit.contact_id, hit.message.text))
        .collect()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
