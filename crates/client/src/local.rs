//! The desktop's own store: one SQLite file for what must survive the app, the machine or
//! the hub going away — call notes as they are typed, messages written while the hub could
//! not be reached. Opened on first use; every query runs on tokio's blocking pool.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::{Error, Result};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS drafts (
    hub        TEXT    NOT NULL,
    agent      INTEGER NOT NULL,
    call       INTEGER NOT NULL,
    notes      TEXT    NOT NULL,
    disposition INTEGER,
    revision   INTEGER NOT NULL,
    synced     INTEGER NOT NULL DEFAULT 0,
    refused    TEXT,
    edited_at  INTEGER NOT NULL DEFAULT (unixepoch()),
    PRIMARY KEY (hub, agent, call)
);
CREATE TABLE IF NOT EXISTS outbox (
    hub        TEXT    NOT NULL,
    client_key TEXT    NOT NULL,
    agent      INTEGER NOT NULL,
    thread     INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    written_at INTEGER NOT NULL,
    refused    TEXT,
    PRIMARY KEY (hub, client_key)
);
CREATE INDEX IF NOT EXISTS outbox_agent ON outbox(hub, agent, written_at);";

/// The store; cheap to clone (one connection, shared).
#[derive(Debug, Clone)]
pub struct Local {
    path: Option<PathBuf>,
    connection: Arc<Mutex<Option<Connection>>>,
}

impl Local {
    /// The store in `path` (created on first use).
    pub fn at(path: PathBuf) -> Self {
        Self {
            path: Some(path),
            connection: Arc::default(),
        }
    }

    /// A store that lasts as long as this value (tests, or a machine with no data folder).
    pub fn in_memory() -> Self {
        Self {
            path: None,
            connection: Arc::default(),
        }
    }

    pub(crate) async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let (path, connection) = (self.path.clone(), self.connection.clone());
        tokio::task::spawn_blocking(move || {
            let mut guard = connection.lock().unwrap_or_else(|e| e.into_inner());
            if guard.is_none() {
                *guard = Some(open(path.as_ref())?);
            }
            match guard.as_ref() {
                Some(connection) => work(connection).map_err(local),
                None => Err(Error::Local("the local store is not open".into())),
            }
        })
        .await
        .map_err(|e| Error::Local(e.to_string()))?
    }
}

fn open(path: Option<&PathBuf>) -> Result<Connection> {
    let connection = match path {
        Some(path) => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::Local(format!("{}: {e}", parent.display())))?;
            }
            Connection::open(path)
        }
        None => Connection::open_in_memory(),
    }
    .map_err(local)?;
    // Each keystroke is a small transaction: WAL keeps it cheap, and a write survives the
    // app being killed once it returns.
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .map_err(local)?;
    connection
        .pragma_update(None, "synchronous", "NORMAL")
        .map_err(local)?;
    connection.execute_batch(SCHEMA).map_err(local)?;
    Ok(connection)
}

pub(crate) fn local(error: rusqlite::Error) -> Error {
    Error::Local(error.to_string())
}
