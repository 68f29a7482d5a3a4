//! Calls: each one owned by a task of its own ([`actor`]) around a pure state machine
//! ([`machine`]). HTTP handlers, dialogs with the phone network, the router, the media bridge
//! and timers only send a call inputs ([`Calls`]); its task carries out what the machine
//! decides, in order, and publishes each new snapshot of the call, versioned, in order.

mod actor;
mod index;
pub mod input;
pub mod machine;
mod message;
pub mod phase;
mod project;
mod registry;
pub mod topology;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use machine::{
    CALLER_DIALOG, Dial, DialogId, FlowEnd, Input, MAX_CONTEXT_ITEMS, Machine, Now, Refusal,
    Settings, Target,
};
pub use project::audience;
pub use registry::{Attached, Calls};

use crate::events::Publisher;
use crate::presence::Presence;
use crate::{Store, ivr, media, routing, trunk};

/// What a call's task works with.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub media: media::Control,
    pub presence: Presence,
    pub events: Publisher,
    pub routing: tokio::sync::mpsc::UnboundedSender<routing::Request>,
    /// The SIP trunk, once listening (outside numbers are dialled through it).
    pub trunk: Arc<OnceLock<trunk::Trunk>>,
    pub keys: Arc<ivr::Keys>,
    pub prompts: Arc<ivr::Prompts>,
    /// Where recordings and voicemails are kept.
    pub data_dir: PathBuf,
    /// `[calls] ring_timeout`.
    pub ring_timeout: Duration,
    /// `[sip] ring_timeout`.
    pub dial_timeout: Duration,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl Services {
    /// What a caller's line (a call flow, a voicemail) needs.
    pub fn ivr(&self) -> ivr::Deps {
        ivr::Deps {
            media: self.media.clone(),
            prompts: self.prompts.clone(),
            store: self.store.clone(),
            keys: self.keys.clone(),
            data_dir: self.data_dir.clone(),
        }
    }

    /// The machine's settings for a new call of `account`.
    pub async fn settings(&self, account: switchboard_protocol::Id) -> crate::Result<Settings> {
        let account = self.store.account(account).await?;
        Ok(Settings {
            ring_timeout: self.ring_timeout,
            dial_timeout: self.dial_timeout,
            record_calls: account.settings.record_calls,
        })
    }
}
