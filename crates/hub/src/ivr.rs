//! What a caller hears and presses before an agent takes the call: the number's call flow
//! run against the caller's trunk leg (prompts played, keys listened for, with barge-in and
//! type-ahead), and voicemail — a prompt, a tone, and the caller's message recorded.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_protocol::Id;
use tokio::sync::mpsc;

use crate::flow::{Effect, Flow, Input, Run};
use crate::media::LegId;
use crate::store::NewVoicemail;

/// Keys callers press, by trunk leg, for the flow listening there. Keys pressed before the
/// flow listens (a caller quick off the mark) wait for it.
#[derive(Debug, Default)]
pub struct Keys {
    legs: Mutex<HashMap<LegId, Listener>>,
}

#[derive(Debug)]
enum Listener {
    Waiting(Vec<char>),
    Listening(mpsc::UnboundedSender<char>),
}

/// Keys kept for a leg nobody listens to yet.
const EARLY_KEYS: usize = 32;

impl Keys {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<LegId, Listener>> {
        self.legs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts listening to a leg's keys (those already pressed come first).
    pub fn listen(&self, leg: LegId) -> mpsc::UnboundedReceiver<char> {
        let (keys, pressed) = mpsc::unbounded_channel();
        let mut legs = self.lock();
        if let Some(Listener::Waiting(early)) = legs.remove(&leg) {
            for key in early {
                let _ = keys.send(key);
            }
        }
        legs.insert(leg, Listener::Listening(keys));
        pressed
    }

    /// Forgets a leg (its call is over).
    pub fn stop(&self, leg: LegId) {
        self.lock().remove(&leg);
    }

    /// A key the media bridge heard.
    pub fn pressed(&self, leg: LegId, key: char) {
        match self
            .lock()
            .entry(leg)
            .or_insert_with(|| Listener::Waiting(Vec::new()))
        {
            Listener::Listening(keys) => {
                let _ = keys.send(key);
            }
            Listener::Waiting(early) if early.len() < EARLY_KEYS => early.push(key),
            Listener::Waiting(_) => {}
        }
    }
}

/// Prompts as callers hear them (Opus frames), encoded once per saved version and shared by
/// every call: encoding a few seconds of speech per call would cost a core at a hundred calls
/// a second.
#[derive(Debug, Default)]
pub struct Prompts {
    encoded: Mutex<HashMap<(Id, String), (i64, Frames)>>,
}

type Frames = Arc<[Arc<[u8]>]>;

impl Prompts {
    /// The account's prompt `name`, as saved now.
    pub async fn get(
        &self,
        store: &crate::Store,
        account: Id,
        name: &str,
    ) -> crate::Result<Frames> {
        let version = store
            .prompt_version(account, name)
            .await?
            .ok_or(crate::Error::NotFound("prompt"))?;
        let key = (account, name.to_owned());
        if let Some((known, frames)) = self.lock().get(&key)
            && *known == version
        {
            return Ok(frames.clone());
        }
        let frames = crate::media::encode_wav(&store.prompt(account, name).await?)?;
        self.lock().insert(key, (version, frames.clone()));
        Ok(frames)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Id, String), (i64, Frames)>> {
        self.encoded.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The built-in voicemail greeting and the tone before recording, encoded once.
fn greeting_and_tone() -> crate::Result<(Frames, Frames)> {
    static ENCODED: std::sync::OnceLock<(Frames, Frames)> = std::sync::OnceLock::new();
    if let Some(encoded) = ENCODED.get() {
        return Ok(encoded.clone());
    }
    let greeting = crate::media::encode_wav(include_bytes!("../resources/voicemail.wav"))?;
    // 400 ms at 1 kHz.
    let mut sine = switchboard_voice::tone::Sine::new(1000.0, 8000);
    let mut samples = vec![0i16; 48_000 * 4 / 10];
    sine.fill(&mut samples);
    let tone = crate::media::encode_pcm(&samples)?;
    Ok(ENCODED.get_or_init(|| (greeting, tone)).clone())
}

/// How a flow ended for its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// Queue the caller in this ring group (by name).
    Route(String),
    Voicemail {
        prompt: Option<String>,
        max: Duration,
    },
    Hangup,
}

/// What a caller's line needs of the hub.
#[derive(Debug, Clone)]
pub struct Deps {
    pub media: crate::media::Control,
    pub prompts: Arc<Prompts>,
    pub store: crate::Store,
    pub keys: Arc<Keys>,
    /// Voicemails are kept under `voicemail/ACCOUNT/` here.
    pub data_dir: PathBuf,
}

/// The message a caller leaves: for which call, from whom, to which number.
#[derive(Debug, Clone)]
pub struct Message {
    pub call: Id,
    pub from: Option<String>,
    pub dialled: Option<String>,
}

/// The caller on a trunk leg, as a flow talks to them: it hears prompts and presses keys.
pub struct Line {
    deps: Deps,
    account: Id,
    leg: LegId,
    keys: mpsc::UnboundedReceiver<char>,
}

impl Line {
    /// Starts listening to the caller's keys (those pressed already come first).
    pub fn new(deps: Deps, account: Id, leg: LegId) -> Self {
        let keys = deps.keys.listen(leg);
        Self {
            deps,
            account,
            leg,
            keys,
        }
    }

    /// Runs the flow to its end; `context` learns each piece as the caller gives it.
    pub async fn run(&mut self, flow: Flow, mut context: impl FnMut(&[(String, String)])) -> Ended {
        let now = jiff::Timestamp::now;
        let (mut run, mut effect) = Run::start(flow, now());
        loop {
            context(run.context());
            let input = match effect {
                Effect::Play { prompt, barge_in } => self.play(&prompt, barge_in).await,
                Effect::Listen { timeout } => self.listen(timeout).await,
                Effect::Route { group } => return Ended::Route(group),
                Effect::Voicemail { prompt, max } => return Ended::Voicemail { prompt, max },
                Effect::Hangup => return Ended::Hangup,
            };
            tracing::debug!(step = run.step(), ?input, "call flow");
            effect = run.input(input, now());
        }
    }

    /// Plays a prompt; with barge-in, a key (one pressed before counts too) stops it.
    async fn play(&mut self, prompt: &str, barge_in: bool) -> Input {
        let Some(frames) = self.prompt(prompt).await else {
            // A prompt removed under a running flow: carry on as if it had played.
            return Input::Played;
        };
        if barge_in && let Ok(key) = self.keys.try_recv() {
            return Input::Key(key);
        }
        let media = self.deps.media.clone();
        if !barge_in {
            let _ = media.play(self.leg, frames).await;
            return Input::Played;
        }
        tokio::select! {
            _ = media.play(self.leg, frames.clone()) => Input::Played,
            Some(key) = self.keys.recv() => {
                let _ = media.stop_playing(self.leg);
                Input::Key(key)
            }
        }
    }

    async fn listen(&mut self, timeout: Duration) -> Input {
        match tokio::time::timeout(timeout, self.keys.recv()).await {
            Ok(Some(key)) => Input::Key(key),
            // The leg is gone (the caller hung up): the call's own task ends it.
            Ok(None) => std::future::pending().await,
            Err(_) => Input::TimedOut,
        }
    }

    async fn prompt(&mut self, name: &str) -> Option<Frames> {
        match self
            .deps
            .prompts
            .get(&self.deps.store, self.account, name)
            .await
        {
            Ok(frames) => Some(frames),
            Err(error) => {
                tracing::warn!(%error, prompt = name, "a flow's prompt cannot be played");
                None
            }
        }
    }

    /// Takes a message: the prompt (the account's, or the built-in one), a tone, then what
    /// the caller says until `max`, `#`, or their hang-up. Returns the message's record.
    pub async fn voicemail(
        &mut self,
        prompt: Option<&str>,
        max: Duration,
        message: Message,
        stop: &tokio::sync::Notify,
    ) -> crate::Result<Id> {
        let Message {
            call,
            from,
            dialled,
        } = message;
        let media = self.deps.media.clone();
        let greeting = match prompt {
            Some(name) => self.prompt(name).await,
            None => None,
        };
        let (built_in, tone) = greeting_and_tone()?;
        let greeting = greeting.unwrap_or(built_in);
        // The greeting can be skipped with a key.
        tokio::select! {
            _ = media.play(self.leg, greeting) => {}
            Some(_) = self.keys.recv() => { let _ = media.stop_playing(self.leg); }
            () = stop.notified() => {
                return Err(crate::Error::Conflict("the caller hung up first".into()));
            }
        }
        let _ = media.play(self.leg, tone).await;
        while self.keys.try_recv().is_ok() {}
        let dir = self
            .deps
            .data_dir
            .join("voicemail")
            .join(self.account.to_string());
        std::fs::create_dir_all(&dir)
            .map_err(|e| crate::Error::Internal(format!("{}: {e}", dir.display())))?;
        let path: PathBuf = dir.join(format!("{call}.wav"));
        media.record(self.leg, path.clone()).await?;
        let started = tokio::time::Instant::now();
        let finished = async {
            loop {
                match self.keys.recv().await {
                    Some('#') | None => return,
                    Some(_) => {}
                }
            }
        };
        tokio::select! {
            _ = tokio::time::timeout(max, finished) => {}
            () = stop.notified() => {}
        }
        let _ = media.stop_recording(self.leg);
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.deps
            .store
            .add_voicemail(&NewVoicemail {
                account_id: self.account,
                call_id: Some(call),
                from_number: from,
                dialled,
                path: path.display().to_string(),
                duration_ms,
            })
            .await
    }
}
