//! Switchboard desktop logic without a GUI: where files live, the saved configuration, the
//! keychain, the hub's REST API and its event stream. Nothing here knows about iced.

pub mod api;
pub mod config;
pub mod environment;
pub mod error;
pub mod events;
pub mod local;
pub mod notes;
pub mod outbox;
pub mod secrets;

pub use api::Hub;
pub use config::Config;
pub use error::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;
