//! Sign-in, sign-out, expiry and the sign-in rate limit, against the real hub.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{PASSWORD, error_of};
use reqwest::StatusCode;
use switchboard_protocol::{ErrorCode, StatusKey};

#[tokio::test]
async fn sign_in_gives_a_token_that_works_until_sign_out() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    assert_eq!(ana.signed_in.me.name, "Ana");
    // Signing in makes an offline agent available.
    assert_eq!(ana.signed_in.me.presence.status, StatusKey::available());

    let boot = hub.bootstrap(&ana).await;
    assert_eq!(boot.me.email, "ana@alpha.test");
    assert_eq!(boot.account.name, "Alpha");
    let names: Vec<_> = boot.agents.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Ben", "Cy"], "everyone of the account but me");

    let ben = hub.sign_in("ben@alpha.test").await;
    assert_eq!(hub.sign_out(&ana).await.status(), StatusCode::NO_CONTENT);
    let (status, code) = error_of(hub.get(&ana, "/bootstrap").await).await;
    assert_eq!(
        (status, code),
        (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)
    );

    // Ben sees Ana offline.
    let boot = hub.bootstrap(&ben).await;
    let ana_seen = boot.agents.iter().find(|a| a.name == "Ana").unwrap();
    assert_eq!(ana_seen.presence.status, StatusKey::offline());
}

#[tokio::test]
async fn the_hub_keeps_only_a_hash_of_the_token() {
    let hub = common::start().await;
    let ana = hub.sign_in("ana@alpha.test").await;
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(&hub.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], ana.token.as_bytes());
    assert!(!String::from_utf8_lossy(&stored[0]).contains(&ana.token[3..]));
}

#[tokio::test]
async fn wrong_passwords_and_unknown_emails_get_the_same_answer() {
    let hub = common::start().await;
    let (status, code) = error_of(
        hub.try_sign_in("ana@alpha.test", "wrong password", false)
            .await,
    )
    .await;
    assert_eq!(
        (status, code),
        (StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials)
    );
    let (status, code) =
        error_of(hub.try_sign_in("nobody@alpha.test", PASSWORD, false).await).await;
    assert_eq!(
        (status, code),
        (StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials)
    );
    // Emails are read without case or surrounding space.
    let response = hub.try_sign_in("  ANA@Alpha.test ", PASSWORD, false).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_expired_session_is_refused_as_expired_and_remember_lasts_longer() {
    let hub = common::start_with(|config| {
        config.auth.session_ttl = Duration::ZERO;
        config.auth.remember_ttl = Duration::from_secs(3600);
    })
    .await;
    let short = hub.sign_in("ana@alpha.test").await;
    let (status, code) = error_of(hub.get(&short, "/me").await).await;
    assert_eq!(
        (status, code),
        (StatusCode::UNAUTHORIZED, ErrorCode::SessionExpired)
    );

    let response = hub.try_sign_in("ana@alpha.test", PASSWORD, true).await;
    let remembered: switchboard_protocol::SignedIn = response.json().await.unwrap();
    let lifetime = remembered.expires_at - time::OffsetDateTime::now_utc();
    assert!(lifetime > time::Duration::minutes(59), "{lifetime}");
    let response = hub
        .http
        .get(format!("{}/me", hub.url))
        .bearer_auth(&remembered.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn repeated_failures_are_rate_limited_even_with_the_right_password() {
    let hub = common::start_with(|config| config.auth.max_failures_per_email = 3).await;
    for _ in 0..3 {
        let (_, code) = error_of(hub.try_sign_in("ana@alpha.test", "guess", false).await).await;
        assert_eq!(code, ErrorCode::InvalidCredentials);
    }
    let response = hub.try_sign_in("ana@alpha.test", PASSWORD, false).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0);
    let (status, code) = error_of(response).await;
    assert_eq!(
        (status, code),
        (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited)
    );
    // Another agent is not locked out by Ana's attacker.
    assert_eq!(
        hub.try_sign_in("ben@alpha.test", PASSWORD, false)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn malformed_and_oversized_requests_get_clear_json_errors() {
    let hub = common::start().await;
    let response = hub
        .http
        .post(format!("{}/sessions", hub.url))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, ErrorCode::BadRequest)
    );

    let huge = format!(
        "{{\"email\":\"{}\",\"password\":\"x\"}}",
        "a".repeat(200_000)
    );
    let response = hub
        .http
        .post(format!("{}/sessions", hub.url))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response).await,
        (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
    );

    let response = hub
        .http
        .get(format!("{}/bootstrap", hub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response).await,
        (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)
    );
    let response = hub
        .http
        .get(format!("{}/bootstrap", hub.url))
        .bearer_auth("sb_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response).await,
        (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)
    );

    let ana = hub.sign_in("ana@alpha.test").await;
    assert_eq!(
        error_of(hub.get(&ana, "/agents/not-a-number").await).await,
        (StatusCode::BAD_REQUEST, ErrorCode::BadRequest)
    );
    assert_eq!(
        error_of(hub.get(&ana, "/no/such/route").await).await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
}

#[tokio::test]
async fn health_and_the_openapi_document_are_served() {
    let hub = common::start().await;
    let health: serde_json::Value = hub
        .http
        .get(format!("{}/health", hub.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let doc: serde_json::Value = hub
        .http
        .get(format!("{}/openapi.json", hub.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/sessions",
        "/bootstrap",
        "/me/status",
        "/contacts/lookup",
        "/events",
        "/conversations",
        "/conversations/{id}/messages",
        "/contacts/{id}/merge",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}
