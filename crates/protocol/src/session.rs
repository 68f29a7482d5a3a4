//! Signing in, and what a client loads right after: the agent, the account and its people.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{Id, Presence, StatusDef};

/// Body of `POST /api/v1/sessions`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignIn {
    pub email: String,
    pub password: String,
    /// Ask for a long-lived session ("keep me signed in").
    #[serde(default)]
    pub remember: bool,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("email", &self.email)
            .field("password", &"…")
            .field("remember", &self.remember)
            .finish()
    }
}

/// Answer to a successful sign-in. The token is shown once; the hub keeps only its hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedIn {
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
    pub me: Me,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("token", &"…")
            .field("expires_at", &self.expires_at)
            .field("me", &self.me)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "agent" => Ok(Role::Agent),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role {other:?}: expected agent, supervisor or admin"
            )),
        }
    }
}

/// The signed-in agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: Id,
    pub account_id: Id,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub presence: Presence,
    /// Whether the agent may pick the outbound caller ID (F-11).
    pub can_choose_caller_id: bool,
}

/// Another agent of the same account, as the "Call an Agent" list shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentSummary {
    pub id: Id,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub presence: Presence,
}

/// Switches an administrator sets per account; the hub enforces them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountSettings {
    /// Put agents in "On a call" while they are on a call (F-31).
    pub auto_on_call: bool,
    /// Put agents in "After-call work" when a call ends (F-31, F-34).
    pub after_call_work: bool,
    /// End after-call work by itself after this many seconds; 0 waits for the agent.
    pub after_call_work_timeout_secs: u32,
    /// ISO 3166 country used to read national numbers, e.g. "US".
    pub default_country: String,
    /// The account has Identity (F-43): callers' numbers are checked (validity, STIR/SHAKEN,
    /// block list, velocity) and voiceprints can be enrolled and verified.
    #[serde(default)]
    pub identity: bool,
    /// Record every call with the phone network, with an indicator for the agent.
    #[serde(default)]
    pub record_calls: bool,
    /// Agents may pause and resume a call's recording (card numbers, say).
    #[serde(default)]
    pub recording_pause: bool,
    /// Recordings are deleted this many days after their call; 0 keeps them until an
    /// administrator deletes them.
    #[serde(default)]
    pub recording_retention_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: Id,
    pub name: String,
    pub settings: AccountSettings,
}

/// A number the account may present to customers on outbound calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallerId {
    pub id: Id,
    /// E.164.
    pub number: String,
    pub label: String,
}

/// An outcome an agent can attach to an interaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Disposition {
    pub id: Id,
    pub label: String,
}

/// Everything a client needs after sign-in, read in one consistent snapshot. Events after
/// `event_seq` complete it: connect the event stream with `after = event_seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bootstrap {
    pub me: Me,
    pub account: Account,
    pub statuses: Vec<StatusDef>,
    /// Every agent of the account but the caller, ordered by name.
    pub agents: Vec<AgentSummary>,
    pub caller_ids: Vec<CallerId>,
    pub dispositions: Vec<Disposition>,
    /// The account's ring groups (where customers' calls can be transferred).
    #[serde(default)]
    pub ring_groups: Vec<crate::RingGroup>,
    pub event_seq: u64,
}

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
    pub api: String,
}
