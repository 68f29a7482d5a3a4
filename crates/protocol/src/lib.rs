//! The wire contract between the Switchboard hub and its clients: every REST body, every
//! event and the API version. Both sides compile against these types, so a change here is a
//! change of the protocol.

pub mod call;
pub mod contact;
pub mod conversation;
pub mod error;
pub mod event;
pub mod history;
pub mod identity;
pub mod presence;
pub mod session;

pub use call::{
    AcceptCall, AttachContext, Call, CallOutcome, CallState, ContextItem, IceServer, IceServers,
    IceTransportPolicy, MediaAnswer, Party, Recording, Returned, RingGroup, StartCall, Target,
    TransferCall,
};
pub use contact::{Badge, Contact, ContactPhone, NewContact};
pub use conversation::{
    AssignEpisode, Attachment, Author, CannedReply, Channel, CreatedWidget, Episode, EpisodeState,
    MAX_ATTACHMENTS, MAX_CLIENT_KEY_CHARS, MAX_MESSAGE_CHARS, MAX_PAGE, MAX_SHORTCUT_CHARS,
    MergeContact, Message, MessagePage, MessageStatus, NewWidget, ReadUpTo, ResolveEpisode,
    SearchHit, SendMessage, SetCannedReply, Thread, Widget,
};
pub use error::{ErrorBody, ErrorCode};
pub use event::{Event, EventEnvelope};
pub use history::{CallNotes, CallRecord, Direction, MAX_NOTES_CHARS, SaveNotes};
pub use identity::{
    Attestation, EnrolVoice, Identity, LineType, Risk, RiskReason, ShakenProblem, VoiceCheck,
    VoiceStatus,
};
pub use presence::{Presence, SetStatus, StatusDef, StatusKey, StatusKind};
pub use session::{
    Account, AccountSettings, AgentSummary, Bootstrap, CallerId, Disposition, Health, Me, Role,
    SignIn, SignedIn,
};

/// The REST and WebSocket API version; every path starts with `/api/{API_VERSION}`.
pub const API_VERSION: &str = "v1";

/// Largest request body the hub accepts, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Identifiers are database integers; they are only meaningful inside one account.
pub type Id = i64;
