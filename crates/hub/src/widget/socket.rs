//! A visitor's chat window's one WebSocket (`GET /widget/v1/socket`). Its first frame is
//! `{"token": …, "after": ID}`: the messages after the last one the window has come first,
//! then whatever happens, so a window that lost its connection resumes without losing or
//! repeating a message. The hub sends JSON frames:
//!
//! - `{"type":"message","message":{…}}` a message the visitor may see, once each;
//! - `{"type":"state","open":…,"seen_upto":…}` whether a conversation is open, and how far
//!   the agents have read;
//! - `{"type":"typing","name":"Ana"}` an agent is typing (for a few seconds);
//! - `{"type":"blocked"}` before it closes the socket for good.
//!
//! The window sends `{"typing":true}`, `{"ack":ID}` (it has the agents' messages up to ID)
//! and `{"read":ID}` (the visitor saw them).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message as Frame, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use switchboard_protocol::{EpisodeState, Event, Id, MessageStatus};
use tokio::sync::broadcast::error::RecvError;

use super::visitor::Seen;
use crate::auth::token_hash;
use crate::conversation::{News, Watch};
use crate::store::VisitorRow;
use crate::{AppState, Error, Result};

/// How long a new socket has to say who it is.
const HELLO: Duration = Duration::from_secs(20);
/// How often an idle socket is pinged and its visitor checked again (blocked? merged?).
const HEARTBEAT: Duration = Duration::from_secs(15);
/// At most one typing notice a second reaches the agents.
const TYPING_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Deserialize)]
struct Hello {
    token: String,
    #[serde(default)]
    after: Id,
}

#[derive(Debug, Deserialize)]
struct Incoming {
    #[serde(default)]
    typing: bool,
    #[serde(default)]
    ack: Option<Id>,
    #[serde(default)]
    read: Option<Id>,
}

pub async fn socket(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    upgrade: WebSocketUpgrade,
) -> Result<Response> {
    state.widget_limits.address(peer.ip())?;
    Ok(upgrade
        .max_message_size(4096)
        .on_upgrade(move |socket| async move {
            if let Err(error) = serve(state, socket).await {
                tracing::debug!(%error, "chat widget socket ended");
            }
        }))
}

/// What this socket last told its window.
#[derive(Debug, Default, PartialEq, Eq)]
struct Told {
    last: Id,
    state: Option<(bool, Id)>,
}

async fn serve(state: Arc<AppState>, mut socket: WebSocket) -> Result<()> {
    let hello = match tokio::time::timeout(HELLO, socket.recv()).await {
        Ok(Some(Ok(Frame::Text(text)))) => serde_json::from_str::<Hello>(&text)
            .map_err(|error| Error::BadRequest(format!("hello: {error}")))?,
        _ => return Ok(()),
    };
    let Some(mut visitor) = state
        .store
        .visitor_by_token(&token_hash(&hello.token))
        .await?
    else {
        send(&mut socket, json!({ "type": "unauthorized" })).await?;
        return Ok(());
    };
    let account = visitor.account_id;
    let mut watch = watch(&state, &visitor).await?;
    let mut told = Told {
        last: hello.after,
        state: None,
    };
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    let mut typed: Option<Instant> = None;
    let mut look = true;
    loop {
        if look {
            look = false;
            if visitor.blocked {
                send(&mut socket, json!({ "type": "blocked" })).await?;
                let _ = socket.send(Frame::Close(None)).await;
                return Ok(());
            }
            catch_up(&state, &mut socket, account, watch.thread, &mut told).await?;
        }
        tokio::select! {
            news = watch.news.recv() => match news {
                Ok(News::Changed) | Err(RecvError::Lagged(_)) => look = true,
                Ok(News::Typing { name }) => {
                    send(&mut socket, json!({ "type": "typing", "name": first_name(&name) })).await?;
                }
                Err(RecvError::Closed) => return Ok(()),
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Frame::Text(text))) => {
                    let Ok(incoming) = serde_json::from_str::<Incoming>(&text) else {
                        continue;
                    };
                    if incoming.typing && typed.is_none_or(|at| at.elapsed() >= TYPING_EVERY) {
                        typed = Some(Instant::now());
                        let event = Event::Typing { thread_id: watch.thread, name: visitor.name.clone() };
                        state.events.notifier.flash(account, event);
                    }
                    for (upto, status) in [
                        (incoming.ack, MessageStatus::Delivered),
                        (incoming.read, MessageStatus::Read),
                    ] {
                        let Some(upto) = upto.filter(|upto| *upto <= told.last) else {
                            continue;
                        };
                        let retention = state.events.retention;
                        let changed = state
                            .store
                            .visitor_saw(&visitor, watch.thread, upto, status, retention)
                            .await?;
                        if !changed.is_empty() {
                            state.events.notifier.notify(account);
                        }
                    }
                }
                Some(Ok(Frame::Close(_))) | None | Some(Err(_)) => return Ok(()),
                Some(Ok(_)) => {}
            },
            _ = heartbeat.tick() => {
                socket.send(Frame::Ping(Vec::new().into())).await.map_err(closed)?;
                visitor = state
                    .store
                    .visitor_by_token(&token_hash(&hello.token))
                    .await?
                    .ok_or(Error::Unauthorized)?;
                // Their contact may have been merged into another: follow the thread.
                let thread = state.store.thread_of_contact(account, visitor.contact_id).await?;
                if thread != watch.thread {
                    watch = state.conversations.watchers.watch(thread);
                }
                look = true;
            },
            _ = state.shutdown.cancelled() => {
                let _ = socket.send(Frame::Close(None)).await;
                return Ok(());
            }
        }
        if look {
            // A block shows at once, not at the next heartbeat.
            visitor = state
                .store
                .visitor_by_token(&token_hash(&hello.token))
                .await?
                .ok_or(Error::Unauthorized)?;
        }
    }
}

async fn watch(state: &AppState, visitor: &VisitorRow) -> Result<Watch> {
    let thread = state
        .store
        .thread_of_contact(visitor.account_id, visitor.contact_id)
        .await?;
    Ok(state.conversations.watchers.watch(thread))
}

/// Sends the messages after the last one sent, and the thread's state if it changed.
async fn catch_up(
    state: &AppState,
    socket: &mut WebSocket,
    account: Id,
    thread: Id,
    told: &mut Told,
) -> Result<()> {
    loop {
        let page = state
            .store
            .chat_messages_after(account, thread, told.last, 200)
            .await?;
        for message in &page {
            let seen = Seen::of(message);
            send(socket, json!({ "type": "message", "message": seen })).await?;
            told.last = message.id;
        }
        if page.len() < 200 {
            break;
        }
    }
    let thread = state.store.thread(account, thread).await?;
    let open = thread
        .episode
        .is_some_and(|episode| episode.state == EpisodeState::Open);
    let now = Some((open, thread.read_upto));
    if told.state != now {
        told.state = now;
        send(
            socket,
            json!({ "type": "state", "open": open, "seen_upto": thread.read_upto }),
        )
        .await?;
    }
    Ok(())
}

fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or_default()
}

async fn send(socket: &mut WebSocket, frame: serde_json::Value) -> Result<()> {
    socket
        .send(Frame::Text(frame.to_string().into()))
        .await
        .map_err(closed)
}

fn closed(error: axum::Error) -> Error {
    Error::Internal(format!("chat widget socket closed: {error}"))
}
