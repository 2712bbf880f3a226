//! Runs the optimizer on benchmark files or folders and prints a table or
//! JSON lines.
//!
//! `cargo run -p optimizer --release --example bench -- PATH... [--time-limit S]
//! [--seed N] [--format table|jsonl]`
//!
//! A `bks.csv` next to the instance files supplies best-known results.
//! `--synthetic N:V[:SEED]` adds a generated Taoyuan day with N orders and
//! V trucks.

use std::path::{Path, PathBuf};
use std::time::Duration;

use optimizer::SolveOptions;
use optimizer::bench::{BenchResult, bench_instance, format_header, format_row, format_summary};
use optimizer::instances::{parse_bks, parse_instance, synthetic_day};

fn main() {
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut limit = 2.0;
    let mut seed = 1;
    let mut jsonl = false;
    let mut synthetic: Vec<(usize, usize, u64)> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--time-limit" => limit = args.next().and_then(|v| v.parse().ok()).expect("seconds"),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).expect("seed"),
            "--format" => jsonl = args.next().as_deref() == Some("jsonl"),
            "--synthetic" => {
                let spec = args.next().expect("N:V[:SEED]");
                let parts: Vec<u64> = spec
                    .split(':')
                    .map(|x| x.parse().expect("number"))
                    .collect();
                synthetic.push((
                    parts[0] as usize,
                    parts[1] as usize,
                    parts.get(2).copied().unwrap_or(1),
                ));
            }
            _ => paths.push(PathBuf::from(a)),
        }
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for p in &paths {
        if p.is_dir() {
            let mut list: Vec<PathBuf> = std::fs::read_dir(p)
                .expect("read dir")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| matches!(f.extension().and_then(|e| e.to_str()), Some("txt" | "json")))
                .collect();
            list.sort();
            files.extend(list);
        } else {
            files.push(p.clone());
        }
    }
    if !jsonl {
        println!("{}", format_header());
    }
    let mut results: Vec<BenchResult> = Vec::new();
    let opts = SolveOptions {
        time_limit: Some(Duration::from_secs_f64(limit)),
        seed,
        ..SolveOptions::default()
    };
    for &(n, v, s) in &synthetic {
        let problem = synthetic_day(n, v, s);
        let r = bench_instance(&problem.name.clone(), &problem, None, &opts);
        print_result(&r, jsonl);
        results.push(r);
    }
    for f in &files {
        let name = f
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .to_string();
        let text = std::fs::read_to_string(f).expect("read instance");
        let problem = match parse_instance(&name, &text) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{}: {e}", f.display());
                continue;
            }
        };
        let bks = bks_for(f, &name);
        let r = bench_instance(&name, &problem, bks, &opts);
        print_result(&r, jsonl);
        results.push(r);
    }
    if !jsonl {
        println!("{}", format_summary(&results));
    }
}

fn print_result(r: &BenchResult, jsonl: bool) {
    if jsonl {
        println!("{}", r.to_json());
    } else {
        println!("{}", format_row(r));
    }
}

fn bks_for(file: &Path, name: &str) -> Option<(usize, f64)> {
    let csv = file.parent()?.join("bks.csv");
    let text = std::fs::read_to_string(csv).ok()?;
    let map = parse_bks(&text).ok()?;
    let upper = name.to_uppercase();
    map.iter()
        .find(|(k, _)| k.to_uppercase() == upper)
        .map(|(_, b)| (b.vehicles, b.distance))
}
