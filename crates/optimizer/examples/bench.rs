//! Runs the optimizer on benchmark files or folders and prints a table or
//! JSON lines, without building the service (the same front-end as
//! `luckygas bench`: `optimizer::bench::run`).
//!
//! `cargo run -p optimizer --release --example bench -- PATH... [--time-limit S]
//! [--iterations N] [--seed N] [--format table|jsonl] [--synthetic N:V[:SEED]]`

use std::{path::PathBuf, process::ExitCode, time::Duration};

use optimizer::{
    SolveOptions,
    bench::{BenchRun, parse_synthetic, run},
};

fn main() -> ExitCode {
    match parse_args().and_then(|job| run(&job, &mut std::io::stdout()).map_err(|e| e.to_string()))
    {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args() -> Result<BenchRun, String> {
    let mut job = BenchRun {
        paths: Vec::new(),
        synthetic: Vec::new(),
        options: SolveOptions {
            time_limit: Some(Duration::from_secs(2)),
            ..SolveOptions::default()
        },
        jsonl: false,
    };
    let mut args = std::env::args().skip(1);
    let value = |name: &str, args: &mut dyn Iterator<Item = String>| {
        args.next().ok_or_else(|| format!("{name} needs a value"))
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--time-limit" => {
                let s: f64 = value(&a, &mut args)?
                    .parse()
                    .map_err(|_| "--time-limit takes seconds")?;
                job.options.time_limit = Some(Duration::from_secs_f64(s));
            }
            "--iterations" => {
                let n: u64 = value(&a, &mut args)?
                    .parse()
                    .map_err(|_| "--iterations takes a count")?;
                job.options.time_limit = None;
                job.options.max_iterations = Some(n);
            }
            "--seed" => {
                job.options.seed = value(&a, &mut args)?
                    .parse()
                    .map_err(|_| "--seed takes a number")?;
            }
            "--format" => job.jsonl = value(&a, &mut args)? == "jsonl",
            "--synthetic" => job.synthetic.push(parse_synthetic(&value(&a, &mut args)?)?),
            _ => job.paths.push(PathBuf::from(a)),
        }
    }
    Ok(job)
}
