//! A ring group's business hours for chats, kept by admins.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use switchboard_protocol::{ErrorBody, Id, Role};

use crate::auth::Caller;
use crate::error::{Json, Path};
use crate::flow::HoursFile;
use crate::{AppState, Error, Result};

/// Sets when a ring group answers chats (admins); `null` means at any hour. Outside them the
/// chat window says the chat is closed and takes messages, which wait in the group's queue.
#[utoipa::path(
    put, path = "/ring-groups/{id}/hours", tag = "conversations",
    params(("id" = Id, Path)), request_body = Option<HoursFile>,
    responses(
        (status = 204, description = "Set"),
        (status = 400, description = "Not a time zone, a range or a date", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn set(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(hours): Json<Option<HoursFile>>,
) -> Result<StatusCode> {
    caller.require(Role::Admin)?;
    let group = state
        .store
        .ring_group_list(caller.account_id)
        .await?
        .into_iter()
        .find(|group| group.id == id)
        .ok_or(Error::NotFound("ring group"))?;
    state
        .store
        .set_group_hours(caller.account_id, &group.name, hours.as_ref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
