//! Settings' audio devices: which microphone, speaker and ringer calls use (remembered; the
//! system default unless picked), a live input level meter, a test tone, and auto-answer.

use std::time::Duration;

use futures::SinkExt;
use iced::widget::{Row, button, checkbox, column, pick_list, progress_bar, row, text};
use iced::{Alignment, Subscription, Task};
use switchboard_client::config::Devices as Picked;
use switchboard_voice::device::{self, DeviceInfo, Microphone};

use crate::call::Audio;
use crate::widget::Element;
use crate::{fl, font, theme};

/// How often the level meter reads the microphone.
const METER_EVERY: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, Default)]
pub struct Devices {
    inputs: Vec<DeviceInfo>,
    outputs: Vec<DeviceInfo>,
    /// The microphone's peak level, once the meter opened it.
    level: Option<f32>,
    /// Why the meter could not open the microphone.
    meter_error: Option<String>,
    /// Which output is playing its test tone.
    testing: Option<Output>,
    test_error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Speaker,
    Ringer,
}

#[derive(Debug, Clone)]
pub enum Message {
    Listed {
        inputs: Vec<DeviceInfo>,
        outputs: Vec<DeviceInfo>,
    },
    MicrophonePicked(Choice),
    SpeakerPicked(Choice),
    RingerPicked(Choice),
    AutoAnswerToggled(bool),
    Level(Result<f32, String>),
    Test(Output),
    Tested(Result<(), String>),
}

pub enum Action {
    None,
    Run(Task<Message>),
    /// The agent changed a choice: use it for the next call and remember it.
    Picked(Picked),
}

/// A device in a pick list (its id and label), or the system default (no id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub id: Option<String>,
    pub label: String,
}

impl Choice {
    pub fn default_device() -> Self {
        Self {
            id: None,
            label: fl!("devices-default"),
        }
    }

    /// The remembered device among those listed; a device that is not there now shows
    /// its id (calls then use the default until it is back).
    fn picked(id: Option<&String>, listed: &[DeviceInfo]) -> Self {
        match id {
            None => Self::default_device(),
            Some(id) => Self {
                id: Some(id.clone()),
                label: listed
                    .iter()
                    .find(|d| &d.id == id)
                    .map_or_else(|| id.clone(), |d| d.label.clone()),
            },
        }
    }
}

impl From<DeviceInfo> for Choice {
    fn from(device: DeviceInfo) -> Self {
        Self {
            id: Some(device.id),
            label: device.label,
        }
    }
}

impl std::fmt::Display for Choice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label)
    }
}

/// Lists the devices (on a blocking thread: the audio server is asked).
pub fn list() -> Task<Message> {
    Task::perform(
        async {
            tokio::task::spawn_blocking(device::list)
                .await
                .unwrap_or_default()
        },
        |(inputs, outputs)| Message::Listed { inputs, outputs },
    )
}

impl Devices {
    pub fn update(&mut self, message: Message, picked: &Picked) -> Action {
        let mut picked = picked.clone();
        match message {
            Message::Listed { inputs, outputs } => {
                self.inputs = inputs;
                self.outputs = outputs;
                return Action::None;
            }
            Message::MicrophonePicked(choice) => {
                picked.microphone = choice.id;
                self.level = None;
                self.meter_error = None;
            }
            Message::SpeakerPicked(choice) => picked.speaker = choice.id,
            Message::RingerPicked(choice) => picked.ringer = choice.id,
            Message::AutoAnswerToggled(on) => picked.auto_answer = on,
            Message::Level(Ok(level)) => {
                self.level = Some(level);
                self.meter_error = None;
                return Action::None;
            }
            Message::Level(Err(reason)) => {
                self.level = None;
                self.meter_error = Some(reason);
                return Action::None;
            }
            Message::Test(output) => {
                if self.testing.is_some() {
                    return Action::None;
                }
                self.testing = Some(output);
                self.test_error = None;
                let device = match output {
                    Output::Speaker => picked.speaker,
                    Output::Ringer => picked.ringer,
                };
                return Action::Run(Task::perform(
                    crate::call::test_tone(device),
                    Message::Tested,
                ));
            }
            Message::Tested(result) => {
                self.testing = None;
                self.test_error = result.err();
                return Action::None;
            }
        }
        Action::Picked(picked)
    }

    /// The level meter, while settings are shown and calls use a real microphone.
    pub fn subscription(&self, audio: &Audio) -> Subscription<Message> {
        if audio.input_file.is_some() {
            return Subscription::none();
        }
        Subscription::run_with(MeterKey(audio.devices.microphone.clone()), meter)
    }

    pub fn view<'a>(&'a self, audio: &'a Audio) -> Element<'a, Message> {
        let title = text(fl!("settings-devices")).size(17).font(font::BOLD);
        if audio.headless() {
            let shown = |path: &Option<std::path::PathBuf>| {
                path.as_ref()
                    .map_or_else(|| fl!("devices-default"), |p| p.display().to_string())
            };
            return column![
                title,
                text(fl!(
                    "devices-files",
                    input = shown(&audio.input_file),
                    output = shown(&audio.output_file)
                ))
                .style(theme::text::muted),
            ]
            .spacing(10)
            .into();
        }
        let picked = &audio.devices;
        let test = |output: Output| {
            let label = if self.testing == Some(output) {
                fl!("devices-testing")
            } else {
                fl!("devices-test")
            };
            button(text(label).size(13))
                .padding([6, 12])
                .style(theme::button::item)
                .on_press_maybe(self.testing.is_none().then_some(Message::Test(output)))
        };
        let meter: Element<'_, Message> = match (&self.meter_error, self.level) {
            (Some(reason), _) => text(fl!("devices-no-microphone", reason = reason.clone()))
                .style(theme::text::warning)
                .into(),
            (None, level) => progress_bar(0.0..=1.0, level.unwrap_or(0.0))
                .length(240)
                .girth(8)
                .into(),
        };
        let mut section = column![
            title,
            line(
                fl!("devices-microphone"),
                picker(
                    &self.inputs,
                    picked.microphone.as_ref(),
                    Message::MicrophonePicked
                )
            ),
            line(fl!("devices-level"), meter),
            line(
                fl!("devices-speaker"),
                picker(
                    &self.outputs,
                    picked.speaker.as_ref(),
                    Message::SpeakerPicked
                )
            )
            .push(test(Output::Speaker)),
            line(
                fl!("devices-ringer"),
                picker(&self.outputs, picked.ringer.as_ref(), Message::RingerPicked)
            )
            .push(test(Output::Ringer)),
            checkbox(picked.auto_answer)
                .label(fl!("devices-auto-answer"))
                .on_toggle(Message::AutoAnswerToggled),
        ]
        .spacing(12);
        if let Some(reason) = &self.test_error {
            section = section.push(
                text(fl!("devices-test-failed", reason = reason.clone()))
                    .style(theme::text::warning),
            );
        }
        section.into()
    }
}

/// A settings line: what it is, then its control.
fn line<'a>(name: String, control: impl Into<Element<'a, Message>>) -> Row<'a, Message> {
    row![text(name).width(150), control.into()]
        .spacing(10)
        .align_y(Alignment::Center)
}

/// A device picker: the system default, then the devices listed.
fn picker<'a>(
    devices: &[DeviceInfo],
    picked: Option<&String>,
    on_pick: fn(Choice) -> Message,
) -> Element<'a, Message> {
    let choices: Vec<Choice> = std::iter::once(Choice::default_device())
        .chain(devices.iter().cloned().map(Choice::from))
        .collect();
    pick_list(choices, Some(Choice::picked(picked, devices)), on_pick)
        .width(320)
        .into()
}

/// Identifies the meter: picking another microphone restarts it on that one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct MeterKey(Option<String>);

/// Opens the microphone (off the async workers) and reports its level until the
/// subscription ends, which drops the stream and with it the microphone.
fn meter(key: &MeterKey) -> impl futures::Stream<Item = Message> + use<> {
    let name = key.0.clone();
    iced::stream::channel(4, async move |mut output| {
        let opened = tokio::task::spawn_blocking(move || Microphone::open(name.as_deref())).await;
        let microphone = match opened {
            Ok(Ok(microphone)) => microphone,
            Ok(Err(error)) => {
                let _ = output.send(Message::Level(Err(error.to_string()))).await;
                return;
            }
            Err(error) => {
                let _ = output.send(Message::Level(Err(error.to_string()))).await;
                return;
            }
        };
        let level = microphone.level();
        let mut every = tokio::time::interval(METER_EVERY);
        loop {
            every.tick().await;
            if output.send(Message::Level(Ok(level.get()))).await.is_err() {
                break;
            }
        }
        drop(microphone);
    })
}
