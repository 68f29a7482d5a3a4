//! Every path the desktop uses, in one place. `SWITCHBOARD_HOME` (portable mode, tests) puts
//! them all under one folder instead of the platform's config and data folders.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    /// Where files saved from conversations go (the user's Downloads folder).
    pub downloads_dir: PathBuf,
}

impl Environment {
    pub fn detect() -> Self {
        if let Some(home) = std::env::var_os("SWITCHBOARD_HOME").filter(|h| !h.is_empty()) {
            return Self::portable(PathBuf::from(home));
        }
        match directories::ProjectDirs::from("org", "Switchboard", "switchboard") {
            Some(dirs) => {
                let user = directories::UserDirs::new();
                let downloads = user.as_ref().and_then(|u| u.download_dir()).map_or_else(
                    || {
                        user.as_ref()
                            .map_or_else(|| PathBuf::from("."), |u| u.home_dir().to_owned())
                    },
                    ToOwned::to_owned,
                );
                Self {
                    config_dir: dirs.config_dir().to_owned(),
                    data_dir: dirs.data_dir().to_owned(),
                    downloads_dir: downloads,
                }
            }
            None => Self::portable(PathBuf::from(".switchboard")),
        }
    }

    pub fn portable(root: PathBuf) -> Self {
        Self {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
            downloads_dir: root.join("downloads"),
        }
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// Where the built-in hub keeps its database.
    pub fn builtin_hub_dir(&self) -> PathBuf {
        self.data_dir.join("hub")
    }
}
