//! Calls from the phone network: the trunk's INVITE for one of an account's numbers is
//! answered (the caller hears music while waiting), recorded, and queued in the number's ring
//! group; the account's [`Router`] offers it to Available agents, and what it decides is
//! carried out here: offers and withdrawals reach the agents as call events, an agent who let
//! an offer ring out is set Away. The caller hanging up ends the call; the agent hanging up
//! sends the carrier a BYE.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use switchboard_protocol::{Call, CallOutcome, CallState, ContextItem, Id, Party, StatusKey};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::calls::{self, Live};
use crate::flow::Flow;
use crate::ivr;
use crate::presence::Cause;
use crate::routing::{Action, Refused, Router};
use crate::sip::Incoming;
use crate::store::now_ms;
use crate::{AppState, Result};

/// What the routing task is told.
pub enum Input {
    Enqueue {
        account: Id,
        call: Id,
        group: Id,
    },
    Presence {
        account: Id,
        agent: Id,
        available: bool,
    },
    Accept {
        account: Id,
        call: Id,
        agent: Id,
        reply: oneshot::Sender<Result<(), Refused>>,
    },
    Decline {
        account: Id,
        call: Id,
        agent: Id,
    },
    Abandon {
        account: Id,
        call: Id,
    },
}

/// Runs every account's router: one task, so decisions never race.
pub async fn run(state: Arc<AppState>, mut inputs: mpsc::UnboundedReceiver<Input>) {
    let mut routers: HashMap<Id, Router> = HashMap::new();
    loop {
        let deadline = routers.values().filter_map(Router::next_deadline).min();
        let input = match deadline {
            Some(at) => {
                tokio::select! {
                    input = inputs.recv() => input,
                    () = tokio::time::sleep_until(at.into()) => {
                        for (account, router) in &mut routers {
                            let actions = router.tick(Instant::now());
                            carry_out(&state, *account, actions).await;
                        }
                        continue;
                    }
                }
            }
            None => inputs.recv().await,
        };
        let Some(input) = input else { return };
        let now = Instant::now();
        let (account, actions) = match input {
            Input::Enqueue {
                account,
                call,
                group,
            } => {
                let router = match router_for(&state, &mut routers, account).await {
                    Ok(router) => router,
                    Err(error) => {
                        tracing::error!(%error, account, "routing unavailable");
                        continue;
                    }
                };
                let actions = router.enqueue(call, group, now);
                // Kept with the interaction: where it joined the queue (before any offer
                // took it out), for reports.
                let place = if actions.iter().any(|a| matches!(a, Action::Offer { .. })) {
                    Some(1)
                } else {
                    router.position(call, now).map(|(place, _)| place)
                };
                if let Some(place) = place {
                    let pool = state.store.pool().clone();
                    tokio::spawn(async move {
                        let _ = sqlx::query(
                            "UPDATE calls SET queue_position = ?, queued_at = COALESCE(queued_at, ?)
                             WHERE id = ?",
                        )
                        .bind(i64::try_from(place).unwrap_or(i64::MAX))
                        .bind(now_ms())
                        .bind(call)
                        .execute(&pool)
                        .await;
                    });
                }
                (account, actions)
            }
            Input::Presence {
                account,
                agent,
                available,
            } => match routers.get_mut(&account) {
                Some(router) => (account, router.set_available(agent, available, now)),
                // No caller has waited in this account yet: its router starts from the
                // statuses as they are then.
                None => continue,
            },
            Input::Accept {
                account,
                call,
                agent,
                reply,
            } => {
                let decided = routers
                    .get_mut(&account)
                    .ok_or(Refused::Gone)
                    .and_then(|router| router.accept(call, agent, now));
                match decided {
                    Ok(actions) => {
                        let _ = reply.send(Ok(()));
                        (account, actions)
                    }
                    Err(refused) => {
                        let _ = reply.send(Err(refused));
                        continue;
                    }
                }
            }
            Input::Decline {
                account,
                call,
                agent,
            } => match routers.get_mut(&account) {
                Some(router) => (account, router.decline(call, agent, now)),
                None => continue,
            },
            Input::Abandon { account, call } => match routers.get_mut(&account) {
                Some(router) => (account, router.abandon(call, now)),
                None => continue,
            },
        };
        carry_out(&state, account, actions).await;
    }
}

/// The account's router with its ring groups as configured now (an operator may have changed
/// them since), made with its agents' current availability the first time.
async fn router_for<'a>(
    state: &AppState,
    routers: &'a mut HashMap<Id, Router>,
    account: Id,
) -> Result<&'a mut Router> {
    let groups = state.store.routing(account).await?;
    let fresh = !routers.contains_key(&account);
    let router = routers.entry(account).or_default();
    for (id, config) in groups {
        router.set_group(id, config);
    }
    if fresh {
        let now = Instant::now();
        for agent in state.store.agents(account).await? {
            if agent.status() == StatusKey::available() {
                router.set_available(agent.id, true, now);
            }
        }
    }
    Ok(router)
}

/// Does what the router decided: the agents' desks ring or stop ringing.
async fn carry_out(state: &AppState, account: Id, actions: Vec<Action>) {
    for action in actions {
        let changed = match action {
            Action::Offer {
                interaction,
                agents,
            } => offered(state, interaction, |offered| {
                offered.extend(agents.iter().copied());
            }),
            Action::Withdraw {
                interaction,
                agents,
            } => {
                let call = offered(state, interaction, |offered| {
                    offered.retain(|a| !agents.contains(a));
                });
                // Only the withdrawn agents are told: their desks stop ringing. (The one who
                // took the call hears from the call itself.)
                if let Some(call) = &call
                    && let Err(error) = calls::publish_only(state, account, call, &agents).await
                {
                    tracing::warn!(%error, "an offer's withdrawal was not published");
                }
                None
            }
            Action::SetAway { agent } => {
                if let Err(error) = state
                    .set_status(account, agent, &StatusKey::away(), Cause::Routing)
                    .await
                {
                    tracing::warn!(%error, agent, "could not set an agent who missed a call Away");
                }
                None
            }
            Action::Overflowed {
                interaction, to, ..
            } => {
                let name = state
                    .store
                    .routing_group_name(account, to)
                    .await
                    .ok()
                    .flatten();
                let mut calls = state.calls.lock();
                calls.get_mut(&interaction).map(|live| {
                    live.call.ring_group = name;
                    live.call.clone()
                })
            }
            Action::Voicemail { interaction } => {
                // The caller's task takes the message.
                let to_voicemail = state
                    .calls
                    .lock()
                    .get(&interaction)
                    .and_then(|live| live.to_voicemail.clone());
                match to_voicemail {
                    Some(voicemail) => voicemail.notify_one(),
                    None => {
                        if let Err(error) =
                            calls::end(state, interaction, CallOutcome::NoAnswer).await
                        {
                            tracing::warn!(%error, "an overflowing call could not be ended");
                        }
                    }
                }
                None
            }
            Action::Connect { .. } => None,
        };
        if let Some(call) = changed
            && let Err(error) = calls::publish_to(state, account, &call, &[]).await
        {
            tracing::warn!(%error, "an offer was not published");
        }
    }
}

/// Changes who a ringing call is offered to; the call as it now stands.
fn offered(state: &AppState, call: Id, change: impl FnOnce(&mut Vec<Id>)) -> Option<Call> {
    let mut calls = state.calls.lock();
    let live = calls.get_mut(&call)?;
    if live.call.state != CallState::Ringing {
        return None;
    }
    change(&mut live.call.offered_to);
    Some(live.call.clone())
}

/// Takes each INVITE the trunk receives.
pub async fn follow_trunk(state: Arc<AppState>, mut incoming: mpsc::UnboundedReceiver<Incoming>) {
    while let Some(call) = incoming.recv().await {
        tokio::spawn(take(state.clone(), call));
    }
}

/// One call from the phone network, from INVITE to BYE: answered, through the number's
/// call flow (if it has one), queued in a ring group with music, or to voicemail.
async fn take(state: Arc<AppState>, mut incoming: Incoming) {
    let mut route = state.store.inbound_route(&incoming.to).await;
    if matches!(route, Ok(None)) && incoming.to_header != incoming.to {
        route = state.store.inbound_route(&incoming.to_header).await;
    }
    let route = match route {
        Ok(Some(route)) => route,
        Ok(None) => {
            tracing::info!(to = %incoming.to, "a call for a number no account has");
            let _ = incoming.reject(404).await;
            return;
        }
        Err(error) => {
            tracing::error!(%error, "inbound routing failed");
            let _ = incoming.reject(500).await;
            return;
        }
    };
    // Flows were checked when saved; one that no longer reads falls back to the group.
    let flow = route.flow.as_deref().and_then(|source| {
        Flow::parse(source)
            .inspect_err(
                |error| tracing::error!(%error, number = %route.number, "a flow no longer reads"),
            )
            .ok()
    });
    if flow.is_none() && route.ring_group_id.is_none() {
        let _ = incoming.reject(480).await;
        return;
    }
    let _ = incoming.ring().await;
    let from = incoming.from.clone();
    let incoming_identity = incoming.identity.clone();
    let mut answered = match incoming.answer().await {
        Ok(answered) => answered,
        Err(error) => {
            tracing::warn!(%error, "an inbound call could not be answered");
            return;
        }
    };
    let leg = answered.leg;
    let account = route.account_id;
    let settings = state.store.account(account).await.map(|a| a.settings).ok();
    let country = settings.as_ref().map(|s| s.default_country.as_str());
    let caller = caller_party(&state, account, country.unwrap_or_default(), &from).await;
    let caller_number = caller.number.clone();
    let has_identity = settings.as_ref().is_some_and(|s| s.identity);
    // Identity's voice biometrics listen to the caller from the start.
    let voice = has_identity.then(crate::biometrics::Listening::default);
    let recorded: std::result::Result<Id, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO calls (account_id, direction, from_number, dialled, started_at)
         VALUES (?, 'inbound', ?, ?, ?) RETURNING id",
    )
    .bind(account)
    .bind(caller.number.as_deref())
    .bind(&route.number)
    .bind(now_ms())
    .fetch_one(state.store.pool())
    .await;
    let id = match recorded {
        Ok(id) => id,
        Err(error) => {
            tracing::error!(%error, "an inbound call could not be recorded");
            let _ = state.media.remove(leg);
            let _ = answered.hang_up().await;
            return;
        }
    };
    let hangup = Arc::new(Notify::new());
    let voicemail = Arc::new(Notify::new());
    let waiting = Party {
        agent_id: None,
        name: String::new(),
        number: None,
    };
    let call = Call {
        dialled: Some(route.number.clone()),
        ..Call::ringing(id, caller, waiting)
    };
    state.calls.insert(Live {
        hangup: Some(hangup.clone()),
        to_voicemail: Some(voicemail.clone()),
        voice: voice.clone(),
        ..Live::new(call, account, leg)
    });
    if let Some(voice) = voice
        && let Err(error) = state.media.listen(leg, voice.tap)
    {
        tracing::warn!(%error, call = id, "the caller's voice is not kept for verification");
    }
    if has_identity {
        tokio::spawn(check_identity(
            state.clone(),
            id,
            account,
            caller_number,
            incoming_identity,
        ));
    }
    let mut keys = state.keys.listen(leg);
    let mut ivr = ivr::Caller::new(&state, account, leg, &mut keys);

    // The flow, while the caller stays on the line.
    let ended = match flow {
        Some(flow) => {
            let context = |collected: &[(String, String)]| {
                if let Some(live) = state.calls.lock().get_mut(&id) {
                    live.call.context = collected
                        .iter()
                        .map(|(key, value)| ContextItem {
                            key: key.clone(),
                            value: value.clone(),
                        })
                        .collect();
                }
            };
            tokio::select! {
                ended = ivr.run(flow, context) => ended.into(),
                gone = answered.until_hung_up() => {
                    if let Err(error) = gone {
                        tracing::info!(%error, call = id, "the trunk call's dialog failed");
                    }
                    state.keys.stop(leg);
                    let _ = calls::end(&state, id, CallOutcome::Cancelled).await;
                    return;
                }
                () = hangup.notified() => {
                    state.keys.stop(leg);
                    let _ = answered.hang_up().await;
                    return;
                }
            }
        }
        None => Ended::Queue,
    };

    let group = match ended {
        Ended::Route(name) => match state.store.ring_group_id(account, &name).await {
            Ok(group) => Some(group),
            Err(error) => {
                tracing::error!(%error, group = %name, "a flow routes to a ring group that is gone");
                route.ring_group_id
            }
        },
        Ended::Queue => route.ring_group_id,
        Ended::Voicemail { prompt, max } => {
            let hung_up =
                take_message(&state, &mut ivr, &mut answered, id, prompt.as_deref(), max).await;
            state.keys.stop(leg);
            if !hung_up {
                let _ = answered.hang_up().await;
            }
            return;
        }
        Ended::Hangup => None,
    };
    let Some(group) = group else {
        state.keys.stop(leg);
        let _ = calls::end(&state, id, CallOutcome::Completed).await;
        let _ = answered.hang_up().await;
        return;
    };
    queue(&state, id, account, group, leg).await;

    // Waiting, then talking, until either side hangs up.
    let mut ivr = ivr::Caller::new(&state, account, leg, &mut keys);
    tokio::select! {
        ended = answered.until_hung_up() => {
            if let Err(error) = ended {
                tracing::info!(%error, call = id, "the trunk call's dialog failed");
            }
            // The caller hung up: still waiting, they abandoned the queue.
            let waiting = state.calls.state_of(id) == Some(CallState::Ringing);
            if waiting {
                let _ = state.routing.send(Input::Abandon { account, call: id });
            }
            let outcome = if waiting { CallOutcome::Cancelled } else { CallOutcome::Completed };
            let _ = calls::end(&state, id, outcome).await;
        }
        () = hangup.notified() => {
            if let Err(error) = answered.hang_up().await {
                tracing::info!(%error, call = id, "BYE to the carrier failed");
            }
        }
        () = voicemail.notified() => {
            let _ = state.media.hold(leg, false);
            let max = std::time::Duration::from_secs(120);
            let hung_up = take_message(&state, &mut ivr, &mut answered, id, None, max).await;
            state.keys.stop(leg);
            if !hung_up {
                let _ = answered.hang_up().await;
            }
            return;
        }
    }
    state.keys.stop(leg);
}

/// Why the flow stage ended: the flow's own ending, or there was no flow (the number's
/// group takes the caller).
enum Ended {
    Route(String),
    Queue,
    Voicemail {
        prompt: Option<String>,
        max: std::time::Duration,
    },
    Hangup,
}

impl From<ivr::Ended> for Ended {
    fn from(ended: ivr::Ended) -> Self {
        match ended {
            ivr::Ended::Route(group) => Self::Route(group),
            ivr::Ended::Voicemail { prompt, max } => Self::Voicemail { prompt, max },
            ivr::Ended::Hangup => Self::Hangup,
        }
    }
}

/// Queues the caller in a ring group: music, the group on the call, the Context on record.
async fn queue(state: &AppState, id: Id, account: Id, group: Id, leg: crate::media::LegId) {
    let name = state
        .store
        .routing_group_name(account, group)
        .await
        .ok()
        .flatten();
    let _ = state.media.hold(leg, true);
    let context = {
        let mut calls = state.calls.lock();
        let Some(live) = calls.get_mut(&id) else {
            return;
        };
        live.group = Some(group);
        live.call.to.name = name.clone().unwrap_or_default();
        live.call.ring_group = name;
        live.call.waiting_since = Some(time::OffsetDateTime::now_utc());
        live.call.context.clone()
    };
    if !context.is_empty()
        && let Err(error) = calls::keep_context(state, id, &context).await
    {
        tracing::warn!(%error, call = id, "a call's context was not kept");
    }
    tracing::info!(call = id, group, "inbound call queued");
    let _ = state.routing.send(Input::Enqueue {
        account,
        call: id,
        group,
    });
}

/// The caller leaves a message (their hang-up ends it, and it is kept); the call ends as
/// voicemail. Whether the caller hung up (else the hub is to).
async fn take_message(
    state: &AppState,
    ivr: &mut ivr::Caller<'_>,
    answered: &mut crate::sip::Answered,
    id: Id,
    prompt: Option<&str>,
    max: std::time::Duration,
) -> bool {
    let (from, dialled) = state
        .calls
        .lock()
        .get(&id)
        .map(|live| (live.call.from.number.clone(), live.call.dialled.clone()))
        .unwrap_or_default();
    let stop = Notify::new();
    let message = ivr.voicemail(prompt, max, id, from, dialled, &stop);
    tokio::pin!(message);
    let (saved, hung_up) = tokio::select! {
        saved = &mut message => (saved, false),
        _ = answered.until_hung_up() => {
            stop.notify_one();
            (message.await, true)
        }
    };
    match saved {
        Ok(voicemail) => tracing::info!(call = id, voicemail, "the caller left a message"),
        Err(error) => tracing::info!(%error, call = id, "no message was left"),
    }
    let _ = calls::end(state, id, CallOutcome::Voicemail).await;
    hung_up
}

/// The caller as agents see them: the contact's name when the number is known, else the
/// number as the account's country writes it.
/// Identity (F-43) for accounts that have it: the phone validation card, computed beside the
/// call flow (a certificate may take a moment to fetch) and shown to whoever the call rings
/// at or is with by then.
async fn check_identity(
    state: Arc<AppState>,
    call: Id,
    account: Id,
    number: Option<String>,
    header: Option<String>,
) {
    let identity = crate::identity::assess(
        &state.store,
        &state.verifier,
        &state.config.identity,
        account,
        call,
        number.as_deref(),
        header.as_deref(),
    )
    .await;
    tracing::info!(call, risk = ?identity.risk, attestation = ?identity.attestation, "caller identity");
    let shown = {
        let mut calls = state.calls.lock();
        let Some(live) = calls.get_mut(&call) else {
            return;
        };
        live.call.identity = Some(Box::new(identity));
        let seen = !live.call.offered_to.is_empty() || live.call.to.agent_id.is_some();
        seen.then(|| live.call.clone())
    };
    if let Some(shown) = shown
        && let Err(error) = calls::publish_to(&state, account, &shown, &[]).await
    {
        tracing::warn!(%error, call, "the caller's identity was not sent");
    }
}

async fn caller_party(state: &AppState, account: Id, country: &str, from: &str) -> Party {
    match crate::phone::to_e164(from, country) {
        Ok(e164) => calls::phone_party(state, account, e164).await,
        // A private or non-numeric caller: what the carrier sent (empty when nothing; the
        // desktop says "unknown caller" in the agent's language).
        Err(_) => Party {
            agent_id: None,
            name: from.to_string(),
            number: None,
        },
    }
}
