//! The live chat widget as a website's visitor uses it: Debian's headless Chromium, driven by
//! playwright-core, on a shop's page from another origin that adds the widget with one
//! script tag; Ana answers with the agents' API and event stream. The visitor's side (the
//! keyboard, the offline outbox, typing, read receipts, the transcript, the rating, signed-in
//! users, forged signatures) is checked where the visitor sees it; the agent's where Ana does.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::time::Duration;

use axum::extract::Query;
use axum::response::Html;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use switchboard_protocol::{Author, Event, Message, MessageStatus, NewWidget};
use tokio::sync::mpsc::UnboundedReceiver;

/// A 1×1 picture, as a phone's camera would send a bigger one.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xfc, 0xcf, 0xc0, 0x50,
    0x0f, 0x00, 0x04, 0x85, 0x01, 0x80, 0x84, 0xa9, 0x8c, 0x21, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn sign(secret: &str, user: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(user.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A shop's website on its own origin: one page that adds the widget with one tag (and the
/// shop's signed-in user, when the query names one).
async fn shop(hub: &str, widget: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (hub, widget) = (hub.to_owned(), widget.to_owned());
    let page = move |Query(query): Query<std::collections::HashMap<String, String>>| async move {
        let widget = query.get("w").cloned().unwrap_or_else(|| widget.clone());
        let user = match (query.get("user"), query.get("hash")) {
            (Some(user), Some(hash)) => {
                format!(r#" data-user-id="{user}" data-user-hash="{hash}""#)
            }
            _ => String::new(),
        };
        Html(format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>The shop</h1><p><a href="/catalogue">Catalogue</a></p>
<script src="{hub}/widget.js" data-widget="{widget}"{user} async></script></body></html>"#
        ))
    };
    let app = axum::Router::new().route("/shop.html", axum::routing::get(page));
    tokio::spawn(async move { axum::serve(listener, app).await });
    origin
}

/// The next step the visitor's browser reports, within a minute.
async fn step(lines: &mut UnboundedReceiver<Value>, name: &str) -> Value {
    let line = tokio::time::timeout(Duration::from_secs(90), lines.recv())
        .await
        .unwrap_or_else(|_| panic!("the visitor's browser did not reach {name:?}"))
        .unwrap_or_else(|| panic!("the visitor's browser stopped before {name:?}; see its stderr"));
    assert_eq!(line["step"], name, "{line}");
    line
}

/// A widget shown on `origin`, the rest left as it comes.
fn checked_as_new(origin: &str) -> NewWidget {
    NewWidget {
        name: String::new(),
        origins: vec![origin.to_owned()],
        group_id: None,
        color: None,
        greeting: String::new(),
        pre_chat: false,
    }
}

fn tell(stdin: &mut ChildStdin, what: &str) {
    writeln!(stdin, "{what}").unwrap();
    stdin.flush().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_visitor_chats_with_an_agent_from_a_shops_page() {
    assert!(
        browser_dir().join("node_modules/playwright-core").exists(),
        "the test command installs playwright-core (npm ci in crates/hub/tests/browser)"
    );
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    assert!(
        hub.set_status(&ana, "available")
            .await
            .status()
            .is_success()
    );
    let mut events = hub.events(&ana, hub.bootstrap(&ana).await.event_seq).await;
    let site = hub.url.trim_end_matches("/api/v1").to_owned();

    // The shop's origin must be known before the widget names it.
    let public_id = "wg_shoptest";
    let secret = "the-shops-widget-secret";
    let shop_origin = shop(&site, public_id).await;
    let checked = switchboard_hub::widget::check(&NewWidget {
        name: "Shop".into(),
        origins: vec![shop_origin.clone()],
        group_id: None,
        color: Some("#0b8043".into()),
        greeting: "Hi! How can we help?".into(),
        pre_chat: false,
    })
    .unwrap();
    hub.state
        .store
        .create_widget(hub.alpha, &checked, None, (public_id, secret))
        .await
        .unwrap();
    let asks = switchboard_hub::widget::check(&NewWidget {
        name: "Shop, asking first".into(),
        pre_chat: true,
        ..checked_as_new(&shop_origin)
    })
    .unwrap();
    hub.state
        .store
        .create_widget(hub.alpha, &asks, None, ("wg_prechat", secret))
        .await
        .unwrap();

    let out = tempfile::tempdir().unwrap();
    let picture = out.path().join("receipt.png");
    std::fs::write(&picture, PNG).unwrap();
    let config = json!({
        "picture": picture,
        "shop": shop_origin,
        "userId": "user-42",
        "goodHash": sign(secret, "user-42"),
        "badHash": sign("another-secret", "user-42"),
        "preChatWidget": "wg_prechat",
        "outDir": out.path(),
    });
    let mut chromium = Command::new("node")
        .arg(browser_dir().join("widget.mjs"))
        .arg(config.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node is installed by the test command");
    let mut stdin = chromium.stdin.take().unwrap();
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let stdout = chromium.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(serde_json::from_str(&line).unwrap());
        }
    });

    // The visitor wrote with the keyboard alone; Ana's stream brings it.
    step(&mut lines, "sent").await;
    let first: Message = loop {
        if let Event::MessageCreated { message } = events.next().await.event
            && message.author == Author::Contact
        {
            break *message;
        }
    };
    assert_eq!(first.text, "Hello, where is my order?");
    let thread = first.thread_id;

    // Ana types, and the visitor sees it; then her reply reaches the page.
    let typing = hub
        .post(&ana, &format!("/conversations/{thread}/typing"), json!({}))
        .await;
    assert_eq!(typing.status(), 204);
    let saw = step(&mut lines, "saw-typing").await;
    assert_eq!(saw["typing"], "Ana is typing…");
    let reply: Message = hub
        .post(
            &ana,
            &format!("/conversations/{thread}/messages"),
            json!({ "client_key": "ana-1", "text": "It ships today, and arrives Friday." }),
        )
        .await
        .json()
        .await
        .unwrap();
    tell(&mut stdin, "replied");
    step(&mut lines, "got-reply").await;

    // The page showed it: Ana sees it delivered, then read; and the visitor typing.
    let mut read = false;
    let mut visitor_typing = false;
    step(&mut lines, "typing").await;
    while !(read && visitor_typing) {
        match events.next().await.event {
            Event::MessageUpdated { message } if message.id == reply.id => {
                read |= message.status == MessageStatus::Read;
            }
            Event::Typing { thread_id, .. } if thread_id == thread => visitor_typing = true,
            _ => {}
        }
    }

    // Ana reads: "Seen" shows under the visitor's message.
    let marked = hub
        .post(
            &ana,
            &format!("/conversations/{thread}/read"),
            json!({ "message_id": first.id }),
        )
        .await;
    assert!(marked.status().is_success());
    tell(&mut stdin, "read");

    // Written offline, sent once when back.
    let offline = step(&mut lines, "offline-sent").await;
    assert_eq!(offline["copies"], 1, "the page shows the message once");
    let page: switchboard_protocol::MessagePage = hub
        .get(&ana, &format!("/conversations/{thread}/messages"))
        .await
        .json()
        .await
        .unwrap();
    let stored = page
        .messages
        .iter()
        .filter(|m| m.text == "Are you still there?")
        .count();
    assert_eq!(stored, 1, "the hub stored the offline message once");

    // Her picture reaches Ana with the same bytes; Ana's PDF reaches her whole.
    let attached = step(&mut lines, "attached").await;
    assert_eq!(attached["width"], 1, "the page showed the picture");
    let sent: Message = loop {
        if let Event::MessageCreated { message } = events.next().await.event
            && !message.attachments.is_empty()
        {
            break *message;
        }
    };
    assert_eq!(sent.attachments[0].name, "receipt.png");
    assert_eq!(sent.attachments[0].content_type, "image/png");
    let download = hub
        .get(&ana, &format!("/attachments/{}", sent.attachments[0].id))
        .await;
    assert_eq!(download.headers()["content-type"], "image/png");
    assert_eq!(download.bytes().await.unwrap().as_ref(), PNG);
    let pdf = b"%PDF-1.4\n% the order's delivery notes\n%%EOF\n".to_vec();
    let uploaded: switchboard_protocol::Attachment = hub
        .upload(&ana, thread, "notes.pdf", pdf.clone())
        .await
        .json()
        .await
        .unwrap();
    let with_file = hub
        .post(
            &ana,
            &format!("/conversations/{thread}/messages"),
            json!({ "client_key": "ana-file", "text": "", "attachments": [uploaded.id] }),
        )
        .await;
    assert_eq!(with_file.status(), 201);
    tell(&mut stdin, "sent-file");
    let got = step(&mut lines, "got-file").await;
    assert_eq!(got["name"], "notes.pdf");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(got["base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes, pdf);

    let transcript = step(&mut lines, "transcript").await;
    let transcript = transcript["transcript"].as_str().unwrap();
    assert!(
        transcript.contains("You: Hello, where is my order?"),
        "{transcript}"
    );
    assert!(
        transcript.contains("Ana: It ships today, and arrives Friday."),
        "{transcript}"
    );
    assert!(
        transcript.contains("You: Are you still there?"),
        "{transcript}"
    );

    // The visitor ended the chat and rated it.
    step(&mut lines, "rated").await;
    let (state, rating, comment, resolved_by): (String, Option<i64>, Option<String>, Option<i64>) =
        sqlx::query_as(
            "SELECT state, rating, rating_comment, resolved_by FROM episodes
             WHERE thread_id = ? ORDER BY id DESC LIMIT 1",
        )
        .bind(thread)
        .fetch_one(&hub.db)
        .await
        .unwrap();
    assert_eq!(
        (state.as_str(), rating, comment.as_deref(), resolved_by),
        ("resolved", Some(5), Some("Quick and kind"), None)
    );

    // The shop's signed-in user has one thread, whichever device they write from.
    let laptop = step(&mut lines, "signed-in").await;
    let mine: Vec<String> = serde_json::from_value(laptop["mine"].clone()).unwrap();
    assert!(
        mine.len() == 1 && mine[0].contains("Hi from my laptop"),
        "{mine:?}"
    );
    let phone = step(&mut lines, "signed-in").await;
    let mine: Vec<String> = serde_json::from_value(phone["mine"].clone()).unwrap();
    assert!(
        mine.iter().any(|m| m.contains("Hi from my laptop"))
            && mine.iter().any(|m| m.contains("Hi from my phone")),
        "{mine:?}"
    );
    let (contacts, threads): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(DISTINCT i.contact_id), COUNT(DISTINCT m.thread_id)
         FROM contact_identities i JOIN threads t ON t.contact_id = i.contact_id
         JOIN messages m ON m.thread_id = t.id
         WHERE i.kind = 'chat_user' AND i.value = ?",
    )
    .bind(format!("{public_id}:user-42"))
    .fetch_one(&hub.db)
    .await
    .unwrap();
    assert_eq!((contacts, threads), (1, 1));

    // A forged signature is refused, and links nothing.
    let forged = step(&mut lines, "forged").await;
    assert_eq!(forged["disabled"], true);
    let visitors: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM widget_visitors WHERE user_id IS NOT NULL")
            .fetch_one(&hub.db)
            .await
            .unwrap();
    assert_eq!(
        visitors, 2,
        "one visitor per device vouched for, none for the forgery"
    );

    // The pre-chat form's answers are on the contact the agent sees.
    step(&mut lines, "pre-chat").await;
    let (name, email): (String, String) = sqlx::query_as(
        "SELECT c.name, e.email FROM messages m JOIN threads t ON t.id = m.thread_id
         JOIN contacts c ON c.id = t.contact_id JOIN contact_emails e ON e.contact_id = c.id
         WHERE m.body = 'Do you ship to Spain?'",
    )
    .fetch_one(&hub.db)
    .await
    .unwrap();
    assert_eq!(
        (name.as_str(), email.as_str()),
        ("María López", "maria@example.com")
    );

    // Its end of stdin closed, the browser's script ends.
    drop(stdin);
    assert!(chromium.wait().unwrap().success());
    let look = std::env::var_os("SWITCHBOARD_KEEP_SCREENSHOTS");
    if let Some(dir) = look {
        std::fs::copy(
            out.path().join("widget.png"),
            Path::new(&dir).join("widget.png"),
        )
        .unwrap();
    }
}

/// A widget of `account` on `https://shop.example`, answering its public id.
async fn widget(hub: &common::Hub, account: switchboard_protocol::Id, public_id: &str) -> String {
    let checked = switchboard_hub::widget::check(&NewWidget {
        name: format!("Shop {public_id}"),
        origins: vec!["https://shop.example".into()],
        group_id: None,
        color: None,
        greeting: String::new(),
        pre_chat: public_id.contains("prechat"),
    })
    .unwrap();
    hub.state
        .store
        .create_widget(account, &checked, None, (public_id, "secret"))
        .await
        .unwrap();
    public_id.to_owned()
}

fn site(hub: &common::Hub) -> String {
    hub.url.trim_end_matches("/api/v1").to_owned()
}

/// `POST /widget/v1/…` as the visitor's browser does.
async fn visit(
    hub: &common::Hub,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (reqwest::StatusCode, Value) {
    let mut request = hub.http.post(format!("{}/widget/v1/{path}", site(hub)));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn new_visitor(hub: &common::Hub, widget: &str) -> String {
    let (status, started) = visit(hub, "session", None, json!({ "widget": widget })).await;
    assert_eq!(status, 200, "{started}");
    started["token"].as_str().unwrap().to_owned()
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn socket(hub: &common::Hub, token: &str, after: i64) -> Socket {
    use futures::SinkExt;
    let url = format!("{}/widget/v1/socket", site(hub).replacen("http", "ws", 1));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let hello = json!({ "token": token, "after": after }).to_string();
    socket
        .send(tokio_tungstenite::tungstenite::Message::Text(hello.into()))
        .await
        .unwrap();
    socket
}

/// The socket's frames until one of `kind` (those before it included), within 20 s.
async fn frames_until(socket: &mut Socket, kind: &str) -> Vec<Value> {
    use futures::StreamExt;
    let mut frames = Vec::new();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .unwrap_or_else(|_| panic!("no {kind:?} frame within 20 s; had {frames:?}"))
            .expect("the socket stayed open")
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
            let frame: Value = serde_json::from_str(&text).unwrap();
            let done = frame["type"] == kind;
            frames.push(frame);
            if done {
                return frames;
            }
        }
    }
}

fn texts(frames: &[Value]) -> Vec<&str> {
    frames
        .iter()
        .filter(|frame| frame["type"] == "message")
        .map(|frame| frame["message"]["text"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_visitor_sees_the_chat_never_the_notes_and_resumes_where_it_was() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let shop = widget(&hub, hub.alpha, "wg_resume").await;
    let token = new_visitor(&hub, &shop).await;

    let write = json!({ "key": "k-1", "text": "Is the blue one in stock?" });
    let (status, first) = visit(&hub, "messages", Some(&token), write.clone()).await;
    assert_eq!(status, 200, "{first}");
    // The browser retried (its answer was lost): the same message, stored once.
    let (_, again) = visit(&hub, "messages", Some(&token), write).await;
    assert_eq!(again["id"], first["id"]);
    let thread: i64 = sqlx::query_scalar("SELECT thread_id FROM messages WHERE id = ?")
        .bind(first["id"].as_i64().unwrap())
        .fetch_one(&hub.db)
        .await
        .unwrap();
    for (path, key, text) in [
        ("messages", "a-1", "Yes, two left."),
        ("notes", "a-2", "Customer sounds like a reseller"),
    ] {
        let body = json!({ "client_key": key, "text": text });
        let sent = hub
            .post(&ana, &format!("/conversations/{thread}/{path}"), body)
            .await;
        assert!(sent.status().is_success());
    }

    let mut live = socket(&hub, &token, 0).await;
    let frames = frames_until(&mut live, "state").await;
    assert_eq!(
        texts(&frames),
        ["Is the blue one in stock?", "Yes, two left."]
    );
    assert_eq!(frames[1]["message"]["name"], "Ana");
    assert_eq!(frames[0]["message"]["mine"], true);
    let last = frames[1]["message"]["id"].as_i64().unwrap();
    drop(live);

    // Offline meanwhile; back, it gets what it missed and nothing twice.
    let body = json!({ "client_key": "a-3", "text": "Shall I keep one for you?" });
    hub.post(&ana, &format!("/conversations/{thread}/messages"), body)
        .await;
    let mut back = socket(&hub, &token, last).await;
    let frames = frames_until(&mut back, "state").await;
    assert_eq!(texts(&frames), ["Shall I keep one for you?"]);

    // Live: the next reply arrives as it is written.
    let body = json!({ "client_key": "a-4", "text": "Kept until Friday." });
    hub.post(&ana, &format!("/conversations/{thread}/messages"), body)
        .await;
    let frames = frames_until(&mut back, "message").await;
    assert_eq!(texts(&frames), ["Kept until Friday."]);

    // The transcript has the chat, not the note.
    let transcript = hub
        .http
        .get(format!("{}/widget/v1/transcript", site(&hub)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        transcript.headers()["content-disposition"],
        "attachment; filename=\"chat-transcript.txt\""
    );
    let transcript = transcript.text().await.unwrap();
    assert!(
        transcript.contains("You: Is the blue one in stock?"),
        "{transcript}"
    );
    assert!(
        transcript.contains("Ana: Kept until Friday."),
        "{transcript}"
    );
    assert!(!transcript.contains("reseller"), "{transcript}");
}

#[tokio::test]
async fn a_blocked_visitor_can_neither_write_nor_come_back() {
    let hub = common::start().await;
    sqlx::query("UPDATE agents SET role = 'supervisor' WHERE email = 'cy@alpha.test'")
        .execute(&hub.db)
        .await
        .unwrap();
    let ana = hub.sign_in("ana@alpha.test").await;
    let cy = hub.sign_in("cy@alpha.test").await;
    let shop = widget(&hub, hub.alpha, "wg_block").await;
    let token = new_visitor(&hub, &shop).await;
    let (_, first) = visit(
        &hub,
        "messages",
        Some(&token),
        json!({ "key": "k-1", "text": "buy cheap followers" }),
    )
    .await;
    let thread: i64 = sqlx::query_scalar("SELECT thread_id FROM messages WHERE id = ?")
        .bind(first["id"].as_i64().unwrap())
        .fetch_one(&hub.db)
        .await
        .unwrap();
    let mut live = socket(&hub, &token, 0).await;
    frames_until(&mut live, "state").await;

    let by_agent = hub
        .post(&ana, &format!("/conversations/{thread}/block"), json!({}))
        .await;
    assert_eq!(
        by_agent.status(),
        403,
        "agents do not block; supervisors do"
    );
    let by_supervisor = hub
        .post(&cy, &format!("/conversations/{thread}/block"), json!({}))
        .await;
    assert_eq!(by_supervisor.status(), 204);

    // The open chat window is told at once.
    frames_until(&mut live, "blocked").await;
    let (status, refused) = visit(
        &hub,
        "messages",
        Some(&token),
        json!({ "key": "k-2", "text": "hello?" }),
    )
    .await;
    assert_eq!(
        (status.as_u16(), refused["code"].as_str()),
        (403, Some("visitor_blocked"))
    );
    let (status, refused) = visit(
        &hub,
        "session",
        None,
        json!({ "widget": shop, "token": token }),
    )
    .await;
    assert_eq!(
        (status.as_u16(), refused["code"].as_str()),
        (403, Some("visitor_blocked"))
    );
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE thread_id = ?")
        .bind(thread)
        .fetch_one(&hub.db)
        .await
        .unwrap();
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn a_flood_from_one_visitor_is_refused_and_retries_are_not_counted() {
    let hub = common::start_with(|config| {
        config.widget.messages_per_visitor_per_minute = 20;
    })
    .await;
    let shop = widget(&hub, hub.alpha, "wg_flood").await;
    let token = new_visitor(&hub, &shop).await;
    let mut accepted = 0;
    let mut limited = 0;
    for n in 0..30 {
        let body = json!({ "key": format!("k-{n}"), "text": format!("spam {n}") });
        match visit(&hub, "messages", Some(&token), body).await {
            (status, _) if status == 200 => accepted += 1,
            (status, body) if status == 429 => {
                assert_eq!(body["code"], "rate_limited");
                limited += 1;
            }
            (status, body) => panic!("{status} {body}"),
        }
    }
    assert!(
        accepted >= 5 && limited >= 10,
        "{accepted} taken, {limited} refused"
    );
    // A retry of a message already taken is answered, not refused.
    let (status, _) = visit(
        &hub,
        "messages",
        Some(&token),
        json!({ "key": "k-0", "text": "spam 0" }),
    )
    .await;
    assert_eq!(status, 200);
    // Another visitor is not held back by this one.
    let other = new_visitor(&hub, &shop).await;
    let (status, _) = visit(
        &hub,
        "messages",
        Some(&other),
        json!({ "key": "o-1", "text": "Hello" }),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_widget_is_shown_only_by_its_websites_and_tokens_stay_with_their_account() {
    let hub = common::start().await;
    let zoe = hub.sign_in("zoe@beta.test").await;
    let alpha_shop = widget(&hub, hub.alpha, "wg_alpha").await;
    let beta_shop = widget(&hub, hub.beta, "wg_beta").await;

    let frame = hub
        .http
        .get(format!("{}/widget/v1/frame/{alpha_shop}", site(&hub)))
        .send()
        .await
        .unwrap();
    assert_eq!(frame.status(), 200);
    let policy = frame.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("frame-ancestors https://shop.example"),
        "{policy}"
    );
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let unknown = hub
        .http
        .get(format!("{}/widget/v1/frame/wg_nobody", site(&hub)))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    let token = new_visitor(&hub, &alpha_shop).await;
    let (_, first) = visit(
        &hub,
        "messages",
        Some(&token),
        json!({ "key": "k-1", "text": "My card number is private" }),
    )
    .await;
    let thread: i64 = sqlx::query_scalar("SELECT thread_id FROM messages WHERE id = ?")
        .bind(first["id"].as_i64().unwrap())
        .fetch_one(&hub.db)
        .await
        .unwrap();
    // Alpha's visitor token on Beta's widget is a stranger there: a chat of its own.
    let (status, started) = visit(
        &hub,
        "session",
        None,
        json!({ "widget": beta_shop, "token": token }),
    )
    .await;
    assert_eq!(status, 200);
    assert_ne!(started["token"], token.as_str());
    assert_eq!(started["messages"], json!([]));
    // Beta's agents cannot reach Alpha's chat.
    for path in ["typing", "block"] {
        let response = hub
            .post(&zoe, &format!("/conversations/{thread}/{path}"), json!({}))
            .await;
        assert!(
            matches!(response.status().as_u16(), 403 | 404),
            "{path}: {}",
            response.status()
        );
    }
    // No token, no chat.
    let (status, _) = visit(&hub, "messages", None, json!({ "key": "x", "text": "hi" })).await;
    assert_eq!(status, 401);
    let (status, _) = visit(
        &hub,
        "messages",
        Some("sb_made_up"),
        json!({ "key": "x", "text": "hi" }),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_pre_chat_form_keeps_the_name_and_refuses_a_malformed_email() {
    let hub = common::start().await;
    let shop = widget(&hub, hub.alpha, "wg_prechat_api").await;
    let contacts = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM contacts")
            .fetch_one(&hub.db)
            .await
            .unwrap()
    };
    let before = contacts().await;
    let (status, refused) = visit(
        &hub,
        "session",
        None,
        json!({ "widget": shop, "name": "Ann", "email": "ann at example" }),
    )
    .await;
    assert_eq!(
        (status.as_u16(), refused["code"].as_str()),
        (400, Some("invalid_email"))
    );
    assert_eq!(contacts().await, before, "nothing was made");

    let (status, started) = visit(
        &hub,
        "session",
        None,
        json!({ "widget": shop, "name": " Ann\u{7} Lee ", "email": "Ann@Example.com" }),
    )
    .await;
    assert_eq!(status, 200, "{started}");
    let (name, email): (String, String) = sqlx::query_as(
        "SELECT c.name, e.email FROM widget_visitors v JOIN contacts c ON c.id = v.contact_id
         JOIN contact_emails e ON e.contact_id = c.id WHERE v.id = ?",
    )
    .bind(started["visitor"].as_i64().unwrap())
    .fetch_one(&hub.db)
    .await
    .unwrap();
    assert_eq!(
        (name.as_str(), email.as_str()),
        ("Ann Lee", "ann@example.com")
    );
}

/// The visitor uploads `bytes` as `name`: the status and the answer.
async fn upload(
    hub: &common::Hub,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (reqwest::StatusCode, Value) {
    let response = hub
        .http
        .post(format!("{}/widget/v1/attachments", site(hub)))
        .query(&[("name", name)])
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn fetch_file(hub: &common::Hub, token: &str, id: i64) -> reqwest::Response {
    hub.http
        .get(format!("{}/widget/v1/attachments/{id}", site(hub)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn files_reach_only_their_conversation_and_never_run_as_pages() {
    let hub = common::start_with(|config| config.attachments.max_bytes = 1024 * 1024).await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let zoe = hub.sign_in("zoe@beta.test").await;
    let shop = widget(&hub, hub.alpha, "wg_files").await;
    let (alice, bob) = (
        new_visitor(&hub, &shop).await,
        new_visitor(&hub, &shop).await,
    );

    // A page sent as a file is kept as sent, and only ever downloaded.
    let page = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    let (status, file) = upload(&hub, &alice, "../../receipt.html", page.clone()).await;
    assert_eq!(status, 200, "{file}");
    assert_eq!(file["name"], "receipt.html");
    let id = file["id"].as_i64().unwrap();
    let send = json!({ "key": "k-1", "text": "", "attachments": [id] });
    let (status, seen) = visit(&hub, "messages", Some(&alice), send.clone()).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["attachments"][0]["id"], id);
    let (_, again) = visit(&hub, "messages", Some(&alice), send).await;
    assert_eq!(again["id"], seen["id"], "a retry is the same message");
    let served = fetch_file(&hub, &alice, id).await;
    assert_eq!(served.status(), 200);
    let headers = served.headers().clone();
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"receipt.html\"")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(served.bytes().await.unwrap().as_ref(), page.as_slice());

    // The account's agents have it; another visitor and another account do not.
    let for_ana = hub.get(&ana, &format!("/attachments/{id}")).await;
    assert_eq!(for_ana.bytes().await.unwrap().as_ref(), page.as_slice());
    assert_eq!(
        hub.get(&zoe, &format!("/attachments/{id}")).await.status(),
        404
    );
    assert_eq!(fetch_file(&hub, &bob, id).await.status(), 404);

    // Nobody sends a file someone else uploaded.
    let (_, hers) = upload(&hub, &alice, "photo.png", PNG.to_vec()).await;
    let (status, refused) = visit(
        &hub,
        "messages",
        Some(&bob),
        json!({ "key": "b-1", "text": "look", "attachments": [hers["id"]] }),
    )
    .await;
    assert_eq!(
        (status.as_u16(), refused["code"].as_str()),
        (400, Some("invalid_attachment"))
    );
    let thread = seen_thread(&hub, seen["id"].as_i64().unwrap()).await;
    let zoes = hub.upload(&zoe, thread, "x.txt", b"mine".to_vec()).await;
    assert_eq!(
        zoes.status(),
        404,
        "another account cannot upload to the thread"
    );

    // A file with an internal note stays with the agents.
    let note_file: switchboard_protocol::Attachment = hub
        .upload(
            &ana,
            thread,
            "internal.txt",
            b"refund approved by Ben".to_vec(),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(note_file.content_type, "text/plain");
    let noted = hub
        .post(
            &ana,
            &format!("/conversations/{thread}/notes"),
            json!({ "client_key": "n-1", "text": "See file", "attachments": [note_file.id] }),
        )
        .await;
    assert_eq!(noted.status(), 201);
    assert_eq!(fetch_file(&hub, &alice, note_file.id).await.status(), 404);

    // Too large, or empty: refused with the reason, nothing kept.
    let (status, too_large) = upload(&hub, &alice, "big.bin", vec![7; 1024 * 1024 + 1]).await;
    assert_eq!(status, 413);
    assert_eq!(too_large["code"], "payload_too_large");
    assert_eq!(too_large["message"], "a file may be at most 1 MB");
    let (status, empty) = upload(&hub, &alice, "empty.txt", Vec::new()).await;
    assert_eq!(
        (status.as_u16(), empty["code"].as_str()),
        (400, Some("invalid_attachment"))
    );
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments")
        .fetch_one(&hub.db)
        .await
        .unwrap();
    assert_eq!(kept, 3, "the page, the photo and the note's file");
}

/// The thread of a message.
async fn seen_thread(hub: &common::Hub, message: i64) -> i64 {
    sqlx::query_scalar("SELECT thread_id FROM messages WHERE id = ?")
        .bind(message)
        .fetch_one(&hub.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn outside_its_groups_hours_the_chat_says_so_and_the_message_waits_in_the_queue() {
    let hub = common::start().await;
    sqlx::query("UPDATE agents SET role = 'admin' WHERE email = 'ben@alpha.test'")
        .execute(&hub.db)
        .await
        .unwrap();
    let (ana, ben) = (
        hub.sign_in("ana@alpha.test").await,
        hub.sign_in("ben@alpha.test").await,
    );
    let store = &hub.state.store;
    let support = store
        .create_ring_group(hub.alpha, "Support", "longest_idle")
        .await
        .unwrap();
    let checked = switchboard_hub::widget::check(&NewWidget {
        name: "Shop".into(),
        origins: vec!["https://shop.example".into()],
        group_id: Some(support),
        color: None,
        greeting: String::new(),
        pre_chat: false,
    })
    .unwrap();
    store
        .create_widget(hub.alpha, &checked, Some(support), ("wg_hours", "secret"))
        .await
        .unwrap();

    // Closed today and tomorrow (whatever the hour, in UTC), set through the API by an admin.
    let today = time::OffsetDateTime::now_utc().date();
    let closed = json!({
        "timezone": "UTC",
        "open": ["mon-sun 00:00-24:00"],
        "closed_on": [today.to_string(), today.next_day().unwrap().to_string()],
    });
    let path = format!("/ring-groups/{support}/hours");
    assert_eq!(hub.put(&ana, &path, closed.clone()).await.status(), 403);
    let bad = hub
        .put(
            &ben,
            &path,
            json!({ "timezone": "Mars/Olympus", "open": [] }),
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(hub.put(&ben, &path, closed).await.status(), 204);

    let (status, started) = visit(&hub, "session", None, json!({ "widget": "wg_hours" })).await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["in_hours"], false);
    let token = started["token"].as_str().unwrap();
    let (status, _) = visit(
        &hub,
        "messages",
        Some(token),
        json!({ "key": "after-hours", "text": "Can I return a gift?" }),
    )
    .await;
    assert_eq!(status, 200, "the message is taken");
    let (group, assignee): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT e.group_id, e.assignee_id FROM episodes e JOIN messages m ON m.thread_id = e.thread_id
         WHERE m.body = 'Can I return a gift?'",
    )
    .fetch_one(&hub.db)
    .await
    .unwrap();
    assert_eq!(
        (group, assignee),
        (Some(support), None),
        "it waits in Support's queue"
    );

    // At any hour again: the window opens as usual.
    assert_eq!(hub.put(&ben, &path, Value::Null).await.status(), 204);
    let (_, again) = visit(
        &hub,
        "session",
        Some(token),
        json!({ "widget": "wg_hours", "token": token }),
    )
    .await;
    assert_eq!(again["in_hours"], true, "{again}");
}
