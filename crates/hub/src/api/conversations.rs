//! Conversations: the agent's inbox, a thread's messages, replies and notes, taking,
//! handing on and resolving the open episode; contacts' threads and merges.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use switchboard_protocol::{
    AssignEpisode, ErrorBody, ErrorCode, Id, MAX_PAGE, MergeContact, Message, MessagePage,
    ReadUpTo, ResolveEpisode, SearchHit, SendMessage, Thread,
};

use crate::auth::Caller;
use crate::conversation::{Agent, AssignTo, Draft};
use crate::error::{Json, Path, Query};
use crate::store::Page;
use crate::{AppState, Error, Result};

/// What the agent sent, as the conversation takes it.
fn draft(body: &SendMessage) -> Draft<'_> {
    Draft {
        key: &body.client_key,
        text: &body.text,
        attachments: &body.attachments,
    }
}

/// The caller as their messages are signed.
async fn agent(state: &AppState, caller: &Caller) -> Result<Agent> {
    let row = state
        .store
        .agent(caller.account_id, caller.agent_id)
        .await?;
    Ok(Agent {
        id: caller.agent_id,
        role: caller.role,
        name: row.name,
    })
}

/// The agent's inbox: conversations open and theirs, or waiting in the queue of a ring
/// group they belong to; newest activity first.
#[utoipa::path(
    get, path = "/conversations", tag = "conversations",
    responses((status = 200, body = [Thread])),
    security(("bearer" = []))
)]
pub async fn inbox(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Vec<Thread>>> {
    Ok(Json(
        state
            .store
            .inbox(caller.account_id, caller.agent_id)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// Words found in messages and notes (at least three characters in all).
    q: String,
}

/// Messages and notes of the account with every word of `q` (case and accents aside), best
/// matches first, at most 50.
#[utoipa::path(
    get, path = "/conversations/search", tag = "conversations", params(SearchQuery),
    responses((status = 200, body = [SearchHit]), (status = 400, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn search(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Vec<SearchHit>>> {
    let text = query.q.trim();
    if text.chars().count() < 3 || text.chars().count() > 200 {
        return Err(Error::refused(ErrorCode::InvalidSearch));
    }
    Ok(Json(
        state.store.search_messages(caller.account_id, text).await?,
    ))
}

/// One conversation (a contact's thread).
#[utoipa::path(
    get, path = "/conversations/{id}", tag = "conversations",
    responses((status = 200, body = Thread), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn thread(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Thread>> {
    Ok(Json(state.store.thread(caller.account_id, id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Messages before this one (by id); the newest without.
    before: Option<Id>,
    /// Messages after this one (by id), oldest first; `more` then says whether newer remain.
    after: Option<Id>,
    /// At most this many (50 unless told, at most 200).
    limit: Option<u32>,
}

/// A page of a conversation's messages and notes, oldest first.
#[utoipa::path(
    get, path = "/conversations/{id}/messages", tag = "conversations", params(PageQuery),
    responses((status = 200, body = MessagePage), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn messages(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Query(page): Query<PageQuery>,
) -> Result<Json<MessagePage>> {
    let limit = page.limit.unwrap_or(50).clamp(1, MAX_PAGE);
    let which = match (page.before, page.after) {
        (None, None) => Page::Newest,
        (Some(before), None) => Page::Before(before),
        (None, Some(after)) => Page::After(after),
        (Some(_), Some(_)) => {
            return Err(Error::BadRequest(
                "ask with before or after, not both".into(),
            ));
        }
    };
    Ok(Json(
        state
            .store
            .messages(caller.account_id, id, which, limit)
            .await?,
    ))
}

/// Write to the customer, on the channel of the open episode (or the one they last wrote
/// on). Sending again with the same `client_key` answers the message already stored.
#[utoipa::path(
    post, path = "/conversations/{id}/messages", tag = "conversations", request_body = SendMessage,
    responses(
        (status = 201, body = Message),
        (status = 400, description = "No text, too long, or a bad key", body = ErrorBody),
        (status = 409, description = "Another agent's, no channel, or the key is another message's", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn reply(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<SendMessage>,
) -> Result<(StatusCode, Json<Message>)> {
    let agent = agent(&state, &caller).await?;
    let (_, message) = state
        .conversations
        .reply(caller.account_id, id, agent, draft(&body))
        .await?;
    Ok((StatusCode::CREATED, Json(message)))
}

/// Add an internal note (the customer never sees it). Idempotent by `client_key`.
#[utoipa::path(
    post, path = "/conversations/{id}/notes", tag = "conversations", request_body = SendMessage,
    responses((status = 201, body = Message), (status = 400, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn note(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<SendMessage>,
) -> Result<(StatusCode, Json<Message>)> {
    let agent = agent(&state, &caller).await?;
    let (_, message) = state
        .conversations
        .note(caller.account_id, id, agent, draft(&body))
        .await?;
    Ok((StatusCode::CREATED, Json(message)))
}

/// Take the open episode (from the queue).
#[utoipa::path(
    post, path = "/conversations/{id}/take", tag = "conversations",
    responses((status = 200, body = Thread), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn take(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Thread>> {
    let agent = agent(&state, &caller).await?;
    Ok(Json(
        state
            .conversations
            .take(caller.account_id, id, agent)
            .await?,
    ))
}

/// Hand the open episode to an agent, or back to a ring group's queue, with a note.
#[utoipa::path(
    post, path = "/conversations/{id}/assign", tag = "conversations", request_body = AssignEpisode,
    responses((status = 200, body = Thread), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn assign(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<AssignEpisode>,
) -> Result<Json<Thread>> {
    let to = match (body.agent_id, body.group_id) {
        (Some(agent), None) => AssignTo::Agent(agent),
        (None, Some(group)) => AssignTo::Group(group),
        _ => {
            return Err(Error::refused_as(
                ErrorCode::BadRequest,
                "name either an agent or a ring group",
            ));
        }
    };
    let agent = agent(&state, &caller).await?;
    Ok(Json(
        state
            .conversations
            .assign(caller.account_id, id, agent, to, &body.note)
            .await?,
    ))
}

/// Resolve the open episode, with a disposition.
#[utoipa::path(
    post, path = "/conversations/{id}/resolve", tag = "conversations", request_body = ResolveEpisode,
    responses((status = 200, body = Thread), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn resolve(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<ResolveEpisode>,
) -> Result<Json<Thread>> {
    let agent = agent(&state, &caller).await?;
    Ok(Json(
        state
            .conversations
            .resolve(caller.account_id, id, agent, body.disposition_id)
            .await?,
    ))
}

/// The agents read the conversation up to a message.
#[utoipa::path(
    post, path = "/conversations/{id}/read", tag = "conversations", request_body = ReadUpTo,
    responses((status = 200, body = Thread), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn read(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<ReadUpTo>,
) -> Result<Json<Thread>> {
    state.store.thread(caller.account_id, id).await?;
    Ok(Json(
        state
            .conversations
            .read(caller.account_id, id, body.message_id)
            .await?,
    ))
}

/// A contact's conversation (made the first time it is asked for).
#[utoipa::path(
    get, path = "/contacts/{id}/conversation", tag = "conversations",
    responses((status = 200, body = Thread), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn of_contact(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Thread>> {
    let thread = state.store.thread_of_contact(caller.account_id, id).await?;
    Ok(Json(state.store.thread(caller.account_id, thread).await?))
}

/// The contact `from` is the same person as this one: its numbers, addresses and
/// conversation become this contact's. Answers the one conversation left.
#[utoipa::path(
    post, path = "/contacts/{id}/merge", tag = "conversations", request_body = MergeContact,
    responses((status = 200, body = Thread), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn merge(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<MergeContact>,
) -> Result<Json<Thread>> {
    Ok(Json(
        state
            .conversations
            .merge(caller.account_id, id, body.from)
            .await?,
    ))
}

/// The caller is typing in the conversation: its customer sees so for a few seconds, and so
/// do the account's agents (nothing is stored).
#[utoipa::path(
    post, path = "/conversations/{id}/typing", tag = "conversations",
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn typing(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<StatusCode> {
    state.store.owns_thread(caller.account_id, id).await?;
    let agent = agent(&state, &caller).await?;
    state.conversations.agent_typing(id, &agent.name);
    let event = switchboard_protocol::Event::Typing {
        thread_id: id,
        name: agent.name,
    };
    state.events.notifier.flash(caller.account_id, event);
    Ok(StatusCode::NO_CONTENT)
}

/// Blocks the website visitors who chat as this conversation's contact (supervisors and
/// admins): their chat windows close and they cannot start another with the same browser.
#[utoipa::path(
    post, path = "/conversations/{id}/block", tag = "conversations",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn block(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<StatusCode> {
    caller.require(switchboard_protocol::Role::Supervisor)?;
    state
        .store
        .block_visitors(caller.account_id, id, caller.agent_id)
        .await?;
    crate::widget::visitor::changed(&state, id);
    Ok(StatusCode::NO_CONTENT)
}
