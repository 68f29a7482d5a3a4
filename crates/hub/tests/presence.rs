//! The seed's presence rules, enforced by the hub whoever asks.

#![allow(clippy::unwrap_used)]

mod common;

use common::error_of;
use reqwest::StatusCode;
use switchboard_protocol::{AccountSettings, ErrorCode, Presence, StatusKey};

#[tokio::test]
async fn an_agent_picks_selectable_statuses_and_the_timer_restarts() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let before = ana.signed_in.me.presence.since;

    let away: Presence = hub.set_status(&ana, "away").await.json().await.unwrap();
    assert_eq!(away.status, StatusKey::away());
    assert!(away.since >= before);

    // Picking the status one already has is not a change: the timer keeps running.
    let again: Presence = hub.set_status(&ana, "away").await.json().await.unwrap();
    assert_eq!(again.since, away.since);

    // Statuses the hub sets itself cannot be picked; unknown ones are refused.
    for (key, refused) in [
        ("on_call", ErrorCode::StatusNotSelectable),
        ("after_call_work", ErrorCode::StatusNotSelectable),
        ("offline", ErrorCode::StatusNotSelectable),
        ("no-such-status", ErrorCode::UnknownStatus),
    ] {
        let (status, code) = error_of(hub.set_status(&ana, key).await).await;
        assert_eq!((status, code), (StatusCode::BAD_REQUEST, refused), "{key}");
    }

    // An account-defined status can be picked.
    let key = hub
        .state
        .store
        .create_custom_status(hub.alpha, "Coaching", "#123456", false)
        .await
        .unwrap();
    let custom: Presence = hub
        .set_status(&ana, key.as_str())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(custom.status, key);
    let boot = hub.bootstrap(&ana).await;
    let def = boot.statuses.iter().find(|s| s.key == key).unwrap();
    assert_eq!((def.label.as_str(), def.callable), ("Coaching", false));
}

#[tokio::test]
async fn a_call_sets_on_call_then_after_call_work_which_cannot_be_left_by_hand() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    hub.set_status(&ana, "away").await;
    let state = &hub.state;

    let during = state
        .presence
        .call_started(hub.alpha, ana.id())
        .await
        .unwrap();
    assert_eq!(during.status, StatusKey::on_call());
    let after = state
        .presence
        .call_ended(hub.alpha, ana.id())
        .await
        .unwrap();
    assert_eq!(after.status, StatusKey::after_call_work());

    let (status, code) = error_of(hub.set_status(&ana, "available").await).await;
    assert_eq!(
        (status, code),
        (StatusCode::CONFLICT, ErrorCode::StatusLocked)
    );

    // Wrap-up done: back to the status the agent had before the call.
    let back = state
        .presence
        .wrap_up_done(hub.alpha, ana.id())
        .await
        .unwrap();
    assert_eq!(back.status, StatusKey::away());
    let manual: Presence = hub
        .set_status(&ana, "available")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(manual.status, StatusKey::available());
}

#[tokio::test]
async fn with_the_switches_off_a_call_leaves_the_status_alone() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let settings = AccountSettings {
        auto_on_call: false,
        after_call_work: false,
        after_call_work_timeout_secs: 0,
        default_country: "US".into(),
        identity: false,
        record_calls: false,
        recording_pause: false,
        recording_retention_days: 0,
    };
    hub.state
        .store
        .set_account_settings(hub.alpha, &settings)
        .await
        .unwrap();
    let state = &hub.state;
    assert_eq!(
        state
            .presence
            .call_started(hub.alpha, ana.id())
            .await
            .unwrap()
            .status,
        StatusKey::available()
    );
    assert_eq!(
        state
            .presence
            .call_ended(hub.alpha, ana.id())
            .await
            .unwrap()
            .status,
        StatusKey::available()
    );

    // auto "On a call" without after-call work: straight back after the call.
    let settings = AccountSettings {
        auto_on_call: true,
        ..settings
    };
    hub.state
        .store
        .set_account_settings(hub.alpha, &settings)
        .await
        .unwrap();
    assert_eq!(
        state
            .presence
            .call_started(hub.alpha, ana.id())
            .await
            .unwrap()
            .status,
        StatusKey::on_call()
    );
    assert_eq!(
        state
            .presence
            .call_ended(hub.alpha, ana.id())
            .await
            .unwrap()
            .status,
        StatusKey::available()
    );
}

#[tokio::test]
async fn signing_out_of_the_last_session_sets_offline() {
    let hub = common::start().await;
    let first = hub.sign_in("ana@alpha.test").await;
    let second = hub.sign_in("ana@alpha.test").await;
    let ben = hub.sign_in("ben@alpha.test").await;
    let ana_status = |boot: switchboard_protocol::Bootstrap| {
        boot.agents
            .into_iter()
            .find(|a| a.name == "Ana")
            .unwrap()
            .presence
            .status
    };

    hub.sign_out(&first).await;
    assert_eq!(
        ana_status(hub.bootstrap(&ben).await),
        StatusKey::available(),
        "still signed in elsewhere"
    );
    hub.sign_out(&second).await;
    assert_eq!(ana_status(hub.bootstrap(&ben).await), StatusKey::offline());
}

/// Wrap-up ends when the agent says Done, or by itself when the account's after-call-work
/// timeout runs out; either way the agent is back in the status they had before the call.
#[tokio::test]
async fn wrap_up_ends_with_done_or_the_accounts_timeout() {
    let hub = common::start().await;
    let store = &hub.state.store;
    let mut settings = store.account(hub.alpha).await.unwrap().settings;
    settings.after_call_work_timeout_secs = 1;
    store
        .set_account_settings(hub.alpha, &settings)
        .await
        .unwrap();
    let ana = hub.sign_in("ana@alpha.test").await;
    hub.set_status(&ana, "away").await;
    let state = &hub.state;

    // Not in wrap-up: there is nothing to be done with.
    let response = hub.post(&ana, "/me/wrap-up", serde_json::json!({})).await;
    assert_eq!(
        error_of(response).await,
        (StatusCode::CONFLICT, ErrorCode::NotInWrapUp)
    );

    // Done, by the agent.
    state
        .presence
        .call_started(hub.alpha, ana.id())
        .await
        .unwrap();
    state
        .presence
        .call_ended(hub.alpha, ana.id())
        .await
        .unwrap();
    let response = hub.post(&ana, "/me/wrap-up", serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let back: Presence = response.json().await.unwrap();
    assert_eq!(back.status, StatusKey::away());

    // The timeout, by itself (the hub checks every second).
    state
        .presence
        .call_started(hub.alpha, ana.id())
        .await
        .unwrap();
    let wrapping = state
        .presence
        .call_ended(hub.alpha, ana.id())
        .await
        .unwrap();
    assert_eq!(wrapping.status, StatusKey::after_call_work());
    let mut status = wrapping.status;
    for _ in 0..60 {
        status = hub.bootstrap(&ana).await.me.presence.status;
        if status != StatusKey::after_call_work() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, StatusKey::away(), "the timeout ended wrap-up");

    // With no timeout (0), wrap-up lasts until Done.
    settings.after_call_work_timeout_secs = 0;
    store
        .set_account_settings(hub.alpha, &settings)
        .await
        .unwrap();
    state
        .presence
        .call_started(hub.alpha, ana.id())
        .await
        .unwrap();
    state
        .presence
        .call_ended(hub.alpha, ana.id())
        .await
        .unwrap();
    assert_eq!(hub.state.presence.end_overdue_wrap_ups().await.unwrap(), 0);
    assert_eq!(
        hub.bootstrap(&ana).await.me.presence.status,
        StatusKey::after_call_work()
    );
}
