//! What a call's parties see: the machine projected onto the wire's [`Call`], the only place
//! that writes its fields; and who sees each snapshot.

use switchboard_protocol::{Call, CallState, Id};

use super::machine::{Consult, Machine, Phase, Stage};

impl Machine {
    /// The call, its consultation (live or last) as their parties see them now.
    pub fn snapshots(&self) -> Vec<Call> {
        let mut calls = self.projections();
        for call in &mut calls {
            call.version = self.version;
        }
        calls
    }

    /// The snapshot of the call `id` names (a consultation completed into it names it).
    pub fn snapshot(&self, id: Id) -> Option<Call> {
        let id = if self.merged.contains(&id) {
            self.id
        } else {
            id
        };
        self.snapshots().into_iter().find(|call| call.id == id)
    }

    /// The snapshots without their version, to tell whether anything changed.
    pub(in crate::call) fn projections(&self) -> Vec<Call> {
        let mut calls = vec![self.project()];
        match self.consult() {
            Some(consult) => calls
                .push(self.project_consult(consult, matches!(self.phase, Phase::ThreeWay { .. }))),
            None => calls.extend(self.ended_consult.as_ref().map(|c| c.call.clone())),
        }
        calls
    }

    fn project(&self) -> Call {
        let mut call = Call::ringing(self.id, self.from.clone(), self.to.clone());
        call.state = match &self.phase {
            Phase::InFlow { .. }
            | Phase::Queued { .. }
            | Phase::Ringing { .. }
            | Phase::Dialing { .. }
            | Phase::Voicemail { .. } => CallState::Ringing,
            Phase::Connected { held_by: None, .. } | Phase::ThreeWay { .. } => CallState::Live,
            Phase::Connected {
                held_by: Some(_), ..
            }
            | Phase::Consulting { .. } => CallState::Held,
            Phase::Ended { .. } => CallState::Ended,
        };
        match &self.phase {
            Phase::Ended { outcome } => call.outcome = Some(*outcome),
            Phase::Connected { held_by, .. } => call.held_by = *held_by,
            Phase::Consulting { talk, consult } => {
                call.held_by = Some(talk.by);
                call.consult = Some(consult.id);
            }
            Phase::ThreeWay { consult, .. } => {
                call.consult = Some(consult.id);
                call.conference = true;
            }
            Phase::Queued { offered, .. } => call.offered_to = offered.clone(),
            Phase::Dialing { alerting, .. } => call.alerting = *alerting,
            Phase::InFlow { .. } | Phase::Ringing { .. } | Phase::Voicemail { .. } => {}
        }
        call.transferred_by = self.transferred_by.clone();
        call.returned = self.returned.clone();
        call.dialled = self.dialled.clone();
        call.ring_group = self.group.as_ref().map(|(_, name)| name.clone());
        call.waiting_since = self.waiting_since;
        call.context = self.context.clone();
        call.identity = self.identity.clone();
        call.recording = self.recording.map(|recording| {
            if recording.paused {
                switchboard_protocol::Recording::Paused
            } else {
                switchboard_protocol::Recording::Recording
            }
        });
        call
    }

    /// A consultation as its parties see it; in a three-way call the colleague is on the
    /// customer's call (recorded or not).
    pub(in crate::call) fn project_consult(&self, consult: &Consult, three_way: bool) -> Call {
        let mut call = Call::ringing(consult.id, consult.from.clone(), consult.to.clone());
        call.consult_of = Some(self.id);
        call.context = self.context.clone();
        call.ring_group = consult.group.as_ref().map(|(_, name)| name.clone());
        call.waiting_since = consult.waiting_since;
        match &consult.stage {
            Stage::Ringing { .. } => {}
            Stage::Queued { offered, .. } => call.offered_to = offered.clone(),
            Stage::Dialing { alerting, .. } => call.alerting = *alerting,
            Stage::Talking { held_by, .. } => {
                call.state = if held_by.is_some() {
                    CallState::Held
                } else {
                    CallState::Live
                };
                call.held_by = *held_by;
            }
        }
        if three_way {
            call.conference = true;
            call.recording = self.project().recording;
        }
        call
    }
}

/// The agents who see a snapshot: its two parties and those it is offered to.
pub fn audience(call: &Call) -> impl Iterator<Item = Id> + '_ {
    [call.from.agent_id, call.to.agent_id]
        .into_iter()
        .flatten()
        .chain(call.offered_to.iter().copied())
}
