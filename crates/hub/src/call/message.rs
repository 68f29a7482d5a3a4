//! What a call's task is sent.

use switchboard_protocol::Call;
use tokio::sync::oneshot;

use super::machine::{AgentId, CallId, Effect, Input, Target};
use crate::Result;

pub(super) enum Message {
    /// The call's first step: publish it, carry out what its start asks.
    Start {
        effects: Vec<Effect>,
        reply: oneshot::Sender<Call>,
    },
    /// An input whose outcome someone waits for; answered with the call `answer` names.
    Ask {
        input: Input,
        answer: CallId,
        reply: oneshot::Sender<Result<Call>>,
    },
    /// A consultation: checked, then put on record, then started.
    Consult {
        call: CallId,
        agent: AgentId,
        to: Target,
        reply: oneshot::Sender<Result<Call>>,
    },
    Tell(Input),
    /// Whether the call would take `input` now (nothing changes).
    Check {
        input: Input,
        reply: oneshot::Sender<Result<()>>,
    },
    /// The call `call` names, if `agent` sees it (a party, or it rings at them).
    Seen {
        call: CallId,
        agent: Option<AgentId>,
        reply: oneshot::Sender<Option<Call>>,
    },
}
