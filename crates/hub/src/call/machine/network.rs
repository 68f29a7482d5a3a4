//! What a call hears from outside its agents: the router's offers and overflows, the phone
//! network's dialogs, the call flow, the media bridge and the clock.

use std::time::Instant;

use switchboard_protocol::{CallOutcome, Party};

use super::{
    AgentId, CALLER_DIALOG, CallId, Change, Consult, DialogId, Effect, FlowEnd, GroupId, Leg,
    Machine, Now, Phase, QUEUE_VOICEMAIL_MAX, Route, Stage, Which,
};
use crate::media::LegId;

impl Machine {
    /// Changes who the call `call` (or its consultation) is offered to, while it waits.
    pub(super) fn offers(
        &mut self,
        call: CallId,
        change: impl FnOnce(&mut Vec<AgentId>, &mut Vec<AgentId>),
    ) {
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

    pub(super) fn overflowed(&mut self, call: CallId, group: GroupId, name: String) {
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
    pub(super) fn overflow_to_voicemail(&mut self, call: CallId, fx: &mut Vec<Effect>) {
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
            Some(Which::Consult)
                if self
                    .consult()
                    .is_some_and(|c| matches!(c.stage, Stage::Queued { .. })) =>
            {
                self.end_consult_resuming(Some(CallOutcome::NoAnswer), fx);
            }
            _ => {}
        }
    }

    // The phone network.

    pub(super) fn far_end_answered(
        &mut self,
        dialog: DialogId,
        media: LegId,
        fx: &mut Vec<Effect>,
    ) {
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

    pub(super) fn far_end_failed(
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

    pub(super) fn far_end_hung_up(&mut self, dialog: DialogId, fx: &mut Vec<Effect>) {
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

    pub(super) fn flow_ended(&mut self, end: FlowEnd, now: Now, fx: &mut Vec<Effect>) {
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
    pub(super) fn leg_ended(&mut self, media: LegId, fx: &mut Vec<Effect>) {
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

    pub(super) fn deadline(&mut self, now: Now, fx: &mut Vec<Effect>) {
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
}
