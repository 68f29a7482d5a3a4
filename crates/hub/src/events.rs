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
use sqlx::SqliteConnection;
use switchboard_protocol::{Event, EventEnvelope, Id};
use tokio::sync::broadcast;

use crate::auth::{Caller, session_is_live};
use crate::error::Query;
use crate::store::{Store, from_ms, now_ms};
use crate::{AppState, Result};

/// Most events one read sends; a long backlog goes out in several reads.
const PAGE: i64 = 500;

/// Appends an event inside the caller's transaction; returns its `seq`. Call
/// [`Notifier::notify`] after the transaction commits.
pub async fn append(
    conn: &mut SqliteConnection,
    account_id: Id,
    to_agent: Option<Id>,
    event: &Event,
    retention: u32,
) -> Result<u64> {
    let payload = serde_json::to_string(event)
        .map_err(|error| crate::Error::Internal(format!("event encoding: {error}")))?;
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO events (account_id, agent_id, payload, created_at) VALUES (?, ?, ?, ?)
         RETURNING seq",
    )
    .bind(account_id)
    .bind(to_agent)
    .bind(payload)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?;
    prune(conn, account_id, retention).await?;
    Ok(seq as u64)
}

/// Keeps the newest `retention` events of the account and remembers where the cut was.
async fn prune(conn: &mut SqliteConnection, account_id: Id, retention: u32) -> Result<()> {
    let cutoff: Option<i64> = sqlx::query_scalar(
        "SELECT seq FROM events WHERE account_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?",
    )
    .bind(account_id)
    .bind(i64::from(retention))
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(cutoff) = cutoff {
        sqlx::query("DELETE FROM events WHERE account_id = ? AND seq <= ?")
            .bind(account_id)
            .bind(cutoff)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO event_retention (account_id, pruned_until) VALUES (?, ?)
             ON CONFLICT (account_id) DO UPDATE SET pruned_until = MAX(pruned_until, excluded.pruned_until)",
        )
        .bind(account_id)
        .bind(cutoff)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The newest `seq` in the whole log (0 when empty): a consistent starting point.
pub async fn head(conn: &mut SqliteConnection) -> Result<u64> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM events")
        .fetch_one(&mut *conn)
        .await?;
    // AUTOINCREMENT never reuses a seq, but a fully pruned log reads MAX = NULL: fall back to
    // the counter SQLite keeps.
    let counter: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(seq.or(counter).unwrap_or(0).max(0) as u64)
}

/// Events for `agent_id` after `after`, oldest first.
async fn read_after(
    store: &Store,
    account_id: Id,
    agent_id: Id,
    after: u64,
) -> Result<Vec<EventEnvelope>> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT seq, payload, created_at FROM events
         WHERE account_id = ? AND seq > ? AND (agent_id IS NULL OR agent_id = ?)
         ORDER BY seq LIMIT ?",
    )
    .bind(account_id)
    .bind(after as i64)
    .bind(agent_id)
    .bind(PAGE)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, payload, at)| EventEnvelope {
            seq: seq as u64,
            at: from_ms(at),
            // An event this hub cannot read back (written by a newer version) is skipped by
            // clients as Unknown rather than breaking the stream.
            event: serde_json::from_str(&payload).unwrap_or(Event::Unknown),
        })
        .collect())
}

/// Whether a client resuming after `after` has missed events that were pruned, or speaks of
/// a log this hub never had (its database was replaced).
async fn must_resync(store: &Store, account_id: Id, after: u64) -> Result<bool> {
    let pruned_until: Option<i64> =
        sqlx::query_scalar("SELECT pruned_until FROM event_retention WHERE account_id = ?")
            .bind(account_id)
            .fetch_optional(store.pool())
            .await?;
    let head = head(&mut *store.pool().acquire().await?).await?;
    Ok(pruned_until.is_some_and(|p| (after as i64) < p) || after > head)
}

/// Wakes event streams when an account's log grows.
#[derive(Debug, Clone)]
pub struct Notifier {
    sender: broadcast::Sender<Id>,
}

impl Default for Notifier {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
        }
    }
}

impl Notifier {
    pub fn notify(&self, account_id: Id) {
        // No receiver means nobody is connected; nothing to wake.
        let _ = self.sender.send(account_id);
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
    let mut wake = state.notifier.subscribe();
    let mut heartbeat = tokio::time::interval(state.config.events.heartbeat);
    heartbeat.tick().await;
    let mut last = after;

    if must_resync(&state.store, caller.account_id, after).await? {
        let head = head(&mut *state.store.pool().acquire().await?).await?;
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
            let events = read_after(&state.store, caller.account_id, caller.agent_id, last).await?;
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
