//! The session token lives only in the OS keychain: the Secret Service (GNOME Keyring,
//! KWallet) where one runs, else the kernel keyring. Nothing secret is written to a file.

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};

use crate::{Error, Result};

const SERVICE: &str = "org.switchboard.workspace";

#[derive(Clone)]
pub struct Keychain {
    store: Arc<CredentialStore>,
}

impl std::fmt::Debug for Keychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keychain")
            .field("store", &self.store.vendor())
            .finish()
    }
}

impl Keychain {
    /// The platform's keychain, or an error saying why none can be used.
    pub fn platform() -> Result<Self> {
        #[cfg(target_os = "linux")]
        {
            let secret_service = zbus_secret_service_keyring_store::Store::new()
                .map(|s| s as Arc<CredentialStore>)
                .map_err(|e| e.to_string())
                .and_then(|store| {
                    // The Secret Service may be installed but not running: probe it.
                    let keychain = Self { store };
                    match keychain.load("probe", "probe") {
                        Ok(_) => Ok(keychain),
                        Err(error) => Err(error.to_string()),
                    }
                });
            match secret_service {
                Ok(keychain) => Ok(keychain),
                Err(reason) => {
                    tracing::info!(%reason, "no Secret Service; using the kernel keyring");
                    linux_keyutils_keyring_store::Store::new()
                        .map(|store| Self { store })
                        .map_err(|e| Error::Keychain(e.to_string()))
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            Err(Error::Keychain(
                "no keychain support on this platform yet".into(),
            ))
        }
    }

    /// A keychain on a given store (tests use keyring-core's mock store).
    pub fn with_store(store: Arc<CredentialStore>) -> Self {
        Self { store }
    }

    pub fn vendor(&self) -> String {
        self.store.vendor()
    }

    fn entry(&self, hub: &str, email: &str) -> Result<Entry> {
        self.store
            .build(SERVICE, &format!("{email} @ {hub}"), None)
            .map_err(|e| Error::Keychain(e.to_string()))
    }

    pub fn save(&self, hub: &str, email: &str, token: &str) -> Result<()> {
        self.entry(hub, email)?
            .set_password(token)
            .map_err(|e| Error::Keychain(e.to_string()))
    }

    /// The saved token, or `None` when there is none.
    pub fn load(&self, hub: &str, email: &str) -> Result<Option<String>> {
        match self.entry(hub, email)?.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(error) => Err(Error::Keychain(error.to_string())),
        }
    }

    pub fn delete(&self, hub: &str, email: &str) -> Result<()> {
        match self.entry(hub, email)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(error) => Err(Error::Keychain(error.to_string())),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_kept_per_hub_and_email_and_deleted_on_request() {
        let keychain = Keychain::with_store(keyring_core::mock::Store::new().unwrap());
        assert_eq!(keychain.load("http://a", "ana@x.test").unwrap(), None);
        keychain.save("http://a", "ana@x.test", "sb_1").unwrap();
        keychain.save("http://b", "ana@x.test", "sb_2").unwrap();
        assert_eq!(
            keychain.load("http://a", "ana@x.test").unwrap().as_deref(),
            Some("sb_1")
        );
        assert_eq!(
            keychain.load("http://b", "ana@x.test").unwrap().as_deref(),
            Some("sb_2")
        );
        keychain.delete("http://a", "ana@x.test").unwrap();
        keychain.delete("http://a", "ana@x.test").unwrap();
        assert_eq!(keychain.load("http://a", "ana@x.test").unwrap(), None);
    }
}
