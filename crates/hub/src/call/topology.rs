//! What follows from a call's phase, so that no transition writes it by hand: who hears
//! whom at the media bridge, who hears music, what is recorded and whether that is paused
//! ([`Topology`]); which agents are on a call ([`Machine::on_call`]); which dialogs with the
//! phone network the call keeps ([`Machine::dialogs`]).

use switchboard_protocol::Id;

use super::machine::{AgentId, DialogId, Leg, Machine, Phase, Stage};
use crate::media::LegId;

/// The media of a call at one moment. The call's task compares two and sends the bridge
/// only the difference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topology {
    /// Every leg the call keeps (a leg not here any more is removed).
    pub legs: Vec<LegId>,
    /// Legs that hear each other, two by two.
    pub pairs: Vec<(LegId, LegId)>,
    /// Legs that all hear each other (a three-way call); empty when none.
    pub conference: Vec<LegId>,
    /// Legs that hear music and are not heard.
    pub held: Vec<LegId>,
    pub recording: Option<Recorded>,
}

/// A recorded call's media: the customer's side, and the agents' side (whoever the customer
/// talks with now; none while they wait).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub call: Id,
    pub customer: LegId,
    pub agent: Option<LegId>,
    /// Paused by an agent, or while the agents talk among themselves (consulting).
    pub paused: bool,
}

impl Machine {
    pub fn topology(&self) -> Topology {
        let mut topology = Topology::default();
        let media = |legs: &[Leg]| legs.iter().map(|leg| leg.media()).collect::<Vec<_>>();
        match &self.phase {
            Phase::InFlow { caller } | Phase::Voicemail { caller, .. } => {
                topology.legs = media(&[*caller]);
            }
            Phase::Queued { waiting, .. }
            | Phase::Ringing { waiting, .. }
            | Phase::Dialing { waiting, .. } => {
                topology.legs = media(&[*waiting]);
                // A caller from the phone network, or a party handed on, waits with music; an
                // agent placing a call does not.
                if matches!(waiting, Leg::Phone { .. }) || self.transferred_by.is_some() {
                    topology.held.push(waiting.media());
                }
            }
            Phase::Connected { from, to, held_by } => {
                topology.legs = media(&[*from, *to]);
                topology.pairs.push((from.media(), to.media()));
                if let Some(holder) = held_by {
                    let held = if from.agent() == Some(*holder) {
                        to
                    } else {
                        from
                    };
                    topology.held.push(held.media());
                }
            }
            Phase::Consulting { talk, consult } => {
                topology.legs = media(&[talk.from, talk.to]);
                topology.held.push(talk.theirs().media());
                if let Stage::Talking { colleague, held_by } = consult.stage {
                    topology.legs.push(colleague.media());
                    topology
                        .pairs
                        .push((talk.mine().media(), colleague.media()));
                    match held_by {
                        Some(holder) if holder == talk.by => topology.held.push(colleague.media()),
                        Some(_) => topology.held.push(talk.mine().media()),
                        None => {}
                    }
                }
            }
            Phase::ThreeWay { talk, consult } => {
                topology.legs = media(&[talk.from, talk.to]);
                if let Stage::Talking { colleague, .. } = consult.stage {
                    topology.legs.push(colleague.media());
                    topology.conference = vec![
                        talk.theirs().media(),
                        talk.mine().media(),
                        colleague.media(),
                    ];
                }
            }
            Phase::Ended { .. } => {}
        }
        topology.recording = self.recorded();
        topology
    }

    fn recorded(&self) -> Option<Recorded> {
        let recording = self.recording?;
        let customer = recording.customer;
        let (agent, consulting) = match &self.phase {
            Phase::Connected { from, to, .. } => {
                let other = if from.media() == customer { to } else { from };
                (Some(other.media()), false)
            }
            Phase::Consulting { talk, .. } => (Some(talk.mine().media()), true),
            Phase::ThreeWay { talk, .. } => (Some(talk.mine().media()), false),
            Phase::Queued { .. } | Phase::Ringing { .. } | Phase::Dialing { .. } => (None, false),
            Phase::InFlow { .. } | Phase::Voicemail { .. } | Phase::Ended { .. } => return None,
        };
        Some(Recorded {
            call: self.id,
            customer,
            agent,
            paused: recording.paused || consulting,
        })
    }

    /// The agents on a call because of this one (their presence says "On a call").
    pub fn on_call(&self) -> Vec<AgentId> {
        let mut legs = match &self.phase {
            // A party handed on waits in the call they were on.
            Phase::Queued { waiting, .. }
            | Phase::Ringing { waiting, .. }
            | Phase::Dialing { waiting, .. }
                if self.transferred_by.is_some() =>
            {
                vec![*waiting]
            }
            Phase::Connected { from, to, .. } => vec![*from, *to],
            Phase::Consulting { talk, consult } | Phase::ThreeWay { talk, consult } => {
                let mut legs = vec![talk.from, talk.to];
                if let Stage::Talking { colleague, .. } = consult.stage {
                    legs.push(colleague);
                }
                legs
            }
            _ => Vec::new(),
        }
        .into_iter()
        .filter_map(Leg::agent)
        .collect::<Vec<_>>();
        legs.sort_unstable();
        legs.dedup();
        legs
    }

    /// The dialogs with the phone network the call keeps: any other it had is hung up (or,
    /// still ringing, cancelled).
    pub fn dialogs(&self) -> Vec<DialogId> {
        let mut dialogs: Vec<DialogId> = self
            .main_legs()
            .into_iter()
            .filter_map(Leg::dialog)
            .collect();
        match &self.phase {
            Phase::Dialing { dialog, .. } => dialogs.push(*dialog),
            Phase::Consulting { consult, .. } | Phase::ThreeWay { consult, .. } => {
                match consult.stage {
                    Stage::Dialing { dialog, .. } => dialogs.push(dialog),
                    Stage::Talking { colleague, .. } => dialogs.extend(colleague.dialog()),
                    Stage::Ringing { .. } | Stage::Queued { .. } => {}
                }
            }
            _ => {}
        }
        dialogs
    }
}
