//! Login throttling: too many failed sign-ins within a window are answered
//! 429 with `Retry-After`. Three counters: one account from one address
//! (the limit per account), one address over all accounts (the limit per
//! address), and one account over all addresses with ten times the account
//! limit. Guessing a password from one place therefore never locks the
//! account for its owner signing in from another; only a spray from many
//! addresses slows the account as a whole. Failures the database caused
//! are not counted (the caller never records them).
//!
//! Counters live in this process. Behind several instances each keeps its
//! own, which still bounds guessing to (instances × limit) per window.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use chrono::{DateTime, Duration, Utc};

pub struct LoginThrottle {
    per_account: u32,
    per_address: u32,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl LoginThrottle {
    pub fn new(per_account: u32, per_address: u32, window: Duration) -> Self {
        Self {
            per_account,
            per_address,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// (counter, its limit) for this account and address.
    fn keys(&self, username: &str, address: &str) -> [(String, u32); 3] {
        let user = username.trim().to_lowercase();
        [
            (format!("p:{user}\n{address}"), self.per_account),
            (format!("a:{address}"), self.per_address),
            (format!("u:{user}"), self.per_account.saturating_mul(10)),
        ]
    }

    /// `Err(seconds)` when either the account or the address must wait.
    pub fn check(&self, username: &str, address: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let mut map = self.failures.lock().expect("throttle lock");
        let mut wait = 0i64;
        for (key, limit) in self.keys(username, address) {
            let limit = limit as usize;
            if let Some(times) = map.get_mut(&key) {
                while times.front().is_some_and(|t| *t + self.window <= now) {
                    times.pop_front();
                }
                if times.len() >= limit {
                    // Free again when the oldest failure in the window expires.
                    let oldest = times[times.len() - limit];
                    wait = wait.max((oldest + self.window - now).num_seconds().max(1));
                }
            }
        }
        if wait > 0 { Err(wait as u64) } else { Ok(()) }
    }

    pub fn record_failure(&self, username: &str, address: &str, now: DateTime<Utc>) {
        let mut map = self.failures.lock().expect("throttle lock");
        for (key, _) in self.keys(username, address) {
            map.entry(key).or_default().push_back(now);
        }
        // Keep memory bounded if someone sprays many user names.
        if map.len() > 100_000 {
            map.retain(|_, times| times.back().is_some_and(|t| *t + self.window > now));
        }
    }

    /// A successful sign-in clears the account's failures from that address.
    pub fn record_success(&self, username: &str, address: &str) {
        let mut map = self.failures.lock().expect("throttle lock");
        let [(pair, _), _, (account, _)] = self.keys(username, address);
        map.remove(&pair);
        map.remove(&account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn guessing_from_one_address_holds_that_address_not_the_owner_elsewhere() {
        let th = LoginThrottle::new(3, 100, Duration::minutes(15));
        for i in 0..3 {
            assert!(th.check("amy", "1.1.1.1", t0()).is_ok(), "attempt {i}");
            th.record_failure("amy", "1.1.1.1", t0());
        }
        let wait = th
            .check("Amy", "1.1.1.1", t0() + Duration::minutes(1))
            .unwrap_err();
        assert_eq!(wait, 14 * 60);
        assert!(
            th.check("amy", "2.2.2.2", t0()).is_ok(),
            "the owner at another address may still sign in"
        );
        assert!(
            th.check("amy", "1.1.1.1", t0() + Duration::minutes(15))
                .is_ok()
        );
    }

    #[test]
    fn a_spray_from_many_addresses_slows_the_account_as_a_whole() {
        let th = LoginThrottle::new(3, 100, Duration::minutes(15));
        for i in 0..30 {
            th.record_failure("amy", &format!("10.0.0.{i}"), t0());
        }
        assert!(
            th.check("amy", "2.2.2.2", t0()).is_err(),
            "ten times the account limit"
        );
        assert!(th.check("bob", "2.2.2.2", t0()).is_ok());
    }

    #[test]
    fn one_address_trying_many_accounts_is_held() {
        let th = LoginThrottle::new(100, 4, Duration::minutes(15));
        for i in 0..4 {
            th.record_failure(&format!("user{i}"), "9.9.9.9", t0());
        }
        assert!(th.check("someone-else", "9.9.9.9", t0()).is_err());
    }

    #[test]
    fn success_clears_the_account() {
        let th = LoginThrottle::new(2, 100, Duration::minutes(15));
        th.record_failure("amy", "1.1.1.1", t0());
        th.record_success("amy", "1.1.1.1");
        th.record_failure("amy", "1.1.1.1", t0());
        assert!(th.check("amy", "1.1.1.1", t0()).is_ok());
    }
}
