//! The routing task: every account's [`Router`], driven by one task so decisions never race.
//! It is told what happens ([`Request`]) and tells calls what it decided ([`Notice`]) without
//! ever waiting on one: a call may wait on the router (to claim an offer), never the reverse.

use std::collections::HashMap;
use std::time::Instant;

use switchboard_protocol::{Id, StatusKey};
use tokio::sync::{mpsc, oneshot};

use super::{Action, AgentId, InteractionId, Refused, Router};
use crate::store::now_ms;
use crate::{Result, Store};

/// What the routing task is told.
#[derive(Debug)]
pub enum Request {
    /// A call waits in a ring group.
    Enqueue {
        account: Id,
        call: Id,
        group: Id,
    },
    /// An agent's availability changed.
    Presence {
        account: Id,
        agent: Id,
        available: bool,
    },
    /// An agent takes a call offered to them; the first one wins.
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
    /// The call stopped waiting (its caller hung up, it ended).
    Abandon {
        account: Id,
        call: Id,
    },
}

/// What the router decided about a call (or an agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Offered(Vec<AgentId>),
    Withdrawn(Vec<AgentId>),
    /// It now waits in another group.
    Overflowed {
        group: Id,
        name: String,
    },
    /// It waited too long: voicemail.
    ToVoicemail,
}

/// Where the routing task's decisions go: calls' notices, and agents who let a call ring out
/// and are to be set Away.
pub trait Decisions: Send + Sync + 'static {
    fn notice(&self, call: InteractionId, notice: Notice);
    fn set_away(&self, account: Id, agent: AgentId);
}

/// Runs every account's router until the requests stop.
pub async fn run(
    store: Store,
    mut requests: mpsc::UnboundedReceiver<Request>,
    decisions: impl Decisions,
) {
    let mut routers: HashMap<Id, Router> = HashMap::new();
    loop {
        let deadline = routers.values().filter_map(Router::next_deadline).min();
        let request = match deadline {
            Some(at) => tokio::select! {
                request = requests.recv() => request,
                () = tokio::time::sleep_until(at.into()) => {
                    for (account, router) in &mut routers {
                        let actions = router.tick(Instant::now());
                        carry_out(&store, &decisions, *account, actions).await;
                    }
                    continue;
                }
            },
            None => requests.recv().await,
        };
        let Some(request) = request else { return };
        let now = Instant::now();
        let (account, actions) = match request {
            Request::Enqueue {
                account,
                call,
                group,
            } => {
                let router = match router_for(&store, &mut routers, account).await {
                    Ok(router) => router,
                    Err(error) => {
                        tracing::error!(%error, account, "routing unavailable");
                        continue;
                    }
                };
                let actions = router.enqueue(call, group, now);
                // Kept with the interaction: where it joined the queue (before any offer took
                // it out), for reports.
                let place = if actions.iter().any(|a| matches!(a, Action::Offer { .. })) {
                    Some(1)
                } else {
                    router.position(call, now).map(|(place, _)| place)
                };
                if let Some(place) = place {
                    let store = store.clone();
                    tokio::spawn(async move {
                        if let Err(error) = store.call_queued(call, place, now_ms()).await {
                            tracing::warn!(%error, call, "a call's place in its queue was not kept");
                        }
                    });
                }
                (account, actions)
            }
            Request::Presence {
                account,
                agent,
                available,
            } => match routers.get_mut(&account) {
                Some(router) => (account, router.set_available(agent, available, now)),
                // No caller has waited in this account yet: its router starts from the
                // statuses as they are then.
                None => continue,
            },
            Request::Accept {
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
            Request::Decline {
                account,
                call,
                agent,
            } => match routers.get_mut(&account) {
                Some(router) => (account, router.decline(call, agent, now)),
                None => continue,
            },
            Request::Abandon { account, call } => match routers.get_mut(&account) {
                Some(router) => (account, router.abandon(call, now)),
                None => continue,
            },
        };
        carry_out(&store, &decisions, account, actions).await;
    }
}

/// The account's router with its ring groups as configured now (an operator may have changed
/// them since), made with its agents' current availability the first time.
async fn router_for<'a>(
    store: &Store,
    routers: &'a mut HashMap<Id, Router>,
    account: Id,
) -> Result<&'a mut Router> {
    let groups = store.routing(account).await?;
    let fresh = !routers.contains_key(&account);
    let router = routers.entry(account).or_default();
    for (id, config) in groups {
        router.set_group(id, config);
    }
    if fresh {
        let now = Instant::now();
        for agent in store.agents(account).await? {
            if agent.status() == StatusKey::available() {
                router.set_available(agent.id, true, now);
            }
        }
    }
    Ok(router)
}

/// Hands on what the router decided: the agents' desks ring or stop ringing.
async fn carry_out(store: &Store, decisions: &impl Decisions, account: Id, actions: Vec<Action>) {
    for action in actions {
        match action {
            Action::Offer {
                interaction,
                agents,
            } => decisions.notice(interaction, Notice::Offered(agents)),
            Action::Withdraw {
                interaction,
                agents,
            } => decisions.notice(interaction, Notice::Withdrawn(agents)),
            Action::SetAway { agent } => decisions.set_away(account, agent),
            Action::Overflowed {
                interaction, to, ..
            } => {
                let name = store
                    .routing_group_name(account, to)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                decisions.notice(interaction, Notice::Overflowed { group: to, name });
            }
            Action::Voicemail { interaction } => decisions.notice(interaction, Notice::ToVoicemail),
            // The call connects its agent itself, once the router said yes.
            Action::Connect { .. } => {}
        }
    }
}
