//! What stays of calls: each agent's notes and disposition, and the call records the
//! history shows (an agent's recent calls, a contact's past interactions).

use std::collections::HashMap;

use switchboard_protocol::{
    CallNotes, CallOutcome, CallRecord, Direction, Disposition, ErrorCode, Id, MAX_NOTES_CHARS,
    Party, SaveNotes,
};

use super::{Store, from_ms, now_ms};
use crate::{Error, Result};

/// Most calls one history answer holds.
pub const MAX_HISTORY: u32 = 200;

#[derive(sqlx::FromRow)]
struct RecordRow {
    id: i64,
    direction: String,
    from_agent: Option<i64>,
    from_agent_name: Option<String>,
    from_number: Option<String>,
    to_agent: Option<i64>,
    to_agent_name: Option<String>,
    to_number: Option<String>,
    contact_name: Option<String>,
    started_at: i64,
    answered_at: Option<i64>,
    ended_at: Option<i64>,
    outcome: Option<String>,
    recording_seconds: Option<i64>,
}

/// A transfer of a call: to an agent (still in the account), or to an outside number.
#[derive(sqlx::FromRow)]
struct TransferRow {
    call_id: i64,
    agent_id: Option<i64>,
    agent_name: Option<String>,
    to_number: Option<String>,
}

#[derive(sqlx::FromRow)]
struct NotesRow {
    call_id: i64,
    agent_id: i64,
    agent_name: String,
    notes: String,
    disposition_id: Option<i64>,
    disposition_label: Option<String>,
    revision: i64,
    updated_at: i64,
}

/// Columns of a call record; `c` is the call. The phone party's name is the first contact
/// with that number, as a ringing call shows it.
const RECORD: &str = "SELECT c.id, c.direction,
        c.from_agent, fa.name AS from_agent_name, c.from_number,
        c.to_agent, ta.name AS to_agent_name, c.to_number,
        (SELECT k.name FROM contact_phones p JOIN contacts k ON k.id = p.contact_id
          WHERE p.account_id = c.account_id AND p.number = COALESCE(c.from_number, c.to_number)
          ORDER BY k.name COLLATE NOCASE, k.id LIMIT 1) AS contact_name,
        c.started_at, c.answered_at, c.ended_at, c.outcome,
        (SELECT r.seconds FROM call_recordings r WHERE r.call_id = c.id) AS recording_seconds
    FROM calls c
    LEFT JOIN agents fa ON fa.id = c.from_agent
    LEFT JOIN agents ta ON ta.id = c.to_agent";

const NOTES: &str = "SELECT n.call_id, n.agent_id, a.name AS agent_name, n.notes,
        n.disposition_id, d.label AS disposition_label, n.revision, n.updated_at
    FROM call_notes n
    JOIN agents a ON a.id = n.agent_id
    LEFT JOIN dispositions d ON d.id = n.disposition_id";

impl Store {
    /// Takes a disposition off the list agents pick from; calls that used it keep it.
    pub async fn remove_disposition(&self, account_id: Id, label: &str) -> Result<()> {
        let removed = sqlx::query(
            "UPDATE dispositions SET removed_at = ? WHERE label = ? AND account_id = ? AND removed_at IS NULL",
        )
        .bind(now_ms())
        .bind(label)
        .bind(account_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if removed == 0 {
            return Err(Error::NotFound("disposition"));
        }
        Ok(())
    }

    /// Whether `agent` was one of the call's parties (called, was called, answered, or was
    /// handed it). A call of another account is "not found".
    pub(crate) async fn check_party(
        &self,
        account_id: Id,
        call_id: Id,
        agent_id: Id,
    ) -> Result<()> {
        let party: Option<bool> = sqlx::query_scalar(
            // A call nobody answered has no agents (NULL): not a party either.
            "SELECT IFNULL(c.from_agent = ?1 OR c.to_agent = ?1 OR EXISTS (
                 SELECT 1 FROM call_transfers t WHERE t.call_id = c.id AND (t.from_agent = ?1 OR t.to_agent = ?1)), 0)
             FROM calls c WHERE c.id = ?2 AND c.account_id = ?3",
        )
        .bind(agent_id)
        .bind(call_id)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        match party {
            None => Err(Error::NotFound("call")),
            Some(false) => Err(Error::Forbidden),
            Some(true) => Ok(()),
        }
    }

    /// Keeps an agent's notes and disposition for a call they took part in. A save older
    /// than the one kept (a lower revision) changes nothing; the answer is what is kept.
    pub async fn save_notes(
        &self,
        account_id: Id,
        call_id: Id,
        agent_id: Id,
        save: &SaveNotes,
    ) -> Result<CallNotes> {
        if save.notes.chars().count() > MAX_NOTES_CHARS {
            return Err(Error::refused_as(
                ErrorCode::NotesTooLong,
                format!("notes are limited to {MAX_NOTES_CHARS} characters"),
            ));
        }
        let revision = i64::try_from(save.revision)
            .map_err(|_| Error::BadRequest("the revision is too large".into()))?;
        self.check_party(account_id, call_id, agent_id).await?;
        if let Some(disposition) = save.disposition_id {
            // One of the account's; a removed one only if the agent had already picked it.
            let usable: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM dispositions d WHERE d.id = ?1 AND d.account_id = ?2
                     AND (d.removed_at IS NULL OR EXISTS (SELECT 1 FROM call_notes n
                          WHERE n.call_id = ?3 AND n.agent_id = ?4 AND n.disposition_id = d.id)))",
            )
            .bind(disposition)
            .bind(account_id)
            .bind(call_id)
            .bind(agent_id)
            .fetch_one(&self.pool)
            .await?;
            if !usable {
                return Err(Error::refused_as(
                    ErrorCode::UnknownDisposition,
                    format!("there is no disposition {disposition} to pick"),
                ));
            }
        }
        sqlx::query(
            "INSERT INTO call_notes (call_id, agent_id, notes, disposition_id, revision, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (call_id, agent_id) DO UPDATE SET
                 notes = excluded.notes, disposition_id = excluded.disposition_id,
                 revision = excluded.revision, updated_at = excluded.updated_at
             WHERE excluded.revision > call_notes.revision",
        )
        .bind(call_id)
        .bind(agent_id)
        .bind(&save.notes)
        .bind(save.disposition_id)
        .bind(revision)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        self.my_notes(account_id, call_id, agent_id)
            .await?
            .ok_or(Error::NotFound("notes"))
    }

    /// The agent's own notes on a call they took part in, if they wrote any.
    pub async fn my_notes(
        &self,
        account_id: Id,
        call_id: Id,
        agent_id: Id,
    ) -> Result<Option<CallNotes>> {
        self.check_party(account_id, call_id, agent_id).await?;
        let row = sqlx::query_as::<_, NotesRow>(&format!(
            "{NOTES} WHERE n.call_id = ? AND n.agent_id = ?"
        ))
        .bind(call_id)
        .bind(agent_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(notes))
    }

    /// The calls an agent took part in, newest first.
    pub async fn agent_history(
        &self,
        account_id: Id,
        agent_id: Id,
        limit: u32,
    ) -> Result<Vec<CallRecord>> {
        let rows = sqlx::query_as::<_, RecordRow>(&format!(
            "{RECORD} WHERE c.account_id = ?1 AND (c.from_agent = ?2 OR c.to_agent = ?2
                 OR c.id IN (SELECT t.call_id FROM call_transfers t WHERE t.from_agent = ?2 OR t.to_agent = ?2))
             ORDER BY c.started_at DESC, c.id DESC LIMIT ?3"
        ))
        .bind(account_id)
        .bind(agent_id)
        .bind(limit.min(MAX_HISTORY))
        .fetch_all(&self.pool)
        .await?;
        self.records(rows).await
    }

    /// The calls from or to any of these numbers (a contact's), newest first.
    pub async fn number_history(
        &self,
        account_id: Id,
        numbers: &[String],
        limit: u32,
    ) -> Result<Vec<CallRecord>> {
        let numbers = serde_json::to_string(numbers).unwrap_or_else(|_| "[]".into());
        let rows = sqlx::query_as::<_, RecordRow>(&format!(
            "{RECORD} WHERE c.account_id = ?1 AND (
                 c.from_number IN (SELECT value FROM json_each(?2))
                 OR c.to_number IN (SELECT value FROM json_each(?2)))
             ORDER BY c.started_at DESC, c.id DESC LIMIT ?3"
        ))
        .bind(account_id)
        .bind(numbers)
        .bind(limit.min(MAX_HISTORY))
        .fetch_all(&self.pool)
        .await?;
        self.records(rows).await
    }

    /// Completes call rows with their transfers and notes.
    async fn records(&self, rows: Vec<RecordRow>) -> Result<Vec<CallRecord>> {
        let ids = serde_json::to_string(&rows.iter().map(|r| r.id).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".into());
        // Transfers that went through: to an agent (whoever took it, for a ring group) or
        // an outside number.
        let transfers: Vec<TransferRow> = sqlx::query_as(
            "SELECT t.call_id, a.id AS agent_id, a.name AS agent_name, t.to_number
             FROM call_transfers t
             LEFT JOIN agents a ON a.id = t.to_agent
             WHERE t.call_id IN (SELECT value FROM json_each(?)) AND t.outcome IS NULL
             ORDER BY t.id",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        let mut handed: HashMap<Id, Vec<Party>> = HashMap::new();
        for row in transfers {
            let party = match (row.agent_id, row.agent_name, row.to_number) {
                (Some(agent), Some(name), _) => Party::agent(agent, name),
                (None, _, Some(number)) => Party::phone(number.clone(), number),
                _ => continue,
            };
            handed.entry(row.call_id).or_default().push(party);
        }
        let written = sqlx::query_as::<_, NotesRow>(&format!(
            "{NOTES} WHERE n.call_id IN (SELECT value FROM json_each(?)) ORDER BY n.updated_at"
        ))
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        let mut by_call: HashMap<Id, Vec<CallNotes>> = HashMap::new();
        for row in written {
            by_call.entry(row.call_id).or_default().push(notes(row));
        }
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = row.id;
                let mut record = record(row);
                record.transferred_to = handed.remove(&id).unwrap_or_default();
                record.notes = by_call.remove(&id).unwrap_or_default();
                record
            })
            .collect())
    }
}

fn record(row: RecordRow) -> CallRecord {
    let direction = match row.direction.as_str() {
        "inbound" => Direction::Inbound,
        "outbound" => Direction::Outbound,
        _ => Direction::Internal,
    };
    let phone = |number: String| {
        let name = row.contact_name.clone().unwrap_or_else(|| number.clone());
        Party::phone(number, name)
    };
    let agent = |id: Option<i64>, name: Option<String>| {
        id.map(|id| Party::agent(id, name.unwrap_or_default()))
    };
    let from = match row.from_number {
        Some(number) => phone(number),
        None => agent(row.from_agent, row.from_agent_name).unwrap_or(Party {
            agent_id: None,
            name: String::new(),
            number: None,
        }),
    };
    let to = match row.to_number {
        Some(number) => Some(phone(number)),
        None => agent(row.to_agent, row.to_agent_name),
    };
    CallRecord {
        id: row.id,
        direction,
        from,
        to,
        transferred_to: Vec::new(),
        started_at: from_ms(row.started_at),
        answered_at: row.answered_at.map(from_ms),
        ended_at: row.ended_at.map(from_ms),
        outcome: row
            .outcome
            .and_then(|o| serde_json::from_value::<CallOutcome>(serde_json::Value::String(o)).ok()),
        notes: Vec::new(),
        recording_seconds: row.recording_seconds.and_then(|s| u32::try_from(s).ok()),
    }
}

fn notes(row: NotesRow) -> CallNotes {
    CallNotes {
        call_id: row.call_id,
        agent_id: row.agent_id,
        agent_name: row.agent_name,
        notes: row.notes,
        disposition: row
            .disposition_id
            .zip(row.disposition_label)
            .map(|(id, label)| Disposition { id, label }),
        revision: u64::try_from(row.revision).unwrap_or(0),
        updated_at: from_ms(row.updated_at),
    }
}
