//! Benchmark helpers for the `luckygas bench` command and
//! `examples/bench.rs`.

use std::fmt::Write as _;

use crate::model::{Problem, SolveOptions};
use crate::solve::solve;
use crate::validate::validate;

/// The outcome of solving one benchmark instance.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchResult {
    pub instance: String,
    pub vehicles: usize,
    /// Total distance in the instance's report unit (Solomon units, or km
    /// for `luckygas-vrp/1`).
    pub distance: f64,
    pub served: usize,
    pub total: usize,
    pub bks_vehicles: Option<usize>,
    pub bks_distance: Option<f64>,
    /// `(distance - bks) / bks * 100`, when a best-known result is given.
    pub gap_pct: Option<f64>,
    pub seconds: f64,
    /// Search iterations done.
    pub iterations: u64,
    /// The plan passed [`validate`].
    pub feasible: bool,
}

impl BenchResult {
    /// Solved with the best-known number of vehicles (or fewer) and every
    /// job served: the gap is then meaningful.
    pub fn at_bks_vehicles(&self) -> bool {
        self.served == self.total && self.bks_vehicles.is_some_and(|v| self.vehicles <= v)
    }

    /// One JSON object (no trailing newline).
    pub fn to_json(&self) -> String {
        let opt_f = |x: Option<f64>| x.map_or("null".to_string(), |v| format!("{v:.4}"));
        let opt_u = |x: Option<usize>| x.map_or("null".to_string(), |v| v.to_string());
        format!(
            "{{\"instance\":{:?},\"vehicles\":{},\"distance\":{:.4},\"served\":{},\"total\":{},\"bks_vehicles\":{},\"bks_distance\":{},\"gap_pct\":{},\"seconds\":{:.3},\"iterations\":{},\"feasible\":{}}}",
            self.instance,
            self.vehicles,
            self.distance,
            self.served,
            self.total,
            opt_u(self.bks_vehicles),
            opt_f(self.bks_distance),
            opt_f(self.gap_pct),
            self.seconds,
            self.iterations,
            self.feasible
        )
    }
}

/// Solves `problem` and compares with the best-known `(vehicles, distance)`.
pub fn bench_instance(
    name: &str,
    problem: &Problem,
    bks: Option<(usize, f64)>,
    options: &SolveOptions,
) -> BenchResult {
    let sol = solve(problem, options);
    let feasible = validate(problem, &sol).is_ok();
    let distance = problem.report_distance(sol.total_distance);
    BenchResult {
        instance: name.to_string(),
        vehicles: sol.vehicles_used,
        distance,
        served: sol.served(),
        total: problem.jobs.len(),
        bks_vehicles: bks.map(|b| b.0),
        bks_distance: bks.map(|b| b.1),
        gap_pct: bks.map(|b| (distance - b.1) / b.1 * 100.0),
        seconds: sol.elapsed_seconds,
        iterations: sol.iterations,
        feasible,
    }
}

/// Header line matching [`format_row`].
pub fn format_header() -> String {
    format!(
        "{:<34} {:>4} {:>11} {:>9} {:>4} {:>11} {:>8} {:>7} {:>8} {:>4}",
        "instance", "veh", "distance", "served", "bksV", "bksDist", "gap%", "sec", "iters", "ok"
    )
}

/// One fixed-width table row.
pub fn format_row(r: &BenchResult) -> String {
    format!(
        "{:<34} {:>4} {:>11.2} {:>9} {:>4} {:>11} {:>8} {:>7.2} {:>8} {:>4}",
        r.instance,
        r.vehicles,
        r.distance,
        format!("{}/{}", r.served, r.total),
        r.bks_vehicles.map_or("-".into(), |v| v.to_string()),
        r.bks_distance.map_or("-".into(), |v| format!("{v:.2}")),
        r.gap_pct.map_or("-".into(), |g| format!("{g:+.2}")),
        r.seconds,
        r.iterations,
        if r.feasible { "yes" } else { "NO" }
    )
}

/// Summary: totals, and the mean gap over the instances solved with the
/// best-known vehicle count.
pub fn format_summary(results: &[BenchResult]) -> String {
    let vehicles: usize = results.iter().map(|r| r.vehicles).sum();
    let bks_vehicles: usize = results.iter().filter_map(|r| r.bks_vehicles).sum();
    let distance: f64 = results.iter().map(|r| r.distance).sum();
    let served: usize = results.iter().map(|r| r.served).sum();
    let total: usize = results.iter().map(|r| r.total).sum();
    let feasible = results.iter().filter(|r| r.feasible).count();
    let gaps: Vec<f64> = results
        .iter()
        .filter(|r| r.at_bks_vehicles())
        .filter_map(|r| r.gap_pct)
        .collect();
    let with_bks = results.iter().filter(|r| r.bks_vehicles.is_some()).count();
    let mut s = format!("instances {}  vehicles {vehicles}", results.len());
    if with_bks > 0 {
        let _ = write!(s, " (best-known {bks_vehicles})");
    }
    let _ = write!(
        s,
        "  distance {distance:.2}  served {served}/{total}  feasible {feasible}/{}",
        results.len()
    );
    if with_bks > 0 {
        let mean = if gaps.is_empty() {
            f64::NAN
        } else {
            gaps.iter().sum::<f64>() / gaps.len() as f64
        };
        let _ = write!(
            s,
            "  mean gap {mean:+.2}% over {}/{with_bks} at best-known vehicles",
            gaps.len()
        );
    }
    s
}
