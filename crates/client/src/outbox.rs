//! Replies and notes written in the desktop, kept on this machine until the hub has them.
//! Each gets its idempotency key when written and keeps it across retries and restarts, so a
//! message the hub stored but whose answer was lost goes out once: sent again, the hub
//! answers the message it already has.

use rusqlite::{OptionalExtension, params};
use switchboard_protocol::{Id, Message, SendMessage};
use time::OffsetDateTime;

use crate::api::conversations::Kind;
use crate::local::Local;
use crate::{Hub, Result};

/// A reply or note on its way to the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The hub's name ([`hub_name`]): the same thread id means different threads on
    /// different hubs.
    pub hub: String,
    pub agent: Id,
    /// The idempotency key the hub stores it under.
    pub key: String,
    pub thread: Id,
    pub kind: Kind,
    pub text: String,
    pub written_at: OffsetDateTime,
    /// Why the hub refused it (it is not sent again unless the agent retries).
    pub refused: Option<String>,
}

impl Outgoing {
    /// A new message with a fresh key, for the hub named `hub` (see [`hub_name`]).
    pub fn new(hub: &str, agent: Id, thread: Id, kind: Kind, text: String) -> Self {
        Self {
            hub: hub.to_owned(),
            agent,
            key: uuid::Uuid::new_v4().to_string(),
            thread,
            kind,
            text,
            written_at: OffsetDateTime::now_utc(),
            refused: None,
        }
    }

    pub fn body(&self) -> SendMessage {
        SendMessage {
            client_key: self.key.clone(),
            text: self.text.clone(),
            attachments: Vec::new(),
        }
    }
}

/// The outbox; cheap to clone (it shares the desktop's local store).
#[derive(Debug, Clone)]
pub struct Outbox {
    local: Local,
}

const SELECT: &str =
    "SELECT hub, agent, client_key, thread, kind, body, written_at, refused FROM outbox";

impl Outbox {
    pub fn new(local: Local) -> Self {
        Self { local }
    }

    /// Keeps a message before it is first sent.
    pub async fn keep(&self, message: &Outgoing) -> Result<()> {
        let message = message.clone();
        self.local
            .with(move |db| {
                db.execute(
                    "INSERT OR IGNORE INTO outbox
                         (hub, client_key, agent, thread, kind, body, written_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        message.hub,
                        message.key,
                        message.agent,
                        message.thread,
                        message.kind.as_str(),
                        message.text,
                        millis(message.written_at),
                    ],
                )
                .map(|_| ())
            })
            .await
    }

    /// The hub has it: forgotten here.
    pub async fn delivered(&self, hub: &str, key: &str) -> Result<()> {
        let (hub, key) = (hub.to_owned(), key.to_owned());
        self.local
            .with(move |db| {
                db.execute(
                    "DELETE FROM outbox WHERE hub = ?1 AND client_key = ?2",
                    params![hub, key],
                )
                .map(|_| ())
            })
            .await
    }

    /// The hub refused it for good: kept with the reason until the agent retries or drops it.
    pub async fn refused(&self, hub: &str, key: &str, reason: String) -> Result<()> {
        let (hub, key) = (hub.to_owned(), key.to_owned());
        self.local
            .with(move |db| {
                db.execute(
                    "UPDATE outbox SET refused = ?3 WHERE hub = ?1 AND client_key = ?2",
                    params![hub, key, reason],
                )
                .map(|_| ())
            })
            .await
    }

    /// The agent asked to send a refused message again.
    pub async fn retry(&self, hub: &str, key: &str) -> Result<Option<Outgoing>> {
        let (hub, key) = (hub.to_owned(), key.to_owned());
        self.local
            .with(move |db| {
                db.execute(
                    "UPDATE outbox SET refused = NULL WHERE hub = ?1 AND client_key = ?2",
                    params![hub, key],
                )?;
                db.query_row(
                    &format!("{SELECT} WHERE hub = ?1 AND client_key = ?2"),
                    params![hub, key],
                    row,
                )
                .optional()
            })
            .await
    }

    /// The agent gave up on a refused message.
    pub async fn discard(&self, hub: &str, key: &str) -> Result<()> {
        self.delivered(hub, key).await
    }

    /// The agent's messages on this hub that are still to be sent, oldest first.
    pub async fn waiting(&self, hub: &str, agent: Id) -> Result<Vec<Outgoing>> {
        let hub = hub.to_owned();
        self.local
            .with(move |db| {
                let mut query = db.prepare(&format!(
                    "{SELECT} WHERE hub = ?1 AND agent = ?2 AND refused IS NULL
                     ORDER BY written_at, rowid"
                ))?;
                query
                    .query_map(params![hub, agent], row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await
    }

    /// What the agent wrote in a thread that the hub does not have yet, refused ones
    /// included, oldest first: the thread shows them after the hub's messages.
    pub async fn of_thread(&self, hub: &str, agent: Id, thread: Id) -> Result<Vec<Outgoing>> {
        let hub = hub.to_owned();
        self.local
            .with(move |db| {
                let mut query = db.prepare(&format!(
                    "{SELECT} WHERE hub = ?1 AND agent = ?2 AND thread = ?3
                     ORDER BY written_at, rowid"
                ))?;
                query
                    .query_map(params![hub, agent, thread], row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await
    }
}

/// The name the outbox keeps a hub's messages under: its address, or `builtin` for the hub
/// built into the desktop, whose port changes at every start (its messages must still go out
/// after a restart).
pub fn hub_name(hub: &Hub, builtin: bool) -> String {
    if builtin {
        "builtin".to_owned()
    } else {
        hub.address().to_owned()
    }
}

/// Sends one message and records the outcome here: the hub has it (forgotten here, the
/// hub's message returned), refused for good (kept with the reason, the error returned), or
/// not reached (the error; it is sent again later with the same key). `reason` words a
/// refusal as the agent reads it (in their language); it is kept with the message.
pub async fn deliver(
    hub: &Hub,
    token: &str,
    outbox: &Outbox,
    message: &Outgoing,
    reason: impl FnOnce(&crate::Error) -> String,
) -> Result<Message> {
    match hub
        .write(token, message.thread, message.kind, &message.body())
        .await
    {
        Ok(stored) => {
            outbox.delivered(&message.hub, &message.key).await?;
            Ok(stored)
        }
        Err(error) => {
            if error.is_refusal() {
                outbox
                    .refused(&message.hub, &message.key, reason(&error))
                    .await?;
            }
            Err(error)
        }
    }
}

fn row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Outgoing> {
    let kind: String = row.get(4)?;
    Ok(Outgoing {
        hub: row.get(0)?,
        agent: row.get(1)?,
        key: row.get(2)?,
        thread: row.get(3)?,
        kind: Kind::parse(&kind).unwrap_or(Kind::Note),
        text: row.get(5)?,
        written_at: OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(row.get::<_, i64>(6)?) * 1_000_000,
        )
        .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        refused: row.get(7)?,
    })
}

fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn written(thread: Id, text: &str) -> Outgoing {
        Outgoing::new("builtin", 7, thread, Kind::Reply, text.to_owned())
    }

    #[tokio::test]
    async fn what_is_written_waits_here_across_a_restart_until_the_hub_has_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("local.sqlite3");
        let (first, second) = (written(1, "first"), written(2, "second"));
        {
            let outbox = Outbox::new(Local::at(file.clone()));
            outbox.keep(&first).await.unwrap();
            outbox.keep(&second).await.unwrap();
            outbox.keep(&first).await.unwrap(); // kept once, whatever happens twice
        }
        let outbox = Outbox::new(Local::at(file));
        let waiting = outbox.waiting("builtin", 7).await.unwrap();
        assert_eq!(waiting.len(), 2);
        assert_eq!(
            waiting[0].key, first.key,
            "the same key goes out after a restart"
        );
        assert_eq!(waiting[0].text, "first");
        assert!(
            outbox
                .waiting("http://other.test", 7)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(outbox.waiting("builtin", 8).await.unwrap().is_empty());

        outbox.delivered("builtin", &first.key).await.unwrap();
        let waiting = outbox.waiting("builtin", 7).await.unwrap();
        let keys: Vec<&str> = waiting.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, [second.key.as_str()]);
    }

    #[tokio::test]
    async fn a_refused_message_stays_with_its_reason_until_retried_or_discarded() {
        let outbox = Outbox::new(Local::in_memory());
        let message = written(3, "hello");
        outbox.keep(&message).await.unwrap();
        outbox
            .refused("builtin", &message.key, "too long".into())
            .await
            .unwrap();
        assert!(
            outbox.waiting("builtin", 7).await.unwrap().is_empty(),
            "not resent"
        );
        let shown = outbox.of_thread("builtin", 7, 3).await.unwrap();
        assert_eq!(shown[0].refused.as_deref(), Some("too long"));

        let again = outbox
            .retry("builtin", &message.key)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.refused, None);
        assert_eq!(again.key, message.key);
        assert_eq!(outbox.waiting("builtin", 7).await.unwrap().len(), 1);

        outbox.discard("builtin", &message.key).await.unwrap();
        assert!(outbox.of_thread("builtin", 7, 3).await.unwrap().is_empty());
    }
}
