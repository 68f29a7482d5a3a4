//! The hub's storage: one SQLite database (WAL) holding every account, behind one type.
//! Every query that reads account data takes the account id, so one account's agents can
//! never reach another account's rows.

mod accounts;
mod agents;
mod api_keys;
mod attachments;
mod calls;
mod canned;
mod carriers;
mod contacts;
mod conversations;
mod directory;
mod events;
mod flows;
mod history;
mod hours;
mod identity;
mod merges;
mod recordings;
mod sessions;
mod timeline;
mod visitors;
mod voiceprints;
mod widgets;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use time::OffsetDateTime;

pub use accounts::NewAccount;
pub use agents::{AgentRow, NewAgent, StatusChange, normalize_email, validate_email};
pub use attachments::{StoredFile, Uploader};
pub use calls::{CallRow, NewCall, PastCall, outcome_name};
pub use carriers::{Carrier, Transport};
pub use conversations::{IdentityKind, NewMessage, Record, Recorded};
pub use directory::{InboundRoute, NewContact, NewIntegration, OverflowTo, RoutingChange};
pub use events::PAGE;
pub use flows::{MAX_PROMPT_BYTES, NewVoicemail, VoicemailRow};
pub use history::MAX_HISTORY;
pub use sessions::SessionRow;
pub use timeline::Page;
pub use visitors::{NewVisitor, VisitorRow};

use crate::Result;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    /// Writers take turns here before they take SQLite's write lock: waiting on SQLite
    /// instead means its busy handler's sleeps (up to 100 ms each), which under load put
    /// whole seconds between a chat message and its delivery.
    writer: Arc<tokio::sync::Mutex<()>>,
}

/// A write transaction holding the hub's turn to write; commit or drop (roll back) it.
pub struct Write {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl Write {
    pub async fn commit(self) -> Result<()> {
        Ok(self.tx.commit().await?)
    }

    pub async fn rollback(self) -> Result<()> {
        Ok(self.tx.rollback().await?)
    }
}

impl std::ops::Deref for Write {
    type Target = sqlx::SqliteConnection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for Write {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| {
                crate::Error::Internal(format!("cannot create {}: {error}", parent.display()))
            })?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            writer: Arc::default(),
        })
    }

    /// A transaction that takes SQLite's write lock at once. A transaction that reads and then
    /// writes must start this way: upgrading a read lock fails when another writer went first.
    async fn write(&self) -> Result<Write> {
        let turn = self.writer.clone().lock_owned().await;
        Ok(Write {
            tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
            _turn: turn,
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

pub fn now_ms() -> i64 {
    to_ms(OffsetDateTime::now_utc())
}

pub fn to_ms(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
