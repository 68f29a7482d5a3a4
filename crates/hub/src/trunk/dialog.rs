//! One dialog with the phone network, driven from start to BYE: a number the hub dials, or a
//! caller it answered. A driver tells its owner what happens (ringing, answered, failed,
//! hung up) and hangs up — or, still ringing, cancels — when its `hang_up` handle is
//! dropped or fired. It knows nothing of calls.

use switchboard_protocol::CallOutcome;
use tokio::sync::oneshot;

use super::{Connected, DialFailure, Trunk};
use crate::media::{Control, LegId};
use crate::store::Carrier;

/// What happened on a dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The far end rings.
    Alerting,
    /// The far end answered; its audio is on this leg.
    Answered(LegId),
    /// The far end did not take the call (busy, no answer, unreachable, failed).
    Failed(CallOutcome),
    /// The far end hung up.
    HungUp,
}

/// An outside number to dial through the account's carrier.
pub struct Placement {
    pub trunk: Trunk,
    pub carrier: Carrier,
    /// E.164.
    pub number: String,
    /// E.164; none: anonymous.
    pub caller_id: Option<String>,
}

/// Dials, then carries the call until either side hangs up.
pub async fn place(
    placement: Placement,
    media: Control,
    mut hang_up: oneshot::Receiver<()>,
    report: impl Fn(Event),
) {
    let Placement {
        trunk,
        carrier,
        number,
        caller_id,
    } = placement;
    // Until the carrier's first answer the INVITE cannot be cancelled: a hang-up meanwhile
    // cancels it right after.
    let mut dialing = match trunk.dial(&carrier, &number, caller_id.as_deref()).await {
        Ok(dialing) => dialing,
        Err(failure) => {
            tracing::info!(%number, ?failure, "an outside number was not reached");
            return report(Event::Failed(outcome_of(&failure)));
        }
    };
    if hang_up.try_recv() != Err(oneshot::error::TryRecvError::Empty) {
        return dialing.cancel().await;
    }
    report(Event::Alerting);
    let answered = tokio::select! {
        answered = dialing.answer() => answered,
        _ = &mut hang_up => return dialing.cancel().await,
    };
    match answered {
        Ok(connected) => {
            report(Event::Answered(connected.leg));
            carry(connected, media, hang_up, report).await;
        }
        Err(failure) => {
            let _ = media.remove(dialing.leg);
            tracing::info!(%number, ?failure, "an outside number did not answer");
            report(Event::Failed(outcome_of(&failure)));
        }
    }
}

/// Keeps an answered dialog (session refreshes, re-INVITEs) until the far end hangs up
/// (reported) or the owner hangs up (BYE; its media leg goes with it).
pub async fn carry(
    mut connected: Connected,
    media: Control,
    hang_up: oneshot::Receiver<()>,
    report: impl Fn(Event),
) {
    let leg = connected.leg;
    tokio::select! {
        ended = connected.until_hung_up() => {
            if let Err(error) = ended {
                tracing::info!(%error, leg, "a dialog with the phone network failed");
            }
            // The owner lets the leg go when done with it (a message being left is kept
            // first).
            report(Event::HungUp);
        }
        _ = hang_up => {
            if let Err(error) = connected.hang_up().await {
                tracing::info!(%error, leg, "BYE to the carrier failed");
            }
            let _ = media.remove(leg);
        }
    }
}

/// What a failure means to whoever the number was dialled for.
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
