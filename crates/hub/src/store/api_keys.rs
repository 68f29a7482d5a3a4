//! Keys outside systems use to reach one account's API.

use switchboard_protocol::Id;

use super::{Store, now_ms};
use crate::auth::token_hash;
use crate::{Error, Result};

impl Store {
    /// Creates a key named `name` for the account; returns the key (shown once: only its
    /// hash is kept).
    pub async fn create_api_key(&self, account_id: Id, name: &str) -> Result<String> {
        if name.trim().is_empty() {
            return Err(Error::BadRequest("an API key needs a name".into()));
        }
        let token = format!("sbk_{}", &crate::auth::new_token()[3..]);
        sqlx::query(
            "INSERT INTO api_keys (account_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(account_id)
        .bind(name)
        .bind(token_hash(&token))
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Error::Conflict(format!("the account already has an API key named {name:?}"))
            }
            _ => Error::from(error),
        })?;
        Ok(token)
    }

    /// The account a key belongs to (and notes its use).
    pub async fn api_key_account(&self, token: &str) -> Result<Option<Id>> {
        Ok(sqlx::query_scalar(
            "UPDATE api_keys SET last_used_at = ? WHERE token_hash = ? RETURNING account_id",
        )
        .bind(now_ms())
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?)
    }

    /// An account's keys: name, created, last used (ms).
    pub async fn api_keys(&self, account_id: Id) -> Result<Vec<(String, i64, Option<i64>)>> {
        Ok(sqlx::query_as(
            "SELECT name, created_at, last_used_at FROM api_keys WHERE account_id = ? ORDER BY name",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn revoke_api_key(&self, account_id: Id, name: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM api_keys WHERE account_id = ? AND name = ?")
            .bind(account_id)
            .bind(name)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("API key"));
        }
        Ok(())
    }
}
