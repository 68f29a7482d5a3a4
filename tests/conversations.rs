//! The Conversations screen against the real built-in hub and its demo seed: the inbox, a
//! thread, the composer (Enter sends), and the outbox — a reply written while the hub is
//! unreachable waits on this computer, survives a restart and reaches the hub once, also when
//! the hub had stored it but its answer was lost.

#![cfg(feature = "builtin-hub")]
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use switchboard::screen::workspace::{Action, Message, View, Workspace, conversations};
use switchboard::session::{self, Session};
use switchboard_client::Hub;
use switchboard_client::api::conversations::{Kind, Page};
use switchboard_client::local::Local;
use switchboard_client::outbox::{self, Outbox};
use switchboard_protocol::{Bootstrap, Id, Thread};

use common::demo;

fn local(home: &Path) -> Local {
    Local::at(home.join("data").join("local.sqlite3"))
}

async fn thread_of(alex: &Session, name: &str) -> Thread {
    let inbox = alex.hub.inbox(&alex.token).await.unwrap();
    inbox.into_iter().find(|t| t.contact_name == name).unwrap()
}

/// The texts the hub holds in a thread, oldest first.
async fn texts_at_hub(alex: &Session, thread: Id) -> Vec<String> {
    let page = alex
        .hub
        .messages(&alex.token, thread, Page::Newest, 200)
        .await
        .unwrap();
    page.messages.into_iter().map(|m| m.text).collect()
}

/// The workspace of `session`, started (outbox sent, inbox fetched) on this home's store.
async fn started(home: &Path, session: &Session, boot: Bootstrap) -> Workspace {
    let mut ws = Workspace::new(session.clone(), boot, time::OffsetDateTime::now_utc())
        .with_local(local(home))
        .with_downloads(home.join("downloads"));
    let start = ws.start();
    common::settle(&mut ws, vec![Action::Run(start)]).await;
    ws
}

fn count(texts: &[String], text: &str) -> usize {
    texts.iter().filter(|t| *t == text).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_inbox_opens_a_thread_and_enter_sends_the_reply() {
    let home = tempfile::tempdir().unwrap();
    let (_started, alex, boot) = demo(home.path()).await;
    let mut ws = started(home.path(), &alex, boot).await;

    // Olivia waits in Support; Liam's chat is Alex's with two unread messages.
    assert!(common::shows(&ws, "Conversations (2)"));
    let actions = common::click(&mut ws, "Conversations (2)");
    common::settle(&mut ws, actions).await;
    assert!(common::shows(&ws, "Olivia Martin"));
    assert!(common::shows(&ws, "Accept"));
    assert!(common::shows(&ws, "Liam Johnson"));

    let actions = common::click(&mut ws, "Liam Johnson");
    common::settle(&mut ws, actions).await;
    assert!(common::shows(&ws, "Yes please, from next month."));
    assert!(common::shows(
        &ws,
        "Renewal date changes need a supervisor in the CRM."
    ));
    let liam = ws.conversations().open_thread().unwrap().clone();
    assert_eq!(liam.unread, 0, "opening the thread read it");

    let reply = "Done: your plan renews on the 1st from next month.";
    let actions = common::type_and_enter(&mut ws, "composer", reply);
    assert_eq!(
        ws.conversations().composer_text().trim(),
        "",
        "Enter sent it"
    );
    common::settle(&mut ws, actions).await;
    assert!(ws.conversations().outgoing().is_empty());
    assert!(common::shows(&ws, reply));
    assert!(!common::shows(&ws, "Not sent yet"));
    assert_eq!(count(&texts_at_hub(&alex, liam.id).await, reply), 1);

    // Shift+Enter is a new line, not a send; a note goes to colleagues only.
    // (The tab, not the "Note" label on the seeded note above it.)
    ws.update(Message::Conversations(conversations::Message::KindPicked(
        Kind::Note,
    )));
    let actions = common::type_into(&mut ws, "composer", "Checked the renewal date");
    common::settle(&mut ws, actions).await;
    let actions = common::click(&mut ws, "Send");
    common::settle(&mut ws, actions).await;
    let shown = ws.conversations().shown();
    let note = shown
        .iter()
        .find(|m| m.text == "Checked the renewal date")
        .unwrap();
    assert_eq!(note.channel, switchboard_protocol::Channel::Note);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_written_offline_goes_out_once_after_a_restart() {
    let home = tempfile::tempdir().unwrap();
    let (_started, alex, boot) = demo(home.path()).await;
    let liam = thread_of(&alex, "Liam Johnson").await;

    // The hub is unreachable: the same built-in session, but nobody answers.
    let offline = Session {
        hub: Hub::new("http://127.0.0.1:9").unwrap(),
        ..alex.clone()
    };
    let mut ws = Workspace::new(offline, boot.clone(), time::OffsetDateTime::now_utc())
        .with_local(local(home.path()));
    let actions = common::click(&mut ws, "Conversations");
    common::settle(&mut ws, actions).await;
    let action = ws.update(Message::Conversations(conversations::Message::ThreadFound(
        Ok(liam.clone()),
    )));
    common::settle(&mut ws, vec![action]).await;
    let stored_but_unanswered = "The refund is on its way.";
    let never_reached = "You will see it within three days.";
    for text in [stored_but_unanswered, never_reached] {
        let actions = common::type_and_enter(&mut ws, "composer", text);
        common::settle(&mut ws, actions).await;
    }
    assert!(common::shows(&ws, never_reached));
    assert!(common::shows(&ws, "Not sent yet"));
    assert_eq!(ws.conversations().outgoing().len(), 2);
    drop(ws);

    // The first one reached the hub, but its answer was lost before the app was closed.
    let outbox = Outbox::new(local(home.path()));
    let name = outbox::hub_name(&alex.hub, alex.builtin);
    let waiting = outbox.waiting(&name, boot.me.id).await.unwrap();
    assert_eq!(waiting.len(), 2, "both kept on this computer");
    alex.hub
        .write(&alex.token, liam.id, Kind::Reply, &waiting[0].body())
        .await
        .unwrap();

    // The app starts again with the hub back: each goes out, once.
    let boot = alex.hub.bootstrap(&alex.token).await.unwrap();
    let mut ws = started(home.path(), &alex, boot).await;
    let at_hub = texts_at_hub(&alex, liam.id).await;
    assert_eq!(count(&at_hub, stored_but_unanswered), 1);
    assert_eq!(count(&at_hub, never_reached), 1);
    assert!(
        outbox
            .waiting(&name, alex_id(&alex).await)
            .await
            .unwrap()
            .is_empty()
    );

    let navigate = ws.update(Message::Navigate(View::Conversations));
    let action = ws.update(Message::Conversations(conversations::Message::ThreadFound(
        Ok(liam),
    )));
    common::settle(&mut ws, vec![navigate, action]).await;
    assert!(common::shows(&ws, never_reached));
    assert!(!common::shows(&ws, "Not sent yet"));
    assert!(ws.conversations().outgoing().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_visitor_writing_on_the_website_waits_in_the_inbox_and_is_taken() {
    use futures::StreamExt;
    use serde_json::{Value, json};
    let home = tempfile::tempdir().unwrap();
    let (_started, alex, boot) = demo(home.path()).await;
    let support = boot
        .ring_groups
        .iter()
        .find(|g| g.name == "Support")
        .unwrap()
        .id;
    let mut updates = common::stream(&alex, boot.event_seq);
    let mut ws = started(home.path(), &alex, boot).await;
    let navigate = ws.update(Message::Navigate(View::Conversations));
    common::settle(&mut ws, vec![navigate]).await;
    assert!(common::shows(&ws, "Conversations (2)"));

    // Dana (an admin) puts a chat widget on the shop's website, routed to Support.
    let (dana, _) = session::sign_in(
        alex.hub.clone(),
        switchboard_hub::demo::DEMO_ADMIN_EMAIL,
        switchboard_hub::demo::DEMO_PASSWORD,
        false,
        true,
        None,
    )
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let api = format!("{}/api/v1", alex.hub.address());
    let made: Value = http
        .post(format!("{api}/widgets"))
        .bearer_auth(&dana.token)
        .json(&json!({ "name": "Shop", "origins": ["https://shop.example"], "group_id": support }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let widget = made["widget"]["public_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{made}"));

    // A visitor writes from the website.
    let site = alex.hub.address().to_owned();
    let started: Value = http
        .post(format!("{site}/widget/v1/session"))
        .json(&json!({ "widget": widget }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = started["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{started}"));
    let text = "Do you ship to the Canary Islands?";
    let written = http
        .post(format!("{site}/widget/v1/messages"))
        .bearer_auth(token)
        .json(&json!({ "key": "first", "text": text }))
        .send()
        .await
        .unwrap();
    assert!(written.status().is_success());

    // Alex's workspace hears of it from its event stream: it waits in the inbox.
    while !common::shows(&ws, "Conversations (3)") {
        let update = tokio::time::timeout(std::time::Duration::from_secs(30), updates.next())
            .await
            .expect("the hub's event arrived")
            .expect("the stream runs");
        let action = ws.update(Message::Stream(update));
        common::settle(&mut ws, vec![action]).await;
    }
    assert!(common::shows_containing(&ws, "Do you ship to the Canary"));
    let waiting = ws
        .conversations()
        .inbox()
        .iter()
        .find(|t| t.last_message.as_ref().is_some_and(|m| m.text == text))
        .unwrap();
    assert!(waiting.episode.as_ref().unwrap().assignee.is_none());
    let id = waiting.id;

    // Alex accepts it: it opens, and it is his.
    let action = ws.update(Message::Conversations(conversations::Message::Take(id)));
    common::settle(&mut ws, vec![action]).await;
    let open = ws.conversations().open_thread().unwrap();
    assert_eq!(open.id, id);
    assert_eq!(
        open.episode.as_ref().unwrap().assignee,
        Some(alex_id(&alex).await)
    );
    assert!(common::shows(&ws, text));
    assert!(common::shows(&ws, "Conversations (2)"), "no longer waiting");

    // The visitor sends a photo of the parcel: it shows in the thread, and Save puts the
    // same bytes in Alex's Downloads.
    let photo = b"\xff\xd8\xff\xe0\0\x10JFIF\0 a parcel, dented".to_vec();
    let uploaded: Value = http
        .post(format!("{site}/widget/v1/attachments"))
        .query(&[("name", "parcel.jpg")])
        .bearer_auth(token)
        .body(photo.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sent = http
        .post(format!("{site}/widget/v1/messages"))
        .bearer_auth(token)
        .json(&json!({ "key": "photo", "text": "", "attachments": [uploaded["id"]] }))
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success());
    let line = format!("parcel.jpg · {} B", photo.len());
    while !common::shows(&ws, &line) {
        let update = tokio::time::timeout(std::time::Duration::from_secs(30), updates.next())
            .await
            .expect("the hub's event arrived")
            .expect("the stream runs");
        let action = ws.update(Message::Stream(update));
        common::settle(&mut ws, vec![action]).await;
    }
    let actions = common::click(&mut ws, "Save");
    common::settle(&mut ws, actions).await;
    let saved = home.path().join("downloads").join("parcel.jpg");
    assert!(common::shows_containing(&ws, "Saved parcel.jpg to "));
    assert_eq!(std::fs::read(saved).unwrap(), photo);
}

async fn alex_id(alex: &Session) -> Id {
    alex.hub.bootstrap(&alex.token).await.unwrap().me.id
}

#[tokio::test(flavor = "multi_thread")]
async fn contacts_are_found_edited_merged_and_open_their_conversation() {
    use switchboard::screen::workspace::contacts::Found;
    let home = tempfile::tempdir().unwrap();
    let (_started, alex, boot) = demo(home.path()).await;
    let mut ws = started(home.path(), &alex, boot).await;

    let actions = common::click(&mut ws, "Contacts");
    common::settle(&mut ws, actions).await;
    let actions = common::type_into(&mut ws, "contacts-search", "No");
    common::settle(&mut ws, actions).await;
    assert!(common::shows(&ws, "Type at least 3 characters to search."));
    let actions = common::type_into(&mut ws, "contacts-search", "a");
    common::settle(&mut ws, actions).await;
    assert_eq!(ws.contacts().search().query, "Noa");
    assert!(common::shows(&ws, "Noah Brown"));
    let actions = common::click(&mut ws, "Noah Brown");
    common::settle(&mut ws, actions).await;
    assert!(common::shows(&ws, "Tailspin Toys"));
    assert!(common::shows(&ws, "+1 206-555-0118"));
    let noah = ws.contacts().contact().unwrap().id;

    // A second number, with its label.
    add_number(&mut ws, "contact-number-1", "(206) 555-0199", Some("Home")).await;
    assert!(common::shows(&ws, "+1 206-555-0199"));
    assert!(common::shows(&ws, "Home"));
    let at_hub = alex.hub.contact(&alex.token, noah).await.unwrap();
    let numbers: Vec<&str> = at_hub.phones.iter().map(|p| p.number.as_str()).collect();
    assert_eq!(numbers, ["+12065550118", "+12065550199"]);

    // Liam's number is Liam's: refused with the reason, and the form keeps what was typed.
    add_number(&mut ws, "contact-number-2", "(212) 555-0147", None).await;
    assert!(common::shows(
        &ws,
        "Another contact already has this number or address. Merge the two contacts instead."
    ));
    let actions = common::click(&mut ws, "Cancel");
    common::settle(&mut ws, actions).await;
    assert!(!common::shows(&ws, "+1 212-555-0147"));
    let at_hub = alex.hub.contact(&alex.token, noah).await.unwrap();
    assert_eq!(at_hub.phones.len(), 2);

    // Emma turns out to be Noah (a shared family account): merged, her address is his.
    let actions = common::click(&mut ws, "Merge with…");
    common::settle(&mut ws, actions).await;
    let actions = common::type_into(&mut ws, "contacts-merge-search", "Emma");
    common::settle(&mut ws, actions).await;
    let actions = common::click(&mut ws, "Emma Williams");
    common::settle(&mut ws, actions).await;
    assert!(common::shows(
        &ws,
        "Emma Williams will be merged into Noah Brown:"
    ));
    let actions = common::click(&mut ws, "Merge");
    common::settle(&mut ws, actions).await;
    assert!(common::shows(&ws, "emma.w@fabrikam.example"));
    assert!(common::shows(&ws, "noah.brown@tailspin.example"));
    assert_eq!(ws.contacts().contact().unwrap().id, noah);
    // Searching for her finds Noah (by her address), and Emma no more.
    let emma = alex.hub.search_contacts(&alex.token, "Emma").await.unwrap();
    let names: Vec<&str> = emma.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Noah Brown"]);

    // His conversation opens in Conversations.
    let actions = common::click(&mut ws, "Open conversation");
    common::settle(&mut ws, actions).await;
    assert_eq!(ws.view_shown(), View::Conversations);
    let open = ws.conversations().open_thread().unwrap();
    assert_eq!(
        (open.contact_id, open.contact_name.as_str()),
        (noah, "Noah Brown")
    );

    // A search that fails says so rather than showing nothing.
    let mut offline = Workspace::new(
        Session {
            hub: Hub::new("http://127.0.0.1:9").unwrap(),
            ..alex.clone()
        },
        demo(home.path()).await.2,
        time::OffsetDateTime::now_utc(),
    );
    let actions = common::click(&mut offline, "Contacts");
    common::settle(&mut offline, actions).await;
    let actions = common::type_into(&mut offline, "contacts-search", "Olivia");
    common::settle(&mut offline, actions).await;
    assert!(matches!(
        offline.contacts().search().found,
        Found::Failed(_)
    ));
    assert!(common::shows_containing(&offline, "The search failed"));
}

/// Edits the contact shown: one more number (typed into the row `id`), perhaps labelled,
/// then Save.
async fn add_number(ws: &mut Workspace, id: &'static str, number: &str, label: Option<&str>) {
    for step in ["Edit", "Add a number"] {
        let actions = common::click(ws, step);
        common::settle(ws, actions).await;
    }
    let actions = common::type_into(ws, id, number);
    common::settle(ws, actions).await;
    if let Some(label) = label {
        let actions = common::type_into(ws, "contact-label-1", label);
        common::settle(ws, actions).await;
    }
    let actions = common::click(ws, "Save");
    common::settle(ws, actions).await;
}
