//! The client's one error type: `Clone`, so it can travel inside GUI messages.

use std::sync::Arc;

use switchboard_protocol::ErrorCode;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The hub could not be reached at all (down, wrong address, no network).
    #[error("cannot reach the hub at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// The hub answered with an error.
    #[error("{message}")]
    Hub {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// The hub answered something this client cannot read.
    #[error("unexpected answer from the hub: {0}")]
    Protocol(String),
    #[error("{0} is not a hub address")]
    BadUrl(String),
    #[error("keychain: {0}")]
    Keychain(String),
    #[error("{0}")]
    Io(Arc<std::io::Error>),
    /// This machine's own store (notes drafts, the outbox) failed.
    #[error("the store on this computer: {0}")]
    Local(String),
}

impl Error {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Hub { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The hub understood the request and will never accept it as it is (not allowed, not
    /// found, invalid): sending it again unchanged is pointless. A lost session, a request
    /// that timed out or was throttled, and the hub's own failures are not refusals.
    pub fn is_refusal(&self) -> bool {
        match self {
            Error::Hub { status, .. } => {
                (400..500).contains(status) && !matches!(status, 401 | 408 | 425 | 429)
            }
            _ => false,
        }
    }

    /// The session is gone (expired, revoked, signed out elsewhere): sign in again.
    pub fn is_session_lost(&self) -> bool {
        matches!(
            self.code(),
            Some(ErrorCode::Unauthorized | ErrorCode::SessionExpired)
        )
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::Io(Arc::new(error))
    }
}
