//! Sessions: signing in and out, and what a signed-in client needs to start.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use switchboard_protocol::{
    Bootstrap, ErrorBody, ErrorCode, Me, SignIn, SignedIn, StatusKey, StatusKind,
};
use time::OffsetDateTime;

use crate::auth::{self, Caller};
use crate::error::Json;
use crate::presence::Cause;
use crate::store::{now_ms, to_ms};
use crate::{AppState, Error, Result};

/// Sign in with email and password; answers a session token.
#[utoipa::path(
    post, path = "/sessions", tag = "sessions", request_body = SignIn,
    responses(
        (status = 200, body = SignedIn),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins; see Retry-After", body = ErrorBody),
    )
)]
pub async fn sign_in(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(body): Json<SignIn>,
) -> Result<Json<SignedIn>> {
    let email = crate::store::normalize_email(&body.email);
    if email.is_empty() || body.password.is_empty() {
        return Err(Error::refused(ErrorCode::CredentialsRequired));
    }
    state.limiter.check(&email, peer.ip())?;
    let found = state.store.agent_for_sign_in(&email).await?;
    let hash = match &found {
        Some((_, hash)) => hash.clone(),
        None => auth::DUMMY_HASH.clone(),
    };
    let verified = auth::verify_password_blocking(body.password, hash).await;
    let agent = match found {
        Some((agent, _)) if verified => agent,
        _ => {
            state.limiter.record_failure(&email, peer.ip());
            tracing::warn!(%email, peer = %peer.ip(), "failed sign-in");
            return Err(Error::InvalidCredentials);
        }
    };
    state.limiter.record_success(&email);

    let ttl = if body.remember {
        state.config.auth.remember_ttl
    } else {
        state.config.auth.session_ttl
    };
    let expires_at = OffsetDateTime::now_utc() + ttl;
    let token = auth::new_token();
    state
        .store
        .create_session(agent.id, &auth::token_hash(&token), to_ms(expires_at))
        .await?;
    if agent.status().kind() == StatusKind::Offline {
        state
            .presence
            .set_status(
                agent.account_id,
                agent.id,
                &StatusKey::available(),
                Cause::SignIn,
            )
            .await?;
    }
    let me = state.store.agent(agent.account_id, agent.id).await?.me();
    tracing::info!(agent = agent.id, "signed in");
    Ok(Json(SignedIn {
        token,
        expires_at,
        me,
    }))
}

/// Sign out: revokes this session; the last session's sign-out sets the agent Offline.
#[utoipa::path(
    delete, path = "/sessions/current", tag = "sessions",
    responses((status = 204), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn sign_out(State(state): State<Arc<AppState>>, caller: Caller) -> Result<StatusCode> {
    let live_left = state
        .store
        .end_session(caller.session_id, caller.agent_id, now_ms())
        .await?;
    if live_left == 0 {
        state
            .presence
            .set_status(
                caller.account_id,
                caller.agent_id,
                &StatusKey::offline(),
                Cause::SignOut,
            )
            .await?;
    }
    tracing::info!(agent = caller.agent_id, "signed out");
    Ok(StatusCode::NO_CONTENT)
}

/// Everything a client shows after sign-in, and the event seq to stream from.
#[utoipa::path(
    get, path = "/bootstrap", tag = "sessions",
    responses((status = 200, body = Bootstrap), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn bootstrap(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Bootstrap>> {
    // The seq is read before the state: every event up to it is already in what follows, and
    // events after it are replayed by the stream (presence events are idempotent).
    let event_seq = state.store.event_head().await?;
    let store = &state.store;
    let agents = store.agents(caller.account_id).await?;
    let me = agents
        .iter()
        .find(|a| a.id == caller.agent_id)
        .ok_or(Error::Unauthorized)?
        .me();
    Ok(Json(Bootstrap {
        me,
        account: store.account(caller.account_id).await?,
        statuses: store.statuses(caller.account_id).await?,
        agents: agents
            .iter()
            .filter(|a| a.id != caller.agent_id)
            .map(|a| a.summary())
            .collect(),
        caller_ids: store.caller_ids(caller.account_id).await?,
        dispositions: store.dispositions(caller.account_id).await?,
        ring_groups: store.ring_group_list(caller.account_id).await?,
        event_seq,
    }))
}

/// The signed-in agent.
#[utoipa::path(
    get, path = "/me", tag = "sessions",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn me(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<Me>> {
    Ok(Json(
        state
            .store
            .agent(caller.account_id, caller.agent_id)
            .await?
            .me(),
    ))
}
