//! A thread's task: takes its requests one at a time, asks the machine (its state read from
//! the store), and writes the decision with the request's message and their events in one
//! transaction. It ends after a quiet while; the next request starts another.

use std::time::Duration;

use switchboard_protocol::{Author, Channel, ErrorCode, Id, Message, MessageStatus};
use tokio::sync::mpsc;

use super::machine::{self, Input, Machine};
use super::{Agent, Job, News, Request, Tasks, Watchers};
use crate::events::Publisher;
use crate::store::{NewMessage, Record, Recorded};
use crate::{Error, Result, Store};

/// How long a thread's task waits for another request before it ends.
const IDLE: Duration = Duration::from_secs(60);

pub(super) struct Actor {
    pub thread: Id,
    pub store: Store,
    pub events: Publisher,
    pub tasks: Tasks,
    pub watchers: Watchers,
}

impl Actor {
    pub async fn run(self, mut jobs: mpsc::UnboundedReceiver<Job>) {
        let span = tracing::debug_span!("conversation", thread = self.thread);
        let _enter = span.enter();
        loop {
            match tokio::time::timeout(IDLE, jobs.recv()).await {
                Ok(Some(job)) => {
                    let answer = self.handle(job.account, job.request).await;
                    if let Ok(recorded) = &answer {
                        self.events.notifier.notify(job.account);
                        self.watchers.tell(self.thread, News::Changed);
                        // A merge moves the other thread's customer here.
                        if recorded.thread.id != self.thread {
                            self.watchers.tell(recorded.thread.id, News::Changed);
                        }
                    }
                    let _ = job.reply.send(answer);
                }
                Ok(None) => return,
                Err(_) => {
                    let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
                    // Requests are sent under this lock: an empty inbox now stays empty.
                    if jobs.is_empty() {
                        tasks.remove(&self.thread);
                        return;
                    }
                }
            }
        }
    }

    async fn handle(&self, account: Id, request: Request) -> Result<Recorded> {
        // Another account's thread is nobody's business here (the write checks again).
        self.store.owns_thread(account, self.thread).await?;
        let mut machine = Machine::new(self.store.open_episode(account, self.thread).await?);
        let retention = self.events.retention;
        let record = match request {
            Request::Customer(inbound) => {
                if let Some((provider, id)) = &inbound.provider_id
                    && let Some(known) = self
                        .store
                        .message_by_provider_id(account, provider, id)
                        .await?
                {
                    return self.already(account, known).await;
                }
                let effects = machine
                    .handle(Input::CustomerWrote {
                        channel: inbound.channel,
                        automatic: inbound.automatic,
                        group: inbound.group,
                    })
                    .map_err(refused)?;
                Record {
                    effects,
                    message: Some(NewMessage {
                        channel: inbound.channel,
                        author: Author::Contact,
                        text: inbound.text,
                        status: MessageStatus::Delivered,
                        client_key: None,
                        provider_id: inbound.provider_id,
                        automatic: inbound.automatic,
                        attachments: inbound.attachments,
                    }),
                    disposition: None,
                }
            }
            Request::Write {
                agent,
                key,
                text,
                attachments,
                note,
            } => {
                if let Some(known) = self.store.message_by_key(account, &key).await? {
                    return self.retried(account, &agent, &text, known).await;
                }
                let (effects, channel) = if note {
                    let effects = machine.handle(Input::Noted { agent: who(&agent) });
                    (effects.map_err(refused)?, Channel::Note)
                } else {
                    let channel = match machine.open.as_ref() {
                        Some(open) => Some(open.channel),
                        None => self.store.reply_channel(account, self.thread).await?,
                    };
                    let effects = machine.handle(Input::AgentWrote {
                        agent: who(&agent),
                        channel,
                    });
                    // Written on the channel of the episode the answer is in.
                    let open = machine.open.as_ref().map(|open| open.channel);
                    (effects.map_err(refused)?, open.unwrap_or(Channel::Chat))
                };
                Record {
                    effects,
                    message: Some(NewMessage {
                        attachments,
                        ..from_agent(&agent, channel, key, text)
                    }),
                    disposition: None,
                }
            }
            Request::Take { agent } => Record {
                effects: machine
                    .handle(Input::Take { agent: who(&agent) })
                    .map_err(refused)?,
                ..Record::default()
            },
            Request::Assign { by, to, note } => {
                let effects = machine
                    .handle(Input::Assign { by: who(&by), to })
                    .map_err(refused)?;
                let note = (!note.is_empty()).then(|| NewMessage {
                    client_key: None,
                    ..from_agent(&by, Channel::Note, String::new(), note)
                });
                Record {
                    effects,
                    message: note,
                    disposition: None,
                }
            }
            Request::Resolve { by, disposition } => Record {
                effects: machine
                    .handle(Input::Resolve { by: who(&by) })
                    .map_err(refused)?,
                message: None,
                disposition,
            },
            Request::Read { upto } => {
                return self
                    .store
                    .mark_read(account, self.thread, upto, retention)
                    .await
                    .map(|thread| Recorded {
                        thread,
                        message: None,
                    });
            }
            Request::CustomerEnded => Record {
                effects: machine.handle(Input::CustomerEnded).map_err(refused)?,
                ..Record::default()
            },
            Request::Merge { into, from } => {
                let thread = self
                    .store
                    .merge_contacts(account, into, from, retention)
                    .await?;
                return Ok(Recorded {
                    thread: self.store.thread(account, thread).await?,
                    message: None,
                });
            }
        };
        self.store
            .record(account, self.thread, record, retention)
            .await
    }

    /// A message stored before (delivered again, or retried): nothing changes.
    async fn already(&self, account: Id, message: Message) -> Result<Recorded> {
        Ok(Recorded {
            thread: self.store.thread(account, message.thread_id).await?,
            message: Some(message),
        })
    }

    /// A client retried a message it had made: the same one if it is the same, else refused.
    async fn retried(
        &self,
        account: Id,
        agent: &Agent,
        text: &str,
        known: Message,
    ) -> Result<Recorded> {
        let same_author = matches!(&known.author, Author::Agent { id, .. } if *id == agent.id);
        if known.thread_id != self.thread || !same_author || known.text != text.trim_end() {
            return Err(Error::refused(ErrorCode::ClientKeyReused));
        }
        self.already(account, known).await
    }
}

fn who(agent: &Agent) -> machine::Agent {
    machine::Agent {
        id: agent.id,
        role: agent.role,
    }
}

fn from_agent(agent: &Agent, channel: Channel, key: String, text: String) -> NewMessage {
    NewMessage {
        channel,
        author: Author::Agent {
            id: agent.id,
            name: agent.name.clone(),
        },
        text: text.trim_end().to_owned(),
        status: MessageStatus::Accepted,
        client_key: (!key.is_empty()).then_some(key),
        provider_id: None,
        automatic: false,
        attachments: Vec::new(),
    }
}

fn refused(refusal: machine::Refusal) -> Error {
    Error::refused(refusal.into())
}
