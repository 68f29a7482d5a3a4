//! Agents: who they are, how they sign in, and the status they are in.

use sqlx::SqliteConnection;
use switchboard_protocol::{AgentSummary, Event, Id, Me, Presence, Role, StatusKey};

use super::{Store, from_ms, now_ms};
use crate::{Error, Result};

#[derive(Debug, Clone)]
pub struct NewAgent {
    pub account_id: Id,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub can_choose_caller_id: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgentRow {
    pub id: i64,
    pub account_id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub can_choose_caller_id: bool,
    pub status_key: String,
    pub status_since: i64,
    /// The status to return to when a call and its after-call work are over.
    pub status_resume: Option<String>,
}

const COLUMNS: &str = "id, account_id, email, name, role, can_choose_caller_id, status_key, \
                       status_since, status_resume";

impl AgentRow {
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Agent)
    }

    pub fn status(&self) -> StatusKey {
        StatusKey::new(self.status_key.clone())
    }

    pub fn presence(&self) -> Presence {
        Presence {
            status: self.status(),
            since: from_ms(self.status_since),
        }
    }

    pub fn summary(&self) -> AgentSummary {
        AgentSummary {
            id: self.id,
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role(),
            presence: self.presence(),
        }
    }

    pub fn me(&self) -> Me {
        Me {
            id: self.id,
            account_id: self.account_id,
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role(),
            presence: self.presence(),
            can_choose_caller_id: self.can_choose_caller_id,
        }
    }
}

/// Emails are compared without case and surrounding space.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn validate_email(email: &str) -> Result<String> {
    let email = normalize_email(email);
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
                && email.len() <= 254
        }
        None => false,
    };
    if valid {
        Ok(email)
    } else {
        Err(Error::BadRequest(format!(
            "{email:?} is not an email address"
        )))
    }
}

impl Store {
    pub async fn create_agent(&self, new: &NewAgent) -> Result<Id> {
        let email = validate_email(&new.email)?;
        if new.name.trim().is_empty() {
            return Err(Error::BadRequest("an agent needs a name".into()));
        }
        let now = now_ms();
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO agents (account_id, email, name, role, password_hash,
                 can_choose_caller_id, status_key, status_since, created_at)
             VALUES (?, ?, ?, ?, ?, ?, 'offline', ?, ?) RETURNING id",
        )
        .bind(new.account_id)
        .bind(&email)
        .bind(new.name.trim())
        .bind(new.role.as_str())
        .bind(&new.password_hash)
        .bind(new.can_choose_caller_id)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Error::Conflict(format!("an agent with email {email} already exists"))
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                Error::NotFound("account")
            }
            _ => Error::from(error),
        })?;
        let agent = agent_in(&mut tx, new.account_id, id).await?;
        // The store does not know the hub's retention setting: the hub's next append
        // prunes the log to it.
        super::events::append(
            &mut tx,
            new.account_id,
            None,
            &Event::AgentAdded {
                agent: agent.summary(),
            },
            u32::MAX,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The agent with this email, with their password hash, in any account (for sign-in).
    pub async fn agent_for_sign_in(&self, email: &str) -> Result<Option<(AgentRow, String)>> {
        #[derive(sqlx::FromRow)]
        struct WithHash {
            #[sqlx(flatten)]
            agent: AgentRow,
            password_hash: String,
        }
        let found = sqlx::query_as::<_, WithHash>(&format!(
            "SELECT {COLUMNS}, password_hash FROM agents WHERE email = ?"
        ))
        .bind(normalize_email(email))
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.map(|row| (row.agent, row.password_hash)))
    }

    pub async fn agent(&self, account_id: Id, id: Id) -> Result<AgentRow> {
        agent_in(&mut *self.pool.acquire().await?, account_id, id).await
    }

    pub async fn agent_by_email(&self, email: &str) -> Result<AgentRow> {
        sqlx::query_as::<_, AgentRow>(&format!("SELECT {COLUMNS} FROM agents WHERE email = ?"))
            .bind(normalize_email(email))
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotFound("agent"))
    }

    /// Every agent of the account, ordered by name.
    pub async fn agents(&self, account_id: Id) -> Result<Vec<AgentRow>> {
        agents_in(&mut *self.pool.acquire().await?, account_id).await
    }

    pub async fn set_password_hash(&self, email: &str, hash: &str) -> Result<()> {
        let done = sqlx::query("UPDATE agents SET password_hash = ? WHERE email = ?")
            .bind(hash)
            .bind(normalize_email(email))
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("agent"));
        }
        Ok(())
    }

    pub async fn set_role(
        &self,
        email: &str,
        role: Role,
        can_choose_caller_id: bool,
    ) -> Result<()> {
        let done =
            sqlx::query("UPDATE agents SET role = ?, can_choose_caller_id = ? WHERE email = ?")
                .bind(role.as_str())
                .bind(can_choose_caller_id)
                .bind(normalize_email(email))
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("agent"));
        }
        Ok(())
    }
}

pub async fn agent_in(conn: &mut SqliteConnection, account_id: Id, id: Id) -> Result<AgentRow> {
    sqlx::query_as::<_, AgentRow>(&format!(
        "SELECT {COLUMNS} FROM agents WHERE id = ? AND account_id = ?"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(conn)
    .await?
    .ok_or(Error::NotFound("agent"))
}

pub async fn agents_in(conn: &mut SqliteConnection, account_id: Id) -> Result<Vec<AgentRow>> {
    Ok(sqlx::query_as::<_, AgentRow>(&format!(
        "SELECT {COLUMNS} FROM agents WHERE account_id = ? ORDER BY name COLLATE NOCASE, id"
    ))
    .bind(account_id)
    .fetch_all(conn)
    .await?)
}

/// A status to set, and the one to return to after the call (for a call's statuses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub status: StatusKey,
    pub resume: Option<StatusKey>,
}

impl Store {
    /// Changes an agent's status if `decide` (shown the agent as they are, under the write
    /// lock) says to; the change and its event are kept together. Answers the presence now.
    pub async fn update_status(
        &self,
        account_id: Id,
        agent_id: Id,
        retention: u32,
        decide: impl FnOnce(&AgentRow) -> Result<Option<StatusChange>>,
    ) -> Result<(Presence, bool)> {
        let mut tx = self.write().await?;
        let agent = agent_in(&mut tx, account_id, agent_id).await?;
        let Some(change) = decide(&agent)? else {
            return Ok((agent.presence(), false));
        };
        let since = now_ms();
        write_status(
            &mut tx,
            agent_id,
            &change.status,
            since,
            change.resume.as_ref(),
        )
        .await?;
        let presence = Presence {
            status: change.status,
            since: from_ms(since),
        };
        super::events::append(
            &mut tx,
            account_id,
            None,
            &Event::PresenceChanged {
                agent_id,
                presence: presence.clone(),
            },
            retention,
        )
        .await?;
        tx.commit().await?;
        Ok((presence, true))
    }

    /// Sets an agent's status as of `since` with no event (seeding a new account).
    pub async fn seed_status(&self, agent_id: Id, status: &StatusKey, since: i64) -> Result<()> {
        write_status(
            &mut *self.pool.acquire().await?,
            agent_id,
            status,
            since,
            None,
        )
        .await
    }

    /// Agents in after-call work: (agent, account, since when).
    pub async fn agents_in_wrap_up(&self) -> Result<Vec<(Id, Id, i64)>> {
        Ok(
            sqlx::query_as("SELECT id, account_id, status_since FROM agents WHERE status_key = ?")
                .bind(StatusKey::after_call_work().as_str())
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

/// Writes a new status; the caller appends the matching event in the same transaction.
async fn write_status(
    conn: &mut SqliteConnection,
    agent_id: Id,
    status: &StatusKey,
    since_ms: i64,
    resume: Option<&StatusKey>,
) -> Result<()> {
    sqlx::query(
        "UPDATE agents SET status_key = ?, status_since = ?, status_resume = ? WHERE id = ?",
    )
    .bind(status.as_str())
    .bind(since_ms)
    .bind(resume.map(StatusKey::as_str))
    .bind(agent_id)
    .execute(conn)
    .await?;
    Ok(())
}
