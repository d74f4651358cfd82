//! nexml: a terminal workspace for ML model development.

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr};
use nexml::cli::{self, Cli};
use nexml::{config, seed, store};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .install()
    {
        nexml::cli::output::write_err(&format!("error: {e}"));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            nexml::cli::output::write_err(&format!("error: starting the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line that says what and where; the chain gives the where.
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            cli::output::write_err(&format!("error: {}", chain.join(": ")));
            ExitCode::from(cli::exit::status_of(&e))
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let _log_guard = init_logging(&cli.log_level);
    // Pure computation: no database, no configuration.
    match &cli.command {
        Some(cli::Command::Drift(args)) => return cli::drift(cli.json, args),
        Some(cli::Command::Completions { shell }) => return cli::shell::completions(*shell),
        Some(cli::Command::Man) => return cli::shell::man(),
        Some(cli::Command::BuiltinStage { family, stage }) => {
            return cli::builtin_stage(family, stage);
        }
        _ => {}
    }
    let config = config::Config::load(cli.config.as_deref())?;
    let url = match &cli.database_url {
        Some(u) => u.clone(),
        None => config::default_database_url()?,
    };
    let user = cli
        .user
        .clone()
        .filter(|u| !u.trim().is_empty())
        .or_else(config::login_name);
    if user.is_none() {
        cli::output::write_err(&format!(
            "note: no login name found: set --user or NEXML_USER (changes are signed '{}', and refused on a shared PostgreSQL database)",
            nexml::service::UNKNOWN_USER
        ));
    }
    let user = user.unwrap_or_else(|| nexml::service::UNKNOWN_USER.to_string());
    // Every change is signed with this name, and teammates' terminals show it.
    let user = nexml::domain::names::check_person(
        "the user name (--user, NEXML_USER or the login)",
        &user,
    )
    .map_err(|e| color_eyre::eyre::eyre!(e))?;
    let store = store::open(&url).await?;
    tracing::info!(backend = store.backend(), "opened the database");
    let service = nexml::service::Service::new(
        store.clone(),
        config.governance(store.backend()),
        nexml::domain::Clock::System,
    )
    .with_notifier(config.notifier());
    let ctx = cli::Context {
        store,
        service,
        user,
        json: cli.json,
        config,
        database_url: url.clone(),
    };
    let outcome = match (cli.seed, cli.command) {
        (true, _) => seed(&ctx, cli.demo).await,
        (false, Some(command)) => cli::run(&ctx, command).await,
        (false, None) => open_app(&ctx, &url).await,
    };
    // Succeeded or not, the database is left tidy for the next process.
    ctx.store.close().await;
    outcome
}

async fn open_app(ctx: &cli::Context, url: &str) -> Result<()> {
    seed::seed_baselines(&ctx.service)
        .await
        .wrap_err("seeding the baselines")?;
    nexml::tui::run(ctx.service.clone(), &ctx.config, &ctx.user, url).await
}

async fn seed(ctx: &cli::Context, demo: bool) -> Result<()> {
    // With the demo, the baselines date from before what is cloned from them.
    let baselines = match demo {
        true => (ctx.service.clone()).with_clock(nexml::domain::Clock::Fixed(seed::demo_start(
            ctx.service.now(),
        ))),
        false => ctx.service.clone(),
    };
    let mut report = seed::seed_baselines(&baselines).await?;
    if demo {
        report.merge(seed::seed_demo(&ctx.service, ctx.service.now()).await?);
    }
    if ctx.json {
        return cli::output::print_json(&report);
    }
    for line in report.lines() {
        cli::output::write_out(format_args!("{line}\n"));
    }
    Ok(())
}

/// Log lines waiting for the log file's writer thread, at most.
const LOG_QUEUE_LINES: usize = 4096;

/// Logs go to a file in the state directory, never to the screen.
fn init_logging(level: &str) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = config::state_dir();
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "nexml.log");
    // The default queue holds 128,000 lines, set up slot by slot before the
    // first is written: a thousand fresh pages, a sixth of a command's start.
    // Lines beyond this many waiting are dropped (the log is not a record).
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .finish(appender);
    let filter = tracing_subscriber::EnvFilter::try_new(format!("nexml={level}"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("nexml=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
