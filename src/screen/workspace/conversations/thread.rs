//! One conversation opened: its timeline (messages, notes, calls' traces, status changes)
//! paged from the hub so a thread of thousands opens at once, and a bounded window of it kept
//! as the agent scrolls back; the agent's own messages the hub has not confirmed yet shown
//! after the rest, pending or refused with Retry.

use std::collections::VecDeque;

use iced::widget::{button, column, container, operation, row, scrollable, space, text};
use iced::{Alignment, Length};
use switchboard_client::api::conversations::{Kind, Page};
use switchboard_client::outbox::Outgoing;
use switchboard_protocol::{
    Attachment, Author, CannedReply, Channel, EpisodeState, Id, Message, MessagePage,
    MessageStatus, Thread,
};
use time::OffsetDateTime;

use crate::widget::{self, Element};
use crate::{fl, font, theme};

/// Messages fetched per page.
pub const PAGE: u32 = 50;

/// Most messages kept in memory for one thread: scrolling back further drops the newest
/// (fetched again on the way forward), so memory stays bounded however long the thread.
pub const WINDOW: usize = 150;

/// How long "… is typing" stays after the last sign.
const TYPING_SHOWN_SECS: i64 = 6;

/// The timeline's scrollable, so the workspace can scroll it to the newest message.
pub fn timeline_id() -> iced::widget::Id {
    iced::widget::Id::new("conversation-timeline")
}

#[derive(Debug, Clone)]
pub struct Open {
    pub thread: Thread,
    /// A window of the thread's messages, oldest first, with no gap.
    messages: VecDeque<Message>,
    /// Whether the hub has messages older than the window's first.
    older: bool,
    /// Whether the hub has messages newer than the window's last (dropped while scrolling
    /// back); while so, new messages are not appended (they are fetched in order).
    newer: bool,
    /// The page being fetched, if any.
    pub fetching: Option<Page>,
    /// The agent's messages written here that the hub does not have yet.
    pub outgoing: Vec<Outgoing>,
    pub canned: Vec<CannedReply>,
    /// Who is typing, until when.
    typing: Option<(String, OffsetDateTime)>,
    /// Messages created while the newest page was being fetched: added after it if it did
    /// not bring them.
    early: Vec<Message>,
}

impl Open {
    pub fn new(thread: Thread) -> Self {
        Self {
            thread,
            messages: VecDeque::new(),
            older: false,
            newer: false,
            fetching: Some(Page::Newest),
            outgoing: Vec::new(),
            canned: Vec::new(),
            typing: None,
            early: Vec::new(),
        }
    }

    pub fn id(&self) -> Id {
        self.thread.id
    }

    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.messages.iter()
    }

    /// The newest message of the customer's in the window.
    pub fn newest_from_contact(&self) -> Option<Id> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.author == Author::Contact)
            .map(|m| m.id)
    }

    /// Takes a page the hub answered for `page`. Answers whether the view should stay at
    /// the newest message.
    pub fn paged(&mut self, page: Page, answer: MessagePage) -> bool {
        self.fetching = None;
        match page {
            Page::Newest => {
                self.messages = answer.messages.into();
                self.older = answer.more;
                self.newer = false;
                for message in std::mem::take(&mut self.early) {
                    self.created(message);
                }
                self.forget_confirmed();
                true
            }
            Page::Before(before) => {
                if self.messages.front().map(|m| m.id) != Some(before) {
                    return false;
                }
                self.older = answer.more;
                for message in answer.messages.into_iter().rev() {
                    self.messages.push_front(message);
                }
                while self.messages.len() > WINDOW {
                    self.messages.pop_back();
                    self.newer = true;
                }
                false
            }
            Page::After(after) => {
                if self.messages.back().map(|m| m.id) != Some(after) {
                    return false;
                }
                self.newer = answer.more;
                self.messages.extend(answer.messages);
                while self.messages.len() > WINDOW {
                    self.messages.pop_front();
                    self.older = true;
                }
                self.forget_confirmed();
                !self.newer
            }
        }
    }

    /// The page to fetch when the agent scrolled to the top (`true`) or the bottom.
    pub fn next_page(&self, top: bool) -> Option<Page> {
        if self.fetching.is_some() {
            return None;
        }
        if top && self.older {
            self.messages.front().map(|m| Page::Before(m.id))
        } else if !top && self.newer {
            self.messages.back().map(|m| Page::After(m.id))
        } else {
            None
        }
    }

    /// A message was added to the thread. Answers whether it is new here.
    pub fn created(&mut self, message: Message) -> bool {
        if self.messages.iter().any(|m| m.id == message.id) {
            return false;
        }
        if let Some(key) = &message.client_key {
            self.outgoing.retain(|o| &o.key != key);
        }
        if self.fetching == Some(Page::Newest) {
            // The newest page may or may not bring it: kept until it is answered.
            self.early.push(message);
            return false;
        }
        if self.newer {
            // Not at the newest end: it is fetched in order with the rest.
            return false;
        }
        if message.author == Author::Contact {
            self.typing = None;
        }
        let at = self
            .messages
            .iter()
            .rposition(|m| m.id < message.id)
            .map_or(0, |i| i + 1);
        self.messages.insert(at, message);
        while self.messages.len() > WINDOW {
            self.messages.pop_front();
            self.older = true;
        }
        true
    }

    /// A message's status moved on; a report older than what is shown changes nothing.
    pub fn updated(&mut self, message: Message) {
        if let Some(shown) = self.messages.iter_mut().find(|m| m.id == message.id)
            && (shown.status == message.status || shown.status.may_become(message.status))
        {
            *shown = message;
        }
    }

    pub fn typing(&mut self, name: String, now: OffsetDateTime) {
        self.typing = Some((name, now + time::Duration::seconds(TYPING_SHOWN_SECS)));
    }

    /// Outgoing messages the hub already has (the page brought them) are no longer pending.
    fn forget_confirmed(&mut self) {
        let messages = &self.messages;
        self.outgoing.retain(|o| {
            !messages
                .iter()
                .any(|m| m.client_key.as_deref() == Some(&o.key))
        });
    }

    pub fn view<'a, M: Clone + 'a>(
        &'a self,
        me: Id,
        now: OffsetDateTime,
        on: Handlers<M>,
    ) -> Element<'a, M> {
        let mut timeline = column![].spacing(8).padding([4, 12]);
        if self.older {
            timeline = timeline.push(
                text(if self.fetching.is_some() {
                    fl!("conversation-loading")
                } else {
                    fl!("conversation-older")
                })
                .size(12)
                .style(theme::text::muted),
            );
        }
        let mut episode = None;
        for message in &self.messages {
            if message.episode_id.is_some() && message.episode_id != episode {
                if episode.is_some() {
                    timeline = timeline.push(divider(fl!("conversation-new-episode")));
                }
                episode = message.episode_id;
            }
            timeline = timeline.push(bubble(message, me, now, &on));
        }
        if self.newer {
            timeline = timeline.push(
                text(fl!("conversation-newer"))
                    .size(12)
                    .style(theme::text::muted),
            );
        }
        for outgoing in &self.outgoing {
            timeline = timeline.push(pending(outgoing, &on));
        }
        if let Some(episode) = &self.thread.episode
            && episode.state == EpisodeState::Resolved
            && !self.newer
        {
            timeline = timeline.push(divider(fl!("conversation-resolved")));
        }
        let mut page = column![
            scrollable(timeline)
                .id(timeline_id())
                .anchor_bottom()
                .on_scroll(on.scrolled)
                .height(Length::Fill)
                .width(Length::Fill)
        ];
        if let Some((name, until)) = &self.typing
            && *until > now
        {
            page = page.push(
                text(fl!("conversation-typing", name = name.clone()))
                    .size(12)
                    .style(theme::text::muted),
            );
        }
        page.spacing(4).into()
    }
}

/// What the timeline's controls send.
pub struct Handlers<M> {
    pub scrolled: fn(scrollable::Viewport) -> M,
    pub retry: fn(String) -> M,
    pub discard: fn(String) -> M,
    /// Save a file sent with a message.
    pub save: fn(Attachment) -> M,
}

fn divider<'a, M: 'a>(label: String) -> Element<'a, M> {
    container(text(label).size(12).style(theme::text::muted))
        .center_x(Length::Fill)
        .padding(4)
        .into()
}

fn author_name(message: &Message) -> String {
    match &message.author {
        Author::Contact => fl!("conversation-customer"),
        Author::Agent { name, .. } => name.clone(),
        Author::System => fl!("conversation-system"),
    }
}

pub fn channel_label(channel: Channel) -> String {
    match channel {
        Channel::Chat => fl!("channel-chat"),
        Channel::Sms => fl!("channel-sms"),
        Channel::Email => fl!("channel-email"),
        Channel::Note => fl!("channel-note"),
    }
}

pub fn status_label(status: MessageStatus) -> String {
    match status {
        MessageStatus::Pending => fl!("message-pending"),
        MessageStatus::Accepted => fl!("message-accepted"),
        MessageStatus::Sent => fl!("message-sent"),
        MessageStatus::Delivered => fl!("message-delivered"),
        MessageStatus::Read => fl!("message-read"),
        MessageStatus::Failed => fl!("message-failed"),
    }
}

fn bubble<'a, M: Clone + 'a>(
    message: &'a Message,
    me: Id,
    now: OffsetDateTime,
    on: &Handlers<M>,
) -> Element<'a, M> {
    let ours = matches!(message.author, Author::Agent { id, .. } if id == me);
    let customer = message.author == Author::Contact;
    let mut head = row![
        text(author_name(message)).size(12).font(font::BOLD),
        text(channel_label(message.channel))
            .size(11)
            .style(theme::text::muted),
        text(widget::when(message.at, now))
            .size(11)
            .style(theme::text::muted),
    ]
    .spacing(8)
    .align_y(Alignment::Center);
    if !customer && message.channel != Channel::Note {
        let label = match (&message.failure, message.status) {
            (Some(why), MessageStatus::Failed) => {
                format!("{} — {why}", status_label(MessageStatus::Failed))
            }
            _ => status_label(message.status),
        };
        let style = if message.status == MessageStatus::Failed {
            theme::text::danger
        } else {
            theme::text::muted
        };
        head = head.push(text(label).size(11).style(style));
    }
    let style = if message.channel == Channel::Note {
        theme::container::note
    } else if customer {
        theme::container::panel
    } else {
        theme::container::ours
    };
    let mut body = column![head].spacing(4);
    if !message.text.is_empty() {
        body = body.push(text(&message.text).size(14));
    }
    for file in &message.attachments {
        body = body.push(
            row![
                text(fl!(
                    "conversation-file",
                    name = file.name.clone(),
                    size = super::files::size(file.size)
                ))
                .size(13),
                button(text(fl!("conversation-file-save")).size(12))
                    .padding([3, 10])
                    .style(theme::button::item)
                    .on_press((on.save)(file.clone())),
            ]
            .spacing(8)
            .align_y(Alignment::Center),
        );
    }
    let card = container(body).padding([8, 12]).max_width(620).style(style);
    if ours || (!customer && message.channel != Channel::Note) {
        row![space().width(Length::Fill), card].into()
    } else {
        row![card, space().width(Length::Fill)].into()
    }
}

fn pending<'a, M: Clone + 'a>(outgoing: &'a Outgoing, on: &Handlers<M>) -> Element<'a, M> {
    let mut head = row![
        text(match outgoing.kind {
            Kind::Reply => fl!("conversation-you"),
            Kind::Note => fl!("channel-note"),
        })
        .size(12)
        .font(font::BOLD)
    ]
    .spacing(8)
    .align_y(Alignment::Center);
    match &outgoing.refused {
        None => {
            head = head.push(
                text(status_label(MessageStatus::Pending))
                    .size(11)
                    .style(theme::text::warning),
            )
        }
        Some(why) => {
            head = head
                .push(
                    text(format!("{} — {why}", status_label(MessageStatus::Failed)))
                        .size(11)
                        .style(theme::text::danger),
                )
                .push(
                    button(text(fl!("message-retry")).size(12))
                        .style(theme::button::item)
                        .on_press((on.retry)(outgoing.key.clone())),
                )
                .push(
                    button(text(fl!("message-discard")).size(12))
                        .style(theme::button::item)
                        .on_press((on.discard)(outgoing.key.clone())),
                );
        }
    }
    let card = container(column![head, text(&outgoing.text).size(14)].spacing(4))
        .padding([8, 12])
        .max_width(620)
        .style(theme::container::ours);
    row![space().width(Length::Fill), card].into()
}

/// Scrolls the timeline to its newest message (it is anchored at the bottom: no offset is
/// the newest).
pub fn to_newest<M: Send + 'static>() -> iced::Task<M> {
    operation::scroll_to(timeline_id(), scrollable::AbsoluteOffset { x: 0.0, y: 0.0 })
}

/// Where a scroll left the timeline: at its oldest end (top), its newest (bottom), or both
/// when everything fits.
pub fn ends(viewport: &scrollable::Viewport) -> (bool, bool) {
    let room = viewport.content_bounds().height - viewport.bounds().height;
    if room <= 1.0 {
        return (true, true);
    }
    // Anchored at the bottom: the offset counts from the newest end.
    let from_bottom = viewport.absolute_offset().y;
    (from_bottom >= room - 40.0, from_bottom <= 40.0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const THREAD: Id = 9;

    fn message(id: Id) -> Message {
        Message {
            id,
            thread_id: THREAD,
            episode_id: Some(1),
            channel: Channel::Chat,
            author: Author::Contact,
            text: format!("message {id}"),
            status: MessageStatus::Accepted,
            failure: None,
            client_key: None,
            at: OffsetDateTime::UNIX_EPOCH,
            attachments: Vec::new(),
        }
    }

    fn thread() -> Thread {
        Thread {
            id: THREAD,
            contact_id: 1,
            contact_name: "Olivia".into(),
            episode: None,
            last_message: None,
            unread: 0,
            read_upto: 0,
            version: 1,
        }
    }

    /// The hub's answer for `page` from a thread of messages 1..=total.
    fn answer(total: Id, page: Page) -> MessagePage {
        let limit = Id::from(PAGE);
        let (from, to) = match page {
            Page::Newest => ((total - limit + 1).max(1), total),
            Page::Before(id) => ((id - limit).max(1), id - 1),
            Page::After(id) => (id + 1, (id + limit).min(total)),
        };
        MessagePage {
            messages: (from..=to).map(message).collect(),
            more: match page {
                Page::After(_) => to < total,
                _ => from > 1,
            },
        }
    }

    fn ids(open: &Open) -> (Id, Id, usize) {
        let first = open.messages().next().unwrap().id;
        let last = open.messages().last().unwrap().id;
        (first, last, open.messages().count())
    }

    /// Fetches what scrolling to the top (or bottom) asks for, as the screen does.
    fn scroll(open: &mut Open, total: Id, top: bool) -> bool {
        let Some(page) = open.next_page(top) else {
            return false;
        };
        open.fetching = Some(page);
        open.paged(page, answer(total, page));
        true
    }

    #[test]
    fn scrolling_through_a_long_thread_keeps_a_bounded_window_without_gaps() {
        let total = 2_000;
        let mut open = Open::new(thread());
        open.paged(Page::Newest, answer(total, Page::Newest));
        assert_eq!(ids(&open), (1_951, 2_000, 50));
        while scroll(&mut open, total, true) {
            let (first, last, count) = ids(&open);
            assert!(count <= WINDOW);
            assert_eq!(last - first + 1, count as Id, "no gap in the window");
        }
        assert_eq!(ids(&open).0, 1, "the first message is reached");
        assert_eq!(open.next_page(false), Some(Page::After(WINDOW as Id)));

        // A message arriving meanwhile is not put after a gap: it comes in order.
        assert!(!open.created(message(total + 1)));
        let total = total + 1;
        while scroll(&mut open, total, false) {
            assert!(open.messages().count() <= WINDOW);
        }
        assert_eq!(
            ids(&open).1,
            total,
            "back at the newest, the new one included"
        );
        assert_eq!(open.next_page(false), None);
    }

    #[test]
    fn a_message_created_while_the_newest_page_is_fetched_is_not_lost() {
        let mut open = Open::new(thread());
        assert!(!open.created(message(61)), "kept aside for now");
        open.paged(Page::Newest, answer(60, Page::Newest));
        assert_eq!(ids(&open), (11, 61, 51));

        // Brought by the page too: shown once.
        let mut open = Open::new(thread());
        open.created(message(60));
        open.paged(Page::Newest, answer(60, Page::Newest));
        assert_eq!(ids(&open), (11, 60, 50));
    }

    #[test]
    fn statuses_only_move_forward_and_confirmed_outgoing_ones_are_forgotten() {
        let mut open = Open::new(thread());
        open.paged(Page::Newest, answer(3, Page::Newest));
        let read = Message {
            status: MessageStatus::Read,
            ..message(3)
        };
        open.updated(read);
        open.updated(Message {
            status: MessageStatus::Delivered,
            ..message(3)
        });
        assert_eq!(open.messages().last().unwrap().status, MessageStatus::Read);

        let outgoing = Outgoing::new("builtin", 2, THREAD, Kind::Reply, "hi".into());
        open.outgoing.push(outgoing.clone());
        let stored = Message {
            client_key: Some(outgoing.key.clone()),
            ..message(4)
        };
        assert!(open.created(stored));
        assert!(open.outgoing.is_empty(), "no longer shown as pending");
    }
}
