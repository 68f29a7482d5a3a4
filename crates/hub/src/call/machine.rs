//! The call machine: one call — and the consultation its agent starts about it — as a pure
//! state machine, like `routing::Router` and `flow::Run`. It is told what happened
//! ([`Input`]: agents' requests with who asks, the phone network, the router, the media
//! bridge, the time) and answers what to do ([`Effect`]) or why not ([`Refusal`]). It reads no
//! clock and does no I/O. What follows from its phase is derived, never hand-sequenced: who
//! hears whom and whether recording is paused ([`Machine::topology`]), who is on a call
//! ([`Machine::on_call`]), which dialogs with the phone network it keeps
//! ([`Machine::dialogs`]) and what its parties see ([`Machine::snapshots`]).
//!
//! Phases leave room for what comes next on calls (a supervisor listening or barging in, a
//! callback waiting in a queue): new phases and inputs, not side paths.

use std::time::{Duration, Instant};

use switchboard_protocol::{CallOutcome, ContextItem, ErrorCode, Id, Identity, Party, Returned};
use time::OffsetDateTime;

use crate::media::LegId;

pub type AgentId = Id;
pub type CallId = Id;
pub type GroupId = Id;

/// Most pieces of Context one call keeps.
pub const MAX_CONTEXT_ITEMS: usize = 50;

/// How long a caller waiting in a queue that overflows to voicemail may speak.
pub const QUEUE_VOICEMAIL_MAX: Duration = Duration::from_secs(120);

/// A SIP dialog with the phone network, numbered within its call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DialogId(pub u32);

/// The dialog a caller from the phone network came in on.
pub const CALLER_DIALOG: DialogId = DialogId(0);

/// One side's media at the bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leg {
    /// An agent's engine (WebRTC).
    Agent { agent: AgentId, media: LegId },
    /// The phone network, through one of the call's dialogs.
    Phone { media: LegId, dialog: DialogId },
}

impl Leg {
    pub fn media(self) -> LegId {
        match self {
            Leg::Agent { media, .. } | Leg::Phone { media, .. } => media,
        }
    }

    pub fn agent(self) -> Option<AgentId> {
        match self {
            Leg::Agent { agent, .. } => Some(agent),
            Leg::Phone { .. } => None,
        }
    }

    pub fn dialog(self) -> Option<DialogId> {
        match self {
            Leg::Phone { dialog, .. } => Some(dialog),
            Leg::Agent { .. } => None,
        }
    }
}

/// What the machine needs to know of its account and hub, read when the call starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long a call rings at an agent's desk before it counts as unanswered.
    pub ring_timeout: Duration,
    /// How long an outside number may ring.
    pub dial_timeout: Duration,
    /// Whether calls with the phone network are recorded once they connect.
    pub record_calls: bool,
}

/// The time, as the machine is told it.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    pub at: Instant,
    pub wall: OffsetDateTime,
}

impl Now {
    pub fn now() -> Self {
        Self {
            at: Instant::now(),
            wall: OffsetDateTime::now_utc(),
        }
    }
}

/// Where a call is.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// A caller from the phone network in the number's call flow.
    InFlow {
        caller: Leg,
    },
    /// Waiting in a ring group, offered to some of its agents.
    Queued {
        waiting: Leg,
        group: GroupId,
        offered: Vec<AgentId>,
    },
    /// Ringing at one agent's desk.
    Ringing {
        waiting: Leg,
        at: AgentId,
        deadline: Instant,
    },
    /// An outside number is being dialled for the waiting party.
    Dialing {
        waiting: Leg,
        dialog: DialogId,
        alerting: bool,
        deadline: Instant,
    },
    /// The two parties talk (or one of them holds the other).
    Connected {
        from: Leg,
        to: Leg,
        held_by: Option<AgentId>,
    },
    /// One of the call's agents consults someone; the other party waits on hold.
    Consulting {
        talk: Talk,
        consult: Consult,
    },
    /// The call and its consultation are one: everyone hears everyone.
    ThreeWay {
        talk: Talk,
        consult: Consult,
    },
    /// The caller leaves a message; `hung_up` once they did (the message is being kept).
    Voicemail {
        caller: Leg,
        hung_up: bool,
    },
    Ended {
        outcome: CallOutcome,
    },
}

/// The call's two parties while one of them (`by`, an agent) consults someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Talk {
    pub from: Leg,
    pub to: Leg,
    pub by: AgentId,
}

impl Talk {
    /// The consulting agent's leg.
    pub fn mine(&self) -> Leg {
        if self.from.agent() == Some(self.by) {
            self.from
        } else {
            self.to
        }
    }

    /// The party who waits: not the consulting agent.
    pub fn theirs(&self) -> Leg {
        if self.from.agent() == Some(self.by) {
            self.to
        } else {
            self.from
        }
    }
}

/// A consultation: a call of its own (its id is on the wire) owned by the call it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Consult {
    pub id: CallId,
    /// The consulting agent.
    pub from: Party,
    /// The colleague, ring group or number consulted.
    pub to: Party,
    pub stage: Stage,
    /// The ring group consulted, while it waits there.
    pub group: Option<(GroupId, String)>,
    pub waiting_since: Option<OffsetDateTime>,
    /// Every agent it rang at.
    pub rang_at: Vec<AgentId>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    Ringing {
        at: AgentId,
        deadline: Instant,
    },
    Queued {
        group: GroupId,
        offered: Vec<AgentId>,
    },
    Dialing {
        dialog: DialogId,
        alerting: bool,
        deadline: Instant,
    },
    Talking {
        colleague: Leg,
        held_by: Option<AgentId>,
    },
}

impl Consult {
    fn colleague(&self) -> Option<Leg> {
        match self.stage {
            Stage::Talking { colleague, .. } => Some(colleague),
            _ => None,
        }
    }

    fn deadline(&self) -> Option<Instant> {
        match self.stage {
            Stage::Ringing { deadline, .. } | Stage::Dialing { deadline, .. } => Some(deadline),
            Stage::Queued { .. } | Stage::Talking { .. } => None,
        }
    }

    fn offered(&self) -> &[AgentId] {
        match &self.stage {
            Stage::Queued { offered, .. } => offered,
            _ => &[],
        }
    }

    fn involves(&self, agent: AgentId) -> bool {
        self.from.is(agent) || self.to.is(agent)
    }
}

/// A consultation that ended, as its parties last saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct PastConsult {
    pub call: switchboard_protocol::Call,
    pub rang_at: Vec<AgentId>,
}

/// A recorded call: the customer's leg (the other side is whoever talks with them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recording {
    pub customer: LegId,
    /// An agent paused it.
    pub paused: bool,
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

/// A question asked, whose answer completes the request.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Claim {
        call: CallId,
        agent: AgentId,
        name: String,
        media: LegId,
    },
    TakeBack {
        agent: AgentId,
        outcome: CallOutcome,
    },
}

/// Which of the machine's calls an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Main,
    Consult,
    /// The last consultation, over.
    Past,
}

/// One call and its consultation.
#[derive(Debug, Clone)]
pub struct Machine {
    pub(in crate::call) id: CallId,
    pub(in crate::call) account: Id,
    pub(in crate::call) settings: Settings,
    /// Grows with every change of what the parties see.
    pub(in crate::call) version: u64,
    /// The caller; after a transfer, the party who was handed on.
    pub(in crate::call) from: Party,
    /// Who it rings at, waits for, or talks with the caller.
    pub(in crate::call) to: Party,
    /// For a call from the phone network: the number the customer dialled.
    pub(in crate::call) dialled: Option<String>,
    pub(in crate::call) phase: Phase,
    pub(in crate::call) context: Vec<ContextItem>,
    pub(in crate::call) identity: Option<Box<Identity>>,
    pub(in crate::call) recording: Option<Recording>,
    pub(in crate::call) transferred_by: Option<Party>,
    pub(in crate::call) returned: Option<Returned>,
    /// The ring group the call waits in, or came through.
    pub(in crate::call) group: Option<(GroupId, String)>,
    pub(in crate::call) waiting_since: Option<OffsetDateTime>,
    /// Every agent the call rang at: their late answers are "no longer ringing".
    pub(in crate::call) rang_at: Vec<AgentId>,
    /// Consultations completed into this call (their ids now name it).
    pub(in crate::call) merged: Vec<CallId>,
    /// The last consultation, as it ended.
    pub(in crate::call) ended_consult: Option<PastConsult>,
    next_dialog: u32,
    pending: Option<Pending>,
}

impl Machine {
    fn new(
        id: CallId,
        account: Id,
        settings: Settings,
        from: Party,
        to: Party,
        phase: Phase,
    ) -> Self {
        Self {
            id,
            account,
            settings,
            version: 1,
            from,
            to,
            dialled: None,
            phase,
            context: Vec::new(),
            identity: None,
            recording: None,
            transferred_by: None,
            returned: None,
            group: None,
            waiting_since: None,
            rang_at: Vec::new(),
            merged: Vec::new(),
            ended_consult: None,
            next_dialog: 1,
            pending: None,
        }
    }

    /// An agent calls a colleague: it rings at their desk.
    pub fn internal(
        id: CallId,
        account: Id,
        settings: Settings,
        caller: (AgentId, String, LegId),
        callee: (AgentId, String),
        now: Now,
    ) -> Self {
        let (agent, name, media) = caller;
        let mut machine = Self::new(
            id,
            account,
            settings,
            Party::agent(agent, name),
            Party::agent(callee.0, callee.1),
            Phase::Ringing {
                waiting: Leg::Agent { agent, media },
                at: callee.0,
                deadline: now.at + settings.ring_timeout,
            },
        );
        machine.rang_at.push(callee.0);
        machine
    }

    /// An agent calls an outside number: it is dialled at once.
    pub fn outbound(
        id: CallId,
        account: Id,
        settings: Settings,
        caller: (AgentId, String, LegId),
        callee: Party,
        dial: Dial,
        now: Now,
    ) -> (Self, Vec<Effect>) {
        let (agent, name, media) = caller;
        let mut machine = Self::new(
            id,
            account,
            settings,
            Party::agent(agent, name),
            callee,
            Phase::Ended {
                outcome: CallOutcome::Failed,
            },
        );
        let dialog = machine.new_dialog();
        machine.phase = Phase::Dialing {
            waiting: Leg::Agent { agent, media },
            dialog,
            alerting: false,
            deadline: now.at + settings.dial_timeout,
        };
        (machine, vec![Effect::Dial { dialog, dial }])
    }

    /// A caller from the phone network, answered on [`CALLER_DIALOG`]: in the number's call
    /// flow until it ends ([`Input::FlowEnded`]; a number without a flow ends it at once).
    pub fn inbound(
        id: CallId,
        account: Id,
        settings: Settings,
        caller: Party,
        media: LegId,
        dialled: String,
    ) -> Self {
        let waiting = Party {
            agent_id: None,
            name: String::new(),
            number: None,
        };
        let mut machine = Self::new(
            id,
            account,
            settings,
            caller,
            waiting,
            Phase::InFlow {
                caller: Leg::Phone {
                    media,
                    dialog: CALLER_DIALOG,
                },
            },
        );
        machine.dialled = Some(dialled);
        machine
    }

    pub fn id(&self) -> CallId {
        self.id
    }

    pub fn account(&self) -> Id {
        self.account
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    pub fn is_over(&self) -> bool {
        matches!(self.phase, Phase::Ended { .. })
    }

    /// Every id that names this call: its own, its consultation's (live or last), and those
    /// of consultations completed into it.
    pub fn ids(&self) -> Vec<CallId> {
        let mut ids = vec![self.id];
        ids.extend(self.consult().map(|c| c.id));
        ids.extend(self.ended_consult.as_ref().map(|c| c.call.id));
        ids.extend(self.merged.iter().copied());
        ids.dedup();
        ids
    }

    /// When the machine next needs [`Input::Deadline`].
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.pending.is_some() {
            return None;
        }
        match &self.phase {
            Phase::Ringing { deadline, .. } | Phase::Dialing { deadline, .. } => Some(*deadline),
            Phase::Consulting { consult, .. } => consult.deadline(),
            _ => None,
        }
    }

    /// Whether the call flow runs (its task lives only while it does).
    pub fn in_flow(&self) -> bool {
        matches!(self.phase, Phase::InFlow { .. })
    }

    pub(in crate::call) fn consult(&self) -> Option<&Consult> {
        match &self.phase {
            Phase::Consulting { consult, .. } | Phase::ThreeWay { consult, .. } => Some(consult),
            _ => None,
        }
    }

    /// Handles one input. On a refusal nothing changed.
    pub fn handle(&mut self, input: Input, now: Now) -> Result<Vec<Effect>, Refusal> {
        // An answer consumes its question, taken or refused.
        let pending = self.pending.take();
        let before = self.projections();
        let saved = self.clone();
        let mut fx = Vec::new();
        let handled = match pending {
            Some(pending) => self.answered(pending, input, now, &mut fx),
            None => self.step(input, now, &mut fx),
        };
        if let Err(refusal) = handled {
            *self = saved;
            return Err(refusal);
        }
        if self.projections() != before {
            self.version += 1;
        }
        Ok(fx)
    }

    fn step(&mut self, input: Input, now: Now, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        match input {
            Input::Accept {
                call,
                agent,
                name,
                media,
            } => self.accept(call, agent, name, media, fx),
            Input::Decline { call, agent } => self.decline(call, agent, now, fx),
            Input::HangUp { call, agent } => self.hang_up(call, agent, fx),
            Input::Hold { call, agent } => self.hold(call, agent, true),
            Input::Resume { call, agent } => self.hold(call, agent, false),
            Input::Transfer { call, agent, to } => self.transfer(call, agent, to, now, fx),
            Input::Consult {
                call,
                agent,
                to,
                id,
            } => self.start_consult(call, agent, to, id, now, fx),
            Input::CompleteConsult { call, agent } => {
                self.consulting_agent(call, agent)?;
                self.complete(agent, fx)
            }
            Input::CancelConsult { call, agent } => {
                self.consulting_agent(call, agent)?;
                self.end_consult_resuming(None, fx);
                Ok(())
            }
            Input::ThreeWay { call, agent } => self.three_way(call, agent),
            Input::PauseRecording {
                call,
                agent,
                paused,
                allowed,
            } => self.pause_recording(call, agent, paused, allowed),
            Input::AttachContext(items) => {
                let merged = merge_context(&self.context, items);
                if merged.len() > MAX_CONTEXT_ITEMS {
                    return Err(Refusal::TooMuchContext);
                }
                self.set_context(merged, fx);
                Ok(())
            }
            Input::FlowContext(items) => {
                let mut merged = merge_context(&self.context, items);
                merged.truncate(MAX_CONTEXT_ITEMS);
                self.set_context(merged, fx);
                Ok(())
            }
            Input::SetBlocked(blocked) => {
                if let Some(identity) = &mut self.identity {
                    identity.set_blocked(blocked);
                }
                Ok(())
            }
            // Answers without a question: nothing asked them.
            Input::Claimed { .. } | Input::TakeBack { .. } => Ok(()),
            Input::Offered { call, agents } => {
                self.offers(call, |offered, rang_at| {
                    for agent in agents {
                        if !offered.contains(&agent) {
                            offered.push(agent);
                        }
                        if !rang_at.contains(&agent) {
                            rang_at.push(agent);
                        }
                    }
                });
                Ok(())
            }
            Input::Withdrawn { call, agents } => {
                self.offers(call, |offered, _| offered.retain(|a| !agents.contains(a)));
                Ok(())
            }
            Input::Overflowed { call, group, name } => {
                self.overflowed(call, group, name);
                Ok(())
            }
            Input::ToVoicemail { call } => {
                self.to_voicemail(call, fx);
                Ok(())
            }
            Input::FarEndAlerting { dialog } => {
                match &mut self.phase {
                    Phase::Dialing {
                        dialog: d,
                        alerting,
                        ..
                    } if *d == dialog => *alerting = true,
                    Phase::Consulting { consult, .. } => {
                        if let Stage::Dialing {
                            dialog: d,
                            alerting,
                            ..
                        } = &mut consult.stage
                            && *d == dialog
                        {
                            *alerting = true;
                        }
                    }
                    _ => {}
                }
                Ok(())
            }
            Input::FarEndAnswered { dialog, media } => {
                self.far_end_answered(dialog, media, fx);
                Ok(())
            }
            Input::FarEndFailed { dialog, outcome } => {
                self.far_end_failed(dialog, outcome, now, fx);
                Ok(())
            }
            Input::FarEndHungUp { dialog } => {
                self.far_end_hung_up(dialog, fx);
                Ok(())
            }
            Input::FlowEnded(end) => {
                self.flow_ended(end, now, fx);
                Ok(())
            }
            Input::VoicemailSaved => {
                if matches!(self.phase, Phase::Voicemail { .. }) {
                    self.end(CallOutcome::Voicemail, fx);
                }
                Ok(())
            }
            Input::LegEnded { media } => {
                self.leg_ended(media, fx);
                Ok(())
            }
            Input::Deadline => {
                self.deadline(now, fx);
                Ok(())
            }
            Input::Identity(identity) => {
                self.identity = Some(identity);
                Ok(())
            }
            Input::RecordingFailed => {
                self.recording = None;
                Ok(())
            }
        }
    }

    /// The answer to the question asked by the last input.
    fn answered(
        &mut self,
        pending: Pending,
        input: Input,
        now: Now,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        match (pending, input) {
            (
                Pending::Claim {
                    call,
                    agent,
                    name,
                    media,
                },
                Input::Claimed { granted },
            ) => {
                if !granted {
                    return Err(Refusal::NoLongerRinging);
                }
                self.claimed(call, agent, name, media, fx)
            }
            (Pending::TakeBack { agent, outcome }, Input::TakeBack { takes_it }) => {
                self.come_back(takes_it.then_some(agent), outcome, now, fx);
                Ok(())
            }
            (pending, input) => {
                // The actor answers every question before anything else reaches the call.
                tracing::error!(?pending, ?input, "a call's question went unanswered");
                Err(Refusal::Forbidden)
            }
        }
    }

    fn which(&self, call: CallId) -> Option<Which> {
        if call == self.id || self.merged.contains(&call) {
            Some(Which::Main)
        } else if self.consult().is_some_and(|c| c.id == call) {
            Some(Which::Consult)
        } else if self
            .ended_consult
            .as_ref()
            .is_some_and(|c| c.call.id == call)
        {
            Some(Which::Past)
        } else {
            None
        }
    }

    /// Whether `agent` is one of the call's two parties now.
    fn involves(&self, agent: AgentId) -> bool {
        self.from.is(agent) || self.to.is(agent)
    }

    fn offered(&self) -> &[AgentId] {
        match &self.phase {
            Phase::Queued { offered, .. } => offered,
            _ => &[],
        }
    }

    /// A party of the call `which` names (one of its two parties), or why not: the agents
    /// it is offered to may only accept or decline, others do not see it.
    fn party_of(&self, which: Which, agent: AgentId, offered: Refusal) -> Result<(), Refusal> {
        let (party, offered_here) = match which {
            Which::Main => (self.involves(agent), self.offered().contains(&agent)),
            Which::Consult => self.consult().map_or((false, false), |c| {
                (c.involves(agent), c.offered().contains(&agent))
            }),
            Which::Past => (false, false),
        };
        match (party, offered_here) {
            (true, _) => Ok(()),
            (false, true) => Err(offered),
            (false, false) => Err(Refusal::NotFound),
        }
    }

    /// Why `agent` cannot answer (or decline) the call `which` names now.
    fn not_ringing_here(&self, which: Which, agent: AgentId) -> Refusal {
        let (to, from, rang_at) = match which {
            Which::Main => (&self.to, &self.from, &self.rang_at),
            Which::Consult => match self.consult() {
                Some(c) => (&c.to, &c.from, &c.rang_at),
                None => return Refusal::NotFound,
            },
            Which::Past => match &self.ended_consult {
                Some(c) => (&c.call.to, &c.call.from, &c.rang_at),
                None => return Refusal::NotFound,
            },
        };
        if to.is(agent) || rang_at.contains(&agent) {
            Refusal::NoLongerRinging
        } else if from.is(agent) {
            Refusal::Forbidden
        } else {
            Refusal::NotFound
        }
    }

    fn new_dialog(&mut self) -> DialogId {
        let dialog = DialogId(self.next_dialog);
        self.next_dialog += 1;
        dialog
    }

    fn take_phase(&mut self) -> Phase {
        std::mem::replace(
            &mut self.phase,
            Phase::Ended {
                outcome: CallOutcome::Failed,
            },
        )
    }

    // Answering.

    fn accept(
        &mut self,
        call: CallId,
        agent: AgentId,
        name: String,
        media: LegId,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let which = self.which(call).ok_or(Refusal::NotFound)?;
        match which {
            Which::Main => match &self.phase {
                Phase::Ringing { at, .. } if *at == agent => {
                    let Phase::Ringing { waiting, .. } = self.take_phase() else {
                        unreachable!("matched above")
                    };
                    self.connect(waiting, Leg::Agent { agent, media });
                    fx.push(Effect::Store(Change::Answered {
                        call: self.id,
                        agent: Some(agent),
                    }));
                    Ok(())
                }
                Phase::Queued { offered, .. } if offered.contains(&agent) => {
                    self.ask_claim(self.id, agent, name, media, fx);
                    Ok(())
                }
                _ => Err(self.not_ringing_here(which, agent)),
            },
            Which::Consult => {
                let consult = self.consult().ok_or(Refusal::NotFound)?;
                let consult_id = consult.id;
                match &consult.stage {
                    Stage::Ringing { at, .. } if *at == agent => {
                        self.consult_answered(Leg::Agent { agent, media }, None);
                        fx.push(Effect::Store(Change::Answered {
                            call: consult_id,
                            agent: Some(agent),
                        }));
                        Ok(())
                    }
                    Stage::Queued { offered, .. } if offered.contains(&agent) => {
                        self.ask_claim(consult_id, agent, name, media, fx);
                        Ok(())
                    }
                    _ => Err(self.not_ringing_here(which, agent)),
                }
            }
            Which::Past => Err(self.not_ringing_here(which, agent)),
        }
    }

    fn ask_claim(
        &mut self,
        call: CallId,
        agent: AgentId,
        name: String,
        media: LegId,
        fx: &mut Vec<Effect>,
    ) {
        self.pending = Some(Pending::Claim {
            call,
            agent,
            name,
            media,
        });
        fx.push(Effect::Ask(Question::Claim { call, agent }));
    }

    /// The router gave the group's call to `agent`.
    fn claimed(
        &mut self,
        call: CallId,
        agent: AgentId,
        name: String,
        media: LegId,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let leg = Leg::Agent { agent, media };
        if call == self.id {
            let Phase::Queued { waiting, .. } = self.phase.clone() else {
                return Err(Refusal::NoLongerRinging);
            };
            self.to = Party::agent(agent, name);
            self.waiting_since = None;
            self.connect(waiting, leg);
        } else {
            if !self
                .consult()
                .is_some_and(|c| c.id == call && matches!(c.stage, Stage::Queued { .. }))
            {
                return Err(Refusal::NoLongerRinging);
            }
            self.consult_answered(leg, Some(Party::agent(agent, name)));
        }
        fx.push(Effect::Store(Change::Answered {
            call,
            agent: Some(agent),
        }));
        Ok(())
    }

    /// The waiting party and `new` talk; a call with the phone network is recorded from now
    /// on if its account records calls.
    fn connect(&mut self, waiting: Leg, new: Leg) {
        self.phase = Phase::Connected {
            from: waiting,
            to: new,
            held_by: None,
        };
        // A call that came back is an ordinary call again once taken.
        self.returned = None;
        if self.recording.is_none()
            && self.settings.record_calls
            && let Some(customer) = [waiting, new]
                .into_iter()
                .find(|leg| matches!(leg, Leg::Phone { .. }))
        {
            self.recording = Some(Recording {
                customer: customer.media(),
                paused: false,
            });
        }
    }

    /// The consulted colleague answered; `taker` is who took it, for a ring group.
    fn consult_answered(&mut self, colleague: Leg, taker: Option<Party>) {
        if let Phase::Consulting { consult, .. } = &mut self.phase {
            consult.stage = Stage::Talking {
                colleague,
                held_by: None,
            };
            if let Some(taker) = taker {
                consult.to = taker;
                consult.waiting_since = None;
            }
        }
    }

    fn decline(
        &mut self,
        call: CallId,
        agent: AgentId,
        now: Now,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let which = self.which(call).ok_or(Refusal::NotFound)?;
        match which {
            Which::Main => match &mut self.phase {
                Phase::Queued { offered, .. } if offered.contains(&agent) => {
                    // The group's offer moves on to the next agent; the caller keeps waiting.
                    offered.retain(|a| *a != agent);
                    fx.push(Effect::Route(Route::Decline {
                        call: self.id,
                        agent,
                    }));
                    Ok(())
                }
                Phase::Ringing { at, .. } if *at == agent => {
                    self.not_taken(CallOutcome::Declined, now, fx);
                    Ok(())
                }
                _ => Err(self.not_ringing_here(which, agent)),
            },
            Which::Consult => {
                let Phase::Consulting { consult, .. } = &mut self.phase else {
                    return Err(self.not_ringing_here(which, agent));
                };
                match &mut consult.stage {
                    Stage::Queued { offered, .. } if offered.contains(&agent) => {
                        offered.retain(|a| *a != agent);
                        fx.push(Effect::Route(Route::Decline {
                            call: consult.id,
                            agent,
                        }));
                        Ok(())
                    }
                    Stage::Ringing { at, .. } if *at == agent => {
                        self.end_consult_resuming(Some(CallOutcome::Declined), fx);
                        Ok(())
                    }
                    _ => Err(self.not_ringing_here(which, agent)),
                }
            }
            Which::Past => Err(self.not_ringing_here(which, agent)),
        }
    }

    /// The call was not taken where it rang (declined, rang out, the number busy or not
    /// reached). A call handed on blind comes back instead of cutting its waiting party off:
    /// to the agent who handed it on if they can take it (asked), else to its ring group;
    /// with neither it ends.
    fn not_taken(&mut self, outcome: CallOutcome, now: Now, fx: &mut Vec<Effect>) {
        let Some(by) = &self.transferred_by else {
            self.end(outcome, fx);
            return;
        };
        // Back to the agent who handed it on — once: a call that came back and is not
        // taken there either goes to its ring group.
        match by.agent_id.filter(|_| self.returned.is_none()) {
            Some(agent) => {
                self.pending = Some(Pending::TakeBack { agent, outcome });
                fx.push(Effect::Ask(Question::TakeBack { agent }));
            }
            None => self.come_back(None, outcome, now, fx),
        }
    }

    fn come_back(
        &mut self,
        to_agent: Option<AgentId>,
        outcome: CallOutcome,
        now: Now,
        fx: &mut Vec<Effect>,
    ) {
        let waiting = match &self.phase {
            Phase::Ringing { waiting, .. }
            | Phase::Dialing { waiting, .. }
            | Phase::Queued { waiting, .. } => *waiting,
            _ => return,
        };
        let was = match (to_agent, &self.group) {
            (Some(agent), _) => {
                let back = self
                    .transferred_by
                    .clone()
                    .unwrap_or_else(|| Party::agent(agent, ""));
                if !self.rang_at.contains(&agent) {
                    self.rang_at.push(agent);
                }
                self.phase = Phase::Ringing {
                    waiting,
                    at: agent,
                    deadline: now.at + self.settings.ring_timeout,
                };
                std::mem::replace(&mut self.to, back)
            }
            (None, Some((group, name))) => {
                let (group, back) = (*group, Party::group(name.clone()));
                self.waiting_since = Some(now.wall);
                self.phase = Phase::Queued {
                    waiting,
                    group,
                    offered: Vec::new(),
                };
                fx.push(Effect::Route(Route::Enqueue {
                    call: self.id,
                    group,
                }));
                std::mem::replace(&mut self.to, back)
            }
            (None, None) => {
                self.end(outcome, fx);
                return;
            }
        };
        self.returned = Some(Returned { to: was, outcome });
        fx.insert(0, Effect::Store(Change::TransferOutcome(outcome)));
    }

    // Hanging up.

    fn hang_up(
        &mut self,
        call: CallId,
        agent: AgentId,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let which = self.which(call).ok_or(Refusal::NotFound)?;
        self.party_of(which, agent, Refusal::OfferedToYou)?;
        match which {
            Which::Main => match &self.phase {
                // Hanging up while a colleague is on the line (consulting them, or three-way)
                // hands them the call: the customer is not cut off.
                Phase::Consulting { talk, consult } | Phase::ThreeWay { talk, consult }
                    if talk.by == agent && consult.colleague().is_some() =>
                {
                    self.complete(agent, fx)?;
                }
                Phase::Connected { .. } | Phase::Consulting { .. } | Phase::ThreeWay { .. } => {
                    self.end(CallOutcome::Completed, fx);
                }
                Phase::Ended { .. } => return Err(Refusal::NotFound),
                _ => self.end(CallOutcome::Cancelled, fx),
            },
            Which::Consult => self.end_consult_resuming(None, fx),
            Which::Past => return Err(Refusal::NotFound),
        }
        Ok(())
    }

    /// Ends the call: its consultation with it, its queue left.
    fn end(&mut self, outcome: CallOutcome, fx: &mut Vec<Effect>) {
        match self.take_phase() {
            Phase::Queued { .. } => fx.push(Effect::Route(Route::Abandon { call: self.id })),
            Phase::Consulting { consult, .. } => {
                self.close_consult(consult, false, CallOutcome::Cancelled, None, fx)
            }
            Phase::ThreeWay { consult, .. } => {
                self.close_consult(consult, true, CallOutcome::Cancelled, None, fx)
            }
            _ => {}
        }
        self.phase = Phase::Ended { outcome };
        fx.push(Effect::Store(Change::Ended {
            call: self.id,
            outcome,
        }));
    }

    // Hold.

    fn hold(&mut self, call: CallId, agent: AgentId, on: bool) -> Result<(), Refusal> {
        let which = self.which(call).ok_or(Refusal::NotFound)?;
        let not_now = if on {
            Refusal::NotConnected
        } else {
            Refusal::NotOnHold
        };
        self.party_of(which, agent, not_now)?;
        let held_by = match (which, &mut self.phase) {
            (Which::Main, Phase::Connected { held_by, .. }) => held_by,
            (Which::Main, Phase::Consulting { talk, .. }) => {
                return Err(if on || talk.by == agent {
                    Refusal::Consulting
                } else {
                    Refusal::HeldByOther
                });
            }
            (_, Phase::ThreeWay { .. }) => return Err(Refusal::ThreeWay),
            (Which::Consult, Phase::Consulting { consult, .. }) => match &mut consult.stage {
                Stage::Talking { held_by, .. } => held_by,
                _ => return Err(not_now),
            },
            _ => return Err(not_now),
        };
        match (on, *held_by) {
            (true, None) => *held_by = Some(agent),
            (true, Some(_)) => return Err(Refusal::OnHold),
            (false, Some(holder)) if holder == agent => *held_by = None,
            (false, Some(_)) => return Err(Refusal::HeldByOther),
            (false, None) => return Err(Refusal::NotOnHold),
        }
        Ok(())
    }

    // Transfers.

    /// The legs of a connected call `agent` controls (it is live, or they put it on hold):
    /// theirs (the other party's) and their own.
    fn controlled_by(&self, agent: AgentId) -> Result<(Leg, Leg), Refusal> {
        match &self.phase {
            Phase::Connected { from, to, held_by }
                if held_by.is_none_or(|holder| holder == agent) =>
            {
                if from.agent() == Some(agent) {
                    Ok((*to, *from))
                } else if to.agent() == Some(agent) {
                    Ok((*from, *to))
                } else {
                    Err(Refusal::NotConnected)
                }
            }
            Phase::Consulting { .. } => Err(Refusal::Consulting),
            Phase::ThreeWay { .. } => Err(Refusal::ThreeWay),
            _ => Err(Refusal::NotConnected),
        }
    }

    /// Whether the call may go to `to`: not to one of its parties, and only a customer who
    /// called in waits in a queue.
    fn may_go_to(&self, to: &Target) -> Result<(), Refusal> {
        match to {
            Target::Agent { id, .. } if self.involves(*id) => Err(Refusal::OnTheCall),
            Target::Group { .. } if self.from.number.is_none() || self.from.agent_id.is_some() => {
                Err(Refusal::NotACustomersCall)
            }
            _ => Ok(()),
        }
    }

    /// Blind transfer (F-25): the other party waits, with music, while the call rings at
    /// another agent, waits in a ring group, or is dialled out; the transferring agent leaves.
    fn transfer(
        &mut self,
        call: CallId,
        agent: AgentId,
        to: Target,
        now: Now,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let which = self.which(call).ok_or(Refusal::NotFound)?;
        self.party_of(which, agent, Refusal::NotConnected)?;
        if which != Which::Main {
            return Err(Refusal::Consulting);
        }
        self.may_go_to(&to)?;
        let (theirs, _mine) = self.controlled_by(agent)?;
        let (me, remaining) = if self.from.is(agent) {
            (self.from.clone(), self.to.clone())
        } else {
            (self.to.clone(), self.from.clone())
        };
        self.from = remaining;
        self.transferred_by = Some(me);
        self.returned = None;
        let mut then = Vec::new();
        match to {
            Target::Agent { id, name } => {
                self.to = Party::agent(id, name);
                if !self.rang_at.contains(&id) {
                    self.rang_at.push(id);
                }
                self.phase = Phase::Ringing {
                    waiting: theirs,
                    at: id,
                    deadline: now.at + self.settings.ring_timeout,
                };
            }
            Target::Group { id, name } => {
                self.to = Party::group(name.clone());
                self.group = Some((id, name));
                self.waiting_since = Some(now.wall);
                self.phase = Phase::Queued {
                    waiting: theirs,
                    group: id,
                    offered: Vec::new(),
                };
                then.push(Effect::Route(Route::Enqueue {
                    call: self.id,
                    group: id,
                }));
            }
            Target::Number { party, dial } => {
                self.to = party;
                let dialog = self.new_dialog();
                self.phase = Phase::Dialing {
                    waiting: theirs,
                    dialog,
                    alerting: false,
                    deadline: now.at + self.settings.dial_timeout,
                };
                then.push(Effect::Dial { dialog, dial });
            }
        }
        // On record first: whoever takes it from a ring group is filled in on this row.
        fx.push(Effect::Store(Change::Transferred {
            by: agent,
            to: self.to.clone(),
        }));
        fx.extend(then);
        Ok(())
    }

    /// Whether `agent` may consult someone about the call now (before the consultation is
    /// put on record).
    pub fn may_consult(&self, call: CallId, agent: AgentId, to: &Target) -> Result<(), Refusal> {
        let which = self.which(call).ok_or(Refusal::NotFound)?;
        self.party_of(which, agent, Refusal::NotConnected)?;
        if which != Which::Main {
            return Err(Refusal::AlreadyConsulting);
        }
        self.may_go_to(to)?;
        match self.controlled_by(agent) {
            Err(Refusal::Consulting | Refusal::ThreeWay) => Err(Refusal::AlreadyConsulting),
            Err(refusal) => Err(refusal),
            Ok(_) => Ok(()),
        }
    }

    /// Consult (warm) transfer: the other party waits on hold while the agent calls a
    /// colleague, a ring group's first taker, or an outside number, on their own leg.
    fn start_consult(
        &mut self,
        call: CallId,
        agent: AgentId,
        to: Target,
        id: CallId,
        now: Now,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        self.may_consult(call, agent, &to)?;
        let Phase::Connected {
            from, to: other, ..
        } = self.take_phase()
        else {
            unreachable!("checked by may_consult")
        };
        let talk = Talk {
            from,
            to: other,
            by: agent,
        };
        let me = if self.from.is(agent) {
            self.from.clone()
        } else {
            self.to.clone()
        };
        let mut rang_at = Vec::new();
        let (party, stage, group) = match to {
            Target::Agent {
                id: colleague,
                name,
            } => {
                rang_at.push(colleague);
                (
                    Party::agent(colleague, name),
                    Stage::Ringing {
                        at: colleague,
                        deadline: now.at + self.settings.ring_timeout,
                    },
                    None,
                )
            }
            Target::Group { id: group, name } => {
                // Its agents are offered it as they would a caller; the first to accept is
                // the colleague.
                fx.push(Effect::Route(Route::Enqueue { call: id, group }));
                (
                    Party::group(name.clone()),
                    Stage::Queued {
                        group,
                        offered: Vec::new(),
                    },
                    Some((group, name)),
                )
            }
            Target::Number { party, dial } => {
                let dialog = self.new_dialog();
                fx.push(Effect::Dial { dialog, dial });
                (
                    party,
                    Stage::Dialing {
                        dialog,
                        alerting: false,
                        deadline: now.at + self.settings.dial_timeout,
                    },
                    None,
                )
            }
        };
        self.phase = Phase::Consulting {
            talk,
            consult: Consult {
                id,
                from: me,
                to: party,
                stage,
                waiting_since: group.as_ref().map(|_| now.wall),
                group,
                rang_at,
            },
        };
        Ok(())
    }

    /// `agent` is the one consulting about the call `call`.
    fn consulting_agent(&self, call: CallId, agent: AgentId) -> Result<(), Refusal> {
        let which = self.which(call).ok_or(Refusal::NotFound)?;
        self.party_of(which, agent, Refusal::NotConsulting)?;
        match &self.phase {
            Phase::Consulting { talk, .. } | Phase::ThreeWay { talk, .. } if talk.by == agent => {
                Ok(())
            }
            _ => Err(Refusal::NotConsulting),
        }
    }

    /// The colleague takes over the call, on the same media; the consulting agent leaves.
    fn complete(&mut self, agent: AgentId, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        let colleague = self
            .consult()
            .and_then(Consult::colleague)
            .ok_or(Refusal::ColleagueNotAnswered)?;
        let three_way = matches!(self.phase, Phase::ThreeWay { .. });
        let (Phase::Consulting { talk, consult } | Phase::ThreeWay { talk, consult }) =
            self.take_phase()
        else {
            unreachable!("a consultation is going on")
        };
        let joining = consult.to.clone();
        let leaving = if self.from.is(agent) {
            self.phase = Phase::Connected {
                from: colleague,
                to: talk.theirs(),
                held_by: None,
            };
            std::mem::replace(&mut self.from, joining.clone())
        } else {
            self.phase = Phase::Connected {
                from: talk.theirs(),
                to: colleague,
                held_by: None,
            };
            std::mem::replace(&mut self.to, joining.clone())
        };
        self.transferred_by = Some(leaving);
        let consult_id = consult.id;
        self.close_consult(
            consult,
            three_way,
            CallOutcome::Completed,
            Some(self.id),
            fx,
        );
        self.merged.push(consult_id);
        fx.push(Effect::Store(Change::Transferred {
            by: agent,
            to: joining,
        }));
        Ok(())
    }

    /// The consultation ends (with `outcome`, or as talked or cancelled): the call it was
    /// about is live again between the consulting agent and the party who waited.
    fn end_consult_resuming(&mut self, outcome: Option<CallOutcome>, fx: &mut Vec<Effect>) {
        let three_way = matches!(self.phase, Phase::ThreeWay { .. });
        let (Phase::Consulting { talk, consult } | Phase::ThreeWay { talk, consult }) =
            self.take_phase()
        else {
            return;
        };
        let outcome = outcome.unwrap_or(if consult.colleague().is_some() {
            CallOutcome::Completed
        } else {
            CallOutcome::Cancelled
        });
        self.phase = Phase::Connected {
            from: talk.from,
            to: talk.to,
            held_by: None,
        };
        self.close_consult(consult, three_way, outcome, None, fx);
    }

    /// Puts the consultation's end on record and keeps how it ended for its parties.
    fn close_consult(
        &mut self,
        consult: Consult,
        three_way: bool,
        outcome: CallOutcome,
        merged_into: Option<CallId>,
        fx: &mut Vec<Effect>,
    ) {
        if matches!(consult.stage, Stage::Queued { .. }) {
            fx.push(Effect::Route(Route::Abandon { call: consult.id }));
        }
        let mut ended = self.project_consult(&consult, three_way);
        ended.state = switchboard_protocol::CallState::Ended;
        ended.outcome = Some(outcome);
        ended.held_by = None;
        ended.offered_to.clear();
        ended.merged_into = merged_into;
        fx.push(Effect::Store(Change::Ended {
            call: consult.id,
            outcome,
        }));
        self.ended_consult = Some(PastConsult {
            call: ended,
            rang_at: consult.rang_at,
        });
    }

    fn three_way(&mut self, call: CallId, agent: AgentId) -> Result<(), Refusal> {
        let which = self.which(call).ok_or(Refusal::NotFound)?;
        self.party_of(which, agent, Refusal::NotConsulting)?;
        match &self.phase {
            Phase::Consulting { talk, consult } if talk.by == agent => {
                if consult.colleague().is_none() {
                    return Err(Refusal::ColleagueNotAnswered);
                }
            }
            _ => return Err(Refusal::NotConsulting),
        }
        let Phase::Consulting { talk, mut consult } = self.take_phase() else {
            unreachable!("matched above")
        };
        if let Stage::Talking { held_by, .. } = &mut consult.stage {
            *held_by = None;
        }
        self.phase = Phase::ThreeWay { talk, consult };
        Ok(())
    }

    // Recording and Context.

    fn pause_recording(
        &mut self,
        call: CallId,
        agent: AgentId,
        paused: bool,
        allowed: bool,
    ) -> Result<(), Refusal> {
        let which = self.which(call).ok_or(Refusal::NotFound)?;
        self.party_of(which, agent, Refusal::NotFound)?;
        // A consultation is recorded only as part of a three-way call.
        let ours = which == Which::Main || matches!(self.phase, Phase::ThreeWay { .. });
        let recording = self
            .recording
            .as_mut()
            .filter(|_| ours)
            .ok_or(Refusal::NotRecorded)?;
        if !allowed {
            return Err(Refusal::PauseNotAllowed);
        }
        recording.paused = paused;
        Ok(())
    }

    fn set_context(&mut self, context: Vec<ContextItem>, fx: &mut Vec<Effect>) {
        if context != self.context {
            self.context = context;
            fx.push(Effect::Store(Change::Context(self.context.clone())));
        }
    }

    // The router.

    /// Changes who the call `call` (or its consultation) is offered to, while it waits.
    fn offers(&mut self, call: CallId, change: impl FnOnce(&mut Vec<AgentId>, &mut Vec<AgentId>)) {
        match self.which(call) {
            Some(Which::Main) => {
                if let Phase::Queued { offered, .. } = &mut self.phase {
                    change(offered, &mut self.rang_at);
                }
            }
            Some(Which::Consult) => {
                if let Phase::Consulting { consult, .. } = &mut self.phase
                    && let Stage::Queued { offered, .. } = &mut consult.stage
                {
                    change(offered, &mut consult.rang_at);
                }
            }
            _ => {}
        }
    }

    fn overflowed(&mut self, call: CallId, group: GroupId, name: String) {
        match self.which(call) {
            Some(Which::Main) => {
                if let Phase::Queued {
                    group: waits_in, ..
                } = &mut self.phase
                {
                    *waits_in = group;
                    self.to = Party::group(name.clone());
                    self.group = Some((group, name));
                }
            }
            Some(Which::Consult) => {
                if let Phase::Consulting { consult, .. } = &mut self.phase
                    && let Stage::Queued {
                        group: waits_in, ..
                    } = &mut consult.stage
                {
                    *waits_in = group;
                    consult.to = Party::group(name.clone());
                    consult.group = Some((group, name));
                }
            }
            _ => {}
        }
    }

    /// The ring group overflowed to voicemail: a caller from the phone network leaves a
    /// message; a consultation (or anything else waiting) has nobody to reach.
    fn to_voicemail(&mut self, call: CallId, fx: &mut Vec<Effect>) {
        match self.which(call) {
            Some(Which::Main) => match self.phase {
                Phase::Queued {
                    waiting: caller @ Leg::Phone { dialog, .. },
                    ..
                } if dialog == CALLER_DIALOG => {
                    self.phase = Phase::Voicemail {
                        caller,
                        hung_up: false,
                    };
                    fx.push(Effect::Voicemail {
                        prompt: None,
                        max: QUEUE_VOICEMAIL_MAX,
                    });
                }
                Phase::Queued { .. } => self.end(CallOutcome::NoAnswer, fx),
                _ => {}
            },
            Some(Which::Consult) => {
                if self
                    .consult()
                    .is_some_and(|c| matches!(c.stage, Stage::Queued { .. }))
                {
                    self.end_consult_resuming(Some(CallOutcome::NoAnswer), fx);
                }
            }
            _ => {}
        }
    }

    // The phone network.

    fn far_end_answered(&mut self, dialog: DialogId, media: LegId, fx: &mut Vec<Effect>) {
        let far = Leg::Phone { media, dialog };
        match &self.phase {
            Phase::Dialing {
                waiting, dialog: d, ..
            } if *d == dialog => {
                let waiting = *waiting;
                self.connect(waiting, far);
                fx.push(Effect::Store(Change::Answered {
                    call: self.id,
                    agent: None,
                }));
            }
            Phase::Consulting { consult, .. } => {
                if let Stage::Dialing { dialog: d, .. } = consult.stage
                    && d == dialog
                {
                    let call = consult.id;
                    self.consult_answered(far, None);
                    fx.push(Effect::Store(Change::Answered { call, agent: None }));
                }
            }
            _ => {}
        }
    }

    fn far_end_failed(
        &mut self,
        dialog: DialogId,
        outcome: CallOutcome,
        now: Now,
        fx: &mut Vec<Effect>,
    ) {
        match &self.phase {
            Phase::Dialing { dialog: d, .. } if *d == dialog => self.not_taken(outcome, now, fx),
            Phase::Consulting { consult, .. } if matches!(consult.stage, Stage::Dialing { dialog: d, .. } if d == dialog) => {
                self.end_consult_resuming(Some(outcome), fx)
            }
            _ => {}
        }
    }

    fn far_end_hung_up(&mut self, dialog: DialogId, fx: &mut Vec<Effect>) {
        let is = |leg: &Leg| leg.dialog() == Some(dialog);
        match &mut self.phase {
            Phase::InFlow { caller } if is(caller) => self.end(CallOutcome::Cancelled, fx),
            // Still waiting: they gave up (a queue they waited in is left).
            Phase::Queued { waiting, .. }
            | Phase::Ringing { waiting, .. }
            | Phase::Dialing { waiting, .. }
                if is(waiting) =>
            {
                self.end(CallOutcome::Cancelled, fx)
            }
            Phase::Connected { from, to, .. } if is(from) || is(to) => {
                self.end(CallOutcome::Completed, fx)
            }
            Phase::Consulting { talk, consult } | Phase::ThreeWay { talk, consult } => {
                if is(&talk.from) || is(&talk.to) {
                    self.end(CallOutcome::Completed, fx);
                } else if consult.colleague().is_some_and(|leg| is(&leg)) {
                    self.end_consult_resuming(Some(CallOutcome::Completed), fx);
                }
            }
            Phase::Voicemail { caller, hung_up } if is(caller) && !*hung_up => {
                *hung_up = true;
                fx.push(Effect::StopVoicemail);
            }
            _ => {}
        }
    }

    fn flow_ended(&mut self, end: FlowEnd, now: Now, fx: &mut Vec<Effect>) {
        let Phase::InFlow { caller } = self.phase else {
            return;
        };
        match end {
            FlowEnd::Queue { group, name } => {
                self.to.name = name.clone();
                self.group = Some((group, name));
                self.waiting_since = Some(now.wall);
                self.phase = Phase::Queued {
                    waiting: caller,
                    group,
                    offered: Vec::new(),
                };
                fx.push(Effect::Route(Route::Enqueue {
                    call: self.id,
                    group,
                }));
            }
            FlowEnd::Voicemail { prompt, max } => {
                self.phase = Phase::Voicemail {
                    caller,
                    hung_up: false,
                };
                fx.push(Effect::Voicemail { prompt, max });
            }
            FlowEnd::Hangup => self.end(CallOutcome::Completed, fx),
        }
    }

    // Media and time.

    /// A leg's media dropped: the call ends, unless it was the consulted colleague's (then
    /// only the consultation does).
    fn leg_ended(&mut self, media: LegId, fx: &mut Vec<Effect>) {
        // A caller leaving a message who is gone: what they said is kept first.
        if let Phase::Voicemail { caller, hung_up } = &mut self.phase {
            if caller.media() == media && !*hung_up {
                *hung_up = true;
                fx.push(Effect::StopVoicemail);
            }
            return;
        }
        let colleague = self
            .consult()
            .and_then(Consult::colleague)
            .is_some_and(|leg| leg.media() == media);
        if colleague {
            self.end_consult_resuming(Some(CallOutcome::Failed), fx);
        } else if !self.is_over() && self.main_legs().iter().any(|leg| leg.media() == media) {
            self.end(CallOutcome::Failed, fx);
        }
    }

    fn deadline(&mut self, now: Now, fx: &mut Vec<Effect>) {
        let due = |deadline: Option<Instant>| deadline.is_some_and(|at| at <= now.at);
        match &self.phase {
            Phase::Ringing { deadline, .. } | Phase::Dialing { deadline, .. }
                if due(Some(*deadline)) =>
            {
                self.not_taken(CallOutcome::NoAnswer, now, fx)
            }
            Phase::Consulting { consult, .. } if due(consult.deadline()) => {
                self.end_consult_resuming(Some(CallOutcome::NoAnswer), fx)
            }
            _ => {}
        }
    }

    /// The legs of the call itself (not the consulted colleague's).
    pub(in crate::call) fn main_legs(&self) -> Vec<Leg> {
        match &self.phase {
            Phase::InFlow { caller } | Phase::Voicemail { caller, .. } => vec![*caller],
            Phase::Queued { waiting, .. }
            | Phase::Ringing { waiting, .. }
            | Phase::Dialing { waiting, .. } => vec![*waiting],
            Phase::Connected { from, to, .. } => vec![*from, *to],
            Phase::Consulting { talk, .. } | Phase::ThreeWay { talk, .. } => {
                vec![talk.from, talk.to]
            }
            Phase::Ended { .. } => Vec::new(),
        }
    }
}

/// `known` with `items` attached: a key already there takes the new value.
fn merge_context(known: &[ContextItem], items: Vec<ContextItem>) -> Vec<ContextItem> {
    let mut context = known.to_vec();
    for item in items {
        let key = item.key.trim().to_owned();
        match context.iter_mut().find(|known| known.key == key) {
            Some(known) => known.value = item.value,
            None => context.push(ContextItem {
                key,
                value: item.value,
            }),
        }
    }
    context
}

#[cfg(test)]
mod tests;
