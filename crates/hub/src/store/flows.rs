//! Call flows, their prompts, and the voicemails callers leave.

use switchboard_protocol::Id;

use super::{Store, now_ms};
use crate::flow::Flow;
use crate::{Error, Result};

/// Longest prompt file accepted (a few minutes of 8 kHz mono, or less at higher rates).
pub const MAX_PROMPT_BYTES: usize = 8 * 1024 * 1024;

impl Store {
    /// Saves a flow after checking it: it reads, and every prompt it plays and ring group it
    /// routes to exists in the account.
    pub async fn set_flow(&self, account_id: Id, name: &str, source: &str) -> Result<Id> {
        let flow = Flow::parse(source)?;
        let prompts = self.prompt_names(account_id).await?;
        if let Some(missing) = flow
            .prompts()
            .into_iter()
            .find(|p| !prompts.iter().any(|n| n == p))
        {
            return Err(Error::BadRequest(format!(
                "the flow plays prompt {missing:?}, which the account does not have (add it with `prompt add`)"
            )));
        }
        for group in flow.groups() {
            if self.ring_group_id(account_id, group).await.is_err() {
                return Err(Error::BadRequest(format!(
                    "the flow routes to ring group {group:?}, which the account does not have"
                )));
            }
        }
        if name.trim().is_empty() {
            return Err(Error::BadRequest("a flow needs a name".into()));
        }
        Ok(sqlx::query_scalar(
            "INSERT INTO flows (account_id, name, source, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (account_id, name) DO UPDATE SET
                 source = excluded.source, updated_at = excluded.updated_at
             RETURNING id",
        )
        .bind(account_id)
        .bind(name)
        .bind(source)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?)
    }

    /// A flow's source.
    pub async fn flow_source(&self, account_id: Id, name: &str) -> Result<String> {
        sqlx::query_scalar("SELECT source FROM flows WHERE account_id = ? AND name = ?")
            .bind(account_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotFound("flow"))
    }

    pub async fn flow_names(&self, account_id: Id) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT name FROM flows WHERE account_id = ? ORDER BY name")
                .bind(account_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn remove_flow(&self, account_id: Id, name: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM flows WHERE account_id = ? AND name = ?")
            .bind(account_id)
            .bind(name)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("flow"));
        }
        Ok(())
    }

    /// Adds a number whose calls go through a flow (which routes them on).
    pub async fn add_flow_number(
        &self,
        account_id: Id,
        number: &str,
        flow: &str,
        label: &str,
    ) -> Result<Id> {
        let flow_id = self.flow_id(account_id, flow).await?;
        self.insert_inbound_number(account_id, number, None, Some(flow_id), label)
            .await
    }

    async fn flow_id(&self, account_id: Id, flow: &str) -> Result<Id> {
        sqlx::query_scalar("SELECT id FROM flows WHERE account_id = ? AND name = ?")
            .bind(account_id)
            .bind(flow)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotFound("flow"))
    }

    /// Sends calls to one of the account's numbers through a flow.
    pub async fn set_number_flow(&self, account_id: Id, number: &str, flow: &str) -> Result<()> {
        let flow_id = self.flow_id(account_id, flow).await?;
        let done = sqlx::query(
            "UPDATE inbound_numbers SET flow_id = ? WHERE account_id = ? AND number = ?",
        )
        .bind(flow_id)
        .bind(account_id)
        .bind(number)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("inbound number"));
        }
        Ok(())
    }

    /// Saves a prompt (a WAV file, checked by encoding it as callers will hear it).
    pub async fn set_prompt(&self, account_id: Id, name: &str, wav: &[u8]) -> Result<()> {
        if wav.len() > MAX_PROMPT_BYTES {
            return Err(Error::PayloadTooLarge);
        }
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if name.is_empty() || !name.chars().all(plain) {
            return Err(Error::BadRequest(format!(
                "{name:?}: a prompt's name is letters, digits, '-', '_' or '.'"
            )));
        }
        if crate::media::encode_wav(wav)?.is_empty() {
            return Err(Error::BadRequest("the WAV file holds no sound".into()));
        }
        sqlx::query(
            "INSERT INTO prompts (account_id, name, wav, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (account_id, name) DO UPDATE SET
                 wav = excluded.wav, updated_at = excluded.updated_at",
        )
        .bind(account_id)
        .bind(name)
        .bind(wav)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// When a prompt was last saved (its version), if it exists.
    pub async fn prompt_version(&self, account_id: Id, name: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT updated_at FROM prompts WHERE account_id = ? AND name = ?")
                .bind(account_id)
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn prompt(&self, account_id: Id, name: &str) -> Result<Vec<u8>> {
        sqlx::query_scalar("SELECT wav FROM prompts WHERE account_id = ? AND name = ?")
            .bind(account_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotFound("prompt"))
    }

    pub async fn prompt_names(&self, account_id: Id) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT name FROM prompts WHERE account_id = ? ORDER BY name")
                .bind(account_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Removes a prompt no flow of the account plays.
    pub async fn remove_prompt(&self, account_id: Id, name: &str) -> Result<()> {
        for flow in self.flow_names(account_id).await? {
            let source = self.flow_source(account_id, &flow).await?;
            if Flow::parse(&source).is_ok_and(|f| f.prompts().contains(name)) {
                return Err(Error::Conflict(format!(
                    "flow {flow:?} plays prompt {name:?}: change the flow first"
                )));
            }
        }
        let done = sqlx::query("DELETE FROM prompts WHERE account_id = ? AND name = ?")
            .bind(account_id)
            .bind(name)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("prompt"));
        }
        Ok(())
    }

    /// Keeps the record of a message a caller left.
    pub async fn add_voicemail(&self, voicemail: &NewVoicemail) -> Result<Id> {
        Ok(sqlx::query_scalar(
            "INSERT INTO voicemails
                 (account_id, call_id, from_number, dialled, path, duration_ms, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(voicemail.account_id)
        .bind(voicemail.call_id)
        .bind(&voicemail.from_number)
        .bind(&voicemail.dialled)
        .bind(&voicemail.path)
        .bind(voicemail.duration_ms)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?)
    }

    /// An account's voicemails, newest first: id, caller, number dialled, length, file.
    pub async fn voicemails(&self, account_id: Id) -> Result<Vec<VoicemailRow>> {
        Ok(sqlx::query_as(
            "SELECT id, call_id, from_number, dialled, path, duration_ms, created_at
             FROM voicemails WHERE account_id = ? ORDER BY created_at DESC, id DESC",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

#[derive(Debug, Clone)]
pub struct NewVoicemail {
    pub account_id: Id,
    pub call_id: Option<Id>,
    pub from_number: Option<String>,
    pub dialled: Option<String>,
    pub path: String,
    pub duration_ms: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VoicemailRow {
    pub id: Id,
    pub call_id: Option<Id>,
    pub from_number: Option<String>,
    pub dialled: Option<String>,
    pub path: String,
    pub duration_ms: i64,
    pub created_at: i64,
}
