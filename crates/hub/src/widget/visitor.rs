//! The widget's public side over HTTP: a visitor starts (or resumes) a chat, writes, ends
//! it, rates it and downloads its transcript. A visitor proves who they are with the token
//! the hub gave them, in the `Authorization` header (never in a URL).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use switchboard_protocol::{
    Attachment, Author, Channel, ErrorCode, Id, MAX_CLIENT_KEY_CHARS, Message,
};

use crate::api::attachments::{read_file, serve};
use crate::auth::{new_token, token_hash};
use crate::conversation::{Inbound, News};
use crate::error::Json;
use crate::error::Query;
use crate::store::{IdentityKind, NewVisitor, Uploader, VisitorRow};
use crate::{AppState, Error, Result};

/// How many recent messages a (re)opened chat window shows at once.
const RECENT: u32 = 100;

/// A message as the visitor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seen {
    pub id: Id,
    /// Written by the visitor (else by an agent, or the system).
    pub mine: bool,
    /// The agent's name; empty for the visitor's own.
    pub name: String,
    pub text: String,
    /// Milliseconds since 1970.
    pub at: i64,
    /// Files sent with it (`GET /widget/v1/attachments/{id}`).
    pub attachments: Vec<Attachment>,
}

impl Seen {
    pub fn of(message: &Message) -> Self {
        let (mine, name) = match &message.author {
            Author::Contact => (true, String::new()),
            // Only the first name: the customer knows "Ana", not her surname.
            Author::Agent { name, .. } => (
                false,
                name.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            ),
            Author::System => (false, String::new()),
        };
        Self {
            id: message.id,
            mine,
            name,
            text: message.text.clone(),
            at: (message.at.unix_timestamp_nanos() / 1_000_000) as i64,
            attachments: message.attachments.clone(),
        }
    }
}

/// The website's word for its signed-in user.
#[derive(Debug, Deserialize)]
pub struct User {
    pub id: String,
    /// `hex(HMAC-SHA256(widget secret, id))`, computed by the website's server.
    pub hash: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

/// Body of `POST /widget/v1/session`.
#[derive(Debug, Deserialize)]
pub struct Start {
    pub widget: String,
    /// The token this browser was given before, if any.
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub user: Option<User>,
    /// What a pre-chat form asked.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

/// What a chat window needs to open.
#[derive(Debug, Serialize)]
pub struct Started {
    /// Keep it and send it back: it is this visitor's chat.
    pub token: String,
    pub visitor: Id,
    pub greeting: String,
    pub color: String,
    /// Whether someone can answer now ("no agent available right now" otherwise).
    pub attended: bool,
    /// Whether the widget's group is within its business hours (else the window says the
    /// chat is closed and takes a message, which waits in the queue).
    pub in_hours: bool,
    /// Whether a conversation is open (else the next message starts one).
    pub open: bool,
    /// The agents read the visitor's messages up to this id.
    pub seen_upto: Id,
    pub messages: Vec<Seen>,
}

/// Starts a visitor's chat, or resumes the one their token names. A website's user,
/// vouched for by its signature, finds their own thread on any device; a wrong signature
/// is refused and links nothing.
pub async fn start(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(start): Json<Start>,
) -> Result<Json<Started>> {
    state.widget_limits.address(peer.ip())?;
    let (account, widget, secret) = state.store.widget_by_public_id(&start.widget).await?;
    if let Some(user) = &start.user
        && (user.id.is_empty()
            || user.id.len() > 200
            || !super::vouches_for(&secret, &user.id, &user.hash))
    {
        return Err(Error::refused(ErrorCode::IdentityNotVouched));
    }
    let user_key = start
        .user
        .as_ref()
        .map(|user| format!("{}:{}", widget.public_id, user.id));
    let known = match &start.token {
        Some(token) => state.store.visitor_by_token(&token_hash(token)).await?,
        None => None,
    };
    // A token resumes its chat only on its own widget, for the same signed-in user.
    let resumed = known.filter(|visitor| {
        visitor.widget_id == widget.id && visitor.user_id.as_deref() == user_key.as_deref()
    });
    let (token, visitor) = match (resumed, &start.token) {
        (Some(visitor), Some(token)) => (token.clone(), visitor),
        _ => {
            let name = clean(&start.name, 100);
            let email = clean(&start.email, 254).to_lowercase();
            if !email.is_empty() && crate::store::validate_email(&email).is_err() {
                return Err(Error::refused(ErrorCode::InvalidEmail));
            }
            let token = new_token();
            let (identity, name) = match &start.user {
                Some(user) => (
                    (IdentityKind::ChatUser, user_key.clone().unwrap_or_default()),
                    first_of([clean(&user.name, 100), name, clean(&user.email, 254)]),
                ),
                None => {
                    let key = uuid::Uuid::new_v4().simple().to_string();
                    let named = format!("Chat {}", &key[..6]);
                    (
                        (IdentityKind::ChatVisitor, key),
                        first_of([name, email.clone(), named]),
                    )
                }
            };
            let (contact, _) = state
                .store
                .contact_by_identity(account, identity.0, &identity.1, &name)
                .await?;
            // Unverified: kept on the contact for the agent, never used to find another.
            if !email.is_empty() && start.user.is_none() {
                state
                    .store
                    .add_contact_email(account, contact, &email)
                    .await?;
            }
            let visitor = state
                .store
                .create_visitor(NewVisitor {
                    account_id: account,
                    widget_id: widget.id,
                    token_hash: &token_hash(&token),
                    contact_id: contact,
                    user_id: user_key.as_deref(),
                    name: &name,
                    email: &email,
                })
                .await?;
            (token, visitor)
        }
    };
    if visitor.blocked {
        return Err(Error::refused(ErrorCode::VisitorBlocked));
    }
    let thread_id = state
        .store
        .thread_of_contact(account, visitor.contact_id)
        .await?;
    let thread = state.store.thread(account, thread_id).await?;
    let messages = state
        .store
        .chat_messages_last(account, thread_id, RECENT)
        .await?;
    Ok(Json(Started {
        token,
        visitor: visitor.id,
        greeting: widget.greeting,
        color: widget.color,
        attended: state.store.group_attended(account, widget.group_id).await?,
        in_hours: state.store.group_in_hours(account, widget.group_id).await?,
        open: thread
            .episode
            .is_some_and(|e| e.state == switchboard_protocol::EpisodeState::Open),
        seen_upto: thread.read_upto,
        messages: messages.iter().map(Seen::of).collect(),
    }))
}

/// The visitor behind a request's `Authorization: Bearer` token; a blocked one is refused.
pub struct Visitor(pub VisitorRow);

impl FromRequestParts<Arc<AppState>> for Visitor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self> {
        if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            state.widget_limits.address(peer.ip())?;
        }
        let token = bearer(&parts.headers).ok_or(Error::Unauthorized)?;
        let visitor = state
            .store
            .visitor_by_token(&token_hash(token))
            .await?
            .ok_or(Error::Unauthorized)?;
        if visitor.blocked {
            return Err(Error::refused(ErrorCode::VisitorBlocked));
        }
        Ok(Visitor(visitor))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Body of `POST /widget/v1/messages`.
#[derive(Debug, Deserialize)]
pub struct Write {
    /// Made by the browser once per message: a retry with it stores nothing new.
    pub key: String,
    #[serde(default)]
    pub text: String,
    /// Files uploaded first (`POST /widget/v1/attachments`), sent with it.
    #[serde(default)]
    pub attachments: Vec<Id>,
}

/// The visitor writes; the same `key` again answers the message stored the first time.
pub async fn write(
    State(state): State<Arc<AppState>>,
    Visitor(visitor): Visitor,
    Json(write): Json<Write>,
) -> Result<Json<Seen>> {
    let printable = write.key.chars().all(|c| c.is_ascii_graphic());
    if write.key.is_empty() || write.key.len() > MAX_CLIENT_KEY_CHARS || !printable {
        return Err(Error::refused(ErrorCode::InvalidClientKey));
    }
    let group = state
        .store
        .widget_group(visitor.account_id, visitor.widget_id)
        .await?;
    // A retry is not a new message: the limit counts only what is new.
    let provider_id = ("widget".to_owned(), format!("{}:{}", visitor.id, write.key));
    if state
        .store
        .message_by_provider_id(visitor.account_id, &provider_id.0, &provider_id.1)
        .await?
        .is_none()
    {
        state.widget_limits.visitor(visitor.id)?;
    }
    let (_, message) = state
        .conversations
        .inbound_from(
            visitor.account_id,
            visitor.contact_id,
            Inbound {
                channel: Channel::Chat,
                text: write.text.trim_end().to_owned(),
                automatic: false,
                group,
                provider_id: Some(provider_id),
                attachments: write.attachments,
            },
        )
        .await?;
    Ok(Json(Seen::of(&message)))
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    pub name: String,
}

/// The visitor uploads a file to send with their next message (its `attachments`).
pub async fn upload(
    State(state): State<Arc<AppState>>,
    Visitor(visitor): Visitor,
    Query(query): Query<UploadQuery>,
    body: axum::body::Body,
) -> Result<Json<Attachment>> {
    state.widget_limits.visitor(visitor.id)?;
    let bytes = read_file(body, state.config.attachments.max_bytes).await?;
    let thread = state
        .store
        .thread_of_contact(visitor.account_id, visitor.contact_id)
        .await?;
    let attachment = state
        .store
        .upload(
            visitor.account_id,
            thread,
            Uploader::Contact,
            &query.name,
            &bytes,
        )
        .await?;
    Ok(Json(attachment))
}

/// A file of the visitor's chat: theirs, or one an agent sent them (never a note's).
pub async fn attachment(
    State(state): State<Arc<AppState>>,
    Visitor(visitor): Visitor,
    axum::extract::Path(id): axum::extract::Path<Id>,
) -> Result<Response> {
    let thread = state
        .store
        .thread_of_contact(visitor.account_id, visitor.contact_id)
        .await?;
    let file = state.store.attachment(visitor.account_id, id).await?;
    if file.thread_id != thread || !file.customers {
        return Err(Error::NotFound("attachment"));
    }
    Ok(serve(file))
}

/// The visitor ends the chat (its End button).
pub async fn end(
    State(state): State<Arc<AppState>>,
    Visitor(visitor): Visitor,
) -> Result<Json<serde_json::Value>> {
    let thread = state
        .store
        .thread_of_contact(visitor.account_id, visitor.contact_id)
        .await?;
    state
        .conversations
        .customer_ended(visitor.account_id, thread)
        .await?;
    Ok(Json(serde_json::json!({ "open": false })))
}

/// Body of `POST /widget/v1/rating`.
#[derive(Debug, Deserialize)]
pub struct Rate {
    pub stars: u8,
    #[serde(default)]
    pub comment: String,
}

/// The visitor rates the chat that just ended.
pub async fn rate(
    State(state): State<Arc<AppState>>,
    Visitor(visitor): Visitor,
    Json(rate): Json<Rate>,
) -> Result<Json<serde_json::Value>> {
    if !(1..=5).contains(&rate.stars) || rate.comment.chars().count() > 1000 {
        return Err(Error::refused(ErrorCode::InvalidRating));
    }
    state.widget_limits.visitor(visitor.id)?;
    let thread = state
        .store
        .thread_of_contact(visitor.account_id, visitor.contact_id)
        .await?;
    if !state
        .store
        .rate_episode(visitor.account_id, thread, rate.stars, rate.comment.trim())
        .await?
    {
        return Err(Error::refused(ErrorCode::NothingOpen));
    }
    Ok(Json(serde_json::json!({ "stars": rate.stars })))
}

/// The chat as text, to keep: every message the visitor could see, with times in UTC.
pub async fn transcript(
    State(state): State<Arc<AppState>>,
    Visitor(visitor): Visitor,
    headers: HeaderMap,
) -> Result<Response> {
    let thread = state
        .store
        .thread_of_contact(visitor.account_id, visitor.contact_id)
        .await?;
    let spanish = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().to_lowercase().starts_with("es"));
    let you = if spanish { "Tú" } else { "You" };
    let mut text = String::new();
    let mut after = 0;
    loop {
        let page = state
            .store
            .chat_messages_after(visitor.account_id, thread, after, 500)
            .await?;
        for message in &page {
            let seen = Seen::of(message);
            let at = message
                .at
                .format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute]"
                ))
                .unwrap_or_default();
            let who = if seen.mine { you } else { seen.name.as_str() };
            let mut said = seen.text.clone();
            for file in &seen.attachments {
                if !said.is_empty() {
                    said.push(' ');
                }
                said.push_str(&format!("[{}]", file.name));
            }
            text.push_str(&format!("[{at} UTC] {who}: {said}\n"));
            after = message.id;
        }
        if page.len() < 500 {
            break;
        }
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"chat-transcript.txt\""),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        text,
    )
        .into_response())
}

/// Tells the chat windows of the visitor's thread to look again (after a block, say).
pub fn changed(state: &AppState, thread: Id) {
    state.conversations.watchers.tell(thread, News::Changed);
}

fn clean(text: &str, max: usize) -> String {
    text.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect()
}

fn first_of<const N: usize>(names: [String; N]) -> String {
    names
        .into_iter()
        .find(|name| !name.is_empty())
        .unwrap_or_default()
}
