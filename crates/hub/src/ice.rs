//! The STUN and TURN servers agents gather candidates from, handed out before each call.
//! A TURN server configured with a shared secret (the TURN REST API that coturn and most
//! TURN servers implement) gets credentials made for the asking agent, valid for a while:
//! username `<expiry, unix seconds>:<agent id>`, credential `base64(HMAC-SHA1(secret, username))`.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use base64::Engine;
use hmac::{Hmac, Mac};
use switchboard_protocol::{ErrorBody, IceServer, IceServers};

use crate::AppState;
use crate::auth::Caller;
use crate::config::Media;
use crate::error::Json;

#[utoipa::path(
    get, path = "/media/ice-servers", tag = "calls",
    responses(
        (status = 200, body = IceServers),
        (status = 401, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn servers(State(state): State<Arc<AppState>>, caller: Caller) -> Json<IceServers> {
    Json(for_agent(&state.config.media, &caller, SystemTime::now()))
}

/// What `agent` is handed at `now`.
pub fn for_agent(media: &Media, caller: &Caller, now: SystemTime) -> IceServers {
    let ice_servers = media
        .ice_servers
        .iter()
        .map(|server| match &server.shared_secret {
            Some(secret) => {
                let (username, credential) = rest_credentials(
                    secret,
                    &caller.agent_id.to_string(),
                    now,
                    media.turn_credential_ttl,
                );
                IceServer {
                    urls: server.urls.clone(),
                    username: Some(username),
                    credential: Some(credential),
                }
            }
            None => IceServer {
                urls: server.urls.clone(),
                username: server.username.clone(),
                credential: server.credential.clone(),
            },
        })
        .collect();
    IceServers {
        ice_servers,
        ice_transport_policy: media.ice_transport_policy,
    }
}

/// Time-limited TURN credentials for `user` (draft-uberti-behave-turn-rest).
pub fn rest_credentials(
    secret: &str,
    user: &str,
    now: SystemTime,
    ttl: Duration,
) -> (String, String) {
    let expiry = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .saturating_add(ttl)
        .as_secs();
    let username = format!("{expiry}:{user}");
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(username.as_bytes());
    let credential = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (username, credential)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rest_credentials_match_the_published_algorithm() {
        // HMAC-SHA1("secret", "86400:alice"), base64: computed independently with
        // `printf 86400:alice | openssl dgst -sha1 -hmac secret -binary | base64`.
        let (username, credential) =
            rest_credentials("secret", "alice", UNIX_EPOCH, Duration::from_secs(86_400));
        assert_eq!(username, "86400:alice");
        assert_eq!(credential, "dvSdV1YGXw0TI92UauKfluPnRsc=");
    }
}
