//! The per-account event log: rows whose `seq` only grows; an event addressed to one agent
//! has its `agent_id` set, an event for the whole account has it NULL. Only the newest
//! `retention` events of an account are kept; where the cut was is remembered, so a client
//! resuming from before it is told to resync.

use sqlx::SqliteConnection;
use switchboard_protocol::{Event, EventEnvelope, Id};

use super::{Store, from_ms, now_ms};
use crate::Result;

/// Most events one read answers; a long backlog is read in several.
pub const PAGE: i64 = 500;

/// Appends an event inside the caller's transaction; returns its `seq`.
pub async fn append(
    conn: &mut SqliteConnection,
    account_id: Id,
    to_agent: Option<Id>,
    event: &Event,
    retention: u32,
) -> Result<u64> {
    let payload = serde_json::to_string(event)
        .map_err(|error| crate::Error::Internal(format!("event encoding: {error}")))?;
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO events (account_id, agent_id, payload, created_at) VALUES (?, ?, ?, ?)
         RETURNING seq",
    )
    .bind(account_id)
    .bind(to_agent)
    .bind(payload)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?;
    // Finding the cut reads `retention` index entries: done once every hundredth of it, so
    // a busy account does not pay it on every event (it keeps at most 1% more meanwhile).
    if seq % i64::from((retention / 100).max(1)) == 0 {
        prune(conn, account_id, retention).await?;
    }
    Ok(seq as u64)
}

/// Keeps the newest `retention` events of the account and remembers where the cut was.
async fn prune(conn: &mut SqliteConnection, account_id: Id, retention: u32) -> Result<()> {
    let cutoff: Option<i64> = sqlx::query_scalar(
        "SELECT seq FROM events WHERE account_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?",
    )
    .bind(account_id)
    .bind(i64::from(retention))
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(cutoff) = cutoff {
        sqlx::query("DELETE FROM events WHERE account_id = ? AND seq <= ?")
            .bind(account_id)
            .bind(cutoff)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO event_retention (account_id, pruned_until) VALUES (?, ?)
             ON CONFLICT (account_id) DO UPDATE SET pruned_until = MAX(pruned_until, excluded.pruned_until)",
        )
        .bind(account_id)
        .bind(cutoff)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Appends events for one agent each, in one transaction.
    pub async fn append_events(
        &self,
        account_id: Id,
        events: &[(Id, Event)],
        retention: u32,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        for (agent, event) in events {
            append(&mut tx, account_id, Some(*agent), event, retention).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The newest `seq` in the whole log (0 when empty): a consistent starting point.
    pub async fn event_head(&self) -> Result<u64> {
        let mut conn = self.pool.acquire().await?;
        let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM events")
            .fetch_one(&mut *conn)
            .await?;
        // AUTOINCREMENT never reuses a seq, but a fully pruned log reads MAX = NULL: fall
        // back to the counter SQLite keeps.
        let counter: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
                .fetch_optional(&mut *conn)
                .await?;
        Ok(seq.or(counter).unwrap_or(0).max(0) as u64)
    }

    /// Events for `agent_id` after `after`, oldest first, at most [`PAGE`].
    pub async fn events_after(
        &self,
        account_id: Id,
        agent_id: Id,
        after: u64,
    ) -> Result<Vec<EventEnvelope>> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT seq, payload, created_at FROM events
             WHERE account_id = ? AND seq > ? AND (agent_id IS NULL OR agent_id = ?)
             ORDER BY seq LIMIT ?",
        )
        .bind(account_id)
        .bind(after as i64)
        .bind(agent_id)
        .bind(PAGE)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(seq, payload, at)| EventEnvelope {
                seq: seq as u64,
                at: from_ms(at),
                // An event this hub cannot read back (written by a newer version) is skipped
                // by clients as Unknown rather than breaking the stream.
                event: serde_json::from_str(&payload).unwrap_or(Event::Unknown),
            })
            .collect())
    }

    /// Whether a client resuming after `after` has missed events that were pruned, or speaks
    /// of a log this hub never had (its database was replaced).
    pub async fn must_resync(&self, account_id: Id, after: u64) -> Result<bool> {
        let pruned_until: Option<i64> =
            sqlx::query_scalar("SELECT pruned_until FROM event_retention WHERE account_id = ?")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?;
        let head = self.event_head().await?;
        Ok(pruned_until.is_some_and(|p| (after as i64) < p) || after > head)
    }
}
