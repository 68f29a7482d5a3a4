//! Calls to the phone network: an agent dials an outside number, the hub places the call
//! through the account's carrier with the chosen caller ID, and the agent learns in words
//! how it goes (ringing, answered, busy, no answer, unreachable).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use switchboard_protocol::{CallOutcome, CallState, Id};
use tokio::sync::Notify;

use crate::calls::{self, publish_to};
use crate::sip::{DialFailure, Registration, Trunk};
use crate::store::{Carrier, now_ms};
use crate::{AppState, Result};

/// What the hub needs to place one call.
pub struct Placement {
    pub call: Id,
    pub account: Id,
    pub carrier: Carrier,
    pub trunk: Trunk,
    /// E.164.
    pub number: String,
    /// E.164; none: anonymous.
    pub caller_id: Option<String>,
    /// Told when the hub ends the call (the agent hung up, their media dropped).
    pub hangup: Arc<Notify>,
}

/// An outside number a call is handed on to (a transfer, a consultation): where it goes,
/// through what, and whom the far end will see calling.
pub struct Handover {
    /// How the number shows in the call (the contact's name when known).
    pub party: switchboard_protocol::Party,
    carrier: Carrier,
    trunk: Trunk,
    number: String,
    caller_id: Option<String>,
}

impl Handover {
    /// Reads `number` in the account's country; the account needs its carrier. The far end
    /// sees the account's first caller ID, as for the agents' own calls.
    pub async fn prepare(state: &AppState, account: Id, number: &str) -> Result<Self> {
        let settings = state.store.account(account).await?.settings;
        let e164 = crate::phone::to_e164(number, &settings.default_country)?;
        let trunk = state.trunk.get().cloned().ok_or(crate::Error::NoTrunk)?;
        let carrier = state
            .store
            .carrier(account)
            .await?
            .ok_or(crate::Error::NoTrunk)?;
        let caller_id = state
            .store
            .caller_ids(account)
            .await?
            .first()
            .map(|c| c.number.clone());
        let party = calls::phone_party(state, account, e164.clone()).await;
        Ok(Self {
            party,
            carrier,
            trunk,
            number: e164,
            caller_id,
        })
    }

    /// What `place` needs to dial it for `call`; `hangup` ends its dialog.
    pub fn placement(self, call: Id, account: Id, hangup: Arc<Notify>) -> Placement {
        Placement {
            call,
            account,
            carrier: self.carrier,
            trunk: self.trunk,
            number: self.number,
            caller_id: self.caller_id,
            hangup,
        }
    }
}

/// Places the call and carries it until either side hangs up.
pub async fn place(state: Arc<AppState>, placement: Placement) {
    let Placement {
        call: id,
        account,
        carrier,
        trunk,
        number,
        caller_id,
        hangup,
    } = placement;
    // Until the carrier's first answer the INVITE cannot be cancelled; an agent who hangs
    // up meanwhile ended the call, and it is cancelled right after.
    let mut dialing = match trunk.dial(&carrier, &number, caller_id.as_deref()).await {
        Ok(dialing) => dialing,
        Err(failure) => return failed(&state, id, &number, failure).await,
    };
    let trunk_leg = dialing.leg;
    if state.calls.state_of(id).is_none() {
        return dialing.cancel().await;
    }
    if let Err(error) = alerting(&state, account, id).await {
        tracing::warn!(%error, call = id, "the agent could not be told the number rings");
    }
    let ring_for = state.config.sip.ring_timeout;
    let answered = tokio::select! {
        answered = dialing.answer() => Some(answered),
        () = hangup.notified() => None,
        () = tokio::time::sleep(ring_for) => {
            tracing::info!(call = id, "the outside number rang out");
            let _ = calls::not_taken(&state, id, CallOutcome::NoAnswer).await;
            None
        }
    };
    let mut answered = match answered {
        Some(Ok(answered)) => answered,
        Some(Err(failure)) => {
            let _ = state.media.remove(trunk_leg);
            return failed(&state, id, &number, failure).await;
        }
        None => return dialing.cancel().await,
    };
    if let Err(error) = connect(&state, account, id, trunk_leg).await {
        // The agent hung up as the far end answered, or their leg is gone.
        tracing::info!(%error, call = id, "an answered outside call could not be connected");
        let _ = state.media.remove(trunk_leg);
        let _ = answered.hang_up().await;
        return;
    }
    tokio::select! {
        ended = answered.until_hung_up() => {
            if let Err(error) = ended {
                tracing::info!(%error, call = id, "the outside call's dialog failed");
            }
            let _ = calls::end(&state, id, CallOutcome::Completed).await;
        }
        () = hangup.notified() => {
            if let Err(error) = answered.hang_up().await {
                tracing::info!(%error, call = id, "BYE to the carrier failed");
            }
        }
    }
}

/// The far end rings: the agent hears it in words.
async fn alerting(state: &AppState, account: Id, id: Id) -> Result<()> {
    let call = {
        let mut calls = state.calls.lock();
        let Some(live) = calls.get_mut(&id) else {
            return Ok(());
        };
        live.call.alerting = true;
        live.call.clone()
    };
    publish_to(state, account, &call, &[]).await
}

/// The far end answered: its leg joins the agent's.
async fn connect(state: &AppState, account: Id, id: Id, trunk_leg: u64) -> Result<()> {
    let (call, agent_leg) = {
        let mut calls = state.calls.lock();
        let live = calls
            .get_mut(&id)
            .filter(|live| live.call.state == CallState::Ringing)
            .ok_or(crate::Error::Conflict("the call ended".into()))?;
        live.callee_leg = Some(trunk_leg);
        live.call.state = CallState::Live;
        live.call.alerting = false;
        (live.call.clone(), live.caller_leg)
    };
    // A party handed on to this number waited with music.
    state.media.hold(agent_leg, false)?;
    state.media.bridge(agent_leg, trunk_leg)?;
    let call = crate::recording::connected(state, account, id, trunk_leg, agent_leg, trunk_leg)
        .await
        .unwrap_or(call);
    sqlx::query("UPDATE calls SET answered_at = ? WHERE id = ?")
        .bind(now_ms())
        .bind(id)
        .execute(state.store.pool())
        .await?;
    if let Some(agent) = call.from.agent_id {
        state.call_started(account, agent).await?;
    }
    publish_to(state, account, &call, &[]).await?;
    tracing::info!(call = id, "outside call answered");
    Ok(())
}

/// The carrier refused the call (or never answered): the agent reads why.
async fn failed(state: &Arc<AppState>, id: Id, number: &str, failure: DialFailure) {
    let outcome = outcome_of(&failure);
    tracing::info!(call = id, %number, ?failure, ?outcome, "an outside call did not go through");
    if state.calls.state_of(id).is_some() {
        let _ = calls::not_taken(state, id, outcome).await;
    }
}

/// What a failure means to the agent who dialled.
pub fn outcome_of(failure: &DialFailure) -> CallOutcome {
    match failure {
        DialFailure::Refused(486 | 600) => CallOutcome::Busy,
        DialFailure::Refused(404 | 410 | 484 | 485 | 604) => CallOutcome::Unreachable,
        DialFailure::Refused(408 | 480 | 487) => CallOutcome::NoAnswer,
        DialFailure::Refused(_) | DialFailure::NoResponse | DialFailure::Local(_) => {
            CallOutcome::Failed
        }
    }
}

/// How often the carriers' settings are read again (an administrator's change takes effect
/// within this) and failed registrations retried.
pub const CARRIERS_EVERY: Duration = Duration::from_secs(30);

/// Keeps each registering carrier's registration up: registers at start, when the
/// administrator changes the carrier, and again after a registration failed; unregisters a
/// carrier that was removed or no longer registers.
pub async fn keep_registered(state: Arc<AppState>, trunk: Trunk) {
    let mut up: HashMap<Id, (Carrier, Registration)> = HashMap::new();
    let mut tick = tokio::time::interval(CARRIERS_EVERY);
    loop {
        tick.tick().await;
        let carriers = match state.store.carriers().await {
            Ok(carriers) => carriers,
            Err(error) => {
                tracing::warn!(%error, "the carriers could not be read");
                continue;
            }
        };
        let wanted: Vec<Carrier> = carriers.into_iter().filter(|c| c.register).collect();
        // Dropping a registration removes its binding at the carrier.
        up.retain(|_, (carrier, registration)| {
            wanted.contains(carrier) && registration.is_registered()
        });
        for carrier in wanted {
            if up.contains_key(&carrier.account_id) {
                continue;
            }
            let registered = tokio::time::timeout(CARRIERS_EVERY, trunk.register(&carrier)).await;
            match registered {
                Ok(Ok(registration)) => {
                    tracing::info!(account = carrier.account_id, proxy = %carrier.proxy, "registered with the carrier");
                    up.insert(carrier.account_id, (carrier, registration));
                }
                Ok(Err(error)) => {
                    tracing::warn!(account = carrier.account_id, %error, "registration failed; retrying")
                }
                Err(_) => tracing::warn!(
                    account = carrier.account_id,
                    proxy = %carrier.proxy,
                    "the carrier did not answer the registration; retrying"
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carrier_answers_read_as_the_agent_expects() {
        assert_eq!(outcome_of(&DialFailure::Refused(486)), CallOutcome::Busy);
        assert_eq!(
            outcome_of(&DialFailure::Refused(404)),
            CallOutcome::Unreachable
        );
        assert_eq!(
            outcome_of(&DialFailure::Refused(480)),
            CallOutcome::NoAnswer
        );
        assert_eq!(outcome_of(&DialFailure::Refused(503)), CallOutcome::Failed);
        assert_eq!(outcome_of(&DialFailure::NoResponse), CallOutcome::Failed);
    }
}
