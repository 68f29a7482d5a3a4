//! The workspace's side of the Conversations screen: what the screen is given, and what its
//! actions become (a lost session, a notification while the window is in the background).

use iced::Task;
use time::OffsetDateTime;

use super::{Action, Message, Workspace, conversations};
use crate::fl;
use crate::session::Session;
use switchboard_protocol::Me;

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

    fn conversations_action(&mut self, action: conversations::Action) -> Action {
        match action {
            conversations::Action::None => Action::None,
            conversations::Action::Run(task) => Action::Run(task.map(Message::Conversations)),
            conversations::Action::Failed(error) => self.failed(&error),
            conversations::Action::Waiting { name } => {
                if self.focused {
                    Action::None
                } else {
                    Action::Run(
                        Task::future(crate::call::notify(
                            fl!("notify-conversation"),
                            fl!("notify-conversation-body", name = name),
                        ))
                        .discard(),
                    )
                }
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
