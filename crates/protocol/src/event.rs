//! Events the hub pushes to an agent over `GET /api/v1/events` (a WebSocket).
//!
//! Each event carries a sequence number that strictly increases for that agent. A client that
//! reconnects passes `?after=<last seq it saw>` and receives every later event exactly once.
//! If the hub no longer holds events that far back it sends one `Resync` first: the client
//! then reloads the bootstrap and continues from the `Resync` envelope's `seq`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{AgentSummary, Id, Presence};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventEnvelope {
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    pub event: Event,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// An agent of the account (the receiver included) changed status.
    PresenceChanged { agent_id: Id, presence: Presence },
    /// An agent joined the account.
    AgentAdded { agent: AgentSummary },
    /// An agent left the account.
    AgentRemoved { agent_id: Id },
    /// A call the receiver takes part in was offered, answered or ended.
    /// Boxed: a call (parties, offers, numbers) is much larger than the other events.
    CallUpdated { call: Box<crate::Call> },
    /// A conversation thread changed: a new episode, who it is assigned to, unread, resolved.
    ThreadUpdated { thread: Box<crate::Thread> },
    /// A message or note was added to a thread.
    MessageCreated { message: Box<crate::Message> },
    /// A message's status changed (sent, delivered, read, failed).
    MessageUpdated { message: Box<crate::Message> },
    /// Two contacts were found to be one person: `from` is gone, its identities and thread
    /// are `into`'s now (`thread` is the surviving thread).
    ContactMerged { from: Id, into: Id, thread: Id },
    /// Someone is typing in a thread (the customer, or a colleague): shown for a few
    /// seconds, never stored; its `seq` is the last stored event's.
    Typing { thread_id: Id, name: String },
    /// The receiver's session ended (signed out elsewhere, revoked, expired).
    SessionEnded,
    /// Events were lost to retention: reload the bootstrap and continue after this `seq`.
    Resync,
    /// An event this client does not know yet (a newer hub); skip it.
    #[serde(other)]
    Unknown,
}
