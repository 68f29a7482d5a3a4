//! Hub configuration: a TOML file where every field has a default, overridden by
//! `SWITCHBOARD_HUB_*` environment variables (`SWITCHBOARD_HUB_AUTH__SESSION_TTL=2h`).

use std::net::SocketAddr;
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
}

impl Default for Media {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
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

impl Default for Events {
    fn default() -> Self {
        Self {
            retention: 10_000,
            heartbeat: Duration::from_secs(20),
        }
    }
}

impl Config {
    /// Defaults, then the TOML file if given, then the environment.
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
        figment
            .merge(Env::prefixed("SWITCHBOARD_HUB_").split("__"))
            .extract()
            .map_err(Box::new)
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("hub.sqlite3")
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail API returns its own large error
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
}
