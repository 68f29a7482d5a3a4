//! Files sent with messages: uploaded to a thread, sniffed, then named by the message that
//! sends them (in the message's transaction, [`link`]).

use sqlx::SqliteConnection;
use switchboard_protocol::{Attachment, ErrorCode, Id};

use super::conversations::account_thread;
use super::{Store, now_ms};
use crate::{Error, Result};

/// How long an uploaded file waits for the message that sends it.
const UNSENT_FOR_MS: i64 = 24 * 3600 * 1000;

/// Who uploaded a file: only they may send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploader {
    /// The thread's customer (a chat visitor).
    Contact,
    Agent(Id),
}

impl Uploader {
    fn key(self) -> String {
        match self {
            Uploader::Contact => "contact".to_owned(),
            Uploader::Agent(id) => format!("agent:{id}"),
        }
    }
}

/// A file as stored: what it is, and where it belongs.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub attachment: Attachment,
    pub thread_id: Id,
    /// `None` until a message sends it.
    pub message_id: Option<Id>,
    /// Whether the thread's customer may have it: theirs, or sent to them (not with a note).
    pub customers: bool,
    pub bytes: Vec<u8>,
}

/// What the bytes are, whatever the sender said: a type known by its signature, plain
/// text, or `application/octet-stream`.
pub fn sniff(bytes: &[u8]) -> String {
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type().to_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => "text/plain".to_owned(),
        Err(_) => "application/octet-stream".to_owned(),
    }
}

/// A file's name without folders or control characters, at most 200 characters.
pub fn file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    match clean.trim() {
        "" | "." | ".." => "file".to_owned(),
        trimmed => trimmed.to_owned(),
    }
}

impl Store {
    /// Keeps a file uploaded to `thread` (of the account) until a message sends it.
    pub async fn upload(
        &self,
        account_id: Id,
        thread_id: Id,
        uploader: Uploader,
        name: &str,
        bytes: &[u8],
    ) -> Result<Attachment> {
        if bytes.is_empty() {
            return Err(Error::refused(ErrorCode::InvalidAttachment));
        }
        let name = file_name(name);
        let content_type = sniff(bytes);
        let now = now_ms();
        let mut tx = self.write().await?;
        account_thread(&mut tx, account_id, thread_id).await?;
        // Files never sent go after a day (a closed tab, a cancelled message).
        sqlx::query("DELETE FROM attachments WHERE message_id IS NULL AND created_at < ?")
            .bind(now - UNSENT_FOR_MS)
            .execute(&mut *tx)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO attachments (account_id, thread_id, uploader, name, content_type, size,
                 data, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(account_id)
        .bind(thread_id)
        .bind(uploader.key())
        .bind(&name)
        .bind(&content_type)
        .bind(bytes.len() as i64)
        .bind(bytes)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Attachment {
            id,
            name,
            content_type,
            size: bytes.len() as u64,
        })
    }

    /// A file of the account, with its bytes.
    pub async fn attachment(&self, account_id: Id, id: Id) -> Result<StoredFile> {
        type Row = (i64, Option<i64>, bool, String, String, i64, Vec<u8>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT thread_id, message_id,
                 uploader = 'contact' OR EXISTS (SELECT 1 FROM messages m
                     WHERE m.id = a.message_id AND m.channel != 'note'),
                 name, content_type, size, data
             FROM attachments a WHERE id = ? AND account_id = ?",
        )
        .bind(id)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        let (thread_id, message_id, customers, name, content_type, size, bytes) =
            row.ok_or(Error::NotFound("attachment"))?;
        Ok(StoredFile {
            attachment: Attachment {
                id,
                name,
                content_type,
                size: u64::try_from(size).unwrap_or_default(),
            },
            thread_id,
            message_id,
            customers,
            bytes,
        })
    }
}

/// Message `message` of `thread` sends files `ids`: each must have been uploaded to that
/// thread by `uploader` and not sent yet, else nothing is (the caller's transaction rolls
/// back).
pub(super) async fn link(
    conn: &mut SqliteConnection,
    thread_id: Id,
    message_id: Id,
    uploader: Uploader,
    ids: &[Id],
) -> Result<()> {
    for id in ids {
        let linked = sqlx::query(
            "UPDATE attachments SET message_id = ?
             WHERE id = ? AND thread_id = ? AND uploader = ? AND message_id IS NULL",
        )
        .bind(message_id)
        .bind(id)
        .bind(thread_id)
        .bind(uploader.key())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if linked != 1 {
            return Err(Error::refused_as(
                ErrorCode::InvalidAttachment,
                format!("attachment {id} is not one this sender uploaded here, or was sent"),
            ));
        }
    }
    Ok(())
}

/// The attachments column of a message read from `messages` (a JSON array).
pub(super) const ATTACHMENTS_COLUMN: &str = ", (SELECT json_group_array(json_object(
        'id', a.id, 'name', a.name, 'content_type', a.content_type, 'size', a.size))
     FROM (SELECT id, name, content_type, size FROM attachments
           WHERE message_id = messages.id ORDER BY id) a) AS attachments";

/// Reads [`ATTACHMENTS_COLUMN`].
pub(super) fn attachments_of(json: Option<&str>) -> Vec<Attachment> {
    json.and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_what_its_bytes_say_and_its_name_keeps_no_folder() {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(sniff(PNG), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff("<svg onload=alert(1)>".as_bytes()), "text/plain");
        assert_eq!(sniff(b"<html><script>x</script>"), "text/html");
        assert_eq!(sniff(&[0xff, 0x00, 0xfe, 0x01]), "application/octet-stream");
        assert_eq!(file_name("C:\\Users\\ana\\receipt.pdf"), "receipt.pdf");
        assert_eq!(file_name("../../etc/passwd"), "passwd");
        assert_eq!(file_name("a\u{0}b\n.png"), "ab.png");
        assert_eq!(file_name(".."), "file");
        assert_eq!(file_name(""), "file");
    }
}
