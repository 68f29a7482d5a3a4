//! Sessions: opaque bearer tokens, kept only as their SHA-256 hash.

use switchboard_protocol::Id;

use super::{Store, now_ms};
use crate::Result;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub agent_id: i64,
    pub account_id: i64,
    pub role: String,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

impl Store {
    pub async fn create_session(
        &self,
        agent_id: Id,
        token_hash: &[u8],
        expires_at_ms: i64,
    ) -> Result<Id> {
        Ok(sqlx::query_scalar(
            "INSERT INTO sessions (token_hash, agent_id, created_at, expires_at)
             VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(token_hash)
        .bind(agent_id)
        .bind(now_ms())
        .bind(expires_at_ms)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn session_by_hash(&self, token_hash: &[u8]) -> Result<Option<SessionRow>> {
        Ok(sqlx::query_as::<_, SessionRow>(
            "SELECT s.id, s.agent_id, a.account_id, a.role, s.expires_at, s.revoked_at
             FROM sessions s JOIN agents a ON a.id = s.agent_id WHERE s.token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn session(&self, id: Id) -> Result<Option<SessionRow>> {
        Ok(sqlx::query_as::<_, SessionRow>(
            "SELECT s.id, s.agent_id, a.account_id, a.role, s.expires_at, s.revoked_at
             FROM sessions s JOIN agents a ON a.id = s.agent_id WHERE s.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Revokes every live session of an agent (after a password reset).
    pub async fn revoke_sessions_of(&self, agent_id: Id) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE sessions SET revoked_at = ? WHERE agent_id = ? AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(agent_id)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Deletes sessions that expired or were revoked more than a day ago.
    pub async fn prune_sessions(&self) -> Result<u64> {
        let day_ago = now_ms() - 24 * 3600 * 1000;
        Ok(sqlx::query(
            "DELETE FROM sessions WHERE expires_at < ? OR (revoked_at IS NOT NULL AND revoked_at < ?)",
        )
        .bind(day_ago)
        .bind(day_ago)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Ends a session (signing out); answers how many live sessions its agent has left.
    pub async fn end_session(&self, session_id: Id, agent_id: Id, now: i64) -> Result<i64> {
        let mut tx = self.write().await?;
        sqlx::query("UPDATE sessions SET revoked_at = ? WHERE id = ?")
            .bind(now)
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        let left = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sessions WHERE agent_id = ? AND revoked_at IS NULL AND expires_at > ?",
        )
        .bind(agent_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(left)
    }
}
