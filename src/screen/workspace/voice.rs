//! The voice biometrics card of the Identity tab (F-43): how the live caller's voice compares
//! with their contact's voiceprint, asked of the hub every few seconds while the tab is open
//! (it listens to the call; the desktop sends no audio of its own), and enrolling a voiceprint
//! once the caller consents.

use iced::widget::{button, checkbox, column, row, text};
use iced::{Alignment, Task};
use switchboard_client::{Error, Hub};
use switchboard_protocol::{Contact, Id, VoiceCheck, VoiceStatus};

use crate::widget::Element;
use crate::{fl, font, theme};

#[derive(Debug, Clone, Default)]
pub struct Voice {
    /// The call and contact the state below is about.
    about: Option<(Id, Id)>,
    check: Option<Result<VoiceCheck, String>>,
    consent: bool,
    enrolling: bool,
    asking: bool,
    /// The voiceprint was made from this call: comparing the call with it says nothing.
    enrolled_here: bool,
}

#[derive(Debug, Clone)]
pub enum Message {
    /// Time to ask the hub again.
    Poll,
    Checked((Id, Id), Result<VoiceCheck, Error>),
    ConsentToggled(bool),
    Enrol,
    Enrolled((Id, Id), Result<VoiceCheck, Error>),
}

impl Voice {
    pub fn check(&self) -> Option<&VoiceCheck> {
        self.check.as_ref().and_then(|c| c.as_ref().ok())
    }

    /// `about` is the live call and its caller's contact.
    pub fn update(
        &mut self,
        message: Message,
        about: Option<(Id, Id)>,
        hub: &Hub,
        token: &str,
    ) -> Task<Message> {
        if about != self.about {
            *self = Self {
                about,
                ..Self::default()
            };
        }
        let Some((call, contact)) = about else {
            return Task::none();
        };
        match message {
            Message::Poll => {
                if self.asking || self.enrolling || self.enrolled_here {
                    return Task::none();
                }
                self.asking = true;
                let (hub, token) = (hub.clone(), token.to_owned());
                return Task::perform(
                    async move { hub.voice_check(&token, call, contact).await },
                    move |result| Message::Checked((call, contact), result),
                );
            }
            Message::Checked(key, result) => {
                if Some(key) == self.about {
                    self.asking = false;
                    if !self.enrolled_here {
                        self.check = Some(result.map_err(|e| super::super::describe(&e)));
                    }
                }
            }
            Message::ConsentToggled(on) => self.consent = on,
            Message::Enrol => {
                if !self.consent || self.enrolling {
                    return Task::none();
                }
                self.enrolling = true;
                let (hub, token) = (hub.clone(), token.to_owned());
                return Task::perform(
                    async move { hub.enrol_voice(&token, call, contact).await },
                    move |result| Message::Enrolled((call, contact), result),
                );
            }
            Message::Enrolled(key, result) => {
                if Some(key) == self.about {
                    self.enrolling = false;
                    self.enrolled_here = result
                        .as_ref()
                        .is_ok_and(|check| check.status == VoiceStatus::Enrolled);
                    self.check = Some(result.map_err(|e| super::super::describe(&e)));
                }
            }
        }
        Task::none()
    }

    pub fn view<'a>(&'a self, contact: Option<&'a Contact>) -> Element<'a, Message> {
        let mut card = column![text(fl!("voice-title")).font(font::BOLD)].spacing(6);
        let Some(contact) = contact else {
            return card
                .push(text(fl!("voice-no-contact")).style(theme::text::muted))
                .into();
        };
        let name = contact.name.clone();
        let check = match &self.check {
            None => {
                return card
                    .push(text(fl!("voice-listening")).style(theme::text::muted))
                    .into();
            }
            Some(Err(reason)) => {
                return card
                    .push(text(reason.clone()).style(theme::text::danger))
                    .into();
            }
            Some(Ok(check)) => check,
        };
        let heard = fl!(
            "voice-heard",
            seconds = format!("{:.0}", check.speech_seconds),
            needed = format!("{:.0}", check.needed_seconds)
        );
        let score = check.score.map(|s| format!("{s:.2}")).unwrap_or_default();
        match check.status {
            VoiceStatus::Authenticated => {
                card = card.push(
                    text(fl!("voice-authenticated", name = name, score = score))
                        .style(theme::text::success),
                );
            }
            VoiceStatus::NotAuthenticated => {
                card = card.push(
                    text(fl!("voice-not-authenticated", name = name, score = score))
                        .style(theme::text::danger),
                );
            }
            VoiceStatus::NotEnoughSpeech => {
                card = card.push(text(fl!("voice-not-enough")).style(theme::text::warning));
                card = card.push(text(heard).size(13).style(theme::text::muted));
            }
            VoiceStatus::Enrolled => {
                card =
                    card.push(text(fl!("voice-enrolled", name = name)).style(theme::text::success));
            }
            VoiceStatus::NotEnrolled => {
                let ready = check.speech_seconds >= check.needed_seconds;
                card = card
                    .push(text(fl!("voice-not-enrolled", name = name.clone())))
                    .push(
                        checkbox(self.consent)
                            .label(fl!("voice-consent", name = name))
                            .on_toggle(Message::ConsentToggled),
                    )
                    .push(
                        row![
                            button(text(fl!("voice-enrol")).size(13))
                                .padding([5, 12])
                                .style(theme::button::primary)
                                .on_press_maybe(
                                    (self.consent && ready && !self.enrolling)
                                        .then_some(Message::Enrol)
                                ),
                            text(heard).size(13).style(theme::text::muted),
                        ]
                        .spacing(10)
                        .align_y(Alignment::Center),
                    );
            }
        }
        card.into()
    }
}
