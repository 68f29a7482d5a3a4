//! The per-account event log and the agent event stream (`GET /api/v1/events`, WebSocket).
//!
//! Events are rows in one table whose `seq` only grows; an event addressed to one agent has
//! its `agent_id` set, an event for the whole account has it NULL. The in-memory broadcast
//! only wakes stream tasks up: they always read what to send from the table, after the last
//! `seq` they sent, so a client sees every event exactly once and in order, however the wake-ups
//! interleave and whether it is reconnecting or not.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde::Deserialize;
use switchboard_protocol::{Event, EventEnvelope, Id};
use tokio::sync::broadcast;

use crate::auth::{Caller, session_is_live};
use crate::error::Query;
use crate::store::{PAGE, Store, from_ms, now_ms};
use crate::{AppState, Result};

/// Appends events to agents' logs and wakes their streams.
#[derive(Debug, Clone)]
pub struct Publisher {
    pub store: Store,
    pub notifier: Notifier,
    /// How many events each account's log keeps.
    pub retention: u32,
}

impl Publisher {
    /// Appends each event to its agent's log, in one transaction, and wakes the streams.
    pub async fn to_agents(&self, account_id: Id, events: &[(Id, Event)]) -> Result<()> {
        self.store
            .append_events(account_id, events, self.retention)
            .await?;
        self.notifier.notify(account_id);
        Ok(())
    }
}

/// Wakes event streams when an account's log grows, and hands them passing news (someone
/// typing) that is never stored.
#[derive(Debug, Clone)]
pub struct Notifier {
    sender: broadcast::Sender<Id>,
    flashes: broadcast::Sender<(Id, Event)>,
}

impl Default for Notifier {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
            flashes: broadcast::channel(1024).0,
        }
    }
}

impl Notifier {
    pub fn notify(&self, account_id: Id) {
        // No receiver means nobody is connected; nothing to wake.
        let _ = self.sender.send(account_id);
    }

    /// Sends `event` to the account's connected streams only: a stream that is not
    /// connected now never gets it.
    pub fn flash(&self, account_id: Id, event: Event) {
        let _ = self.flashes.send((account_id, event));
    }

    fn subscribe(&self) -> broadcast::Receiver<Id> {
        self.sender.subscribe()
    }
}

#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    /// The last `seq` the client saw; 0 for "from the start of what is retained".
    #[serde(default)]
    pub after: u64,
}

/// Agent event stream (WebSocket). Sends `EventEnvelope`s as JSON text frames.
#[utoipa::path(
    get,
    path = "/events",
    tag = "events",
    params(("after" = Option<u64>, Query, description = "The last seq the client saw")),
    responses(
        (status = 101, description = "Switching to the WebSocket event stream; each text frame is an EventEnvelope", body = EventEnvelope),
        (status = 401, description = "Not signed in", body = switchboard_protocol::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn stream(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(query): Query<StreamQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| async move {
        if let Err(error) = serve(state, caller, query.after, socket).await {
            tracing::debug!(%error, agent = caller.agent_id, "event stream ended");
        }
    })
}

async fn serve(
    state: Arc<AppState>,
    caller: Caller,
    after: u64,
    mut socket: WebSocket,
) -> Result<()> {
    // Subscribe before the first read, so no append between the read and the wait is missed.
    let mut wake = state.events.notifier.subscribe();
    let mut flashes = state.events.notifier.flashes.subscribe();
    let mut heartbeat = tokio::time::interval(state.config.events.heartbeat);
    heartbeat.tick().await;
    let mut last = after;

    if state.store.must_resync(caller.account_id, after).await? {
        let head = state.store.event_head().await?;
        let resync = EventEnvelope {
            seq: head,
            at: from_ms(now_ms()),
            event: Event::Resync,
        };
        send(&mut socket, &resync).await?;
        last = head;
    }

    loop {
        // Drain everything after `last`, page by page.
        loop {
            let events = state
                .store
                .events_after(caller.account_id, caller.agent_id, last)
                .await?;
            let full = events.len() as i64 == PAGE;
            for envelope in &events {
                send(&mut socket, envelope).await?;
                last = envelope.seq;
            }
            if !full {
                break;
            }
        }

        // Wait for something that concerns this stream.
        loop {
            tokio::select! {
                woke = wake.recv() => match woke {
                    Ok(account) if account != caller.account_id => continue,
                    // Lagged: some wake-ups were dropped; the read above catches up anyway.
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                },
                flash = flashes.recv() => match flash {
                    Ok((account, event)) if account == caller.account_id => {
                        let envelope = EventEnvelope { seq: last, at: from_ms(now_ms()), event };
                        send(&mut socket, &envelope).await?;
                    }
                    // Passing news lost to a lag is not worth anything later.
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                },
                _ = heartbeat.tick() => {
                    if !session_is_live(&state.store, caller.session_id).await? {
                        let ended = EventEnvelope {
                            seq: last,
                            at: from_ms(now_ms()),
                            event: Event::SessionEnded,
                        };
                        send(&mut socket, &ended).await?;
                        let _ = socket.send(Message::Close(None)).await;
                        return Ok(());
                    }
                    socket.send(Message::Ping(Vec::new().into())).await.map_err(closed)?;
                    // Also read the log: events written by another process (the admin CLI,
                    // another hub node) wake no one here.
                    break;
                }
                incoming = socket.recv() => match incoming {
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Ok(()),
                    Some(Ok(_)) => {}
                },
                _ = state.shutdown.cancelled() => {
                    let _ = socket.send(Message::Close(None)).await;
                    return Ok(());
                }
            }
        }
    }
}

async fn send(socket: &mut WebSocket, envelope: &EventEnvelope) -> Result<()> {
    let text = serde_json::to_string(envelope)
        .map_err(|error| crate::Error::Internal(format!("event encoding: {error}")))?;
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(closed)
}

fn closed(error: axum::Error) -> crate::Error {
    crate::Error::Internal(format!("event stream closed: {error}"))
}
