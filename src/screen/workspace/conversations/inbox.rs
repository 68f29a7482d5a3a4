//! The inbox: the agent's conversations and those waiting in their groups, newest first.

use iced::widget::{button, column, container, row, scrollable, space, text};
use iced::{Alignment, Length};
use switchboard_protocol::{Author, EpisodeState, Id, Thread};
use time::OffsetDateTime;

use super::Message;
use super::thread::channel_label;
use crate::widget::{self, Element};
use crate::{fl, font, theme};

/// How much of the last message a row shows.
const PREVIEW_CHARS: usize = 60;

pub fn view<'a>(
    inbox: &'a [Thread],
    open: Option<Id>,
    loaded: bool,
    problem: Option<&str>,
    me: Id,
    now: OffsetDateTime,
) -> Element<'a, Message> {
    let mut items = column![].spacing(6);
    for thread in inbox {
        items = items.push(inbox_row(thread, me, now, open == Some(thread.id)));
    }
    let mut list = column![text(fl!("nav-conversations")).size(22).font(font::BOLD)].spacing(12);
    if let Some(problem) = problem {
        list = list.push(
            container(
                row![
                    text(problem.to_owned()).size(13).width(Length::Fill),
                    button(text(fl!("dismiss")).size(12))
                        .style(theme::button::item)
                        .on_press(Message::ProblemDismissed),
                ]
                .align_y(Alignment::Center),
            )
            .padding(8)
            .style(theme::container::error_banner),
        );
    }
    if !loaded {
        list = list.push(text(fl!("conversations-loading")).style(theme::text::muted));
    }
    list.push(scrollable(items).height(Length::Fill))
        .width(320)
        .into()
}

fn inbox_row<'a>(
    thread: &'a Thread,
    me: Id,
    now: OffsetDateTime,
    open: bool,
) -> Element<'a, Message> {
    let episode = thread.episode.as_ref();
    let waiting = episode.is_some_and(|e| e.state == EpisodeState::Open && e.assignee.is_none());
    let last = thread
        .last_message
        .as_ref()
        .map(|m| {
            let who = match &m.author {
                Author::Contact => String::new(),
                Author::Agent { id, .. } if *id == me => format!("{}: ", fl!("conversation-you")),
                Author::Agent { name, .. } => format!("{name}: "),
                Author::System => String::new(),
            };
            let first = m.text.lines().next().unwrap_or_default();
            let mut line: String = first.chars().take(PREVIEW_CHARS).collect();
            if line.len() < m.text.trim_end().len() {
                line.push('…');
            }
            // A file alone is named.
            if let (true, Some(file)) = (line.is_empty(), m.attachments.first()) {
                line = file.name.clone();
            }
            format!("{who}{line}")
        })
        .unwrap_or_default();
    let since = episode
        .filter(|e| e.state == EpisodeState::Open && e.first_response_at.is_none())
        .map(|e| {
            fl!(
                "conversation-waiting-for",
                time = widget::duration((now - e.opened_at).whole_seconds())
            )
        });
    let mut top = row![
        text(&thread.contact_name)
            .size(14)
            .font(font::BOLD)
            .width(Length::Fill),
    ]
    .spacing(6)
    .align_y(Alignment::Center);
    if let Some(m) = &thread.last_message {
        top = top.push(
            text(widget::when(m.at, now))
                .size(11)
                .style(theme::text::muted),
        );
    }
    if thread.unread > 0 {
        top = top.push(
            container(text(thread.unread.to_string()).size(11))
                .padding([1, 6])
                .style(theme::container::highlight),
        );
    }
    let mut body = column![top, text(last).size(12).style(theme::text::muted)].spacing(2);
    let mut bottom = row![].spacing(8).align_y(Alignment::Center);
    if let Some(episode) = episode {
        bottom = bottom.push(
            text(channel_label(episode.channel))
                .size(11)
                .style(theme::text::muted),
        );
    }
    if let Some(since) = since {
        bottom = bottom.push(text(since).size(11).style(theme::text::warning));
    }
    if waiting {
        bottom = bottom.push(space().width(Length::Fill)).push(
            button(text(fl!("conversation-accept")).size(12))
                .style(theme::button::primary)
                .on_press(Message::Take(thread.id)),
        );
    }
    body = body.push(bottom);
    let style = if waiting {
        theme::container::highlight
    } else {
        theme::container::panel
    };
    button(container(body).padding(8).width(Length::Fill).style(style))
        .padding(0)
        .style(if open {
            theme::button::item
        } else {
            theme::button::bare
        })
        .width(Length::Fill)
        .on_press(Message::Opened(thread.id))
        .into()
}
