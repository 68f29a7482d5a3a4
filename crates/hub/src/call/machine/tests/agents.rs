//! Calls between agents, and holding them.

use super::*;

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
