//! Call flows on their own: what a caller hears and presses, and what ends up in the
//! call's Context — menus, digits with a finishing key, timeouts and attempts, business
//! hours, and flow files that are refused with a reason.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use jiff::Timestamp;
use switchboard_hub::flow::{Effect, Flow, Input, Run};

const MAIN_LINE: &str = r##"
start = "hours"

[steps.hours]
business_hours = { timezone = "Europe/Madrid", open = ["mon-fri 09:00-18:00", "sat 10:00-14:00"], closed_on = ["2026-12-25"] }
when_open = "welcome"
when_closed = "voicemail"

[steps.welcome]
play = "welcome"
next = "menu"

[steps.menu]
gather = { prompt = "menu", timeout = "4s", attempts = 2, into = "choice" }
choices = { "1" = "sales", "2" = "account" }
no_input = "operator"

[steps.account]
gather = { prompt = "account-number", min_digits = 4, max_digits = 8, finish_on = "#", timeout = "6s", attempts = 3, into = "account" }
next = "support"
no_input = "support"

[steps.sales]
set = { department = "Sales" }
next = "to-sales"

[steps.to-sales]
route = "Sales"

[steps.support]
set = { department = "Support" }
next = "to-support"

[steps.to-support]
route = "Support"

[steps.operator]
route = "Reception"

[steps.voicemail]
voicemail = { prompt = "closed", max_length = "90s" }
"##;

/// A Monday at 10:30 in Madrid (open).
fn monday_morning() -> Timestamp {
    "2026-11-30T10:30:00+01:00".parse().unwrap()
}

fn play(prompt: &str, barge_in: bool) -> Effect {
    Effect::Play {
        prompt: prompt.into(),
        barge_in,
    }
}

fn listen(secs: u64) -> Effect {
    Effect::Listen {
        timeout: Duration::from_secs(secs),
    }
}

fn context(run: &Run) -> Vec<(&str, &str)> {
    run.context()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn a_caller_picks_support_and_keys_in_an_account_number() {
    let now = monday_morning();
    let (mut run, first) = Run::start(Flow::parse(MAIN_LINE).unwrap(), now);
    assert_eq!(first, play("welcome", false));
    assert_eq!(run.input(Input::Played, now), play("menu", true));
    // The caller presses 2 while the menu plays: it stops, the account question follows.
    assert_eq!(
        run.input(Input::Key('2'), now),
        play("account-number", true)
    );
    assert_eq!(run.step(), "account");
    for key in ['1', '2', '3', '4', '5'] {
        assert_eq!(run.input(Input::Key(key), now), listen(6));
    }
    assert_eq!(
        run.input(Input::Key('#'), now),
        Effect::Route {
            group: "Support".into()
        }
    );
    assert_eq!(
        context(&run),
        [
            ("choice", "2"),
            ("account", "12345"),
            ("department", "Support")
        ]
    );
}

#[test]
fn silence_and_wrong_keys_use_up_the_attempts_then_no_input_leads_on() {
    let now = monday_morning();
    let (mut run, _) = Run::start(Flow::parse(MAIN_LINE).unwrap(), now);
    run.input(Input::Played, now);
    // Attempt 1: the menu plays, then silence.
    assert_eq!(run.input(Input::Played, now), listen(4));
    assert_eq!(run.input(Input::TimedOut, now), play("menu", true));
    // Attempt 2: a key that is no choice.
    assert_eq!(
        run.input(Input::Key('9'), now),
        Effect::Route {
            group: "Reception".into()
        },
        "two attempts, then no_input"
    );
    assert!(
        context(&run).is_empty(),
        "no answer is kept: {:?}",
        context(&run)
    );
}

#[test]
fn an_answer_shorter_than_asked_is_asked_again_and_a_pause_ends_a_long_enough_one() {
    let now = monday_morning();
    let (mut run, _) = Run::start(Flow::parse(MAIN_LINE).unwrap(), now);
    run.input(Input::Played, now);
    run.input(Input::Key('2'), now);
    // Two digits then '#': too short, asked again (attempt 2 of 3).
    run.input(Input::Key('4'), now);
    run.input(Input::Key('2'), now);
    assert_eq!(
        run.input(Input::Key('#'), now),
        play("account-number", true)
    );
    // Four digits then a pause: long enough.
    for key in ['9', '8', '7', '6'] {
        run.input(Input::Key(key), now);
    }
    assert_eq!(
        run.input(Input::TimedOut, now),
        Effect::Route {
            group: "Support".into()
        }
    );
    assert_eq!(
        context(&run),
        [
            ("choice", "2"),
            ("account", "9876"),
            ("department", "Support")
        ]
    );
    // Eight digits end the answer without '#'.
    let (mut run, _) = Run::start(Flow::parse(MAIN_LINE).unwrap(), now);
    run.input(Input::Played, now);
    run.input(Input::Key('2'), now);
    for key in "1234567".chars() {
        assert_eq!(run.input(Input::Key(key), now), listen(6));
    }
    assert_eq!(
        run.input(Input::Key('8'), now),
        Effect::Route {
            group: "Support".into()
        }
    );
}

#[test]
fn outside_business_hours_and_on_holidays_callers_leave_a_message() {
    let flow = Flow::parse(MAIN_LINE).unwrap();
    let voicemail = Effect::Voicemail {
        prompt: Some("closed".into()),
        max: Duration::from_secs(90),
    };
    for (when, open) in [
        ("2026-11-30T08:59:00+01:00", false), // Monday, before nine
        ("2026-11-30T09:00:00+01:00", true),
        ("2026-11-30T17:59:00+01:00", true),
        ("2026-11-30T18:00:00+01:00", false),
        ("2026-12-05T11:00:00+01:00", true),  // Saturday morning
        ("2026-12-05T15:00:00+01:00", false), // Saturday afternoon
        ("2026-12-06T11:00:00+01:00", false), // Sunday
        ("2026-12-25T11:00:00+01:00", false), // Christmas, a Friday
        // 08:30 in New York is 14:30 in Madrid: open.
        ("2026-11-30T08:30:00-05:00", true),
    ] {
        let now: Timestamp = when.parse().unwrap();
        let (_, first) = Run::start(flow.clone(), now);
        let expected = if open {
            play("welcome", false)
        } else {
            voicemail.clone()
        };
        assert_eq!(first, expected, "{when}");
    }
}

#[test]
fn a_flow_file_with_a_mistake_is_refused_with_where_it_is() {
    let refused = |source: &str| match Flow::parse(source) {
        Err(switchboard_hub::Error::BadRequest(why)) => why,
        other => panic!("{source}: {other:?}"),
    };
    assert!(refused("start = \"a\"\n[steps.a]\nplay = \"x\"\nnext = \"b\"\n").contains("\"b\""));
    assert!(
        refused("start = \"a\"\n[steps.a]\nplay = \"x\"\nroute = \"Sales\"\n")
            .contains("exactly one thing")
    );
    assert!(refused("start = \"nowhere\"\n[steps.a]\nhangup = true\n").contains("nowhere"));
    assert!(
        refused("start = \"a\"\n[steps.a]\nbusiness_hours = { timezone = \"Mars/Olympus\", open = [] }\nwhen_open = \"a\"\nwhen_closed = \"a\"\n")
            .contains("time zone")
    );
    assert!(
        refused("start = \"a\"\n[steps.a]\nbusiness_hours = { timezone = \"UTC\", open = [\"weekdays 9-5\"] }\nwhen_open = \"a\"\nwhen_closed = \"a\"\n")
            .contains("weekdays")
    );
    assert!(
        refused(
            "start = \"a\"\n[steps.a]\ngather = { min_digits = 3, max_digits = 2 }\nnext = \"a\"\n"
        )
        .contains("min_digits")
    );
    assert!(refused("start = \"a\"\n[steps.a]\nplya = \"x\"\n").contains("plya"));
    assert!(refused("not toml at all [").starts_with("the flow file"));
}

#[test]
fn a_flow_that_loops_on_its_own_ends_the_call() {
    let flow =
        Flow::parse("start = \"a\"\n[steps.a]\nset = { x = \"1\" }\nnext = \"a\"\n").unwrap();
    let (_, first) = Run::start(flow, monday_morning());
    assert_eq!(first, Effect::Hangup);
}

#[test]
fn a_flow_lists_the_prompts_and_groups_it_needs() {
    let flow = Flow::parse(MAIN_LINE).unwrap();
    assert_eq!(
        flow.prompts().into_iter().collect::<Vec<_>>(),
        ["account-number", "closed", "menu", "welcome"]
    );
    assert_eq!(
        flow.groups().into_iter().collect::<Vec<_>>(),
        ["Reception", "Sales", "Support"]
    );
}
