//! `luckygas bench`: runs the route optimizer on Solomon/Homberger text
//! files and `luckygas-vrp/1` JSON, one instance at a time, validating each
//! solution independently, and prints a table or JSON lines.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use optimizer::{
    SolveOptions,
    bench::{BenchResult, bench_instance, format_header, format_row, format_summary},
    instances::{parse_bks, parse_instance, synthetic_day},
};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// 檔案或資料夾 / instance files or folders (bks.csv beside them gives best-known results)
    pub paths: Vec<PathBuf>,
    /// 每題秒數 / seconds per instance
    #[arg(long, default_value_t = 10.0)]
    pub time_limit: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// table or jsonl
    #[arg(long, default_value = "table")]
    pub format: String,
    /// A generated Taoyuan day `ORDERS:TRUCKS[:SEED]` (e.g. 400:20), repeatable
    #[arg(long)]
    pub synthetic: Vec<String>,
}

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
    let map = parse_bks(&text).ok()?;
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, b)| (b.vehicles, b.distance))
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let jsonl = match args.format.as_str() {
        "jsonl" => true,
        "table" => false,
        other => anyhow::bail!("--format must be table or jsonl, not {other}"),
    };
    let opts = SolveOptions {
        time_limit: Some(Duration::from_secs_f64(args.time_limit)),
        seed: args.seed,
        ..SolveOptions::default()
    };
    let show = |r: &BenchResult| println!("{}", if jsonl { r.to_json() } else { format_row(r) });
    if !jsonl {
        println!("{}", format_header());
    }
    let mut results = Vec::new();
    for spec in &args.synthetic {
        let parts: Vec<u64> = spec.split(':').map(str::parse).collect::<Result<_, _>>()?;
        anyhow::ensure!(parts.len() >= 2, "--synthetic takes ORDERS:TRUCKS[:SEED]");
        let problem = synthetic_day(
            parts[0] as usize,
            parts[1] as usize,
            parts.get(2).copied().unwrap_or(1),
        );
        let r = bench_instance(&problem.name.clone(), &problem, None, &opts);
        show(&r);
        results.push(r);
    }
    for file in instance_files(&args.paths)? {
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .to_owned();
        let text = std::fs::read_to_string(&file)?;
        let problem = match parse_instance(&name, &text) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                continue;
            }
        };
        let r = bench_instance(&name, &problem, bks_for(&file, &name), &opts);
        show(&r);
        results.push(r);
    }
    if !jsonl {
        println!("{}", format_summary(&results));
    }
    Ok(())
}
