//! Table tests of the call machine: each transition and each refusal, with no sockets and no
//! runtime. Each case starts from a phase reached by inputs, feeds one more, and checks what
//! the parties see, what goes on record, who hears whom and who is on a call.

#![allow(clippy::unwrap_used)]

mod agents;
mod consultations;
mod numbers;
mod queues;
mod records;
mod transfers;

use std::time::{Duration, Instant};

use switchboard_protocol::{CallOutcome, CallState, ContextItem, Party};
use time::OffsetDateTime;

use super::*;
use crate::call::topology::Recorded;

const ACCOUNT: Id = 7;
const CALL: CallId = 100;
const CONSULT: CallId = 101;
const ANA: AgentId = 1;
const BEN: AgentId = 2;
const CY: AgentId = 3;
const DEE: AgentId = 4;
const SALES: GroupId = 50;
const SUPPORT: GroupId = 51;
const ANA_LEG: LegId = 11;
const BEN_LEG: LegId = 12;
const CY_LEG: LegId = 13;
const DEE_LEG: LegId = 14;
const CUSTOMER_LEG: LegId = 20;
const PARTNER_LEG: LegId = 21;
const RING: Duration = Duration::from_secs(30);
const DIAL: Duration = Duration::from_secs(60);
const CUSTOMER: &str = "+14155550100";
const PARTNER: &str = "+14155550199";

fn name(agent: AgentId) -> &'static str {
    match agent {
        ANA => "Ana",
        BEN => "Ben",
        CY => "Cy",
        _ => "Dee",
    }
}

fn leg(agent: AgentId) -> LegId {
    match agent {
        ANA => ANA_LEG,
        BEN => BEN_LEG,
        CY => CY_LEG,
        _ => DEE_LEG,
    }
}

fn settings(record_calls: bool) -> Settings {
    Settings {
        ring_timeout: RING,
        dial_timeout: DIAL,
        record_calls,
    }
}

/// A call under test, and its clock.
struct Case {
    m: Machine,
    start: Instant,
    now: Duration,
}

impl Case {
    fn now(&self) -> Now {
        Now {
            at: self.start + self.now,
            wall: OffsetDateTime::UNIX_EPOCH + self.now,
        }
    }

    /// Ana calls Ben: it rings at his desk.
    fn ana_calls_ben() -> Self {
        let start = Instant::now();
        let now = Now {
            at: start,
            wall: OffsetDateTime::UNIX_EPOCH,
        };
        let m = Machine::internal(
            CALL,
            ACCOUNT,
            settings(false),
            (ANA, "Ana".into(), ANA_LEG),
            (BEN, "Ben".into()),
            now,
        );
        Self {
            m,
            start,
            now: Duration::ZERO,
        }
    }

    /// A customer calls in; with `record`, the account records calls. In the flow.
    fn customer(record: bool) -> Self {
        let m = Machine::inbound(
            CALL,
            ACCOUNT,
            settings(record),
            Party::phone(CUSTOMER, "Grace"),
            CUSTOMER_LEG,
            "+14155550000".into(),
        );
        Self {
            m,
            start: Instant::now(),
            now: Duration::ZERO,
        }
    }

    /// The customer waits in Sales.
    fn queued(record: bool) -> Self {
        let mut case = Self::customer(record);
        case.ok(Input::FlowEnded(FlowEnd::Queue {
            group: SALES,
            name: "Sales".into(),
        }));
        case
    }

    /// The customer talks with `agent`, who took the call from Sales.
    fn with(agent: AgentId, record: bool) -> Self {
        let mut case = Self::queued(record);
        case.ok(Input::Offered {
            call: CALL,
            agents: vec![agent],
        });
        case.accept(CALL, agent);
        case
    }

    /// Ana consults `to` about the customer's call (the consultation rings, waits or dials).
    fn consulting(to: Target, record: bool) -> Self {
        let mut case = Self::with(ANA, record);
        case.ok(Input::Consult {
            call: CALL,
            agent: ANA,
            to,
            id: CONSULT,
        });
        case
    }

    /// Ana consults Ben, who answered.
    fn consulting_ben(record: bool) -> Self {
        let mut case = Self::consulting(agent(BEN), record);
        case.ok(Input::Accept {
            call: CONSULT,
            agent: BEN,
            name: "Ben".into(),
            media: BEN_LEG,
        });
        case
    }

    fn later(&mut self, by: Duration) -> &mut Self {
        self.now += by;
        self
    }

    fn step(&mut self, input: Input) -> Result<Vec<Effect>, Refusal> {
        let now = self.now();
        self.m.handle(input, now)
    }

    #[track_caller]
    fn ok(&mut self, input: Input) -> Vec<Effect> {
        match self.step(input.clone()) {
            Ok(effects) => effects,
            Err(refusal) => panic!("{input:?} was refused: {refusal:?} in {:?}", self.m.phase),
        }
    }

    #[track_caller]
    fn refused(&mut self, input: Input) -> Refusal {
        let before = (self.m.phase.clone(), self.m.version, self.m.snapshots());
        match self.step(input.clone()) {
            Ok(effects) => panic!("{input:?} was taken: {effects:?}"),
            Err(refusal) => {
                assert_eq!(
                    (self.m.phase.clone(), self.m.version, self.m.snapshots()),
                    before,
                    "a refusal changes nothing"
                );
                refusal
            }
        }
    }

    /// `agent` takes the call `call`, answering the router's question if it asks.
    #[track_caller]
    fn accept(&mut self, call: CallId, agent: AgentId) -> Vec<Effect> {
        let mut effects = self.ok(Input::Accept {
            call,
            agent,
            name: name(agent).into(),
            media: leg(agent),
        });
        if effects.contains(&Effect::Ask(Question::Claim { call, agent })) {
            effects = self.ok(Input::Claimed { granted: true });
        }
        effects
    }

    fn main(&self) -> switchboard_protocol::Call {
        self.m.snapshot(CALL).unwrap()
    }

    fn consult(&self) -> switchboard_protocol::Call {
        self.m.snapshot(CONSULT).unwrap()
    }
}

fn agent(id: AgentId) -> Target {
    Target::Agent {
        id,
        name: name(id).into(),
    }
}

fn sales() -> Target {
    Target::Group {
        id: SALES,
        name: "Sales".into(),
    }
}

fn partner() -> Target {
    Target::Number {
        party: Party::phone(PARTNER, "Northwind"),
        dial: Dial {
            number: PARTNER.into(),
            caller_id: Some("+14155550000".into()),
        },
    }
}

fn stored(effects: &[Effect]) -> Vec<&Change> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Store(change) => Some(change),
            _ => None,
        })
        .collect()
}
