//! What the Conversations screen shows: the inbox beside the open thread, its header (who,
//! which channel, whose work) with take / hand on / resolve, the timeline and the composer.

use iced::widget::{button, column, container, row, text};
use iced::{Alignment, Length};
use switchboard_protocol::{EpisodeState, Thread};

use super::{Conversations, Look, Message, composer, handing, inbox, thread};
use crate::widget::Element;
use crate::{fl, font, theme};

impl Conversations {
    pub fn view<'a>(&'a self, look: Look<'a>) -> Element<'a, Message> {
        let list = inbox::view(
            &self.inbox,
            self.open.as_ref().map(thread::Open::id),
            self.loaded,
            self.problem.as_deref(),
            look.me,
            look.now,
        );
        let Some(open) = &self.open else {
            let hint = container(
                text(if self.loaded && self.inbox.is_empty() {
                    fl!("conversations-empty")
                } else {
                    fl!("conversations-pick")
                })
                .style(theme::text::muted),
            )
            .center(Length::Fill);
            return row![list, hint].spacing(16).into();
        };
        row![list, self.thread_view(open, &look)].spacing(16).into()
    }

    fn thread_view<'a>(&'a self, open: &'a thread::Open, look: &Look<'a>) -> Element<'a, Message> {
        let thread = &open.thread;
        let episode = thread.episode.as_ref();
        let is_open = episode.is_some_and(|e| e.state == EpisodeState::Open);
        let mine = episode.is_some_and(|e| e.assignee == Some(look.me));
        let waiting = is_open && episode.is_some_and(|e| e.assignee.is_none());

        let mut head = row![
            column![
                text(&thread.contact_name).size(18).font(font::BOLD),
                text(episode_line(thread, look))
                    .size(12)
                    .style(theme::text::muted),
            ]
            .spacing(2)
            .width(Length::Fill),
        ]
        .spacing(8)
        .align_y(Alignment::Center);
        if waiting {
            head = head.push(
                button(text(fl!("conversation-take")))
                    .style(theme::button::primary)
                    .on_press(Message::Take(thread.id)),
            );
        }
        if is_open {
            head = head
                .push(
                    button(text(fl!("conversation-hand-on")))
                        .style(theme::button::item)
                        .on_press(Message::HandAsked),
                )
                .push(
                    button(text(fl!("conversation-resolve")))
                        .style(theme::button::item)
                        .on_press(Message::ResolveAsked),
                );
        }
        head = head.push(
            button(text(fl!("conversation-close")))
                .style(theme::button::item)
                .on_press(Message::Close),
        );

        let timeline = open.view(
            look.me,
            look.now,
            thread::Handlers {
                scrolled: Message::Scrolled,
                retry: Message::Retry,
                discard: Message::Discard,
                save: Message::Save,
            },
        );

        let mut page = column![head].spacing(10);
        if let Some(picked) = &self.resolving {
            page = page.push(handing::resolve_bar(*picked, look));
        }
        if let Some(picked) = &self.handing {
            page = page.push(handing::hand_bar(picked.as_ref(), look));
        }
        page = page.push(timeline);
        if let Some(outcome) = &self.files.outcome {
            let (words, style): (String, fn(&iced::Theme) -> text::Style) = match outcome {
                Ok((name, path)) => (
                    fl!(
                        "conversation-file-saved",
                        name = name.clone(),
                        path = path.display().to_string()
                    ),
                    theme::text::success,
                ),
                Err(reason) => (
                    fl!("conversation-file-failed", reason = reason.clone()),
                    theme::text::danger,
                ),
            };
            page = page.push(
                row![
                    text(words).size(12).style(style).width(Length::Fill),
                    button(text(fl!("dismiss")).size(12))
                        .style(theme::button::item)
                        .on_press(Message::FileNoticeDismissed),
                ]
                .align_y(Alignment::Center),
            );
        }
        page = page.push(composer::view(
            &self.composer,
            self.kind,
            &open.canned,
            mine || !is_open || waiting,
        ));
        container(page).width(Length::Fill).into()
    }
}

fn episode_line(thread: &Thread, look: &Look<'_>) -> String {
    let Some(episode) = &thread.episode else {
        return fl!("conversation-no-episode");
    };
    let channel = thread::channel_label(episode.channel);
    let who = match (episode.state, episode.assignee) {
        (EpisodeState::Resolved, _) => fl!("conversation-state-resolved"),
        (EpisodeState::Open, None) => {
            let group = episode
                .group_id
                .and_then(|g| look.groups.iter().find(|x| x.id == g))
                .map(|g| g.name.clone())
                .unwrap_or_default();
            fl!("conversation-state-waiting", group = group)
        }
        (EpisodeState::Open, Some(agent)) if agent == look.me => fl!("conversation-state-mine"),
        (EpisodeState::Open, Some(agent)) => {
            let name = look
                .agents
                .iter()
                .find(|a| a.id == agent)
                .map(|a| a.name.clone())
                .unwrap_or_default();
            fl!("conversation-state-theirs", name = name)
        }
    };
    format!("{channel} · {who}")
}
