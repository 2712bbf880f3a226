//! Time is a parameter: the application reads the time through [`Clock`] so
//! tests can set and advance it.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in Taiwan (UTC+8, no daylight saving since 1979).
    fn today_taipei(&self) -> NaiveDate {
        self.now().with_timezone(&taipei()).date_naive()
    }
}

/// The fixed +08:00 offset used for all local dates.
pub fn taipei() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the system clock
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until a test moves it.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().expect("clock lock");
        *now += by;
    }

    pub fn set(&self, to: DateTime<Utc>) {
        *self.0.lock().expect("clock lock") = to;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taipei_date_rolls_over_at_utc_sixteen() {
        let clock = TestClock::new("2026-11-29T15:59:00Z".parse().unwrap());
        assert_eq!(clock.today_taipei().to_string(), "2026-11-29");
        clock.advance(chrono::Duration::minutes(1));
        assert_eq!(clock.today_taipei().to_string(), "2026-11-30");
    }
}
