//! Calls between agents (and, later, customers): signalling bodies and the call as events
//! show it. Media is negotiated with SDP: each agent's engine offers, the hub answers.

use serde::{Deserialize, Serialize};

use crate::Id;

/// Body of `POST /api/v1/calls`: call another agent of the account (`to_agent`) or an
/// external number (`to_number`, any form the account's country reads; exactly one of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartCall {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_agent: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_number: Option<String>,
    /// The outbound caller ID for an external call; only agents allowed to choose may set
    /// it (F-11), others call out with the account's first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_id: Option<Id>,
    /// The caller's SDP offer.
    pub offer: String,
}

/// Whom a call goes to, as the dialer has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Agent(Id),
    /// E.164, with the caller ID picked (if the agent may pick).
    Number {
        e164: String,
        caller_id: Option<Id>,
    },
}

/// Body of `POST /api/v1/calls/{id}/accept`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptCall {
    /// The callee's SDP offer.
    pub offer: String,
}

/// Body of `POST /api/v1/calls/{id}/transfer`: hand the other party to another agent
/// (blind transfer: the call rings there while the other party hears hold music).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferCall {
    /// An agent of the account; or
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_agent: Option<Id>,
    /// one of its ring groups: a customer's call waits there (with music) for its agents; or
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_group: Option<Id>,
    /// an outside number (any form the account's country reads), through the carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_number: Option<String>,
}

impl TransferCall {
    pub fn agent(agent: Id) -> Self {
        Self {
            to_agent: Some(agent),
            to_group: None,
            to_number: None,
        }
    }

    pub fn group(group: Id) -> Self {
        Self {
            to_agent: None,
            to_group: Some(group),
            to_number: None,
        }
    }

    pub fn number(number: impl Into<String>) -> Self {
        Self {
            to_agent: None,
            to_group: None,
            to_number: Some(number.into()),
        }
    }
}

/// A ring group agents can hand customers' calls to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RingGroup {
    pub id: Id,
    pub name: String,
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
    /// One party put the other on hold: the held party hears music.
    Held,
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
    /// Nobody took the call in time (a waiting caller with nowhere left to go, or an
    /// outside number that rang out).
    NoAnswer,
    /// The outside number was busy.
    Busy,
    /// The outside number could not be reached: it does not exist, or the carrier refused
    /// the call.
    Unreachable,
    /// The caller left a message instead of talking to an agent.
    Voicemail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Party {
    /// The agent; none for a party on the phone network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<Id>,
    /// The agent's name; for the phone network, the contact's name or the number.
    pub name: String,
    /// E.164, for a party on the phone network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

impl Party {
    pub fn agent(id: Id, name: impl Into<String>) -> Self {
        Self {
            agent_id: Some(id),
            name: name.into(),
            number: None,
        }
    }

    /// A ring group a call waits in until one of its agents takes it.
    pub fn group(name: impl Into<String>) -> Self {
        Self {
            agent_id: None,
            name: name.into(),
            number: None,
        }
    }

    /// A caller or callee on the phone network.
    pub fn phone(number: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            agent_id: None,
            name: name.into(),
            number: Some(number.into()),
        }
    }

    /// Whether this party is `agent`.
    pub fn is(&self, agent: Id) -> bool {
        self.agent_id == Some(agent)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Call {
    pub id: Id,
    /// Grows with every change the hub publishes of the call (and of its consultation):
    /// a snapshot with a lower version than one already seen is older news.
    #[serde(default)]
    pub version: u64,
    /// The caller; after a transfer, the party who was handed on.
    pub from: Party,
    /// The called agent; after a transfer, the agent it was handed to.
    pub to: Party,
    pub state: CallState,
    pub outcome: Option<CallOutcome>,
    /// Who put the call on hold (only they can resume it).
    #[serde(default)]
    pub held_by: Option<Id>,
    /// The agent who last transferred the call. An agent who gets a call in which they are
    /// no longer a party has handed it on.
    #[serde(default)]
    pub transferred_by: Option<Party>,
    /// The agents an inbound call is ringing at (offered by its ring group).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offered_to: Vec<Id>,
    /// For a call from the phone network: the number the customer dialled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialled: Option<String>,
    /// For a call from the phone network: the ring group that offered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring_group: Option<String>,
    /// For a call from the phone network: since when the caller has been waiting for an agent.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub waiting_since: Option<time::OffsetDateTime>,
    /// For a call to the phone network: the far end is ringing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub alerting: bool,
    /// What is known about why the customer calls: what they keyed in the call flow, what
    /// it set, what outside systems attached (F-21), in the order it was learnt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<ContextItem>,
    /// For a call from the phone network, in an account with Identity: who is really
    /// calling (F-43).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Box<crate::Identity>>,
    /// Whether the call is being recorded: every party sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording: Option<Recording>,
    /// While one of its agents consults another before a transfer: the consulting call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consult: Option<Id>,
    /// For a consulting call: the call it is about (its other party waits on hold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consult_of: Option<Id>,
    /// A consulting call that ended because the transfer was completed: its agent now talks
    /// on this call instead (same media).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<Id>,
    /// The call and its consultation are one three-way call: everyone hears everyone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub conference: bool,
    /// A blind transfer that did not go through brought the call back (it rings again at
    /// the agent who made it, or waits in its ring group): where it was sent, and how it went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned: Option<Returned>,
}

/// Where a blind transfer went that did not go through, and how it went there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Returned {
    pub to: Party,
    /// Declined, busy, no answer, unreachable or failed.
    pub outcome: CallOutcome,
}

/// A call's recording, as its parties see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Recording {
    Recording,
    /// An agent paused it; nothing is kept until they resume.
    Paused,
}

/// One piece of an interaction's Context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContextItem {
    pub key: String,
    pub value: String,
}

/// Body of `POST /api/v1/calls/{id}/context`: pieces of Context an outside system (or an
/// agent) attaches to a live call; a key already there takes the new value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachContext {
    pub context: Vec<ContextItem>,
}

impl Call {
    /// A new call from `from` to `to`, ringing; everything else as nothing happened yet.
    pub fn ringing(id: Id, from: Party, to: Party) -> Self {
        Self {
            id,
            version: 0,
            from,
            to,
            state: CallState::Ringing,
            outcome: None,
            held_by: None,
            transferred_by: None,
            offered_to: Vec::new(),
            dialled: None,
            ring_group: None,
            waiting_since: None,
            alerting: false,
            context: Vec::new(),
            identity: None,
            recording: None,
            consult: None,
            consult_of: None,
            merged_into: None,
            conference: false,
            returned: None,
        }
    }

    /// Whether `agent` is one of the call's two parties now.
    pub fn involves(&self, agent: Id) -> bool {
        self.from.is(agent) || self.to.is(agent)
    }

    /// Whether the call is ringing at `agent`'s desk.
    pub fn rings_at(&self, agent: Id) -> bool {
        self.state == CallState::Ringing && (self.to.is(agent) || self.offered_to.contains(&agent))
    }

    /// Whether this snapshot is newer news of the call than `known` (a snapshot of the same
    /// call): older or repeated ones change nothing.
    pub fn newer_than(&self, known: &Call) -> bool {
        self.version > known.version
    }

    /// The party that is not `agent`.
    pub fn other_party(&self, agent: Id) -> &Party {
        if self.from.is(agent) {
            &self.to
        } else {
            &self.from
        }
    }
}

/// `GET /api/v1/media/ice-servers`: the STUN and TURN servers an engine (or a browser)
/// gathers its candidates from before it offers, written the way WebRTC's
/// `RTCConfiguration` writes them. TURN credentials may be short-lived: fetch before each call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IceServers {
    pub ice_servers: Vec<IceServer>,
    pub ice_transport_policy: IceTransportPolicy,
}

/// One STUN or TURN server: `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// Which candidates engines offer: every kind, or only TURN relays (nothing else gets
/// through the agents' firewall, or their addresses must stay private).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum IceTransportPolicy {
    #[default]
    All,
    Relay,
}
