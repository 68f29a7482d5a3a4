//! Call recordings: accounts that record calls have every call with the phone network
//! recorded from the moment it connects — both sides mixed, Opus in Ogg, in the data folder
//! — with the state on the call for its parties to see. Agents may pause and resume when
//! the account allows it; the recording is kept with the call and played from history.

use std::path::Path as FsPath;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use switchboard_protocol::{Call, ErrorBody, Id, Recording, Role};

use crate::auth::Caller;
use crate::error::Path;
use crate::media::LegId;
use crate::store::{Store, now_ms};
use crate::{AppState, Error, Result};

/// A day, in the milliseconds the records keep time in.
const DAY_MS: i64 = 24 * 3600 * 1000;

/// A call with the phone network just connected `customer` and `agent`: recorded if its
/// account records calls (or, already recorded, `joined` — the leg that just joined after a
/// transfer — takes the agents' side). Answers the call as its parties should now see it,
/// when that changed.
pub(crate) async fn connected(
    state: &AppState,
    account: Id,
    id: Id,
    customer: LegId,
    agent: LegId,
    joined: LegId,
) -> Option<Call> {
    let recorded = state
        .calls
        .lock()
        .get(&id)
        .map(|live| live.call.recording.is_some())?;
    if recorded {
        if let Err(error) = state.media.record_leg(id, joined) {
            tracing::warn!(%error, call = id, "the new agent is not in the recording");
        }
        return None;
    }
    let records = state
        .store
        .account(account)
        .await
        .is_ok_and(|a| a.settings.record_calls);
    if !records {
        return None;
    }
    let relative = format!("recordings/{account}/{id}.opus");
    let path = state.config.data_dir.join(&relative);
    if let Err(error) = state.media.record_call(id, customer, agent, path).await {
        tracing::error!(%error, call = id, "the call could not be recorded");
        return None;
    }
    if let Err(error) = sqlx::query(
        "INSERT INTO call_recordings (call_id, account_id, path, started_at) VALUES (?, ?, ?, ?)",
    )
    .bind(id)
    .bind(account)
    .bind(&relative)
    .bind(now_ms())
    .execute(state.store.pool())
    .await
    {
        tracing::error!(%error, call = id, "a recording was not put on record");
    }
    tracing::info!(call = id, "recording");
    let mut calls = state.calls.lock();
    let live = calls.get_mut(&id)?;
    live.call.recording = Some(Recording::Recording);
    Some(live.call.clone())
}

/// The call ended: its recording is finished and its length kept.
pub(crate) async fn finish(state: &AppState, id: Id) {
    match state.media.end_recording(id).await {
        Ok(seconds) => {
            let kept = sqlx::query(
                "UPDATE call_recordings SET ended_at = ?, seconds = ? WHERE call_id = ?",
            )
            .bind(now_ms())
            .bind(seconds.round() as i64)
            .bind(id)
            .execute(state.store.pool())
            .await;
            if let Err(error) = kept {
                tracing::error!(%error, call = id, "a recording's end was not put on record");
            }
        }
        Err(error) => tracing::error!(%error, call = id, "a recording was not finished"),
    }
}

/// Pauses the call's recording (nothing is kept until it resumes).
#[utoipa::path(
    post, path = "/calls/{id}/recording/pause", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 200, body = Call),
        (status = 404, description = "No such live call of the agent's", body = ErrorBody),
        (status = 409, description = "Not recorded, or the account does not let agents pause", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn pause(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<axum::Json<Call>> {
    set(&state, &caller, id, true).await.map(axum::Json)
}

/// Resumes the call's recording.
#[utoipa::path(
    post, path = "/calls/{id}/recording/resume", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 200, body = Call),
        (status = 404, description = "No such live call of the agent's", body = ErrorBody),
        (status = 409, description = "Not recorded, or the account does not let agents pause", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn resume(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<axum::Json<Call>> {
    set(&state, &caller, id, false).await.map(axum::Json)
}

async fn set(state: &AppState, caller: &Caller, id: Id, pause: bool) -> Result<Call> {
    let allowed = state
        .store
        .account(caller.account_id)
        .await?
        .settings
        .recording_pause;
    let call = {
        let mut calls = state.calls.lock();
        let live = calls
            .get_mut(&id)
            .filter(|live| {
                live.account_id == caller.account_id && live.call.involves(caller.agent_id)
            })
            .ok_or(Error::NotFound("call"))?;
        if live.call.recording.is_none() {
            return Err(Error::Conflict("the call is not being recorded".into()));
        }
        if !allowed {
            return Err(Error::Conflict(
                "your account does not let agents pause recordings".into(),
            ));
        }
        live.call.recording = Some(if pause {
            Recording::Paused
        } else {
            Recording::Recording
        });
        live.call.clone()
    };
    state.media.pause_recording(id, pause)?;
    crate::calls::publish_to(state, caller.account_id, &call, &[]).await?;
    tracing::info!(
        call = id,
        agent = caller.agent_id,
        pause,
        "recording paused or resumed"
    );
    Ok(call)
}

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
    let path: Option<String> = sqlx::query_scalar(
        "SELECT path FROM call_recordings WHERE call_id = ? AND account_id = ? AND ended_at IS NOT NULL",
    )
    .bind(id)
    .bind(caller.account_id)
    .fetch_optional(state.store.pool())
    .await?;
    let path = path.ok_or(Error::NotFound("recording"))?;
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
    let path: Option<String> = sqlx::query_scalar(
        "SELECT path FROM call_recordings WHERE call_id = ? AND account_id = ? AND ended_at IS NOT NULL",
    )
    .bind(call)
    .bind(account)
    .fetch_optional(store.pool())
    .await?;
    let path = path.ok_or(Error::NotFound("recording"))?;
    match tokio::fs::remove_file(data_dir.join(&path)).await {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(call, %path, "a recording's file was already gone");
        }
        Err(error) => return Err(Error::Internal(format!("deleting {path}: {error}"))),
    }
    sqlx::query("DELETE FROM call_recordings WHERE call_id = ?")
        .bind(call)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Deletes the recordings their accounts keep no longer (`recording_retention_days`);
/// answers how many went.
pub async fn expire(store: &Store, data_dir: &FsPath) -> Result<usize> {
    let due: Vec<(Id, Id)> = sqlx::query_as(
        "SELECT r.call_id, r.account_id FROM call_recordings r
         JOIN accounts a ON a.id = r.account_id
         WHERE a.recording_retention_days > 0 AND r.ended_at IS NOT NULL
           AND r.ended_at < ? - a.recording_retention_days * ?",
    )
    .bind(now_ms())
    .bind(DAY_MS)
    .fetch_all(store.pool())
    .await?;
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
