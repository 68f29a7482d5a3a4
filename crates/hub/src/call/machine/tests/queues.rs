//! Ring groups and call flows.

use super::*;

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
