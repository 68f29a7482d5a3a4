//! How often a website's visitors may knock: per client address and per visitor, each a
//! token bucket (governor's GCRA), so a burst is fine and a flood is refused with 429.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use switchboard_protocol::Id;

use crate::config::WidgetLimits;
use crate::{Error, Result};

#[derive(Debug)]
pub struct Limits {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_visitor: DefaultKeyedRateLimiter<Id>,
    /// Checks since the buckets were last pruned of idle keys.
    checks: AtomicU32,
}

/// A bucket that refills `per_minute` times a minute and holds a burst of a quarter minute's.
fn quota(per_minute: u32) -> Quota {
    let per_minute = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new((per_minute.get() / 4).max(5)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(per_minute).allow_burst(burst)
}

impl Limits {
    pub fn new(config: &WidgetLimits) -> Self {
        Self {
            per_address: RateLimiter::keyed(quota(config.requests_per_address_per_minute)),
            per_visitor: RateLimiter::keyed(quota(config.messages_per_visitor_per_minute)),
            checks: AtomicU32::new(0),
        }
    }

    /// A request from `address`.
    pub fn address(&self, address: IpAddr) -> Result<()> {
        self.prune();
        self.per_address.check_key(&address).map_err(refused)
    }

    /// Something the visitor sends (a message, an attachment, a rating).
    pub fn visitor(&self, visitor: Id) -> Result<()> {
        self.prune();
        self.per_visitor.check_key(&visitor).map_err(refused)
    }

    /// Forgets full buckets now and then, so a million passing addresses take no memory.
    fn prune(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % 10_000 == 9_999 {
            self.per_address.retain_recent();
            self.per_visitor.retain_recent();
        }
    }
}

fn refused(not_until: governor::NotUntil<governor::clock::QuantaInstant>) -> Error {
    let wait = not_until.wait_time_from(governor::clock::Clock::now(
        &governor::clock::QuantaClock::default(),
    ));
    Error::RateLimited {
        retry_after_secs: wait.as_secs().max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_and_a_flood_is_refused_per_key() {
        let limits = Limits::new(&WidgetLimits {
            requests_per_address_per_minute: 60,
            messages_per_visitor_per_minute: 20,
        });
        let one: IpAddr = [192, 0, 2, 1].into();
        let other: IpAddr = [192, 0, 2, 2].into();
        let passed = (0..100).filter(|_| limits.address(one).is_ok()).count();
        assert!((15..=20).contains(&passed), "{passed} of a flood passed");
        assert!(
            limits.address(other).is_ok(),
            "another address is not held back"
        );
        let sent = (0..100).filter(|_| limits.visitor(7).is_ok()).count();
        assert!((5..=8).contains(&sent), "{sent} messages of a flood passed");
        assert!(
            matches!(limits.visitor(7), Err(Error::RateLimited { retry_after_secs }) if retry_after_secs >= 1)
        );
        assert!(limits.visitor(8).is_ok());
    }
}
