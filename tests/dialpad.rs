//! The dial pad as an agent uses it: keys and typed or pasted numbers read live in the
//! chosen country, the contact shown once looked up, the caller ID the call will use (a
//! picker only for agents allowed to choose), and Call only for a valid number.

#![allow(clippy::unwrap_used)]

mod common;

use common::{click, shows, workspace};
use switchboard::screen::workspace::dialpad::{self, Country, Reading};
use switchboard::screen::workspace::{Action, Message, Workspace};
use switchboard_protocol::{Contact, ContactPhone, Target};

fn dial(ws: &mut Workspace, message: dialpad::Message) -> Action {
    ws.update(Message::DialPad(message))
}

#[test]
fn numbers_read_in_the_chosen_country_with_the_national_form_shown() {
    assert_eq!(dialpad::read("", "US"), Reading::Empty);
    assert_eq!(
        dialpad::read("(415) 555-0132", "US"),
        Reading::Valid {
            e164: "+14155550132".into(),
            national: "(415) 555-0132".into(),
        }
    );
    // The same digits are not a Spanish number; an international form ignores the country.
    assert_eq!(dialpad::read("415 555 0132", "ES"), Reading::Invalid);
    assert!(matches!(
        dialpad::read("+34 912 345 678", "US"),
        Reading::Valid { e164, .. } if e164 == "+34912345678"
    ));
    assert_eq!(dialpad::read("12", "US"), Reading::Invalid);
}

#[test]
fn keys_build_the_number_and_call_waits_for_a_valid_one() {
    let mut ws = workspace("available");
    assert!(shows(&ws, "Type or paste a number, or use the keys."));
    assert!(
        click(&mut ws, "Call number").is_empty(),
        "Call is disabled while empty"
    );
    for key in "415555".chars() {
        click(&mut ws, &key.to_string());
    }
    assert!(shows(&ws, "Not a complete number for US yet."));
    assert!(click(&mut ws, "Call number").is_empty(), "still disabled");
    let mut lookups = 0;
    for key in "0132".chars() {
        if let [Action::Run(_)] = click(&mut ws, &key.to_string()).as_slice() {
            lookups += 1;
        }
    }
    assert_eq!(
        lookups, 1,
        "the complete number is looked up (after a pause)"
    );
    assert!(shows(&ws, "(415) 555-0132 · +14155550132"));
    assert!(shows(&ws, "Looking up…"));
    click(&mut ws, "Delete");
    assert_eq!(ws.dialpad().reading(), &Reading::Invalid);
}

#[test]
fn pasted_text_keeps_only_what_a_number_holds() {
    let mut ws = workspace("available");
    dial(
        &mut ws,
        dialpad::Message::InputChanged("Call me: +1 (415) 555-0132!".into()),
    );
    assert!(matches!(
        ws.dialpad().reading(),
        Reading::Valid { e164, .. } if e164 == "+14155550132"
    ));
}

#[test]
fn the_matching_contact_is_shown_and_remembered() {
    let mut ws = workspace("available");
    dial(&mut ws, dialpad::Message::InputChanged("4155550132".into()));
    // Typing paused: the lookup runs and finds Olivia.
    let due = dial(&mut ws, dialpad::Message::LookupDue("+14155550132".into()));
    assert!(matches!(due, Action::Run(_)));
    let olivia = Contact {
        id: 9,
        name: "Olivia Park".into(),
        company: "Northwind".into(),
        phones: vec![ContactPhone {
            number: "+14155550132".into(),
            label: "Work".into(),
        }],
        emails: vec![],
        badges: vec![],
    };
    dial(
        &mut ws,
        dialpad::Message::LookedUp("+14155550132".into(), Ok(vec![olivia])),
    );
    assert!(shows(&ws, "Olivia Park"));
    // A stale lookup (the agent typed on) is not run.
    dial(&mut ws, dialpad::Message::InputChanged("41555501".into()));
    assert!(matches!(
        dial(&mut ws, dialpad::Message::LookupDue("+14155550132".into())),
        Action::None
    ));
    // Back to Olivia's number: known already, no new lookup.
    let again = dial(&mut ws, dialpad::Message::InputChanged("4155550132".into()));
    assert!(matches!(again, Action::None), "cached");
    assert!(shows(&ws, "Olivia Park"));
    // An unknown number says so.
    dial(&mut ws, dialpad::Message::InputChanged("4155550199".into()));
    dial(
        &mut ws,
        dialpad::Message::LookedUp("+14155550199".into(), Ok(vec![])),
    );
    assert!(shows(&ws, "Not in your contacts"));
}

#[test]
fn a_new_country_is_remembered_and_rereads_the_number() {
    let mut ws = workspace("available");
    dial(
        &mut ws,
        dialpad::Message::InputChanged("912 345 678".into()),
    );
    assert_eq!(ws.dialpad().reading(), &Reading::Invalid);
    let action = dial(
        &mut ws,
        dialpad::Message::CountryPicked(Country {
            id: "ES".into(),
            code: 34,
        }),
    );
    assert!(matches!(action, Action::DialCountryPicked(ref c, _) if c == "ES"));
    assert!(matches!(
        ws.dialpad().reading(),
        Reading::Valid { e164, .. } if e164 == "+34912345678"
    ));
    // The remembered country wins over the account's default next time.
    let ws = workspace("available").with_dial_country(Some("ES"));
    assert_eq!(ws.dialpad().country(), "ES");
}

#[test]
fn the_caller_id_picker_is_only_for_agents_allowed_to_choose() {
    let mut ws = workspace("available");
    assert!(shows(&ws, "Caller ID"));
    dial(
        &mut ws,
        dialpad::Message::CallerIdPicked(dialpad::CallerIdChoice(switchboard_protocol::CallerId {
            id: 2,
            number: "+34910000000".into(),
            label: "Madrid office".into(),
        })),
    );
    dial(&mut ws, dialpad::Message::InputChanged("4155550132".into()));
    let actions = click(&mut ws, "Call number");
    assert!(matches!(actions.as_slice(), [Action::Run(_)]), "dials");
    assert!(shows(&ws, "Calling (415) 555-0132…"));

    let mut boot = common::bootstrap("available");
    boot.me.can_choose_caller_id = false;
    let session = ws.session().clone();
    let ws = Workspace::new(session, boot, common::noon());
    assert!(!shows(&ws, "Caller ID"));
    assert!(shows(&ws, "Calls out as Main line (+14155550100)"));
}

#[test]
fn the_call_carries_the_number_and_the_chosen_caller_id() {
    let mut pad = dialpad::DialPad::new("US", &common::bootstrap("available").caller_ids);
    let hub = switchboard_client::Hub::new("http://127.0.0.1:9").unwrap();
    pad.update(
        dialpad::Message::InputChanged("+1 415 555 0132".into()),
        &hub,
        "sb_test",
    );
    match pad.update(dialpad::Message::Call, &hub, "sb_test") {
        dialpad::Action::Call { target, name } => {
            assert_eq!(
                target,
                Target::Number {
                    e164: "+14155550132".into(),
                    caller_id: Some(1),
                }
            );
            assert_eq!(name, "(415) 555-0132");
        }
        _ => panic!("expected a call"),
    }
}
