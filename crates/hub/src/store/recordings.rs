//! Call recordings on record: where each file is, when it started and ended, how long it is.

use switchboard_protocol::Id;

use super::Store;
use crate::Result;

impl Store {
    /// A recording of `call` started, into `path` (relative to the data folder).
    pub async fn recording_started(
        &self,
        call: Id,
        account: Id,
        path: &str,
        at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO call_recordings (call_id, account_id, path, started_at) VALUES (?, ?, ?, ?)",
        )
        .bind(call)
        .bind(account)
        .bind(path)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The recording of `call` is finished: it holds `seconds` of sound.
    pub async fn recording_finished(&self, call: Id, seconds: f64, at: i64) -> Result<()> {
        sqlx::query("UPDATE call_recordings SET ended_at = ?, seconds = ? WHERE call_id = ?")
            .bind(at)
            .bind(seconds.round() as i64)
            .bind(call)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Where the finished recording of `call` is (relative to the data folder), if it has one.
    pub async fn recording_path(&self, account: Id, call: Id) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT path FROM call_recordings
             WHERE call_id = ? AND account_id = ? AND ended_at IS NOT NULL",
        )
        .bind(call)
        .bind(account)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn forget_recording(&self, call: Id) -> Result<()> {
        sqlx::query("DELETE FROM call_recordings WHERE call_id = ?")
            .bind(call)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The finished recordings their accounts keep no longer (`recording_retention_days`, 0:
    /// forever) as of `now`: (call, account).
    pub async fn expired_recordings(&self, now: i64) -> Result<Vec<(Id, Id)>> {
        const DAY_MS: i64 = 24 * 3600 * 1000;
        Ok(sqlx::query_as(
            "SELECT r.call_id, r.account_id FROM call_recordings r
             JOIN accounts a ON a.id = r.account_id
             WHERE a.recording_retention_days > 0 AND r.ended_at IS NOT NULL
               AND r.ended_at < ? - a.recording_retention_days * ?",
        )
        .bind(now)
        .bind(DAY_MS)
        .fetch_all(&self.pool)
        .await?)
    }
}
