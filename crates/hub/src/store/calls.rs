//! Call records: one row per call (a consultation is a call of its own), written as the call
//! goes — created, answered, handed on, ended — and its transfers.

use switchboard_protocol::{CallOutcome, ContextItem, Id, Party};

use super::Store;
use crate::Result;

/// A call about to be put on record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewCall {
    /// An agent calls a colleague.
    Internal {
        account: Id,
        from_agent: Id,
        to_agent: Id,
    },
    /// An agent calls an outside number (E.164), showing `caller_id`.
    Outbound {
        account: Id,
        from_agent: Id,
        to_number: String,
        caller_id: Option<String>,
    },
    /// A caller from the phone network (their number, if they sent one) dialled one of the
    /// account's numbers.
    Inbound {
        account: Id,
        from_number: Option<String>,
        dialled: String,
    },
    /// An agent consults a colleague (`to_agent`), a ring group (neither) or a number.
    Consultation {
        account: Id,
        from_agent: Id,
        to_agent: Option<Id>,
        to_number: Option<String>,
    },
}

/// A call that is already over, kept as it went (the demo seeds a few).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastCall<'a> {
    pub account: Id,
    /// `inbound`, `outbound` or `internal`.
    pub direction: &'a str,
    pub from_agent: Option<Id>,
    pub from_number: Option<&'a str>,
    pub to_agent: Option<Id>,
    pub to_number: Option<&'a str>,
    pub dialled: Option<&'a str>,
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: i64,
    pub outcome: CallOutcome,
}

/// A call's row, as kept.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CallRow {
    pub id: Id,
    pub account_id: Id,
    pub direction: String,
    pub from_agent: Option<Id>,
    pub to_agent: Option<Id>,
    pub from_number: Option<String>,
    pub to_number: Option<String>,
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub outcome: Option<String>,
    /// `[[key, value], …]` in the order it was learnt.
    pub context: Option<String>,
    pub queue_position: Option<i64>,
    pub queued_at: Option<i64>,
    pub waited_ms: Option<i64>,
}

/// How an outcome is kept (as the wire writes it).
pub fn outcome_name(outcome: CallOutcome) -> &'static str {
    match outcome {
        CallOutcome::Completed => "completed",
        CallOutcome::Declined => "declined",
        CallOutcome::Cancelled => "cancelled",
        CallOutcome::Failed => "failed",
        CallOutcome::NoAnswer => "no_answer",
        CallOutcome::Busy => "busy",
        CallOutcome::Unreachable => "unreachable",
        CallOutcome::Voicemail => "voicemail",
    }
}

impl Store {
    /// Puts a new call on record; answers its id.
    pub async fn create_call(&self, call: &NewCall) -> Result<Id> {
        let now = super::now_ms();
        let query = match call {
            NewCall::Internal {
                account,
                from_agent,
                to_agent,
            } => sqlx::query_scalar(
                "INSERT INTO calls (account_id, direction, from_agent, to_agent, started_at)
                 VALUES (?, 'internal', ?, ?, ?) RETURNING id",
            )
            .bind(account)
            .bind(from_agent)
            .bind(to_agent)
            .bind(now),
            NewCall::Outbound {
                account,
                from_agent,
                to_number,
                caller_id,
            } => sqlx::query_scalar(
                "INSERT INTO calls (account_id, direction, from_agent, to_number, caller_id, started_at)
                 VALUES (?, 'outbound', ?, ?, ?, ?) RETURNING id",
            )
            .bind(account)
            .bind(from_agent)
            .bind(to_number)
            .bind(caller_id)
            .bind(now),
            NewCall::Inbound {
                account,
                from_number,
                dialled,
            } => sqlx::query_scalar(
                "INSERT INTO calls (account_id, direction, from_number, dialled, started_at)
                 VALUES (?, 'inbound', ?, ?, ?) RETURNING id",
            )
            .bind(account)
            .bind(from_number)
            .bind(dialled)
            .bind(now),
            NewCall::Consultation {
                account,
                from_agent,
                to_agent,
                to_number,
            } => sqlx::query_scalar(
                "INSERT INTO calls (account_id, direction, from_agent, to_agent, to_number, started_at)
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(account)
            .bind(if to_number.is_some() {
                "outbound"
            } else {
                "internal"
            })
            .bind(from_agent)
            .bind(to_agent)
            .bind(to_number)
            .bind(now),
        };
        Ok(query.fetch_one(&self.pool).await?)
    }

    /// Puts a call that is already over on record; answers its id.
    pub async fn import_call(&self, call: &PastCall<'_>) -> Result<Id> {
        Ok(sqlx::query_scalar(
            "INSERT INTO calls (account_id, direction, from_agent, from_number, to_agent, to_number,
                 dialled, started_at, answered_at, ended_at, outcome)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(call.account)
        .bind(call.direction)
        .bind(call.from_agent)
        .bind(call.from_number)
        .bind(call.to_agent)
        .bind(call.to_number)
        .bind(call.dialled)
        .bind(call.started_at)
        .bind(call.answered_at)
        .bind(call.ended_at)
        .bind(outcome_name(call.outcome))
        .fetch_one(&self.pool)
        .await?)
    }

    /// The call was answered (by `agent`, if an agent took it). The first answer counts: a
    /// transferred call keeps its talk time from it. A caller from a queue: how long they
    /// waited is kept; a call handed to a ring group: whoever took it there is put on record.
    pub async fn call_answered(&self, call: Id, agent: Option<Id>, at: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE calls SET answered_at = COALESCE(answered_at, ?1), to_agent = COALESCE(to_agent, ?2),
                 waited_ms = CASE WHEN queued_at IS NULL OR answered_at IS NOT NULL THEN waited_ms
                                  ELSE ?1 - queued_at END
             WHERE id = ?3",
        )
        .bind(at)
        .bind(agent)
        .bind(call)
        .execute(&mut *tx)
        .await?;
        if let Some(agent) = agent {
            sqlx::query(
                "UPDATE call_transfers SET to_agent = ?
                 WHERE call_id = ? AND to_agent IS NULL AND to_number IS NULL AND outcome IS NULL",
            )
            .bind(agent)
            .bind(call)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn call_ended(&self, call: Id, outcome: CallOutcome, at: i64) -> Result<()> {
        sqlx::query("UPDATE calls SET ended_at = ?, outcome = ? WHERE id = ?")
            .bind(at)
            .bind(outcome_name(outcome))
            .bind(call)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Puts a transfer of `call` on record: to an agent, an outside number, or a ring group
    /// (whose agent who takes it is filled in then).
    pub async fn record_transfer(&self, call: Id, from: Id, to: &Party, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO call_transfers (call_id, from_agent, to_agent, to_number, transferred_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(call)
        .bind(from)
        .bind(to.agent_id)
        .bind(to.number.as_deref())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The call's last transfer did not go through (the call came back).
    pub async fn transfer_outcome(&self, call: Id, outcome: CallOutcome) -> Result<()> {
        sqlx::query(
            "UPDATE call_transfers SET outcome = ?
             WHERE id = (SELECT MAX(id) FROM call_transfers WHERE call_id = ?)",
        )
        .bind(outcome_name(outcome))
        .bind(call)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Puts a call's Context on its record (`[[key, value], …]`, in the order it was learnt).
    pub async fn keep_context(&self, call: Id, context: &[ContextItem]) -> Result<()> {
        let pairs: Vec<(&str, &str)> = context
            .iter()
            .map(|item| (item.key.as_str(), item.value.as_str()))
            .collect();
        sqlx::query("UPDATE calls SET context = ? WHERE id = ?")
            .bind(serde_json::to_string(&pairs).unwrap_or_default())
            .bind(call)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Where the call joined its queue (1: next to be offered), kept for reports; the first
    /// time it queued counts.
    pub async fn call_queued(&self, call: Id, position: usize, at: i64) -> Result<()> {
        sqlx::query(
            "UPDATE calls SET queue_position = ?, queued_at = COALESCE(queued_at, ?) WHERE id = ?",
        )
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(at)
        .bind(call)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A call's row (of any account: for the hub itself and its tests).
    pub async fn call_row(&self, call: Id) -> Result<CallRow> {
        sqlx::query_as(
            "SELECT id, account_id, direction, from_agent, to_agent, from_number, to_number,
                    started_at, answered_at, ended_at, outcome, context, queue_position,
                    queued_at, waited_ms
             FROM calls WHERE id = ?",
        )
        .bind(call)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(crate::Error::NotFound("call"))
    }

    /// A call's transfers, oldest first: (from agent, to agent, to number, outcome).
    pub async fn call_transfers(
        &self,
        call: Id,
    ) -> Result<Vec<(Id, Option<Id>, Option<String>, Option<String>)>> {
        Ok(sqlx::query_as(
            "SELECT from_agent, to_agent, to_number, outcome FROM call_transfers
             WHERE call_id = ? ORDER BY id",
        )
        .bind(call)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Calls still open on record when the hub starts: they were cut off when it stopped
    /// (calls live in its memory). Each is closed as failed; answers each one's account and
    /// every agent it ever reached.
    pub async fn close_cut_off_calls(&self, at: i64) -> Result<Vec<(Id, Id, Vec<Id>)>> {
        let open: Vec<(Id, Id)> =
            sqlx::query_as("SELECT id, account_id FROM calls WHERE ended_at IS NULL")
                .fetch_all(&self.pool)
                .await?;
        let mut closed = Vec::new();
        for (id, account) in open {
            sqlx::query("UPDATE calls SET ended_at = ?, outcome = 'failed' WHERE id = ?")
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await?;
            let agents: Vec<Id> = sqlx::query_scalar(
                "SELECT from_agent FROM calls WHERE id = ?1 AND from_agent IS NOT NULL
                 UNION SELECT to_agent FROM calls WHERE id = ?1 AND to_agent IS NOT NULL
                 UNION SELECT to_agent FROM call_transfers WHERE call_id = ?1 AND to_agent IS NOT NULL",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            closed.push((id, account, agents));
        }
        Ok(closed)
    }
}
