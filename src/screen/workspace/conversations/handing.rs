//! Handing a conversation on (to an agent or a group) and resolving it with a disposition:
//! the bars shown above the timeline while the agent picks.

use iced::widget::{button, column, container, pick_list, row, space, text};
use iced::{Alignment, Length};
use switchboard_protocol::Id;

use super::{Look, Message};
use crate::widget::Element;
use crate::{fl, theme};

/// Someone to hand a conversation to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandTo {
    Agent(Id, String),
    Group(Id, String),
}

impl std::fmt::Display for HandTo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandTo::Agent(_, name) => write!(f, "{name}"),
            HandTo::Group(_, name) => {
                write!(f, "{}", fl!("conversation-group", name = name.clone()))
            }
        }
    }
}

/// A disposition as the pick list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick(pub Id, pub String);

impl std::fmt::Display for Pick {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.1)
    }
}

pub fn resolve_bar<'a>(picked: Option<Id>, look: &Look<'a>) -> Element<'a, Message> {
    let options: Vec<Pick> = look
        .dispositions
        .iter()
        .map(|d| Pick(d.id, d.label.clone()))
        .collect();
    let selected = picked.and_then(|id| options.iter().find(|p| p.0 == id).cloned());
    container(
        row![
            text(fl!("conversation-resolve-with")).size(13),
            pick_list(options, selected, Message::DispositionPicked)
                .placeholder(fl!("conversation-no-disposition")),
            space().width(Length::Fill),
            button(text(fl!("conversation-resolve")))
                .style(theme::button::primary)
                .on_press(Message::ResolveConfirmed),
            button(text(fl!("conversation-cancel")))
                .style(theme::button::item)
                .on_press(Message::Cancel),
        ]
        .spacing(10)
        .align_y(Alignment::Center),
    )
    .padding(8)
    .style(theme::container::panel)
    .into()
}

pub fn hand_bar<'a>(picked: Option<&HandTo>, look: &Look<'a>) -> Element<'a, Message> {
    let mut options: Vec<HandTo> = look
        .agents
        .iter()
        .map(|a| HandTo::Agent(a.id, a.name.clone()))
        .collect();
    options.extend(
        look.groups
            .iter()
            .map(|g| HandTo::Group(g.id, g.name.clone())),
    );
    let confirm = button(text(fl!("conversation-hand-on")))
        .style(theme::button::primary)
        .on_press_maybe(picked.map(|_| Message::HandConfirmed));
    container(
        column![
            row![
                text(fl!("conversation-hand-to")).size(13),
                pick_list(options, picked.cloned(), Message::HandToPicked)
                    .placeholder(fl!("conversation-hand-pick")),
                space().width(Length::Fill),
                confirm,
                button(text(fl!("conversation-cancel")))
                    .style(theme::button::item)
                    .on_press(Message::Cancel),
            ]
            .spacing(10)
            .align_y(Alignment::Center),
            text(fl!("conversation-hand-note"))
                .size(12)
                .style(theme::text::muted),
        ]
        .spacing(4),
    )
    .padding(8)
    .style(theme::container::panel)
    .into()
}
