//! Presence over HTTP: the agent's status by hand, and the end of their wrap-up.

use std::sync::Arc;

use axum::extract::State;
use switchboard_protocol::{ErrorBody, ErrorCode, Presence, SetStatus, StatusKind};

use crate::auth::Caller;
use crate::error::Json;
use crate::presence::Cause;
use crate::{AppState, Error, Result};

/// Change the signed-in agent's status by hand (F-30).
#[utoipa::path(
    put, path = "/me/status", tag = "presence", request_body = SetStatus,
    responses(
        (status = 200, body = Presence),
        (status = 400, description = "No such status, or one set only by the hub", body = ErrorBody),
        (status = 409, description = "In after-call work: the status is locked", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn set_status(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Json(body): Json<SetStatus>,
) -> Result<Json<Presence>> {
    state
        .presence
        .set_status(
            caller.account_id,
            caller.agent_id,
            &body.status,
            Cause::Manual,
        )
        .await
        .map(Json)
}

/// The agent is done with after-call work (F-44): back to the status they had before the
/// call. (The account's after-call-work timeout does the same by itself.)
#[utoipa::path(
    post, path = "/me/wrap-up", tag = "presence",
    responses(
        (status = 200, body = Presence),
        (status = 409, description = "Not in after-call work", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn wrap_up_done(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Presence>> {
    let agent = state
        .store
        .agent(caller.account_id, caller.agent_id)
        .await?;
    if agent.status().kind() != StatusKind::AfterCallWork {
        return Err(Error::refused(ErrorCode::NotInWrapUp));
    }
    state
        .presence
        .wrap_up_done(caller.account_id, caller.agent_id)
        .await
        .map(Json)
}
