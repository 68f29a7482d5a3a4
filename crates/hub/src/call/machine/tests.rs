//! Table tests of the call machine: each transition and each refusal, with no sockets and no
//! runtime. Each case starts from a phase reached by inputs, feeds one more, and checks what
//! the parties see, what goes on record, who hears whom and who is on a call.

#![allow(clippy::unwrap_used)]

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

// Calls between agents.

#[test]
fn a_colleagues_call_rings_at_their_desk_until_they_answer() {
    let mut case = Case::ana_calls_ben();
    let call = case.main();
    assert_eq!(call.state, CallState::Ringing);
    assert!(call.rings_at(BEN));
    assert_eq!(call.version, 1);
    assert_eq!(case.m.next_deadline(), Some(case.start + RING));
    // Ana places it: she hears no music and is not on a call yet.
    assert!(case.m.topology().held.is_empty());
    assert!(case.m.on_call().is_empty());

    let effects = case.accept(CALL, BEN);
    assert_eq!(
        stored(&effects),
        [&Change::Answered {
            call: CALL,
            agent: Some(BEN)
        }]
    );
    let call = case.main();
    assert_eq!((call.state, call.version), (CallState::Live, 2));
    assert_eq!(case.m.topology().pairs, [(ANA_LEG, BEN_LEG)]);
    assert_eq!(case.m.on_call(), [ANA, BEN]);
    assert_eq!(case.m.next_deadline(), None);
}

#[test]
fn only_the_callee_answers_and_only_while_it_rings() {
    let mut case = Case::ana_calls_ben();
    assert_eq!(
        case.refused(Input::Accept {
            call: CALL,
            agent: ANA,
            name: "Ana".into(),
            media: ANA_LEG,
        }),
        Refusal::Forbidden,
        "the caller answering her own call"
    );
    assert_eq!(
        case.refused(Input::Accept {
            call: CALL,
            agent: CY,
            name: "Cy".into(),
            media: CY_LEG,
        }),
        Refusal::NotFound,
        "an agent it never rang at does not see it"
    );
    assert_eq!(
        case.refused(Input::Accept {
            call: 999,
            agent: BEN,
            name: "Ben".into(),
            media: BEN_LEG,
        }),
        Refusal::NotFound
    );
    case.accept(CALL, BEN);
    assert_eq!(
        case.refused(Input::Accept {
            call: CALL,
            agent: BEN,
            name: "Ben".into(),
            media: 99,
        }),
        Refusal::NoLongerRinging,
        "answering twice"
    );
}

#[test]
fn a_declined_call_ends_as_declined() {
    let mut case = Case::ana_calls_ben();
    let effects = case.ok(Input::Decline {
        call: CALL,
        agent: BEN,
    });
    assert_eq!(
        stored(&effects),
        [&Change::Ended {
            call: CALL,
            outcome: CallOutcome::Declined
        }]
    );
    assert_eq!(case.main().outcome, Some(CallOutcome::Declined));
    assert!(case.m.is_over());
    assert!(case.m.topology().legs.is_empty(), "Ana's leg goes");
}

#[test]
fn a_call_nobody_answers_ends_as_no_answer_at_the_ring_timeout() {
    let mut case = Case::ana_calls_ben();
    case.later(RING - Duration::from_secs(1));
    case.ok(Input::Deadline);
    assert_eq!(case.main().state, CallState::Ringing, "not yet");
    case.later(Duration::from_secs(1));
    case.ok(Input::Deadline);
    assert_eq!(case.main().outcome, Some(CallOutcome::NoAnswer));
}

#[test]
fn the_caller_hanging_up_while_it_rings_cancels_it() {
    let mut case = Case::ana_calls_ben();
    case.ok(Input::HangUp {
        call: CALL,
        agent: ANA,
    });
    assert_eq!(case.main().outcome, Some(CallOutcome::Cancelled));
}

#[test]
fn either_party_hanging_up_a_connected_call_completes_it() {
    for who in [ANA, BEN] {
        let mut case = Case::ana_calls_ben();
        case.accept(CALL, BEN);
        case.ok(Input::HangUp {
            call: CALL,
            agent: who,
        });
        assert_eq!(case.main().outcome, Some(CallOutcome::Completed));
        assert!(case.m.on_call().is_empty());
        assert!(case.m.topology().legs.is_empty());
    }
}

#[test]
fn a_dropped_leg_ends_the_call_as_failed_and_an_unknown_one_changes_nothing() {
    let mut case = Case::ana_calls_ben();
    case.accept(CALL, BEN);
    let version = case.m.version;
    case.ok(Input::LegEnded { media: 999 });
    assert_eq!(case.m.version, version);
    case.ok(Input::LegEnded { media: BEN_LEG });
    assert_eq!(case.main().outcome, Some(CallOutcome::Failed));
}

// Hold.

#[test]
fn hold_is_the_holders_to_take_off() {
    let mut case = Case::ana_calls_ben();
    case.accept(CALL, BEN);
    case.ok(Input::Hold {
        call: CALL,
        agent: BEN,
    });
    let call = case.main();
    assert_eq!((call.state, call.held_by), (CallState::Held, Some(BEN)));
    assert_eq!(case.m.topology().held, [ANA_LEG], "Ana hears music");
    assert_eq!(case.m.on_call(), [ANA, BEN], "both still on a call");
    assert_eq!(
        case.refused(Input::Hold {
            call: CALL,
            agent: BEN
        }),
        Refusal::OnHold
    );
    assert_eq!(
        case.refused(Input::Hold {
            call: CALL,
            agent: ANA
        }),
        Refusal::OnHold
    );
    assert_eq!(
        case.refused(Input::Resume {
            call: CALL,
            agent: ANA
        }),
        Refusal::HeldByOther
    );
    case.ok(Input::Resume {
        call: CALL,
        agent: BEN,
    });
    assert_eq!(case.main().state, CallState::Live);
    assert!(case.m.topology().held.is_empty());
    assert_eq!(
        case.refused(Input::Resume {
            call: CALL,
            agent: BEN
        }),
        Refusal::NotOnHold
    );
}

#[test]
fn a_call_that_is_not_connected_cannot_be_held_or_handed_on() {
    let mut case = Case::ana_calls_ben();
    for input in [
        Input::Hold {
            call: CALL,
            agent: ANA,
        },
        Input::Transfer {
            call: CALL,
            agent: ANA,
            to: agent(CY),
        },
        Input::Consult {
            call: CALL,
            agent: ANA,
            to: agent(CY),
            id: CONSULT,
        },
    ] {
        assert_eq!(case.refused(input), Refusal::NotConnected);
    }
}

// Ring groups.

#[test]
fn a_caller_waits_in_the_queue_with_music_and_rings_where_offered() {
    let mut case = Case::customer(false);
    assert!(case.m.in_flow());
    assert_eq!(case.m.dialogs(), [CALLER_DIALOG]);
    let effects = case.ok(Input::FlowEnded(FlowEnd::Queue {
        group: SALES,
        name: "Sales".into(),
    }));
    assert_eq!(
        effects,
        [Effect::Route(Route::Enqueue {
            call: CALL,
            group: SALES
        })]
    );
    assert!(!case.m.in_flow());
    assert_eq!(case.m.topology().held, [CUSTOMER_LEG]);
    let call = case.main();
    assert_eq!(call.ring_group.as_deref(), Some("Sales"));
    assert!(call.waiting_since.is_some());
    case.ok(Input::Offered {
        call: CALL,
        agents: vec![ANA, BEN],
    });
    assert!(case.main().rings_at(ANA) && case.main().rings_at(BEN));
    case.ok(Input::Withdrawn {
        call: CALL,
        agents: vec![BEN],
    });
    assert_eq!(case.main().offered_to, [ANA]);
}

#[test]
fn the_router_decides_who_of_a_ring_all_group_takes_the_call() {
    let mut case = Case::queued(false);
    case.ok(Input::Offered {
        call: CALL,
        agents: vec![ANA, BEN],
    });
    let asked = case.ok(Input::Accept {
        call: CALL,
        agent: BEN,
        name: "Ben".into(),
        media: BEN_LEG,
    });
    assert_eq!(
        asked,
        [Effect::Ask(Question::Claim {
            call: CALL,
            agent: BEN
        })]
    );
    assert_eq!(
        case.main().state,
        CallState::Ringing,
        "until the router says"
    );
    case.ok(Input::Claimed { granted: true });
    let call = case.main();
    assert_eq!(call.state, CallState::Live);
    assert_eq!(call.to, Party::agent(BEN, "Ben"));
    assert!(call.offered_to.is_empty() && call.waiting_since.is_none());
    assert_eq!(case.m.topology().pairs, [(CUSTOMER_LEG, BEN_LEG)]);
    assert!(case.m.topology().held.is_empty(), "the music stops");
    // Ana was a step too late.
    assert_eq!(
        case.refused(Input::Accept {
            call: CALL,
            agent: ANA,
            name: "Ana".into(),
            media: ANA_LEG,
        }),
        Refusal::NoLongerRinging
    );
}

#[test]
fn an_accept_the_router_refuses_is_no_longer_ringing_and_changes_nothing() {
    let mut case = Case::queued(false);
    case.ok(Input::Offered {
        call: CALL,
        agents: vec![ANA],
    });
    let version = case.m.version;
    case.ok(Input::Accept {
        call: CALL,
        agent: ANA,
        name: "Ana".into(),
        media: ANA_LEG,
    });
    assert_eq!(
        case.step(Input::Claimed { granted: false }),
        Err(Refusal::NoLongerRinging)
    );
    assert_eq!(case.m.version, version);
    assert_eq!(
        case.main().offered_to,
        [ANA],
        "the router's withdrawal says"
    );
    // The question was answered: the next input is an input again.
    case.ok(Input::Withdrawn {
        call: CALL,
        agents: vec![ANA],
    });
    assert!(case.main().offered_to.is_empty());
}

#[test]
fn an_offered_agent_who_declines_stops_ringing_and_the_caller_waits_on() {
    let mut case = Case::queued(false);
    case.ok(Input::Offered {
        call: CALL,
        agents: vec![ANA],
    });
    let effects = case.ok(Input::Decline {
        call: CALL,
        agent: ANA,
    });
    assert_eq!(
        effects,
        [Effect::Route(Route::Decline {
            call: CALL,
            agent: ANA
        })]
    );
    assert!(!case.main().rings_at(ANA));
    assert_eq!(case.main().state, CallState::Ringing);
}

#[test]
fn an_offered_agent_accepts_or_declines_rather_than_hanging_up() {
    let mut case = Case::queued(false);
    case.ok(Input::Offered {
        call: CALL,
        agents: vec![ANA],
    });
    assert_eq!(
        case.refused(Input::HangUp {
            call: CALL,
            agent: ANA
        }),
        Refusal::OfferedToYou
    );
    assert_eq!(
        case.refused(Input::HangUp {
            call: CALL,
            agent: BEN
        }),
        Refusal::NotFound
    );
}

#[test]
fn a_queue_that_overflows_moves_the_caller_or_takes_a_message() {
    let mut case = Case::queued(false);
    case.ok(Input::Overflowed {
        call: CALL,
        group: SUPPORT,
        name: "Support".into(),
    });
    assert_eq!(case.main().ring_group.as_deref(), Some("Support"));
    let effects = case.ok(Input::ToVoicemail { call: CALL });
    assert_eq!(
        effects,
        [Effect::Voicemail {
            prompt: None,
            max: QUEUE_VOICEMAIL_MAX
        }]
    );
    assert!(
        case.m.topology().held.is_empty(),
        "the caller hears the greeting"
    );
    assert_eq!(case.m.dialogs(), [CALLER_DIALOG]);
    // They hang up while speaking: what they said is kept, then the call ends.
    assert_eq!(
        case.ok(Input::FarEndHungUp {
            dialog: CALLER_DIALOG
        }),
        [Effect::StopVoicemail]
    );
    assert_eq!(case.main().state, CallState::Ringing);
    case.ok(Input::VoicemailSaved);
    assert_eq!(case.main().outcome, Some(CallOutcome::Voicemail));
}

#[test]
fn a_caller_who_hangs_up_while_waiting_abandons_the_queue() {
    let mut case = Case::queued(false);
    let effects = case.ok(Input::FarEndHungUp {
        dialog: CALLER_DIALOG,
    });
    assert_eq!(
        effects,
        [
            Effect::Route(Route::Abandon { call: CALL }),
            Effect::Store(Change::Ended {
                call: CALL,
                outcome: CallOutcome::Cancelled
            })
        ]
    );
    assert!(case.m.dialogs().is_empty());
}

#[test]
fn a_caller_who_hangs_up_in_the_flow_cancels_and_the_flow_stops() {
    let mut case = Case::customer(false);
    case.ok(Input::FarEndHungUp {
        dialog: CALLER_DIALOG,
    });
    assert_eq!(case.main().outcome, Some(CallOutcome::Cancelled));
    assert!(!case.m.in_flow());
}

#[test]
fn a_flow_gathers_context_then_ends_in_voicemail_or_a_hang_up() {
    let mut case = Case::customer(false);
    let effects = case.ok(Input::FlowContext(vec![ContextItem {
        key: "choice".into(),
        value: "2".into(),
    }]));
    assert_eq!(
        effects,
        [Effect::Store(Change::Context(vec![ContextItem {
            key: "choice".into(),
            value: "2".into()
        }]))]
    );
    let mut voicemail = Case::customer(false);
    let effects = voicemail.ok(Input::FlowEnded(FlowEnd::Voicemail {
        prompt: Some("after-hours".into()),
        max: Duration::from_secs(60),
    }));
    assert!(matches!(
        &effects[..],
        [Effect::Voicemail {
            prompt: Some(_),
            ..
        }]
    ));
    case.ok(Input::FlowEnded(FlowEnd::Hangup));
    assert_eq!(case.main().outcome, Some(CallOutcome::Completed));
    assert!(case.m.dialogs().is_empty(), "the caller gets a BYE");
}

// Outside numbers.

#[test]
fn an_outside_number_is_dialled_rings_and_connects() {
    let start = Instant::now();
    let now = Now {
        at: start,
        wall: OffsetDateTime::UNIX_EPOCH,
    };
    let (m, effects) = Machine::outbound(
        CALL,
        ACCOUNT,
        settings(true),
        (ANA, "Ana".into(), ANA_LEG),
        Party::phone(PARTNER, PARTNER),
        Dial {
            number: PARTNER.into(),
            caller_id: None,
        },
        now,
    );
    let mut case = Case {
        m,
        start,
        now: Duration::ZERO,
    };
    let dialog = DialogId(1);
    assert!(matches!(&effects[..], [Effect::Dial { dialog: d, .. }] if *d == dialog));
    assert_eq!(case.m.dialogs(), [dialog]);
    assert_eq!(case.m.next_deadline(), Some(start + DIAL));
    case.ok(Input::FarEndAlerting { dialog });
    assert!(case.main().alerting);
    // An answer on a dialog the call does not have changes nothing.
    case.ok(Input::FarEndAnswered {
        dialog: DialogId(9),
        media: 77,
    });
    assert_eq!(case.main().state, CallState::Ringing);
    let effects = case.ok(Input::FarEndAnswered {
        dialog,
        media: PARTNER_LEG,
    });
    assert_eq!(
        stored(&effects),
        [&Change::Answered {
            call: CALL,
            agent: None
        }]
    );
    let call = case.main();
    assert_eq!((call.state, call.alerting), (CallState::Live, false));
    let topology = case.m.topology();
    assert_eq!(topology.pairs, [(ANA_LEG, PARTNER_LEG)]);
    assert_eq!(
        topology.recording,
        Some(Recorded {
            call: CALL,
            customer: PARTNER_LEG,
            agent: Some(ANA_LEG),
            paused: false
        }),
        "a call with the phone network is recorded"
    );
    assert_eq!(case.m.on_call(), [ANA]);
    case.ok(Input::FarEndHungUp { dialog });
    assert_eq!(case.main().outcome, Some(CallOutcome::Completed));
}

#[test]
fn a_busy_number_or_one_that_rings_out_ends_the_agents_call() {
    for (input, outcome) in [
        (
            Input::FarEndFailed {
                dialog: DialogId(1),
                outcome: CallOutcome::Busy,
            },
            CallOutcome::Busy,
        ),
        (Input::Deadline, CallOutcome::NoAnswer),
    ] {
        let start = Instant::now();
        let (m, _) = Machine::outbound(
            CALL,
            ACCOUNT,
            settings(false),
            (ANA, "Ana".into(), ANA_LEG),
            Party::phone(PARTNER, PARTNER),
            Dial {
                number: PARTNER.into(),
                caller_id: None,
            },
            Now {
                at: start,
                wall: OffsetDateTime::UNIX_EPOCH,
            },
        );
        let mut case = Case {
            m,
            start,
            now: DIAL,
        };
        case.ok(input);
        assert_eq!(case.main().outcome, Some(outcome));
        assert!(case.m.dialogs().is_empty(), "cancelled at the carrier");
    }
}

// Blind transfers.

#[test]
fn a_blind_transfer_to_an_agent_rings_there_while_the_customer_hears_music() {
    let mut case = Case::with(ANA, true);
    let effects = case.ok(Input::Transfer {
        call: CALL,
        agent: ANA,
        to: agent(BEN),
    });
    assert_eq!(
        stored(&effects),
        [&Change::Transferred {
            by: ANA,
            to: Party::agent(BEN, "Ben")
        }]
    );
    let call = case.main();
    assert_eq!(call.state, CallState::Ringing);
    assert_eq!(call.from, Party::phone(CUSTOMER, "Grace"));
    assert_eq!(call.transferred_by, Some(Party::agent(ANA, "Ana")));
    assert!(call.rings_at(BEN));
    let topology = case.m.topology();
    assert_eq!(topology.legs, [CUSTOMER_LEG], "Ana's leg goes");
    assert_eq!(topology.held, [CUSTOMER_LEG]);
    assert!(case.m.on_call().is_empty(), "Ana is off the phone");
    assert_eq!(
        topology.recording.map(|r| r.agent),
        Some(None),
        "still recorded"
    );
    case.accept(CALL, BEN);
    assert_eq!(case.m.topology().pairs, [(CUSTOMER_LEG, BEN_LEG)]);
    assert_eq!(
        case.m.topology().recording.and_then(|r| r.agent),
        Some(BEN_LEG),
        "Ben is recorded now"
    );
}

#[test]
fn a_transfer_goes_to_neither_a_party_nor_a_queue_for_agents() {
    let mut case = Case::ana_calls_ben();
    case.accept(CALL, BEN);
    assert_eq!(
        case.refused(Input::Transfer {
            call: CALL,
            agent: BEN,
            to: agent(ANA),
        }),
        Refusal::OnTheCall
    );
    assert_eq!(
        case.refused(Input::Transfer {
            call: CALL,
            agent: BEN,
            to: sales(),
        }),
        Refusal::NotACustomersCall
    );
    assert_eq!(
        case.refused(Input::Transfer {
            call: CALL,
            agent: CY,
            to: agent(DEE),
        }),
        Refusal::NotFound
    );
}

#[test]
fn the_held_party_cannot_hand_the_call_on() {
    let mut case = Case::ana_calls_ben();
    case.accept(CALL, BEN);
    case.ok(Input::Hold {
        call: CALL,
        agent: BEN,
    });
    assert_eq!(
        case.refused(Input::Transfer {
            call: CALL,
            agent: ANA,
            to: agent(CY),
        }),
        Refusal::NotConnected
    );
    // The one who held it can.
    case.ok(Input::Transfer {
        call: CALL,
        agent: BEN,
        to: agent(CY),
    });
    assert_eq!(case.m.on_call(), [ANA], "Ana waits in the call she was on");
    assert_eq!(case.m.topology().held, [ANA_LEG]);
}

#[test]
fn a_declined_transfer_comes_back_to_the_agent_who_made_it_once() {
    let mut case = Case::with(ANA, false);
    case.ok(Input::Transfer {
        call: CALL,
        agent: ANA,
        to: agent(BEN),
    });
    let asked = case.ok(Input::Decline {
        call: CALL,
        agent: BEN,
    });
    assert_eq!(asked, [Effect::Ask(Question::TakeBack { agent: ANA })]);
    let effects = case.ok(Input::TakeBack { takes_it: true });
    assert_eq!(
        stored(&effects),
        [&Change::TransferOutcome(CallOutcome::Declined)]
    );
    let call = case.main();
    assert!(call.rings_at(ANA));
    assert_eq!(
        call.returned.map(|r| (r.to, r.outcome)),
        Some((Party::agent(BEN, "Ben"), CallOutcome::Declined))
    );
    // Not taken there either: no second ring-back; the call goes to its queue.
    let effects = case.ok(Input::Decline {
        call: CALL,
        agent: ANA,
    });
    assert_eq!(
        effects,
        [
            Effect::Store(Change::TransferOutcome(CallOutcome::Declined)),
            Effect::Route(Route::Enqueue {
                call: CALL,
                group: SALES
            })
        ]
    );
    assert_eq!(case.main().to, Party::group("Sales"));
    // Taken from the queue, it is an ordinary call again.
    case.ok(Input::Offered {
        call: CALL,
        agents: vec![CY],
    });
    case.accept(CALL, CY);
    assert_eq!(case.main().returned, None);
}

#[test]
fn a_transfer_that_rings_out_at_an_agent_who_cannot_take_it_back_waits_in_the_queue() {
    let mut case = Case::with(ANA, false);
    case.ok(Input::Transfer {
        call: CALL,
        agent: ANA,
        to: agent(BEN),
    });
    case.later(RING);
    assert_eq!(
        case.ok(Input::Deadline),
        [Effect::Ask(Question::TakeBack { agent: ANA })]
    );
    case.ok(Input::TakeBack { takes_it: false });
    let call = case.main();
    assert_eq!(call.to, Party::group("Sales"));
    assert_eq!(
        call.returned.map(|r| r.outcome),
        Some(CallOutcome::NoAnswer)
    );
}

#[test]
fn a_transferred_colleagues_call_with_nowhere_to_go_ends() {
    let mut case = Case::ana_calls_ben();
    case.accept(CALL, BEN);
    case.ok(Input::Transfer {
        call: CALL,
        agent: BEN,
        to: agent(CY),
    });
    case.ok(Input::Decline {
        call: CALL,
        agent: CY,
    });
    case.ok(Input::TakeBack { takes_it: false });
    assert_eq!(case.main().outcome, Some(CallOutcome::Declined));
    assert!(
        case.m.on_call().is_empty(),
        "Ana, who waited, is off the phone"
    );
}

#[test]
fn a_customer_handed_to_a_ring_group_waits_there() {
    let mut case = Case::with(ANA, false);
    let effects = case.ok(Input::Transfer {
        call: CALL,
        agent: ANA,
        to: Target::Group {
            id: SUPPORT,
            name: "Support".into(),
        },
    });
    assert_eq!(
        effects,
        [
            Effect::Store(Change::Transferred {
                by: ANA,
                to: Party::group("Support")
            }),
            Effect::Route(Route::Enqueue {
                call: CALL,
                group: SUPPORT
            })
        ]
    );
    assert_eq!(case.main().ring_group.as_deref(), Some("Support"));
}

#[test]
fn a_customer_handed_to_a_number_hears_music_until_it_answers() {
    let mut case = Case::with(ANA, true);
    let effects = case.ok(Input::Transfer {
        call: CALL,
        agent: ANA,
        to: partner(),
    });
    let dialog = DialogId(1);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Dial { dialog: d, .. } if *d == dialog))
    );
    assert_eq!(case.m.dialogs(), [CALLER_DIALOG, dialog]);
    assert_eq!(case.m.topology().held, [CUSTOMER_LEG]);
    case.ok(Input::FarEndAnswered {
        dialog,
        media: PARTNER_LEG,
    });
    let topology = case.m.topology();
    assert_eq!(topology.pairs, [(CUSTOMER_LEG, PARTNER_LEG)]);
    assert_eq!(topology.recording.and_then(|r| r.agent), Some(PARTNER_LEG));
    // The partner hangs up: both dialogs end.
    case.ok(Input::FarEndHungUp { dialog });
    assert!(case.m.dialogs().is_empty());
}

#[test]
fn a_number_that_is_busy_brings_the_customer_back() {
    let mut case = Case::with(ANA, false);
    case.ok(Input::Transfer {
        call: CALL,
        agent: ANA,
        to: partner(),
    });
    case.ok(Input::FarEndFailed {
        dialog: DialogId(1),
        outcome: CallOutcome::Busy,
    });
    case.ok(Input::TakeBack { takes_it: true });
    let call = case.main();
    assert!(call.rings_at(ANA));
    assert_eq!(call.returned.map(|r| r.outcome), Some(CallOutcome::Busy));
    assert_eq!(
        case.m.dialogs(),
        [CALLER_DIALOG],
        "the number's dialog is gone"
    );
}

#[test]
fn the_customer_hanging_up_while_handed_on_ends_the_call() {
    let mut case = Case::with(ANA, false);
    case.ok(Input::Transfer {
        call: CALL,
        agent: ANA,
        to: agent(BEN),
    });
    case.ok(Input::FarEndHungUp {
        dialog: CALLER_DIALOG,
    });
    assert_eq!(case.main().outcome, Some(CallOutcome::Cancelled));
}

// Consultations.

#[test]
fn consulting_holds_the_customer_and_pauses_the_recording() {
    let mut case = Case::consulting(agent(BEN), true);
    let call = case.main();
    assert_eq!(
        (call.state, call.held_by, call.consult),
        (CallState::Held, Some(ANA), Some(CONSULT))
    );
    let consult = case.consult();
    assert_eq!(consult.consult_of, Some(CALL));
    assert!(consult.rings_at(BEN));
    assert_eq!(consult.from, Party::agent(ANA, "Ana"));
    let topology = case.m.topology();
    assert_eq!(topology.held, [CUSTOMER_LEG]);
    assert!(topology.pairs.is_empty());
    assert_eq!(topology.recording.map(|r| r.paused), Some(true));
    assert_eq!(
        call.recording,
        Some(switchboard_protocol::Recording::Recording)
    );
    assert_eq!(case.m.ids(), [CALL, CONSULT]);
    // Ben answers: Ana and he talk, the customer waits.
    case.accept(CONSULT, BEN);
    assert_eq!(case.consult().state, CallState::Live);
    assert_eq!(case.m.topology().pairs, [(ANA_LEG, BEN_LEG)]);
    assert_eq!(case.m.on_call(), [ANA, BEN]);
}

#[test]
fn one_consultation_at_a_time_and_only_about_a_call_one_controls() {
    let mut case = Case::consulting(agent(BEN), false);
    let again = Input::Consult {
        call: CALL,
        agent: ANA,
        to: agent(CY),
        id: 102,
    };
    assert_eq!(case.refused(again), Refusal::AlreadyConsulting);
    for input in [
        Input::Hold {
            call: CALL,
            agent: ANA,
        },
        Input::Resume {
            call: CALL,
            agent: ANA,
        },
        Input::Transfer {
            call: CALL,
            agent: ANA,
            to: agent(CY),
        },
    ] {
        assert_eq!(case.refused(input), Refusal::Consulting);
    }
    let mut with_ben = Case::ana_calls_ben();
    with_ben.accept(CALL, BEN);
    assert_eq!(
        with_ben.refused(Input::Consult {
            call: CALL,
            agent: BEN,
            to: agent(ANA),
            id: CONSULT,
        }),
        Refusal::OnTheCall
    );
}

#[test]
fn a_consultation_not_answered_cannot_be_completed_or_joined() {
    let mut case = Case::consulting(agent(BEN), false);
    for input in [
        Input::CompleteConsult {
            call: CALL,
            agent: ANA,
        },
        Input::ThreeWay {
            call: CALL,
            agent: ANA,
        },
    ] {
        assert_eq!(case.refused(input), Refusal::ColleagueNotAnswered);
    }
    let mut idle = Case::with(ANA, false);
    assert_eq!(
        idle.refused(Input::CancelConsult {
            call: CALL,
            agent: ANA,
        }),
        Refusal::NotConsulting
    );
}

#[test]
fn completing_hands_the_customer_to_the_colleague() {
    let mut case = Case::consulting_ben(true);
    let effects = case.ok(Input::CompleteConsult {
        call: CALL,
        agent: ANA,
    });
    assert_eq!(
        stored(&effects),
        [
            &Change::Ended {
                call: CONSULT,
                outcome: CallOutcome::Completed
            },
            &Change::Transferred {
                by: ANA,
                to: Party::agent(BEN, "Ben")
            }
        ]
    );
    let call = case.main();
    assert_eq!((call.state, call.consult), (CallState::Live, None));
    assert_eq!(call.to, Party::agent(BEN, "Ben"));
    assert_eq!(call.transferred_by, Some(Party::agent(ANA, "Ana")));
    let consult = case
        .m
        .snapshots()
        .into_iter()
        .find(|c| c.id == CONSULT)
        .unwrap();
    assert_eq!(
        (consult.state, consult.outcome, consult.merged_into),
        (CallState::Ended, Some(CallOutcome::Completed), Some(CALL))
    );
    let topology = case.m.topology();
    assert_eq!(topology.legs, [CUSTOMER_LEG, BEN_LEG], "Ana's leg goes");
    assert_eq!(topology.pairs, [(CUSTOMER_LEG, BEN_LEG)]);
    assert!(topology.held.is_empty());
    assert_eq!(
        topology.recording.map(|r| (r.agent, r.paused)),
        Some((Some(BEN_LEG), false))
    );
    assert_eq!(case.m.on_call(), [BEN]);
    // The consultation's id now names the call.
    assert_eq!(case.m.snapshot(CONSULT).unwrap().id, CALL);
    case.ok(Input::HangUp {
        call: CONSULT,
        agent: BEN,
    });
    assert_eq!(case.main().outcome, Some(CallOutcome::Completed));
}

#[test]
fn hanging_up_while_the_colleague_is_on_the_line_hands_them_the_call() {
    let mut case = Case::consulting_ben(false);
    case.ok(Input::HangUp {
        call: CALL,
        agent: ANA,
    });
    assert_eq!(case.main().state, CallState::Live);
    assert_eq!(case.main().to, Party::agent(BEN, "Ben"));
}

#[test]
fn hanging_up_before_the_colleague_answers_ends_the_call_and_the_consultation() {
    let mut case = Case::consulting(agent(BEN), false);
    let effects = case.ok(Input::HangUp {
        call: CALL,
        agent: ANA,
    });
    assert_eq!(
        stored(&effects),
        [
            &Change::Ended {
                call: CONSULT,
                outcome: CallOutcome::Cancelled
            },
            &Change::Ended {
                call: CALL,
                outcome: CallOutcome::Completed
            }
        ]
    );
    assert!(case.m.dialogs().is_empty(), "the customer gets a BYE");
}

#[test]
fn cancelling_or_the_colleague_declining_brings_the_customer_back() {
    for (input, outcome) in [
        (
            Input::CancelConsult {
                call: CALL,
                agent: ANA,
            },
            CallOutcome::Cancelled,
        ),
        (
            Input::Decline {
                call: CONSULT,
                agent: BEN,
            },
            CallOutcome::Declined,
        ),
        (Input::Deadline, CallOutcome::NoAnswer),
    ] {
        let mut case = Case::consulting(agent(BEN), true);
        case.later(RING);
        case.ok(input);
        let call = case.main();
        assert_eq!((call.state, call.consult), (CallState::Live, None));
        let consult = case
            .m
            .snapshots()
            .into_iter()
            .find(|c| c.id == CONSULT)
            .unwrap();
        assert_eq!(consult.outcome, Some(outcome));
        let topology = case.m.topology();
        assert_eq!(topology.pairs, [(CUSTOMER_LEG, ANA_LEG)]);
        assert!(topology.held.is_empty());
        assert_eq!(topology.recording.map(|r| r.paused), Some(false));
    }
}

#[test]
fn the_colleague_hanging_up_ends_the_consultation_only() {
    let mut case = Case::consulting_ben(false);
    case.ok(Input::HangUp {
        call: CONSULT,
        agent: BEN,
    });
    assert_eq!(case.main().state, CallState::Live);
    assert_eq!(case.m.on_call(), [ANA]);
    assert_eq!(case.m.topology().legs, [CUSTOMER_LEG, ANA_LEG]);
}

#[test]
fn the_colleagues_dropped_leg_ends_only_the_consultation() {
    let mut case = Case::consulting_ben(false);
    case.ok(Input::LegEnded { media: BEN_LEG });
    assert_eq!(case.main().state, CallState::Live);
    let consult = case
        .m
        .snapshots()
        .into_iter()
        .find(|c| c.id == CONSULT)
        .unwrap();
    assert_eq!(consult.outcome, Some(CallOutcome::Failed));
}

#[test]
fn the_customer_hanging_up_during_a_consultation_ends_both() {
    let mut case = Case::consulting_ben(false);
    case.ok(Input::FarEndHungUp {
        dialog: CALLER_DIALOG,
    });
    assert!(case.m.is_over());
    let consult = case
        .m
        .snapshots()
        .into_iter()
        .find(|c| c.id == CONSULT)
        .unwrap();
    assert_eq!(consult.outcome, Some(CallOutcome::Cancelled));
    assert!(case.m.on_call().is_empty());
}

#[test]
fn a_three_way_call_mixes_everyone_and_records_the_customer() {
    let mut case = Case::consulting_ben(true);
    case.ok(Input::ThreeWay {
        call: CALL,
        agent: ANA,
    });
    let call = case.main();
    assert_eq!((call.state, call.conference), (CallState::Live, true));
    let consult = case.consult();
    assert!(consult.conference);
    assert_eq!(
        consult.recording,
        Some(switchboard_protocol::Recording::Recording),
        "Ben is on the customer's call now"
    );
    let topology = case.m.topology();
    assert_eq!(topology.conference, [CUSTOMER_LEG, ANA_LEG, BEN_LEG]);
    assert!(topology.pairs.is_empty() && topology.held.is_empty());
    assert_eq!(topology.recording.map(|r| r.paused), Some(false));
    for input in [
        Input::Hold {
            call: CALL,
            agent: ANA,
        },
        Input::Hold {
            call: CONSULT,
            agent: BEN,
        },
    ] {
        assert_eq!(case.refused(input), Refusal::ThreeWay);
    }
    // Ben leaves: Ana and the customer talk on.
    case.ok(Input::HangUp {
        call: CONSULT,
        agent: BEN,
    });
    assert_eq!(case.m.topology().pairs, [(CUSTOMER_LEG, ANA_LEG)]);
    assert!(case.m.topology().conference.is_empty());
}

#[test]
fn the_consulting_agent_leaving_a_three_way_call_hands_it_on() {
    let mut case = Case::consulting_ben(false);
    case.ok(Input::ThreeWay {
        call: CALL,
        agent: ANA,
    });
    case.ok(Input::HangUp {
        call: CALL,
        agent: ANA,
    });
    assert_eq!(case.m.topology().pairs, [(CUSTOMER_LEG, BEN_LEG)]);
    assert_eq!(case.m.on_call(), [BEN]);
}

#[test]
fn a_consultation_with_a_ring_group_goes_to_whoever_takes_it_first() {
    let mut case = Case::consulting(sales(), false);
    let consult = case.consult();
    assert_eq!(consult.ring_group.as_deref(), Some("Sales"));
    assert_eq!(consult.to, Party::group("Sales"));
    case.ok(Input::Offered {
        call: CONSULT,
        agents: vec![BEN, CY],
    });
    assert!(case.consult().rings_at(BEN) && case.consult().rings_at(CY));
    let asked = case.ok(Input::Accept {
        call: CONSULT,
        agent: CY,
        name: "Cy".into(),
        media: CY_LEG,
    });
    assert_eq!(
        asked,
        [Effect::Ask(Question::Claim {
            call: CONSULT,
            agent: CY
        })]
    );
    case.ok(Input::Claimed { granted: true });
    assert_eq!(case.consult().to, Party::agent(CY, "Cy"));
    assert_eq!(
        case.refused(Input::Accept {
            call: CONSULT,
            agent: BEN,
            name: "Ben".into(),
            media: BEN_LEG,
        }),
        Refusal::NoLongerRinging,
        "Ben was a step too late"
    );
}

#[test]
fn a_colleagues_call_may_be_consulted_about_with_a_ring_group_but_not_handed_to_it() {
    let mut case = Case::ana_calls_ben();
    case.accept(CALL, BEN);
    let effects = case.ok(Input::Consult {
        call: CALL,
        agent: BEN,
        to: sales(),
        id: CONSULT,
    });
    assert_eq!(
        effects,
        [Effect::Route(Route::Enqueue {
            call: CONSULT,
            group: SALES
        })]
    );
    case.ok(Input::CancelConsult {
        call: CALL,
        agent: BEN,
    });
    assert_eq!(
        case.refused(Input::Transfer {
            call: CALL,
            agent: BEN,
            to: sales(),
        }),
        Refusal::NotACustomersCall
    );
}

#[test]
fn cancelling_a_consultation_still_waiting_in_a_group_leaves_its_queue() {
    let mut case = Case::consulting(sales(), false);
    let effects = case.ok(Input::CancelConsult {
        call: CALL,
        agent: ANA,
    });
    assert_eq!(effects[0], Effect::Route(Route::Abandon { call: CONSULT }));
    // A group that overflows to voicemail has nobody for a consultation.
    let mut overflowing = Case::consulting(sales(), false);
    overflowing.ok(Input::ToVoicemail { call: CONSULT });
    assert_eq!(overflowing.main().state, CallState::Live);
}

#[test]
fn consulting_an_outside_number_then_handing_the_customer_to_it() {
    let mut case = Case::consulting(partner(), true);
    let dialog = DialogId(1);
    assert_eq!(case.m.dialogs(), [CALLER_DIALOG, dialog]);
    case.ok(Input::FarEndAlerting { dialog });
    assert!(case.consult().alerting);
    case.ok(Input::FarEndAnswered {
        dialog,
        media: PARTNER_LEG,
    });
    assert_eq!(case.m.topology().pairs, [(ANA_LEG, PARTNER_LEG)]);
    case.ok(Input::CompleteConsult {
        call: CALL,
        agent: ANA,
    });
    assert_eq!(case.main().to, Party::phone(PARTNER, "Northwind"));
    assert_eq!(case.m.dialogs(), [CALLER_DIALOG, dialog], "both kept");
    assert!(case.m.on_call().is_empty(), "no agent on it any more");
    // The partner hanging up ends the customer's call too.
    case.ok(Input::FarEndHungUp { dialog });
    assert!(case.m.is_over());
}

#[test]
fn a_consulted_number_that_is_busy_brings_the_customer_back() {
    let mut case = Case::consulting(partner(), false);
    case.ok(Input::FarEndFailed {
        dialog: DialogId(1),
        outcome: CallOutcome::Busy,
    });
    assert_eq!(case.main().state, CallState::Live);
    assert_eq!(case.m.dialogs(), [CALLER_DIALOG]);
}

#[test]
fn colleagues_on_a_consultation_may_hold_each_other() {
    let mut case = Case::consulting_ben(false);
    case.ok(Input::Hold {
        call: CONSULT,
        agent: BEN,
    });
    assert_eq!(case.consult().held_by, Some(BEN));
    assert_eq!(case.m.topology().held, [CUSTOMER_LEG, ANA_LEG]);
    assert_eq!(
        case.refused(Input::Resume {
            call: CONSULT,
            agent: ANA
        }),
        Refusal::HeldByOther
    );
    case.ok(Input::Resume {
        call: CONSULT,
        agent: BEN,
    });
    assert_eq!(case.m.topology().held, [CUSTOMER_LEG]);
}

// Recording, Context, Identity.

#[test]
fn recording_is_paused_by_the_agent_and_while_consulting() {
    let mut case = Case::with(ANA, true);
    assert_eq!(
        case.refused(Input::PauseRecording {
            call: CALL,
            agent: ANA,
            paused: true,
            allowed: false,
        }),
        Refusal::PauseNotAllowed
    );
    case.ok(Input::PauseRecording {
        call: CALL,
        agent: ANA,
        paused: true,
        allowed: true,
    });
    assert_eq!(
        case.main().recording,
        Some(switchboard_protocol::Recording::Paused)
    );
    assert_eq!(case.m.topology().recording.map(|r| r.paused), Some(true));
    case.ok(Input::PauseRecording {
        call: CALL,
        agent: ANA,
        paused: false,
        allowed: true,
    });
    case.ok(Input::Consult {
        call: CALL,
        agent: ANA,
        to: agent(BEN),
        id: CONSULT,
    });
    assert_eq!(case.m.topology().recording.map(|r| r.paused), Some(true));
    assert_eq!(
        case.main().recording,
        Some(switchboard_protocol::Recording::Recording),
        "the agents see it paused only by the consultation"
    );
    let mut unrecorded = Case::ana_calls_ben();
    unrecorded.accept(CALL, BEN);
    assert_eq!(
        unrecorded.refused(Input::PauseRecording {
            call: CALL,
            agent: ANA,
            paused: true,
            allowed: true,
        }),
        Refusal::NotRecorded
    );
    assert_eq!(
        unrecorded.m.topology().recording,
        None,
        "agents' calls are not recorded"
    );
}

#[test]
fn context_attached_replaces_known_keys_and_keeps_at_most_fifty() {
    let mut case = Case::queued(false);
    let item = |key: &str, value: &str| ContextItem {
        key: key.into(),
        value: value.into(),
    };
    case.ok(Input::AttachContext(vec![
        item("ticket", "T-1"),
        item("tier", "Gold"),
    ]));
    case.ok(Input::AttachContext(vec![item(" ticket ", "T-2")]));
    assert_eq!(
        case.main().context,
        [item("ticket", "T-2"), item("tier", "Gold")]
    );
    let many = (0..49).map(|n| item(&format!("k{n}"), "v")).collect();
    assert_eq!(
        case.refused(Input::AttachContext(many)),
        Refusal::TooMuchContext
    );
}

#[test]
fn identity_and_the_block_list_show_on_the_card() {
    let mut case = Case::queued(false);
    let identity = switchboard_protocol::Identity {
        valid: true,
        line_type: switchboard_protocol::LineType::Mobile,
        country: Some("US".into()),
        attestation: switchboard_protocol::Attestation::A,
        shaken_problem: None,
        blocked: false,
        calls_last_hour: 0,
        calls_last_day: 0,
        risk: switchboard_protocol::Risk::Low,
        reasons: Vec::new(),
    };
    case.ok(Input::Identity(Box::new(identity)));
    case.ok(Input::SetBlocked(true));
    let card = case.main().identity.unwrap();
    assert!(card.blocked);
    assert_eq!(card.risk, switchboard_protocol::Risk::High);
}

// Versions.

#[test]
fn every_change_grows_the_version_and_nothing_else_does() {
    let mut case = Case::queued(false);
    let mut seen = case.main().version;
    let mut steps = vec![
        Input::Offered {
            call: CALL,
            agents: vec![ANA],
        },
        Input::Offered {
            call: CALL,
            agents: vec![ANA],
        },
    ];
    steps.push(Input::Deadline);
    for input in steps {
        let before = case.m.projections();
        case.ok(input);
        let version = case.main().version;
        if case.m.projections() == before {
            assert_eq!(version, seen, "nothing changed");
        } else {
            assert!(version > seen);
        }
        seen = version;
    }
    case.accept(CALL, ANA);
    assert!(case.main().version > seen);
    // The consultation's snapshots carry the call's version.
    let mut consulting = Case::consulting(agent(BEN), false);
    let (call, consult) = (consulting.main(), consulting.consult());
    assert_eq!(call.version, consult.version);
    consulting.accept(CONSULT, BEN);
    assert!(consulting.consult().version > consult.version);
}
