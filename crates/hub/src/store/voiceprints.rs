//! Voiceprints on record: a contact's voice, kept with the caller's consent.

use switchboard_protocol::Id;
use switchboard_voice::speaker::Embedding;

use super::{Store, now_ms};
use crate::{Error, Result};

impl Store {
    /// Keeps (or replaces) a contact's voiceprint, with who recorded the consent and when.
    pub async fn save_voiceprint(
        &self,
        account_id: Id,
        contact_id: Id,
        embedding: &Embedding,
        speech_seconds: f32,
        call_id: Id,
        agent_id: Id,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO voiceprints (contact_id, account_id, embedding, speech_seconds, call_id, consent_by, consent_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (contact_id) DO UPDATE SET embedding = excluded.embedding,
                 speech_seconds = excluded.speech_seconds, call_id = excluded.call_id,
                 consent_by = excluded.consent_by, consent_at = excluded.consent_at",
        )
        .bind(contact_id)
        .bind(account_id)
        .bind(serde_json::to_string(&embedding.0).unwrap_or_default())
        .bind(speech_seconds)
        .bind(call_id)
        .bind(agent_id)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn voiceprint(&self, account_id: Id, contact_id: Id) -> Result<Option<Embedding>> {
        let stored: Option<String> = sqlx::query_scalar(
            "SELECT embedding FROM voiceprints WHERE contact_id = ? AND account_id = ?",
        )
        .bind(contact_id)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        stored
            .map(|json| {
                serde_json::from_str(&json)
                    .map(Embedding)
                    .map_err(|error| Error::Internal(format!("a stored voiceprint: {error}")))
            })
            .transpose()
    }

    pub async fn delete_voiceprint(&self, account_id: Id, contact_id: Id) -> Result<()> {
        let deleted =
            sqlx::query("DELETE FROM voiceprints WHERE contact_id = ? AND account_id = ?")
                .bind(contact_id)
                .bind(account_id)
                .execute(&self.pool)
                .await?
                .rows_affected();
        if deleted == 0 {
            return Err(Error::NotFound("voiceprint"));
        }
        Ok(())
    }
}
