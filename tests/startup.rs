//! Start-up against real hubs: the built-in hub with its demo account, a remote hub, and
//! silent sign-in with the token kept in the OS keychain.

#![cfg(feature = "builtin-hub")]
#![allow(clippy::unwrap_used)]

use switchboard::session::{self, Outcome};
use switchboard_client::environment::Environment;
use switchboard_client::secrets::Keychain;
use switchboard_client::{Config, Hub};
use switchboard_hub::demo::{DEMO_AGENT_EMAIL, DEMO_PASSWORD};
use switchboard_protocol::ErrorCode;

#[tokio::test]
async fn with_no_configuration_the_built_in_hub_starts_and_the_demo_agent_is_signed_in() {
    let home = tempfile::tempdir().unwrap();
    let env = Environment::portable(home.path().to_owned());
    let started = session::start(env.clone(), Config::default(), None).await;
    let hub = started.builtin.clone().expect("the built-in hub runs");
    let Outcome::SignedIn(session, boot) = started.outcome else {
        panic!("signed in silently");
    };
    assert!(session.builtin);
    assert_eq!(boot.me.email, DEMO_AGENT_EMAIL);
    assert!(boot.agents.len() >= 6, "the demo account's agents");
    assert!(
        env.builtin_hub_dir().join("hub.sqlite3").exists(),
        "data in the user's folder"
    );
    assert_eq!(session.hub.address(), hub.url());
}

#[tokio::test]
async fn a_remote_hub_that_is_down_is_reported_in_words() {
    let home = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let config = Config {
        email: "ana@acme.example".into(),
        ..Config::default()
    };
    let started = session::start(
        Environment::portable(home.path().to_owned()),
        config,
        Some(address),
    )
    .await;
    assert!(started.builtin.is_none(), "--hub means no built-in hub");
    match started.outcome {
        // No saved token: the sign-in screen, with nothing to complain about yet.
        Outcome::SignIn(None) => {}
        Outcome::SignIn(Some(error)) => {
            let text = switchboard::screen::describe(&error);
            assert!(text.contains("Cannot reach the hub"), "{text}");
        }
        other => panic!("no hub to sign in to: {other:?}"),
    }
}

/// Needs the OS keychain; the test command provides one (gnome-keyring in a D-Bus session,
/// inside a fresh kernel session keyring).
#[tokio::test]
async fn keep_me_signed_in_survives_a_restart_and_sign_out_forgets_it() {
    let home = tempfile::tempdir().unwrap();
    let env = Environment::portable(home.path().to_owned());
    let started = session::start(env.clone(), Config::default(), None).await;
    let builtin = started.builtin.clone().unwrap();
    let keychain = Keychain::platform().expect("an OS keychain for this test");
    let hub = Hub::new(&builtin.url()).unwrap();

    // Lucía signs in by hand on the remote-style path, asking to be remembered.
    let (session, boot) = session::sign_in(
        hub.clone(),
        "lucia@acme.example",
        DEMO_PASSWORD,
        true,
        false,
        Some(&keychain),
    )
    .await
    .unwrap();
    assert_eq!(
        keychain
            .load(hub.address(), "lucia@acme.example")
            .unwrap()
            .as_deref(),
        Some(session.token.as_str())
    );

    // Next start: silent sign-in with the saved token, no password.
    let config = Config {
        hub_url: Some(hub.address().to_owned()),
        email: boot.me.email.clone(),
        remember: true,
        ..Config::default()
    };
    let again = session::start(env.clone(), config.clone(), None).await;
    let Outcome::SignedIn(restored, restored_boot) = again.outcome else {
        panic!("silent sign-in with the saved token");
    };
    assert_eq!(restored.token, session.token);
    assert_eq!(restored_boot.me.email, "lucia@acme.example");

    // Sign-out ends the session at the hub and removes the token from the keychain.
    session::sign_out(
        restored,
        "lucia@acme.example".into(),
        Some(keychain.clone()),
    )
    .await;
    assert_eq!(
        keychain.load(hub.address(), "lucia@acme.example").unwrap(),
        None
    );
    let error = hub.bootstrap(&session.token).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Unauthorized));
    let third = session::start(env, config, None).await;
    assert!(
        matches!(third.outcome, Outcome::SignIn(None)),
        "asked to sign in again"
    );
}

#[tokio::test]
async fn after_signing_out_the_demo_agent_is_not_signed_in_again_by_itself() {
    let home = tempfile::tempdir().unwrap();
    let env = Environment::portable(home.path().to_owned());
    let first = session::start(env.clone(), Config::default(), None).await;
    let Outcome::SignedIn(session, _) = first.outcome else {
        panic!("first start signs the demo agent in");
    };
    assert!(session.remembered);
    // Signing out as the app does: at the hub, in the keychain, and in the saved settings.
    session::sign_out(session, DEMO_AGENT_EMAIL.into(), first.keychain.clone()).await;
    drop(first.builtin);
    let signed_out = Config {
        email: DEMO_AGENT_EMAIL.into(),
        remember: false,
        ..Config::default()
    };
    let next = session::start(env, signed_out, None).await;
    assert!(next.builtin.is_some());
    assert!(
        matches!(next.outcome, Outcome::SignIn(None)),
        "the sign-in screen, email kept"
    );
}

#[tokio::test]
async fn a_built_in_hub_that_cannot_start_says_why() {
    let home = tempfile::tempdir().unwrap();
    let env = Environment::portable(home.path().to_owned());
    // A file where the hub's data folder should be.
    std::fs::create_dir_all(env.builtin_hub_dir().parent().unwrap()).unwrap();
    std::fs::write(env.builtin_hub_dir(), "not a folder").unwrap();
    let started = session::start(env, Config::default(), None).await;
    assert!(started.builtin.is_none());
    let Outcome::BuiltinHubFailed(reason) = started.outcome else {
        panic!(
            "expected the built-in hub to fail, got {:?}",
            started.outcome
        );
    };
    let text = switchboard::fl!("error-builtin-hub", reason = reason);
    assert!(
        text.starts_with("The hub on this computer could not start"),
        "{text}"
    );
}
