//! History: the agent's recent calls, newest first — direction, who, when, how long,
//! how it ended, the disposition and notes — with Call back on each. A call opens to show
//! every agent's notes on it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use iced::widget::{button, column, container, row, scrollable, space, text};
use iced::{Alignment, Length, Subscription, Task};
use switchboard_client::{Error, Hub};
use switchboard_protocol::{CallOutcome, CallRecord, Direction, Id, Target};
use time::OffsetDateTime;

use crate::widget::{self, Element, international};
use crate::{fl, font, theme};

/// How many recent calls are listed.
const RECENT: u32 = 50;

#[derive(Debug, Clone, Default)]
pub struct History {
    calls: Calls,
    /// The call opened to show all its notes.
    open: Option<Id>,
    playback: Playback,
}

/// A call's recording being fetched or played.
#[derive(Debug, Clone, Default)]
pub enum Playback {
    #[default]
    Idle,
    Loading(Id),
    /// 48 kHz mono, decoded.
    Playing(Id, Arc<[i16]>),
    Failed(Id, String),
}

#[derive(Debug, Clone, Default)]
enum Calls {
    #[default]
    Loading,
    Loaded(Vec<CallRecord>),
    Failed(String),
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Vec<CallRecord>, Error>),
    Toggled(Id),
    /// Call the other party of a past call again.
    CallBack {
        target: Target,
        name: String,
    },
    /// Play a call's recording, or stop it.
    Play(Id),
    Stop,
    Fetched(Id, Result<Arc<[i16]>, String>),
    /// The recording played to its end.
    Finished(Id),
}

pub enum Action {
    None,
    Run(Task<Message>),
    /// Dial (the workspace's phone places the call).
    Call {
        target: Target,
        name: String,
    },
}

impl History {
    /// Asks the hub for the recent calls (on opening History, and after each call).
    pub fn load(&mut self, hub: &Hub, token: &str) -> Task<Message> {
        if !matches!(self.calls, Calls::Loaded(_)) {
            self.calls = Calls::Loading;
        }
        let (hub, token) = (hub.clone(), token.to_owned());
        Task::perform(
            async move { hub.my_calls(&token, RECENT).await },
            Message::Loaded,
        )
    }

    pub fn calls(&self) -> &[CallRecord] {
        match &self.calls {
            Calls::Loaded(calls) => calls,
            _ => &[],
        }
    }

    pub fn playback(&self) -> &Playback {
        &self.playback
    }

    pub fn update(&mut self, message: Message, hub: &Hub, token: &str) -> Action {
        match message {
            Message::Loaded(Ok(calls)) => self.calls = Calls::Loaded(calls),
            Message::Loaded(Err(error)) => {
                self.calls = Calls::Failed(super::super::describe(&error));
            }
            Message::Toggled(id) => {
                self.open = if self.open == Some(id) {
                    None
                } else {
                    Some(id)
                };
            }
            Message::CallBack { target, name } => return Action::Call { target, name },
            Message::Play(call) => {
                self.playback = Playback::Loading(call);
                let (hub, token) = (hub.clone(), token.to_owned());
                return Action::Run(Task::perform(
                    async move {
                        let bytes = hub
                            .recording(&token, call)
                            .await
                            .map_err(|e| super::super::describe(&e))?;
                        tokio::task::spawn_blocking(move || {
                            switchboard_voice::ogg_opus::decode(&bytes)
                                .map(Arc::from)
                                .map_err(|e| e.to_string())
                        })
                        .await
                        .map_err(|e| e.to_string())?
                    },
                    move |result| Message::Fetched(call, result),
                ));
            }
            Message::Fetched(call, result) => {
                // Only the one still wanted.
                if matches!(self.playback, Playback::Loading(loading) if loading == call) {
                    self.playback = match result {
                        Ok(samples) => Playback::Playing(call, samples),
                        Err(reason) => Playback::Failed(call, reason),
                    };
                }
            }
            Message::Stop => self.playback = Playback::Idle,
            Message::Finished(call) => {
                if matches!(self.playback, Playback::Playing(playing, _) if playing == call) {
                    self.playback = Playback::Idle;
                }
            }
        }
        Action::None
    }

    /// Plays the recording on the speaker while it is wanted (stopping drops the sound).
    pub fn subscription(&self, speaker: Option<&str>) -> Subscription<Message> {
        match &self.playback {
            Playback::Playing(call, samples) => Subscription::run_with(
                Sound {
                    call: *call,
                    samples: samples.clone(),
                    speaker: speaker.map(str::to_owned),
                },
                play,
            ),
            _ => Subscription::none(),
        }
    }

    pub fn view(&self, me: Id, now: OffsetDateTime, idle: bool) -> Element<'_, Message> {
        let title = text(fl!("history-recent")).size(22).font(font::BOLD);
        let calls = match &self.calls {
            Calls::Loading => {
                return column![title, text(fl!("history-loading"))]
                    .spacing(16)
                    .into();
            }
            Calls::Failed(reason) => {
                return column![
                    title,
                    text(fl!("history-failed", reason = reason.clone())).style(theme::text::danger)
                ]
                .spacing(16)
                .into();
            }
            Calls::Loaded(calls) if calls.is_empty() => {
                return column![title, text(fl!("history-empty")).style(theme::text::muted)]
                    .spacing(16)
                    .into();
            }
            Calls::Loaded(calls) => calls,
        };
        let mut list = column![].spacing(2);
        for call in calls {
            list = list.push(self.entry(call, me, now, idle));
        }
        column![title, scrollable(list).height(Length::Fill)]
            .spacing(16)
            .into()
    }

    fn entry<'a>(
        &self,
        call: &'a CallRecord,
        me: Id,
        now: OffsetDateTime,
        idle: bool,
    ) -> Element<'a, Message> {
        let (other, arrow) = match call.direction {
            Direction::Inbound => (&call.from, "↙"),
            Direction::Outbound => (call.to.as_ref().unwrap_or(&call.from), "↗"),
            Direction::Internal if call.from.is(me) => {
                (call.to.as_ref().unwrap_or(&call.from), "↗")
            }
            Direction::Internal => (&call.from, "↙"),
        };
        let name = if other.name.is_empty() {
            fl!("call-unknown-caller")
        } else {
            other.name.clone()
        };
        let number = other.number.as_deref().map(international);
        let missed = call.answered_at.is_none() && call.direction == Direction::Inbound;
        let mut who = column![text(name.clone()).font(font::BOLD)].spacing(2);
        if let Some(number) = &number
            && number != &name
        {
            who = who.push(text(number.clone()).size(13).style(theme::text::muted));
        }
        let mut facts = vec![widget::when(call.started_at, now)];
        if let Some(seconds) = call.talk_seconds() {
            facts.push(widget::duration(seconds));
        }
        facts.push(outcome(call, missed));
        let mut line = row![
            text(arrow).size(18).width(24),
            who.width(Length::FillPortion(3)),
            text(facts.join(" · "))
                .size(13)
                .style(if missed {
                    theme::text::danger
                } else {
                    theme::text::muted
                })
                .width(Length::FillPortion(4)),
        ]
        .spacing(12)
        .align_y(Alignment::Center);
        let mine = call.notes.iter().find(|n| n.agent_id == me);
        let disposition = mine
            .and_then(|n| n.disposition.as_ref())
            .or_else(|| call.notes.iter().find_map(|n| n.disposition.as_ref()));
        line = line.push(
            text(disposition.map(|d| d.label.clone()).unwrap_or_default())
                .size(13)
                .width(Length::FillPortion(2)),
        );
        let target = match (&other.number, other.agent_id) {
            (Some(number), _) => Some(Target::Number {
                e164: number.clone(),
                caller_id: None,
            }),
            (None, Some(agent)) if agent != me => Some(Target::Agent(agent)),
            _ => None,
        };
        let call_back = target.filter(|_| idle).map(|target| Message::CallBack {
            target,
            name: number.clone().unwrap_or(name),
        });
        // Every row keeps the recording's slot, so the columns line up.
        let mut recording = container(space()).width(200);
        if let Some(seconds) = call.recording_seconds {
            let (label, message) = match &self.playback {
                Playback::Playing(playing, _) if *playing == call.id => {
                    (fl!("history-stop"), Some(Message::Stop))
                }
                Playback::Loading(loading) if *loading == call.id => {
                    (fl!("history-loading-recording"), None)
                }
                _ => (
                    fl!(
                        "history-play",
                        length = widget::duration(i64::from(seconds))
                    ),
                    Some(Message::Play(call.id)),
                ),
            };
            recording = container(
                button(text(label).size(13))
                    .padding([5, 12])
                    .style(theme::button::item)
                    .on_press_maybe(message),
            )
            .width(200);
        }
        line = line.push(recording);
        line = line.push(
            button(text(fl!("history-call-back")).size(13))
                .padding([5, 12])
                .style(theme::button::item)
                .on_press_maybe(call_back),
        );
        let mut entry = column![
            button(line)
                .width(Length::Fill)
                .padding([8, 8])
                .style(theme::button::item)
                .on_press(Message::Toggled(call.id))
        ];
        if let Some(notes) = mine.filter(|n| !n.notes.trim().is_empty())
            && self.open != Some(call.id)
        {
            let first = notes.notes.lines().next().unwrap_or_default().to_owned();
            entry = entry
                .push(container(text(first).size(13).style(theme::text::muted)).padding([0, 44]));
        }
        if let Playback::Failed(failed, reason) = &self.playback
            && *failed == call.id
        {
            entry = entry.push(
                container(
                    text(fl!("history-play-failed", reason = reason.clone()))
                        .size(13)
                        .style(theme::text::danger),
                )
                .padding([0, 44]),
            );
        }
        if self.open == Some(call.id) {
            let mut details = column![].spacing(8);
            if call.notes.is_empty() {
                details = details.push(text(fl!("history-no-notes")).style(theme::text::muted));
            }
            for notes in &call.notes {
                let mut head = notes.agent_name.clone();
                if let Some(d) = &notes.disposition {
                    head = fl!(
                        "history-notes-by",
                        name = head,
                        disposition = d.label.clone()
                    );
                }
                details = details.push(
                    column![
                        text(head).size(13).font(font::BOLD),
                        text(notes.notes.clone()).size(14),
                    ]
                    .spacing(2),
                );
            }
            for party in &call.transferred_to {
                // An agent by name; an outside number as people read it.
                let name = match party.number.as_deref() {
                    Some(number) if party.name == number => international(number),
                    _ => party.name.clone(),
                };
                details = details.push(
                    text(fl!("history-transferred-to", name = name))
                        .size(13)
                        .style(theme::text::muted),
                );
            }
            entry = entry.push(container(details).padding([6, 44]).width(Length::Fill));
        }
        entry.push(space().height(2)).into()
    }
}

/// How a call ended, as the list says it.
fn outcome(call: &CallRecord, missed: bool) -> String {
    match call.outcome {
        None => fl!("history-ongoing"),
        Some(_) if missed => fl!("history-missed"),
        Some(CallOutcome::Completed) => fl!("history-completed"),
        Some(CallOutcome::Declined) => fl!("history-declined"),
        Some(CallOutcome::Cancelled) => fl!("history-cancelled"),
        Some(CallOutcome::Failed) => fl!("history-failed-call"),
        Some(CallOutcome::NoAnswer) => fl!("history-no-answer"),
        Some(CallOutcome::Busy) => fl!("history-busy"),
        Some(CallOutcome::Unreachable) => fl!("history-unreachable"),
        Some(CallOutcome::Voicemail) => fl!("history-voicemail"),
    }
}

/// A recording to play, as the subscription knows it.
#[derive(Debug, Clone)]
struct Sound {
    call: Id,
    samples: Arc<[i16]>,
    speaker: Option<String>,
}

impl std::hash::Hash for Sound {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.call.hash(state);
        self.samples.len().hash(state);
        self.speaker.hash(state);
    }
}

/// Plays the samples once on the speaker; ends with `Finished`, or stops when dropped.
fn play(sound: &Sound) -> impl futures::Stream<Item = Message> + use<> {
    let sound = sound.clone();
    iced::stream::channel(1, async move |mut output| {
        let stop = Arc::new(AtomicBool::new(false));
        // Dropped with the subscription: the playing thread sees it and stops the sound.
        struct Stop(Arc<AtomicBool>);
        impl Drop for Stop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::Relaxed);
            }
        }
        let _stop = Stop(stop.clone());
        let call = sound.call;
        let played = tokio::task::spawn_blocking(move || {
            let position = Arc::new(AtomicUsize::new(0));
            let (samples, at) = (sound.samples.clone(), position.clone());
            let _tone =
                switchboard_voice::device::Tone::play(sound.speaker.as_deref(), move |out| {
                    let start = at.load(Ordering::Relaxed).min(samples.len());
                    let n = out.len().min(samples.len() - start);
                    out[..n].copy_from_slice(&samples[start..start + n]);
                    out[n..].fill(0);
                    at.store(start + n, Ordering::Relaxed);
                })
                .map_err(|e| e.to_string())?;
            while !stop.load(Ordering::Relaxed)
                && position.load(Ordering::Relaxed) < sound.samples.len()
            {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Ok::<(), String>(())
        })
        .await;
        if let Ok(Err(error)) | Err(error) = played.map_err(|e| e.to_string()) {
            tracing::warn!(%error, "a recording could not be played");
        }
        use futures::SinkExt;
        let _ = output.send(Message::Finished(call)).await;
    })
}
