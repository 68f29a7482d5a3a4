//! The hub's event stream, into the workspace: presence, colleagues, calls; reconnected
//! with back-off and resumed from the last event seen.

use std::hash::Hash;

use iced::Task;
use switchboard_client::Hub;
use switchboard_client::events::{self, Backoff, Update};
use switchboard_protocol::{Event, Presence};

use super::{Action, Connection, Message, View, Workspace, conversations_context};

impl Workspace {
    pub(super) fn set_my_presence(&mut self, presence: Presence) {
        // An older answer must not undo a newer change that arrived first.
        if presence.since >= self.me.presence.since {
            self.me.presence = presence;
        }
    }

    pub(super) fn stream(&mut self, update: Update) -> Action {
        match update {
            Update::Connected => {
                self.connection = Connection::Online;
                // Back online: notes typed and messages written meanwhile reach the hub, and
                // the inbox catches up.
                let resend = self.notes.resend(&self.notes_context());
                return Action::Run(Task::batch([
                    resend.map(Message::Notes),
                    self.conversations_start(),
                ]));
            }
            Update::Disconnected { reason, .. } => self.connection = Connection::Lost { reason },
            Update::SessionEnded => return Action::SessionLost,
            Update::Event(envelope) => match envelope.event {
                Event::PresenceChanged { agent_id, presence } => {
                    if agent_id == self.me.id {
                        self.set_my_presence(presence);
                    } else if let Some(agent) = self.agents.iter_mut().find(|a| a.id == agent_id)
                        && presence.since >= agent.presence.since
                    {
                        agent.presence = presence;
                    }
                }
                Event::AgentAdded { agent } => {
                    if agent.id != self.me.id && !self.agents.iter().any(|a| a.id == agent.id) {
                        self.agents.push(agent);
                        self.agents.sort_by_key(|a| (a.name.to_lowercase(), a.id));
                    }
                }
                Event::AgentRemoved { agent_id } => self.agents.retain(|a| a.id != agent_id),
                Event::SessionEnded => return Action::SessionLost,
                Event::Resync => {
                    let hub = self.session.hub.clone();
                    let token = self.session.token.clone();
                    return Action::Run(Task::perform(
                        async move { hub.bootstrap(&token).await.map(Box::new) },
                        Message::Reloaded,
                    ));
                }
                Event::CallUpdated { call } => {
                    let ended = call.state == switchboard_protocol::CallState::Ended;
                    let action = self.with_phone(|phone, cx| phone.updated(*call, cx));
                    let action = self.phone_action(action);
                    // The list shows the call that just ended.
                    let reload = (ended && self.view == View::History).then(|| {
                        self.history
                            .load(&self.session.hub, &self.session.token)
                            .map(Message::History)
                    });
                    return action.also(reload);
                }
                Event::ThreadUpdated { thread } => {
                    let (hub, token) = (&self.session.hub, &self.session.token);
                    let renamed = self.contacts.renamed(&thread, hub, token);
                    let refresh = self.conversations.wants_refresh(&thread, self.me.id);
                    self.conversations.thread_updated(*thread, self.me.id);
                    let mut tasks = vec![renamed.map(Message::Contacts)];
                    if refresh {
                        tasks.push(self.conversations_refresh());
                    }
                    return Action::Run(Task::batch(tasks));
                }
                Event::MessageCreated { message } => {
                    let from_customer = message.author == switchboard_protocol::Author::Contact;
                    let here = self.conversations.open_thread().map(|t| t.id)
                        == Some(message.thread_id)
                        && self.view == View::Conversations;
                    self.conversations.message_created(*message);
                    if from_customer && here {
                        let cx = conversations_context(&self.session, &self.me, self.now);
                        let read = self.conversations.read_new(&cx, self.focused);
                        return Action::Run(read.map(Message::Conversations));
                    }
                }
                Event::MessageUpdated { message } => self.conversations.message_updated(*message),
                Event::Typing { thread_id, name } => {
                    self.conversations.typing(thread_id, name, self.now)
                }
                Event::ContactMerged { from, into, thread } => {
                    let (hub, token) = (&self.session.hub, &self.session.token);
                    let shown = self.contacts.merged(from, into, hub, token);
                    let cx = conversations_context(&self.session, &self.me, self.now);
                    let task = self.conversations.merged(from, thread, &cx);
                    return Action::Run(Task::batch([
                        task.map(Message::Conversations),
                        shown.map(Message::Contacts),
                    ]));
                }
                Event::Unknown => {}
            },
        }
        Action::None
    }
}

/// Identifies the event stream subscription: a new session starts a new stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct StreamKey {
    pub(super) address: String,
    pub(super) token: String,
    pub(super) after: u64,
}

pub(super) fn connect(key: &StreamKey) -> impl futures::Stream<Item = Update> + use<> {
    let key = key.clone();
    iced::stream::channel(64, async move |sender| match Hub::new(&key.address) {
        Ok(hub) => events::run(hub, key.token, key.after, Backoff::default(), sender).await,
        Err(error) => tracing::error!(%error, "event stream not started"),
    })
}
