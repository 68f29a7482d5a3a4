//! Blind transfers.

use super::*;

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
