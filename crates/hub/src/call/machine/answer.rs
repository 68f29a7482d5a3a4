//! Answering a call: an agent takes it (a ring group's offer is the router's to give) or
//! declines it; a call not taken where it rang comes back, or ends.

use switchboard_protocol::{CallOutcome, Party, Returned};

use super::{
    AgentId, CallId, Change, Effect, Leg, Machine, Now, Pending, Phase, Question, Recording,
    Refusal, Route, Stage, Which,
};
use crate::media::LegId;

impl Machine {
    pub(super) fn accept(
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

    pub(super) fn ask_claim(
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
    pub(super) fn claimed(
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
    pub(super) fn connect(&mut self, waiting: Leg, new: Leg) {
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
    pub(super) fn consult_answered(&mut self, colleague: Leg, taker: Option<Party>) {
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

    pub(super) fn decline(
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
    pub(super) fn not_taken(&mut self, outcome: CallOutcome, now: Now, fx: &mut Vec<Effect>) {
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

    pub(super) fn come_back(
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
}
