//! Calls between agents: signalling (each agent's engine offers SDP, the hub's media bridge
//! answers), the call state machine (ringing → live ⇄ held → ended, and a blind transfer
//! ringing again elsewhere), call records, call events to the parties, and the presence
//! rules a call triggers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use switchboard_protocol::{
    AcceptCall, AttachContext, Call, CallOutcome, CallState, ContextItem, ErrorBody, Event, Id,
    MediaAnswer, Party, StartCall, TransferCall,
};

use crate::auth::{AccountCaller, Caller};
use crate::error::{Json, Path};
use crate::media::{LegId, MediaEvent};
use crate::store::now_ms;
use crate::{AppState, Error, Result, events};

/// A call the hub is carrying.
#[derive(Debug, Clone)]
pub(crate) struct Live {
    pub call: Call,
    pub account_id: Id,
    pub caller_leg: LegId,
    pub callee_leg: Option<LegId>,
    /// For a call from the phone network: told when the hub ends the call (BYE the carrier).
    pub hangup: Option<Arc<tokio::sync::Notify>>,
    /// For a call handed on to an outside number: told when the hub ends the call (BYE the
    /// number it was handed to; `hangup` still ends the first dialog).
    pub hangup_out: Option<Arc<tokio::sync::Notify>>,
    /// For a call from the phone network, or a consultation: the ring group it waits in.
    pub group: Option<Id>,
    /// For a call from the phone network: told when the caller is to leave a message
    /// instead (the ring group overflowed to voicemail).
    pub to_voicemail: Option<Arc<tokio::sync::Notify>>,
    /// For a call from the phone network in an account with Identity: what the caller has
    /// said, for voice biometrics.
    pub voice: Option<crate::biometrics::Listening>,
    /// Since when the call rings at an agent (called, consulted, transferred or come back):
    /// unanswered for `[calls] ring_timeout`, it is not taken (see [`not_taken`]).
    pub ringing_since: Option<std::time::Instant>,
}

impl Live {
    /// A call the hub now carries: its caller's leg, nothing else yet.
    pub(crate) fn new(call: Call, account_id: Id, caller_leg: LegId) -> Self {
        Self {
            call,
            account_id,
            caller_leg,
            callee_leg: None,
            hangup: None,
            hangup_out: None,
            group: None,
            to_voicemail: None,
            voice: None,
            ringing_since: None,
        }
    }

    /// Whether `agent` controls the connected call: it is live, or they put it on hold.
    pub(crate) fn controlled_by(&self, agent: Id) -> bool {
        let connected = match self.call.state {
            CallState::Live => true,
            CallState::Held => self.call.held_by == Some(agent),
            CallState::Ringing | CallState::Ended => false,
        };
        connected && self.callee_leg.is_some()
    }

    /// The media leg of the party other than `agent`.
    pub(crate) fn other_leg(&self, agent: Id) -> Option<LegId> {
        if self.call.from.is(agent) {
            self.callee_leg
        } else {
            Some(self.caller_leg)
        }
    }
}

#[derive(Debug, Default)]
pub struct Calls {
    live: Mutex<HashMap<Id, Live>>,
    /// Consulting calls merged into the call they were about (a completed consult transfer):
    /// whatever still ends the first (its outside party's hang-up) ends the second.
    merged: Mutex<HashMap<Id, Id>>,
}

impl Calls {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Live>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn insert(&self, live: Live) {
        self.lock().insert(live.call.id, live);
    }

    pub(crate) fn merge(&self, from: Id, into: Id) {
        self.merged
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(from, into);
    }

    fn merged_into(&self, call: Id) -> Option<Id> {
        self.merged
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&call)
    }

    pub(crate) fn state_of(&self, call: Id) -> Option<CallState> {
        self.lock().get(&call).map(|live| live.call.state)
    }

    fn by_leg(&self, leg: LegId) -> Option<Id> {
        self.lock()
            .values()
            .find(|live| live.caller_leg == leg || live.callee_leg == Some(leg))
            .map(|live| live.call.id)
    }
}

/// Tells both parties (and an agent who just left the call) how the call stands.
async fn publish(state: &AppState, account_id: Id, call: &Call, left: Option<Id>) -> Result<()> {
    let left: Vec<Id> = left.into_iter().collect();
    publish_to(state, account_id, call, &left).await
}

/// Tells the call's parties, the agents it rings at, and `also`, how the call stands.
pub(crate) async fn publish_to(
    state: &AppState,
    account_id: Id,
    call: &Call,
    also: &[Id],
) -> Result<()> {
    let everyone: Vec<Id> = [call.from.agent_id, call.to.agent_id]
        .into_iter()
        .flatten()
        .chain(call.offered_to.iter().copied())
        .chain(also.iter().copied())
        .collect();
    publish_only(state, account_id, call, &everyone).await
}

/// Tells just these agents how the call stands.
pub(crate) async fn publish_only(
    state: &AppState,
    account_id: Id,
    call: &Call,
    agents: &[Id],
) -> Result<()> {
    let mut tx = state.store.write().await?;
    let mut told = Vec::new();
    for agent in agents.iter().copied() {
        if told.contains(&agent) {
            continue;
        }
        told.push(agent);
        events::append(
            &mut tx,
            account_id,
            Some(agent),
            &Event::CallUpdated {
                call: Box::new(call.clone()),
            },
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
    let to_agent = match (body.to_agent, body.to_number.as_deref()) {
        (Some(agent), None) => agent,
        (None, Some(number)) => {
            let number = number.to_owned();
            return external(&state, &caller, body, &number).await;
        }
        _ => {
            return Err(Error::BadRequest(
                "give either to_agent or to_number".into(),
            ));
        }
    };
    if to_agent == caller.agent_id {
        return Err(Error::BadRequest("an agent cannot call themselves".into()));
    }
    let from = state
        .store
        .agent(caller.account_id, caller.agent_id)
        .await?;
    let to = callable_agent(&state, caller.account_id, to_agent).await?;
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
    let call = Call::ringing(
        id,
        Party::agent(from.id, from.name),
        Party::agent(to.id, to.name),
    );
    state.calls.insert(Live {
        ringing_since: Some(std::time::Instant::now()),
        ..Live::new(call.clone(), caller.account_id, leg)
    });
    publish(&state, caller.account_id, &call, None).await?;
    time_ringing(&state, id);
    tracing::info!(
        call = id,
        from = call.from.agent_id,
        to = call.to.agent_id,
        "call ringing"
    );
    Ok((StatusCode::CREATED, Json(MediaAnswer { call, answer })))
}

/// An outside number (F-14): checked (number, caller ID) so the agent learns what is wrong
/// with it, then placed through the account's carrier. The agent's leg is answered at once;
/// the call rings until the far end answers, and the agent follows it in events.
async fn external(
    state: &Arc<AppState>,
    caller: &Caller,
    body: StartCall,
    number: &str,
) -> Result<(StatusCode, Json<MediaAnswer>)> {
    let account = state.store.account(caller.account_id).await?;
    let e164 = crate::phone::to_e164(number, &account.settings.default_country)?;
    let agent = state
        .store
        .agent(caller.account_id, caller.agent_id)
        .await?;
    let caller_ids = state.store.caller_ids(caller.account_id).await?;
    let presented = match body.caller_id {
        Some(chosen) => {
            if !agent.can_choose_caller_id {
                return Err(Error::Forbidden);
            }
            let chosen = caller_ids
                .iter()
                .find(|c| c.id == chosen)
                .ok_or(Error::NotFound("caller ID"))?;
            Some(chosen.number.clone())
        }
        // Agents who may not choose call out with the account's first.
        None => caller_ids.first().map(|c| c.number.clone()),
    };
    let trunk = state.trunk.get().cloned().ok_or(Error::NoTrunk)?;
    let carrier = state
        .store
        .carrier(caller.account_id)
        .await?
        .ok_or(Error::NoTrunk)?;
    let callee = phone_party(state, caller.account_id, e164.clone()).await;
    let (leg, answer) = state.media.add_leg(body.offer).await?;
    let recorded: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO calls (account_id, direction, from_agent, to_number, caller_id, started_at)
         VALUES (?, 'outbound', ?, ?, ?, ?) RETURNING id",
    )
    .bind(caller.account_id)
    .bind(agent.id)
    .bind(&e164)
    .bind(presented.as_deref())
    .bind(now_ms())
    .fetch_one(state.store.pool())
    .await;
    let id = match recorded {
        Ok(id) => id,
        Err(error) => {
            let _ = state.media.remove(leg);
            return Err(error.into());
        }
    };
    let hangup = Arc::new(tokio::sync::Notify::new());
    let call = Call::ringing(id, Party::agent(agent.id, agent.name), callee);
    state.calls.insert(Live {
        hangup: Some(hangup.clone()),
        ..Live::new(call.clone(), caller.account_id, leg)
    });
    publish(state, caller.account_id, &call, None).await?;
    tracing::info!(call = id, to = %e164, "calling an outside number");
    tokio::spawn(crate::outbound::place(
        state.clone(),
        crate::outbound::Placement {
            call: id,
            account: caller.account_id,
            carrier,
            trunk,
            number: e164,
            caller_id: presented,
            hangup,
        },
    ));
    Ok((StatusCode::CREATED, Json(MediaAnswer { call, answer })))
}

/// A party on the phone network as agents see them: the contact's name when the account
/// knows the number, else the number.
pub(crate) async fn phone_party(state: &AppState, account: Id, e164: String) -> Party {
    let name = state
        .store
        .contacts_by_phone(account, &e164)
        .await
        .ok()
        .and_then(|found| found.into_iter().next())
        .map_or_else(|| e164.clone(), |contact| contact.name);
    Party::phone(e164, name)
}

/// Most pieces of Context one call keeps.
pub const MAX_CONTEXT_ITEMS: usize = 50;

/// Attaches Context to a live call (F-21): an outside system (with one of the account's API
/// keys) or an agent of the account tells the agents what it knows; the call's parties and
/// the agents it rings at see it at once.
#[utoipa::path(
    post, path = "/calls/{id}/context", tag = "calls", request_body = AttachContext,
    params(("id" = Id, Path)),
    responses(
        (status = 200, body = Call),
        (status = 400, description = "Empty or too long keys or values, too many items", body = ErrorBody),
        (status = 404, description = "No such live call in the account", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn attach_context(
    State(state): State<Arc<AppState>>,
    caller: AccountCaller,
    Path(id): Path<Id>,
    Json(body): Json<AttachContext>,
) -> Result<Json<Call>> {
    for item in &body.context {
        let key = item.key.trim();
        if key.is_empty() || key.chars().count() > 64 || key.chars().any(char::is_control) {
            return Err(Error::BadRequest(format!(
                "{:?}: a context key is 1 to 64 printable characters",
                item.key
            )));
        }
        if item.value.chars().count() > 1024 {
            return Err(Error::BadRequest(format!(
                "the value of {key:?} is longer than 1024 characters"
            )));
        }
    }
    let (call, account_id) = {
        let mut calls = state.calls.lock();
        // Another account's call is as unknown as one that never was.
        let live = calls
            .get_mut(&id)
            .filter(|live| live.account_id == caller.account_id())
            .ok_or(Error::NotFound("call"))?;
        let mut context = live.call.context.clone();
        for item in body.context {
            let key = item.key.trim().to_owned();
            match context.iter_mut().find(|known| known.key == key) {
                Some(known) => known.value = item.value,
                None => context.push(ContextItem {
                    key,
                    value: item.value,
                }),
            }
        }
        if context.len() > MAX_CONTEXT_ITEMS {
            return Err(Error::BadRequest(format!(
                "a call keeps at most {MAX_CONTEXT_ITEMS} pieces of context"
            )));
        }
        live.call.context = context;
        (live.call.clone(), live.account_id)
    };
    keep_context(&state, id, &call.context).await?;
    publish_to(&state, account_id, &call, &[]).await?;
    Ok(Json(call))
}

/// Puts a call's Context on its record (`[[key, value], …]`, in the order it was learnt).
pub(crate) async fn keep_context(state: &AppState, id: Id, context: &[ContextItem]) -> Result<()> {
    let pairs: Vec<(&str, &str)> = context
        .iter()
        .map(|item| (item.key.as_str(), item.value.as_str()))
        .collect();
    sqlx::query("UPDATE calls SET context = ? WHERE id = ?")
        .bind(serde_json::to_string(&pairs).unwrap_or_default())
        .bind(id)
        .execute(state.store.pool())
        .await?;
    Ok(())
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
    // A ring group's offer: the router decides who gets it (the first to accept).
    let offered = live.call.offered_to.contains(&caller.agent_id);
    if offered {
        let (reply, decided) = tokio::sync::oneshot::channel();
        state
            .routing
            .send(crate::inbound::Input::Accept {
                account: live.account_id,
                call: id,
                agent: caller.agent_id,
                reply,
            })
            .map_err(|_| Error::Internal("routing stopped".into()))?;
        decided
            .await
            .map_err(|_| Error::Internal("routing stopped".into()))?
            // Taken by someone else meanwhile, or the caller left.
            .map_err(|_refused| Error::NoLongerRinging)?;
    }
    let me = if offered {
        Some(
            state
                .store
                .agent(caller.account_id, caller.agent_id)
                .await?,
        )
    } else {
        None
    };
    let (leg, answer) = match state.media.add_leg(body.offer).await {
        Ok(added) => added,
        Err(error) => {
            if offered && let Some(group) = live.group {
                // The router gave the call to this agent; it goes back to the queue, and the
                // agent is free again.
                requeue(&state, &live, caller.agent_id, group).await;
            }
            return Err(error);
        }
    };
    let call = {
        let mut calls = state.calls.lock();
        let Some(live) = calls
            .get_mut(&id)
            .filter(|l| l.call.state == CallState::Ringing)
        else {
            drop(calls);
            let _ = state.media.remove(leg);
            return Err(Error::NoLongerRinging);
        };
        live.callee_leg = Some(leg);
        live.call.state = CallState::Live;
        // A call that came back is an ordinary call again once taken.
        live.call.returned = None;
        live.ringing_since = None;
        if let Some(me) = me {
            live.call.to = Party::agent(me.id, me.name);
            live.call.offered_to.clear();
            live.call.waiting_since = None;
        }
        live.call.clone()
    };
    // A transferred caller waited with music.
    state.media.hold(live.caller_leg, false)?;
    state.media.bridge(live.caller_leg, leg)?;
    // A customer's call is recorded from now on, if the account records calls.
    let call = if call.from.number.is_some() {
        crate::recording::connected(&state, live.account_id, id, live.caller_leg, leg, leg)
            .await
            .unwrap_or(call)
    } else {
        call
    };
    // A caller from a queue: how long they waited is kept with the call.
    // Answered once: a transferred call keeps its first answer (the talk time runs from it).
    sqlx::query(
        "UPDATE calls SET answered_at = COALESCE(answered_at, ?1), to_agent = COALESCE(to_agent, ?2),
             waited_ms = CASE WHEN queued_at IS NULL OR answered_at IS NOT NULL THEN waited_ms
                              ELSE ?1 - queued_at END
         WHERE id = ?3",
    )
    .bind(now_ms())
    .bind(caller.agent_id)
    .bind(id)
    .execute(state.store.pool())
    .await?;
    // Handed to a ring group, the call's new agent is whoever took it there.
    sqlx::query(
        "UPDATE call_transfers SET to_agent = ?
         WHERE call_id = ? AND to_agent IS NULL AND to_number IS NULL AND outcome IS NULL",
    )
    .bind(caller.agent_id)
    .bind(id)
    .execute(state.store.pool())
    .await?;
    for agent in [call.from.agent_id, call.to.agent_id].into_iter().flatten() {
        state.call_started(live.account_id, agent).await?;
    }
    publish(&state, live.account_id, &call, None).await?;
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
    let live = ringing_for(&state, &caller, id)?;
    if live.call.offered_to.contains(&caller.agent_id) {
        // A ring group's offer moves on to the next agent; the caller keeps waiting.
        let _ = state.routing.send(crate::inbound::Input::Decline {
            account: live.account_id,
            call: id,
            agent: caller.agent_id,
        });
        let mut call = live.call;
        call.offered_to.retain(|a| *a != caller.agent_id);
        return Ok(Json(call));
    }
    not_taken(&state, id, CallOutcome::Declined).await.map(Json)
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
    if !live.call.involves(caller.agent_id) {
        return Err(Error::Conflict(
            "the call is offered to you: accept or decline it".into(),
        ));
    }
    // Hanging up while a colleague is on the line — in a three-way call, or consulting them —
    // hands them the call (an attended transfer): the customer is not cut off.
    let handing_over = live.call.consult.is_some_and(|consult| {
        state
            .calls
            .lock()
            .get(&consult)
            .is_some_and(|c| c.call.from.is(caller.agent_id) && c.call.state == CallState::Live)
    });
    if handing_over {
        return crate::consult::complete(State(state), caller, Path(id)).await;
    }
    let outcome = match live.call.state {
        CallState::Ringing => CallOutcome::Cancelled,
        _ => CallOutcome::Completed,
    };
    end(&state, id, outcome).await.map(Json)
}

/// Puts the other party on hold: they hear music, and neither hears the other (F-24).
#[utoipa::path(
    post, path = "/calls/{id}/hold", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 200, body = Call),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The call is not live", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn hold(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    let (call, account_id) = {
        let mut calls = state.calls.lock();
        let live = party_in(&mut calls, &caller, id)?;
        if live.call.state != CallState::Live {
            return Err(Error::Conflict(
                "only a live call can be put on hold".into(),
            ));
        }
        let other = live
            .other_leg(caller.agent_id)
            .ok_or_else(|| Error::Conflict("the call is not connected".into()))?;
        state.media.hold(other, true)?;
        live.call.state = CallState::Held;
        live.call.held_by = Some(caller.agent_id);
        (live.call.clone(), live.account_id)
    };
    publish(&state, account_id, &call, None).await?;
    tracing::info!(call = id, by = caller.agent_id, "call held");
    Ok(Json(call))
}

/// Takes the call off hold; only the agent who held it can.
#[utoipa::path(
    post, path = "/calls/{id}/resume", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 200, body = Call),
        (status = 403, description = "Held by the other party", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The call is not on hold", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn resume(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    let (call, account_id) = {
        let mut calls = state.calls.lock();
        let live = party_in(&mut calls, &caller, id)?;
        if live.call.state != CallState::Held {
            return Err(Error::Conflict("the call is not on hold".into()));
        }
        if live.call.held_by != Some(caller.agent_id) {
            return Err(Error::Forbidden);
        }
        if let Some(other) = live.other_leg(caller.agent_id) {
            state.media.hold(other, false)?;
        }
        live.call.state = CallState::Live;
        live.call.held_by = None;
        (live.call.clone(), live.account_id)
    };
    publish(&state, account_id, &call, None).await?;
    tracing::info!(call = id, "call resumed");
    Ok(Json(call))
}

/// Blind transfer (F-25): the other party is handed to another agent, hearing music while
/// it rings there, or — a customer who called in — back to one of the account's ring
/// groups, to wait for its agents; the transferring agent leaves the call at once.
#[utoipa::path(
    post, path = "/calls/{id}/transfer", tag = "calls", request_body = TransferCall,
    params(("id" = Id, Path)),
    responses(
        (status = 200, body = Call),
        (status = 400, description = "No target, two targets, or a party of the call", body = ErrorBody),
        (status = 404, description = "No such call, agent or ring group", body = ErrorBody),
        (status = 409, description = "Not connected, held by the other party, the agent cannot take calls, or not a customer's inbound call (for a ring group)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn transfer(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<TransferCall>,
) -> Result<Json<Call>> {
    let current = party_of(&state, &caller, id)?;
    enum To {
        Agent(crate::store::AgentRow),
        Group(Id, String),
        Number(Party, crate::outbound::Placement),
    }
    let to = match (body.to_agent, body.to_group, body.to_number.as_deref()) {
        (None, None, Some(number)) => {
            let handover =
                crate::outbound::Handover::prepare(&state, caller.account_id, number).await?;
            let party = handover.party.clone();
            let hangup = Arc::new(tokio::sync::Notify::new());
            To::Number(party, handover.placement(id, caller.account_id, hangup))
        }
        (Some(agent), None, None) => {
            if current.call.involves(agent) {
                return Err(Error::BadRequest(
                    "the call cannot be transferred to one of its parties".into(),
                ));
            }
            To::Agent(callable_agent(&state, caller.account_id, agent).await?)
        }
        (None, Some(group), None) => {
            // Only a customer who called in waits in a queue (their call flow's task
            // follows the call there, and sees them hang up).
            if current.call.from.number.is_none() || current.call.from.agent_id.is_some() {
                return Err(Error::Conflict(
                    "only a customer's inbound call can go to a ring group".into(),
                ));
            }
            let name = state
                .store
                .routing_group_name(caller.account_id, group)
                .await?
                .ok_or(Error::NotFound("ring group"))?;
            To::Group(group, name)
        }
        _ => {
            return Err(Error::BadRequest(
                "transfer to exactly one agent, ring group or number".into(),
            ));
        }
    };
    let (call, leaving_leg) = {
        let mut calls = state.calls.lock();
        let live = party_in(&mut calls, &caller, id)?;
        let (Some(callee_leg), true) = (live.callee_leg, live.controlled_by(caller.agent_id))
        else {
            return Err(Error::Conflict(
                "only a connected call you control can be transferred".into(),
            ));
        };
        let transferrer = if live.call.from.is(caller.agent_id) {
            live.call.from.clone()
        } else {
            live.call.to.clone()
        };
        let (remaining, remaining_leg, leaving_leg) = if transferrer == live.call.from {
            (live.call.to.clone(), callee_leg, live.caller_leg)
        } else {
            (live.call.from.clone(), live.caller_leg, callee_leg)
        };
        state.media.hold(remaining_leg, true)?;
        live.caller_leg = remaining_leg;
        live.callee_leg = None;
        let target = match &to {
            To::Agent(agent) => Party::agent(agent.id, agent.name.clone()),
            To::Number(party, placement) => {
                live.hangup_out = Some(placement.hangup.clone());
                party.clone()
            }
            To::Group(group, name) => {
                live.group = Some(*group);
                live.call.ring_group = Some(name.clone());
                live.call.waiting_since = Some(time::OffsetDateTime::now_utc());
                Party::group(name.clone())
            }
        };
        live.call = Call {
            from: remaining,
            to: target,
            state: CallState::Ringing,
            held_by: None,
            transferred_by: Some(transferrer),
            returned: None,
            ..live.call.clone()
        };
        live.ringing_since = Some(std::time::Instant::now());
        (live.call.clone(), leaving_leg)
    };
    let _ = state.media.remove(leaving_leg);
    state
        .store
        .record_transfer(id, caller.agent_id, &call.to, now_ms())
        .await?;
    state.call_ended(caller.account_id, caller.agent_id).await?;
    publish(&state, caller.account_id, &call, Some(caller.agent_id)).await?;
    match to {
        To::Group(group, _) => state
            .routing
            .send(crate::inbound::Input::Enqueue {
                account: caller.account_id,
                call: id,
                group,
            })
            .map_err(|_| Error::Internal("routing stopped".into()))?,
        // The number is dialled; when it answers the waiting party is connected to it.
        To::Number(_, placement) => {
            tokio::spawn(crate::outbound::place(state.clone(), placement));
        }
        To::Agent(_) => time_ringing(&state, id),
    }
    tracing::info!(call = id, by = caller.agent_id, to = %call.to.name, "call transferred");
    Ok(Json(call))
}

/// The callee did not take the call (declined it, was busy, let it ring out, could not be
/// reached). A call handed on blind comes back rather than cutting the waiting party off: it
/// rings again at the agent who handed it on if they can take it (in a callable status, or
/// still wrapping it up), else waits in its ring group; with neither it ends, as any other
/// call the callee did not take.
pub(crate) async fn not_taken(state: &Arc<AppState>, id: Id, outcome: CallOutcome) -> Result<Call> {
    let Some(live) = state.calls.lock().get(&id).cloned() else {
        return end(state, id, outcome).await;
    };
    if live.call.state != CallState::Ringing || live.call.transferred_by.is_none() {
        return end(state, id, outcome).await;
    }
    let account = live.account_id;
    // Back to the agent who handed it on — once: a call that came back and is not taken
    // there either goes to its ring group. (An agent removed since is no one to come back
    // to.)
    let by = live
        .call
        .transferred_by
        .as_ref()
        .and_then(|party| party.agent_id)
        .filter(|_| live.call.returned.is_none());
    let agent = match by {
        Some(by) => state.store.agent(account, by).await.ok(),
        None => None,
    };
    let mut takes_it = false;
    if let Some(agent) = &agent {
        let status = agent.status();
        takes_it = status.kind() == switchboard_protocol::StatusKind::AfterCallWork
            || state
                .store
                .status(account, &status)
                .await?
                .is_some_and(|def| def.callable);
    }
    let group = match live.group {
        Some(group) if !takes_it => state
            .store
            .routing_group_name(account, group)
            .await?
            .map(|name| (group, name)),
        _ => None,
    };
    let back = match (agent, &group) {
        (Some(agent), _) if takes_it => Party::agent(agent.id, agent.name),
        (_, Some((_, name))) => Party::group(name.clone()),
        _ => return end(state, id, outcome).await,
    };
    let (call, was) = {
        let mut calls = state.calls.lock();
        let Some(live) = calls
            .get_mut(&id)
            .filter(|l| l.call.state == CallState::Ringing && l.call.to == live.call.to)
        else {
            return Err(Error::NoLongerRinging);
        };
        let was = std::mem::replace(&mut live.call.to, back);
        live.call.returned = Some(switchboard_protocol::Returned {
            to: was.clone(),
            outcome,
        });
        live.call.alerting = false;
        live.hangup_out = None;
        live.ringing_since = takes_it.then(std::time::Instant::now);
        if let Some((_, name)) = &group {
            live.call.ring_group = Some(name.clone());
            live.call.waiting_since = Some(time::OffsetDateTime::now_utc());
        }
        (live.call.clone(), was)
    };
    sqlx::query(
        "UPDATE call_transfers SET outcome = ?
         WHERE id = (SELECT MAX(id) FROM call_transfers WHERE call_id = ?)",
    )
    .bind(
        serde_json::to_value(outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned)),
    )
    .bind(id)
    .execute(state.store.pool())
    .await?;
    let told: Vec<Id> = was.agent_id.into_iter().collect();
    publish_to(state, account, &call, &told).await?;
    if let Some((group, _)) = group {
        state
            .routing
            .send(crate::inbound::Input::Enqueue {
                account,
                call: id,
                group,
            })
            .map_err(|_| Error::Internal("routing stopped".into()))?;
    } else {
        time_ringing(state, id);
    }
    tracing::info!(call = id, ?outcome, to = %call.to.name, "a transfer did not go through: the call came back");
    Ok(call)
}

/// A call just put to ring at an agent that is still ringing there — the same ringing —
/// after `[calls] ring_timeout` is not taken (see [`not_taken`]).
pub(crate) fn time_ringing(state: &Arc<AppState>, id: Id) {
    let Some(since) = state.calls.lock().get(&id).and_then(|l| l.ringing_since) else {
        return;
    };
    let state = state.clone();
    tokio::spawn(async move {
        tokio::time::sleep(state.config.calls.ring_timeout).await;
        let unanswered = state.calls.lock().get(&id).is_some_and(|live| {
            live.call.state == CallState::Ringing && live.ringing_since == Some(since)
        });
        if unanswered {
            tracing::info!(call = id, "a call rang out at an agent");
            if let Err(error) = Box::pin(not_taken(&state, id, CallOutcome::NoAnswer)).await {
                tracing::warn!(%error, call = id, "a call that rang out did not come back");
            }
        }
    });
}

/// An agent of the account who can take a call in their current status.
pub(crate) async fn callable_agent(
    state: &AppState,
    account_id: Id,
    agent_id: Id,
) -> Result<crate::store::AgentRow> {
    let agent = state.store.agent(account_id, agent_id).await?;
    let callable = state
        .store
        .status(account_id, &agent.status())
        .await?
        .is_some_and(|def| def.callable);
    if !callable {
        return Err(Error::Unavailable(agent.name));
    }
    Ok(agent)
}

/// The call, if the caller takes part in it (else "not found", as for other accounts).
pub(crate) fn party_of(state: &AppState, caller: &Caller, id: Id) -> Result<Live> {
    party_in(&mut state.calls.lock(), caller, id).map(|live| live.clone())
}

pub(crate) fn party_in<'a>(
    calls: &'a mut HashMap<Id, Live>,
    caller: &Caller,
    id: Id,
) -> Result<&'a mut Live> {
    calls
        .get_mut(&id)
        .filter(|live| {
            live.account_id == caller.account_id
                && (live.call.involves(caller.agent_id)
                    || live.call.offered_to.contains(&caller.agent_id))
        })
        .ok_or(Error::NotFound("call"))
}

fn ringing_for(state: &AppState, caller: &Caller, id: Id) -> Result<Live> {
    let live = party_of(state, caller, id)?;
    if !live.call.to.is(caller.agent_id) && !live.call.offered_to.contains(&caller.agent_id) {
        return Err(Error::Forbidden);
    }
    if live.call.state != CallState::Ringing {
        return Err(Error::NoLongerRinging);
    }
    Ok(live)
}

/// Ends a call: media down, record closed, parties told, presence rules applied.
pub async fn end(state: &AppState, id: Id, outcome: CallOutcome) -> Result<Call> {
    let removed = state.calls.lock().remove(&id);
    let Some(mut live) = removed else {
        return match state.calls.merged_into(id) {
            Some(into) => Box::pin(end(state, into, outcome)).await,
            None => Err(Error::NotFound("call")),
        };
    };
    for hangup in live.hangup.iter().chain(&live.hangup_out) {
        // The carrier gets its BYE.
        hangup.notify_one();
    }
    if live.call.state == CallState::Ringing && live.group.is_some() {
        // Still waiting in a ring group: its agents stop being offered it.
        let _ = state.routing.send(crate::inbound::Input::Abandon {
            account: live.account_id,
            call: id,
        });
    }
    // The agents in the call's media: both when connected; a transferred caller waits in
    // it while the call rings elsewhere. A consulting agent stays on the call they consult
    // about, on the same leg.
    let consulting = live.call.consult_of.is_some();
    let in_call = match live.call.state {
        CallState::Live | CallState::Held if consulting => vec![live.call.to.agent_id],
        CallState::Live | CallState::Held => vec![live.call.from.agent_id, live.call.to.agent_id],
        CallState::Ringing if live.call.transferred_by.is_some() => vec![live.call.from.agent_id],
        CallState::Ringing | CallState::Ended => Vec::new(),
    };
    let shared = consulting.then_some(live.caller_leg);
    for leg in std::iter::once(live.caller_leg).chain(live.callee_leg) {
        if Some(leg) != shared {
            let _ = state.media.remove(leg);
        }
    }
    live.call.state = CallState::Ended;
    live.call.outcome = Some(outcome);
    if live.call.recording.is_some() {
        crate::recording::finish(state, id).await;
    }
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
    for agent in in_call.into_iter().flatten() {
        state.call_ended(live.account_id, agent).await?;
        // The router counted the agent busy since they took a call; whatever their status
        // now (it may not have changed at all), it learns it.
        sync_availability(state, live.account_id, agent).await;
    }
    publish(state, live.account_id, &live.call, None).await?;
    tracing::info!(call = id, ?outcome, "call ended");
    if consulting {
        // No transfer after all: back to the party who waited.
        crate::consult::resume(state, &live.call).await;
    } else if let Some(consult) = live.call.consult {
        // The call ended while its agent consulted: the consultation has nothing left.
        let _ = Box::pin(end(state, consult, CallOutcome::Cancelled)).await;
    }
    Ok(live.call)
}

/// Tells the router whether `agent` can be offered callers, from their status now.
async fn sync_availability(state: &AppState, account: Id, agent: Id) {
    if let Ok(row) = state.store.agent(account, agent).await {
        let _ = state.routing.send(crate::inbound::Input::Presence {
            account,
            agent,
            available: row.status() == switchboard_protocol::StatusKey::available(),
        });
    }
}

/// A call the router gave to an agent who then could not take it waits again.
async fn requeue(state: &AppState, live: &Live, agent: Id, group: Id) {
    sync_availability(state, live.account_id, agent).await;
    if let Some(waiting) = state.calls.lock().get_mut(&live.call.id) {
        waiting.call.offered_to.retain(|a| *a != agent);
    }
    let _ = state.routing.send(crate::inbound::Input::Enqueue {
        account: live.account_id,
        call: live.call.id,
        group,
    });
}

/// At start: calls open in the records were cut off when the hub stopped (calls live in its
/// memory). Close them as failed and take their agents out of "On a call".
pub async fn recover(state: &AppState) -> Result<()> {
    let open: Vec<(Id, Id)> =
        sqlx::query_as("SELECT id, account_id FROM calls WHERE ended_at IS NULL")
            .fetch_all(state.store.pool())
            .await?;
    for (id, account_id) in open {
        sqlx::query("UPDATE calls SET ended_at = ?, outcome = 'failed' WHERE id = ?")
            .bind(now_ms())
            .bind(id)
            .execute(state.store.pool())
            .await?;
        // Everyone the call ever reached; those still "On a call" were in it.
        let agents: Vec<Id> = sqlx::query_scalar(
            "SELECT from_agent FROM calls WHERE id = ?1 AND from_agent IS NOT NULL
             UNION SELECT to_agent FROM calls WHERE id = ?1 AND to_agent IS NOT NULL
             UNION SELECT to_agent FROM call_transfers WHERE call_id = ?1 AND to_agent IS NOT NULL",
        )
        .bind(id)
        .fetch_all(state.store.pool())
        .await?;
        for agent in agents {
            let on_call =
                state.store.agent(account_id, agent).await.is_ok_and(|row| {
                    row.status().kind() == switchboard_protocol::StatusKind::OnCall
                });
            if on_call && let Err(error) = state.call_ended(account_id, agent).await {
                tracing::warn!(%error, agent, "could not end an agent's cut-off call");
            }
        }
        tracing::info!(call = id, "a call cut off by the hub's stop was closed");
    }
    Ok(())
}

/// Follows the media bridge: a leg that drops ends its call.
pub async fn follow_media(
    state: Arc<AppState>,
    mut events: tokio::sync::mpsc::UnboundedReceiver<MediaEvent>,
) {
    while let Some(event) = events.recv().await {
        if let MediaEvent::Key { leg, key } = event {
            state.keys.pressed(leg, key);
            continue;
        }
        if let MediaEvent::Ended { leg, .. } = &event {
            state.keys.stop(*leg);
        }
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
