//! What stays of a call once it is over: each agent's notes and disposition (F-41, F-44),
//! and the record the history shows (direction, parties, times, outcome).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{CallOutcome, Disposition, Id, Party};

/// Longest notes one agent keeps on one call, in characters.
pub const MAX_NOTES_CHARS: usize = 20_000;

/// Body of `PUT /api/v1/calls/{id}/notes`: the agent's notes and disposition for a call they
/// took part in. `revision` grows with every edit on the agent's side; the hub keeps the
/// highest it has seen, so a retried or late older save never undoes a newer one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveNotes {
    pub notes: String,
    #[serde(default)]
    pub disposition_id: Option<Id>,
    pub revision: u64,
}

/// One agent's notes on a call, as the hub keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallNotes {
    pub call_id: Id,
    pub agent_id: Id,
    pub agent_name: String,
    pub notes: String,
    #[serde(default)]
    pub disposition: Option<Disposition>,
    pub revision: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: OffsetDateTime,
}

/// Which way a call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A customer called the account.
    Inbound,
    /// An agent called the phone network.
    Outbound,
    /// One agent called another.
    Internal,
}

/// A call in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallRecord {
    pub id: Id,
    pub direction: Direction,
    /// Who called. For the phone network, the contact's name when the number is known.
    pub from: Party,
    /// Who was called; for an inbound call, the agent who answered it (none if nobody did).
    #[serde(default)]
    pub to: Option<Party>,
    /// Who the call was handed to by transfers that went through, in order: agents, and
    /// outside numbers (the number as the name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transferred_to: Vec<Party>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub started_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub answered_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub ended_at: Option<OffsetDateTime>,
    /// None while the call goes on.
    #[serde(default)]
    pub outcome: Option<CallOutcome>,
    /// Every agent's notes and disposition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<CallNotes>,
    /// Seconds of recording kept (`GET /calls/{id}/recording`), if the call was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_seconds: Option<u32>,
}

impl CallRecord {
    /// Seconds from answer to end; none for a call that was never answered or goes on.
    pub fn talk_seconds(&self) -> Option<i64> {
        Some((self.ended_at? - self.answered_at?).whole_seconds().max(0))
    }

    /// The number to call back: the phone network's party, whichever way the call went.
    pub fn phone_number(&self) -> Option<&str> {
        self.from
            .number
            .as_deref()
            .or_else(|| self.to.as_ref().and_then(|to| to.number.as_deref()))
    }
}
