//! Live chat under load: the real hub (in this process, on loopback, its SQLite store on
//! disk) with VISITORS widget visitors, each with its chat window's WebSocket open, each
//! writing a message every INTERVAL seconds (spread evenly); one agent, on the agents'
//! event stream, answers every message. Prints how long delivery took, both ways:
//!
//! - visitor → agent: from the visitor's `POST /widget/v1/messages` until the agent's event
//!   stream brings the message;
//! - agent → visitor: from the agent's `POST /conversations/{id}/messages` until the
//!   visitor's socket brings the reply.
//!
//! Target (issue 14): p99 ≤ 100 ms on 2 cores. The visitors and the agent run on the same
//! cores as the hub, so the figures include their cost too.
//!
//! `bench/chat.sh` runs it (it raises the open-files limit first: two sockets a visitor).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard_hub::store::{NewAccount, NewAgent};
use switchboard_hub::{AppState, Config, Store, auth};
use switchboard_protocol::{Author, Event, EventEnvelope, NewWidget, Role};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_util::sync::CancellationToken;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

type Sent = Arc<Mutex<HashMap<String, Instant>>>;
/// How long each delivery took, with the round it was in.
type Took = Arc<Mutex<Vec<(u64, Duration)>>>;

#[tokio::main]
async fn main() {
    let visitors = env("VISITORS", 1000) as usize;
    let interval = Duration::from_secs(env("INTERVAL", 10));
    let rounds = env("ROUNDS", 6);
    let dir = tempfile::tempdir().expect("a scratch folder");
    let mut config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    // Every visitor comes from 127.0.0.1 here: the per-address limit is for the Internet.
    config.widget.requests_per_address_per_minute = 1_000_000;
    let store = Store::open(&config.database_path()).await.expect("store");
    let account = store
        .create_account(&NewAccount {
            name: "Shop".into(),
            default_country: "US".into(),
        })
        .await
        .expect("account");
    store
        .create_agent(&NewAgent {
            account_id: account,
            email: "ana@shop.test".into(),
            name: "Ana".into(),
            role: Role::Agent,
            password_hash: auth::hash_password("bench password").expect("hash"),
            can_choose_caller_id: false,
        })
        .await
        .expect("agent");
    let widget = switchboard_hub::widget::check(&NewWidget {
        name: "Shop".into(),
        origins: vec!["https://shop.example".into()],
        group_id: None,
        color: None,
        greeting: String::new(),
        pre_chat: false,
    })
    .expect("widget");
    store
        .create_widget(account, &widget, None, ("wg_bench", "secret"))
        .await
        .expect("widget stored");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let site = format!("http://{}", listener.local_addr().expect("address"));
    let shutdown = CancellationToken::new();
    let state = Arc::new(AppState::new(config, store, shutdown.clone()).expect("hub"));
    tokio::spawn(switchboard_hub::serve(state, listener));
    let http = reqwest::Client::new();
    let api = format!("{site}/api/v1");

    // The agent, on the event stream.
    let signed: Value = http
        .post(format!("{api}/sessions"))
        .json(&json!({ "email": "ana@shop.test", "password": "bench password" }))
        .send()
        .await
        .expect("sign in")
        .json()
        .await
        .expect("session");
    let token = signed["token"].as_str().expect("a token").to_owned();
    let inbound: Sent = Arc::default();
    let outbound: Sent = Arc::default();
    let to_agent: Took = Arc::default();
    let to_visitor: Took = Arc::default();
    spawn_agent(&site, &token, &http, &inbound, &outbound, &to_agent).await;

    // The visitors: a session and a socket each.
    let started = Instant::now();
    let mut tokens = Vec::new();
    for chunk in (0..visitors).collect::<Vec<_>>().chunks(50) {
        let sessions = chunk.iter().map(|_| {
            let (http, site) = (http.clone(), site.clone());
            async move {
                let answer: Value = http
                    .post(format!("{site}/widget/v1/session"))
                    .json(&json!({ "widget": "wg_bench" }))
                    .send()
                    .await
                    .expect("session")
                    .json()
                    .await
                    .expect("session answer");
                answer["token"].as_str().expect("a token").to_owned()
            }
        });
        tokens.extend(futures::future::join_all(sessions).await);
    }
    for token in &tokens {
        spawn_window(&site, token, &outbound, &to_visitor).await;
    }
    eprintln!(
        "{visitors} visitors connected in {:.1} s; {rounds} rounds of a message each, one every {} ms",
        started.elapsed().as_secs_f64(),
        interval.as_millis() as usize / visitors.max(1)
    );

    // Each visitor writes every `interval`, all of them spread across it.
    let gap = interval / visitors.max(1) as u32;
    let mut writers = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let (http, site, token, inbound) =
            (http.clone(), site.clone(), token.clone(), inbound.clone());
        writers.push(tokio::spawn(async move {
            tokio::time::sleep(gap * i as u32).await;
            let mut tick = tokio::time::interval(interval);
            for round in 0..rounds {
                tick.tick().await;
                let text = format!("visitor {i}, message {round}: where is my order?");
                inbound
                    .lock()
                    .expect("lock")
                    .insert(text.clone(), Instant::now());
                let sent = http
                    .post(format!("{site}/widget/v1/messages"))
                    .bearer_auth(&token)
                    .json(&json!({ "key": format!("{i}-{round}"), "text": text }))
                    .send()
                    .await
                    .expect("message");
                assert!(sent.status().is_success(), "{:?}", sent.text().await);
            }
        }));
    }
    for writer in writers {
        writer.await.expect("a visitor wrote");
    }
    // The last replies arrive.
    let expected = visitors * rounds as usize;
    let deadline = Instant::now() + Duration::from_secs(60);
    while to_visitor.lock().expect("lock").len() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    report("visitor → agent", &to_agent, expected);
    report("agent → visitor", &to_visitor, expected);
    shutdown.cancel();
}

/// The agent's event stream: each visitor message is timed and answered at once.
async fn spawn_agent(
    site: &str,
    token: &str,
    http: &reqwest::Client,
    inbound: &Sent,
    outbound: &Sent,
    took: &Took,
) {
    let url = format!("{}/api/v1/events?after=0", site.replacen("http", "ws", 1));
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
            .expect("request");
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    let (mut events, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("event stream");
    let (http, api, token) = (http.clone(), format!("{site}/api/v1"), token.to_owned());
    let (inbound, outbound, took) = (inbound.clone(), outbound.clone(), took.clone());
    tokio::spawn(async move {
        while let Some(Ok(frame)) = events.next().await {
            let Frame::Text(text) = frame else { continue };
            let Ok(envelope) = serde_json::from_str::<EventEnvelope>(&text) else {
                continue;
            };
            let Event::MessageCreated { message } = envelope.event else {
                continue;
            };
            if message.author != Author::Contact {
                continue;
            }
            let Some(at) = inbound.lock().expect("lock").remove(&message.text) else {
                continue;
            };
            took.lock()
                .expect("lock")
                .push((round_of(&message.text), at.elapsed()));
            let reply = format!("Re: {}", message.text);
            outbound
                .lock()
                .expect("lock")
                .insert(reply.clone(), Instant::now());
            let (http, api, token) = (http.clone(), api.clone(), token.clone());
            tokio::spawn(async move {
                let answered = http
                    .post(format!(
                        "{api}/conversations/{}/messages",
                        message.thread_id
                    ))
                    .bearer_auth(&token)
                    .json(&json!({ "client_key": format!("r-{}", message.id), "text": reply }))
                    .send()
                    .await
                    .expect("reply");
                assert!(
                    answered.status().is_success(),
                    "{:?}",
                    answered.text().await
                );
            });
        }
    });
}

/// A visitor's chat window: its socket, timing each reply that arrives.
async fn spawn_window(site: &str, token: &str, outbound: &Sent, took: &Took) {
    let url = format!("{}/widget/v1/socket", site.replacen("http", "ws", 1));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.expect("socket");
    let hello = json!({ "token": token, "after": 0 }).to_string();
    socket.send(Frame::Text(hello.into())).await.expect("hello");
    let (outbound, took) = (outbound.clone(), took.clone());
    tokio::spawn(async move {
        while let Some(Ok(frame)) = socket.next().await {
            let Frame::Text(text) = frame else { continue };
            let Ok(frame) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if frame["type"] != "message" || frame["message"]["mine"] == true {
                continue;
            }
            let text = frame["message"]["text"].as_str().unwrap_or_default();
            if let Some(at) = outbound.lock().expect("lock").remove(text) {
                took.lock()
                    .expect("lock")
                    .push((round_of(text), at.elapsed()));
            }
        }
    });
}

/// The round a message was written in (its text says).
fn round_of(text: &str) -> u64 {
    text.split("message ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_default()
}

fn report(what: &str, took: &Took, expected: usize) {
    let all = took.lock().expect("lock").clone();
    let rounds = all
        .iter()
        .map(|(round, _)| *round)
        .max()
        .unwrap_or_default();
    for round in 0..=rounds {
        let in_round = all.iter().filter(|(r, _)| *r == round).map(|(_, d)| *d);
        let p99 = percentiles(in_round.collect(), &[0.99])[0];
        eprintln!("  {what}, round {round}: p99 {p99:.1} ms");
    }
    let took: Vec<Duration> = all.into_iter().map(|(_, d)| d).collect();
    let delivered = took.len();
    let at = percentiles(took, &[0.5, 0.99, 1.0]);
    let (p50, p99, worst) = (at[0], at[1], at[2]);
    println!(
        "{what}: {delivered} of {expected} delivered; p50 {p50:.1} ms, p99 {p99:.1} ms, worst {worst:.1} ms (target p99 <= 100 ms)"
    );
}

/// The durations at quantiles `qs` (0 to 1) of `took`, in milliseconds.
fn percentiles(mut took: Vec<Duration>, qs: &[f64]) -> Vec<f64> {
    took.sort();
    qs.iter()
        .map(|q| {
            let at = ((took.len() as f64 * q).ceil() as usize).saturating_sub(1);
            took.get(at).copied().unwrap_or_default().as_secs_f64() * 1000.0
        })
        .collect()
}
