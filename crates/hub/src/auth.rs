//! Passwords (argon2id), session tokens (random, stored hashed), the sign-in rate limit, and
//! the `Caller` extractor that every authenticated handler takes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use switchboard_protocol::{Id, Role};

use crate::store::{Store, now_ms};
use crate::{AppState, Error, Result};

/// Shortest password an administrator may set.
pub const MIN_PASSWORD_LEN: usize = 8;

pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::BadRequest(format!(
            "a password needs at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt =
        SaltString::encode_b64(&salt).map_err(|error| Error::Internal(format!("salt: {error}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| Error::Internal(format!("password hash: {error}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so that a wrong email and a wrong
/// password take the same time and an attacker cannot tell which accounts exist.
pub static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("not-a-real-password").unwrap_or_default());

/// Runs the (deliberately slow) hash check off the async workers.
pub async fn verify_password_blocking(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

/// A new session token: 256 random bits, shown to the client once.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("sb_{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Counts failed sign-ins per email and per client address in a sliding window.
#[derive(Debug)]
pub struct SignInLimiter {
    per_email: u32,
    per_address: u32,
    window: Duration,
    failures: Mutex<HashMap<Key, Vec<Instant>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Email(String),
    Address(IpAddr),
}

impl SignInLimiter {
    pub fn new(per_email: u32, per_address: u32, window: Duration) -> Self {
        Self {
            per_email,
            per_address,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Refuses when either key has used up its failures; answers how long to wait.
    pub fn check(&self, email: &str, address: IpAddr) -> Result<()> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = Duration::ZERO;
        for (key, limit) in [
            (Key::Email(email.to_owned()), self.per_email),
            (Key::Address(address), self.per_address),
        ] {
            if let Some(times) = failures.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < self.window);
                if times.len() >= limit as usize
                    && let Some(oldest) = times.first()
                {
                    wait = wait.max(self.window.saturating_sub(now.duration_since(*oldest)));
                }
            }
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(Error::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            })
        }
    }

    pub fn record_failure(&self, email: &str, address: IpAddr) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in [Key::Email(email.to_owned()), Key::Address(address)] {
            failures.entry(key).or_default().push(now);
        }
        // Keep the map from growing without bound under a spray of addresses.
        if failures.len() > 100_000 {
            failures.retain(|_, times| {
                times
                    .last()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
    }

    /// A successful sign-in forgives that email's earlier failures.
    pub fn record_success(&self, email: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&Key::Email(email.to_owned()));
    }
}

/// The authenticated agent behind a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub agent_id: Id,
    pub account_id: Id,
    pub role: Role,
    pub session_id: Id,
}

impl Caller {
    pub fn require(&self, role: Role) -> Result<()> {
        let rank = |role: Role| match role {
            Role::Agent => 0,
            Role::Supervisor => 1,
            Role::Admin => 2,
        };
        if rank(self.role) >= rank(role) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
}

/// Finds the live session for a bearer token.
pub async fn authenticate(store: &Store, token: &str) -> Result<Caller> {
    let session = store
        .session_by_hash(&token_hash(token))
        .await?
        .ok_or(Error::Unauthorized)?;
    if session.revoked_at.is_some() {
        return Err(Error::Unauthorized);
    }
    if session.expires_at <= now_ms() {
        return Err(Error::SessionExpired);
    }
    Ok(Caller {
        agent_id: session.agent_id,
        account_id: session.account_id,
        role: session.role.parse().unwrap_or(Role::Agent),
        session_id: session.id,
    })
}

/// Whether a session is still live, for long-lived connections that re-check it.
pub async fn session_is_live(store: &Store, session_id: Id) -> Result<bool> {
    Ok(store
        .session(session_id)
        .await?
        .is_some_and(|s| s.revoked_at.is_none() && s.expires_at > now_ms()))
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self> {
        authenticate(&state.store, bearer(parts)?).await
    }
}

/// Who may act on an account's live interactions: one of its agents, or an outside system
/// with one of its API keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountCaller {
    Agent(Caller),
    System { account_id: Id },
}

impl AccountCaller {
    pub fn account_id(&self) -> Id {
        match self {
            Self::Agent(caller) => caller.account_id,
            Self::System { account_id } => *account_id,
        }
    }
}

impl FromRequestParts<Arc<AppState>> for AccountCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self> {
        let token = bearer(parts)?;
        if token.starts_with("sbk_") {
            let account_id = state
                .store
                .api_key_account(token)
                .await?
                .ok_or(Error::Unauthorized)?;
            return Ok(Self::System { account_id });
        }
        authenticate(&state.store, token).await.map(Self::Agent)
    }
}

fn bearer(parts: &Parts) -> Result<&str> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|header| header.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or(Error::Unauthorized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsE", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(matches!(hash_password("short"), Err(Error::BadRequest(_))));
    }

    #[test]
    fn tokens_are_unique_and_only_their_hash_is_kept() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(a.len() > 40);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn the_limiter_refuses_after_the_allowed_failures_and_forgives_on_success() {
        let limiter = SignInLimiter::new(3, 100, Duration::from_secs(60));
        let address: IpAddr = [127, 0, 0, 1].into();
        for _ in 0..3 {
            limiter.check("a@x.test", address).expect("not yet limited");
            limiter.record_failure("a@x.test", address);
        }
        let Err(Error::RateLimited { retry_after_secs }) = limiter.check("a@x.test", address)
        else {
            panic!("the fourth attempt must be refused");
        };
        assert!((1..=60).contains(&retry_after_secs));
        // Another email from the same address is not affected by this email's limit.
        limiter.check("b@x.test", address).expect("other email");
        limiter.record_success("a@x.test");
        limiter.check("a@x.test", address).expect("forgiven");
    }

    #[test]
    fn the_limiter_counts_failures_per_address_across_emails() {
        let limiter = SignInLimiter::new(100, 2, Duration::from_secs(60));
        let address: IpAddr = [10, 1, 2, 3].into();
        limiter.record_failure("a@x.test", address);
        limiter.record_failure("b@x.test", address);
        assert!(limiter.check("c@x.test", address).is_err());
        assert!(limiter.check("c@x.test", [10, 1, 2, 4].into()).is_ok());
    }
}
