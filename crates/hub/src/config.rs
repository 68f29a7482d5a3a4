//! Hub configuration: a TOML file where every field has a default, overridden by
//! `SWITCHBOARD_HUB_*` environment variables (`SWITCHBOARD_HUB_AUTH__SESSION_TTL=2h`).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP and WebSocket API listens on.
    pub listen: SocketAddr,
    /// Folder for the SQLite database and other hub data.
    pub data_dir: PathBuf,
    pub auth: Auth,
    pub events: Events,
    pub media: Media,
    pub sip: Sip,
    pub identity: IdentityConfig,
    pub calls: Calls,
    pub widget: WidgetLimits,
    pub attachments: Attachments,
}

/// Calls the hub carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Calls {
    /// How long a call rings at an agent — called by a colleague, consulted, or transferred
    /// — before it counts as unanswered: a colleague's call or consultation ends as "no
    /// answer"; a transferred call comes back (to the agent who transferred it, else to its
    /// ring group). Ring groups' offers have their own timeouts.
    #[serde(with = "humantime_serde")]
    pub ring_timeout: Duration,
}

impl Default for Calls {
    fn default() -> Self {
        Self {
            ring_timeout: Duration::from_secs(30),
        }
    }
}

/// Checking who calls (F-43): STIR/SHAKEN verification of callers' numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// PEM files of the STI certificate authorities whose certificates sign callers'
    /// PASSporTs (as the STI Policy Administrator lists them). None: no call is attested.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trust_anchors: Vec<PathBuf>,
    /// How old a PASSporT may be when its call arrives (RFC 8224 suggests a minute).
    #[serde(with = "humantime_serde")]
    pub max_passport_age: Duration,
    /// Calls from one number in an hour, and in a day, from which it counts as a risk.
    pub many_calls_per_hour: u32,
    pub many_calls_per_day: u32,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            trust_anchors: Vec::new(),
            max_passport_age: Duration::from_secs(60),
            many_calls_per_hour: 5,
            many_calls_per_day: 15,
        }
    }
}

/// The SIP trunk to the phone network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sip {
    /// Where carriers send SIP (UDP and TCP, one fixed port); none: no trunk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    /// How long an outside number may ring before the hub gives up ("no answer").
    #[serde(with = "humantime_serde")]
    pub ring_timeout: Duration,
    /// Accounts' carriers, set at every start (as `admin carrier set` would).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub carriers: Vec<CarrierConfig>,
}

impl Default for Sip {
    fn default() -> Self {
        Self {
            listen: None,
            ring_timeout: Duration::from_secs(60),
            carriers: Vec::new(),
        }
    }
}

/// One account's carrier in the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierConfig {
    /// The account's name.
    pub account: String,
    /// `host[:port]` of the carrier's proxy or registrar.
    pub proxy: String,
    /// `udp` or `tcp`.
    #[serde(default = "udp")]
    pub transport: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub register: bool,
}

fn udp() -> String {
    "udp".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Auth {
    /// Lifetime of an ordinary session.
    #[serde(with = "humantime_serde")]
    pub session_ttl: Duration,
    /// Lifetime of a "keep me signed in" session.
    #[serde(with = "humantime_serde")]
    pub remember_ttl: Duration,
    /// Failed sign-ins allowed per email address within `failure_window`.
    pub max_failures_per_email: u32,
    /// Failed sign-ins allowed per client address within `failure_window`.
    pub max_failures_per_address: u32,
    #[serde(with = "humantime_serde")]
    pub failure_window: Duration,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Media {
    /// The UDP address every call leg's media uses. It is what agents are told to send to,
    /// so it must be an address they reach (not 0.0.0.0); port 0 picks a free port.
    pub bind: SocketAddr,
    /// The address agents reach the hub at when it sits behind a one-to-one NAT (a cloud
    /// VM's public IP, same port): offered alongside `bind`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<IpAddr>,
    /// STUN and TURN servers handed to agents before each call, so their engines (and
    /// browsers) reach the hub from behind NAT and firewalls.
    pub ice_servers: Vec<IceServer>,
    /// `relay` makes every agent's media go through a TURN server of `ice_servers`.
    pub ice_transport_policy: IceTransportPolicy,
    /// How long TURN credentials made from a `shared_secret` stay valid.
    #[serde(with = "humantime_serde")]
    pub turn_credential_ttl: Duration,
}

/// One STUN or TURN server, as WebRTC writes it. TURN needs either a fixed `username` and
/// `credential`, or the `shared_secret` of the TURN REST API (coturn's
/// `static-auth-secret`), from which each agent gets short-lived credentials of their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_secret: Option<String>,
}

pub use switchboard_protocol::IceTransportPolicy;

impl Default for Media {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_ip: None,
            ice_servers: Vec::new(),
            ice_transport_policy: IceTransportPolicy::All,
            turn_credential_ttl: Duration::from_secs(12 * 3600),
        }
    }
}

impl Media {
    /// Refuses what would only fail at call time: bad URLs, a TURN server with no way to
    /// authenticate, a relay-only policy without a TURN server.
    pub fn validate(&self) -> Result<(), String> {
        use switchboard_voice::ice::{Url, validate};
        for server in &self.ice_servers {
            let checked = switchboard_voice::ice::Server {
                urls: server.urls.clone(),
                // A shared secret stands in for fixed credentials.
                username: server.username.clone().or(server.shared_secret.clone()),
                credential: server.credential.clone().or(server.shared_secret.clone()),
            };
            validate(&[checked]).map_err(|e| e.to_string())?;
            if server.shared_secret.is_some() && server.username.is_some() {
                return Err(format!(
                    "ICE server {:?}: give a shared_secret or a username and credential, not both",
                    server.urls
                ));
            }
        }
        let has_turn = self.ice_servers.iter().any(|server| {
            server
                .urls
                .iter()
                .any(|url| matches!(Url::parse(url), Ok(Url::Turn { .. })))
        });
        if self.ice_transport_policy == IceTransportPolicy::Relay && !has_turn {
            return Err(
                "ice_transport_policy = \"relay\" needs a TURN server in ice_servers".into(),
            );
        }
        if self.turn_credential_ttl < Duration::from_secs(60) {
            return Err("turn_credential_ttl must be at least a minute".into());
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Events {
    /// How many events each account's log keeps for reconnecting clients.
    pub retention: u32,
    /// How often an idle event stream is pinged and its session re-checked.
    #[serde(with = "humantime_serde")]
    pub heartbeat: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 7300)),
            data_dir: PathBuf::from("switchboard-hub-data"),
            auth: Auth::default(),
            events: Events::default(),
            media: Media::default(),
            sip: Sip::default(),
            identity: IdentityConfig::default(),
            calls: Calls::default(),
            widget: WidgetLimits::default(),
            attachments: Attachments::default(),
        }
    }
}

impl Default for Auth {
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(12 * 3600),
            remember_ttl: Duration::from_secs(30 * 24 * 3600),
            max_failures_per_email: 5,
            max_failures_per_address: 20,
            failure_window: Duration::from_secs(15 * 60),
        }
    }
}

/// Files sent with messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Attachments {
    /// The largest file one upload may carry, in bytes.
    pub max_bytes: usize,
}

impl Default for Attachments {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// How often a live chat widget's public side may be used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WidgetLimits {
    /// Requests (and socket connections) a minute from one client address.
    pub requests_per_address_per_minute: u32,
    /// Messages, attachments and ratings a minute from one visitor.
    pub messages_per_visitor_per_minute: u32,
}

impl Default for WidgetLimits {
    fn default() -> Self {
        Self {
            requests_per_address_per_minute: 600,
            messages_per_visitor_per_minute: 30,
        }
    }
}

impl Default for Events {
    fn default() -> Self {
        Self {
            retention: 10_000,
            heartbeat: Duration::from_secs(20),
        }
    }
}

impl Config {
    /// Defaults, then the TOML file if given, then the environment; checked.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(Box::new(figment::Error::from(format!(
                    "config file {} does not exist",
                    file.display()
                ))));
            }
            figment = figment.merge(Toml::file(file));
        }
        let config: Self = figment
            .merge(Env::prefixed("SWITCHBOARD_HUB_").split("__"))
            .extract()
            .map_err(Box::new)?;
        config
            .media
            .validate()
            .map_err(|e| Box::new(figment::Error::from(format!("[media] {e}"))))?;
        Ok(config)
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("hub.sqlite3")
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err, clippy::unwrap_used)] // figment's Jail API returns its own large error
mod tests {
    use super::*;

    #[test]
    fn a_partial_file_keeps_defaults_for_the_rest() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("hub.toml", "[auth]\nsession_ttl = \"2h\"\n")?;
            jail.set_env("SWITCHBOARD_HUB_EVENTS__RETENTION", "50");
            let config = Config::load(Some(Path::new("hub.toml"))).map_err(|e| *e)?;
            assert_eq!(config.auth.session_ttl, Duration::from_secs(7200));
            assert_eq!(config.auth.remember_ttl, Auth::default().remember_ttl);
            assert_eq!(config.events.retention, 50);
            assert_eq!(config.listen, Config::default().listen);
            Ok(())
        });
    }

    #[test]
    fn an_unknown_field_is_an_error_not_silently_ignored() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("hub.toml", "listne = \"0.0.0.0:1\"\n")?;
            assert!(Config::load(Some(Path::new("hub.toml"))).is_err());
            Ok(())
        });
    }

    #[test]
    fn stun_and_turn_servers_are_read_and_checked_at_startup() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "hub.toml",
                r#"
                [media]
                public_ip = "203.0.113.7"
                ice_transport_policy = "relay"
                turn_credential_ttl = "1h"
                [[media.ice_servers]]
                urls = ["stun:stun.acme.example"]
                [[media.ice_servers]]
                urls = ["turn:turn.acme.example:443?transport=tcp"]
                shared_secret = "s3cret"
                "#,
            )?;
            let config = Config::load(Some(Path::new("hub.toml"))).map_err(|e| *e)?;
            assert_eq!(config.media.ice_servers.len(), 2);
            assert_eq!(config.media.ice_transport_policy, IceTransportPolicy::Relay);
            assert_eq!(config.media.public_ip, Some("203.0.113.7".parse().unwrap()));
            Ok(())
        });
        for (media, complaint) in [
            (
                "ice_transport_policy = \"relay\"\n[[media.ice_servers]]\nurls = [\"stun:s.example\"]",
                "needs a TURN server",
            ),
            (
                "[[media.ice_servers]]\nurls = [\"turn:t.example\"]",
                "username",
            ),
            (
                "[[media.ice_servers]]\nurls = [\"http://t.example\"]",
                "scheme",
            ),
        ] {
            figment::Jail::expect_with(|jail| {
                jail.create_file("hub.toml", &format!("[media]\n{media}\n"))?;
                let error = Config::load(Some(Path::new("hub.toml"))).unwrap_err();
                assert!(error.to_string().contains(complaint), "{error}");
                Ok(())
            });
        }
    }
}
