//! The JSON body of every error answer: a stable code for programs, a sentence for people.

use serde::{Deserialize, Serialize};

/// Machine-readable error codes. Clients match on these, never on the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or a parameter is malformed.
    BadRequest,
    /// Email or password is wrong.
    InvalidCredentials,
    /// Too many failed sign-ins; try again later.
    RateLimited,
    /// No session token, or one the hub does not know (signed out, revoked).
    Unauthorized,
    /// The session token was valid but has expired.
    SessionExpired,
    /// The caller's role does not allow this.
    Forbidden,
    /// No such object in the caller's account.
    NotFound,
    /// The request conflicts with the current state.
    Conflict,
    /// The agent is in after-call work and the status cannot be changed by hand.
    StatusLocked,
    /// The request body is larger than the hub accepts.
    PayloadTooLarge,
    /// An external number was dialed but the account has no phone line (SIP trunk).
    NoTrunk,
    /// The call no longer rings here: someone else took it, or the caller hung up.
    NoLongerRinging,
    /// The agent cannot take calls in their status now.
    Unavailable,
    /// Something failed inside the hub.
    Internal,
    /// A code this client does not know yet (a newer hub).
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}
