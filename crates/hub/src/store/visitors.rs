//! The people who chat through a website's widget, and what they may see of their thread.

use switchboard_protocol::{Event, Id, Message, MessageStatus};

use super::attachments::ATTACHMENTS_COLUMN;
use super::conversations::{MESSAGE_COLUMNS, MessageRow, message, status_name};
use super::events::append;
use super::{Store, now_ms};
use crate::{Error, Result};

/// A visitor, as their token finds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorRow {
    pub id: Id,
    pub account_id: Id,
    pub widget_id: Id,
    pub contact_id: Id,
    /// The website's user id, when the website vouched for them.
    pub user_id: Option<String>,
    pub name: String,
    /// The visitor read the agents' messages up to this message id.
    pub read_upto: Id,
    pub blocked: bool,
}

type Row = (i64, i64, i64, i64, Option<String>, String, i64, Option<i64>);

fn visitor(
    (id, account_id, widget_id, contact_id, user_id, name, read_upto, blocked): Row,
) -> VisitorRow {
    VisitorRow {
        id,
        account_id,
        widget_id,
        contact_id,
        user_id,
        name,
        read_upto,
        blocked: blocked.is_some(),
    }
}

const COLUMNS: &str = "id, account_id, widget_id, contact_id, user_id, name, read_upto, blocked_at";

/// A visitor to store.
#[derive(Debug, Clone)]
pub struct NewVisitor<'a> {
    pub account_id: Id,
    pub widget_id: Id,
    pub token_hash: &'a [u8],
    pub contact_id: Id,
    pub user_id: Option<&'a str>,
    pub name: &'a str,
    pub email: &'a str,
}

impl Store {
    pub async fn create_visitor(&self, new: NewVisitor<'_>) -> Result<VisitorRow> {
        let now = now_ms();
        let row: Row = sqlx::query_as(&format!(
            "INSERT INTO widget_visitors (account_id, widget_id, token_hash, contact_id, user_id,
                 name, email, created_at, last_seen_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        ))
        .bind(new.account_id)
        .bind(new.widget_id)
        .bind(new.token_hash)
        .bind(new.contact_id)
        .bind(new.user_id)
        .bind(new.name)
        .bind(new.email)
        .bind(now)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(visitor(row))
    }

    /// The visitor holding this token, for the widget `widget_id` (a token never opens
    /// another widget's chats).
    pub async fn visitor_by_token(&self, token_hash: &[u8]) -> Result<Option<VisitorRow>> {
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM widget_visitors WHERE token_hash = ?"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(visitor))
    }

    /// The chat messages of the thread after message `after` that its visitor may see (no
    /// notes, no other channel's), oldest first, at most `limit`.
    pub async fn chat_messages_after(
        &self,
        account_id: Id,
        thread_id: Id,
        after: Id,
        limit: u32,
    ) -> Result<Vec<Message>> {
        sqlx::query_as::<_, MessageRow>(&format!(
            "SELECT {MESSAGE_COLUMNS}{ATTACHMENTS_COLUMN} FROM messages
             WHERE thread_id = ? AND account_id = ? AND channel = 'chat' AND id > ?
             ORDER BY id LIMIT ?"
        ))
        .bind(thread_id)
        .bind(account_id)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(MessageRow::into_message)
        .collect()
    }

    /// The last `limit` chat messages of the thread its visitor may see, oldest first.
    pub async fn chat_messages_last(
        &self,
        account_id: Id,
        thread_id: Id,
        limit: u32,
    ) -> Result<Vec<Message>> {
        let mut messages = sqlx::query_as::<_, MessageRow>(&format!(
            "SELECT {MESSAGE_COLUMNS}{ATTACHMENTS_COLUMN} FROM messages
             WHERE thread_id = ? AND account_id = ? AND channel = 'chat'
             ORDER BY id DESC LIMIT ?"
        ))
        .bind(thread_id)
        .bind(account_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(MessageRow::into_message)
        .collect::<Result<Vec<_>>>()?;
        messages.reverse();
        Ok(messages)
    }

    /// The visitor's browser got (`Delivered`) or showed (`Read`) the agents' chat messages
    /// of the thread up to `upto`: their statuses move forward, each change an event.
    /// Answers the messages that changed.
    pub async fn visitor_saw(
        &self,
        visitor: &VisitorRow,
        thread_id: Id,
        upto: Id,
        status: MessageStatus,
        retention: u32,
    ) -> Result<Vec<Message>> {
        let account_id = visitor.account_id;
        let mut tx = self.write().await?;
        if status == MessageStatus::Read {
            sqlx::query("UPDATE widget_visitors SET read_upto = MAX(read_upto, ?) WHERE id = ?")
                .bind(upto)
                .bind(visitor.id)
                .execute(&mut *tx)
                .await?;
        }
        let behind: Vec<String> = [
            MessageStatus::Accepted,
            MessageStatus::Sent,
            MessageStatus::Delivered,
        ]
        .into_iter()
        .filter(|before| before.may_become(status) && *before != status)
        .map(|before| format!("'{}'", status_name(before)))
        .collect();
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM messages
             WHERE thread_id = ? AND account_id = ? AND channel = 'chat' AND author_kind = 'agent'
                 AND id <= ? AND status IN ({})",
            behind.join(", ")
        ))
        .bind(thread_id)
        .bind(account_id)
        .bind(upto)
        .fetch_all(&mut *tx)
        .await?;
        let mut changed = Vec::with_capacity(ids.len());
        for id in ids {
            sqlx::query("UPDATE messages SET status = ?, updated_at = ? WHERE id = ?")
                .bind(status_name(status))
                .bind(now_ms())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let updated = message(&mut tx, account_id, id).await?;
            let event = Event::MessageUpdated {
                message: Box::new(updated.clone()),
            };
            append(&mut tx, account_id, None, &event, retention).await?;
            changed.push(updated);
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Adds an address to what the contact's card shows (not an identity: nothing finds the
    /// contact by it).
    pub async fn add_contact_email(
        &self,
        account_id: Id,
        contact_id: Id,
        email: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO contact_emails (contact_id, email)
             SELECT id, ? FROM contacts WHERE id = ? AND account_id = ?
                 AND NOT EXISTS (SELECT 1 FROM contact_emails WHERE contact_id = ? AND email = ?)",
        )
        .bind(email)
        .bind(contact_id)
        .bind(account_id)
        .bind(contact_id)
        .bind(email)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Blocks every visitor who chats as the thread's contact; answers how many.
    pub async fn block_visitors(&self, account_id: Id, thread_id: Id, by: Id) -> Result<u64> {
        let contact: i64 =
            sqlx::query_scalar("SELECT contact_id FROM threads WHERE id = ? AND account_id = ?")
                .bind(thread_id)
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(Error::NotFound("conversation"))?;
        Ok(sqlx::query(
            "UPDATE widget_visitors SET blocked_at = ?, blocked_by = ?
             WHERE account_id = ? AND blocked_at IS NULL AND (contact_id = ? OR contact_id IN
                 (SELECT id FROM contacts WHERE merged_into = ?))",
        )
        .bind(now_ms())
        .bind(by)
        .bind(account_id)
        .bind(contact)
        .bind(contact)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// The visitor's rating of the thread's last ended episode (a second rating replaces
    /// the first). Answers whether there was an ended episode to rate.
    pub async fn rate_episode(
        &self,
        account_id: Id,
        thread_id: Id,
        stars: u8,
        comment: &str,
    ) -> Result<bool> {
        let rated = sqlx::query(
            "UPDATE episodes SET rating = ?, rating_comment = ?
             WHERE id = (SELECT id FROM episodes WHERE thread_id = ? AND account_id = ?
                             AND state = 'resolved' ORDER BY id DESC LIMIT 1)",
        )
        .bind(i64::from(stars))
        .bind(comment)
        .bind(thread_id)
        .bind(account_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(rated > 0)
    }

    /// Whether anyone can answer a chat waiting in `group` (any agent of the account with
    /// no group) now: an agent of it is signed in and not offline.
    pub async fn group_attended(&self, account_id: Id, group: Option<Id>) -> Result<bool> {
        let attended: Option<i64> = sqlx::query_scalar(
            "SELECT a.id FROM agents a
             JOIN statuses s ON s.account_id = a.account_id AND s.key = a.status_key
             WHERE a.account_id = ? AND s.kind <> 'offline'
                 AND (? IS NULL OR a.id IN
                     (SELECT agent_id FROM ring_group_members WHERE ring_group_id = ?))
                 AND EXISTS (SELECT 1 FROM sessions x WHERE x.agent_id = a.id
                     AND x.revoked_at IS NULL AND x.expires_at > ?)
             LIMIT 1",
        )
        .bind(account_id)
        .bind(group)
        .bind(group)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        Ok(attended.is_some())
    }
}
