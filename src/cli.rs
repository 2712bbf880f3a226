//! The command line: `serve` (default), `migrate`, `user add`.

use std::{
    io::{BufRead, Write},
    path::PathBuf,
    process::ExitCode,
    sync::Arc,
};

use clap::{Parser, Subcommand};

use crate::{
    app::{self, AppState},
    auth::Role,
    clock::{Clock, SystemClock},
    config::Config,
    db, demo, observability,
    users::{form, queries},
};

#[derive(Parser)]
#[command(
    name = "luckygas",
    version,
    about = "幸運瓦斯配送管理系統 / Lucky Gas delivery management",
    long_about = "幸運瓦斯配送管理系統：客戶、訂單、路線規劃、司機與通知。\n\
                  Delivery management for LPG cylinder distributors.\n\n\
                  Configuration: luckygas.toml, LUCKYGAS_* variables, DATABASE_URL, REDIS_URL."
)]
pub struct Cli {
    /// 設定檔 / configuration file (default: luckygas.toml, if present)
    #[arg(long, global = true, env = "LUCKYGAS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// 啟動服務（預設）/ Run the web server (default)
    Serve(ServeArgs),
    /// 執行資料庫遷移 / Apply database migrations and exit
    Migrate,
    /// 只執行背景工作（多台時）/ Run only the background job worker (for scale-out)
    Worker,
    /// 路線最佳化基準測試 / Run the route optimizer on benchmark instances
    Bench(crate::bench::BenchArgs),
    /// 帳號管理 / Manage accounts
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(clap::Args, Default)]
struct ServeArgs {
    /// 監聽位址 / address to listen on (overrides LUCKYGAS_BIND)
    #[arg(long)]
    bind: Option<String>,
    /// 建立桃園示範公司（僅首次）/ seed a Taoyuan demo company on first start
    #[arg(long)]
    demo: bool,
}

#[derive(Subcommand)]
enum UserCommand {
    /// 新增帳號 / Add an account
    Add {
        /// 帳號 / user name
        #[arg(long)]
        username: String,
        /// 角色 / role: super_admin, manager, office_staff, driver, customer
        #[arg(long)]
        role: String,
        /// 姓名 / display name (default: the user name)
        #[arg(long)]
        display_name: Option<String>,
        /// 從標準輸入讀取密碼 / read the password from standard input
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("設定錯誤 / configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(Command::Bench(args)) = &cli.command {
        // A pure computation: no database, no runtime.
        return match crate::bench::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("錯誤 / error: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    observability::logging::init(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
            Command::Serve(args) => serve(config, args).await,
            Command::Migrate => migrate(config).await,
            Command::Worker => worker(config).await,
            Command::Bench(_) => unreachable!("handled before the runtime starts"),
            Command::User {
                command:
                    UserCommand::Add {
                        username,
                        role,
                        display_name,
                        password_stdin: _,
                    },
            } => user_add(config, &username, &role, display_name.as_deref()).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("錯誤 / error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(mut config: Config, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(bind) = args.bind {
        config.bind = bind;
    }
    config.check_for_serve().map_err(anyhow::Error::msg)?;
    settle_secret(&mut config)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
    let state = AppState::build(config, clock.clone()).await?;
    if args.demo {
        match demo::seed(&state.db, clock.now())
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
        {
            Some(accounts) => print_demo_accounts(&accounts),
            None => tracing::info!("demo company already present; nothing changed"),
        }
    }
    if state.config.jobs.enabled {
        app::start_worker(&state);
    }
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = db::backend_name(&state.db), "luckygas is serving");
    app::serve(state, listener, shutdown_signal()).await?;
    Ok(())
}

async fn worker(mut config: Config) -> anyhow::Result<()> {
    config.check_for_serve().map_err(anyhow::Error::msg)?;
    settle_secret(&mut config)?;
    let state = AppState::build(config, Arc::new(SystemClock)).await?;
    app::start_worker(&state);
    tracing::info!(instance = %state.jobs.instance, "luckygas worker is running");
    shutdown_signal().await;
    Ok(())
}

fn settle_secret(config: &mut Config) -> anyhow::Result<()> {
    if let Some(file) = config.settle_secret().map_err(anyhow::Error::msg)? {
        tracing::info!(
            file = %file.display(),
            "LUCKYGAS_SECRET is not set: signing with a random secret kept in this file \
             (set LUCKYGAS_SECRET to share one between instances)"
        );
    }
    Ok(())
}

fn print_demo_accounts(accounts: &[demo::DemoAccount]) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "\n示範帳號（密碼只顯示這一次）/ Demo accounts (passwords are shown only once):"
    );
    for a in accounts {
        let _ = writeln!(
            out,
            "  {:<10} {:<14} {}",
            a.username,
            a.role.as_str(),
            a.password
        );
    }
    let _ = writeln!(out);
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let conn = db::connect(&config.database_url).await?;
    db::migrate(&conn).await?;
    println!(
        "資料庫已是最新 / database is up to date ({})",
        db::backend_name(&conn)
    );
    Ok(())
}

async fn user_add(
    config: Config,
    username: &str,
    role: &str,
    display_name: Option<&str>,
) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    let new = form::parse_new_user(username, display_name.unwrap_or(username), role, password)
        .map_err(|errs| {
            anyhow::anyhow!(
                errs.iter()
                    .map(|e| format!("{} / {}", e.message.zh, e.message.en))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })?;
    let conn = db::connect_migrated(&config.database_url).await?;
    let role_name = Role::parse(role).map_or_else(|| role.to_owned(), |r| r.as_str().to_owned());
    let user = queries::create(&conn, None, new, SystemClock.now())
        .await
        .map_err(|e| match e {
            crate::error::AppError::Invalid(errs) => anyhow::anyhow!(
                errs.iter()
                    .map(|e| format!("{} / {}", e.message.zh, e.message.en))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            other => anyhow::anyhow!("{other:?}"),
        })?;
    println!(
        "已新增帳號 / account created: {} ({role_name})",
        user.username
    );
    Ok(())
}
