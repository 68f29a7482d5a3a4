//! Voice biometrics (F-43): with the caller's consent an agent keeps a contact's voiceprint
//! from what they say on a call; on later calls the live caller's voice is checked against
//! it. The hub listens to callers of accounts with Identity from the start of their call
//! (the media bridge's voice tap) and computes speaker embeddings from that audio
//! (`switchboard_voice::speaker`), never from anything the desktop sends.

use std::sync::{Arc, LazyLock, Mutex};

use switchboard_voice::speaker::{Analyzer, Embedding, Features};

use crate::media::trunk::VoiceTap;
use crate::{Error, Result};

/// A caller the hub listens to: what they said (the media bridge's tap) and what has been
/// analysed of it so far — each frame once, however often the agents' desks ask.
#[derive(Debug, Clone, Default)]
pub struct Listening {
    pub tap: VoiceTap,
    features: Arc<Mutex<Features>>,
}

/// The front end every analysis shares.
static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::new);

/// The caller's embedding (none with too little speech) and their seconds of speech, off
/// the async threads: what they said since the last time is analysed, then the whole
/// summarised.
pub async fn analyse(listening: &Listening) -> Result<(Option<Embedding>, f32)> {
    let listening = listening.clone();
    tokio::task::spawn_blocking(move || {
        let mut features = listening.features.lock().unwrap_or_else(|e| e.into_inner());
        let new: Vec<i16> = {
            let tap = listening.tap.lock().unwrap_or_else(|e| e.into_inner());
            tap.get(features.consumed()..).unwrap_or_default().to_vec()
        };
        features.extend(&ANALYZER, &new);
        match features.voice() {
            Some(voice) => (Some(voice.embedding), voice.speech_seconds),
            None => (None, features.speech_seconds()),
        }
    })
    .await
    .map_err(|error| Error::Internal(error.to_string()))
}
