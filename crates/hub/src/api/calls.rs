//! Calls over HTTP: each handler checks who asks and what they name, prepares what costs
//! something (a media leg, a lookup), and asks the call. The call decides.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use switchboard_protocol::{
    AcceptCall, AttachContext, Call, ErrorBody, ErrorCode, Id, MediaAnswer, Party, Role, StartCall,
    TransferCall,
};

use crate::auth::{AccountCaller, Caller};
use crate::call::{Attached, Dial, Input, Machine, Now, Target};
use crate::error::{Json, Path};
use crate::store::NewCall;
use crate::{AppState, Error, Result, phone};

/// Call another agent of the account (F-15), or an outside number (F-14).
#[utoipa::path(
    post, path = "/calls", tag = "calls", request_body = StartCall,
    responses(
        (status = 201, body = MediaAnswer),
        (status = 400, description = "Bad SDP offer, calling oneself, or not a phone number", body = ErrorBody),
        (status = 403, description = "The agent may not choose the caller ID", body = ErrorBody),
        (status = 404, description = "No such agent (or caller ID) in the account", body = ErrorBody),
        (status = 409, description = "The agent cannot be called in their status, or no phone line", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn start(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Json(body): Json<StartCall>,
) -> Result<(StatusCode, Json<MediaAnswer>)> {
    let answer = match (body.to_agent, body.to_number.as_deref()) {
        (Some(agent), None) => colleague(&state, &caller, agent, body.offer).await?,
        (None, Some(number)) => {
            let number = number.to_owned();
            outside(&state, &caller, &number, body.caller_id, body.offer).await?
        }
        _ => {
            return Err(Error::BadRequest(
                "give either to_agent or to_number".into(),
            ));
        }
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// An agent of the account in a callable status: their desk rings.
async fn colleague(
    state: &AppState,
    caller: &Caller,
    to_agent: Id,
    offer: String,
) -> Result<MediaAnswer> {
    if to_agent == caller.agent_id {
        return Err(Error::refused(ErrorCode::CannotCallSelf));
    }
    let from = state
        .store
        .agent(caller.account_id, caller.agent_id)
        .await?;
    let to = state.presence.callable(caller.account_id, to_agent).await?;
    let settings = state.calls.services().settings(caller.account_id).await?;
    let (leg, answer) = state.media.add_leg(offer).await?;
    let recorded = state
        .store
        .create_call(&NewCall::Internal {
            account: caller.account_id,
            from_agent: from.id,
            to_agent: to.id,
        })
        .await;
    let id = match recorded {
        Ok(id) => id,
        Err(error) => {
            // No call without its record: release the leg just made.
            let _ = state.media.remove(leg);
            return Err(error);
        }
    };
    let machine = Machine::internal(
        id,
        caller.account_id,
        settings,
        (from.id, from.name, leg),
        (to.id, to.name),
        Now::current(),
    );
    let call = state.calls.start(machine, Attached::default()).await?;
    Ok(MediaAnswer { call, answer })
}

/// An outside number, checked (number, caller ID) so the agent learns what is wrong with it,
/// then dialled through the account's carrier. The agent's leg is answered at once; the
/// call rings until the far end answers, and the agent follows it in events.
async fn outside(
    state: &AppState,
    caller: &Caller,
    number: &str,
    caller_id: Option<Id>,
    offer: String,
) -> Result<MediaAnswer> {
    let account = state.store.account(caller.account_id).await?;
    let e164 = phone::to_e164(number, &account.settings.default_country)?;
    let agent = state
        .store
        .agent(caller.account_id, caller.agent_id)
        .await?;
    let caller_ids = state.store.caller_ids(caller.account_id).await?;
    let presented = match caller_id {
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
    line_out(state, caller.account_id).await?;
    let settings = state.calls.services().settings(caller.account_id).await?;
    let callee = phone::party(&state.store, caller.account_id, e164.clone()).await;
    let (leg, answer) = state.media.add_leg(offer).await?;
    let recorded = state
        .store
        .create_call(&NewCall::Outbound {
            account: caller.account_id,
            from_agent: agent.id,
            to_number: e164.clone(),
            caller_id: presented.clone(),
        })
        .await;
    let id = match recorded {
        Ok(id) => id,
        Err(error) => {
            let _ = state.media.remove(leg);
            return Err(error);
        }
    };
    let (machine, effects) = Machine::outbound(
        id,
        caller.account_id,
        settings,
        (agent.id, agent.name, leg),
        callee,
        Dial {
            number: e164,
            caller_id: presented,
        },
        Now::current(),
    );
    let call = state
        .calls
        .start(
            machine,
            Attached {
                effects,
                ..Attached::default()
            },
        )
        .await?;
    tracing::info!(call = id, "calling an outside number");
    Ok(MediaAnswer { call, answer })
}

/// The account can reach the phone network: the hub has a trunk, the account a carrier.
async fn line_out(state: &AppState, account: Id) -> Result<()> {
    if state.trunk.get().is_none() || state.store.carrier(account).await?.is_none() {
        return Err(Error::refused(ErrorCode::NoTrunk));
    }
    Ok(())
}

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
            return Err(Error::refused_as(
                ErrorCode::InvalidContext,
                format!(
                    "{:?}: a context key is 1 to 64 printable characters",
                    item.key
                ),
            ));
        }
        if item.value.chars().count() > 1024 {
            return Err(Error::refused_as(
                ErrorCode::InvalidContext,
                format!("the value of {key:?} is longer than 1024 characters"),
            ));
        }
    }
    ask(
        &state,
        caller.account_id(),
        id,
        Input::AttachContext(body.context),
    )
    .await
}

/// The callee answers (F-23): their engine's offer joins the call's media.
#[utoipa::path(
    post, path = "/calls/{id}/accept", tag = "calls", request_body = AcceptCall,
    params(("id" = Id, Path)),
    responses(
        (status = 200, body = MediaAnswer),
        (status = 403, description = "Not the callee (the caller's own call)", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The call is no longer ringing here", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn accept(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<AcceptCall>,
) -> Result<Json<MediaAnswer>> {
    let accept = |name: String, media| Input::Accept {
        call: id,
        agent: caller.agent_id,
        name,
        media,
    };
    state
        .calls
        .check(caller.account_id, id, accept(String::new(), 0))
        .await?;
    let me = state
        .store
        .agent(caller.account_id, caller.agent_id)
        .await?;
    let (leg, answer) = state.media.add_leg(body.offer).await?;
    match state
        .calls
        .ask(caller.account_id, id, accept(me.name, leg))
        .await
    {
        Ok(call) => Ok(Json(MediaAnswer { call, answer })),
        Err(error) => {
            // Taken by someone else meanwhile, or the caller left: the leg goes.
            let _ = state.media.remove(leg);
            Err(error)
        }
    }
}

/// The callee declines a ringing call (a ring group's offer moves on to the next agent).
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
    act(&state, &caller, id, |call, agent| Input::Decline {
        call,
        agent,
    })
    .await
}

/// Either party hangs up (or the caller cancels while it rings). Hanging up while a
/// colleague consulted is on the line hands them the call.
#[utoipa::path(
    post, path = "/calls/{id}/hangup", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 200, body = Call),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Offered to the agent: accept or decline it", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn hang_up(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    act(&state, &caller, id, |call, agent| Input::HangUp {
        call,
        agent,
    })
    .await
}

/// Puts the other party on hold: they hear music, and neither hears the other (F-24).
#[utoipa::path(
    post, path = "/calls/{id}/hold", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 200, body = Call),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not connected, already on hold, or consulting", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn hold(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    act(&state, &caller, id, |call, agent| Input::Hold {
        call,
        agent,
    })
    .await
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
    act(&state, &caller, id, |call, agent| Input::Resume {
        call,
        agent,
    })
    .await
}

/// Blind transfer (F-25): the other party is handed to another agent, hearing music while
/// it rings there, to one of the account's ring groups (a customer who called in waits
/// there for its agents), or to an outside number; the transferring agent leaves at once.
#[utoipa::path(
    post, path = "/calls/{id}/transfer", tag = "calls", request_body = TransferCall,
    params(("id" = Id, Path)),
    responses(
        (status = 200, body = Call),
        (status = 400, description = "No target, two targets, a party of the call, or not a phone number", body = ErrorBody),
        (status = 404, description = "No such call, agent or ring group", body = ErrorBody),
        (status = 409, description = "Not connected, held by the other party, consulting, the agent cannot take calls, not a customer's inbound call (for a ring group), or no phone line", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn transfer(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<TransferCall>,
) -> Result<Json<Call>> {
    let transfer = |to| Input::Transfer {
        call: id,
        agent: caller.agent_id,
        to,
    };
    state
        .calls
        .check(caller.account_id, id, transfer(sketch(&body)?))
        .await?;
    let to = target(&state, caller.account_id, &body).await?;
    let call = ask(&state, caller.account_id, id, transfer(to)).await?;
    tracing::info!(call = id, by = caller.agent_id, to = %call.0.to.name, "call transferred");
    Ok(call)
}

/// Puts the other party on hold and calls a colleague, a ring group's first taker or an
/// outside number about the call.
#[utoipa::path(
    post, path = "/calls/{id}/consult", tag = "calls", request_body = TransferCall,
    params(("id" = Id, Path)),
    responses(
        (status = 201, description = "The consulting call, ringing", body = Call),
        (status = 400, description = "No target, two targets, or a party of the call", body = ErrorBody),
        (status = 404, description = "No such call, agent or ring group", body = ErrorBody),
        (status = 409, description = "Not connected, already consulting, or the colleague cannot take calls", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn consult(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
    Json(body): Json<TransferCall>,
) -> Result<(StatusCode, Json<Call>)> {
    let sketched = Input::Consult {
        call: id,
        agent: caller.agent_id,
        to: sketch(&body)?,
        id: 0,
    };
    state.calls.check(caller.account_id, id, sketched).await?;
    let to = target(&state, caller.account_id, &body).await?;
    let consulting = state
        .calls
        .consult(caller.account_id, id, caller.agent_id, to)
        .await?;
    tracing::info!(call = id, consult = consulting.id, "consulting");
    Ok((StatusCode::CREATED, Json(consulting)))
}

/// Completes the consult transfer: the colleague takes over the call; the consulting agent
/// leaves.
#[utoipa::path(
    post, path = "/calls/{id}/consult/complete", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 200, description = "The call, now with the colleague", body = Call),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not consulting, or the colleague has not answered", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn complete_consult(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    act(&state, &caller, id, |call, agent| Input::CompleteConsult {
        call,
        agent,
    })
    .await
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
pub async fn cancel_consult(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    act(&state, &caller, id, |call, agent| Input::CancelConsult {
        call,
        agent,
    })
    .await
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
pub async fn three_way(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    act(&state, &caller, id, |call, agent| Input::ThreeWay {
        call,
        agent,
    })
    .await
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
pub async fn pause_recording(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    set_recording(&state, &caller, id, true).await
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
pub async fn resume_recording(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    set_recording(&state, &caller, id, false).await
}

async fn set_recording(
    state: &AppState,
    caller: &Caller,
    id: Id,
    paused: bool,
) -> Result<Json<Call>> {
    let allowed = state
        .store
        .account(caller.account_id)
        .await?
        .settings
        .recording_pause;
    let input = Input::PauseRecording {
        call: id,
        agent: caller.agent_id,
        paused,
        allowed,
    };
    let call = ask(state, caller.account_id, id, input).await?;
    tracing::info!(
        call = id,
        agent = caller.agent_id,
        paused,
        "recording paused or resumed"
    );
    Ok(call)
}

/// Puts the caller's number on the account's block list from their call (supervisors and
/// administrators): the call's card says so at once, and their later calls are flagged.
#[utoipa::path(
    post, path = "/calls/{id}/block", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 200, description = "The call, its card updated", body = Call),
        (status = 403, description = "Neither a supervisor nor an administrator", body = ErrorBody),
        (status = 404, description = "No such live call of the agent's", body = ErrorBody),
        (status = 409, description = "No phone number on the call", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn block(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    set_blocked(&state, &caller, id, true).await
}

/// Takes the caller's number off the account's block list, from their call.
#[utoipa::path(
    delete, path = "/calls/{id}/block", tag = "calls", params(("id" = Id, Path)),
    responses(
        (status = 200, description = "The call, its card updated", body = Call),
        (status = 403, description = "Neither a supervisor nor an administrator", body = ErrorBody),
        (status = 404, description = "No such live call of the agent's, or the number is not blocked", body = ErrorBody),
        (status = 409, description = "No phone number on the call", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn unblock(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Json<Call>> {
    set_blocked(&state, &caller, id, false).await
}

async fn set_blocked(
    state: &AppState,
    caller: &Caller,
    id: Id,
    blocked: bool,
) -> Result<Json<Call>> {
    caller.require(Role::Supervisor)?;
    let call = state
        .calls
        .seen_by(caller.account_id, id, Some(caller.agent_id))
        .await?;
    // The party on the phone network.
    let number = [&call.from, &call.to]
        .into_iter()
        .find(|party| party.agent_id.is_none())
        .and_then(|party| party.number.clone())
        .ok_or_else(|| Error::refused(ErrorCode::NoNumberToBlock))?;
    if blocked {
        let me = state
            .store
            .agent(caller.account_id, caller.agent_id)
            .await?;
        let reason = format!("blocked by {} during call {id}", me.name);
        state
            .store
            .block_number(caller.account_id, &number, &reason)
            .await?;
    } else {
        state
            .store
            .unblock_number(caller.account_id, &number)
            .await?;
    }
    tracing::info!(
        call = id,
        by = caller.agent_id,
        blocked,
        "block list changed from a call"
    );
    ask(state, caller.account_id, id, Input::SetBlocked(blocked)).await
}

async fn ask(state: &AppState, account: Id, id: Id, input: Input) -> Result<Json<Call>> {
    state.calls.ask(account, id, input).await.map(Json)
}

/// The agent behind the request asks the call `id` what `request` makes of it and them.
async fn act(
    state: &AppState,
    caller: &Caller,
    id: Id,
    request: impl FnOnce(Id, Id) -> Input,
) -> Result<Json<Call>> {
    ask(state, caller.account_id, id, request(id, caller.agent_id)).await
}

/// Whom a transfer or consultation names, before anything is looked up (to check it
/// against the call first).
fn sketch(body: &TransferCall) -> Result<Target> {
    match (body.to_agent, body.to_group, body.to_number.as_deref()) {
        (Some(id), None, None) => Ok(Target::Agent {
            id,
            name: String::new(),
        }),
        (None, Some(id), None) => Ok(Target::Group {
            id,
            name: String::new(),
        }),
        (None, None, Some(number)) => Ok(Target::Number {
            party: Party::phone(number, number),
            dial: Dial {
                number: number.to_owned(),
                caller_id: None,
            },
        }),
        _ => Err(Error::BadRequest(
            "name exactly one agent, ring group or number".into(),
        )),
    }
}

/// Whom a transfer or consultation goes to, looked up: an agent who can take calls now, one
/// of the account's ring groups, or a number the account's carrier dials, showing the
/// account's first caller ID.
async fn target(state: &AppState, account: Id, body: &TransferCall) -> Result<Target> {
    match sketch(body)? {
        Target::Agent { id, .. } => {
            let agent = state.presence.callable(account, id).await?;
            Ok(Target::Agent {
                id: agent.id,
                name: agent.name,
            })
        }
        Target::Group { id, .. } => {
            let name = state
                .store
                .routing_group_name(account, id)
                .await?
                .ok_or(Error::NotFound("ring group"))?;
            Ok(Target::Group { id, name })
        }
        Target::Number { dial, .. } => {
            let settings = state.store.account(account).await?.settings;
            let e164 = phone::to_e164(&dial.number, &settings.default_country)?;
            line_out(state, account).await?;
            let caller_id = state
                .store
                .caller_ids(account)
                .await?
                .first()
                .map(|c| c.number.clone());
            Ok(Target::Number {
                party: phone::party(&state.store, account, e164.clone()).await,
                dial: Dial {
                    number: e164,
                    caller_id,
                },
            })
        }
    }
}
