//! The composer: reply or note, Enter sends and Shift+Enter is a new line, canned replies.

use iced::widget::{button, column, pick_list, row, space, text, text_editor};
use iced::{Alignment, Length, keyboard};
use switchboard_client::api::conversations::Kind;
use switchboard_protocol::CannedReply;

use super::Message;
use crate::widget::Element;
use crate::{fl, theme};

/// A canned reply as the pick list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canned(pub CannedReply);

impl std::fmt::Display for Canned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "/{}", self.0.shortcut)
    }
}

pub fn view<'a>(
    content: &'a text_editor::Content,
    kind: Kind,
    canned: &[CannedReply],
    may_reply: bool,
) -> Element<'a, Message> {
    let editor = text_editor(content)
        .id("composer")
        .placeholder(match kind {
            Kind::Reply => fl!("composer-reply-placeholder"),
            Kind::Note => fl!("composer-note-placeholder"),
        })
        .height(Length::Fixed(84.0))
        .on_action(Message::Edited)
        .key_binding(|press| {
            let enter = matches!(
                press.key.as_ref(),
                keyboard::Key::Named(keyboard::key::Named::Enter)
            );
            if enter && !press.modifiers.shift() {
                Some(text_editor::Binding::Custom(Message::Send))
            } else {
                text_editor::Binding::from_key_press(press)
            }
        });
    let canned: Vec<Canned> = canned.iter().cloned().map(Canned).collect();
    let mut tools = row![
        button(text(fl!("composer-reply")).size(13))
            .style(theme::button::tab(kind == Kind::Reply))
            .on_press_maybe(may_reply.then_some(Message::KindPicked(Kind::Reply))),
        button(text(fl!("composer-note")).size(13))
            .style(theme::button::tab(kind == Kind::Note))
            .on_press(Message::KindPicked(Kind::Note)),
    ]
    .spacing(6)
    .align_y(Alignment::Center);
    if !canned.is_empty() {
        tools = tools.push(
            pick_list(canned, None::<Canned>, Message::CannedPicked)
                .placeholder(fl!("composer-canned"))
                .text_size(13),
        );
    }
    tools = tools
        .push(space().width(Length::Fill))
        .push(
            text(fl!("composer-hint"))
                .size(11)
                .style(theme::text::muted),
        )
        .push(
            button(text(fl!("composer-send")))
                .style(theme::button::primary)
                .on_press(Message::Send),
        );
    column![tools, editor].spacing(6).into()
}
