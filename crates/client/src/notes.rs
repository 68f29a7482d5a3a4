//! Call notes kept on this machine as they are typed (F-41): nothing is lost if the app,
//! the machine or the hub goes away. Each draft remembers which revision the hub has, so
//! what it lacks is sent again after a restart or a lost connection.

use std::path::PathBuf;

use rusqlite::{Connection, OptionalExtension, params};
use switchboard_protocol::{CallNotes, ErrorCode, Id, SaveNotes};

use crate::local::Local;
use crate::{Hub, Result};

/// An agent's notes and disposition for one call, as typed on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The hub's address: the same call id means different calls on different hubs.
    pub hub: String,
    pub agent: Id,
    pub call: Id,
    pub notes: String,
    pub disposition: Option<Id>,
    /// Grows with every edit.
    pub revision: u64,
    /// The highest revision the hub has kept.
    pub synced: u64,
    /// Why the hub refused the last revision it was sent (it is not sent again).
    pub refused: Option<String>,
}

impl Draft {
    pub fn new(hub: &str, agent: Id, call: Id) -> Self {
        Self {
            hub: hub.to_owned(),
            agent,
            call,
            notes: String::new(),
            disposition: None,
            revision: 0,
            synced: 0,
            refused: None,
        }
    }

    /// Whether the hub lacks this revision.
    pub fn unsynced(&self) -> bool {
        self.revision > self.synced
    }

    /// What `PUT /calls/{id}/notes` sends.
    pub fn body(&self) -> SaveNotes {
        SaveNotes {
            notes: self.notes.clone(),
            disposition_id: self.disposition,
            revision: self.revision,
        }
    }
}

/// The drafts store; cheap to clone (it shares the desktop's local store).
#[derive(Debug, Clone)]
pub struct Drafts {
    local: Local,
}

/// Drafts the hub has kept are forgotten after this many days.
const KEEP_SYNCED_DAYS: i64 = 30;

impl Drafts {
    pub fn new(local: Local) -> Self {
        Self { local }
    }

    /// The drafts in the local store at `path`.
    pub fn at(path: PathBuf) -> Self {
        Self::new(Local::at(path))
    }

    /// Drafts that last as long as this value (tests, or a machine with no data folder).
    pub fn in_memory() -> Self {
        Self::new(Local::in_memory())
    }

    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        self.local.with(work).await
    }

    /// Keeps this revision of a draft, unless a newer one is already kept.
    pub async fn save(&self, draft: Draft) -> Result<()> {
        self.with(move |db| {
            db.execute(
                "INSERT INTO drafts (hub, agent, call, notes, disposition, revision)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (hub, agent, call) DO UPDATE SET
                     notes = excluded.notes, disposition = excluded.disposition,
                     revision = excluded.revision, refused = NULL, edited_at = unixepoch()
                 WHERE excluded.revision > drafts.revision",
                params![
                    draft.hub,
                    draft.agent,
                    draft.call,
                    draft.notes,
                    draft.disposition,
                    revision(draft.revision),
                ],
            )
            .map(|_| ())
        })
        .await
    }

    /// The draft for a call, if one was typed here.
    pub async fn get(&self, hub: &str, agent: Id, call: Id) -> Result<Option<Draft>> {
        let hub = hub.to_owned();
        self.with(move |db| {
            db.query_row(
                &format!("{SELECT} WHERE hub = ?1 AND agent = ?2 AND call = ?3"),
                params![hub, agent, call],
                row,
            )
            .optional()
        })
        .await
    }

    /// The agent's drafts on this hub that the hub lacks and has not refused, oldest
    /// first; drafts the hub has had for a month are forgotten on the way.
    pub async fn unsynced(&self, hub: &str, agent: Id) -> Result<Vec<Draft>> {
        let hub = hub.to_owned();
        self.with(move |db| {
            db.execute(
                "DELETE FROM drafts WHERE synced >= revision AND edited_at < unixepoch() - ?1",
                params![KEEP_SYNCED_DAYS * 86_400],
            )?;
            let mut query = db.prepare(&format!(
                "{SELECT} WHERE hub = ?1 AND agent = ?2 AND revision > synced AND refused IS NULL
                 ORDER BY edited_at, call"
            ))?;
            query
                .query_map(params![hub, agent], row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .await
    }

    /// The hub has kept `revision` (or a newer one).
    pub async fn synced(&self, draft: &Draft, revision_kept: u64) -> Result<()> {
        let (hub, agent, call) = (draft.hub.clone(), draft.agent, draft.call);
        self.with(move |db| {
            db.execute(
                "UPDATE drafts SET synced = MAX(synced, ?4), refused = NULL
                 WHERE hub = ?1 AND agent = ?2 AND call = ?3",
                params![hub, agent, call, revision(revision_kept)],
            )
            .map(|_| ())
        })
        .await
    }

    /// The hub refused this revision for good (the call is not the agent's, a removed
    /// disposition…): it is kept here with the reason, and not sent again until edited.
    pub async fn refused(&self, draft: &Draft, reason: String) -> Result<()> {
        let (hub, agent, call, at) = (draft.hub.clone(), draft.agent, draft.call, draft.revision);
        self.with(move |db| {
            db.execute(
                "UPDATE drafts SET refused = ?5
                 WHERE hub = ?1 AND agent = ?2 AND call = ?3 AND revision = ?4",
                params![hub, agent, call, revision(at), reason],
            )
            .map(|_| ())
        })
        .await
    }
}

/// Sends a draft to the hub and records the outcome here: kept (the hub's answer), refused
/// for good (recorded, the error returned), or not reached (the error; sent again later).
pub async fn sync(hub: &Hub, token: &str, drafts: &Drafts, draft: &Draft) -> Result<CallNotes> {
    match hub.save_notes(token, draft.call, &draft.body()).await {
        Ok(kept) => {
            drafts.synced(draft, kept.revision).await?;
            Ok(kept)
        }
        Err(error) => {
            let for_good = matches!(
                error.code(),
                Some(
                    ErrorCode::BadRequest
                        | ErrorCode::Forbidden
                        | ErrorCode::NotFound
                        | ErrorCode::PayloadTooLarge
                )
            );
            if for_good {
                drafts.refused(draft, error.to_string()).await?;
            }
            Err(error)
        }
    }
}

const SELECT: &str =
    "SELECT hub, agent, call, notes, disposition, revision, synced, refused FROM drafts";

fn row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Draft> {
    Ok(Draft {
        hub: row.get(0)?,
        agent: row.get(1)?,
        call: row.get(2)?,
        notes: row.get(3)?,
        disposition: row.get(4)?,
        revision: u64::try_from(row.get::<_, i64>(5)?).unwrap_or(0),
        synced: u64::try_from(row.get::<_, i64>(6)?).unwrap_or(0),
        refused: row.get(7)?,
    })
}

fn revision(revision: u64) -> i64 {
    i64::try_from(revision).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn typed(call: Id, notes: &str, revision: u64) -> Draft {
        Draft {
            notes: notes.into(),
            revision,
            ..Draft::new("http://hub", 7, call)
        }
    }

    #[tokio::test]
    async fn drafts_outlive_the_app_and_remember_what_the_hub_has() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("notes.sqlite3");
        {
            let drafts = Drafts::at(path.clone());
            drafts.save(typed(1, "Wants a refund", 3)).await.unwrap();
            // An older write that arrives late changes nothing.
            drafts.save(typed(1, "Wants", 2)).await.unwrap();
            drafts.save(typed(2, "Called back", 1)).await.unwrap();
            drafts.synced(&typed(2, "", 1), 1).await.unwrap();
        }
        // The app is gone; a new one opens the same file.
        let drafts = Drafts::at(path);
        let kept = drafts.get("http://hub", 7, 1).await.unwrap().unwrap();
        assert_eq!((kept.notes.as_str(), kept.revision), ("Wants a refund", 3));
        let pending = drafts.unsynced("http://hub", 7).await.unwrap();
        assert_eq!(pending.iter().map(|d| d.call).collect::<Vec<_>>(), [1]);
        // Another agent or hub sees none of it.
        assert!(drafts.unsynced("http://hub", 8).await.unwrap().is_empty());
        assert!(drafts.get("http://other", 7, 1).await.unwrap().is_none());

        // Refused for good: kept with the reason, not sent again until edited.
        drafts.refused(&kept, "no such call".into()).await.unwrap();
        assert!(drafts.unsynced("http://hub", 7).await.unwrap().is_empty());
        let refused = drafts.get("http://hub", 7, 1).await.unwrap().unwrap();
        assert_eq!(refused.refused.as_deref(), Some("no such call"));
        drafts
            .save(typed(1, "Wants a refund today", 4))
            .await
            .unwrap();
        assert_eq!(drafts.unsynced("http://hub", 7).await.unwrap().len(), 1);
    }
}
