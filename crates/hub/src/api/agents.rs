//! The account's agents, as colleagues see them.

use std::sync::Arc;

use axum::extract::State;
use switchboard_protocol::{AgentSummary, ErrorBody, Id};

use crate::auth::Caller;
use crate::error::{Json, Path};
use crate::{AppState, Result};

/// Every agent of the caller's account, the caller included.
#[utoipa::path(
    get, path = "/agents", tag = "agents",
    responses((status = 200, body = [AgentSummary]), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn agents(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Vec<AgentSummary>>> {
    let agents = state.store.agents(caller.account_id).await?;
    Ok(Json(agents.iter().map(|a| a.summary()).collect()))
}

/// One agent of the caller's account.
#[utoipa::path(
    get, path = "/agents/{id}", tag = "agents",
    params(("id" = Id, Path)),
    responses((status = 200, body = AgentSummary), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn agent(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<AgentSummary>> {
    Ok(Json(
        state.store.agent(caller.account_id, id).await?.summary(),
    ))
}
