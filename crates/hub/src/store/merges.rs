//! Two contacts found to be one person become one: one contact, one thread, one piece of
//! work.

use sqlx::SqliteConnection;
use switchboard_protocol::{ErrorCode, Event, Id};

use super::Store;
use super::conversations::{publish, thread_of};
use crate::{Error, Result};

impl Store {
    /// Contact `from` is the same person as `into`: its identities, numbers and addresses
    /// become `into`'s, its thread's messages and episodes join `into`'s thread (two open
    /// episodes become one, kept by `into`'s assignee when it has one), and `from` is
    /// marked merged. Answers the surviving thread's id.
    pub async fn merge_contacts(
        &self,
        account_id: Id,
        into: Id,
        from: Id,
        retention: u32,
    ) -> Result<Id> {
        if into == from {
            return Err(Error::refused(ErrorCode::SameContact));
        }
        let mut tx = self.write().await?;
        for contact in [into, from] {
            let live: Option<Option<i64>> = sqlx::query_scalar(
                "SELECT merged_into FROM contacts WHERE id = ? AND account_id = ?",
            )
            .bind(contact)
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
            if !matches!(live, Some(None)) {
                return Err(Error::NotFound("contact"));
            }
        }
        for statement in [
            "UPDATE contact_identities SET contact_id = ? WHERE contact_id = ?",
            "INSERT INTO contact_phones (contact_id, account_id, number, label)
                 SELECT ?1, account_id, number, label FROM contact_phones p WHERE contact_id = ?2
                 AND NOT EXISTS (SELECT 1 FROM contact_phones q
                                 WHERE q.contact_id = ?1 AND q.number = p.number)",
            "INSERT INTO contact_emails (contact_id, email)
                 SELECT ?1, email FROM contact_emails e WHERE contact_id = ?2
                 AND NOT EXISTS (SELECT 1 FROM contact_emails f
                                 WHERE f.contact_id = ?1 AND lower(f.email) = lower(e.email))",
            "UPDATE contacts SET merged_into = ? WHERE id = ?",
            "UPDATE contacts SET merged_into = ?1 WHERE merged_into = ?2",
        ] {
            sqlx::query(statement)
                .bind(into)
                .bind(from)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM contact_phones WHERE contact_id = ?")
            .bind(from)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM contact_emails WHERE contact_id = ?")
            .bind(from)
            .execute(&mut *tx)
            .await?;
        let survivor = thread_of(&mut tx, account_id, into).await?;
        let merged: Option<i64> = sqlx::query_scalar("SELECT id FROM threads WHERE contact_id = ?")
            .bind(from)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(merged) = merged {
            join_threads(&mut tx, survivor, merged).await?;
        }
        publish(
            &mut tx,
            account_id,
            survivor,
            vec![Event::ContactMerged {
                from,
                into,
                thread: survivor,
            }],
            retention,
        )
        .await?;
        tx.commit().await?;
        Ok(survivor)
    }
}

/// Moves thread `merged`'s episodes and messages into `survivor` and deletes it.
async fn join_threads(conn: &mut SqliteConnection, survivor: Id, merged: Id) -> Result<()> {
    let open = |thread: Id| {
        sqlx::query_as::<_, (i64, Option<i64>)>(
            "SELECT id, assignee_id FROM episodes WHERE thread_id = ? AND state = 'open'",
        )
        .bind(thread)
    };
    let kept = open(survivor).fetch_optional(&mut *conn).await?;
    let joining = open(merged).fetch_optional(&mut *conn).await?;
    if let (Some((kept, assignee)), Some((joining, their_assignee))) = (kept, joining) {
        // One piece of work: the survivor's, with its assignee (else the other's).
        sqlx::query(
            "UPDATE episodes SET assignee_id = ?,
                 first_response_at = COALESCE(first_response_at,
                     (SELECT first_response_at FROM episodes WHERE id = ?)),
                 opened_at = MIN(opened_at, (SELECT opened_at FROM episodes WHERE id = ?))
             WHERE id = ?",
        )
        .bind(assignee.or(their_assignee))
        .bind(joining)
        .bind(joining)
        .bind(kept)
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE messages SET episode_id = ? WHERE episode_id = ?")
            .bind(kept)
            .bind(joining)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM episodes WHERE id = ?")
            .bind(joining)
            .execute(&mut *conn)
            .await?;
    }
    for statement in [
        "UPDATE episodes SET thread_id = ? WHERE thread_id = ?",
        "UPDATE messages SET thread_id = ? WHERE thread_id = ?",
        "UPDATE attachments SET thread_id = ? WHERE thread_id = ?",
        "UPDATE threads SET read_upto = MAX(read_upto,
             (SELECT read_upto FROM threads WHERE id = ?2)) WHERE id = ?1",
    ] {
        sqlx::query(statement)
            .bind(survivor)
            .bind(merged)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM threads WHERE id = ?")
        .bind(merged)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
