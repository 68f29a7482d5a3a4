//! Live chat widgets: what an admin may make one of, how a website vouches for its
//! signed-in user (the user id signed with the widget's secret, HMAC-SHA256, hex), and the
//! widget itself: a script a website adds with one tag (`/widget.js`), which opens a chat
//! window served from the hub's own origin in a frame (so the visitor's token never meets
//! the website's scripts), speaking to [`visitor`] and [`socket`].

mod limits;
pub mod socket;
pub mod visitor;

pub use limits::Limits;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use switchboard_protocol::{ErrorCode, NewWidget};

use crate::{AppState, Error, Result};

/// The widget's public routes, outside the agents' API.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/widget.js", get(loader))
        .route("/widget/v1/frame/{public_id}", get(frame))
        .route("/widget/v1/frame.js", get(frame_script))
        .route("/widget/v1/frame.css", get(frame_style))
        .route("/widget/v1/session", post(visitor::start))
        .route("/widget/v1/messages", post(visitor::write))
        .route("/widget/v1/end", post(visitor::end))
        .route("/widget/v1/rating", post(visitor::rate))
        .route("/widget/v1/transcript", get(visitor::transcript))
        .route("/widget/v1/attachments", post(visitor::upload))
        .route("/widget/v1/attachments/{id}", get(visitor::attachment))
        .route("/widget/v1/socket", get(socket::socket))
}

const LOADER: &str = include_str!("widget/assets/loader.js");
const FRAME_HTML: &str = include_str!("widget/assets/frame.html");
const FRAME_JS: &str = include_str!("widget/assets/frame.js");
const FRAME_CSS: &str = include_str!("widget/assets/frame.css");

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn loader() -> Response {
    let mut response = asset("text/javascript; charset=utf-8", LOADER);
    // Any website may load the script; only a widget's own websites may show its frame.
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

async fn frame_script() -> Response {
    asset("text/javascript; charset=utf-8", FRAME_JS)
}

async fn frame_style() -> Response {
    asset("text/css; charset=utf-8", FRAME_CSS)
}

/// The chat window: shown in a frame only by the widget's own websites
/// (`frame-ancestors`), with nothing but the hub's own script and style.
async fn frame(
    State(state): State<Arc<AppState>>,
    Path(public_id): Path<String>,
) -> Result<Response> {
    let (_, widget, _) = state.store.widget_by_public_id(&public_id).await?;
    let config = serde_json::json!({
        "widget": widget.public_id,
        "origins": widget.origins,
        "color": widget.color,
        "greeting": widget.greeting,
        "pre_chat": widget.pre_chat,
    });
    // Inside a <script> element: no "<" may close it early.
    let config = config.to_string().replace('<', "\\u003c");
    let html = FRAME_HTML.replace("{{config}}", &config);
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
         img-src 'self' blob: data:; base-uri 'none'; form-action 'none'; frame-ancestors {}",
        widget.origins.join(" ")
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(&policy).map_err(|_| {
                    Error::Internal("a widget's origins do not fit a header".into())
                })?,
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        html,
    )
        .into_response())
}

/// The colour a widget has when none is given.
pub const DEFAULT_COLOR: &str = "#1a73e8";

/// A widget as it is stored: checked, origins normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub name: String,
    pub origins: Vec<String>,
    pub color: String,
    pub greeting: String,
    pub pre_chat: bool,
}

/// Checks what an admin asked for; origins are kept as `scheme://host[:port]`.
pub fn check(new: &NewWidget) -> Result<Checked> {
    let invalid = || Error::refused(ErrorCode::InvalidWidget);
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid());
    }
    if new.origins.is_empty() || new.origins.len() > 20 {
        return Err(invalid());
    }
    let mut origins = Vec::new();
    for origin in &new.origins {
        let origin = website_origin(origin.trim()).ok_or_else(invalid)?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    let color = new.color.as_deref().unwrap_or(DEFAULT_COLOR).to_lowercase();
    let is_color = color.len() == 7
        && color.starts_with('#')
        && color[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !is_color || new.greeting.chars().count() > 500 {
        return Err(invalid());
    }
    Ok(Checked {
        name: name.to_owned(),
        origins,
        color,
        greeting: new.greeting.trim().to_owned(),
        pre_chat: new.pre_chat,
    })
}

/// `https://host[:port]` (or `http://`), with nothing after: the origin a browser reports.
fn website_origin(text: &str) -> Option<String> {
    let url = url::Url::parse(text).ok()?;
    let bare = matches!(url.path(), "" | "/")
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    let web = matches!(url.scheme(), "https" | "http") && url.host_str().is_some();
    (bare && web).then(|| url.origin().ascii_serialization())
}

/// A new public id (what the website's script tag names) and secret.
pub fn new_ids() -> (String, String) {
    let random = |len: usize| {
        let mut bytes = vec![0u8; len];
        rand::rng().fill_bytes(&mut bytes);
        URL_SAFE_NO_PAD.encode(bytes)
    };
    (format!("wg_{}", random(12)), random(32))
}

/// Whether `signature` (hex) is the widget secret's HMAC-SHA256 of `user_id`; compared in
/// constant time.
pub fn vouches_for(secret: &str, user_id: &str, signature: &str) -> bool {
    let Some(signature) = hex(signature) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(user_id.as_bytes());
    mac.verify_slice(&signature).is_ok()
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn widget(origins: &[&str], color: Option<&str>) -> NewWidget {
        NewWidget {
            name: "Shop".into(),
            origins: origins.iter().map(|o| (*o).to_owned()).collect(),
            group_id: None,
            color: color.map(str::to_owned),
            greeting: String::new(),
            pre_chat: false,
        }
    }

    #[test]
    fn origins_are_bare_websites_kept_as_browsers_report_them() {
        let checked = check(&widget(
            &[
                "https://Shop.Example/",
                "https://shop.example",
                "http://localhost:8080",
            ],
            None,
        ))
        .unwrap();
        assert_eq!(
            checked.origins,
            ["https://shop.example", "http://localhost:8080"]
        );
        assert_eq!(checked.color, DEFAULT_COLOR);
        for bad in [
            "shop.example",
            "https://shop.example/chat",
            "https://shop.example/?a=1",
            "https://user@shop.example",
            "ftp://shop.example",
            "javascript:alert(1)",
        ] {
            assert!(check(&widget(&[bad], None)).is_err(), "{bad}");
        }
        assert!(check(&widget(&[], None)).is_err());
        assert!(check(&widget(&["https://a.example"], Some("blue"))).is_err());
        assert!(check(&widget(&["https://a.example"], Some("#12345g"))).is_err());
        assert!(check(&widget(&["https://a.example"], Some("#A0B1C2"))).is_ok());
    }

    #[test]
    fn only_the_secrets_signature_vouches_for_a_user() {
        // From Python: hmac.new(b"widget-secret-1", b"user-42", hashlib.sha256).hexdigest()
        let signed = "c8b2a68591ea1b4235a1bc539939fcd561d1ad032b5b1f3b7d6102012411957a";
        assert!(vouches_for("widget-secret-1", "user-42", signed));
        assert!(vouches_for(
            "widget-secret-1",
            "user-42",
            &signed.to_uppercase()
        ));
        assert!(!vouches_for("widget-secret-1", "user-43", signed));
        assert!(!vouches_for("another-secret", "user-42", signed));
        assert!(!vouches_for("widget-secret-1", "user-42", &signed[..62]));
        assert!(!vouches_for("widget-secret-1", "user-42", "not hex"));
        assert!(!vouches_for("widget-secret-1", "user-42", ""));
    }

    #[test]
    fn every_widget_gets_ids_of_its_own() {
        let (a, secret_a) = new_ids();
        let (b, secret_b) = new_ids();
        assert!(a.starts_with("wg_") && a != b && secret_a != secret_b);
        assert!(secret_a.len() >= 40);
    }
}
