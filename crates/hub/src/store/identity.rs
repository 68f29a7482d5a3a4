//! Identity on record: the account's block list, and how often a number has called.

use switchboard_protocol::Id;

use super::{Store, now_ms};
use crate::{Error, Result};

impl Store {
    /// Puts a number (E.164) on the account's block list; its calls are flagged.
    pub async fn block_number(&self, account_id: Id, number: &str, reason: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO blocked_numbers (account_id, number, reason, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (account_id, number) DO UPDATE SET reason = excluded.reason",
        )
        .bind(account_id)
        .bind(number)
        .bind(reason)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn unblock_number(&self, account_id: Id, number: &str) -> Result<()> {
        let removed =
            sqlx::query("DELETE FROM blocked_numbers WHERE account_id = ? AND number = ?")
                .bind(account_id)
                .bind(number)
                .execute(&self.pool)
                .await?
                .rows_affected();
        if removed == 0 {
            return Err(Error::NotFound("blocked number"));
        }
        Ok(())
    }

    /// The account's block list: (number, reason).
    pub async fn blocked_numbers(&self, account_id: Id) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT number, reason FROM blocked_numbers WHERE account_id = ? ORDER BY number",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn is_blocked(&self, account_id: Id, number: &str) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM blocked_numbers WHERE account_id = ? AND number = ?)",
        )
        .bind(account_id)
        .bind(number)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Calls from `number` to the account in the last hour and the last day, before `call`.
    pub async fn recent_calls_from(
        &self,
        account_id: Id,
        number: &str,
        call: Id,
    ) -> Result<(u32, u32)> {
        let now = now_ms();
        let (hour, day): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(started_at >= ?3), 0), COUNT(*) FROM calls
             WHERE account_id = ?1 AND from_number = ?2 AND started_at >= ?4 AND id <> ?5",
        )
        .bind(account_id)
        .bind(number)
        .bind(now - 3_600_000)
        .bind(now - 86_400_000)
        .bind(call)
        .fetch_one(&self.pool)
        .await?;
        Ok((
            u32::try_from(hour).unwrap_or(u32::MAX),
            u32::try_from(day).unwrap_or(u32::MAX),
        ))
    }
}
