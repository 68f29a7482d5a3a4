//! Contacts' identities, their threads, the episodes inside and the messages. Every
//! "exactly one" is the database's: an identity belongs to one contact, a contact has one
//! thread, a thread one open episode, a client key or a channel's message id one message.
//! Each change is written with its events in one transaction, so a stream never misses one
//! and never sees one for a change that did not happen.

use sqlx::SqliteConnection;
use switchboard_protocol::{
    Author, Channel, Episode, EpisodeState, ErrorCode, Event, Id, Message, MessageStatus, Thread,
};

use super::attachments::{ATTACHMENTS_COLUMN, Uploader, attachments_of, link};
use super::events::append;
use super::{Store, from_ms, now_ms};
use crate::conversation::machine::{Effect, Open};
use crate::{Error, Result};

/// How a contact is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    /// An E.164 number.
    Phone,
    /// An email address, lower case.
    Email,
    /// A website visitor's random id.
    ChatVisitor,
    /// A website's user id, vouched for by the website's signature.
    ChatUser,
}

impl IdentityKind {
    fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Phone => "phone",
            IdentityKind::Email => "email",
            IdentityKind::ChatVisitor => "chat_visitor",
            IdentityKind::ChatUser => "chat_user",
        }
    }
}

/// A message to store.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub channel: Channel,
    pub author: Author,
    pub text: String,
    pub status: MessageStatus,
    pub client_key: Option<String>,
    /// The channel's own id for it: `(provider, id)`.
    pub provider_id: Option<(String, String)>,
    pub automatic: bool,
    /// Files its author uploaded to the thread, sent with it.
    pub attachments: Vec<Id>,
}

/// What one input to a thread writes.
#[derive(Debug, Default)]
pub struct Record {
    pub effects: Vec<Effect>,
    pub message: Option<NewMessage>,
    /// The disposition a resolution picked.
    pub disposition: Option<Id>,
}

/// What a record stored: the thread as it now stands and the message, if any.
#[derive(Debug)]
pub struct Recorded {
    pub thread: Thread,
    pub message: Option<Message>,
}

pub(crate) fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Chat => "chat",
        Channel::Sms => "sms",
        Channel::Email => "email",
        Channel::Note => "note",
    }
}

fn channel_of(name: &str) -> Result<Channel> {
    Ok(match name {
        "chat" => Channel::Chat,
        "sms" => Channel::Sms,
        "email" => Channel::Email,
        "note" => Channel::Note,
        other => return Err(Error::Internal(format!("unknown channel {other}"))),
    })
}

pub(super) fn status_name(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Pending => "pending",
        MessageStatus::Accepted => "accepted",
        MessageStatus::Sent => "sent",
        MessageStatus::Delivered => "delivered",
        MessageStatus::Read => "read",
        MessageStatus::Failed => "failed",
    }
}

fn status_of(name: &str) -> Result<MessageStatus> {
    Ok(match name {
        "pending" => MessageStatus::Pending,
        "accepted" => MessageStatus::Accepted,
        "sent" => MessageStatus::Sent,
        "delivered" => MessageStatus::Delivered,
        "read" => MessageStatus::Read,
        "failed" => MessageStatus::Failed,
        other => return Err(Error::Internal(format!("unknown status {other}"))),
    })
}

#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    id: i64,
    thread_id: i64,
    episode_id: Option<i64>,
    channel: String,
    author_kind: String,
    author_agent: Option<i64>,
    author_name: String,
    body: String,
    status: String,
    failure: Option<String>,
    client_key: Option<String>,
    created_at: i64,
    /// [`ATTACHMENTS_COLUMN`], where the query read it.
    #[sqlx(default)]
    attachments: Option<String>,
}

pub(super) const MESSAGE_COLUMNS: &str = "id, thread_id, episode_id, channel, author_kind, author_agent, \
     author_name, body, status, failure, client_key, created_at";

impl MessageRow {
    pub(super) fn into_message(self) -> Result<Message> {
        let author = match self.author_kind.as_str() {
            "contact" => Author::Contact,
            "agent" => Author::Agent {
                id: self.author_agent.unwrap_or_default(),
                name: self.author_name,
            },
            _ => Author::System,
        };
        Ok(Message {
            id: self.id,
            thread_id: self.thread_id,
            episode_id: self.episode_id,
            channel: channel_of(&self.channel)?,
            author,
            text: self.body,
            status: status_of(&self.status)?,
            failure: self.failure,
            client_key: self.client_key,
            at: from_ms(self.created_at),
            attachments: attachments_of(self.attachments.as_deref()),
        })
    }
}

#[derive(sqlx::FromRow)]
struct EpisodeRow {
    id: i64,
    state: String,
    channel: String,
    assignee_id: Option<i64>,
    group_id: Option<i64>,
    disposition_id: Option<i64>,
    opened_at: i64,
    first_response_at: Option<i64>,
    resolved_at: Option<i64>,
}

impl EpisodeRow {
    fn into_episode(self) -> Result<Episode> {
        Ok(Episode {
            id: self.id,
            state: if self.state == "open" {
                EpisodeState::Open
            } else {
                EpisodeState::Resolved
            },
            channel: channel_of(&self.channel)?,
            assignee: self.assignee_id,
            group_id: self.group_id,
            disposition_id: self.disposition_id,
            opened_at: from_ms(self.opened_at),
            first_response_at: self.first_response_at.map(from_ms),
            resolved_at: self.resolved_at.map(from_ms),
        })
    }
}

pub(super) async fn message(
    conn: &mut SqliteConnection,
    account_id: Id,
    id: Id,
) -> Result<Message> {
    sqlx::query_as::<_, MessageRow>(&format!(
        "SELECT {MESSAGE_COLUMNS}{ATTACHMENTS_COLUMN} FROM messages WHERE id = ? AND account_id = ?"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound("message"))?
    .into_message()
}

/// The thread as the inbox shows it, read inside `conn`'s transaction.
pub(super) async fn thread(conn: &mut SqliteConnection, account_id: Id, id: Id) -> Result<Thread> {
    let (contact_id, contact_name, version, read_upto): (i64, String, i64, i64) = sqlx::query_as(
        "SELECT t.contact_id, c.name, t.version, t.read_upto FROM threads t
         JOIN contacts c ON c.id = t.contact_id WHERE t.id = ? AND t.account_id = ?",
    )
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound("conversation"))?;
    let episode = sqlx::query_as::<_, EpisodeRow>(
        "SELECT id, state, channel, assignee_id, group_id, disposition_id, opened_at,
                first_response_at, resolved_at
         FROM episodes WHERE thread_id = ? ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .map(EpisodeRow::into_episode)
    .transpose()?;
    let last_message = sqlx::query_as::<_, MessageRow>(&format!(
        "SELECT {MESSAGE_COLUMNS}{ATTACHMENTS_COLUMN} FROM messages WHERE thread_id = ? ORDER BY id DESC LIMIT 1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .map(MessageRow::into_message)
    .transpose()?;
    let unread: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages
         WHERE thread_id = ? AND author_kind = 'contact' AND automatic = 0 AND id > ?",
    )
    .bind(id)
    .bind(read_upto)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Thread {
        id,
        contact_id,
        contact_name,
        episode,
        last_message,
        unread: u32::try_from(unread).unwrap_or(u32::MAX),
        read_upto,
        version: u64::try_from(version).unwrap_or_default(),
    })
}

/// Whether thread `id` is the account's ("not found" otherwise).
pub(super) async fn account_thread(
    conn: &mut SqliteConnection,
    account_id: Id,
    id: Id,
) -> Result<()> {
    let ours: Option<i64> =
        sqlx::query_scalar("SELECT id FROM threads WHERE id = ? AND account_id = ?")
            .bind(id)
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?;
    ours.map(|_| ()).ok_or(Error::NotFound("conversation"))
}

/// The contact's thread, made if it has none (at most one ever: `threads.contact_id` is
/// unique).
pub(super) async fn thread_of(
    conn: &mut SqliteConnection,
    account_id: Id,
    contact_id: Id,
) -> Result<Id> {
    sqlx::query(
        "INSERT INTO threads (account_id, contact_id, last_activity_at) VALUES (?, ?, ?)
         ON CONFLICT (contact_id) DO NOTHING",
    )
    .bind(account_id)
    .bind(contact_id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT id FROM threads WHERE contact_id = ? AND account_id = ?")
            .bind(contact_id)
            .bind(account_id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Bumps the thread's version and appends `events` and its new snapshot to the account's
/// log; answers the snapshot.
pub(super) async fn publish(
    conn: &mut SqliteConnection,
    account_id: Id,
    thread_id: Id,
    events: Vec<Event>,
    retention: u32,
) -> Result<Thread> {
    sqlx::query("UPDATE threads SET version = version + 1, last_activity_at = ? WHERE id = ?")
        .bind(now_ms())
        .bind(thread_id)
        .execute(&mut *conn)
        .await?;
    let snapshot = thread(conn, account_id, thread_id).await?;
    for event in events.into_iter().chain([Event::ThreadUpdated {
        thread: Box::new(snapshot.clone()),
    }]) {
        append(conn, account_id, None, &event, retention).await?;
    }
    Ok(snapshot)
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl Store {
    /// The contact recognised by this identity, and their thread; both are made the first
    /// time (`name` names a new contact). However many first messages race, they find one
    /// contact and one thread.
    pub async fn contact_by_identity(
        &self,
        account_id: Id,
        kind: IdentityKind,
        value: &str,
        name: &str,
    ) -> Result<(Id, Id)> {
        let mut tx = self.write().await?;
        let known: Option<i64> = sqlx::query_scalar(
            "SELECT contact_id FROM contact_identities
             WHERE account_id = ? AND kind = ? AND value = ?",
        )
        .bind(account_id)
        .bind(kind.as_str())
        .bind(value)
        .fetch_optional(&mut *tx)
        .await?;
        let contact = match known {
            Some(contact) => contact,
            None => {
                let now = now_ms();
                let contact: i64 = sqlx::query_scalar(
                    "INSERT INTO contacts (account_id, name, created_at) VALUES (?, ?, ?)
                     RETURNING id",
                )
                .bind(account_id)
                .bind(name)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let inserted = sqlx::query(
                    "INSERT INTO contact_identities (account_id, contact_id, kind, value, created_at)
                     VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, kind, value) DO NOTHING",
                )
                .bind(account_id)
                .bind(contact)
                .bind(kind.as_str())
                .bind(value)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    // Another writer recognised them first: roll back our contact, use theirs.
                    tx.rollback().await?;
                    return Box::pin(self.contact_by_identity(account_id, kind, value, name)).await;
                }
                match kind {
                    IdentityKind::Phone => {
                        sqlx::query(
                            "INSERT INTO contact_phones (contact_id, account_id, number) VALUES (?, ?, ?)",
                        )
                        .bind(contact)
                        .bind(account_id)
                        .bind(value)
                        .execute(&mut *tx)
                        .await?;
                    }
                    IdentityKind::Email => {
                        sqlx::query("INSERT INTO contact_emails (contact_id, email) VALUES (?, ?)")
                            .bind(contact)
                            .bind(value)
                            .execute(&mut *tx)
                            .await?;
                    }
                    IdentityKind::ChatVisitor | IdentityKind::ChatUser => {}
                }
                contact
            }
        };
        let thread = thread_of(&mut tx, account_id, contact).await?;
        tx.commit().await?;
        Ok((contact, thread))
    }

    /// The contact's thread, made if it has none yet.
    pub async fn thread_of_contact(&self, account_id: Id, contact_id: Id) -> Result<Id> {
        // Mostly it has one: found without taking the write lock (chat windows ask often).
        let known: Option<i64> = sqlx::query_scalar(
            "SELECT t.id FROM contacts c
             JOIN threads t ON t.contact_id = COALESCE(c.merged_into, c.id)
             WHERE c.id = ? AND c.account_id = ? AND t.account_id = ?",
        )
        .bind(contact_id)
        .bind(account_id)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(thread) = known {
            return Ok(thread);
        }
        let mut tx = self.write().await?;
        let live: Option<Option<i64>> =
            sqlx::query_scalar("SELECT merged_into FROM contacts WHERE id = ? AND account_id = ?")
                .bind(contact_id)
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?;
        let contact = match live {
            None => return Err(Error::NotFound("contact")),
            Some(Some(survivor)) => survivor,
            Some(None) => contact_id,
        };
        let thread = thread_of(&mut tx, account_id, contact).await?;
        tx.commit().await?;
        Ok(thread)
    }

    pub async fn thread(&self, account_id: Id, id: Id) -> Result<Thread> {
        let mut conn = self.pool.acquire().await?;
        thread(&mut conn, account_id, id).await
    }

    /// Whether thread `id` is the account's ("not found" otherwise).
    pub async fn owns_thread(&self, account_id: Id, id: Id) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        account_thread(&mut conn, account_id, id).await
    }

    /// The thread's open episode, as its machine sees it.
    pub async fn open_episode(&self, account_id: Id, thread_id: Id) -> Result<Option<Open>> {
        type Row = (String, Option<i64>, Option<i64>, Option<i64>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT channel, assignee_id, group_id, first_response_at FROM episodes
             WHERE thread_id = ? AND account_id = ? AND state = 'open'",
        )
        .bind(thread_id)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(channel, assignee, group, answered)| {
            Ok(Open {
                channel: channel_of(&channel)?,
                assignee,
                group,
                answered: answered.is_some(),
            })
        })
        .transpose()
    }

    /// The channel the contact last wrote on: where an agent's first message goes.
    pub async fn reply_channel(&self, account_id: Id, thread_id: Id) -> Result<Option<Channel>> {
        let name: Option<String> = sqlx::query_scalar(
            "SELECT channel FROM messages
             WHERE thread_id = ? AND account_id = ? AND author_kind = 'contact'
             ORDER BY id DESC LIMIT 1",
        )
        .bind(thread_id)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        name.as_deref().map(channel_of).transpose()
    }

    /// The message a client made with this key, if any.
    pub async fn message_by_key(&self, account_id: Id, key: &str) -> Result<Option<Message>> {
        sqlx::query_as::<_, MessageRow>(&format!(
            "SELECT {MESSAGE_COLUMNS}{ATTACHMENTS_COLUMN} FROM messages WHERE account_id = ? AND client_key = ?"
        ))
        .bind(account_id)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?
        .map(MessageRow::into_message)
        .transpose()
    }

    /// The message a channel delivered with this id, if any.
    pub async fn message_by_provider_id(
        &self,
        account_id: Id,
        provider: &str,
        id: &str,
    ) -> Result<Option<Message>> {
        sqlx::query_as::<_, MessageRow>(&format!(
            "SELECT {MESSAGE_COLUMNS}{ATTACHMENTS_COLUMN} FROM messages
             WHERE account_id = ? AND provider = ? AND provider_id = ?"
        ))
        .bind(account_id)
        .bind(provider)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(MessageRow::into_message)
        .transpose()
    }

    /// Writes what the thread's machine decided and the input's message, with their events,
    /// in one transaction. A message whose key or channel id is already stored is refused
    /// with [`ErrorCode::ClientKeyReused`] and nothing is written.
    pub async fn record(
        &self,
        account_id: Id,
        thread_id: Id,
        record: Record,
        retention: u32,
    ) -> Result<Recorded> {
        let mut tx = self.write().await?;
        account_thread(&mut tx, account_id, thread_id).await?;
        let now = now_ms();
        for effect in &record.effects {
            match effect {
                Effect::Open {
                    channel,
                    assignee,
                    group,
                } => {
                    let answered = assignee.is_some().then_some(now);
                    sqlx::query(
                        "INSERT INTO episodes (account_id, thread_id, channel, state, assignee_id,
                             group_id, opened_at, first_response_at)
                         VALUES (?, ?, ?, 'open', ?, ?, ?, ?)",
                    )
                    .bind(account_id)
                    .bind(thread_id)
                    .bind(channel_name(*channel))
                    .bind(assignee)
                    .bind(group)
                    .bind(now)
                    .bind(answered)
                    .execute(&mut *tx)
                    .await?;
                }
                Effect::Assign { assignee, group } => {
                    sqlx::query(
                        "UPDATE episodes SET assignee_id = ?, group_id = ?
                         WHERE thread_id = ? AND state = 'open'",
                    )
                    .bind(assignee)
                    .bind(group)
                    .bind(thread_id)
                    .execute(&mut *tx)
                    .await?;
                }
                Effect::FirstResponse => {
                    sqlx::query(
                        "UPDATE episodes SET first_response_at = ?
                         WHERE thread_id = ? AND state = 'open' AND first_response_at IS NULL",
                    )
                    .bind(now)
                    .bind(thread_id)
                    .execute(&mut *tx)
                    .await?;
                }
                Effect::Resolve { by } => {
                    sqlx::query(
                        "UPDATE episodes SET state = 'resolved', resolved_at = ?, resolved_by = ?,
                             disposition_id = ?
                         WHERE thread_id = ? AND state = 'open'",
                    )
                    .bind(now)
                    .bind(by)
                    .bind(record.disposition)
                    .bind(thread_id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        let mut events = Vec::new();
        let mut stored = None;
        if let Some(new) = record.message {
            let (kind, agent, name) = match &new.author {
                Author::Contact => ("contact", None, String::new()),
                Author::Agent { id, name } => ("agent", Some(*id), name.clone()),
                Author::System => ("system", None, String::new()),
            };
            let (provider, provider_id) = new.provider_id.clone().unzip();
            let inserted = sqlx::query_scalar::<_, i64>(
                "INSERT INTO messages (account_id, thread_id, episode_id, channel, author_kind,
                     author_agent, author_name, body, status, client_key, provider, provider_id,
                     automatic, created_at, updated_at)
                 VALUES (?, ?, (SELECT id FROM episodes WHERE thread_id = ? AND state = 'open'),
                     ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 RETURNING id",
            )
            .bind(account_id)
            .bind(thread_id)
            .bind(thread_id)
            .bind(channel_name(new.channel))
            .bind(kind)
            .bind(agent)
            .bind(name)
            .bind(&new.text)
            .bind(status_name(new.status))
            .bind(&new.client_key)
            .bind(provider)
            .bind(provider_id)
            .bind(new.automatic)
            .bind(now)
            .bind(now)
            .fetch_one(&mut *tx)
            .await;
            let id = match inserted {
                Ok(id) => id,
                Err(error) if is_unique_violation(&error) => {
                    return Err(Error::refused(ErrorCode::ClientKeyReused));
                }
                Err(error) => return Err(error.into()),
            };
            let uploader = match &new.author {
                Author::Agent { id, .. } => Uploader::Agent(*id),
                Author::Contact | Author::System => Uploader::Contact,
            };
            link(&mut tx, thread_id, id, uploader, &new.attachments).await?;
            let message = message(&mut tx, account_id, id).await?;
            events.push(Event::MessageCreated {
                message: Box::new(message.clone()),
            });
            stored = Some(message);
        }
        let thread = publish(&mut tx, account_id, thread_id, events, retention).await?;
        tx.commit().await?;
        Ok(Recorded {
            thread,
            message: stored,
        })
    }

    /// Moves a message's status forward (never back: reports arrive late and twice).
    /// Answers the message if it changed.
    pub async fn set_message_status(
        &self,
        account_id: Id,
        message_id: Id,
        status: MessageStatus,
        failure: Option<&str>,
        retention: u32,
    ) -> Result<Option<Message>> {
        let mut tx = self.write().await?;
        let current = message(&mut tx, account_id, message_id).await?;
        if !current.status.may_become(status) {
            return Ok(None);
        }
        sqlx::query("UPDATE messages SET status = ?, failure = ?, updated_at = ? WHERE id = ?")
            .bind(status_name(status))
            .bind(failure)
            .bind(now_ms())
            .bind(message_id)
            .execute(&mut *tx)
            .await?;
        let updated = message(&mut tx, account_id, message_id).await?;
        append(
            &mut tx,
            account_id,
            None,
            &Event::MessageUpdated {
                message: Box::new(updated.clone()),
            },
            retention,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(updated))
    }

    /// The agents read the thread up to `message_id` (never back).
    pub async fn mark_read(
        &self,
        account_id: Id,
        thread_id: Id,
        message_id: Id,
        retention: u32,
    ) -> Result<Thread> {
        let mut tx = self.write().await?;
        let changed = sqlx::query(
            "UPDATE threads SET read_upto = ? WHERE id = ? AND account_id = ? AND read_upto < ?
                 AND ? <= (SELECT COALESCE(MAX(id), 0) FROM messages WHERE thread_id = threads.id)",
        )
        .bind(message_id)
        .bind(thread_id)
        .bind(account_id)
        .bind(message_id)
        .bind(message_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let snapshot = if changed == 0 {
            thread(&mut tx, account_id, thread_id).await?
        } else {
            publish(&mut tx, account_id, thread_id, vec![], retention).await?
        };
        tx.commit().await?;
        Ok(snapshot)
    }
}
