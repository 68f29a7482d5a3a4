//! Call recordings over HTTP: played from history, deleted on request.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use switchboard_protocol::{ErrorBody, Id, Role};

use crate::auth::Caller;
use crate::error::Path;
use crate::recording::delete;
use crate::{AppState, Error, Result};

/// The call's recording (Opus in Ogg), for the agents who took part and for supervisors.
#[utoipa::path(
    get, path = "/calls/{id}/recording", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 200, description = "audio/ogg", content_type = "audio/ogg"),
        (status = 403, description = "Neither a party of the call nor a supervisor", body = ErrorBody),
        (status = 404, description = "No such call, or it was not recorded (or is still going on)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn download(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<impl IntoResponse> {
    if caller.require(Role::Supervisor).is_err() {
        state
            .store
            .check_party(caller.account_id, id, caller.agent_id)
            .await?;
    }
    let path = state
        .store
        .recording_path(caller.account_id, id)
        .await?
        .ok_or(Error::NotFound("recording"))?;
    let bytes = tokio::fs::read(state.config.data_dir.join(&path))
        .await
        .map_err(|error| Error::Internal(format!("recording {path}: {error}")))?;
    Ok(([(header::CONTENT_TYPE, "audio/ogg")], bytes))
}

/// Deletes a call's recording (an erasure request, say): administrators only.
#[utoipa::path(
    delete, path = "/calls/{id}/recording", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 204, description = "Deleted: the file and its record"),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such call, or no finished recording of it", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn remove(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<StatusCode> {
    caller.require(Role::Admin)?;
    delete(&state.store, &state.config.data_dir, caller.account_id, id).await?;
    tracing::info!(call = id, by = caller.agent_id, "recording deleted");
    Ok(StatusCode::NO_CONTENT)
}
