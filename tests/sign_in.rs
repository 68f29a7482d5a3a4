//! The sign-in screen, driven headless: type, tick, press.

#![allow(clippy::unwrap_used)]

mod common;

use common::simulator;
use iced_test::selector;
use switchboard::screen::sign_in::{Action, SignIn};

fn drive(
    screen: &mut SignIn,
    steps: impl FnOnce(&mut iced_test::Simulator<'_, switchboard::screen::sign_in::Message>),
) -> Vec<Action> {
    let messages: Vec<_> = {
        let mut ui = simulator(screen.view());
        steps(&mut ui);
        ui.into_messages().collect()
    };
    messages.into_iter().map(|m| screen.update(m)).collect()
}

#[test]
fn an_agent_signs_in_to_a_remote_hub() {
    let mut screen = SignIn::new(
        Some("http://127.0.0.1:1".into()),
        None,
        String::new(),
        false,
        None,
    );
    drive(&mut screen, |ui| {
        ui.click("Another hub").unwrap();
    });
    let actions = drive(&mut screen, |ui| {
        ui.click(selector::id("server")).unwrap();
        ui.typewrite("http://127.0.0.1:7300");
        ui.click(selector::id("email")).unwrap();
        ui.typewrite("ana@acme.example");
        ui.click(selector::id("password")).unwrap();
        ui.typewrite("hunter22");
        ui.click("Keep me signed in").unwrap();
        ui.click("Sign in").unwrap();
    });
    let Some(Action::SignIn {
        hub,
        email,
        password,
        remember,
        builtin,
    }) = actions.into_iter().last()
    else {
        panic!("pressing Sign in asks to sign in");
    };
    assert_eq!(hub.address(), "http://127.0.0.1:7300");
    assert_eq!(
        (email.as_str(), password.as_str(), remember, builtin),
        ("ana@acme.example", "hunter22", true, false)
    );
    // While busy the button reads "Signing in…".
    let mut ui = simulator(screen.view());
    assert!(ui.find("Signing in…").is_ok());
}

#[test]
fn an_expired_session_returns_with_the_email_kept_and_a_reason() {
    let screen = SignIn::new(
        Some("http://127.0.0.1:1".into()),
        None,
        "alex@acme.example".into(),
        true,
        Some("Your session has ended. Sign in again.".into()),
    );
    let mut ui = simulator(screen.view());
    assert!(ui.find("Your session has ended. Sign in again.").is_ok());
    assert!(ui.find("alex@acme.example").is_ok() || screen.email() == "alex@acme.example");
    assert!(ui.find("This computer").is_ok());
}
