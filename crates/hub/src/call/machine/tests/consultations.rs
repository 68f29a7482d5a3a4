//! Consultations and three-way calls.

use super::*;

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
