//! Canned replies: the account's texts agents insert by shortcut.

use switchboard_protocol::{CannedReply, Id};

use super::{Store, now_ms};
use crate::{Error, Result};

impl Store {
    /// Adds the canned reply `shortcut`, or replaces its text; answers it.
    pub async fn set_canned_reply(
        &self,
        account_id: Id,
        shortcut: &str,
        text: &str,
    ) -> Result<CannedReply> {
        let (id, shortcut, text) = sqlx::query_as(
            "INSERT INTO canned_replies (account_id, shortcut, body, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (account_id, shortcut)
                 DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
             RETURNING id, shortcut, body",
        )
        .bind(account_id)
        .bind(shortcut)
        .bind(text)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(CannedReply { id, shortcut, text })
    }

    pub async fn remove_canned_reply(&self, account_id: Id, shortcut: &str) -> Result<()> {
        let removed =
            sqlx::query("DELETE FROM canned_replies WHERE account_id = ? AND shortcut = ?")
                .bind(account_id)
                .bind(shortcut)
                .execute(&self.pool)
                .await?
                .rows_affected();
        if removed == 0 {
            return Err(Error::NotFound("canned reply"));
        }
        Ok(())
    }

    /// The account's canned replies, by shortcut.
    pub async fn canned_replies(&self, account_id: Id) -> Result<Vec<CannedReply>> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, shortcut, body FROM canned_replies WHERE account_id = ? ORDER BY shortcut",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, shortcut, text)| CannedReply { id, shortcut, text })
            .collect())
    }
}
