//! One module per screen; each owns its state and `Message`, and hands `Action`s up.

pub mod sign_in;
pub mod workspace;

use switchboard_client::Error;
use switchboard_protocol::ErrorCode;

use crate::fl;

/// An error as the agent should read it.
pub fn describe(error: &Error) -> String {
    match error {
        Error::Unreachable { url, .. } => fl!("error-unreachable", url = url.clone()),
        Error::BadUrl(url) => fl!("error-bad-url", url = url.clone()),
        Error::Hub { code, message, .. } => match code {
            ErrorCode::InvalidCredentials => fl!("error-wrong-password"),
            ErrorCode::RateLimited => fl!("error-rate-limited"),
            ErrorCode::Unauthorized | ErrorCode::SessionExpired => fl!("error-session-expired"),
            ErrorCode::StatusLocked => fl!("error-status-locked"),
            ErrorCode::NoTrunk => fl!("error-no-trunk"),
            ErrorCode::NoLongerRinging => fl!("error-no-longer-ringing"),
            ErrorCode::Unavailable => fl!("error-unavailable"),
            ErrorCode::Forbidden => fl!("error-forbidden"),
            ErrorCode::PayloadTooLarge => fl!("error-too-large"),
            _ => fl!("error-hub", message = message.clone()),
        },
        Error::Keychain(_) => fl!("error-keychain"),
        Error::Protocol(message) => fl!("error-unexpected", message = message.clone()),
        Error::Io(error) => fl!("error-unexpected", message = error.to_string()),
        Error::Local(reason) => fl!("error-local-notes", reason = reason.clone()),
    }
}
