//! The call bar: a call being placed, ringing in, or live — with its controls.

use iced::widget::{button, container, row, space, text};
use iced::{Alignment, Length};
use switchboard_protocol::Call as CallInfo;
use time::OffsetDateTime;

use super::Message;
use crate::call::Engine;
use crate::widget::{self, Element};
use crate::{fl, font, theme};

#[derive(Debug, Clone)]
pub enum Call {
    /// Devices opening and the hub being asked; nothing rings yet.
    Dialing { to: String },
    /// Our call rings at the other agent.
    Ringing { call: CallInfo, engine: Engine },
    /// Someone calls us.
    Incoming { call: CallInfo, answering: bool },
    Live {
        call: CallInfo,
        engine: Engine,
        since: OffsetDateTime,
        muted: bool,
    },
}

impl Call {
    pub fn id(&self) -> Option<i64> {
        match self {
            Call::Dialing { .. } => None,
            Call::Ringing { call, .. } | Call::Incoming { call, .. } | Call::Live { call, .. } => {
                Some(call.id)
            }
        }
    }

    pub fn view(&self, me: i64, now: OffsetDateTime) -> Element<'_, Message> {
        let other = |call: &CallInfo| {
            if call.from.agent_id == me {
                call.to.name.clone()
            } else {
                call.from.name.clone()
            }
        };
        let action = |label: String, message: Message, primary: bool| {
            button(text(label).size(14))
                .padding([6, 14])
                .style(if primary {
                    theme::button::primary
                } else {
                    theme::button::item
                })
                .on_press(message)
        };
        let content = match self {
            Call::Dialing { to } => row![
                text(fl!("call-calling", name = to.clone())).font(font::BOLD),
                space().width(Length::Fill),
                action(fl!("call-hang-up"), Message::HangUp, true),
            ],
            Call::Ringing { call, .. } => row![
                text(fl!("call-calling", name = other(call))).font(font::BOLD),
                space().width(Length::Fill),
                action(fl!("call-hang-up"), Message::HangUp, true),
            ],
            Call::Incoming { call, answering } => {
                let mut accept = button(text(fl!("call-accept")).size(14))
                    .padding([6, 14])
                    .style(theme::button::primary);
                if !answering {
                    accept = accept.on_press(Message::AcceptCall);
                }
                row![
                    text(fl!("call-incoming", name = other(call))).font(font::BOLD),
                    space().width(Length::Fill),
                    accept,
                    action(fl!("call-decline"), Message::DeclineCall, false),
                ]
            }
            Call::Live {
                call, since, muted, ..
            } => row![
                text(fl!("call-live", name = other(call))).font(font::BOLD),
                text(widget::duration((now - *since).whole_seconds())),
                space().width(Length::Fill),
                action(
                    if *muted {
                        fl!("call-unmute")
                    } else {
                        fl!("call-mute")
                    },
                    Message::MuteToggled,
                    false
                ),
                action(fl!("call-hang-up"), Message::HangUp, true),
            ],
        };
        container(content.spacing(12).align_y(Alignment::Center))
            .padding([8, 16])
            .width(Length::Fill)
            .style(theme::container::call_bar)
            .into()
    }
}
