//! Contacts: the people agents talk to, with their numbers, addresses and CRM links.

use serde::{Deserialize, Serialize};

use crate::Id;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: Id,
    pub name: String,
    pub company: String,
    pub phones: Vec<ContactPhone>,
    pub emails: Vec<String>,
    /// One badge for the contact in Contacts, then one per integration that knows them (F-22).
    pub badges: Vec<Badge>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactPhone {
    /// E.164, e.g. `+14155550100`.
    pub number: String,
    pub label: String,
}

/// A place that knows this contact; clicking it opens `url` ("contact pop").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Badge {
    /// `contacts` for Switchboard's own Contacts; otherwise the integration's key.
    pub integration: String,
    pub label: String,
    /// Empty for the Contacts badge, which opens inside the workspace.
    pub url: String,
    /// The account's default CRM: reuse its already-open window.
    pub default: bool,
}

/// Body of `POST /api/v1/contacts`: a new contact of the agent's account. Numbers may be
/// written in any form the account's country reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewContact {
    pub name: String,
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub phones: Vec<ContactPhone>,
    #[serde(default)]
    pub emails: Vec<String>,
}
