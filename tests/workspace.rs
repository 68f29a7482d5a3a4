//! The workspace as an agent uses it, driven headless through iced_test's simulator: click by
//! text, type into fields, feed the messages to `update`, look at what is shown.

#![allow(clippy::unwrap_used)]

mod common;

use common::{click, noon, shows, simulator, workspace};
use iced_test::selector;
use switchboard::screen::workspace::{Action, Connection, Message, View, directory, phone};
use switchboard_client::Config;
use switchboard_client::events::Update;
use switchboard_protocol::{Event, EventEnvelope, Presence, StatusKey};
use time::Duration;

#[test]
fn the_status_widget_shows_the_time_in_status_and_restarts_on_change() {
    let mut ws = workspace("available");
    assert!(shows(&ws, "AR"), "initials");
    assert!(shows(&ws, "02:05"), "2 min 5 s in Available");
    ws.update(Message::Tick(noon() + Duration::seconds(60)));
    assert!(shows(&ws, "03:05"));

    // Open the widget, pick Away.
    click(&mut ws, "Alex Rivera");
    assert!(ws.status_menu_open());
    let actions = click(&mut ws, "Away");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "asks the hub"
    );
    assert!(!ws.status_menu_open());

    // The hub confirms: the timer starts again from zero.
    let now = noon() + Duration::seconds(60);
    ws.update(Message::StatusSet(Ok(Presence {
        status: StatusKey::away(),
        since: now,
    })));
    assert_eq!(ws.me().presence.status, StatusKey::away());
    assert_eq!(ws.status_elapsed(), 0);
    assert!(shows(&ws, "00:00"));
    assert!(shows(&ws, "Away"));
    ws.update(Message::Tick(now + Duration::seconds(3725)));
    assert!(shows(&ws, "1:02:05"), "h:mm:ss past an hour");
}

#[test]
fn during_after_call_work_the_status_cannot_be_changed_by_hand() {
    let mut ws = workspace("after_call_work");
    click(&mut ws, "Alex Rivera");
    assert!(shows(&ws, "Locked during after-call work"));
    let actions = click(&mut ws, "Away");
    assert!(
        actions.iter().all(|a| matches!(a, Action::None)),
        "the entries are disabled"
    );
    assert!(
        ws.status_menu_open(),
        "a click on a disabled entry does not fall through"
    );
    assert_eq!(ws.me().presence.status, StatusKey::after_call_work());
}

#[test]
fn wrap_up_shows_how_long_it_lasts_when_it_ends_and_done_ends_it() {
    let mut ws = workspace("after_call_work");
    assert!(shows(&ws, "After-call work"));
    // The account ends wrap-up after 60 s; Alex has been in it since the fixture's clock.
    assert!(shows(&ws, "Done"));
    let actions = click(&mut ws, "Done");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "asks the hub to end wrap-up"
    );
    // The hub's answer: back to Available, and the bar is gone.
    ws.update(Message::StatusSet(Ok(Presence {
        status: StatusKey::available(),
        since: noon(),
    })));
    assert!(!shows(&ws, "After-call work"));
    assert!(!shows(&ws, "Done"));

    let ws = workspace("available");
    assert!(!shows(&ws, "Done"), "no wrap-up outside after-call work");
}

#[test]
fn the_hub_refusing_a_change_is_shown_in_words() {
    let mut ws = workspace("available");
    ws.update(Message::StatusSet(Err(switchboard_client::Error::Hub {
        status: 409,
        code: switchboard_protocol::ErrorCode::StatusLocked,
        message: "locked".into(),
    })));
    assert!(shows(&ws, "Your status is locked during after-call work."));
    click(&mut ws, "Dismiss");
    assert!(ws.notice().is_none());
}

#[test]
fn a_colleagues_call_that_stops_ringing_is_a_missed_call() {
    use switchboard_protocol::{CallOutcome, CallState, Party, Returned};
    let mut ws = workspace("available");
    ws.update(event(lucia_call(
        CallState::Ringing,
        None,
        (1, "Alex Rivera"),
    )));
    let mut ended = lucia_call(CallState::Ended, None, (1, "Alex Rivera"));
    ended.outcome = Some(CallOutcome::NoAnswer);
    ws.update(event(ended));
    assert!(ws.call().is_none());
    assert!(shows(&ws, "You missed a call from Lucía Fernández."));

    // Handed here by Priya, it rang out and went back to her.
    let mut ws = workspace("available");
    let mut handed = lucia_call(CallState::Ringing, None, (1, "Alex Rivera"));
    handed.transferred_by = Some(Party::agent(5, "Priya Natarajan"));
    ws.update(event(handed.clone()));
    let mut back = handed;
    back.to = Party::agent(5, "Priya Natarajan");
    back.returned = Some(Returned {
        to: Party::agent(1, "Alex Rivera"),
        outcome: CallOutcome::NoAnswer,
    });
    ws.update(event(back));
    assert!(ws.call().is_none());
    assert!(shows(&ws, "You missed a call from Lucía Fernández."));
}

#[test]
fn an_offer_someone_else_took_first_is_said_in_words() {
    // Two agents of a ring-all group press Accept; the hub gives the call to the other one.
    let mut ws = workspace("available");
    ws.update(event(graces_call()));
    ws.update(Message::Phone(phone::Message::Answered(Err(
        switchboard::call::Failure::Hub(switchboard_client::Error::Hub {
            status: 409,
            code: switchboard_protocol::ErrorCode::NoLongerRinging,
            message: "the call is no longer ringing".into(),
        }),
    ))));
    assert!(shows(
        &ws,
        "The call is no longer ringing: someone else took it, or the caller hung up."
    ));
}

#[test]
fn call_an_agent_lists_everyone_and_filters_from_three_characters() {
    let mut ws = workspace("available");
    click(&mut ws, "Call an Agent");
    for name in [
        "Lucía Fernández",
        "Luke Brown",
        "Marcus Chen",
        "Priya Natarajan",
        "Tomás Silva",
    ] {
        assert!(shows(&ws, name), "{name} listed");
    }
    assert!(shows(&ws, "Type at least 3 characters to filter."));

    let type_query = |ws: &mut switchboard::screen::workspace::Workspace, query: &str| {
        let config = Config::default();
        let messages: Vec<_> = {
            let mut ui = simulator(ws.view(&config));
            ui.click(selector::id("directory-search")).unwrap();
            ui.typewrite(query);
            ui.into_messages().collect()
        };
        for message in messages {
            ws.update(message);
        }
    };
    type_query(&mut ws, "lu");
    assert!(shows(&ws, "Marcus Chen"), "two characters do not filter");
    type_query(&mut ws, "c");
    assert!(shows(&ws, "Lucía Fernández"));
    assert!(!shows(&ws, "Luke Brown"), "'luc' leaves Luke out");
    assert!(!shows(&ws, "Marcus Chen"));

    click(&mut ws, "Close");
    assert!(!shows(&ws, "Lucía Fernández"));
}

#[test]
fn green_and_yellow_agents_are_marked_callable() {
    let mut ws = workspace("available");
    click(&mut ws, "Call an Agent");
    // Filter down to one agent at a time and read the mark beside them.
    for (query, callable) in [
        ("lucía", true),   // Available (green)
        ("priya", true),   // Away (yellow)
        ("marcus", false), // On a call
        ("luke", false),   // Offline
        ("tomás", false),  // Lunch: an account status marked not callable
    ] {
        ws.update(Message::Directory(directory::Message::QueryChanged(
            query.into(),
        )));
        assert_eq!(ws.agents().len(), 5);
        assert_eq!(shows(&ws, "Callable"), callable, "{query}");
        assert_eq!(shows(&ws, "Not callable"), !callable, "{query}");
    }
}

#[test]
fn live_presence_events_update_the_directory() {
    let mut ws = workspace("available");
    click(&mut ws, "Call an Agent");
    assert!(shows(&ws, "Offline · 1:30:00"));
    let envelope = EventEnvelope {
        seq: 11,
        at: noon(),
        event: Event::PresenceChanged {
            agent_id: 3,
            presence: Presence {
                status: StatusKey::available(),
                since: noon(),
            },
        },
    };
    ws.update(Message::Stream(Update::Event(Box::new(envelope))));
    assert!(!shows(&ws, "Offline · 1:30:00"));
    assert!(shows(&ws, "Available · 00:00"));
}

#[test]
fn a_lost_connection_shows_a_banner_until_it_is_back() {
    let mut ws = workspace("available");
    let banner = "Connection to the hub lost. Reconnecting…";
    assert!(!shows(&ws, banner));
    ws.update(Message::Stream(Update::Connected));
    ws.update(Message::Stream(Update::Disconnected {
        reason: "connection reset".into(),
        retry_in: std::time::Duration::from_secs(1),
    }));
    assert!(matches!(ws.connection(), Connection::Lost { .. }));
    assert!(shows(&ws, banner));
    ws.update(Message::Stream(Update::Connected));
    assert!(!shows(&ws, banner));
}

#[test]
fn an_ended_session_sends_the_agent_back_to_sign_in() {
    let mut ws = workspace("available");
    assert!(matches!(
        ws.update(Message::Stream(Update::SessionEnded)),
        Action::SessionLost
    ));
    let expired = switchboard_client::Error::Hub {
        status: 401,
        code: switchboard_protocol::ErrorCode::SessionExpired,
        message: "expired".into(),
    };
    assert!(matches!(
        ws.update(Message::StatusSet(Err(expired))),
        Action::SessionLost
    ));
}

#[test]
fn navigation_shows_what_each_view_will_hold() {
    let mut ws = workspace("available");
    let actions = click(&mut ws, "History");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "loads the calls"
    );
    assert!(shows(&ws, "Recent calls"));
    assert!(shows(&ws, "Loading your calls…"));
    click(&mut ws, "Settings");
    assert!(shows(&ws, "Signed in as Alex Rivera (alex@acme.example)"));
    let actions = click(&mut ws, "Sign out");
    assert!(matches!(actions.as_slice(), [Action::SignOut]));
}

fn call_event(
    state: switchboard_protocol::CallState,
    outcome: Option<switchboard_protocol::CallOutcome>,
) -> Message {
    event(switchboard_protocol::Call {
        outcome,
        ..lucia_call(state, None, (1, "Alex Rivera"))
    })
}

#[test]
fn an_incoming_call_offers_accept_and_decline() {
    use switchboard_protocol::{CallOutcome, CallState};
    let mut ws = workspace("available");
    ws.update(call_event(CallState::Ringing, None));
    assert!(shows(&ws, "Incoming call from Lucía Fernández"));
    assert!(shows(&ws, "Decline"));
    let actions = click(&mut ws, "Accept");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "answers through the engine"
    );
    // A second press while answering does nothing.
    assert!(click(&mut ws, "Accept").is_empty());
    // Lucía gives up before the answer lands: the bar goes away.
    ws.update(call_event(CallState::Ended, Some(CallOutcome::Cancelled)));
    assert!(!shows(&ws, "Incoming call from Lucía Fernández"));
    assert!(ws.call().is_none());
}

#[test]
fn a_customers_call_offered_by_a_ring_group_shows_how_it_came_in_and_goes_when_taken() {
    use switchboard_protocol::{CallState, Party};
    let mut ws = workspace("available");
    // Alex is agent 1 in these tests.
    let mut call = lucia_call(CallState::Ringing, None, (1, "Alex Rivera"));
    call.from = Party::phone("+442071838750", "Grace Hopper");
    call.to = Party::group("Sales");
    call.offered_to = vec![1, 5];
    call.dialled = Some("+14155550100".into());
    call.ring_group = Some("Sales".into());
    call.waiting_since = Some(noon() - time::Duration::seconds(42));
    ws.update(event(call.clone()));
    assert!(shows(&ws, "Incoming call from Grace Hopper"));
    assert!(shows(
        &ws,
        "+44 20 7183 8750 (GB) · via Sales, to +1 415-555-0100 · waiting 00:42"
    ));
    assert!(shows(&ws, "Accept"));
    // Priya (agent 5) takes it: Alex's desk stops ringing, without a word.
    call.state = CallState::Live;
    call.to = Party::agent(5, "Priya Natarajan");
    call.offered_to.clear();
    ws.update(event(call));
    assert!(ws.call().is_none());
    assert!(!shows(&ws, "Incoming call from Grace Hopper"));
    assert!(!shows(&ws, "You transferred the call to Priya Natarajan."));
}

#[test]
fn a_caller_who_sent_no_number_is_an_unknown_caller_in_the_agents_language() {
    use switchboard_protocol::{CallState, Party};
    let mut ws = workspace("available");
    let mut call = lucia_call(CallState::Ringing, None, (1, "Alex Rivera"));
    call.from = Party {
        agent_id: None,
        name: String::new(),
        number: None,
    };
    call.offered_to = vec![1];
    call.dialled = Some("+14155550100".into());
    call.ring_group = Some("Sales".into());
    ws.update(event(call));
    assert!(shows(&ws, "Incoming call from an unknown caller"));
}

#[test]
fn declining_ends_the_ringing_at_once() {
    use switchboard_protocol::CallState;
    let mut ws = workspace("available");
    ws.update(call_event(CallState::Ringing, None));
    let actions = click(&mut ws, "Decline");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "tells the hub"
    );
    assert!(ws.call().is_none());
}

#[test]
fn calling_a_callable_agent_from_the_directory() {
    let mut ws = workspace("available");
    click(&mut ws, "Call an Agent");
    ws.update(Message::Directory(directory::Message::QueryChanged(
        "priya".into(),
    )));
    let actions = click(&mut ws, "Call");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "opens devices and offers"
    );
    assert!(shows(&ws, "Calling Priya Natarajan…"));
    // No second call while one is being placed.
    ws.update(Message::Directory(directory::Message::QueryChanged(
        "lucía".into(),
    )));
    assert!(
        click(&mut ws, "Call")
            .iter()
            .all(|a| matches!(a, Action::None))
    );

    // The microphone could not be opened: the agent reads why; nothing rang.
    ws.update(Message::Phone(phone::Message::Dialed(Err(
        switchboard::call::Failure::Audio("no microphone is available".into()),
    ))));
    assert!(ws.call().is_none());
    assert!(shows(
        &ws,
        "The call did not start: no usable microphone or speaker (no microphone is available)."
    ));
}

#[test]
fn agents_who_cannot_take_calls_cannot_be_called() {
    let mut ws = workspace("available");
    click(&mut ws, "Call an Agent");
    ws.update(Message::Directory(directory::Message::QueryChanged(
        "marcus".into(),
    )));
    assert!(
        click(&mut ws, "Call").is_empty(),
        "the button is disabled for On a call"
    );
    assert!(ws.call().is_none());
}

/// A call event about call 7 between Alex (1) and Lucía (2), who called.
fn lucia_call(
    state: switchboard_protocol::CallState,
    held_by: Option<i64>,
    to: (i64, &str),
) -> switchboard_protocol::Call {
    use switchboard_protocol::{Call, Party};
    Call {
        state,
        held_by,
        ..Call::ringing(
            7,
            Party::agent(2, "Lucía Fernández"),
            Party::agent(to.0, to.1),
        )
    }
}

fn event(call: switchboard_protocol::Call) -> Message {
    Message::Stream(Update::Event(Box::new(EventEnvelope {
        seq: 30,
        at: noon(),
        event: Event::CallUpdated {
            call: Box::new(call),
        },
    })))
}

/// Alex on a live call with Lucía, with a real (unconnected) engine.
fn on_a_call() -> switchboard::screen::workspace::Workspace {
    use switchboard_protocol::CallState;
    let mut ws = workspace("available");
    let mut ringing = lucia_call(CallState::Ringing, None, (1, "Alex Rivera"));
    ringing.version = 1;
    ws.update(event(ringing));
    ws.update(Message::Phone(phone::Message::Accept));
    let mut live = lucia_call(CallState::Live, None, (1, "Alex Rivera"));
    live.version = 2;
    ws.update(Message::Phone(phone::Message::Answered(Ok((
        live,
        engine(),
    )))));
    assert!(shows(&ws, "On a call with Lucía Fernández"));
    ws
}

#[test]
fn news_of_an_offer_that_arrives_after_answering_it_changes_nothing() {
    use switchboard_protocol::{CallState, Party};
    let mut ws = on_a_call();
    // The ring group's word that the call still rang here: older than the answer (2).
    let mut stale = lucia_call(CallState::Ringing, None, (1, "Alex Rivera"));
    stale.to = Party::group("Support");
    stale.offered_to = vec![1];
    stale.version = 1;
    ws.update(event(stale));
    assert!(shows(&ws, "On a call with Lucía Fernández"));
    assert!(!shows(&ws, "You transferred the call to Support."));
}

#[test]
fn older_news_of_a_call_is_dropped_whether_it_comes_as_an_answer_or_an_event() {
    use switchboard_protocol::CallState;
    let at = |state, held_by, version| {
        let mut call = lucia_call(state, held_by, (1, "Alex Rivera"));
        call.version = version;
        call
    };
    let mut ws = on_a_call();
    // Lucía puts Alex on hold (version 4); the hub's answer to an earlier request (version
    // 3, live) comes after it: Alex is still on hold.
    ws.update(event(at(CallState::Held, Some(2), 4)));
    assert!(shows(&ws, "Lucía Fernández put you on hold"));
    ws.update(Message::Phone(phone::Message::Done(Ok(at(
        CallState::Live,
        None,
        3,
    )))));
    assert!(shows(&ws, "Lucía Fernández put you on hold"));
    // An answer (version 6, live again) before the event that says so, and then an older
    // event (version 5, held): live it stays. The same news twice changes nothing either.
    ws.update(Message::Phone(phone::Message::Done(Ok(at(
        CallState::Live,
        None,
        6,
    )))));
    assert!(!shows(&ws, "Lucía Fernández put you on hold"));
    ws.update(event(at(CallState::Held, Some(2), 5)));
    ws.update(event(at(CallState::Held, Some(2), 6)));
    assert!(!shows(&ws, "Lucía Fernández put you on hold"));
    assert!(shows(&ws, "On a call with Lucía Fernández"));
}

#[test]
fn an_answer_overtaken_by_the_call_ending_brings_no_call_back() {
    use switchboard_protocol::{CallOutcome, CallState};
    let mut ws = workspace("available");
    let mut ringing = lucia_call(CallState::Ringing, None, (1, "Alex Rivera"));
    ringing.version = 1;
    ws.update(event(ringing));
    ws.update(Message::Phone(phone::Message::Accept));
    // Lucía hangs up as Alex answers: the end (version 3) comes before the answer (2).
    let mut ended = lucia_call(CallState::Ended, None, (1, "Alex Rivera"));
    ended.outcome = Some(CallOutcome::Completed);
    ended.version = 3;
    ws.update(event(ended));
    let mut live = lucia_call(CallState::Live, None, (1, "Alex Rivera"));
    live.version = 2;
    ws.update(Message::Phone(phone::Message::Answered(Ok((
        live,
        engine(),
    )))));
    assert!(
        ws.call().is_none(),
        "the engine is dropped, no call comes back"
    );
}

#[test]
fn hold_and_resume_follow_the_hub() {
    use switchboard_protocol::CallState;
    let mut ws = on_a_call();
    let actions = click(&mut ws, "Hold");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "asks the hub"
    );
    ws.update(event(lucia_call(
        CallState::Held,
        Some(1),
        (1, "Alex Rivera"),
    )));
    assert!(shows(&ws, "On hold"));
    let actions = click(&mut ws, "Resume");
    assert!(matches!(actions.as_slice(), [Action::Run(_)]));
    ws.update(event(lucia_call(CallState::Live, None, (1, "Alex Rivera"))));
    assert!(!shows(&ws, "On hold"));

    // Held by Lucía: Alex is told, and cannot resume or transfer.
    ws.update(event(lucia_call(
        CallState::Held,
        Some(2),
        (1, "Alex Rivera"),
    )));
    assert!(shows(&ws, "Lucía Fernández put you on hold"));
    assert!(click(&mut ws, "Hold").is_empty(), "disabled");
    assert!(click(&mut ws, "Transfer").is_empty(), "disabled");
}

#[test]
fn the_keypad_sends_keys_and_shows_them() {
    let mut ws = on_a_call();
    click(&mut ws, "Keypad");
    assert!(shows(
        &ws,
        "Keys are sent to the other party as you press them."
    ));
    for key in ["4", "2", "#"] {
        click(&mut ws, key);
    }
    assert!(shows(&ws, "Sent: 42#"));
    click(&mut ws, "Keypad");
    assert!(!shows(&ws, "Sent: 42#"), "the keypad closes");
}

#[test]
fn a_blind_transfer_lists_who_can_take_the_call() {
    use switchboard_protocol::CallState;
    let mut ws = on_a_call();
    click(&mut ws, "Transfer");
    assert!(shows(&ws, "Transfer to"));
    // Priya (Away) can take calls; Marcus (On a call), Luke (Offline), Tomás (Lunch) cannot,
    // and Lucía is on this call.
    assert!(shows(&ws, "Priya Natarajan"));
    for name in ["Marcus Chen", "Luke Brown", "Tomás Silva"] {
        assert!(!shows(&ws, name), "{name} is not offered");
    }
    let actions = click(&mut ws, "Priya Natarajan");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "asks the hub"
    );
    // The hub hands the call on: Alex is out of it.
    let mut handed = lucia_call(CallState::Ringing, None, (5, "Priya Natarajan"));
    handed.transferred_by = Some(switchboard_protocol::Party::agent(1, "Alex Rivera"));
    ws.update(event(handed));
    assert!(ws.call().is_none());
    assert!(shows(&ws, "You transferred the call to Priya Natarajan."));
}

#[test]
fn a_transfer_that_is_not_taken_rings_again_saying_why() {
    use switchboard_protocol::{CallOutcome, CallState, Party, Returned};
    let mut ws = on_a_call();
    let mut handed = lucia_call(CallState::Ringing, None, (5, "Priya Natarajan"));
    handed.transferred_by = Some(Party::agent(1, "Alex Rivera"));
    handed.version = 3;
    ws.update(event(handed.clone()));
    assert!(ws.call().is_none());
    // Priya declines: Lucía rings here again, and Alex reads why.
    let mut back = handed;
    back.version = 5;
    back.to = Party::agent(1, "Alex Rivera");
    back.returned = Some(Returned {
        to: Party::agent(5, "Priya Natarajan"),
        outcome: CallOutcome::Declined,
    });
    ws.update(event(back.clone()));
    assert!(shows(
        &ws,
        "Lucía Fernández is back: Priya Natarajan declined the transfer."
    ));
    // The hub's answer to the transfer (version 4), arriving after the call came back
    // (version 5), is older news: it changes nothing.
    let mut late = back.clone();
    late.version = 4;
    late.to = Party::agent(5, "Priya Natarajan");
    late.returned = None;
    ws.update(Message::Phone(phone::Message::Done(Ok(late))));
    let actions = click(&mut ws, "Accept");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "takes it back"
    );

    // A number that rang out reads as the number.
    let mut ws = on_a_call();
    back.returned = Some(Returned {
        to: Party::phone("+14155550123", "+14155550123"),
        outcome: CallOutcome::NoAnswer,
    });
    let mut handed = back.clone();
    handed.version = 3;
    handed.to = back.returned.as_ref().unwrap().to.clone();
    handed.returned = None;
    ws.update(event(handed));
    ws.update(event(back));
    assert!(shows(
        &ws,
        "Lucía Fernández is back: +1 415-555-0123 did not answer."
    ));
}

#[test]
fn a_party_waiting_on_a_transfer_that_is_not_taken_hears_it_comes_back() {
    use switchboard_protocol::{CallOutcome, CallState, Party, Returned};
    // Lucía hands Alex (here) on to Priya, who declines: it rings at Lucía again.
    let mut ws = on_a_call();
    let mut handed = lucia_call(CallState::Ringing, None, (5, "Priya Natarajan"));
    handed.from = Party::agent(1, "Alex Rivera");
    handed.transferred_by = Some(Party::agent(2, "Lucía Fernández"));
    ws.update(event(handed.clone()));
    assert!(shows(
        &ws,
        "Lucía Fernández transferred you — calling Priya Natarajan…"
    ));
    let mut back = handed;
    back.to = Party::agent(2, "Lucía Fernández");
    back.returned = Some(Returned {
        to: Party::agent(5, "Priya Natarajan"),
        outcome: CallOutcome::Declined,
    });
    ws.update(event(back));
    assert!(shows(
        &ws,
        "The transfer to Priya Natarajan did not go through — calling Lucía Fernández…"
    ));
}

#[test]
fn media_that_dies_ends_the_call_with_a_reason() {
    use switchboard_client::Error;
    let mut ws = on_a_call();
    let Some(phone::Call::Live(live)) = ws.call() else {
        panic!("on a call");
    };
    let engine_id = live.engine_id();
    // The engine gave up on the hub: the call ends here at once, and the hub is told.
    let actions = ws.update(Message::Phone(phone::Message::Engine(
        engine_id,
        switchboard_voice::peer::Event::Ended {
            reason: "the far end stopped answering".into(),
        },
    )));
    assert!(matches!(actions, Action::Run(_)));
    assert!(ws.call().is_none(), "nobody is left in a dead call");
    // The hub could not be reached either: the agent reads why.
    ws.update(Message::Phone(phone::Message::LostReported {
        name: "Lucía Fernández".into(),
        reason: "the far end stopped answering".into(),
        result: Err(Error::Unreachable {
            url: "http://127.0.0.1:9".into(),
            reason: "connection refused".into(),
        }),
    }));
    assert!(shows(
        &ws,
        "The call with Lucía Fernández was cut off: the far end stopped answering"
    ));
}

#[test]
fn audio_devices_are_picked_in_settings_and_remembered() {
    use switchboard::screen::workspace::devices::{self, Choice};
    use switchboard_voice::device::DeviceInfo;
    let mut ws = workspace("available");
    let actions = click(&mut ws, "Settings");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "asks the audio server for its devices"
    );
    let device = |id: &str, label: &str| DeviceInfo {
        id: id.into(),
        label: label.into(),
    };
    ws.update(Message::Devices(devices::Message::Listed {
        inputs: vec![device("usb-headset.mono", "USB headset")],
        outputs: vec![
            device("usb-headset.stereo", "USB headset"),
            device("builtin.analog-stereo", "Built-in speakers"),
        ],
    }));
    assert!(shows(&ws, "Audio devices"));
    assert_eq!(
        ws.audio().devices,
        Default::default(),
        "nothing picked yet: system defaults"
    );

    let picked = ws.update(Message::Devices(devices::Message::RingerPicked(
        Choice::from(device("builtin.analog-stereo", "Built-in speakers")),
    )));
    let Action::DevicesPicked(picked) = picked else {
        panic!("a pick is remembered");
    };
    assert_eq!(picked.ringer.as_deref(), Some("builtin.analog-stereo"));
    assert_eq!(picked.microphone, None, "the rest stays as it was");
    assert_eq!(ws.audio().devices, picked, "the next call uses it");

    // The level meter could not open the microphone: said in words.
    ws.update(Message::Devices(devices::Message::Level(Err(
        "no microphone is available".into(),
    ))));
    assert!(shows(
        &ws,
        "The microphone cannot be opened: no microphone is available"
    ));

    // The test tone plays once at a time.
    let actions = click(&mut ws, "Play test tone");
    assert!(matches!(actions.as_slice(), [Action::Run(_)]));
    assert!(shows(&ws, "Playing…"));
    ws.update(Message::Devices(devices::Message::Tested(Err(
        "no speaker is available".into(),
    ))));
    assert!(shows(
        &ws,
        "The test tone could not play: no speaker is available"
    ));
}

#[test]
fn with_auto_answer_a_call_is_answered_at_once() {
    use switchboard_protocol::CallState;
    let mut ws = workspace("available");
    click(&mut ws, "Settings");
    let actions = click(&mut ws, "Answer incoming calls automatically");
    assert!(
        matches!(actions.as_slice(), [Action::DevicesPicked(p)] if p.auto_answer),
        "remembered"
    );
    let action = ws.update(call_event(CallState::Ringing, None));
    assert!(
        matches!(action, Action::Run(_)),
        "answers through the engine"
    );
    assert!(
        matches!(
            ws.call(),
            Some(phone::Call::Incoming {
                answering: true,
                ..
            })
        ),
        "answering"
    );
}

#[test]
fn a_call_ringing_in_notifies_only_when_the_window_is_in_the_background() {
    use switchboard_protocol::{CallOutcome, CallState};
    let mut ws = workspace("available");
    assert!(
        matches!(
            ws.update(call_event(CallState::Ringing, None)),
            Action::None
        ),
        "in front: the call bar (and the ringtone) suffice"
    );
    ws.update(call_event(CallState::Ended, Some(CallOutcome::Cancelled)));

    ws.update(Message::Focused(false));
    assert!(
        matches!(
            ws.update(call_event(CallState::Ringing, None)),
            Action::Run(_)
        ),
        "in the background: a desktop notification too"
    );
    assert!(shows(&ws, "Incoming call from Lucía Fernández"));
}

/// Alex's call to a customer's number: call 8, from Alex (1) to +1 415 555 0123.
fn outside_call(
    state: switchboard_protocol::CallState,
    outcome: Option<switchboard_protocol::CallOutcome>,
    alerting: bool,
) -> switchboard_protocol::Call {
    use switchboard_protocol::Party;
    let mut call = lucia_call(state, None, (1, "Alex Rivera"));
    call.id = 8;
    call.from = Party::agent(1, "Alex Rivera");
    call.to = Party::phone("+14155550123", "+14155550123");
    call.outcome = outcome;
    call.alerting = alerting;
    call
}

/// Alex has dialled +1 415 555 0123 and the hub took the call (a real, unconnected engine).
fn calling_out() -> switchboard::screen::workspace::Workspace {
    use switchboard_protocol::CallState;
    let mut ws = workspace("available");
    ws.update(Message::Phone(phone::Message::Dial {
        target: switchboard_protocol::Target::Number {
            e164: "+14155550123".into(),
            caller_id: None,
        },
        name: "+1 415-555-0123".into(),
    }));
    ws.update(Message::Phone(phone::Message::Dialed(Ok((
        outside_call(CallState::Ringing, None, false),
        engine(),
    )))));
    assert!(shows(&ws, "Calling +1 415-555-0123…"));
    ws
}

#[test]
fn calling_a_number_says_when_it_rings_and_when_it_is_busy() {
    use switchboard_protocol::{CallOutcome, CallState};
    let mut ws = calling_out();
    ws.update(event(outside_call(CallState::Ringing, None, true)));
    assert!(shows(&ws, "Ringing +1 415-555-0123…"));
    ws.update(event(outside_call(
        CallState::Ended,
        Some(CallOutcome::Busy),
        false,
    )));
    assert!(ws.call().is_none());
    assert!(shows(&ws, "+1 415-555-0123 is busy."));
}

#[test]
fn a_number_that_does_not_answer_or_cannot_be_reached_is_said_in_words() {
    use switchboard_protocol::{CallOutcome, CallState};
    let mut ws = calling_out();
    ws.update(event(outside_call(
        CallState::Ended,
        Some(CallOutcome::NoAnswer),
        false,
    )));
    assert!(shows(&ws, "+1 415-555-0123 did not answer."));

    let mut ws = calling_out();
    ws.update(event(outside_call(
        CallState::Ended,
        Some(CallOutcome::Failed),
        false,
    )));
    assert!(shows(
        &ws,
        "The call to +1 415-555-0123 could not be placed: the phone line failed. Try again, or tell your administrator if it keeps happening."
    ));
}

/// Grace, on the phone network, rings Alex through the Support group with what the call
/// flow collected.
fn graces_call() -> switchboard_protocol::Call {
    use switchboard_protocol::{CallState, ContextItem, Party};
    let mut call = lucia_call(CallState::Ringing, None, (1, "Alex Rivera"));
    call.from = Party::phone("+442071838750", "Grace Hopper");
    call.to = Party::group("Support");
    call.offered_to = vec![1];
    call.dialled = Some("+14155550100".into());
    call.ring_group = Some("Support".into());
    call.context = vec![
        ContextItem {
            key: "choice".into(),
            value: "2".into(),
        },
        ContextItem {
            key: "account".into(),
            value: "12345".into(),
        },
    ];
    call
}

#[test]
fn a_ringing_customer_shows_the_context_and_who_they_are_with_their_crm_badges() {
    use switchboard_protocol::{Badge, Contact, ContactPhone};
    let mut ws = workspace("available");
    ws.update(event(graces_call()));
    assert!(ws.call().is_some());
    assert!(shows(&ws, "Context"));
    assert!(shows(&ws, "choice"));
    assert!(shows(&ws, "12345"));
    assert!(shows(&ws, "Looking up +44 20 7183 8750…"));
    let grace = Contact {
        id: 3,
        name: "Grace Hopper".into(),
        company: "Northwind".into(),
        phones: vec![ContactPhone {
            number: "+442071838750".into(),
            label: "Mobile".into(),
        }],
        emails: vec!["grace@northwind.example".into()],
        badges: vec![
            Badge {
                integration: "contacts".into(),
                label: "Contacts".into(),
                url: String::new(),
                default: false,
            },
            Badge {
                integration: "crm".into(),
                label: "Acme CRM".into(),
                url: "https://crm.example/contacts/3".into(),
                default: true,
            },
        ],
    };
    let action = ws.update(Message::Phone(phone::Message::CallerLooked(
        7,
        Ok(vec![grace]),
    )));
    assert!(
        matches!(action, Action::Run(_)),
        "asks for her past interactions"
    );
    assert!(shows(&ws, "Grace Hopper · Northwind"));
    assert!(shows(&ws, "+44 20 7183 8750 · Mobile"));
    assert!(shows(&ws, "grace@northwind.example"));
    // The CRM's badge opens the contact there (through the desktop's handler).
    let actions = click(&mut ws, "Acme CRM");
    assert!(matches!(actions.as_slice(), [Action::Run(_)]));
    // Our own badge opens her in Contacts (the call goes on above it).
    let actions = click(&mut ws, "Contacts");
    assert!(matches!(actions.as_slice(), [Action::Run(_)]));
    assert_eq!(ws.view_shown(), View::Contacts);
    assert!(matches!(
        ws.contacts().shown(),
        Some(switchboard::screen::workspace::contacts::Shown::Loading(3))
    ));
    assert!(ws.call().is_some());
    // An answer about another call changes nothing.
    ws.update(Message::Phone(phone::Message::CallerLooked(99, Ok(vec![]))));
    assert!(shows(&ws, "Grace Hopper · Northwind"));
}

#[test]
fn a_caller_no_contact_has_is_said_so_and_a_failed_lookup_is_explained() {
    let mut ws = workspace("available");
    let mut unknown = graces_call();
    unknown.from = switchboard_protocol::Party::phone("+442071838750", "+442071838750");
    ws.update(event(unknown));
    // The number is the title; its country leads the details.
    assert!(shows(&ws, "Incoming call from +44 20 7183 8750"));
    assert!(shows(&ws, "GB · via Support, to +1 415-555-0100"));
    ws.update(Message::Phone(phone::Message::CallerLooked(7, Ok(vec![]))));
    assert!(shows(&ws, "No contact has +44 20 7183 8750."));

    let mut ws = workspace("available");
    let mut call = graces_call();
    call.context.clear();
    ws.update(event(call));
    assert!(shows(&ws, "Nothing collected for this call."));
    ws.update(Message::Phone(phone::Message::CallerLooked(
        7,
        Err(switchboard_client::Error::Unreachable {
            url: "http://hub.example".into(),
            reason: "connection refused".into(),
        }),
    )));
    assert!(shows(
        &ws,
        "The contact could not be looked up: Cannot reach the hub at http://hub.example. Check the address and your network."
    ));
}

#[test]
fn an_unknown_caller_is_added_to_contacts_from_the_ringing_call() {
    use switchboard_protocol::{Badge, Contact, ContactPhone};
    let mut ws = workspace("available");
    ws.update(event(graces_call()));
    ws.update(Message::Phone(phone::Message::CallerLooked(7, Ok(vec![]))));
    click(&mut ws, "Create contact");
    assert!(shows(&ws, "New contact for +44 20 7183 8750"));
    // Without a name, nothing is sent and the agent reads why.
    assert!(
        click(&mut ws, "Save contact")
            .iter()
            .all(|a| matches!(a, Action::None))
    );
    assert!(shows(&ws, "A contact needs a name."));
    ws.update(Message::Phone(phone::Message::NewContactName(
        "Grace Hopper".into(),
    )));
    let actions = click(&mut ws, "Save contact");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "sent to the hub"
    );
    // A second press while saving sends nothing more.
    assert!(
        click(&mut ws, "Save contact")
            .iter()
            .all(|a| matches!(a, Action::None))
    );
    ws.update(Message::Phone(phone::Message::ContactSaved(
        7,
        Ok(Contact {
            id: 9,
            name: "Grace Hopper".into(),
            company: String::new(),
            phones: vec![ContactPhone {
                number: "+442071838750".into(),
                label: String::new(),
            }],
            emails: Vec::new(),
            badges: vec![Badge {
                integration: "contacts".into(),
                label: "Contacts".into(),
                url: String::new(),
                default: false,
            }],
        }),
    )));
    assert!(!shows(&ws, "New contact for +44 20 7183 8750"));
    assert!(shows(&ws, "Grace Hopper"));
    assert!(!shows(&ws, "No contact has +44 20 7183 8750."));
}

/// Grace's call, answered by Alex (a real, unconnected engine), in a workspace whose
/// account has dispositions.
fn on_graces_call() -> switchboard::screen::workspace::Workspace {
    use switchboard_protocol::{CallState, Disposition, Party};
    let mut boot = common::bootstrap("available");
    boot.dispositions = vec![
        Disposition {
            id: 1,
            label: "Sale".into(),
        },
        Disposition {
            id: 2,
            label: "Refund issued".into(),
        },
    ];
    let mut ws = common::workspace_from(boot);
    ws.update(event(graces_call()));
    let mut live = graces_call();
    live.state = CallState::Live;
    live.to = Party::agent(1, "Alex Rivera");
    live.offered_to = Vec::new();
    ws.update(Message::Phone(phone::Message::Accept));
    ws.update(Message::Phone(phone::Message::Answered(Ok((
        live,
        engine(),
    )))));
    ws
}

#[test]
fn a_customers_call_opens_on_its_snapshot_and_has_notes_once_connected() {
    use switchboard::screen::workspace::Tab;
    let mut ws = workspace("available");
    ws.update(event(graces_call()));
    // Ringing: the Snapshot only — how it came in, its Context, who the caller is.
    assert!(shows(&ws, "Snapshot"));
    assert!(shows(&ws, "Ring group"));
    assert!(shows(&ws, "Dialled +1 415-555-0100"));
    assert!(shows(&ws, "Context"));
    assert!(!shows(&ws, "Notes"), "no notes before the call connects");

    let mut ws = on_graces_call();
    assert_eq!(ws.tab(), Tab::Snapshot);
    assert!(shows(&ws, "Ring group"));
    let actions = click(&mut ws, "Notes");
    assert!(actions.iter().all(|a| matches!(a, Action::None)));
    assert_eq!(ws.tab(), Tab::Notes);
    assert!(!shows(&ws, "Ring group"));
    assert!(shows(&ws, "Disposition"));
    assert!(shows(&ws, "Sale"));

    // Typing writes each edit on this computer first (a task per write).
    let actions = common::type_into(&mut ws, "notes", "Wants a refund");
    assert!(
        actions.iter().any(|a| matches!(a, Action::Run(_))),
        "the notes are written as they are typed"
    );
    assert_eq!(ws.notes().text().unwrap().trim_end(), "Wants a refund");
    assert!(!ws.notes().synced());
    assert!(shows(&ws, "Saved on this computer; sending…"));
    let actions = click(&mut ws, "Refund issued");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "written too"
    );
    assert_eq!(ws.notes().disposition(), Some(2));

    // Back to the Snapshot and again to the notes: nothing is lost.
    click(&mut ws, "Snapshot");
    assert!(shows(&ws, "Ring group"));
    assert!(!shows(&ws, "Refund issued"));
    click(&mut ws, "Notes");
    assert!(shows(&ws, "Refund issued"));
    assert_eq!(ws.notes().text().unwrap().trim_end(), "Wants a refund");
}

#[test]
fn wrap_up_shows_the_contact_the_disposition_and_the_notes_of_the_call() {
    use switchboard_protocol::{CallOutcome, CallState, Party};
    let mut ws = on_graces_call();
    click(&mut ws, "Notes");
    common::type_into(&mut ws, "notes", "Refund for order 12345");
    click(&mut ws, "Refund issued");

    // Grace hangs up; the hub puts Alex in after-call work.
    let mut ended = graces_call();
    ended.state = CallState::Ended;
    ended.outcome = Some(CallOutcome::Completed);
    ended.to = Party::agent(1, "Alex Rivera");
    ended.offered_to = Vec::new();
    ws.update(event(ended));
    assert!(ws.call().is_none());
    ws.update(Message::StatusSet(Ok(Presence {
        status: StatusKey::after_call_work(),
        since: noon(),
    })));
    assert!(shows(&ws, "After-call work"));
    assert!(shows(&ws, "Contact"));
    assert!(shows(&ws, "Looking up +44 20 7183 8750…"));
    assert!(shows(&ws, "Refund issued"));
    assert_eq!(ws.notes().disposition(), Some(2));
    assert_eq!(
        ws.notes().text().unwrap().trim_end(),
        "Refund for order 12345"
    );
    // The notes can still be changed while wrapping up.
    common::type_into(&mut ws, "notes", " — approved");
    assert!(ws.notes().text().unwrap().contains("approved"));
    // The status stays locked; Done ends wrap-up.
    click(&mut ws, "Alex Rivera");
    assert!(shows(&ws, "Locked during after-call work"));
    click(&mut ws, "Alex Rivera");
    let actions = click(&mut ws, "Done");
    assert!(matches!(actions.as_slice(), [Action::Run(_)]));
}

fn record(
    id: i64,
    direction: switchboard_protocol::Direction,
    from: switchboard_protocol::Party,
    to: Option<switchboard_protocol::Party>,
    answered: bool,
    outcome: switchboard_protocol::CallOutcome,
) -> switchboard_protocol::CallRecord {
    let started = noon() - Duration::minutes(30 * id);
    switchboard_protocol::CallRecord {
        id,
        direction,
        from,
        to,
        transferred_to: Vec::new(),
        started_at: started,
        answered_at: answered.then(|| started + Duration::seconds(5)),
        ended_at: Some(started + Duration::seconds(125)),
        outcome: Some(outcome),
        notes: Vec::new(),
        recording_seconds: None,
    }
}

#[test]
fn recent_calls_say_who_when_how_it_ended_and_call_back() {
    use switchboard::screen::workspace::history;
    use switchboard_protocol::{CallNotes, CallOutcome, Direction, Disposition, Party};
    let mut ws = workspace("available");
    click(&mut ws, "History");
    let mut grace = record(
        1,
        Direction::Inbound,
        Party::phone("+442071838750", "Grace Hopper"),
        Some(Party::agent(1, "Alex Rivera")),
        true,
        CallOutcome::Completed,
    );
    grace.notes = vec![
        CallNotes {
            call_id: 1,
            agent_id: 1,
            agent_name: "Alex Rivera".into(),
            notes: "Refund for order 12345\nShe will call again".into(),
            disposition: Some(Disposition {
                id: 2,
                label: "Refund issued".into(),
            }),
            revision: 1,
            updated_at: noon(),
        },
        CallNotes {
            call_id: 1,
            agent_id: 2,
            agent_name: "Lucía Fernández".into(),
            notes: "Checked the order first".into(),
            disposition: None,
            revision: 1,
            updated_at: noon(),
        },
    ];
    grace.transferred_to = vec![
        Party::agent(2, "Lucía Fernández"),
        Party::phone("+14155550123", "+14155550123"),
    ];
    let missed = record(
        2,
        Direction::Inbound,
        Party::phone("+14155550999", "+14155550999"),
        None,
        false,
        CallOutcome::Cancelled,
    );
    let to_lucia = record(
        3,
        Direction::Internal,
        Party::agent(1, "Alex Rivera"),
        Some(Party::agent(2, "Lucía Fernández")),
        true,
        CallOutcome::Completed,
    );
    ws.update(Message::History(history::Message::Loaded(Ok(vec![
        grace, missed, to_lucia,
    ]))));
    assert!(shows(&ws, "Grace Hopper"));
    assert!(shows(&ws, "+44 20 7183 8750"));
    assert!(shows(&ws, "Refund issued"));
    // The first line of the agent's notes; the rest when the call is opened.
    assert!(shows(&ws, "Refund for order 12345"));
    assert!(!shows(&ws, "Checked the order first"));
    assert!(shows(&ws, "+1 415-555-0999"));
    assert!(ws.history().calls().len() == 3);
    click(&mut ws, "Grace Hopper");
    assert!(shows(&ws, "Alex Rivera · Refund issued"));
    assert!(shows(&ws, "Checked the order first"));
    assert!(shows(&ws, "Transferred to Lucía Fernández"));
    assert!(shows(&ws, "Transferred to +1 415-555-0123"));

    // Call back (the first call's): the phone dials Grace's number.
    let actions = click(&mut ws, "Call back");
    assert!(matches!(actions.as_slice(), [Action::Run(_)]), "dials");
    assert!(shows(&ws, "Calling +44 20 7183 8750…"));
    assert!(
        !shows(&ws, "Lucía Fernández · "),
        "the call did not toggle open/closed"
    );
}

#[test]
fn a_failed_history_says_why() {
    use switchboard::screen::workspace::history;
    let mut ws = workspace("available");
    click(&mut ws, "History");
    ws.update(Message::History(history::Message::Loaded(Err(
        switchboard_client::Error::Unreachable {
            url: "http://hub".into(),
            reason: "refused".into(),
        },
    ))));
    assert!(shows(
        &ws,
        "Your calls could not be loaded: Cannot reach the hub at http://hub. Check the address and your network."
    ));
    ws.update(Message::History(history::Message::Loaded(Ok(Vec::new()))));
    assert!(shows(
        &ws,
        "No calls yet. Calls you make and take are listed here."
    ));
}

#[test]
fn a_known_customers_snapshot_lists_their_last_interactions() {
    use switchboard_protocol::{CallNotes, CallOutcome, Direction, Disposition, Party};
    let mut ws = workspace("available");
    ws.update(event(graces_call()));
    let grace = grace_contact();
    ws.update(Message::Phone(phone::Message::CallerLooked(
        7,
        Ok(vec![grace]),
    )));
    let mut answered = record(
        2,
        Direction::Inbound,
        Party::phone("+442071838750", "Grace Hopper"),
        Some(Party::agent(2, "Lucía Fernández")),
        true,
        CallOutcome::Completed,
    );
    answered.notes = vec![CallNotes {
        call_id: 2,
        agent_id: 2,
        agent_name: "Lucía Fernández".into(),
        notes: "Wanted the invoice resent\nSent to the billing address".into(),
        disposition: Some(Disposition {
            id: 1,
            label: "Resolved".into(),
        }),
        revision: 1,
        updated_at: noon(),
    }];
    let missed = record(
        3,
        Direction::Inbound,
        Party::phone("+442071838750", "Grace Hopper"),
        None,
        false,
        CallOutcome::Cancelled,
    );
    // The hub's list holds the ringing call too: it is not a past one.
    let mut current = record(
        7,
        Direction::Inbound,
        Party::phone("+442071838750", "Grace Hopper"),
        None,
        false,
        CallOutcome::Cancelled,
    );
    current.outcome = None;
    ws.update(Message::Phone(phone::Message::PastLoaded(
        7,
        Ok(vec![current, answered, missed]),
    )));
    assert!(shows(&ws, "Past interactions"));
    assert!(shows(&ws, "Wanted the invoice resent"));
    assert!(
        common::shows_containing(&ws, "Lucía Fernández · 02:00 · Resolved"),
        "who took it, how long, the disposition"
    );
    assert!(common::shows_containing(&ws, "· Missed"));
    assert!(
        !shows(&ws, "Sent to the billing address"),
        "only the first line"
    );

    // No earlier calls: said so.
    ws.update(Message::Phone(phone::Message::PastLoaded(
        7,
        Ok(Vec::new()),
    )));
    assert!(shows(&ws, "No earlier calls with this contact."));
}

#[test]
fn a_customers_identity_tab_shows_the_risk_and_why() {
    use switchboard::screen::workspace::Tab;
    use switchboard_protocol::{Attestation, Identity, LineType, Risk, RiskReason, ShakenProblem};
    let mut ws = workspace("available");
    ws.update(event(graces_call()));
    click(&mut ws, "Identity");
    assert_eq!(ws.tab(), Tab::Identity);
    assert!(shows(&ws, "Checking who is calling…"));

    let mut checked = graces_call();
    checked.identity = Some(Box::new(Identity {
        valid: true,
        line_type: LineType::FixedLine,
        country: Some("GB".into()),
        attestation: Attestation::Failed,
        shaken_problem: Some(ShakenProblem::NumberMismatch),
        blocked: true,
        calls_last_hour: 6,
        calls_last_day: 9,
        risk: Risk::High,
        reasons: vec![
            RiskReason::Blocked,
            RiskReason::SignatureFailed,
            RiskReason::ManyCallsLastHour,
        ],
    }));
    ws.update(event(checked));
    assert!(
        matches!(ws.call(), Some(phone::Call::Incoming { .. })),
        "news of a ringing offer keeps it ringing"
    );
    assert!(shows(&ws, "High risk"));
    assert!(shows(&ws, "• The number is on your block list."));
    assert!(shows(
        &ws,
        "• The caller ID’s signature failed: the number may be spoofed."
    ));
    assert!(shows(&ws, "• It called 6 times in the last hour."));
    assert!(shows(
        &ws,
        "The signature failed: it was made for another number"
    ));
    assert!(shows(&ws, "Landline"));
    assert!(shows(&ws, "GB"));
    assert!(shows(&ws, "On the account’s block list"));
    assert!(shows(&ws, "6 in the last hour, 9 in the last day"));

    // A signed, unremarkable caller.
    let mut fine = graces_call();
    fine.identity = Some(Box::new(Identity {
        valid: true,
        line_type: LineType::Mobile,
        country: Some("GB".into()),
        attestation: Attestation::A,
        shaken_problem: None,
        blocked: false,
        calls_last_hour: 0,
        calls_last_day: 1,
        risk: Risk::Low,
        reasons: Vec::new(),
    }));
    ws.update(event(fine));
    assert!(shows(&ws, "Low risk"));
    assert!(shows(&ws, "Verified by the carrier (full attestation, A)"));
    assert!(shows(&ws, "Not blocked"));
    assert!(
        !shows(&ws, "Block this number"),
        "the block list is a supervisor's"
    );

    // An agent's call has no Identity tab.
    let mut ws = workspace("available");
    ws.update(event(lucia_call(
        switchboard_protocol::CallState::Ringing,
        None,
        (1, "Alex Rivera"),
    )));
    assert!(!shows(&ws, "Identity"));
}

#[test]
fn a_supervisor_blocks_the_caller_from_the_identity_tab() {
    use switchboard_protocol::{Attestation, Identity, LineType, Risk, RiskReason, Role};
    let mut boot = common::bootstrap("available");
    boot.me.role = Role::Supervisor;
    let mut ws = common::workspace_from(boot);
    let mut call = graces_call();
    let mut identity = Identity {
        valid: true,
        line_type: LineType::FixedLine,
        country: Some("GB".into()),
        attestation: Attestation::None,
        shaken_problem: None,
        blocked: false,
        calls_last_hour: 0,
        calls_last_day: 0,
        risk: Risk::Medium,
        reasons: vec![RiskReason::NotAttested],
    };
    call.identity = Some(Box::new(identity.clone()));
    ws.update(event(call.clone()));
    click(&mut ws, "Identity");
    let actions = click(&mut ws, "Block this number");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "asks the hub"
    );
    // The hub's answer: blocked, high risk, and the way back.
    identity.set_blocked(true);
    call.identity = Some(Box::new(identity));
    ws.update(event(call));
    assert!(shows(&ws, "High risk"));
    assert!(shows(&ws, "• The number is on your block list."));
    let actions = click(&mut ws, "Take off the block list");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "asks the hub"
    );
}

#[test]
fn an_account_without_identity_sees_what_it_would_bring() {
    let mut boot = common::bootstrap("available");
    boot.account.settings.identity = false;
    let mut ws = common::workspace_from(boot);
    ws.update(event(graces_call()));
    click(&mut ws, "Identity");
    assert!(shows(&ws, "Know who is really calling"));
    assert!(shows(
        &ws,
        "Your account does not have Identity. Ask your administrator to add it."
    ));
    assert!(!shows(&ws, "Checking who is calling…"));
}

#[test]
fn a_known_callers_voice_is_enrolled_with_consent_and_then_verified() {
    use switchboard::screen::workspace::voice;
    use switchboard_protocol::{VoiceCheck, VoiceStatus};
    let mut ws = on_graces_call();
    let grace = grace_contact();
    click(&mut ws, "Identity");
    assert!(shows(
        &ws,
        "The caller’s voice can be checked once they are one of your contacts."
    ));
    ws.update(Message::Phone(phone::Message::CallerLooked(
        7,
        Ok(vec![grace]),
    )));
    // Opening the tab asks the hub at once (then every few seconds).
    click(&mut ws, "Snapshot");
    let actions = click(&mut ws, "Identity");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "asks the hub"
    );
    assert!(shows(&ws, "Listening to the caller…"));
    let heard = |status, seconds: f32, score: Option<f32>| {
        Message::Voice(voice::Message::Checked(
            (7, 3),
            Ok(VoiceCheck {
                status,
                score,
                threshold: 0.75,
                speech_seconds: seconds,
                needed_seconds: 3.0,
            }),
        ))
    };
    ws.update(heard(VoiceStatus::NotEnrolled, 1.0, None));
    assert!(shows(&ws, "Grace Hopper has no voiceprint yet."));
    assert!(shows(&ws, "Heard 1 s of speech (3 s needed)"));
    // Not without consent, nor before enough speech.
    let actions = click(&mut ws, "Enrol voiceprint");
    assert!(actions.iter().all(|a| matches!(a, Action::None)));
    click(&mut ws, "Grace Hopper agrees to have their voiceprint kept");
    let actions = click(&mut ws, "Enrol voiceprint");
    assert!(
        actions.iter().all(|a| matches!(a, Action::None)),
        "1 s is not enough"
    );
    ws.update(heard(VoiceStatus::NotEnrolled, 4.0, None));
    let actions = click(&mut ws, "Enrol voiceprint");
    assert!(matches!(actions.as_slice(), [Action::Run(_)]), "enrols");
    ws.update(Message::Voice(voice::Message::Enrolled(
        (7, 3),
        Ok(VoiceCheck {
            status: VoiceStatus::Enrolled,
            score: None,
            threshold: 0.75,
            speech_seconds: 4.0,
            needed_seconds: 3.0,
        }),
    )));
    assert!(shows(&ws, "Grace Hopper’s voiceprint is kept."));
    // Compared with itself, this call could only match: a check still on its way says
    // nothing more.
    ws.update(heard(VoiceStatus::Authenticated, 4.0, Some(1.0)));
    assert!(shows(&ws, "Grace Hopper’s voiceprint is kept."));

    // On a later call, checks say whether the voice matches, with the score.
    let mut ws = on_graces_call();
    ws.update(Message::Phone(phone::Message::CallerLooked(
        7,
        Ok(vec![grace_contact()]),
    )));
    click(&mut ws, "Identity");
    ws.update(heard(VoiceStatus::Authenticated, 9.0, Some(0.92)));
    assert!(shows(
        &ws,
        "Authenticated: the voice matches Grace Hopper’s voiceprint (score 0.92)."
    ));
    ws.update(heard(VoiceStatus::NotAuthenticated, 9.0, Some(0.27)));
    assert!(shows(
        &ws,
        "Not authenticated: the voice does not match Grace Hopper’s voiceprint (score 0.27)."
    ));
    // An answer about another call or contact changes nothing.
    ws.update(Message::Voice(voice::Message::Checked(
        (99, 3),
        Ok(VoiceCheck {
            status: VoiceStatus::Authenticated,
            score: Some(0.99),
            threshold: 0.75,
            speech_seconds: 9.0,
            needed_seconds: 3.0,
        }),
    )));
    assert!(
        ws.voice()
            .check()
            .is_some_and(|c| c.status == VoiceStatus::NotAuthenticated)
    );
}

#[test]
fn a_recorded_call_says_so_and_the_agent_pauses_it_where_allowed() {
    use switchboard_protocol::{CallState, Party, Recording};
    let mut ws = on_graces_call();
    assert!(!shows(&ws, "Recording"), "not recorded: nothing said");
    let live = |recording| {
        let mut call = graces_call();
        call.state = CallState::Live;
        call.to = Party::agent(1, "Alex Rivera");
        call.offered_to = Vec::new();
        call.recording = Some(recording);
        call
    };
    ws.update(event(live(Recording::Recording)));
    assert!(shows(&ws, "Recording"));
    let actions = click(&mut ws, "Pause recording");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "asks the hub"
    );
    ws.update(event(live(Recording::Paused)));
    assert!(shows(&ws, "Recording paused"));
    assert!(shows(&ws, "Resume recording"));

    // An account that does not let agents pause: the indicator only.
    let mut boot = common::bootstrap("available");
    boot.account.settings.recording_pause = false;
    let mut ws = common::workspace_from(boot);
    ws.update(event(graces_call()));
    ws.update(Message::Phone(phone::Message::Accept));
    ws.update(Message::Phone(phone::Message::Answered(Ok((
        live(Recording::Recording),
        engine(),
    )))));
    assert!(shows(&ws, "Recording"));
    assert!(!shows(&ws, "Pause recording"));

    // Consulting a colleague: their talk is not recorded, and the bar says so.
    ws.update(Message::Phone(phone::Message::Consulting(Ok(consulting(
        CallState::Live,
    )))));
    assert!(shows(&ws, "Recording paused"));
    // Everyone together: the customer is in it, and it is recorded again.
    let mut held = live(Recording::Recording);
    held.conference = true;
    held.consult = Some(9);
    ws.update(event(held));
    let mut joined = consulting(CallState::Live);
    joined.conference = true;
    ws.update(event(joined));
    assert!(shows(&ws, "Recording"));
    assert!(!shows(&ws, "Recording paused"));
}

#[test]
fn a_recorded_call_is_played_from_history() {
    use switchboard::screen::workspace::history::{self, Playback};
    use switchboard_protocol::{CallOutcome, Direction, Party};
    let mut ws = workspace("available");
    click(&mut ws, "History");
    let mut recorded = record(
        1,
        Direction::Inbound,
        Party::phone("+442071838750", "Grace Hopper"),
        Some(Party::agent(1, "Alex Rivera")),
        true,
        CallOutcome::Completed,
    );
    recorded.recording_seconds = Some(65);
    ws.update(Message::History(history::Message::Loaded(Ok(vec![
        recorded,
    ]))));
    let actions = click(&mut ws, "Play recording (01:05)");
    assert!(matches!(actions.as_slice(), [Action::Run(_)]), "fetches it");
    assert!(shows(&ws, "Loading the recording…"));
    ws.update(Message::History(history::Message::Fetched(
        1,
        Ok(vec![0i16; 48_000].into()),
    )));
    assert!(matches!(ws.history().playback(), Playback::Playing(1, _)));
    click(&mut ws, "Stop");
    assert!(matches!(ws.history().playback(), Playback::Idle));
    assert!(shows(&ws, "Play recording (01:05)"));

    // A recording that cannot be had says why.
    click(&mut ws, "Play recording (01:05)");
    ws.update(Message::History(history::Message::Fetched(
        1,
        Err("recording not found".into()),
    )));
    assert!(shows(
        &ws,
        "The recording could not be played: recording not found"
    ));
}

#[test]
fn a_customer_can_be_handed_back_to_a_queue_but_an_agent_cannot() {
    let mut ws = on_graces_call();
    click(&mut ws, "Transfer");
    assert!(shows(&ws, "Back to a queue"));
    let actions = click(&mut ws, "Support");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "asks the hub"
    );

    // A call with another agent goes to agents only (a ring group may still be consulted).
    let mut ws = on_a_call();
    click(&mut ws, "Transfer");
    assert!(shows(&ws, "Transfer to"));
    assert!(!shows(&ws, "Back to a queue"));
    assert!(shows(&ws, "Consult a ring group"));
}

#[test]
fn consulting_a_ring_group_rings_its_agents_until_one_takes_it() {
    use switchboard_protocol::{CallState, Party, TransferCall};
    let mut ws = on_graces_call();
    click(&mut ws, "Transfer");
    assert!(shows(&ws, "Consult a ring group"));
    let action = ws.update(Message::Phone(phone::Message::ConsultWith(
        TransferCall::group(1),
    )));
    assert!(matches!(action, Action::Run(_)), "asks the hub");
    // The hub's answer: it waits in Sales.
    let mut waiting = consulting(CallState::Ringing);
    waiting.to = Party::group("Sales");
    waiting.ring_group = Some("Sales".into());
    waiting.offered_to = vec![2];
    ws.update(Message::Phone(phone::Message::Consulting(Ok(
        waiting.clone()
    ))));
    assert!(shows(&ws, "Calling Sales to consult…"));
    // Lucía takes it.
    ws.update(event(consulting(CallState::Live)));
    assert!(shows(
        &ws,
        "Consulting Lucía Fernández (the caller is on hold)"
    ));

    // Lucía's view (agent 1 here): offered by Sales, she sees who consults her, and from where.
    let mut lucia = workspace("available");
    let mut offer = waiting;
    offer.from = Party::agent(2, "Alex Rivera");
    offer.offered_to = vec![1];
    lucia.update(event(offer.clone()));
    assert!(shows(
        &lucia,
        "Alex Rivera wants to consult you about a call"
    ));
    assert!(shows(&lucia, "via Sales"));
    let actions = click(&mut lucia, "Accept");
    assert!(matches!(actions.as_slice(), [Action::Run(_)]), "takes it");
    // Someone else took it first: her desk stops ringing.
    offer.offered_to = Vec::new();
    offer.to = Party::agent(3, "Ben Okafor");
    offer.state = CallState::Live;
    lucia.update(event(offer));
    assert!(!shows(
        &lucia,
        "Alex Rivera wants to consult you about a call"
    ));
}

/// Alex's consulting call to Lucía about Grace's call (7).
fn consulting(state: switchboard_protocol::CallState) -> switchboard_protocol::Call {
    use switchboard_protocol::Party;
    let mut call = lucia_call(state, None, (2, "Lucía Fernández"));
    call.id = 9;
    call.from = Party::agent(1, "Alex Rivera");
    call.consult_of = Some(7);
    call
}

#[test]
fn consulting_a_colleague_then_completing_the_transfer() {
    use switchboard_protocol::{CallOutcome, CallState, Party};
    let mut ws = on_graces_call();
    click(&mut ws, "Transfer");
    assert!(shows(&ws, "Consult first"));
    let action = ws.update(Message::Phone(phone::Message::ConsultWith(
        switchboard_protocol::TransferCall::agent(2),
    )));
    assert!(matches!(action, Action::Run(_)), "asks the hub");
    ws.update(Message::Phone(phone::Message::Consulting(Ok(consulting(
        CallState::Ringing,
    )))));
    assert!(shows(&ws, "Calling Lucía Fernández to consult…"));
    let actions = click(&mut ws, "Complete transfer");
    assert!(
        actions.iter().all(|a| matches!(a, Action::None)),
        "not before she answers"
    );
    ws.update(event(consulting(CallState::Live)));
    assert!(shows(
        &ws,
        "Consulting Lucía Fernández (the caller is on hold)"
    ));
    let actions = click(&mut ws, "Complete transfer");
    assert!(matches!(actions.as_slice(), [Action::Run(_)]));
    // The hub's answer: Grace's call is Lucía's now; Alex is off it.
    let mut handed = graces_call();
    handed.state = CallState::Live;
    handed.to = Party::agent(2, "Lucía Fernández");
    handed.offered_to = Vec::new();
    handed.transferred_by = Some(Party::agent(1, "Alex Rivera"));
    let mut merged = consulting(CallState::Ended);
    merged.outcome = Some(CallOutcome::Completed);
    merged.merged_into = Some(7);
    ws.update(event(merged));
    ws.update(event(handed));
    assert!(ws.call().is_none());
    assert!(shows(&ws, "You transferred the call to Lucía Fernández."));
}

#[test]
fn a_declined_or_cancelled_consultation_leaves_the_agent_with_the_caller() {
    use switchboard_protocol::{CallOutcome, CallState};
    let mut ws = on_graces_call();
    ws.update(Message::Phone(phone::Message::Consulting(Ok(consulting(
        CallState::Ringing,
    )))));
    let mut declined = consulting(CallState::Ended);
    declined.outcome = Some(CallOutcome::Declined);
    ws.update(event(declined));
    assert!(shows(&ws, "Lucía Fernández declined the call."));
    assert!(!shows(&ws, "Complete transfer"));
    assert!(matches!(ws.call(), Some(phone::Call::Live(_))));

    ws.update(Message::Phone(phone::Message::Consulting(Ok(consulting(
        CallState::Live,
    )))));
    let actions = click(&mut ws, "Back to the caller");
    assert!(matches!(actions.as_slice(), [Action::Run(_)]));
}

#[test]
fn the_colleague_who_was_consulted_carries_on_with_the_customer() {
    use switchboard_protocol::{CallOutcome, CallState, Party};
    // Lucía's view (agent 1 here): Alex consults her.
    let mut ws = workspace("available");
    let mut ringing = consulting(CallState::Ringing);
    ringing.from = Party::agent(2, "Alex Rivera");
    ringing.to = Party::agent(1, "Lucía Fernández");
    ws.update(event(ringing.clone()));
    assert!(shows(&ws, "Alex Rivera wants to consult you about a call"));
    let mut live = ringing.clone();
    live.state = CallState::Live;
    ws.update(Message::Phone(phone::Message::Accept));
    ws.update(Message::Phone(phone::Message::Answered(Ok((
        live,
        engine(),
    )))));
    // Alex completes the transfer: her call goes on, as Grace's.
    let mut merged = ringing;
    merged.state = CallState::Ended;
    merged.outcome = Some(CallOutcome::Completed);
    merged.merged_into = Some(7);
    ws.update(event(merged));
    assert!(
        matches!(ws.call(), Some(phone::Call::Live(_))),
        "the media stays"
    );
    let mut graces = graces_call();
    graces.state = CallState::Live;
    graces.to = Party::agent(1, "Lucía Fernández");
    graces.offered_to = Vec::new();
    graces.transferred_by = Some(Party::agent(2, "Alex Rivera"));
    ws.update(event(graces));
    assert!(shows(&ws, "On a call with Grace Hopper"));
}

#[test]
fn a_consultation_becomes_a_three_way_call_the_agent_can_leave() {
    use switchboard_protocol::CallState;
    let mut ws = on_graces_call();
    ws.update(Message::Phone(phone::Message::Consulting(Ok(consulting(
        CallState::Ringing,
    )))));
    let actions = click(&mut ws, "Three-way call");
    assert!(
        actions.iter().all(|a| matches!(a, Action::None)),
        "not before she answers"
    );
    ws.update(event(consulting(CallState::Live)));
    let actions = click(&mut ws, "Three-way call");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "asks the hub"
    );
    let mut three_way = graces_call();
    three_way.state = CallState::Live;
    three_way.to = switchboard_protocol::Party::agent(1, "Alex Rivera");
    three_way.offered_to = Vec::new();
    three_way.conference = true;
    three_way.consult = Some(9);
    ws.update(event(three_way));
    assert!(shows(
        &ws,
        "Three-way call with Grace Hopper and Lucía Fernández"
    ));
    assert!(shows(&ws, "Drop Lucía Fernández"));
    let actions = click(&mut ws, "Leave the call");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "tells the hub"
    );
    assert!(ws.call().is_none());
}

#[test]
fn a_call_is_handed_on_to_an_outside_number() {
    let mut ws = on_graces_call();
    click(&mut ws, "Transfer");
    assert!(shows(&ws, "Or to a number"));
    let actions = click(&mut ws, "Transfer the call");
    assert!(
        actions.iter().all(|a| matches!(a, Action::None)),
        "nothing typed yet"
    );
    // Not a number yet: said so, nothing sent (Enter included).
    common::type_into(&mut ws, "transfer-number", "415 55");
    assert!(shows(&ws, "Not a number that can be dialled yet."));
    let actions = click(&mut ws, "Transfer the call");
    assert!(actions.iter().all(|a| matches!(a, Action::None)));
    ws.update(Message::Phone(phone::Message::TransferToNumber));
    assert!(
        shows(&ws, "415 55 is not a number that can be dialled."),
        "refused here, not sent to the hub"
    );
    // The account's country (US) reads a national number.
    ws.update(Message::Phone(phone::Message::TransferNumberChanged(
        "(415) 555-0123".into(),
    )));
    assert!(shows(&ws, "+1 415-555-0123"));
    let actions = click(&mut ws, "Transfer the call");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "asks the hub"
    );

    // Or talks to the number first.
    let mut ws = on_graces_call();
    click(&mut ws, "Transfer");
    common::type_into(&mut ws, "transfer-number", "(415) 555-0123");
    let actions = click(&mut ws, "Consult the number");
    assert!(
        matches!(actions.as_slice(), [Action::Run(_)]),
        "asks the hub"
    );
}

/// A real engine, unconnected: what a live call holds.
fn engine() -> switchboard::call::Engine {
    let (setup, _offer) =
        switchboard_voice::peer::Setup::offer("127.0.0.1:0".parse().unwrap()).unwrap();
    let (handle, reports) = setup
        .start(
            Box::new(switchboard_voice::tone::Sine::new(440.0, 0)),
            Box::new(switchboard_voice::recording::Recording::default()),
        )
        .unwrap();
    switchboard::call::Engine::new(handle, reports)
}

/// Grace as Contacts know her (no numbers or links: the cards only need her name).
fn grace_contact() -> switchboard_protocol::Contact {
    switchboard_protocol::Contact {
        id: 3,
        name: "Grace Hopper".into(),
        company: String::new(),
        phones: Vec::new(),
        emails: Vec::new(),
        badges: Vec::new(),
    }
}

#[test]
fn the_colleague_in_a_three_way_call_may_mute_or_leave_only() {
    use switchboard_protocol::{CallState, Party};
    let mut ws = workspace("available");
    let mut ringing = consulting(CallState::Ringing);
    ringing.from = Party::agent(2, "Alex Rivera");
    ringing.to = Party::agent(1, "Lucía Fernández");
    ws.update(event(ringing.clone()));
    let mut live = ringing;
    live.state = CallState::Live;
    ws.update(Message::Phone(phone::Message::Accept));
    ws.update(Message::Phone(phone::Message::Answered(Ok((
        live.clone(),
        engine(),
    )))));
    assert!(shows(&ws, "Hold"));
    live.conference = true;
    ws.update(event(live));
    assert!(shows(&ws, "Three-way call: Alex Rivera and the caller"));
    assert!(shows(&ws, "Mute"));
    assert!(shows(&ws, "Hang up"));
    assert!(!shows(&ws, "Hold"));
    assert!(!shows(&ws, "Transfer"));
}
