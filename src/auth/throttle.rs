//! Login throttling: too many failed sign-ins for one account or from one
//! address within a window are answered 429 with `Retry-After`.
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

    fn keys(username: &str, address: &str) -> [(String, bool); 2] {
        [
            (format!("u:{}", username.trim().to_lowercase()), true),
            (format!("a:{address}"), false),
        ]
    }

    /// `Err(seconds)` when either the account or the address must wait.
    pub fn check(&self, username: &str, address: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let mut map = self.failures.lock().expect("throttle lock");
        let mut wait = 0i64;
        for (key, is_account) in Self::keys(username, address) {
            let limit = if is_account {
                self.per_account
            } else {
                self.per_address
            } as usize;
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
        for (key, _) in Self::keys(username, address) {
            map.entry(key).or_default().push_back(now);
        }
        // Keep memory bounded if someone sprays many user names.
        if map.len() > 100_000 {
            map.retain(|_, times| times.back().is_some_and(|t| *t + self.window > now));
        }
    }

    /// A successful sign-in clears the account's failures.
    pub fn record_success(&self, username: &str) {
        let key = format!("u:{}", username.trim().to_lowercase());
        self.failures.lock().expect("throttle lock").remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_account_is_held_after_the_limit_and_freed_after_the_window() {
        let th = LoginThrottle::new(3, 100, Duration::minutes(15));
        for i in 0..3 {
            assert!(th.check("amy", "1.1.1.1", t0()).is_ok(), "attempt {i}");
            th.record_failure("amy", "1.1.1.1", t0());
        }
        let wait = th
            .check("Amy", "2.2.2.2", t0() + Duration::minutes(1))
            .unwrap_err();
        assert_eq!(wait, 14 * 60);
        assert!(
            th.check("bob", "2.2.2.2", t0()).is_ok(),
            "other accounts are not held"
        );
        assert!(
            th.check("amy", "1.1.1.1", t0() + Duration::minutes(15))
                .is_ok()
        );
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
        th.record_success("amy");
        th.record_failure("amy", "1.1.1.1", t0());
        assert!(th.check("amy", "1.1.1.1", t0()).is_ok());
    }
}
