//! Canned replies: the account's list (admins keep it), and the list filled in for one
//! conversation.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use switchboard_protocol::{CannedReply, ErrorBody, Id, Role, SetCannedReply};

use crate::auth::Caller;
use crate::conversation::canned;
use crate::error::{Json, Path};
use crate::{AppState, Result};

/// The account's canned replies, as written (placeholders unfilled).
#[utoipa::path(
    get, path = "/canned-replies", tag = "conversations",
    responses((status = 200, body = [CannedReply])),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Vec<CannedReply>>> {
    Ok(Json(state.store.canned_replies(caller.account_id).await?))
}

/// Adds a canned reply, or replaces the text of the one with this shortcut (admins).
#[utoipa::path(
    put, path = "/canned-replies/{shortcut}", tag = "conversations", request_body = SetCannedReply,
    responses(
        (status = 200, body = CannedReply),
        (status = 400, description = "A bad shortcut, no text, or an unknown placeholder", body = ErrorBody),
        (status = 403, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn set(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(shortcut): Path<String>,
    Json(body): Json<SetCannedReply>,
) -> Result<Json<CannedReply>> {
    caller.require(Role::Admin)?;
    canned::check(&shortcut, &body.text)?;
    Ok(Json(
        state
            .store
            .set_canned_reply(caller.account_id, &shortcut, body.text.trim())
            .await?,
    ))
}

/// Removes a canned reply (admins).
#[utoipa::path(
    delete, path = "/canned-replies/{shortcut}", tag = "conversations",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn remove(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(shortcut): Path<String>,
) -> Result<StatusCode> {
    caller.require(Role::Admin)?;
    state
        .store
        .remove_canned_reply(caller.account_id, &shortcut)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The canned replies as they read in this conversation: its contact's name and the
/// caller's filled in.
#[utoipa::path(
    get, path = "/conversations/{id}/canned-replies", tag = "conversations",
    responses((status = 200, body = [CannedReply]), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn for_conversation(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Vec<CannedReply>>> {
    let thread = state.store.thread(caller.account_id, id).await?;
    let agent = state
        .store
        .agent(caller.account_id, caller.agent_id)
        .await?;
    let replies = state.store.canned_replies(caller.account_id).await?;
    Ok(Json(
        replies
            .into_iter()
            .map(|reply| CannedReply {
                text: canned::fill(&reply.text, &thread.contact_name, &agent.name),
                ..reply
            })
            .collect(),
    ))
}
