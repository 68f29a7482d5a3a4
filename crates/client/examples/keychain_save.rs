//! Saves a session token in the OS keychain the way the desktop does, so `bench/` can start
//! the app already signed in to a separate hub: `keychain_save HUB EMAIL` (token on stdin).

use std::io::Read;

use switchboard_client::Hub;
use switchboard_client::secrets::Keychain;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(hub), Some(email)) = (args.next(), args.next()) else {
        return Err("usage: keychain_save HUB EMAIL < token".into());
    };
    let mut token = String::new();
    std::io::stdin().read_to_string(&mut token)?;
    let hub = Hub::new(&hub)?;
    Keychain::platform()?.save(hub.address(), &email, token.trim())?;
    Ok(())
}
