//! What the event stream says about conversations: threads and messages that changed, a
//! customer typing, two contacts merged.

use iced::Task;
use switchboard_protocol::{Id, Message as Sent, Thread};
use time::OffsetDateTime;

use super::{Context, Conversations, Message, for_me};

impl Conversations {
    /// A thread changed (a new episode, taken, handed on, resolved, read).
    pub fn thread_updated(&mut self, thread: Thread, me: Id) {
        if let Some(open) = &mut self.open
            && open.id() == thread.id
            && (thread.newer_than(&open.thread) || thread.version == open.thread.version)
        {
            open.thread = thread.clone();
        }
        if let Some(at) = self.inbox.iter().position(|t| t.id == thread.id)
            && !self.inbox[at].newer_than(&thread)
        {
            self.inbox.remove(at);
            if for_me(&thread, me) {
                self.inbox.insert(0, thread);
            }
        }
    }

    /// A thread changed that the inbox may not list: whether to fetch the inbox again (the
    /// hub knows whose groups it waits in).
    pub fn wants_refresh(&self, thread: &Thread, me: Id) -> bool {
        !self.inbox.iter().any(|t| t.id == thread.id) && for_me(thread, me)
    }

    pub fn message_created(&mut self, message: Sent) {
        if let Some(open) = self.open.as_mut().filter(|o| o.id() == message.thread_id) {
            open.created(message.clone());
        }
        if let Some(thread) = self.inbox.iter_mut().find(|t| t.id == message.thread_id)
            && thread
                .last_message
                .as_ref()
                .is_none_or(|m| m.id < message.id)
        {
            thread.last_message = Some(message);
        }
    }

    pub fn message_updated(&mut self, message: Sent) {
        if let Some(open) = self.open.as_mut().filter(|o| o.id() == message.thread_id) {
            open.updated(message);
        }
    }

    pub fn typing(&mut self, thread: Id, name: String, now: OffsetDateTime) {
        if let Some(open) = self.open.as_mut().filter(|o| o.id() == thread) {
            open.typing(name, now);
        }
    }

    /// Two contacts became one: a thread opened on the one that went is reopened on the
    /// survivor's.
    pub fn merged(&mut self, from_contact: Id, thread: Id, cx: &Context<'_>) -> Task<Message> {
        self.inbox.retain(|t| t.contact_id != from_contact);
        let reopen = self
            .open
            .as_ref()
            .is_some_and(|open| open.thread.contact_id == from_contact && open.id() != thread);
        if reopen {
            self.open = None;
            let (hub, token) = (cx.hub.clone(), cx.token.to_owned());
            return Task::perform(
                async move { hub.conversation(&token, thread).await },
                Message::ThreadFound,
            );
        }
        Task::none()
    }

    /// The customer's messages arriving while the thread is open are read.
    pub fn read_new(&self, cx: &Context<'_>, focused: bool) -> Task<Message> {
        if focused {
            self.mark_read(cx)
        } else {
            Task::none()
        }
    }
}
