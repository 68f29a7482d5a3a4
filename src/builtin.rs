//! The hub built into the desktop: with no hub configured, the workspace starts one inside
//! its own process (SQLite in the user's data folder, the demo account seeded on first run),
//! so one command shows a working workspace. A thin-client build
//! (`--no-default-features`, without `builtin-hub`) leaves it out and links no hub code at
//! all: it signs in to a hub elsewhere.

#[cfg(feature = "builtin-hub")]
pub use with_hub::{DEMO_AGENT_EMAIL, DEMO_PASSWORD, Hub, start};
#[cfg(not(feature = "builtin-hub"))]
pub use without_hub::{DEMO_AGENT_EMAIL, DEMO_PASSWORD, Hub, start};

/// Whether this build has a hub inside.
pub const AVAILABLE: bool = cfg!(feature = "builtin-hub");

#[cfg(feature = "builtin-hub")]
mod with_hub {
    use std::sync::Arc;

    use switchboard_client::environment::Environment;
    pub use switchboard_hub::demo::{DEMO_AGENT_EMAIL, DEMO_PASSWORD};

    /// The running built-in hub; dropping the last handle stops it.
    pub type Hub = switchboard_hub::Embedded;

    /// Starts the built-in hub in `env`'s data folder (its demo line on 127.0.0.1:5060, for a
    /// softphone on this machine, unless the hub's own configuration says otherwise).
    pub async fn start(env: &Environment) -> Result<Arc<Hub>, String> {
        let mut config = switchboard_hub::Config::load(None).unwrap_or_default();
        config.data_dir = env.builtin_hub_dir();
        if config.sip.listen.is_none() {
            config.sip.listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 5060)));
        }
        tokio::task::spawn_blocking(move || Hub::start(config, true))
            .await
            .map_err(|e| e.to_string())?
            .map(Arc::new)
            .map_err(|e| e.to_string())
    }
}

#[cfg(not(feature = "builtin-hub"))]
mod without_hub {
    use std::sync::Arc;

    use switchboard_client::environment::Environment;

    pub const DEMO_AGENT_EMAIL: &str = "";
    pub const DEMO_PASSWORD: &str = "";

    /// No hub is built in: there is never one of these.
    #[derive(Debug)]
    pub enum Hub {}

    impl Hub {
        pub fn url(&self) -> String {
            match *self {}
        }
    }

    /// This build has no hub inside.
    pub async fn start(_: &Environment) -> Result<Arc<Hub>, String> {
        Err("this build of Switchboard has no built-in hub".into())
    }
}
