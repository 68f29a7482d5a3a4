//! The session token in the real OS keychain. The test command runs this inside a D-Bus
//! session with gnome-keyring (Secret Service) and a fresh kernel session keyring.

#![allow(clippy::unwrap_used)]

use switchboard_client::secrets::Keychain;

#[test]
fn a_token_is_stored_read_back_and_removed_in_the_os_keychain() {
    let keychain = Keychain::platform().expect("a usable OS keychain");
    let hub = format!("http://127.0.0.1:{}", std::process::id());
    let email = "keychain-test@acme.example";
    keychain.save(&hub, email, "sb_secret_token").unwrap();
    // A second handle (as after a restart) reads the same secret.
    let again = Keychain::platform().unwrap();
    assert_eq!(
        again.load(&hub, email).unwrap().as_deref(),
        Some("sb_secret_token")
    );
    again.delete(&hub, email).unwrap();
    assert_eq!(keychain.load(&hub, email).unwrap(), None);
    eprintln!("keychain used: {}", keychain.vendor());
}

#[cfg(target_os = "linux")]
#[test]
fn the_kernel_keyring_works_where_no_secret_service_runs() {
    let store = linux_keyutils_keyring_store::Store::new().unwrap();
    let keychain = Keychain::with_store(store);
    keychain
        .save("http://hub.test", "kernel@acme.example", "sb_kernel")
        .unwrap();
    assert_eq!(
        keychain
            .load("http://hub.test", "kernel@acme.example")
            .unwrap()
            .as_deref(),
        Some("sb_kernel")
    );
    keychain
        .delete("http://hub.test", "kernel@acme.example")
        .unwrap();
    assert_eq!(
        keychain
            .load("http://hub.test", "kernel@acme.example")
            .unwrap(),
        None
    );
}
