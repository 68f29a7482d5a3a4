//! Handing a call on: blind transfers (F-25) and consultations — completed, cancelled
//! or joined into a three-way call.

use switchboard_protocol::{CallOutcome, Party};

use super::{
    AgentId, CallId, Change, Consult, Effect, Leg, Machine, Now, PastConsult, Phase, Refusal,
    Route, Stage, Talk, Target, Which,
};

impl Machine {
    /// The legs of a connected call `agent` controls (it is live, or they put it on hold):
    /// theirs (the other party's) and their own.
    pub(super) fn controlled_by(&self, agent: AgentId) -> Result<(Leg, Leg), Refusal> {
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

    /// Whether the call may be handed to `to`: not to one of its parties, and only a
    /// customer who called in waits in a queue. (Anyone may be consulted but the parties.)
    pub(super) fn may_go_to(&self, to: &Target, consulting: bool) -> Result<(), Refusal> {
        let customer = self.from.number.is_some() && self.from.agent_id.is_none();
        match to {
            Target::Agent { id, .. } if self.involves(*id) => Err(Refusal::OnTheCall),
            Target::Group { .. } if !consulting && !customer => Err(Refusal::NotACustomersCall),
            _ => Ok(()),
        }
    }

    /// Blind transfer (F-25): the other party waits, with music, while the call rings at
    /// another agent, waits in a ring group, or is dialled out; the transferring agent leaves.
    pub(super) fn transfer(
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
        self.may_go_to(&to, false)?;
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
        self.may_go_to(to, true)?;
        match self.controlled_by(agent) {
            Err(Refusal::Consulting | Refusal::ThreeWay) => Err(Refusal::AlreadyConsulting),
            Err(refusal) => Err(refusal),
            Ok(_) => Ok(()),
        }
    }

    /// Consult (warm) transfer: the other party waits on hold while the agent calls a
    /// colleague, a ring group's first taker, or an outside number, on their own leg.
    pub(super) fn start_consult(
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
    pub(super) fn consulting_agent(&self, call: CallId, agent: AgentId) -> Result<(), Refusal> {
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
    pub(super) fn complete(&mut self, agent: AgentId, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
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
    pub(super) fn end_consult_resuming(
        &mut self,
        outcome: Option<CallOutcome>,
        fx: &mut Vec<Effect>,
    ) {
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
    pub(super) fn close_consult(
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

    pub(super) fn three_way(&mut self, call: CallId, agent: AgentId) -> Result<(), Refusal> {
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
}
