//! The JSON body of every error answer: a stable code for programs, a sentence for people.
//!
//! Clients say what went wrong from the code alone, in the user's language; the message is
//! English for logs and for people reading the API by hand. Every refusal an agent can meet
//! has a code of its own here.

use serde::{Deserialize, Serialize};

/// Machine-readable error codes. Clients match on these, never on the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumIter)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or a parameter is malformed.
    BadRequest,
    /// Email or password is wrong.
    InvalidCredentials,
    /// Signing in needs both an email and a password.
    CredentialsRequired,
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
    /// The request conflicts with what the account already has (a name taken, say).
    Conflict,
    /// The request body is larger than the hub accepts.
    PayloadTooLarge,
    /// Something failed inside the hub.
    Internal,

    // Presence.
    /// The agent is in after-call work and the status cannot be changed by hand.
    StatusLocked,
    /// The account has no such status.
    UnknownStatus,
    /// The status is set by the hub (On a call, After-call work), not by hand.
    StatusNotSelectable,
    /// Done with wrap-up, but the agent is not in after-call work.
    NotInWrapUp,

    // Numbers and contacts.
    /// Not a phone number (empty, too long, or not valid in the account's country).
    InvalidNumber,
    /// A contact needs a name (of at most 200 characters).
    ContactNameRequired,
    /// Too many numbers or emails, or a company name too long, for one contact.
    ContactTooLarge,
    /// Not an email address.
    InvalidEmail,
    /// A search needs some text (of at most 200 characters; for messages, at least 3).
    InvalidSearch,

    // Starting and taking calls.
    /// An external number was dialed but the account has no phone line (SIP trunk).
    NoTrunk,
    /// An agent cannot call themselves.
    CannotCallSelf,
    /// The agent cannot take calls in their status now.
    Unavailable,
    /// The call no longer rings here: someone else took it, or the caller hung up.
    NoLongerRinging,
    /// The call is offered to the agent: accept or decline it (hanging up is for parties).
    OfferedToYou,

    // Controlling a call.
    /// The call is not connected (still ringing or dialling), or the agent does not control it.
    NotConnected,
    /// The call is already on hold.
    OnHold,
    /// The call is not on hold.
    NotOnHold,
    /// The other party put the call on hold: only they can take it off.
    HeldByOther,
    /// The agent is consulting someone about the call: finish or cancel that first.
    Consulting,
    /// The call is a three-way call: the consulting agent hands it on or leaves it.
    ThreeWay,
    /// The transfer or consultation goes to someone already on the call.
    OnTheCall,
    /// Only a customer's inbound call can wait in a ring group.
    NotACustomersCall,
    /// The agent is already consulting someone.
    AlreadyConsulting,
    /// The agent is not consulting anyone.
    NotConsulting,
    /// The colleague consulted has not answered yet.
    ColleagueNotAnswered,

    // Recording, Identity, Context.
    /// The call is not being recorded.
    NotRecorded,
    /// The account does not let agents pause recordings.
    PauseNotAllowed,
    /// The call has no phone number to put on the block list.
    NoNumberToBlock,
    /// Voice biometrics are part of Identity, which the account does not have.
    NoIdentity,
    /// Only a customer's voice on the phone network can be checked.
    NotAPhoneCaller,
    /// A voiceprint is kept only with the caller's consent.
    ConsentRequired,
    /// A piece of Context is malformed (a key of 1 to 64 printable characters, a value of
    /// at most 1024).
    InvalidContext,
    /// A call keeps at most 50 pieces of Context.
    TooMuchContext,

    // Notes.
    /// Notes are limited to `MAX_NOTES_CHARS` characters.
    NotesTooLong,
    /// The disposition is not one the agent may pick.
    UnknownDisposition,

    // Conversations.
    /// A message or note needs text, of at most `MAX_MESSAGE_CHARS` characters.
    InvalidMessage,
    /// A message's key (made by the client, kept across retries) must be 1 to
    /// `MAX_CLIENT_KEY_CHARS` printable characters.
    InvalidClientKey,
    /// The message key was already used for a different message.
    ClientKeyReused,
    /// Another agent is working on this conversation.
    AssignedToOther,
    /// Nothing is open in this conversation.
    NothingOpen,
    /// The contact has no channel to write to (no chat, number or address).
    NoChannel,
    /// A contact cannot be merged into itself.
    SameContact,
    /// A canned reply needs a shortcut of 1 to `MAX_SHORTCUT_CHARS` lower-case letters,
    /// digits or dashes, and text (of at most `MAX_MESSAGE_CHARS`) whose only placeholders are
    /// `{contact}`, `{first_name}` and `{agent}`.
    InvalidCannedReply,
    /// A widget needs a name (at most 100 characters), at least one website origin
    /// (`https://host[:port]`, nothing after), a colour `#rrggbb` and a greeting of at most
    /// 500 characters.
    InvalidWidget,
    /// The website's signature of its user does not match: the visitor is not linked.
    IdentityNotVouched,
    /// An administrator or supervisor blocked this website visitor.
    VisitorBlocked,
    /// A chat rating is 1 to 5 stars with a comment of at most 1000 characters.
    InvalidRating,
    /// A file is empty, or a message names a file its sender did not upload to that
    /// conversation (or one already sent), or more than `MAX_ATTACHMENTS`.
    InvalidAttachment,
    /// Another contact already has this number or address: merge the two contacts instead.
    IdentityTaken,

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn every_code_reads_back_and_a_newer_one_reads_as_unknown() {
        for code in ErrorCode::iter() {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
        }
        let newer: ErrorCode = serde_json::from_str("\"quantum_entangled\"").unwrap();
        assert_eq!(newer, ErrorCode::Unknown);
    }
}
