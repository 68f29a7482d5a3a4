//! Call recordings: accounts that record calls have every call with the phone network
//! recorded from the moment it connects — both sides mixed, Opus in Ogg, in the data folder
//! (the call's task starts, pauses and finishes it). Here: the recordings once made — played
//! from history, deleted on request or when their account keeps them no longer.

use std::path::Path as FsPath;

use switchboard_protocol::Id;

use crate::store::{Store, now_ms};
use crate::{Error, Result};

/// Deletes the finished recording of `call` in `account`: the file, then its record (a file
/// already gone is no error; the record still goes).
pub async fn delete(store: &Store, data_dir: &FsPath, account: Id, call: Id) -> Result<()> {
    let path = store
        .recording_path(account, call)
        .await?
        .ok_or(Error::NotFound("recording"))?;
    match tokio::fs::remove_file(data_dir.join(&path)).await {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(call, %path, "a recording's file was already gone");
        }
        Err(error) => return Err(Error::Internal(format!("deleting {path}: {error}"))),
    }
    store.forget_recording(call).await
}

/// Deletes the recordings their accounts keep no longer (`recording_retention_days`);
/// answers how many went.
pub async fn expire(store: &Store, data_dir: &FsPath) -> Result<usize> {
    let due = store.expired_recordings(now_ms()).await?;
    let mut deleted = 0;
    for (call, account) in due {
        match delete(store, data_dir, account, call).await {
            Ok(()) => deleted += 1,
            // Kept for the next round.
            Err(error) => tracing::warn!(%error, call, "an expired recording was not deleted"),
        }
    }
    Ok(deleted)
}
