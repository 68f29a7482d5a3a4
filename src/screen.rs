//! One module per screen; each owns its state and `Message`, and hands `Action`s up.

pub mod sign_in;
pub mod workspace;

use switchboard_client::Error;
use switchboard_protocol::ErrorCode;

use crate::fl;

/// An error as the agent should read it: in their language, whatever the hub's own words
/// (never shown: they are English, for logs).
pub fn describe(error: &Error) -> String {
    match error {
        Error::Unreachable { url, .. } => fl!("error-unreachable", url = url.clone()),
        Error::BadUrl(url) => fl!("error-bad-url", url = url.clone()),
        Error::Hub { code, .. } => refusal(*code),
        Error::Keychain(_) => fl!("error-keychain"),
        Error::Protocol(message) => fl!("error-unexpected", message = message.clone()),
        Error::Io(error) => fl!("error-unexpected", message = error.to_string()),
        Error::Local(reason) => fl!("error-local-notes", reason = reason.clone()),
    }
}

/// What the hub's refusal `code` means, in the agent's words. Every code has its own; a code
/// this version does not know (a newer hub) says so.
pub fn refusal(code: ErrorCode) -> String {
    match code {
        ErrorCode::BadRequest => fl!("error-bad-request"),
        ErrorCode::InvalidCredentials => fl!("error-wrong-password"),
        ErrorCode::CredentialsRequired => fl!("error-missing-fields"),
        ErrorCode::RateLimited => fl!("error-rate-limited"),
        ErrorCode::Unauthorized | ErrorCode::SessionExpired => fl!("error-session-expired"),
        ErrorCode::Forbidden => fl!("error-forbidden"),
        ErrorCode::NotFound => fl!("error-not-found"),
        ErrorCode::Conflict => fl!("error-conflict"),
        ErrorCode::PayloadTooLarge => fl!("error-too-large"),
        ErrorCode::Internal => fl!("error-internal"),
        ErrorCode::StatusLocked => fl!("error-status-locked"),
        ErrorCode::UnknownStatus => fl!("error-unknown-status"),
        ErrorCode::StatusNotSelectable => fl!("error-status-not-selectable"),
        ErrorCode::NotInWrapUp => fl!("error-not-in-wrap-up"),
        ErrorCode::InvalidNumber => fl!("error-invalid-number"),
        ErrorCode::ContactNameRequired => fl!("error-contact-name-required"),
        ErrorCode::ContactTooLarge => fl!("error-contact-too-large"),
        ErrorCode::InvalidEmail => fl!("error-invalid-email"),
        ErrorCode::InvalidSearch => fl!("error-invalid-search"),
        ErrorCode::NoTrunk => fl!("error-no-trunk"),
        ErrorCode::CannotCallSelf => fl!("error-cannot-call-self"),
        ErrorCode::Unavailable => fl!("error-unavailable"),
        ErrorCode::NoLongerRinging => fl!("error-no-longer-ringing"),
        ErrorCode::OfferedToYou => fl!("error-offered-to-you"),
        ErrorCode::NotConnected => fl!("error-not-connected"),
        ErrorCode::OnHold => fl!("error-on-hold"),
        ErrorCode::NotOnHold => fl!("error-not-on-hold"),
        ErrorCode::HeldByOther => fl!("error-held-by-other"),
        ErrorCode::Consulting => fl!("error-consulting"),
        ErrorCode::ThreeWay => fl!("error-three-way"),
        ErrorCode::OnTheCall => fl!("error-on-the-call"),
        ErrorCode::NotACustomersCall => fl!("error-not-a-customers-call"),
        ErrorCode::AlreadyConsulting => fl!("error-already-consulting"),
        ErrorCode::NotConsulting => fl!("error-not-consulting"),
        ErrorCode::ColleagueNotAnswered => fl!("error-colleague-not-answered"),
        ErrorCode::NotRecorded => fl!("error-not-recorded"),
        ErrorCode::PauseNotAllowed => fl!("error-pause-not-allowed"),
        ErrorCode::NoNumberToBlock => fl!("error-no-number-to-block"),
        ErrorCode::NoIdentity => fl!("error-no-identity"),
        ErrorCode::NotAPhoneCaller => fl!("error-not-a-phone-caller"),
        ErrorCode::ConsentRequired => fl!("error-consent-required"),
        ErrorCode::InvalidContext => fl!("error-invalid-context"),
        ErrorCode::TooMuchContext => fl!("error-too-much-context"),
        ErrorCode::NotesTooLong => fl!("error-notes-too-long"),
        ErrorCode::UnknownDisposition => fl!("error-unknown-disposition"),
        ErrorCode::InvalidMessage => fl!("error-invalid-message"),
        ErrorCode::InvalidClientKey => fl!("error-invalid-client-key"),
        ErrorCode::ClientKeyReused => fl!("error-client-key-reused"),
        ErrorCode::AssignedToOther => fl!("error-assigned-to-other"),
        ErrorCode::NothingOpen => fl!("error-nothing-open"),
        ErrorCode::NoChannel => fl!("error-no-channel"),
        ErrorCode::SameContact => fl!("error-same-contact"),
        ErrorCode::InvalidCannedReply => fl!("error-invalid-canned-reply"),
        ErrorCode::InvalidWidget => fl!("error-invalid-widget"),
        ErrorCode::IdentityNotVouched => fl!("error-identity-not-vouched"),
        ErrorCode::VisitorBlocked => fl!("error-visitor-blocked"),
        ErrorCode::InvalidRating => fl!("error-invalid-rating"),
        ErrorCode::InvalidAttachment => fl!("error-invalid-attachment"),
        ErrorCode::IdentityTaken => fl!("error-identity-taken"),
        ErrorCode::Unknown => fl!("error-unknown-code"),
    }
}
