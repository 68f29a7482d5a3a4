//! A contact edited by an agent: name, company, numbers and addresses. Numbers and
//! addresses are also how a customer is recognised when they write (identities), so an
//! edit changes both in one transaction, and never takes one from another contact.

use std::collections::HashSet;

use switchboard_protocol::{ErrorCode, Event, Id};

use super::conversations::thread;
use super::directory::add_phone;
use super::events::append;
use super::{NewContact, Store, now_ms};
use crate::{Error, Result};

impl Store {
    /// Replaces the contact's name, company, numbers (E.164) and addresses. A number or
    /// address another contact already has is refused (`IdentityTaken`: merge them
    /// instead); the website identities stay. Agents with the contact's conversation open
    /// are told (the thread's snapshot carries the name).
    pub async fn update_contact(
        &self,
        account_id: Id,
        id: Id,
        edit: &NewContact,
        retention: u32,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let live: Option<Option<i64>> =
            sqlx::query_scalar("SELECT merged_into FROM contacts WHERE id = ? AND account_id = ?")
                .bind(id)
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?;
        if !matches!(live, Some(None)) {
            return Err(Error::NotFound("contact"));
        }
        let phones: Vec<&str> = unique(edit.phones.iter().map(|(number, _)| number.as_str()));
        let emails: Vec<String> = unique(edit.emails.iter().map(|e| e.to_lowercase()));
        let wanted = phones
            .iter()
            .map(|number| ("phone", (*number).to_owned()))
            .chain(emails.iter().map(|email| ("email", email.clone())));
        for (kind, value) in wanted.clone() {
            let holder: Option<(i64, String)> = sqlx::query_as(
                "SELECT c.id, c.name FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
                 WHERE i.account_id = ? AND i.kind = ? AND i.value = ? AND i.contact_id != ?",
            )
            .bind(account_id)
            .bind(kind)
            .bind(&value)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((_, name)) = holder {
                return Err(Error::refused_as(
                    ErrorCode::IdentityTaken,
                    format!("{value} is {name}'s; merge the two contacts instead"),
                ));
            }
        }
        sqlx::query("UPDATE contacts SET name = ?, company = ? WHERE id = ?")
            .bind(&edit.name)
            .bind(&edit.company)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for statement in [
            "DELETE FROM contact_phones WHERE contact_id = ?",
            "DELETE FROM contact_emails WHERE contact_id = ?",
            "DELETE FROM contact_identities WHERE contact_id = ? AND kind IN ('phone', 'email')",
        ] {
            sqlx::query(statement).bind(id).execute(&mut *tx).await?;
        }
        let mut labelled = HashSet::new();
        for (number, label) in &edit.phones {
            if labelled.insert(number) {
                add_phone(&mut tx, account_id, id, number, label).await?;
            }
        }
        let mut kept = HashSet::new();
        for email in &edit.emails {
            if kept.insert(email.to_lowercase()) {
                sqlx::query("INSERT INTO contact_emails (contact_id, email) VALUES (?, ?)")
                    .bind(id)
                    .bind(email)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let now = now_ms();
        for (kind, value) in wanted {
            sqlx::query(
                "INSERT INTO contact_identities (account_id, contact_id, kind, value, created_at)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(account_id)
            .bind(id)
            .bind(kind)
            .bind(value)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let thread_id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM threads WHERE contact_id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(thread_id) = thread_id {
            // Not `publish`: a new name is no activity, the inbox keeps its order.
            sqlx::query("UPDATE threads SET version = version + 1 WHERE id = ?")
                .bind(thread_id)
                .execute(&mut *tx)
                .await?;
            let snapshot = thread(&mut tx, account_id, thread_id).await?;
            let event = Event::ThreadUpdated {
                thread: Box::new(snapshot),
            };
            append(&mut tx, account_id, None, &event, retention).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// `values` without repeats, in their order.
fn unique<T: Eq + std::hash::Hash + Clone>(values: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    values.filter(|value| seen.insert(value.clone())).collect()
}
