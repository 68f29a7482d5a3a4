//! Accounts, their settings and their status definitions.

use switchboard_protocol::{Account, AccountSettings, Id, StatusDef, StatusKey, StatusKind};

use super::{Store, now_ms};
use crate::{Error, Result};

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub name: String,
    pub default_country: String,
}

/// The statuses every account has, in the order the status widget lists them.
const BUILT_IN: [(&str, &str, bool, bool); 5] = [
    // key, colour, callable, selectable by hand
    (StatusKey::AVAILABLE, "#2e9d4f", true, true),
    (StatusKey::AWAY, "#e0a800", true, true),
    (StatusKey::ON_CALL, "#d64545", false, false),
    (StatusKey::AFTER_CALL_WORK, "#7c5cd6", false, false),
    (StatusKey::OFFLINE, "#8a8f98", false, false),
];

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    name: String,
    default_country: String,
    auto_on_call: bool,
    after_call_work: bool,
    after_call_work_timeout_secs: i64,
    identity: bool,
    record_calls: bool,
    recording_pause: bool,
    recording_retention_days: i64,
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Self {
        Account {
            id: row.id,
            name: row.name,
            settings: AccountSettings {
                auto_on_call: row.auto_on_call,
                after_call_work: row.after_call_work,
                after_call_work_timeout_secs: u32::try_from(row.after_call_work_timeout_secs)
                    .unwrap_or(0),
                default_country: row.default_country,
                identity: row.identity,
                record_calls: row.record_calls,
                recording_pause: row.recording_pause,
                recording_retention_days: u32::try_from(row.recording_retention_days).unwrap_or(0),
            },
        }
    }
}

#[derive(sqlx::FromRow)]
struct StatusRow {
    key: String,
    kind: String,
    label: String,
    color: String,
    callable: bool,
    selectable: bool,
}

impl From<StatusRow> for StatusDef {
    fn from(row: StatusRow) -> Self {
        let key = StatusKey::new(row.key);
        StatusDef {
            kind: if row.kind == "custom" {
                StatusKind::Custom
            } else {
                key.kind()
            },
            key,
            label: row.label,
            color: row.color,
            callable: row.callable,
            selectable: row.selectable,
        }
    }
}

impl Store {
    pub async fn create_account(&self, new: &NewAccount) -> Result<Id> {
        let country = new.default_country.trim().to_ascii_uppercase();
        if country.parse::<phonenumber::country::Id>().is_err() {
            return Err(Error::BadRequest(format!(
                "{country:?} is not an ISO 3166 country code"
            )));
        }
        if new.name.trim().is_empty() {
            return Err(Error::BadRequest("an account needs a name".into()));
        }
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (name, default_country, created_at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(new.name.trim())
        .bind(&country)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        for (position, (key, color, callable, selectable)) in BUILT_IN.iter().enumerate() {
            sqlx::query(
                "INSERT INTO statuses (account_id, key, kind, color, callable, selectable, position)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(key)
            .bind(key)
            .bind(color)
            .bind(callable)
            .bind(selectable)
            .bind(position as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn account(&self, id: Id) -> Result<Account> {
        sqlx::query_as::<_, AccountRow>("SELECT * FROM accounts WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(Account::from)
            .ok_or(Error::NotFound("account"))
    }

    pub async fn accounts(&self) -> Result<Vec<Account>> {
        Ok(
            sqlx::query_as::<_, AccountRow>("SELECT * FROM accounts ORDER BY id")
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(Account::from)
                .collect(),
        )
    }

    pub async fn account_by_name(&self, name: &str) -> Result<Account> {
        sqlx::query_as::<_, AccountRow>("SELECT * FROM accounts WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .map(Account::from)
            .ok_or(Error::NotFound("account"))
    }

    pub async fn set_account_settings(&self, id: Id, settings: &AccountSettings) -> Result<()> {
        let done = sqlx::query(
            "UPDATE accounts SET auto_on_call = ?, after_call_work = ?,
                 after_call_work_timeout_secs = ?, default_country = ?, identity = ?,
                 record_calls = ?, recording_pause = ?, recording_retention_days = ?
             WHERE id = ?",
        )
        .bind(settings.auto_on_call)
        .bind(settings.after_call_work)
        .bind(i64::from(settings.after_call_work_timeout_secs))
        .bind(&settings.default_country)
        .bind(settings.identity)
        .bind(settings.record_calls)
        .bind(settings.recording_pause)
        .bind(i64::from(settings.recording_retention_days))
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("account"));
        }
        Ok(())
    }

    pub async fn statuses(&self, account_id: Id) -> Result<Vec<StatusDef>> {
        Ok(sqlx::query_as::<_, StatusRow>(
            "SELECT key, kind, label, color, callable, selectable FROM statuses
             WHERE account_id = ? ORDER BY position, id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(StatusDef::from)
        .collect())
    }

    pub async fn status(&self, account_id: Id, key: &StatusKey) -> Result<Option<StatusDef>> {
        Ok(sqlx::query_as::<_, StatusRow>(
            "SELECT key, kind, label, color, callable, selectable FROM statuses
             WHERE account_id = ? AND key = ?",
        )
        .bind(account_id)
        .bind(key.as_str())
        .fetch_optional(&self.pool)
        .await?
        .map(StatusDef::from))
    }

    /// Adds an account-defined status that agents can pick by hand.
    pub async fn create_custom_status(
        &self,
        account_id: Id,
        label: &str,
        color: &str,
        callable: bool,
    ) -> Result<StatusKey> {
        let label = label.trim();
        if label.is_empty() {
            return Err(Error::BadRequest("a status needs a name".into()));
        }
        let valid_color = color.len() == 7
            && color.starts_with('#')
            && color[1..].chars().all(|c| c.is_ascii_hexdigit());
        if !valid_color {
            return Err(Error::BadRequest(format!(
                "{color:?} is not a colour of the form #rrggbb"
            )));
        }
        let slug: String = label
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect();
        let key = StatusKey::new(format!("custom-{slug}"));
        let position: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM statuses WHERE account_id = ?",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?;
        sqlx::query(
            "INSERT INTO statuses (account_id, key, kind, label, color, callable, selectable, position)
             VALUES (?, ?, 'custom', ?, ?, ?, 1, ?)",
        )
        .bind(account_id)
        .bind(key.as_str())
        .bind(label)
        .bind(color)
        .bind(callable)
        .bind(position)
        .execute(&self.pool)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Error::Conflict(format!("the account already has a status named {label:?}"))
            }
            _ => Error::from(error),
        })?;
        Ok(key)
    }
}
