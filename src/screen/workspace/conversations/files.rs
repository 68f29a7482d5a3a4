//! Files sent in a conversation, saved on this computer: into the agent's Downloads folder,
//! under the name they were sent with (numbered when one is already there).

use std::path::{Path, PathBuf};

use iced::Task;
use switchboard_client::Hub;
use switchboard_protocol::{Attachment, Id};

/// The files being saved and the last one saved.
#[derive(Debug, Clone, Default)]
pub struct Files {
    /// Where files go; `None` until the app says (tests use a folder of their own).
    pub folder: Option<PathBuf>,
    pub saving: Vec<Id>,
    /// The last file saved: its name and where it went; or why it could not be.
    pub outcome: Option<Result<(String, PathBuf), String>>,
}

impl Files {
    /// Fetches the file and writes it into the folder; answers where it went.
    pub fn save(
        &mut self,
        file: Attachment,
        hub: &Hub,
        token: &str,
    ) -> Task<(Attachment, Result<PathBuf, String>)> {
        if self.saving.contains(&file.id) {
            return Task::none();
        }
        let Some(folder) = self.folder.clone() else {
            return Task::none();
        };
        self.saving.push(file.id);
        let (hub, token) = (hub.clone(), token.to_owned());
        Task::perform(
            async move {
                let saved = async {
                    let bytes = hub
                        .attachment(&token, file.id)
                        .await
                        .map_err(|e| crate::screen::describe(&e))?;
                    write_new(&folder, &file.name, bytes)
                        .await
                        .map_err(|e| e.to_string())
                }
                .await;
                (file, saved)
            },
            |answer| answer,
        )
    }

    pub fn saved(&mut self, file: &Attachment, result: Result<PathBuf, String>) {
        self.saving.retain(|id| *id != file.id);
        self.outcome = Some(result.map(|path| (file.name.clone(), path)));
    }
}

/// Writes `bytes` as `name` in `folder` without replacing a file already there: `name`,
/// else `name (1)`, `name (2)`… before the extension.
async fn write_new(folder: &Path, name: &str, bytes: Vec<u8>) -> std::io::Result<PathBuf> {
    tokio::fs::create_dir_all(folder).await?;
    // The hub keeps names without folders; this makes sure of it.
    let name = Path::new(name)
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .unwrap_or("file");
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, format!(".{extension}")),
        _ => (name, String::new()),
    };
    for n in 0..1000 {
        let candidate = if n == 0 {
            folder.join(name)
        } else {
            folder.join(format!("{stem} ({n}){extension}"))
        };
        let created = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
            .await;
        match created {
            Ok(mut out) => {
                use tokio::io::AsyncWriteExt;
                out.write_all(&bytes).await?;
                out.flush().await?;
                return Ok(candidate);
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
    }
    Err(std::io::Error::other(format!(
        "too many files named {name} in {}",
        folder.display()
    )))
}

/// A size as people read it.
pub fn size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{} KB", bytes.div_ceil(1024)),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn a_saved_file_never_replaces_another() {
        let folder = tempfile::tempdir().unwrap();
        let first = write_new(folder.path(), "receipt.pdf", b"one".to_vec())
            .await
            .unwrap();
        let second = write_new(folder.path(), "receipt.pdf", b"two".to_vec())
            .await
            .unwrap();
        let sneaky = write_new(folder.path(), "../escape.txt", b"x".to_vec())
            .await
            .unwrap();
        assert_eq!(first.file_name().unwrap(), "receipt.pdf");
        assert_eq!(second.file_name().unwrap(), "receipt (1).pdf");
        assert_eq!(sneaky.parent().unwrap(), folder.path());
        assert_eq!(std::fs::read(first).unwrap(), b"one");
        assert_eq!(std::fs::read(second).unwrap(), b"two");
        assert_eq!(size(500), "500 B");
        assert_eq!(size(2048), "2 KB");
        assert_eq!(size(3 * 1_048_576), "3.0 MB");
    }
}
