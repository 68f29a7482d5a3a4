//! Consult (warm) transfer: an agent on a call puts the other party on hold and calls a
//! colleague; once they have talked, the agent completes the transfer (the colleague takes
//! over the call, on the same media, and the agent leaves) or cancels it (back to the held
//! party). The consulting call shares the consulting agent's media leg with the call it is
//! about: the bridge only re-pairs legs, so neither engine renegotiates anything.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use switchboard_protocol::{
    Call, CallOutcome, CallState, ErrorBody, Id, Party, Recording, TransferCall,
};

use crate::auth::Caller;
use crate::calls::{self, Live};
use crate::error::{Json, Path};
use crate::store::now_ms;
use crate::{AppState, Error, Result};

/// Puts the other party on hold and calls a colleague about the call.
#[utoipa::path(
    post, path = "/calls/{id}/consult", tag = "calls", request_body = TransferCall,
    params(("id" = Id, Path)),
    responses(
        (status = 201, description = "The consulting call, ringing at the colleague", body = Call),
        (status = 400, description = "No agent, or a party of the call", body = ErrorBody),
        (status = 404, description = "No such call, agent or ring group", body = ErrorBody),
        (status = 409, description = "Not connected, already consulting, or the colleague cannot take calls", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn start(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<TransferCall>,
) -> Result<(StatusCode, Json<Call>)> {
    let current = calls::party_of(&state, &caller, id)?;
    let me = state
        .store
        .agent(caller.account_id, caller.agent_id)
        .await?;
    // A colleague, whoever of a ring group takes it first, or an outside number dialled
    // through the carrier.
    let (target, placing, group) = match (body.to_agent, body.to_group, body.to_number.as_deref()) {
        (Some(colleague), None, None) => {
            if current.call.involves(colleague) {
                return Err(Error::BadRequest(
                    "consult someone who is not on the call".into(),
                ));
            }
            let agent = calls::callable_agent(&state, caller.account_id, colleague).await?;
            (Party::agent(agent.id, agent.name), None, None)
        }
        (None, Some(group), None) => {
            let name = state
                .store
                .routing_group_name(caller.account_id, group)
                .await?
                .ok_or(Error::NotFound("ring group"))?;
            (Party::group(name), None, Some(group))
        }
        (None, None, Some(number)) => {
            let handover =
                crate::outbound::Handover::prepare(&state, caller.account_id, number).await?;
            (handover.party.clone(), Some(handover), None)
        }
        _ => {
            return Err(Error::BadRequest(
                "consult exactly one agent, ring group or number".into(),
            ));
        }
    };
    // Checked before anything is put on record (and again, under the lock, below).
    may_consult(&current, caller.agent_id)?;
    let consulting = sqlx::query_scalar(
        "INSERT INTO calls (account_id, direction, from_agent, to_agent, to_number, started_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(caller.account_id)
    .bind(if placing.is_some() {
        "outbound"
    } else {
        "internal"
    })
    .bind(me.id)
    .bind(target.agent_id)
    .bind(target.number.as_deref())
    .bind(now_ms())
    .fetch_one(state.store.pool())
    .await?;
    let hangup = placing
        .is_some()
        .then(|| Arc::new(tokio::sync::Notify::new()));
    let started = start_locked(
        &state,
        &caller,
        id,
        Consultation {
            id: consulting,
            from: Party::agent(me.id, me.name.clone()),
            to: target,
            group,
            hangup: hangup.clone(),
        },
    );
    let (held, consult) = match started {
        Ok(started) => started,
        Err(error) => {
            // Overtaken meanwhile: the consulting call never happened.
            let _ = sqlx::query("UPDATE calls SET ended_at = ?, outcome = 'failed' WHERE id = ?")
                .bind(now_ms())
                .bind(consulting)
                .execute(state.store.pool())
                .await;
            return Err(error);
        }
    };
    if let Some(held) = held {
        calls::publish_to(&state, caller.account_id, &held, &[]).await?;
    }
    calls::publish_to(&state, caller.account_id, &consult, &[]).await?;
    if let (Some(handover), Some(hangup)) = (placing, hangup) {
        let placement = handover.placement(consulting, caller.account_id, hangup);
        tokio::spawn(crate::outbound::place(state.clone(), placement));
    }
    if let Some(group) = group {
        // The group's agents are offered it as they would a caller; the first to accept
        // is the colleague. Nobody taking it (the group overflowing to voicemail) ends it.
        state
            .routing
            .send(crate::inbound::Input::Enqueue {
                account: caller.account_id,
                call: consulting,
                group,
            })
            .map_err(|_| Error::Internal("routing stopped".into()))?;
    }
    calls::time_ringing(&state, consulting);
    tracing::info!(call = id, consult = consulting, "consulting");
    Ok((StatusCode::CREATED, Json(consult)))
}

/// Completes the transfer: the colleague takes over the call; the consulting agent leaves.
#[utoipa::path(
    post, path = "/calls/{id}/consult/complete", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 200, description = "The call, now with the colleague", body = Call),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not consulting, or the colleague has not answered", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn complete(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    let (call, merged, leaving) = {
        let mut calls = state.calls.lock();
        let live = calls::party_in(&mut calls, &caller, id)?;
        let consulting = live
            .call
            .consult
            .filter(|_| live.call.held_by == Some(caller.agent_id) || live.call.conference)
            .ok_or_else(|| Error::Conflict("you are not consulting anyone".into()))?;
        let Some(consult) = calls
            .get(&consulting)
            .filter(|c| c.call.from.is(caller.agent_id))
            .cloned()
        else {
            return Err(Error::Conflict("you are not consulting anyone".into()));
        };
        let (CallState::Live, Some(colleague_leg)) = (consult.call.state, consult.callee_leg)
        else {
            return Err(Error::Conflict(
                "the colleague has not answered yet: wait, or cancel".into(),
            ));
        };
        calls.remove(&consulting);
        let live = calls.get_mut(&id).ok_or(Error::NotFound("call"))?;
        let mine = my_leg(live, caller.agent_id).ok_or(Error::NotFound("call"))?;
        let theirs = live
            .other_leg(caller.agent_id)
            .ok_or(Error::NotFound("call"))?;
        let colleague = consult.call.to.clone();
        let leaving = if live.call.from.is(caller.agent_id) {
            let me = std::mem::replace(&mut live.call.from, colleague);
            live.caller_leg = colleague_leg;
            me
        } else {
            let me = std::mem::replace(&mut live.call.to, colleague);
            live.callee_leg = Some(colleague_leg);
            me
        };
        state.media.bridge(theirs, colleague_leg)?;
        state.media.hold(theirs, false)?;
        let _ = state.media.remove(mine);
        if live.call.recording.is_some() {
            state.media.record_leg(id, colleague_leg)?;
        }
        if live.call.recording == Some(Recording::Recording) {
            state.media.pause_recording(id, false)?;
        }
        live.call.state = CallState::Live;
        live.call.held_by = None;
        live.call.consult = None;
        live.call.conference = false;
        live.call.transferred_by = Some(leaving.clone());
        // An outside colleague's dialog now belongs to this call: ending it BYEs them.
        if consult.hangup.is_some() {
            live.hangup_out = consult.hangup.clone();
        }
        state.calls.merge(consulting, id);
        let mut merged = consult.call;
        merged.state = CallState::Ended;
        merged.outcome = Some(CallOutcome::Completed);
        merged.merged_into = Some(id);
        (live.call.clone(), merged, leaving)
    };
    if merged.recording.is_some() {
        crate::recording::finish(&state, merged.id).await;
    }
    let now = now_ms();
    sqlx::query("UPDATE calls SET answered_at = COALESCE(answered_at, ?1), ended_at = ?1, outcome = 'completed' WHERE id = ?2")
        .bind(now)
        .bind(merged.id)
        .execute(state.store.pool())
        .await?;
    state
        .store
        .record_transfer(id, caller.agent_id, &merged.to, now)
        .await?;
    // The consulting agent is off the phone; the colleague stays on it.
    state.call_ended(caller.account_id, caller.agent_id).await?;
    calls::publish_to(&state, caller.account_id, &merged, &[]).await?;
    let left: Vec<Id> = leaving.agent_id.into_iter().collect();
    calls::publish_to(&state, caller.account_id, &call, &left).await?;
    tracing::info!(call = id, consult = merged.id, "consult transfer completed");
    Ok(Json(call))
}

/// Cancels the consultation: the colleague's side ends and the held party is back.
#[utoipa::path(
    post, path = "/calls/{id}/consult/cancel", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 200, description = "The call, live again", body = Call),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not consulting", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    let consulting = {
        let mut calls = state.calls.lock();
        let live = calls::party_in(&mut calls, &caller, id)?;
        live.call
            .consult
            .filter(|_| live.call.held_by == Some(caller.agent_id) || live.call.conference)
            .ok_or_else(|| Error::Conflict("you are not consulting anyone".into()))?
    };
    let outcome = match state.calls.state_of(consulting) {
        Some(CallState::Ringing) => CallOutcome::Cancelled,
        _ => CallOutcome::Completed,
    };
    // Ending the consulting call brings the held party back (see `resume`).
    calls::end(&state, consulting, outcome).await?;
    calls::party_of(&state, &caller, id).map(|live| Json(live.call))
}

/// Joins the consultation and the call it is about: the consulting agent, the colleague and
/// the party who waited all hear each other. The consulting agent hanging up hands the call
/// to the colleague; the colleague hanging up leaves the first two together.
#[utoipa::path(
    post, path = "/calls/{id}/consult/conference", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 200, description = "The call, now three-way", body = Call),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not consulting, or the colleague has not answered", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn conference(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    let (call, consult) = {
        let mut calls = state.calls.lock();
        let live = calls::party_in(&mut calls, &caller, id)?;
        let consulting = live
            .call
            .consult
            .filter(|_| live.call.held_by == Some(caller.agent_id))
            .ok_or_else(|| Error::Conflict("you are not consulting anyone".into()))?;
        let (Some(mine), Some(theirs)) = (
            my_leg(live, caller.agent_id),
            live.other_leg(caller.agent_id),
        ) else {
            return Err(Error::NotFound("call"));
        };
        let Some(colleague) = calls
            .get(&consulting)
            .filter(|c| c.call.state == CallState::Live && c.call.from.is(caller.agent_id))
            .and_then(|c| c.callee_leg)
        else {
            return Err(Error::Conflict(
                "the colleague has not answered yet: wait, or cancel".into(),
            ));
        };
        state.media.hold(theirs, false)?;
        state.media.conference(vec![theirs, mine, colleague])?;
        let live = calls.get_mut(&id).ok_or(Error::NotFound("call"))?;
        // The customer is in it: a recorded call records the three-way talk.
        if live.call.recording == Some(Recording::Recording) {
            state.media.pause_recording(id, false)?;
        }
        live.call.state = CallState::Live;
        live.call.held_by = None;
        live.call.conference = true;
        let call = live.call.clone();
        let consult = calls.get_mut(&consulting).map(|c| {
            c.call.conference = true;
            // The colleague is now on the customer's call, recorded or not.
            c.call.recording = call.recording;
            c.call.clone()
        });
        (call, consult)
    };
    calls::publish_to(&state, caller.account_id, &call, &[]).await?;
    if let Some(consult) = consult {
        calls::publish_to(&state, caller.account_id, &consult, &[]).await?;
    }
    tracing::info!(call = id, "three-way call");
    Ok(Json(call))
}

/// A consulting call ended without the transfer: the call it was about is live again
/// between the consulting agent and the party who waited.
pub(crate) async fn resume(state: &AppState, consult: &Call) {
    let (Some(id), Some(agent)) = (consult.consult_of, consult.from.agent_id) else {
        return;
    };
    let resumed = {
        let mut calls = state.calls.lock();
        let Some(live) = calls
            .get_mut(&id)
            .filter(|live| live.call.consult == Some(consult.id))
        else {
            return;
        };
        live.call.consult = None;
        live.call.conference = false;
        if let (Some(mine), Some(theirs)) = (my_leg(live, agent), live.other_leg(agent)) {
            let _ = state.media.bridge(mine, theirs);
            let _ = state.media.hold(theirs, false);
        }
        if live.call.recording == Some(Recording::Recording) {
            let _ = state.media.pause_recording(id, false);
        }
        live.call.state = CallState::Live;
        live.call.held_by = None;
        (live.call.clone(), live.account_id)
    };
    if let Err(error) = calls::publish_to(state, resumed.1, &resumed.0, &[]).await {
        tracing::warn!(%error, call = id, "the call's return was not sent");
    }
}

/// Whether `agent` may start a consultation about the call: they control it, and are not
/// consulting already.
fn may_consult(live: &Live, agent: Id) -> Result<()> {
    if !live.controlled_by(agent) {
        return Err(Error::Conflict(
            "only a connected call you control can be transferred".into(),
        ));
    }
    if live.call.consult.is_some() {
        return Err(Error::Conflict("you are already consulting someone".into()));
    }
    Ok(())
}

/// The media leg of `agent` on the call.
fn my_leg(live: &Live, agent: Id) -> Option<crate::media::LegId> {
    if live.call.from.is(agent) {
        Some(live.caller_leg)
    } else if live.call.to.is(agent) {
        live.callee_leg
    } else {
        None
    }
}

/// The consulting call about to start: who calls whom (a ring group: whoever of it takes it).
struct Consultation {
    id: Id,
    from: Party,
    to: Party,
    group: Option<Id>,
    /// For an outside number: notified to end its dialog.
    hangup: Option<Arc<tokio::sync::Notify>>,
}

/// The consultation's start under the calls' lock: the call held, the consulting call on
/// record; answers both as their parties see them.
fn start_locked(
    state: &AppState,
    caller: &Caller,
    id: Id,
    consultation: Consultation,
) -> Result<(Option<Call>, Call)> {
    let mut calls = state.calls.lock();
    let live = calls::party_in(&mut calls, caller, id)?;
    may_consult(live, caller.agent_id)?;
    let (Some(mine), Some(theirs)) = (
        my_leg(live, caller.agent_id),
        live.other_leg(caller.agent_id),
    ) else {
        return Err(Error::Conflict("the call is not connected".into()));
    };
    state.media.hold(theirs, true)?;
    // The colleagues' talk is not the customer's call: it is not recorded.
    if live.call.recording == Some(Recording::Recording) {
        state.media.pause_recording(id, true)?;
    }
    live.call.state = CallState::Held;
    live.call.held_by = Some(caller.agent_id);
    live.call.consult = Some(consultation.id);
    let group = consultation.group;
    // A colleague's desk rings (a group's offers and outside numbers time out their own way).
    let at_agent = consultation.to.agent_id.is_some();
    let call = Call {
        consult_of: Some(id),
        context: live.call.context.clone(),
        ring_group: group.map(|_| consultation.to.name.clone()),
        waiting_since: group.map(|_| time::OffsetDateTime::now_utc()),
        ..Call::ringing(consultation.id, consultation.from, consultation.to)
    };
    let consult = Live {
        hangup: consultation.hangup,
        group,
        ringing_since: at_agent.then(std::time::Instant::now),
        ..Live::new(call, caller.account_id, mine)
    };
    let call = consult.call.clone();
    calls.insert(consultation.id, consult);
    let held = calls.get(&id).map(|l| l.call.clone());
    Ok((held, call))
}
