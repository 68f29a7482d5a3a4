//! What a call is told ([`Input`]) and what it answers: what to do ([`Effect`]) or why not
//! ([`Refusal`]).

use std::time::{Duration, Instant};

use switchboard_protocol::{CallOutcome, ContextItem, ErrorCode, Identity, Party};
use time::OffsetDateTime;

use super::phase::{AgentId, CallId, DialogId, GroupId};
use crate::media::LegId;

/// The time, as the machine is told it.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    pub at: Instant,
    pub wall: OffsetDateTime,
}

impl Now {
    pub fn current() -> Self {
        Self {
            at: Instant::now(),
            wall: OffsetDateTime::now_utc(),
        }
    }
}

/// Whom a transfer or consultation goes to (checked by the caller: the agent exists and can
/// take calls, the group exists, the number reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Agent { id: AgentId, name: String },
    Group { id: GroupId, name: String },
    Number { party: Party, dial: Dial },
}

/// An outside number to dial, with the caller ID its far end sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial {
    /// E.164.
    pub number: String,
    /// E.164; none: anonymous.
    pub caller_id: Option<String>,
}

/// How the number's call flow ended for its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowEnd {
    /// Queue the caller in this ring group.
    Queue {
        group: GroupId,
        name: String,
    },
    Voicemail {
        prompt: Option<String>,
        max: Duration,
    },
    Hangup,
}

/// What happened to the call. Agents' requests name the call they address (a call's id, or
/// its consultation's) and who asks.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Accept {
        call: CallId,
        agent: AgentId,
        name: String,
        media: LegId,
    },
    Decline {
        call: CallId,
        agent: AgentId,
    },
    HangUp {
        call: CallId,
        agent: AgentId,
    },
    Hold {
        call: CallId,
        agent: AgentId,
    },
    Resume {
        call: CallId,
        agent: AgentId,
    },
    Transfer {
        call: CallId,
        agent: AgentId,
        to: Target,
    },
    /// `id`: the consultation's own call id (already on record).
    Consult {
        call: CallId,
        agent: AgentId,
        to: Target,
        id: CallId,
    },
    CompleteConsult {
        call: CallId,
        agent: AgentId,
    },
    CancelConsult {
        call: CallId,
        agent: AgentId,
    },
    ThreeWay {
        call: CallId,
        agent: AgentId,
    },
    PauseRecording {
        call: CallId,
        agent: AgentId,
        paused: bool,
        /// Whether the account lets agents pause recordings.
        allowed: bool,
    },
    /// Context from an outside system or an agent of the account (each piece checked).
    AttachContext(Vec<ContextItem>),
    /// The caller's number went on the account's block list, or off it.
    SetBlocked(bool),
    /// The router's answer to [`Question::Claim`].
    Claimed {
        granted: bool,
    },
    /// The answer to [`Question::TakeBack`].
    TakeBack {
        takes_it: bool,
    },
    // The router.
    Offered {
        call: CallId,
        agents: Vec<AgentId>,
    },
    Withdrawn {
        call: CallId,
        agents: Vec<AgentId>,
    },
    Overflowed {
        call: CallId,
        group: GroupId,
        name: String,
    },
    ToVoicemail {
        call: CallId,
    },
    // The phone network.
    FarEndAlerting {
        dialog: DialogId,
    },
    FarEndAnswered {
        dialog: DialogId,
        media: LegId,
    },
    FarEndFailed {
        dialog: DialogId,
        outcome: CallOutcome,
    },
    FarEndHungUp {
        dialog: DialogId,
    },
    /// What the caller has given the call flow so far.
    FlowContext(Vec<ContextItem>),
    FlowEnded(FlowEnd),
    VoicemailSaved,
    // The media bridge, timers, Identity.
    LegEnded {
        media: LegId,
    },
    Deadline,
    Identity(Box<Identity>),
    RecordingFailed,
}

/// What the machine asks for. Media, presence, dialogs to keep and what parties see are not
/// here: they follow from the phase.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Store(Change),
    Route(Route),
    /// A question whose answer must come back as the very next input.
    Ask(Question),
    /// Dial an outside number on a new dialog.
    Dial {
        dialog: DialogId,
        dial: Dial,
    },
    /// Take the caller's message.
    Voicemail {
        prompt: Option<String>,
        max: Duration,
    },
    /// The caller hung up while leaving a message: keep what they said.
    StopVoicemail,
}

/// What goes on record.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Answered (the first answer counts), by this agent (if one).
    Answered {
        call: CallId,
        agent: Option<AgentId>,
    },
    Ended {
        call: CallId,
        outcome: CallOutcome,
    },
    /// The call was handed on by `by` to `to` (a ring group's taker is filled in later).
    Transferred {
        by: AgentId,
        to: Party,
    },
    /// The last transfer did not go through.
    TransferOutcome(CallOutcome),
    Context(Vec<ContextItem>),
}

/// What the router is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Enqueue { call: CallId, group: GroupId },
    Decline { call: CallId, agent: AgentId },
    Abandon { call: CallId },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// May this agent take the ring group's call? The router decides: the first wins.
    Claim { call: CallId, agent: AgentId },
    /// Can the agent who handed the call on take it back (callable, or wrapping it up)?
    TakeBack { agent: AgentId },
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such call for this agent (or of their account).
    NotFound,
    /// Not theirs to do (answering their own call, say).
    Forbidden,
    NoLongerRinging,
    OfferedToYou,
    NotConnected,
    OnHold,
    NotOnHold,
    HeldByOther,
    Consulting,
    ThreeWay,
    OnTheCall,
    NotACustomersCall,
    AlreadyConsulting,
    NotConsulting,
    ColleagueNotAnswered,
    NotRecorded,
    PauseNotAllowed,
    TooMuchContext,
}

impl Refusal {
    pub fn code(self) -> ErrorCode {
        match self {
            Refusal::NotFound => ErrorCode::NotFound,
            Refusal::Forbidden => ErrorCode::Forbidden,
            Refusal::NoLongerRinging => ErrorCode::NoLongerRinging,
            Refusal::OfferedToYou => ErrorCode::OfferedToYou,
            Refusal::NotConnected => ErrorCode::NotConnected,
            Refusal::OnHold => ErrorCode::OnHold,
            Refusal::NotOnHold => ErrorCode::NotOnHold,
            Refusal::HeldByOther => ErrorCode::HeldByOther,
            Refusal::Consulting => ErrorCode::Consulting,
            Refusal::ThreeWay => ErrorCode::ThreeWay,
            Refusal::OnTheCall => ErrorCode::OnTheCall,
            Refusal::NotACustomersCall => ErrorCode::NotACustomersCall,
            Refusal::AlreadyConsulting => ErrorCode::AlreadyConsulting,
            Refusal::NotConsulting => ErrorCode::NotConsulting,
            Refusal::ColleagueNotAnswered => ErrorCode::ColleagueNotAnswered,
            Refusal::NotRecorded => ErrorCode::NotRecorded,
            Refusal::PauseNotAllowed => ErrorCode::PauseNotAllowed,
            Refusal::TooMuchContext => ErrorCode::TooMuchContext,
        }
    }
}
