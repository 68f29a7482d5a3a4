//! Calls from the phone network: the carrier's INVITE for one of an account's numbers is
//! answered, put on record and handed to a call of its own, which runs the number's call
//! flow, queues the caller in a ring group (music while they wait) or takes a message. This
//! file drives the caller's dialog and flow; the call decides the rest.

use std::sync::Arc;

use futures::FutureExt;
use switchboard_protocol::{Id, Party};
use tokio::sync::{mpsc, oneshot};

use super::Incoming;
use super::dialog::{self, Event};
use crate::call::{Attached, CALLER_DIALOG, Calls, FlowEnd, Input, Machine};
use crate::flow::Flow;
use crate::identity::{self, Verifier};
use crate::store::{InboundRoute, NewCall};
use crate::{biometrics, config, ivr, phone};

/// What taking calls from the phone network needs.
pub struct Inbound {
    pub calls: Calls,
    pub verifier: Arc<Verifier>,
    pub identity: config::IdentityConfig,
}

/// Takes each INVITE the trunk receives.
pub async fn follow(inbound: Arc<Inbound>, mut incoming: mpsc::UnboundedReceiver<Incoming>) {
    while let Some(call) = incoming.recv().await {
        tokio::spawn(take(inbound.clone(), call));
    }
}

/// One call from the phone network, from INVITE to BYE.
async fn take(inbound: Arc<Inbound>, mut incoming: Incoming) {
    let calls = &inbound.calls;
    let services = calls.services();
    let store = &services.store;
    let mut route = store.inbound_route(&incoming.to).await;
    if matches!(route, Ok(None)) && incoming.to_header != incoming.to {
        route = store.inbound_route(&incoming.to_header).await;
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
    let header = incoming.identity.clone();
    let answered = match incoming.answer().await {
        Ok(answered) => answered,
        Err(error) => {
            tracing::warn!(%error, "an inbound call could not be answered");
            return;
        }
    };
    let leg = answered.leg;
    let account = route.account_id;
    let settings = store.account(account).await.map(|a| a.settings).ok();
    let country = settings.as_ref().map(|s| s.default_country.as_str());
    let caller = caller_party(calls, account, country.unwrap_or_default(), &from).await;
    let number = caller.number.clone();
    let has_identity = settings.as_ref().is_some_and(|s| s.identity);
    let recorded = store
        .create_call(&NewCall::Inbound {
            account,
            from_number: number.clone(),
            dialled: route.number.clone(),
        })
        .await;
    let machine_settings = services.settings(account).await;
    let (id, machine_settings) = match (recorded, machine_settings) {
        (Ok(id), Ok(settings)) => (id, settings),
        (Err(error), _) | (_, Err(error)) => {
            tracing::error!(%error, "an inbound call could not be recorded");
            let _ = services.media.remove(leg);
            let _ = answered.hang_up().await;
            return;
        }
    };
    // Identity's voice biometrics listen to the caller from the start.
    let voice = has_identity.then(biometrics::Listening::default);
    if let Some(voice) = &voice
        && let Err(error) = services.media.listen(leg, voice.tap.clone())
    {
        tracing::warn!(%error, call = id, "the caller's voice is not kept for verification");
    }
    let (hang_up, told) = oneshot::channel();
    let machine = Machine::inbound(
        id,
        account,
        machine_settings,
        caller,
        leg,
        route.number.clone(),
    );
    let started = calls
        .start(
            machine,
            Attached {
                dialogs: vec![(CALLER_DIALOG, hang_up)],
                voice,
                flow: Some(run_flow(calls.clone(), id, leg, route, flow).boxed()),
                ..Attached::default()
            },
        )
        .await;
    if let Err(error) = started {
        tracing::error!(%error, call = id, "an inbound call did not start");
        return;
    }
    if has_identity {
        tokio::spawn(check_identity(inbound.clone(), id, account, number, header));
    }
    let calls = calls.clone();
    dialog::carry(answered, services.media.clone(), told, move |event| {
        if event == Event::HungUp {
            calls.tell(
                id,
                Input::FarEndHungUp {
                    dialog: CALLER_DIALOG,
                },
            );
        }
    })
    .await;
}

/// The number's call flow while the caller stays in it (the call stops it when they leave
/// it); then where it sends them. A number without a flow queues them in its group.
async fn run_flow(
    calls: Calls,
    id: Id,
    leg: crate::media::LegId,
    route: InboundRoute,
    flow: Option<Flow>,
) {
    let account = route.account_id;
    let store = calls.services().store.clone();
    let group = match flow {
        Some(flow) => {
            let mut line = ivr::Line::new(calls.services().ivr(), account, leg);
            let ended = line
                .run(flow, |collected| {
                    let context = collected
                        .iter()
                        .map(|(key, value)| switchboard_protocol::ContextItem {
                            key: key.clone(),
                            value: value.clone(),
                        })
                        .collect();
                    calls.tell(id, Input::FlowContext(context));
                })
                .await;
            match ended {
                ivr::Ended::Route(name) => match store.ring_group_id(account, &name).await {
                    Ok(group) => Some(group),
                    Err(error) => {
                        tracing::error!(%error, group = %name, "a flow routes to a ring group that is gone");
                        route.ring_group_id
                    }
                },
                ivr::Ended::Voicemail { prompt, max } => {
                    calls.tell(id, Input::FlowEnded(FlowEnd::Voicemail { prompt, max }));
                    return;
                }
                ivr::Ended::Hangup => None,
            }
        }
        None => route.ring_group_id,
    };
    let end = match group {
        Some(group) => {
            let name = store
                .routing_group_name(account, group)
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            tracing::info!(call = id, group, "inbound call queued");
            FlowEnd::Queue { group, name }
        }
        None => FlowEnd::Hangup,
    };
    calls.tell(id, Input::FlowEnded(end));
}

/// Identity (F-43) for accounts that have it: the phone validation card, computed beside the
/// call flow (a certificate may take a moment to fetch) and shown to whoever the call rings
/// at or is with by then.
async fn check_identity(
    inbound: Arc<Inbound>,
    call: Id,
    account: Id,
    number: Option<String>,
    header: Option<String>,
) {
    let identity = identity::assess(
        &inbound.calls.services().store,
        &inbound.verifier,
        &inbound.identity,
        account,
        call,
        number.as_deref(),
        header.as_deref(),
    )
    .await;
    tracing::info!(call, risk = ?identity.risk, attestation = ?identity.attestation, "caller identity");
    inbound
        .calls
        .tell(call, Input::Identity(Box::new(identity)));
}

/// The caller as agents see them: the contact's name when the number is known, else the
/// number.
async fn caller_party(calls: &Calls, account: Id, country: &str, from: &str) -> Party {
    match phone::to_e164(from, country) {
        Ok(e164) => phone::party(&calls.services().store, account, e164).await,
        // A private or non-numeric caller: what the carrier sent (empty when nothing; the
        // desktop says "unknown caller" in the agent's language).
        Err(_) => Party {
            agent_id: None,
            name: from.to_string(),
            number: None,
        },
    }
}
