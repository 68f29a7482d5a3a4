//! What agents read of conversations: their inbox, a thread a page at a time in either
//! direction, and search across messages and notes.

use switchboard_protocol::{Id, MessagePage, SearchHit, Thread};

use super::Store;
use super::attachments::ATTACHMENTS_COLUMN;
use super::conversations::{MESSAGE_COLUMNS, MessageRow, thread};
use crate::Result;

/// Which page of a thread's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Newest,
    Before(Id),
    After(Id),
}

impl Store {
    /// The agent's inbox: threads with an episode open that is theirs, or waits in the queue
    /// of a group they belong to (or of no group), newest activity first.
    pub async fn inbox(&self, account_id: Id, agent_id: Id) -> Result<Vec<Thread>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT t.id FROM threads t JOIN episodes e ON e.thread_id = t.id AND e.state = 'open'
             WHERE t.account_id = ? AND (
                 e.assignee_id = ?
                 OR (e.assignee_id IS NULL AND (e.group_id IS NULL OR e.group_id IN
                     (SELECT ring_group_id FROM ring_group_members WHERE agent_id = ?))))
             ORDER BY t.last_activity_at DESC, t.id DESC LIMIT 500",
        )
        .bind(account_id)
        .bind(agent_id)
        .bind(agent_id)
        .fetch_all(&self.pool)
        .await?;
        let mut conn = self.pool.acquire().await?;
        let mut threads = Vec::with_capacity(ids.len());
        for id in ids {
            threads.push(thread(&mut conn, account_id, id).await?);
        }
        Ok(threads)
    }

    /// Up to `limit` messages of the thread, oldest first: the newest ones, or those just
    /// before message `before`, or those just after message `after` (an agent who scrolled
    /// back comes forward again). `more` says whether others remain beyond the page: older
    /// ones, or newer ones when asked with `after`.
    pub async fn messages(
        &self,
        account_id: Id,
        thread_id: Id,
        page: Page,
        limit: u32,
    ) -> Result<MessagePage> {
        let mut conn = self.pool.acquire().await?;
        // The thread must be the account's: this also answers "not found" for another's.
        thread(&mut conn, account_id, thread_id).await?;
        let (condition, from) = match page {
            Page::Newest => ("id < ? ORDER BY id DESC", i64::MAX),
            Page::Before(id) => ("id < ? ORDER BY id DESC", id),
            Page::After(id) => ("id > ? ORDER BY id ASC", id),
        };
        let rows = sqlx::query_as::<_, MessageRow>(&format!(
            "SELECT {MESSAGE_COLUMNS}{ATTACHMENTS_COLUMN} FROM messages WHERE thread_id = ? AND {condition} LIMIT ?"
        ))
        .bind(thread_id)
        .bind(from)
        .bind(i64::from(limit) + 1)
        .fetch_all(&mut *conn)
        .await?;
        let more = rows.len() > limit as usize;
        let mut messages = rows
            .into_iter()
            .take(limit as usize)
            .map(MessageRow::into_message)
            .collect::<Result<Vec<_>>>()?;
        if !matches!(page, Page::After(_)) {
            messages.reverse();
        }
        Ok(MessagePage { messages, more })
    }

    /// Messages and notes of the account whose text has every word of `text` (as a word or
    /// the start of one; case and accents aside), best matches first.
    pub async fn search_messages(&self, account_id: Id, text: &str) -> Result<Vec<SearchHit>> {
        // Each word quoted (FTS5 operators in what people type are just text), as a prefix.
        let query = text
            .split_whitespace()
            .map(|word| format!("\"{}\"*", word.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ");
        let rows = sqlx::query_as::<_, MessageRow>(&format!(
            "SELECT {} FROM messages_fts f JOIN messages m ON m.id = f.rowid
             WHERE messages_fts MATCH ? AND m.account_id = ?
             ORDER BY bm25(messages_fts), m.id DESC LIMIT 50",
            MESSAGE_COLUMNS
                .split(", ")
                .map(|column| format!("m.{column}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .bind(query)
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        let mut conn = self.pool.acquire().await?;
        let mut hits = Vec::with_capacity(rows.len());
        for row in rows {
            let message = row.into_message()?;
            let (contact_id, contact_name): (i64, String) = sqlx::query_as(
                "SELECT c.id, c.name FROM threads t JOIN contacts c ON c.id = t.contact_id
                 WHERE t.id = ?",
            )
            .bind(message.thread_id)
            .fetch_one(&mut *conn)
            .await?;
            hits.push(SearchHit {
                contact_id,
                contact_name,
                message,
            });
        }
        Ok(hits)
    }
}
