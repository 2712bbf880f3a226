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
pub use prng::Rng;
pub use solve::solve;
pub use validate::{Violation, ViolationKind, validate};

#[cfg(test)]
mod tests;
