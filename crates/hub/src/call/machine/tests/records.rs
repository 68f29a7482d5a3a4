//! Recording, Context, Identity, and versions.

use super::*;

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
