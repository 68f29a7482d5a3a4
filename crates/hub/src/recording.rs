//! Call recordings: accounts that record calls have every call with the phone network
//! recorded from the moment it connects — both sides mixed, Opus in Ogg, in the data folder
//! (the call's task starts, pauses and finishes it). Here: the recordings once made — played
//! from history, deleted on request or when their account keeps them no longer.

use std::path::Path as FsPath;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use switchboard_protocol::{ErrorBody, Id, Role};

use crate::auth::Caller;
use crate::error::Path;
use crate::store::{Store, now_ms};
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

/// Deletes the finished recording of `call` in `account`: the file, then its record (a file
/// already gone is no error; the record still goes).
pub async fn delete(store: &Store, data_dir: &FsPath, account: Id, call: Id) -> Result<()> {
    let path = store
        .recording_path(account, call)
        .await?
        .ok_or(Error::NotFound("recording"))?;
    match tokio::fs::remove_file(data_dir.join(&path)).await {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(call, %path, "a recording's file was already gone");
        }
        Err(error) => return Err(Error::Internal(format!("deleting {path}: {error}"))),
    }
    store.forget_recording(call).await
}

/// Deletes the recordings their accounts keep no longer (`recording_retention_days`);
/// answers how many went.
pub async fn expire(store: &Store, data_dir: &FsPath) -> Result<usize> {
    let due = store.expired_recordings(now_ms()).await?;
    let mut deleted = 0;
    for (call, account) in due {
        match delete(store, data_dir, account, call).await {
            Ok(()) => deleted += 1,
            // Kept for the next round.
            Err(error) => tracing::warn!(%error, call, "an expired recording was not deleted"),
        }
    }
    Ok(deleted)
}
