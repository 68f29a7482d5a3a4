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

use switchboard_protocol::{CallOutcome, ContextItem, Id, Identity, Party, Returned};
use time::OffsetDateTime;

pub use super::input::{
    Change, Dial, Effect, FlowEnd, Input, Now, Question, Refusal, Route, Target,
};
pub use super::phase::{
    AgentId, CALLER_DIALOG, CallId, Consult, DialogId, GroupId, Leg, PastConsult, Phase, Recording,
    Stage, Talk,
};
use crate::media::LegId;

mod answer;
mod network;
mod transfer;

/// Most pieces of Context one call keeps.
pub const MAX_CONTEXT_ITEMS: usize = 50;

/// How long a caller waiting in a queue that overflows to voicemail may speak.
pub const QUEUE_VOICEMAIL_MAX: Duration = Duration::from_secs(120);

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
                self.overflow_to_voicemail(call, fx);
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
