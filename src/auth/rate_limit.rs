//! API rate limits: requests per minute per signed-in account (whatever
//! token or session it uses) and per address for callers who are not
//! signed in. Over the limit: 429 with `Retry-After` until the minute ends.
//! Counters live in this process, like the sign-in throttle.

use std::{collections::HashMap, sync::Mutex};

use chrono::{DateTime, Utc};

pub struct RateLimiter {
    per_account: u32,
    per_address: u32,
    /// key → (minute, requests in it)
    seen: Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    pub fn new(per_account: u32, per_address: u32) -> Self {
        Self {
            per_account,
            per_address,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request; `Err(seconds)` when the caller must wait.
    pub fn check(
        &self,
        account: Option<i32>,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<(), u64> {
        let (key, limit) = match account {
            Some(id) => (format!("u:{id}"), self.per_account),
            None => (format!("a:{address}"), self.per_address),
        };
        let minute = now.timestamp().div_euclid(60);
        let mut seen = self.seen.lock().expect("rate lock");
        if seen.len() > 100_000 {
            seen.retain(|_, (m, _)| *m == minute);
        }
        let entry = seen.entry(key).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if entry.1 >= limit {
            let left = 60 - now.timestamp().rem_euclid(60);
            return Err(left.max(1) as u64);
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_over_the_limit_waits_for_the_next_minute() {
        let r = RateLimiter::new(3, 2);
        let t: DateTime<Utc> = "2026-12-01T10:00:15Z".parse().unwrap();
        for _ in 0..3 {
            assert!(r.check(Some(7), "1.1.1.1", t).is_ok());
        }
        assert_eq!(r.check(Some(7), "1.1.1.1", t), Err(45));
        assert!(
            r.check(Some(8), "1.1.1.1", t).is_ok(),
            "another account has its own"
        );
        for _ in 0..2 {
            assert!(r.check(None, "2.2.2.2", t).is_ok());
        }
        assert!(r.check(None, "2.2.2.2", t).is_err());
        let next: DateTime<Utc> = "2026-12-01T10:01:00Z".parse().unwrap();
        assert!(r.check(Some(7), "1.1.1.1", next).is_ok());
    }
}
