//! What agents keep of their calls: notes and a disposition per call (F-41, F-44), their
//! recent calls, and a contact's past interactions.

use std::sync::Arc;

use axum::extract::State;
use serde::Deserialize;
use switchboard_protocol::{CallNotes, CallRecord, ErrorBody, Id, SaveNotes};

use crate::auth::Caller;
use crate::error::{Json, Path, Query};
use crate::{AppState, Error, Result};

/// Saves the agent's notes and disposition for a call they took part in: while it goes on,
/// in wrap-up, or later. The hub keeps the highest revision it was sent.
#[utoipa::path(
    put, path = "/calls/{id}/notes", tag = "calls", request_body = SaveNotes,
    params(("id" = Id, Path)),
    responses(
        (status = 200, description = "What the hub keeps (a newer revision it already had wins)", body = CallNotes),
        (status = 400, description = "Notes too long, or not one of the account's dispositions", body = ErrorBody),
        (status = 403, description = "The agent was not a party of the call", body = ErrorBody),
        (status = 404, description = "No such call in the account", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn save_notes(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<SaveNotes>,
) -> Result<Json<CallNotes>> {
    state
        .store
        .save_notes(caller.account_id, id, caller.agent_id, &body)
        .await
        .map(Json)
}

/// The agent's own notes on a call.
#[utoipa::path(
    get, path = "/calls/{id}/notes", tag = "calls",
    params(("id" = Id, Path)),
    responses(
        (status = 200, body = CallNotes),
        (status = 403, description = "The agent was not a party of the call", body = ErrorBody),
        (status = 404, description = "No such call, or no notes yet", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn my_notes(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<CallNotes>> {
    state
        .store
        .my_notes(caller.account_id, id, caller.agent_id)
        .await?
        .map(Json)
        .ok_or(Error::NotFound("notes"))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Limit {
    /// How many calls, newest first (at most 200; 50 if not given).
    limit: Option<u32>,
}

impl Limit {
    fn get(&self) -> u32 {
        self.limit.unwrap_or(50).clamp(1, crate::store::MAX_HISTORY)
    }
}

/// The calls the signed-in agent took part in, newest first (Recent calls).
#[utoipa::path(
    get, path = "/me/calls", tag = "calls", params(Limit),
    responses((status = 200, body = [CallRecord]), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn my_calls(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(limit): Query<Limit>,
) -> Result<Json<Vec<CallRecord>>> {
    state
        .store
        .agent_history(caller.account_id, caller.agent_id, limit.get())
        .await
        .map(Json)
}

/// A contact's past interactions: calls from or to any of their numbers, with every
/// agent's notes and disposition.
#[utoipa::path(
    get, path = "/contacts/{id}/calls", tag = "contacts", params(("id" = Id, Path), Limit),
    responses((status = 200, body = [CallRecord]), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn contact_calls(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Query(limit): Query<Limit>,
) -> Result<Json<Vec<CallRecord>>> {
    let contact = state.store.contact(caller.account_id, id).await?;
    let numbers: Vec<String> = contact.phones.into_iter().map(|p| p.number).collect();
    state
        .store
        .number_history(caller.account_id, &numbers, limit.get())
        .await
        .map(Json)
}
