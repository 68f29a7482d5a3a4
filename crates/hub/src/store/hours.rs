//! Ring groups' business hours: when their chats are answered.

use switchboard_protocol::Id;

use super::Store;
use crate::flow::{HoursFile, Schedule};
use crate::{Error, Result};

impl Store {
    /// Sets (or, with `None`, clears: always open) the named group's business hours,
    /// checked first.
    pub async fn set_group_hours(
        &self,
        account_id: Id,
        group: &str,
        hours: Option<&HoursFile>,
    ) -> Result<()> {
        if let Some(hours) = hours {
            Schedule::read(hours)?;
        }
        let json = hours
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| Error::Internal(format!("hours: {e}")))?;
        let changed = sqlx::query(
            "UPDATE ring_groups SET business_hours = ? WHERE account_id = ? AND name = ?",
        )
        .bind(json)
        .bind(account_id)
        .bind(group)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(Error::NotFound("ring group"));
        }
        Ok(())
    }

    /// Whether the group (`None`: the account as a whole) is within its business hours now.
    pub async fn group_in_hours(&self, account_id: Id, group: Option<Id>) -> Result<bool> {
        let Some(group) = group else {
            return Ok(true);
        };
        let json: Option<Option<String>> = sqlx::query_scalar(
            "SELECT business_hours FROM ring_groups WHERE id = ? AND account_id = ?",
        )
        .bind(group)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(json) = json.flatten() else {
            return Ok(true);
        };
        let hours: HoursFile = serde_json::from_str(&json)
            .map_err(|e| Error::Internal(format!("stored hours: {e}")))?;
        Ok(Schedule::read(&hours)?.is_open(jiff::Timestamp::now()))
    }
}
