//! Conversations: one thread per contact holding every message on every digital channel
//! (live chat, SMS, email) and the agents' internal notes. Inside a thread, episodes are the
//! pieces of work: one opens when the customer writes and nothing is open, and ends when an
//! agent resolves it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::Id;

/// Longest message or note, in characters.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// Longest idempotency key a client may choose for a message.
pub const MAX_CLIENT_KEY_CHARS: usize = 64;

/// Most messages one page of a thread holds.
pub const MAX_PAGE: u32 = 200;

/// Where a message was written or goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Live chat on the account's website.
    Chat,
    Sms,
    Email,
    /// An internal note: agents read it, the customer never does.
    Note,
}

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    /// The thread's contact (the customer).
    Contact,
    Agent {
        id: Id,
        name: String,
    },
    /// The hub itself (an automatic answer, a status change).
    System,
}

/// Where an outgoing message is. It only moves forward: `pending` (the desktop has it, the
/// hub does not yet) → `accepted` (the hub stored it) → `sent` (the channel took it) →
/// `delivered` → `read`; or `failed` (with a reason) before it was delivered. A report that
/// arrives late or twice never moves it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Pending,
    Accepted,
    Sent,
    Delivered,
    Read,
    Failed,
}

impl MessageStatus {
    /// Whether a message in this status may move to `next`. Delivered and read messages
    /// reached the customer, so a late failure report does not undo that; a failed message
    /// stays failed (a retry is a new attempt, not a report).
    pub fn may_become(self, next: MessageStatus) -> bool {
        use MessageStatus::*;
        match (self, next) {
            (Failed, _) => false,
            (Delivered | Read, Failed) => false,
            (_, Failed) => true,
            (from, to) => to.rank() > from.rank(),
        }
    }

    fn rank(self) -> u8 {
        match self {
            MessageStatus::Pending => 0,
            MessageStatus::Accepted => 1,
            MessageStatus::Sent => 2,
            MessageStatus::Delivered => 3,
            MessageStatus::Read => 4,
            MessageStatus::Failed => 5,
        }
    }
}

/// One message or note of a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// Grows with every message of the account: later messages have larger ids.
    pub id: Id,
    pub thread_id: Id,
    /// The episode the message belongs to; `None` for a message that opened none (an
    /// automatic answer, a note outside any).
    pub episode_id: Option<Id>,
    pub channel: Channel,
    pub author: Author,
    pub text: String,
    pub status: MessageStatus,
    /// Why the message failed, in the channel's words.
    #[serde(default)]
    pub failure: Option<String>,
    /// The key the sending client chose, so it recognises its own message.
    #[serde(default)]
    pub client_key: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    /// Files sent with the message (`GET /api/v1/attachments/{id}` has each).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// A file sent with a message: uploaded first, then named by the message that sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: Id,
    /// The file's name as it was sent (without any folder).
    pub name: String,
    /// What the hub found the bytes to be (not what the sender claimed), e.g. `image/png`;
    /// `application/octet-stream` when it cannot tell.
    pub content_type: String,
    /// Bytes.
    pub size: u64,
}

impl Attachment {
    /// Images shown where the message is (PNG, JPEG, GIF, WebP); other files are downloads.
    pub fn is_image(&self) -> bool {
        matches!(
            self.content_type.as_str(),
            "image/png" | "image/jpeg" | "image/gif" | "image/webp"
        )
    }
}

/// Most files one message carries.
pub const MAX_ATTACHMENTS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EpisodeState {
    Open,
    Resolved,
}

/// A piece of work inside a thread: from the customer's first message after the last
/// resolution until an agent resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Episode {
    pub id: Id,
    pub state: EpisodeState,
    /// The channel the customer opened it on; replies go out on it.
    pub channel: Channel,
    /// The agent working on it; `None` while it waits in its group's queue.
    pub assignee: Option<Id>,
    /// The ring group whose queue it waits in.
    pub group_id: Option<Id>,
    #[serde(default)]
    pub disposition_id: Option<Id>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub opened_at: OffsetDateTime,
    /// When an agent first answered; `None` while the customer waits for one.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub first_response_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub resolved_at: Option<OffsetDateTime>,
}

/// A contact's thread as the inbox lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Thread {
    pub id: Id,
    pub contact_id: Id,
    pub contact_name: String,
    /// The newest episode, open or resolved; `None` before the first.
    pub episode: Option<Episode>,
    pub last_message: Option<Message>,
    /// The customer's messages the agents have not read yet.
    pub unread: u32,
    /// The agents have read the customer's messages up to this message id.
    #[serde(default)]
    pub read_upto: Id,
    /// Grows with every change of the thread; a client keeps the newest it saw.
    pub version: u64,
}

impl Thread {
    /// Whether this snapshot is newer than `other` of the same thread.
    pub fn newer_than(&self, other: &Thread) -> bool {
        self.version > other.version
    }
}

/// A page of a thread's messages, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagePage {
    pub messages: Vec<Message>,
    /// Whether more remain beyond this page: older ones (ask with `before` = the first
    /// message's id), or, for a page asked with `after`, newer ones (ask with `after` = the
    /// last message's id).
    pub more: bool,
}

/// Body of `POST /api/v1/conversations/{id}/messages` and `…/notes`. `client_key` is made by
/// the client once per message (a UUID, say) and kept across retries and restarts: the hub
/// stores one message per key, so a retry never sends twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendMessage {
    pub client_key: String,
    /// May be empty when files are attached.
    pub text: String,
    /// Files uploaded to the conversation beforehand (`POST …/attachments`), at most
    /// [`MAX_ATTACHMENTS`].
    #[serde(default)]
    pub attachments: Vec<Id>,
}

/// Body of `POST /api/v1/conversations/{id}/resolve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolveEpisode {
    #[serde(default)]
    pub disposition_id: Option<Id>,
}

/// Body of `POST /api/v1/conversations/{id}/assign`: hand the open episode to an agent, or
/// put it back in a ring group's queue, with a note for whoever takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignEpisode {
    #[serde(default)]
    pub agent_id: Option<Id>,
    #[serde(default)]
    pub group_id: Option<Id>,
    #[serde(default)]
    pub note: String,
}

/// Body of `POST /api/v1/conversations/{id}/read`: the agents read the thread up to this
/// message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadUpTo {
    pub message_id: Id,
}

/// Body of `POST /api/v1/contacts/{id}/merge`: the contact `from` is the same person as the
/// one in the path, which survives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeContact {
    pub from: Id,
}

/// A message or note found by a search, with whose thread it is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub contact_id: Id,
    pub contact_name: String,
    pub message: Message,
}

/// Longest canned-reply shortcut, in characters.
pub const MAX_SHORTCUT_CHARS: usize = 32;

/// A text agents insert into a conversation by its shortcut. `{contact}` (the contact's
/// name), `{first_name}` (its first word) and `{agent}` (the agent's name) are filled in for
/// the conversation at hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CannedReply {
    pub id: Id,
    pub shortcut: String,
    pub text: String,
}

/// Body of `PUT /api/v1/canned-replies/{shortcut}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetCannedReply {
    pub text: String,
}

/// A live chat widget a website embeds with its `public_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Widget {
    pub id: Id,
    /// What the website's `<script>` tag names; public.
    pub public_id: String,
    pub name: String,
    /// The website origins allowed to embed it (`https://shop.example`).
    pub origins: Vec<String>,
    /// The ring group whose queue its chats wait in.
    pub group_id: Option<Id>,
    /// Its colour, `#rrggbb`.
    pub color: String,
    /// What it says to a visitor before anyone writes.
    pub greeting: String,
    /// Whether visitors are asked their name and email before they chat.
    #[serde(default)]
    pub pre_chat: bool,
}

/// Body of `POST /api/v1/widgets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWidget {
    pub name: String,
    pub origins: Vec<String>,
    #[serde(default)]
    pub group_id: Option<Id>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub greeting: String,
    /// Ask visitors their name and email before they chat.
    #[serde(default)]
    pub pre_chat: bool,
}

/// A widget just made, with the secret its website signs user ids with
/// (hex HMAC-SHA256 of the user id): shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedWidget {
    pub widget: Widget,
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::MessageStatus::{self, *};

    #[test]
    fn a_status_only_moves_forward() {
        let all = [Pending, Accepted, Sent, Delivered, Read, Failed];
        let forward: &[(MessageStatus, &[MessageStatus])] = &[
            (Pending, &[Accepted, Sent, Delivered, Read, Failed]),
            (Accepted, &[Sent, Delivered, Read, Failed]),
            (Sent, &[Delivered, Read, Failed]),
            (Delivered, &[Read]),
            (Read, &[]),
            (Failed, &[]),
        ];
        for (from, allowed) in forward {
            for to in all {
                assert_eq!(
                    from.may_become(to),
                    allowed.contains(&to),
                    "{from:?} → {to:?}"
                );
            }
        }
    }
}
