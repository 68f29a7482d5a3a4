//! The hub's event stream, kept alive: connects, forwards every event, and when the
//! connection drops reconnects with back-off, resuming after the last `seq` it forwarded, so
//! the receiver sees every event once and in order across any number of network blips.

use std::time::Duration;

use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use switchboard_protocol::{Event, EventEnvelope};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::Hub;

#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// The stream is (again) connected and up to date.
    Connected,
    /// Boxed: an envelope (a call with its parties) is far larger than the other updates.
    Event(Box<EventEnvelope>),
    /// The connection dropped or could not be made; the next try is in `retry_in`.
    Disconnected { reason: String, retry_in: Duration },
    /// The hub no longer accepts the session; the stream has stopped.
    SessionEnded,
}

/// How long to wait between tries: doubling from `first` up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(500),
            max: Duration::from_secs(15),
        }
    }
}

/// Silence longer than this means the connection is dead (the hub pings every 20 s).
const SILENCE: Duration = Duration::from_secs(50);

/// Runs until the session ends or the receiver goes away.
pub async fn run(
    hub: Hub,
    token: String,
    mut after: u64,
    backoff: Backoff,
    mut out: mpsc::Sender<Update>,
) {
    let mut delay = backoff.first;
    loop {
        let reason = match connect(&hub, &token, after).await {
            Ok(mut socket) => {
                if out.send(Update::Connected).await.is_err() {
                    return;
                }
                delay = backoff.first;
                loop {
                    let frame = match tokio::time::timeout(SILENCE, socket.next()).await {
                        Err(_) => break "the hub went silent".to_owned(),
                        Ok(None) => break "the hub closed the connection".to_owned(),
                        Ok(Some(Err(error))) => break error.to_string(),
                        Ok(Some(Ok(frame))) => frame,
                    };
                    let Message::Text(text) = frame else {
                        continue;
                    };
                    let envelope: EventEnvelope = match serde_json::from_str(&text) {
                        Ok(envelope) => envelope,
                        Err(error) => {
                            tracing::warn!(%error, "unreadable event skipped");
                            continue;
                        }
                    };
                    if envelope.event == Event::SessionEnded {
                        let _ = out.send(Update::SessionEnded).await;
                        return;
                    }
                    after = after.max(envelope.seq);
                    if out.send(Update::Event(Box::new(envelope))).await.is_err() {
                        return;
                    }
                }
            }
            Err(Failure::SessionLost) => {
                let _ = out.send(Update::SessionEnded).await;
                return;
            }
            Err(Failure::Other(reason)) => reason,
        };
        tracing::info!(%reason, retry_in = ?delay, "event stream disconnected");
        let update = Update::Disconnected {
            reason,
            retry_in: delay,
        };
        if out.send(update).await.is_err() {
            return;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(backoff.max);
    }
}

enum Failure {
    SessionLost,
    Other(String),
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(hub: &Hub, token: &str, after: u64) -> Result<Socket, Failure> {
    let mut request = hub
        .events_url(after)
        .as_str()
        .into_client_request()
        .map_err(|e| Failure::Other(e.to_string()))?;
    let value = format!("Bearer {token}")
        .parse()
        .map_err(|_| Failure::SessionLost)?;
    request.headers_mut().insert("authorization", value);
    let connecting = tokio_tungstenite::connect_async(request);
    match tokio::time::timeout(Duration::from_secs(10), connecting).await {
        Err(_) => Err(Failure::Other("connecting took too long".into())),
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(tungstenite::Error::Http(response)))
            if response.status() == StatusCode::UNAUTHORIZED =>
        {
            Err(Failure::SessionLost)
        }
        Ok(Err(error)) => Err(Failure::Other(error.to_string())),
    }
}
