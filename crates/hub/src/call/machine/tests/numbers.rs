//! Outside numbers.

use super::*;

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
