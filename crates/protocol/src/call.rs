//! Calls between agents (and, later, customers): signalling bodies and the call as events
//! show it. Media is negotiated with SDP: each agent's engine offers, the hub answers.

use serde::{Deserialize, Serialize};

use crate::Id;

/// Body of `POST /api/v1/calls`: call another agent of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartCall {
    pub to_agent: Id,
    /// The caller's SDP offer.
    pub offer: String,
}

/// Body of `POST /api/v1/calls/{id}/accept`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptCall {
    /// The callee's SDP offer.
    pub offer: String,
}

/// The hub's SDP answer to an agent's offer, with the call it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaAnswer {
    pub call: Call,
    pub answer: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    Ringing,
    Live,
    Ended,
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Completed,
    Declined,
    /// The caller hung up before it was answered.
    Cancelled,
    /// A party's connection was lost.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Party {
    pub agent_id: Id,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Call {
    pub id: Id,
    pub from: Party,
    pub to: Party,
    pub state: CallState,
    pub outcome: Option<CallOutcome>,
}
