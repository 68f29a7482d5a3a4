//! Live chat widgets, kept by admins: made (the secret shown once), listed, removed.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use switchboard_protocol::{CreatedWidget, ErrorBody, Id, NewWidget, Role, Widget};

use crate::auth::Caller;
use crate::error::{Json, Path};
use crate::{AppState, Result, widget};

/// The account's widgets (admins).
#[utoipa::path(
    get, path = "/widgets", tag = "conversations",
    responses((status = 200, body = [Widget]), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn list(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<Vec<Widget>>> {
    caller.require(Role::Admin)?;
    Ok(Json(state.store.widgets(caller.account_id).await?))
}

/// Makes a widget (admins). The answer holds the secret the website signs its users' ids
/// with; it is not shown again.
#[utoipa::path(
    post, path = "/widgets", tag = "conversations", request_body = NewWidget,
    responses(
        (status = 201, body = CreatedWidget),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "A widget of that name exists", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Json(body): Json<NewWidget>,
) -> Result<(StatusCode, Json<CreatedWidget>)> {
    caller.require(Role::Admin)?;
    let checked = widget::check(&body)?;
    let (public_id, secret) = widget::new_ids();
    let widget = state
        .store
        .create_widget(
            caller.account_id,
            &checked,
            body.group_id,
            (&public_id, &secret),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedWidget { widget, secret })))
}

/// Removes a widget (admins): websites embedding it stop showing the chat.
#[utoipa::path(
    delete, path = "/widgets/{id}", tag = "conversations",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn remove(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<StatusCode> {
    caller.require(Role::Admin)?;
    state.store.remove_widget(caller.account_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
