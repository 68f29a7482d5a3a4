//! Agent presence: which status an agent is in and since when.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A status key: one of the built-in keys below, or an account-defined `custom-…` key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct StatusKey(pub String);

impl StatusKey {
    pub const AVAILABLE: &str = "available";
    pub const AWAY: &str = "away";
    pub const ON_CALL: &str = "on_call";
    pub const AFTER_CALL_WORK: &str = "after_call_work";
    pub const OFFLINE: &str = "offline";

    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    pub fn available() -> Self {
        Self::new(Self::AVAILABLE)
    }

    pub fn away() -> Self {
        Self::new(Self::AWAY)
    }

    pub fn on_call() -> Self {
        Self::new(Self::ON_CALL)
    }

    pub fn after_call_work() -> Self {
        Self::new(Self::AFTER_CALL_WORK)
    }

    pub fn offline() -> Self {
        Self::new(Self::OFFLINE)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The built-in kind of this key, or `Custom` for an account-defined status.
    pub fn kind(&self) -> StatusKind {
        match self.0.as_str() {
            Self::AVAILABLE => StatusKind::Available,
            Self::AWAY => StatusKind::Away,
            Self::ON_CALL => StatusKind::OnCall,
            Self::AFTER_CALL_WORK => StatusKind::AfterCallWork,
            Self::OFFLINE => StatusKind::Offline,
            _ => StatusKind::Custom,
        }
    }
}

impl std::fmt::Display for StatusKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatusKind {
    Available,
    Away,
    OnCall,
    AfterCallWork,
    Offline,
    Custom,
}

/// One status an account offers. Built-in statuses carry no label: clients name them in the
/// agent's language; custom statuses carry the label their administrator gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusDef {
    pub key: StatusKey,
    pub kind: StatusKind,
    /// The administrator's name for a custom status; empty for built-in ones.
    pub label: String,
    /// `#rrggbb`.
    pub color: String,
    /// Whether other agents may call an agent in this status.
    pub callable: bool,
    /// Whether an agent may pick this status by hand.
    pub selectable: bool,
}

/// An agent's current status and when it began.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Presence {
    pub status: StatusKey,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub since: OffsetDateTime,
}

/// Body of `PUT /api/v1/me/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetStatus {
    pub status: StatusKey,
}
