//! The desktop's saved settings. Every field has a default, and a field that cannot be read
//! falls back to its default alone: one bad line never loses the rest of the settings.

use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Config {
    /// The hub to sign in to; `None` runs the hub built into this program.
    #[serde(deserialize_with = "or_default")]
    pub hub_url: Option<String>,
    /// The email last used to sign in, offered again on the sign-in screen.
    #[serde(deserialize_with = "or_default")]
    pub email: String,
    /// Whether the agent asked to stay signed in (the token itself is in the keychain).
    #[serde(deserialize_with = "or_default")]
    pub remember: bool,
    #[serde(deserialize_with = "or_default")]
    pub language: Language,
    #[serde(deserialize_with = "or_default")]
    pub theme: Theme,
    /// The country the dial pad reads national numbers in, once the agent picked one
    /// (ISO code); until then, the account's default.
    #[serde(
        deserialize_with = "or_default",
        skip_serializing_if = "Option::is_none"
    )]
    pub dial_country: Option<String>,
    #[serde(deserialize_with = "or_default")]
    pub devices: Devices,
}

/// The audio devices the agent picked, by name; `None` follows the system default (and a
/// remembered device that is gone falls back to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Devices {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub microphone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    /// Where incoming calls ring (a loudspeaker while the headset is on the desk).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ringer: Option<String>,
    /// Answer incoming calls at once, without Accept (agents on a headset).
    pub auto_answer: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Follow the operating system's language.
    #[default]
    System,
    English,
    Spanish,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::System, Language::English, Language::Spanish];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

fn or_default<'de, D, T>(deserializer: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    let value = toml::Value::deserialize(deserializer)?;
    Ok(T::deserialize(value).unwrap_or_else(|error| {
        tracing::warn!(%error, "a setting could not be read; using its default");
        T::default()
    }))
}

impl Config {
    /// Reads the file; a missing or unreadable file gives the defaults.
    pub fn load(path: &Path) -> Self {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).unwrap_or_else(|error| {
                tracing::warn!(%error, path = %path.display(), "settings unreadable; using defaults");
                Config::default()
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(error) => {
                tracing::warn!(%error, path = %path.display(), "settings unreadable; using defaults");
                Config::default()
            }
        }
    }

    /// Writes the file atomically (a crash never leaves half a file).
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = toml::to_string_pretty(self)
            .map_err(|e| crate::Error::Io(std::sync::Arc::new(std::io::Error::other(e))))?;
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_field_falls_back_alone() {
        let config: Config = toml::from_str(
            "email = \"ana@x.test\"\ntheme = \"purple\"\nremember = 3\nlanguage = \"spanish\"\n",
        )
        .unwrap();
        assert_eq!(config.email, "ana@x.test");
        assert_eq!(config.theme, Theme::Light);
        assert!(!config.remember);
        assert_eq!(config.language, Language::Spanish);
    }

    #[test]
    fn saves_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/config.toml");
        assert_eq!(Config::load(&path), Config::default());
        let config = Config {
            hub_url: Some("https://hub.example.test".into()),
            email: "ana@x.test".into(),
            remember: true,
            language: Language::English,
            theme: Theme::Dark,
            dial_country: Some("ES".into()),
            devices: Devices {
                microphone: Some("USB headset".into()),
                speaker: None,
                ringer: Some("Built-in speakers".into()),
                auto_answer: true,
            },
        };
        config.save(&path).unwrap();
        assert_eq!(Config::load(&path), config);
        std::fs::write(&path, "this is { not toml").unwrap();
        assert_eq!(Config::load(&path), Config::default());
    }
}
