//! Calls between agents: signalling (each agent's engine offers SDP, the hub's media bridge
//! answers), the call state machine (ringing → live → ended), call records, call events to
//! both parties, and the presence rules a call triggers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use switchboard_protocol::{
    AcceptCall, Call, CallOutcome, CallState, ErrorBody, Event, Id, MediaAnswer, Party, StartCall,
};

use crate::auth::Caller;
use crate::error::{Json, Path};
use crate::media::{LegId, MediaEvent};
use crate::store::now_ms;
use crate::{AppState, Error, Result, events};

/// A call the hub is carrying.
#[derive(Debug, Clone)]
struct Live {
    call: Call,
    account_id: Id,
    caller_leg: LegId,
    callee_leg: Option<LegId>,
}

#[derive(Debug, Default)]
pub struct Calls {
    live: Mutex<HashMap<Id, Live>>,
}

impl Calls {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Live>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn by_leg(&self, leg: LegId) -> Option<Id> {
        self.lock()
            .values()
            .find(|live| live.caller_leg == leg || live.callee_leg == Some(leg))
            .map(|live| live.call.id)
    }
}

/// Tells both parties how the call stands.
async fn publish(state: &AppState, account_id: Id, call: &Call) -> Result<()> {
    let mut tx = state.store.write().await?;
    for agent in [call.from.agent_id, call.to.agent_id] {
        events::append(
            &mut tx,
            account_id,
            Some(agent),
            &Event::CallUpdated { call: call.clone() },
            state.config.events.retention,
        )
        .await?;
    }
    tx.commit().await?;
    state.notifier.notify(account_id);
    Ok(())
}

/// Call another agent of the account (F-15). The callee must be in a callable status.
#[utoipa::path(
    post, path = "/calls", tag = "calls", request_body = StartCall,
    responses(
        (status = 201, body = MediaAnswer),
        (status = 400, description = "Bad SDP offer, or calling oneself", body = ErrorBody),
        (status = 404, description = "No such agent in the account", body = ErrorBody),
        (status = 409, description = "The agent cannot be called in their status", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn start(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Json(body): Json<StartCall>,
) -> Result<(StatusCode, Json<MediaAnswer>)> {
    if body.to_agent == caller.agent_id {
        return Err(Error::BadRequest("an agent cannot call themselves".into()));
    }
    let from = state
        .store
        .agent(caller.account_id, caller.agent_id)
        .await?;
    let to = state.store.agent(caller.account_id, body.to_agent).await?;
    let callable = state
        .store
        .status(caller.account_id, &to.status())
        .await?
        .is_some_and(|def| def.callable);
    if !callable {
        return Err(Error::Conflict(format!(
            "{} cannot take calls right now",
            to.name
        )));
    }
    let (leg, answer) = state.media.add_leg(body.offer).await?;
    let recorded: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO calls (account_id, direction, from_agent, to_agent, started_at)
         VALUES (?, 'internal', ?, ?, ?) RETURNING id",
    )
    .bind(caller.account_id)
    .bind(from.id)
    .bind(to.id)
    .bind(now_ms())
    .fetch_one(state.store.pool())
    .await;
    let id = match recorded {
        Ok(id) => id,
        Err(error) => {
            // No call without its record: release the leg just made.
            let _ = state.media.remove(leg);
            return Err(error.into());
        }
    };
    let call = Call {
        id,
        from: Party {
            agent_id: from.id,
            name: from.name,
        },
        to: Party {
            agent_id: to.id,
            name: to.name,
        },
        state: CallState::Ringing,
        outcome: None,
    };
    state.calls.lock().insert(
        id,
        Live {
            call: call.clone(),
            account_id: caller.account_id,
            caller_leg: leg,
            callee_leg: None,
        },
    );
    publish(&state, caller.account_id, &call).await?;
    tracing::info!(
        call = id,
        from = call.from.agent_id,
        to = call.to.agent_id,
        "call ringing"
    );
    Ok((StatusCode::CREATED, Json(MediaAnswer { call, answer })))
}

/// The callee answers (F-23): their engine's offer joins the call's media.
#[utoipa::path(
    post, path = "/calls/{id}/accept", tag = "calls", request_body = AcceptCall,
    params(("id" = Id, Path)),
    responses(
        (status = 200, body = MediaAnswer),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The call is no longer ringing", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn accept(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<AcceptCall>,
) -> Result<Json<MediaAnswer>> {
    let live = ringing_for(&state, &caller, id)?;
    let (leg, answer) = state.media.add_leg(body.offer).await?;
    let call = {
        let mut calls = state.calls.lock();
        let Some(live) = calls
            .get_mut(&id)
            .filter(|l| l.call.state == CallState::Ringing)
        else {
            drop(calls);
            let _ = state.media.remove(leg);
            return Err(Error::Conflict("the call is no longer ringing".into()));
        };
        live.callee_leg = Some(leg);
        live.call.state = CallState::Live;
        live.call.clone()
    };
    state.media.bridge(live.caller_leg, leg)?;
    sqlx::query("UPDATE calls SET answered_at = ? WHERE id = ?")
        .bind(now_ms())
        .bind(id)
        .execute(state.store.pool())
        .await?;
    for agent in [call.from.agent_id, call.to.agent_id] {
        state.call_started(live.account_id, agent).await?;
    }
    publish(&state, live.account_id, &call).await?;
    tracing::info!(call = id, "call answered");
    Ok(Json(MediaAnswer { call, answer }))
}

/// The callee declines a ringing call.
#[utoipa::path(
    post, path = "/calls/{id}/decline", tag = "calls", params(("id" = Id, Path)),
    responses((status = 200, body = Call), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn decline(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    ringing_for(&state, &caller, id)?;
    end(&state, id, CallOutcome::Declined).await.map(Json)
}

/// Either party hangs up (or the caller cancels while it rings).
#[utoipa::path(
    post, path = "/calls/{id}/hangup", tag = "calls", params(("id" = Id, Path)),
    responses((status = 200, body = Call), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn hang_up(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    let live = party_of(&state, &caller, id)?;
    let outcome = match live.call.state {
        CallState::Ringing => CallOutcome::Cancelled,
        _ => CallOutcome::Completed,
    };
    end(&state, id, outcome).await.map(Json)
}

/// The call, if the caller takes part in it (else "not found", as for other accounts).
fn party_of(state: &AppState, caller: &Caller, id: Id) -> Result<Live> {
    state
        .calls
        .lock()
        .get(&id)
        .filter(|live| {
            live.account_id == caller.account_id
                && (live.call.from.agent_id == caller.agent_id
                    || live.call.to.agent_id == caller.agent_id)
        })
        .cloned()
        .ok_or(Error::NotFound("call"))
}

fn ringing_for(state: &AppState, caller: &Caller, id: Id) -> Result<Live> {
    let live = party_of(state, caller, id)?;
    if live.call.to.agent_id != caller.agent_id {
        return Err(Error::Forbidden);
    }
    if live.call.state != CallState::Ringing {
        return Err(Error::Conflict("the call is no longer ringing".into()));
    }
    Ok(live)
}

/// Ends a call: media down, record closed, parties told, presence rules applied.
pub async fn end(state: &AppState, id: Id, outcome: CallOutcome) -> Result<Call> {
    let Some(mut live) = state.calls.lock().remove(&id) else {
        return Err(Error::NotFound("call"));
    };
    let was_live = live.call.state == CallState::Live;
    for leg in std::iter::once(live.caller_leg).chain(live.callee_leg) {
        let _ = state.media.remove(leg);
    }
    live.call.state = CallState::Ended;
    live.call.outcome = Some(outcome);
    sqlx::query("UPDATE calls SET ended_at = ?, outcome = ? WHERE id = ?")
        .bind(now_ms())
        .bind(
            serde_json::to_value(outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned)),
        )
        .bind(id)
        .execute(state.store.pool())
        .await?;
    if was_live {
        for agent in [live.call.from.agent_id, live.call.to.agent_id] {
            state.call_ended(live.account_id, agent).await?;
        }
    }
    publish(state, live.account_id, &live.call).await?;
    tracing::info!(call = id, ?outcome, "call ended");
    Ok(live.call)
}

/// Follows the media bridge: a leg that drops ends its call.
pub async fn follow_media(
    state: Arc<AppState>,
    mut events: tokio::sync::mpsc::UnboundedReceiver<MediaEvent>,
) {
    while let Some(event) = events.recv().await {
        if let MediaEvent::Ended { leg, reason } = event
            && let Some(id) = state.calls.by_leg(leg)
        {
            tracing::info!(call = id, %reason, "a call's media ended");
            if let Err(error) = end(&state, id, CallOutcome::Failed).await {
                tracing::warn!(%error, call = id, "ending the call failed");
            }
        }
    }
}
