//! Registrations with carriers that want them: kept up while the hub runs.

use std::collections::HashMap;
use std::time::Duration;

use switchboard_protocol::Id;

use super::{Registration, Trunk};
use crate::Store;
use crate::store::Carrier;

/// How often the carriers' settings are read again (an administrator's change takes effect
/// within this) and failed registrations retried.
pub const CARRIERS_EVERY: Duration = Duration::from_secs(30);

/// Keeps each registering carrier's registration up: registers at start, when the
/// administrator changes the carrier, and again after a registration failed; unregisters a
/// carrier that was removed or no longer registers.
pub async fn keep_registered(store: Store, trunk: Trunk) {
    let mut up: HashMap<Id, (Carrier, Registration)> = HashMap::new();
    let mut tick = tokio::time::interval(CARRIERS_EVERY);
    loop {
        tick.tick().await;
        let carriers = match store.carriers().await {
            Ok(carriers) => carriers,
            Err(error) => {
                tracing::warn!(%error, "the carriers could not be read");
                continue;
            }
        };
        let wanted: Vec<Carrier> = carriers.into_iter().filter(|c| c.register).collect();
        // Dropping a registration removes its binding at the carrier.
        up.retain(|_, (carrier, registration)| {
            wanted.contains(carrier) && registration.is_registered()
        });
        for carrier in wanted {
            if up.contains_key(&carrier.account_id) {
                continue;
            }
            let registered = tokio::time::timeout(CARRIERS_EVERY, trunk.register(&carrier)).await;
            match registered {
                Ok(Ok(registration)) => {
                    tracing::info!(account = carrier.account_id, proxy = %carrier.proxy, "registered with the carrier");
                    up.insert(carrier.account_id, (carrier, registration));
                }
                Ok(Err(error)) => {
                    tracing::warn!(account = carrier.account_id, %error, "registration failed; retrying")
                }
                Err(_) => tracing::warn!(
                    account = carrier.account_id,
                    proxy = %carrier.proxy,
                    "the carrier did not answer the registration; retrying"
                ),
            }
        }
    }
}
