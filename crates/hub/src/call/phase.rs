//! Where a call is: its [`Phase`], the media [`Leg`]s of its parties, the consultation it
//! may hold. Plain data: the machine (`machine.rs`) moves a call from one phase to the next.

use std::time::Instant;

use switchboard_protocol::{CallOutcome, Id, Party};
use time::OffsetDateTime;

use crate::media::LegId;

pub type AgentId = Id;
pub type CallId = Id;
pub type GroupId = Id;

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
    pub(in crate::call) fn colleague(&self) -> Option<Leg> {
        match self.stage {
            Stage::Talking { colleague, .. } => Some(colleague),
            _ => None,
        }
    }

    pub(in crate::call) fn deadline(&self) -> Option<Instant> {
        match self.stage {
            Stage::Ringing { deadline, .. } | Stage::Dialing { deadline, .. } => Some(deadline),
            Stage::Queued { .. } | Stage::Talking { .. } => None,
        }
    }

    pub(in crate::call) fn offered(&self) -> &[AgentId] {
        match &self.stage {
            Stage::Queued { offered, .. } => offered,
            _ => &[],
        }
    }

    pub(in crate::call) fn involves(&self, agent: AgentId) -> bool {
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
