//! `luckygas bench`: the route optimizer on Solomon/Homberger text files,
//! `luckygas-vrp/1` JSON and generated Taoyuan days, through the optimizer's
//! own bench front-end (`optimizer::bench::run`).

use std::{path::PathBuf, time::Duration};

use optimizer::{
    SolveOptions,
    bench::{BenchRun, parse_synthetic, run as run_bench},
};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// 檔案或資料夾 / instance files or folders (bks.csv beside them gives best-known results)
    pub paths: Vec<PathBuf>,
    /// 每題秒數 / seconds per instance
    #[arg(long, default_value_t = 10.0)]
    pub time_limit: f64,
    /// 固定搜尋次數（可重現）/ a fixed number of search iterations instead of a time limit (reproducible)
    #[arg(long)]
    pub iterations: Option<u64>,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// table or jsonl
    #[arg(long, default_value = "table")]
    pub format: String,
    /// A generated Taoyuan day `ORDERS:TRUCKS[:SEED]` (e.g. 400:20), repeatable
    #[arg(long)]
    pub synthetic: Vec<String>,
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let jsonl = match args.format.as_str() {
        "jsonl" => true,
        "table" => false,
        other => anyhow::bail!("--format must be table or jsonl, not {other}"),
    };
    let options = match args.iterations {
        Some(n) => SolveOptions::with_iterations(n, args.seed),
        None => SolveOptions {
            time_limit: Some(Duration::from_secs_f64(args.time_limit)),
            seed: args.seed,
            ..SolveOptions::default()
        },
    };
    let job = BenchRun {
        paths: args.paths.clone(),
        synthetic: args
            .synthetic
            .iter()
            .map(|s| parse_synthetic(s))
            .collect::<Result<_, _>>()
            .map_err(anyhow::Error::msg)?,
        options,
        jsonl,
    };
    run_bench(&job, &mut std::io::stdout())?;
    Ok(())
}
