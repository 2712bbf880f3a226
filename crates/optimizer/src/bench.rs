//! The benchmark front-end shared by the `luckygas bench` command and
//! `examples/bench.rs`: which files to run, one solve per instance checked
//! by the validator, and the table or JSON-lines output.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

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

/// What to run: instance files or folders (a `bks.csv` beside them gives
/// best-known results), generated Taoyuan days, and the search budget.
pub struct BenchRun {
    pub paths: Vec<PathBuf>,
    /// `(orders, trucks, seed)` of generated days.
    pub synthetic: Vec<(usize, usize, u64)>,
    pub options: SolveOptions,
    /// JSON lines instead of a table.
    pub jsonl: bool,
}

/// Parses `ORDERS:TRUCKS[:SEED]`, e.g. `400:20`.
pub fn parse_synthetic(spec: &str) -> Result<(usize, usize, u64), String> {
    let parts: Vec<u64> = spec
        .split(':')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| format!("--synthetic takes ORDERS:TRUCKS[:SEED], not {spec}"))?;
    match parts.as_slice() {
        [n, v] => Ok((*n as usize, *v as usize, 1)),
        [n, v, s] => Ok((*n as usize, *v as usize, *s)),
        _ => Err(format!(
            "--synthetic takes ORDERS:TRUCKS[:SEED], not {spec}"
        )),
    }
}

/// `.txt` and `.json` files of the given folders (sorted) and files.
fn instance_files(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut list: Vec<PathBuf> = std::fs::read_dir(p)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| matches!(f.extension().and_then(|e| e.to_str()), Some("txt" | "json")))
                .collect();
            list.sort();
            files.extend(list);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

fn bks_for(file: &Path, name: &str) -> Option<(usize, f64)> {
    let text = std::fs::read_to_string(file.parent()?.join("bks.csv")).ok()?;
    let map = crate::instances::parse_bks(&text).ok()?;
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, b)| (b.vehicles, b.distance))
}

/// Runs every instance in turn, writing a row (or JSON line) as each
/// finishes and the summary at the end. A file that does not parse is
/// reported on stderr and skipped.
pub fn run(job: &BenchRun, out: &mut dyn std::io::Write) -> std::io::Result<Vec<BenchResult>> {
    let show = |out: &mut dyn std::io::Write, r: &BenchResult| {
        writeln!(
            out,
            "{}",
            if job.jsonl {
                r.to_json()
            } else {
                format_row(r)
            }
        )
    };
    if !job.jsonl {
        writeln!(out, "{}", format_header())?;
    }
    let mut results = Vec::new();
    for &(n, v, seed) in &job.synthetic {
        let problem = crate::instances::synthetic_day(n, v, seed);
        let r = bench_instance(&problem.name.clone(), &problem, None, &job.options);
        show(out, &r)?;
        results.push(r);
    }
    for file in instance_files(&job.paths)? {
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .to_owned();
        let text = std::fs::read_to_string(&file)?;
        let problem = match crate::instances::parse_instance(&name, &text) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                continue;
            }
        };
        let r = bench_instance(&name, &problem, bks_for(&file, &name), &job.options);
        show(out, &r)?;
        results.push(r);
    }
    if !job.jsonl {
        writeln!(out, "{}", format_summary(&results))?;
    }
    Ok(results)
}
