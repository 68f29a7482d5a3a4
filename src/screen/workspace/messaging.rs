//! The workspace's side of the Conversations and Contacts screens: what the screens are
//! given, and what their actions become (a lost session, a notification while the window is
//! in the background, a contact's conversation opened, a contact called).

use iced::Task;
use time::OffsetDateTime;

use super::{Action, Message, View, Workspace, contacts, conversations};
use crate::fl;
use crate::session::Session;
use switchboard_protocol::{Id, Me};

impl Workspace {
    /// Sends the messages written while the hub was out of reach, and fetches the inbox.
    pub(super) fn conversations_start(&mut self) -> Task<Message> {
        let cx = conversations_context(&self.session, &self.me, self.now);
        Task::batch([
            self.conversations.resend(&cx),
            self.conversations.refresh(&cx),
        ])
        .map(Message::Conversations)
    }

    pub(super) fn conversations_refresh(&mut self) -> Task<Message> {
        let cx = conversations_context(&self.session, &self.me, self.now);
        self.conversations.refresh(&cx).map(Message::Conversations)
    }

    pub(super) fn conversations_update(&mut self, message: conversations::Message) -> Action {
        let cx = conversations_context(&self.session, &self.me, self.now);
        let action = self.conversations.update(message, &cx);
        self.conversations_action(action)
    }

    pub(super) fn contacts_update(&mut self, message: contacts::Message) -> Action {
        let action = self
            .contacts
            .update(message, &self.session.hub, &self.session.token);
        match action {
            contacts::Action::None => Action::None,
            contacts::Action::Run(task) => Action::Run(task.map(Message::Contacts)),
            contacts::Action::Failed(error) => self.failed(&error),
            contacts::Action::OpenConversation(contact) => {
                self.view = View::Conversations;
                let cx = conversations_context(&self.session, &self.me, self.now);
                let open = Task::batch([
                    self.conversations.refresh(&cx),
                    self.conversations.open_contact(contact, &cx),
                ]);
                Action::Run(open.map(Message::Conversations))
            }
            contacts::Action::Call { target, name } => {
                let target = match target {
                    switchboard_protocol::Target::Number { e164, .. } => {
                        switchboard_protocol::Target::Number {
                            e164,
                            caller_id: self.dialpad.caller_id(),
                        }
                    }
                    agent => agent,
                };
                self.phone_update(super::phone::Message::Dial { target, name })
            }
        }
    }

    /// Shows a contact in Contacts (a call's Contacts badge).
    pub(super) fn show_contact(&mut self, contact: Id) -> Action {
        self.view = View::Contacts;
        let task = self
            .contacts
            .show(contact, &self.session.hub, &self.session.token);
        Action::Run(task.map(Message::Contacts))
    }

    fn conversations_action(&mut self, action: conversations::Action) -> Action {
        match action {
            conversations::Action::None => Action::None,
            conversations::Action::Run(task) => Action::Run(task.map(Message::Conversations)),
            conversations::Action::Failed(error) => self.failed(&error),
            conversations::Action::Waiting { name } => {
                // It rings once, as a call would (not with audio from files: a test).
                let ring = (!self.audio.headless()).then(|| {
                    Task::future(crate::call::chime(self.audio.devices.ringer.clone())).discard()
                });
                let notify = (!self.focused).then(|| {
                    Task::future(crate::call::notify(
                        fl!("notify-conversation"),
                        fl!("notify-conversation-body", name = name),
                    ))
                    .discard()
                });
                Action::Run(Task::batch(ring.into_iter().chain(notify)))
            }
        }
    }
}

/// What the conversations need from the workspace (free-standing: its borrows stay apart from the screen's).
pub(super) fn conversations_context<'a>(
    session: &'a Session,
    me: &Me,
    now: OffsetDateTime,
) -> conversations::Context<'a> {
    conversations::Context {
        hub: &session.hub,
        hub_name: switchboard_client::outbox::hub_name(&session.hub, session.builtin),
        token: &session.token,
        me: me.id,
        now,
    }
}
