//! Route optimizer for luckygas: a pure library that turns a [`Problem`]
//! (depot, vehicles with multi-dimensional capacities and shifts, jobs with
//! one or more time windows, travel matrices, locked stops) into a
//! [`Solution`].
//!
//! The objective is lexicographic: serve as many jobs as possible, then (by
//! default) use the fewest vehicles, then drive the least distance. The
//! search is a ruin-and-recreate heuristic (string removals, greedy insertion
//! with blinks, simulated annealing) with a vehicle-reduction phase. Every
//! plan is checked by the independent [`validate`] before it is returned.
//!
//! ```ignore
//! let text = std::fs::read_to_string("luckygas-taoyuan-n150-v8-s1.json")?;
//! let problem = optimizer::instances::parse_instance("n150", &text)?;
//! let plan = optimizer::solve(&problem, &optimizer::SolveOptions::with_time_limit(2.0));
//! assert!(optimizer::validate(&problem, &plan).is_ok());
//! println!("{} km", problem.report_distance(plan.total_distance));
//! ```
//!
//! Single-threaded and deterministic: with an iteration limit
//! ([`SolveOptions::with_iterations`]) the same seed gives the same plan.

#![allow(clippy::many_single_char_names)]

pub mod bench;
mod data;
mod engine;
pub mod instances;
mod model;
mod prng;
mod solve;
mod validate;

pub use model::*;
pub use solve::{KeptRoute, insert, solve};
pub use validate::{Violation, ViolationKind, validate};

#[cfg(test)]
mod tests;
