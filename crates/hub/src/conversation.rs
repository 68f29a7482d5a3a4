//! Conversations: each contact's thread is owned by a task of its own ([`actor`]) around a
//! pure machine ([`machine`]), as calls are. Channels (live chat, SMS, email) and agents'
//! requests only send a thread requests ([`Conversations`]); its task decides with the
//! machine and writes the decision, the message and their events in one transaction, so
//! two requests on one thread never interleave and every change reaches the event stream
//! once, in order.
//!
//! A thread's task starts with its first request and ends when it has been idle a while;
//! its state lives in the store, so a restarted hub (or task) carries on where it was.

mod actor;
pub mod canned;
pub mod machine;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use switchboard_protocol::{
    Channel, ErrorCode, Id, MAX_ATTACHMENTS, MAX_CLIENT_KEY_CHARS, MAX_MESSAGE_CHARS, Message,
    MessageStatus, Role, Thread,
};
use tokio::sync::{broadcast, mpsc, oneshot};

pub use machine::AssignTo;

use crate::events::Publisher;
use crate::store::{IdentityKind, Recorded};
use crate::{Error, Result, Store};

/// What an agent writes: the key their client made for it, its text, and the files they
/// uploaded to the thread for it.
#[derive(Debug, Clone, Copy)]
pub struct Draft<'a> {
    pub key: &'a str,
    pub text: &'a str,
    pub attachments: &'a [Id],
}

impl<'a> Draft<'a> {
    /// Text alone.
    pub fn text(key: &'a str, text: &'a str) -> Self {
        Self {
            key,
            text,
            attachments: &[],
        }
    }
}

/// An agent acting on a conversation, as their messages are signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub id: Id,
    pub role: Role,
    pub name: String,
}

/// A message from a customer, as a channel received it.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub channel: Channel,
    pub text: String,
    /// An auto-reply or receipt: stored, but it opens no episode.
    pub automatic: bool,
    /// The ring group whose queue new work from this channel waits in.
    pub group: Option<Id>,
    /// The channel's own id for the message, `(provider, id)`: delivered twice, stored once.
    pub provider_id: Option<(String, String)>,
    /// Files the customer uploaded to their thread, sent with it.
    pub attachments: Vec<Id>,
}

/// What can be asked of a thread.
#[derive(Debug, Clone)]
enum Request {
    Customer(Inbound),
    /// A reply to the customer, or (`note`) an internal note.
    Write {
        agent: Agent,
        key: String,
        text: String,
        attachments: Vec<Id>,
        note: bool,
    },
    Take {
        agent: Agent,
    },
    Assign {
        by: Agent,
        to: AssignTo,
        note: String,
    },
    Resolve {
        by: Agent,
        disposition: Option<Id>,
    },
    Read {
        upto: Id,
    },
    /// Contact `from` joins this thread's contact `into`.
    Merge {
        into: Id,
        from: Id,
    },
    /// The customer ended the conversation.
    CustomerEnded,
}

struct Job {
    account: Id,
    request: Request,
    reply: oneshot::Sender<Result<Recorded>>,
}

type Tasks = Arc<Mutex<HashMap<Id, mpsc::UnboundedSender<Job>>>>;

/// What the customer's side of a thread (a visitor's chat window) is told: something
/// changed (read it from the store), or someone is typing (never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    Changed,
    Typing { name: String },
}

/// Who watches each thread from the customer's side.
#[derive(Debug, Clone, Default)]
pub struct Watchers {
    threads: Arc<Mutex<HashMap<Id, broadcast::Sender<News>>>>,
}

impl Watchers {
    /// Starts watching `thread`; the watch ends when the answer is dropped.
    pub fn watch(&self, thread: Id) -> Watch {
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        let news = threads
            .entry(thread)
            .or_insert_with(|| broadcast::channel(64).0)
            .subscribe();
        Watch {
            thread,
            news,
            watchers: self.clone(),
        }
    }

    /// Tells the thread's watchers, if any.
    pub fn tell(&self, thread: Id, news: News) {
        let threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(watchers) = threads.get(&thread) {
            let _ = watchers.send(news);
        }
    }
}

/// One watcher of a thread: receives its news.
#[derive(Debug)]
pub struct Watch {
    pub thread: Id,
    pub news: broadcast::Receiver<News>,
    watchers: Watchers,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut threads = self
            .watchers
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // This receiver still counts until the drop ends: one means nobody else watches.
        if threads
            .get(&self.thread)
            .is_some_and(|sender| sender.receiver_count() <= 1)
        {
            threads.remove(&self.thread);
        }
    }
}

/// Every thread's task; cheap to clone.
#[derive(Clone)]
pub struct Conversations {
    store: Store,
    events: Publisher,
    tasks: Tasks,
    pub watchers: Watchers,
}

impl std::fmt::Debug for Conversations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversations").finish_non_exhaustive()
    }
}

impl Conversations {
    pub fn new(store: Store, events: Publisher) -> Self {
        Self {
            store,
            events,
            tasks: Arc::default(),
            watchers: Watchers::default(),
        }
    }

    /// A known contact wrote (a chat visitor, whose contact the hub made when they came):
    /// the message joins their thread, or the thread their contact was merged into.
    pub async fn inbound_from(
        &self,
        account: Id,
        contact: Id,
        inbound: Inbound,
    ) -> Result<(Thread, Message)> {
        check_text(&inbound.text, &inbound.attachments)?;
        let thread = self.store.thread_of_contact(account, contact).await?;
        with_message(
            self.ask(account, thread, Request::Customer(inbound))
                .await?,
        )
    }

    /// The customer ended the conversation (nothing happens if nothing is open).
    pub async fn customer_ended(&self, account: Id, thread: Id) -> Result<Thread> {
        Ok(self
            .ask(account, thread, Request::CustomerEnded)
            .await?
            .thread)
    }

    /// An agent is typing in the thread: its customer's side is told (nothing is stored).
    pub fn agent_typing(&self, thread: Id, name: &str) {
        self.watchers.tell(
            thread,
            News::Typing {
                name: name.to_owned(),
            },
        );
    }

    /// A customer recognised by `identity` wrote: the message joins their thread (made the
    /// first time, with a contact named `name`). Answers the thread and the message (the
    /// one already stored, when the channel delivers the same message again).
    pub async fn inbound(
        &self,
        account: Id,
        identity: (IdentityKind, &str),
        name: &str,
        inbound: Inbound,
    ) -> Result<(Thread, Message)> {
        check_text(&inbound.text, &inbound.attachments)?;
        let (_, thread) = self
            .store
            .contact_by_identity(account, identity.0, identity.1, name)
            .await?;
        let recorded = self
            .ask(account, thread, Request::Customer(inbound))
            .await?;
        with_message(recorded)
    }

    /// `agent` writes to the thread's customer on the channel of its open episode (or the
    /// one the customer last wrote on), with the files they uploaded to it. A retry with the
    /// same `key` answers the message the first attempt stored.
    pub async fn reply(
        &self,
        account: Id,
        thread: Id,
        agent: Agent,
        draft: Draft<'_>,
    ) -> Result<(Thread, Message)> {
        self.write(account, thread, agent, draft, false).await
    }

    /// `agent` adds an internal note to the thread; idempotent by `key` like a reply.
    pub async fn note(
        &self,
        account: Id,
        thread: Id,
        agent: Agent,
        draft: Draft<'_>,
    ) -> Result<(Thread, Message)> {
        self.write(account, thread, agent, draft, true).await
    }

    async fn write(
        &self,
        account: Id,
        thread: Id,
        agent: Agent,
        draft: Draft<'_>,
        note: bool,
    ) -> Result<(Thread, Message)> {
        check_text(draft.text, draft.attachments)?;
        check_key(draft.key)?;
        let request = Request::Write {
            agent,
            key: draft.key.to_owned(),
            text: draft.text.to_owned(),
            attachments: draft.attachments.to_vec(),
            note,
        };
        with_message(self.ask(account, thread, request).await?)
    }

    pub async fn take(&self, account: Id, thread: Id, agent: Agent) -> Result<Thread> {
        Ok(self
            .ask(account, thread, Request::Take { agent })
            .await?
            .thread)
    }

    /// Hands the open episode to an agent or a group's queue, leaving `note` (if any) for
    /// whoever takes it.
    pub async fn assign(
        &self,
        account: Id,
        thread: Id,
        by: Agent,
        to: AssignTo,
        note: &str,
    ) -> Result<Thread> {
        if note.chars().count() > MAX_MESSAGE_CHARS {
            return Err(Error::refused(ErrorCode::InvalidMessage));
        }
        match to {
            AssignTo::Agent(agent) => {
                self.store.agent(account, agent).await?;
            }
            AssignTo::Group(group) => {
                self.store
                    .routing_group_name(account, group)
                    .await?
                    .ok_or(Error::NotFound("ring group"))?;
            }
        }
        let request = Request::Assign {
            by,
            to,
            note: note.trim().to_owned(),
        };
        Ok(self.ask(account, thread, request).await?.thread)
    }

    pub async fn resolve(
        &self,
        account: Id,
        thread: Id,
        by: Agent,
        disposition: Option<Id>,
    ) -> Result<Thread> {
        if let Some(disposition) = disposition
            && !self
                .store
                .dispositions(account)
                .await?
                .iter()
                .any(|known| known.id == disposition)
        {
            return Err(Error::refused(ErrorCode::UnknownDisposition));
        }
        let request = Request::Resolve { by, disposition };
        Ok(self.ask(account, thread, request).await?.thread)
    }

    /// The agents read the thread up to message `upto`.
    pub async fn read(&self, account: Id, thread: Id, upto: Id) -> Result<Thread> {
        Ok(self
            .ask(account, thread, Request::Read { upto })
            .await?
            .thread)
    }

    /// Contact `from` is the same person as `into`: one contact and one thread remain
    /// (`into`'s), answered.
    pub async fn merge(&self, account: Id, into: Id, from: Id) -> Result<Thread> {
        if into == from {
            return Err(Error::refused(ErrorCode::SameContact));
        }
        let thread = self.store.thread_of_contact(account, into).await?;
        Ok(self
            .ask(account, thread, Request::Merge { into, from })
            .await?
            .thread)
    }

    /// A channel reports how an outgoing message fared; only forward moves count.
    pub async fn report(
        &self,
        account: Id,
        message: Id,
        status: MessageStatus,
        failure: Option<&str>,
    ) -> Result<Option<Message>> {
        let changed = self
            .store
            .set_message_status(account, message, status, failure, self.events.retention)
            .await?;
        if let Some(message) = &changed {
            self.events.notifier.notify(account);
            self.watchers.tell(message.thread_id, News::Changed);
        }
        Ok(changed)
    }

    /// Sends `request` to the thread's task (starting it if it sleeps) and waits for its
    /// answer.
    async fn ask(&self, account: Id, thread: Id, request: Request) -> Result<Recorded> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            account,
            request,
            reply,
        };
        {
            let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
            // A task that died (a panic) is replaced: its thread's state is in the store.
            if tasks.get(&thread).is_none_or(|inbox| inbox.is_closed()) {
                let (inbox, jobs) = mpsc::unbounded_channel();
                tokio::spawn(
                    actor::Actor {
                        thread,
                        store: self.store.clone(),
                        events: self.events.clone(),
                        tasks: self.tasks.clone(),
                        watchers: self.watchers.clone(),
                    }
                    .run(jobs),
                );
                tasks.insert(thread, inbox);
            }
            let inbox = &tasks[&thread];
            // Sent under the lock: a task only leaves the map, under it, with an empty inbox.
            inbox
                .send(job)
                .map_err(|_| Error::Internal("a conversation's task is gone".into()))?;
        }
        answer
            .await
            .map_err(|_| Error::Internal("a conversation's task is gone".into()))?
    }
}

fn with_message(recorded: Recorded) -> Result<(Thread, Message)> {
    let message = recorded
        .message
        .ok_or_else(|| Error::Internal("no message was stored".into()))?;
    Ok((recorded.thread, message))
}

/// A message needs text, or files (a picture alone says enough), and not too much of either.
fn check_text(text: &str, attachments: &[Id]) -> Result<()> {
    let empty = text.trim().is_empty() && attachments.is_empty();
    if empty || text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Error::refused(ErrorCode::InvalidMessage));
    }
    if attachments.len() > MAX_ATTACHMENTS {
        return Err(Error::refused_as(
            ErrorCode::InvalidAttachment,
            format!("a message carries at most {MAX_ATTACHMENTS} files"),
        ));
    }
    Ok(())
}

fn check_key(key: &str) -> Result<()> {
    let printable = key.chars().all(|c| c.is_ascii_graphic());
    if key.is_empty() || key.chars().count() > MAX_CLIENT_KEY_CHARS || !printable {
        return Err(Error::refused(ErrorCode::InvalidClientKey));
    }
    Ok(())
}
