//! Background work: a durable `jobs` table with leases, so that each job
//! runs on one instance at a time and is taken over when that instance
//! dies. `queue` holds the table operations (enqueue inside the business
//! transaction, claim, renew, finish); `worker` is the loop that runs the
//! handlers features register (`jobs()` functions, assembled in `app`),
//! and puts periodic jobs on the queue once per period across instances.
//!
//! Kinds today: `recurring_orders` (every 15 minutes: today's and
//! tomorrow's recurring orders), `imports_cleanup` (hourly: uploads kept
//! for an import are dropped after a day) and `jobs_cleanup` (hourly:
//! finished jobs older than a week are deleted).

pub mod entity;
pub mod queue;
pub mod worker;

use std::sync::Arc;

use tokio::sync::Notify;

pub use queue::NewJob;
pub use worker::{JobContext, JobFailure, Registry, WorkerConfig};

/// This instance's side of the queue, kept in `AppState`.
#[derive(Clone)]
pub struct Jobs {
    /// Who this instance is in `locked_by`.
    pub instance: String,
    wake: Arc<Notify>,
}

impl Default for Jobs {
    fn default() -> Self {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).expect("randomness");
        let id = format!("{:012x}", u64::from_be_bytes(b) >> 16);
        let host = std::env::var("HOSTNAME").unwrap_or_default();
        Self {
            instance: format!(
                "{}{}{}",
                host.chars().take(40).collect::<String>(),
                if host.is_empty() { "" } else { "-" },
                id
            ),
            wake: Arc::new(Notify::new()),
        }
    }
}

impl Jobs {
    /// Tells this instance's worker that a job was committed (so it starts
    /// at once). Other instances find it at their next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn waker(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }
}
