//! Headless subcommands: parse arguments, call the store, print a table or JSON.

/// `print!` to standard output through `output::write_out`, which ends quietly
/// on a closed pipe instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write_out(format_args!($($arg)*))
    };
}

/// `println!` through `output::write_out`; see `out!`.
macro_rules! outln {
    () => {
        $crate::cli::output::write_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub mod args;
mod context;
pub use exec::builtin_stage;
mod exec;
pub mod exit;
mod experiment;
mod ingest;
mod input;
mod model;
pub mod monitor;
pub mod output;
pub(crate) mod progress;
mod recipe;
mod run;
pub mod shell;
mod watch;

pub use args::{Cli, Command};
pub use context::Context;
pub use input::{parse_json_arg, read_input, read_json};

use color_eyre::eyre::{Result, WrapErr, eyre};

pub async fn run(ctx: &Context, command: Command) -> Result<()> {
    match command {
        Command::Recipe(c) => recipe::run(ctx, c).await,
        Command::Model(c) => model::run(ctx, c).await,
        Command::Run(c) => run::run(ctx, c).await,
        Command::Experiment(c) => experiment::run(ctx, c).await,
        Command::Monitor(c) => monitor::run(ctx, c).await,
        Command::Generate(a) => generate(ctx, a).await,
        Command::Drift(a) => drift(ctx.json, &a),
        Command::Chat(a) => chat(ctx, a).await,
        Command::Completions { shell } => shell::completions(shell),
        Command::Audit(c) => audit(ctx, c).await,
        Command::Man => shell::man(),
        Command::Names { kind } => shell::names(ctx, kind).await,
        Command::Serve(a) => {
            let serve = &ctx.config.serve;
            let options = crate::serve::Options {
                bind: a.bind,
                allowed_hosts: [serve.allowed_hosts.clone(), a.allowed_hosts].concat(),
                allowed_origins: [serve.allowed_origins.clone(), a.allowed_origins].concat(),
                idle_timeout: std::time::Duration::from_secs(a.idle_timeout),
                max_connections: a.max_connections,
            };
            crate::serve::serve(
                ctx.service.clone(),
                ctx.user.clone(),
                ctx.database_url.clone(),
                &options,
                |line| outln!("{line}"),
            )
            .await
        }
        Command::BuiltinStage { family, stage } => exec::builtin_stage(&family, &stage),
    }
}

/// `nexml chat`: one request, the reply, and the proposal applied with
/// `--apply`; with `--llm` the reply streams from the language model first.
async fn chat(ctx: &Context, a: args::ChatArgs) -> Result<()> {
    let recipe_id = match &a.recipe {
        Some(r) => Some(ctx.store.find_recipe(r).await?.id),
        None => None,
    };
    let exchange = if a.llm {
        let answer = ask_llm(ctx, recipe_id, &a.message).await?;
        let outcome = answer.as_ref().map_err(|e| e.to_string());
        let exchange = ctx
            .service
            .chat_record_llm(recipe_id, &a.message, outcome, a.apply, &ctx.user)
            .await?;
        if let Err(e) = answer {
            return Err(eyre!("{e}"));
        }
        exchange
    } else {
        ctx.service
            .chat_ask(recipe_id, &a.message, a.apply, &ctx.user)
            .await?
    };
    if ctx.json {
        return output::print_json(&exchange);
    }
    print_exchange(&exchange, a.llm)
}

/// Streams the language model's answer to the terminal as it arrives.
async fn ask_llm(
    ctx: &Context,
    recipe_id: Option<i64>,
    message: &str,
) -> Result<std::result::Result<crate::llm::LlmAnswer, String>> {
    use crate::llm::{self, LlmEvent};
    let Some(config) = ctx.config.assistant.llm.clone() else {
        return Err(eyre!(
            "no language model configured: add [assistant.llm] (base_url, model, api_key_env) to the config file"
        ));
    };
    let data = crate::service::chat::load(ctx.store.as_ref(), recipe_id, &ctx.user).await?;
    let history = ctx.store.chat_history(recipe_id, &ctx.user, 50).await?;
    let mut stream = llm::start(
        &config,
        crate::service::chat::llm_request(&data, &history, message),
    );
    Ok(loop {
        match stream.recv().await {
            Some(LlmEvent::Token(t)) if !ctx.json => out!("{t}"),
            Some(LlmEvent::Token(_)) => {}
            Some(LlmEvent::Done(answer)) => break Ok(answer),
            Some(LlmEvent::Failed(e)) => break Err(e.to_string()),
            None => break Err("the language model's answer ended early".into()),
        }
    })
}

fn print_exchange(exchange: &crate::service::chat::Exchange, streamed: bool) -> Result<()> {
    if streamed {
        outln!();
    } else {
        outln!("{}", exchange.text);
    }
    if let Some(p) = &exchange.proposal {
        let (summary, patch) = match p {
            crate::assistant::Proposal::Edit { summary, patch } => (summary, patch),
            crate::assistant::Proposal::NewRecipe { summary, patch, .. } => (summary, patch),
        };
        outln!(
            "\nproposed change{}:",
            if streamed { " (validated)" } else { "" }
        );
        for line in summary {
            outln!("  {line}");
        }
        if !streamed {
            outln!(
                "\nRFC 6902 patch:\n{}",
                serde_json::to_string_pretty(patch)?
            );
        }
        match &exchange.applied {
            Some(done) => outln!("\napplied: {}", done.message),
            None => outln!("\nnothing written: run again with --apply to apply it"),
        }
    }
    if !exchange.suggestions.is_empty() {
        outln!("\nyou could ask:");
        for s in &exchange.suggestions {
            outln!("  - {s}");
        }
    }
    Ok(())
}

/// `nexml audit list|verify`.
async fn audit(ctx: &Context, command: args::AuditCommand) -> Result<()> {
    match command {
        args::AuditCommand::List { entity, id, limit } => {
            let rows = ctx.service.audit_log(entity.as_deref(), id, limit).await?;
            if ctx.json {
                return output::print_json(&rows);
            }
            let mut t =
                output::Table::new(&["id", "at", "actor", "entity", "item", "action", "details"]);
            for r in &rows {
                t.row(vec![
                    r.id.to_string(),
                    output::time(&r.at),
                    r.actor.clone(),
                    r.entity.clone(),
                    r.entity_id.to_string(),
                    r.action.clone(),
                    crate::text::truncate(&r.details.to_string(), 60),
                ]);
            }
            outln!("{}", t.render());
        }
        args::AuditCommand::Verify { anchors } => {
            let anchors = match &anchors {
                Some(path) => {
                    // Bounded, and never a FIFO or device: as every input file.
                    let text = read_input(path)?;
                    crate::domain::audit_anchor::parse(&text)
                        .map_err(|e| eyre!("{}: {e}", path.display()))?
                }
                None => Vec::new(),
            };
            let verified = ctx.service.verify_audit_against(&anchors).await?;
            if ctx.json {
                return output::print_json(&serde_json::json!({
                    "intact": true, "linked": verified.linked, "before_chain": verified.before,
                    "anchors": anchors.len(),
                }));
            }
            outln!(
                "the audit chain is intact: {} row{} linked{}",
                output::thousands(verified.linked as i64),
                if verified.linked == 1 { "" } else { "s" },
                if verified.before > 0 {
                    format!(
                        " ({} older rows were written before the chain began)",
                        verified.before
                    )
                } else {
                    String::new()
                }
            );
            if !anchors.is_empty() {
                outln!(
                    "it holds all {} anchored row{} as anchored",
                    anchors.len(),
                    if anchors.len() == 1 { "" } else { "s" }
                );
            }
        }
        args::AuditCommand::Anchor { append } => {
            let anchor = ctx.service.audit_anchor().await?;
            if let Some(path) = &append {
                append_line(path, &anchor.to_string())?;
            }
            if ctx.json {
                return output::print_json(&serde_json::json!({
                    "id": anchor.id, "hash": anchor.hash, "at": anchor.at,
                    "line": anchor.to_string(),
                    "appended_to": append.as_ref().map(|p| p.display().to_string()),
                }));
            }
            outln!("{anchor}");
        }
    }
    Ok(())
}

/// Adds a line to the end of a file (created if missing), so the file
/// keeps every anchor ever written.
fn append_line(path: &std::path::Path, line: &str) -> Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .wrap_err_with(|| format!("opening {} to append the anchor", path.display()))?;
    writeln!(file, "{line}").wrap_err_with(|| format!("appending the anchor to {}", path.display()))
}

/// `nexml drift`: pure computation on two files, read side by side and
/// only the columns compared.
pub fn drift(json: bool, a: &args::DriftArgs) -> Result<()> {
    let wanted = crate::drift::Wanted::of(&a.columns);
    let (reference, current) = crate::drift::load_pair(&a.reference, &a.current, &wanted)?;
    let options = crate::drift::DriftOptions {
        columns: a.columns.clone(),
        categorical: a.categorical.clone(),
        numerical: a.numerical.clone(),
        stattest: a.stattest,
        threshold: a.threshold,
    };
    let report = crate::drift::compare(&reference, &current, &options)?;
    if json {
        return output::print_json(&report);
    }
    outln!("{}", crate::drift::render_table(&report));
    Ok(())
}

async fn generate(ctx: &Context, a: args::GenerateArgs) -> Result<()> {
    if a.snapshots > 0 && a.models == 0 {
        return Err(eyre!(
            "--snapshots {} needs models to belong to: give --models 1 or more",
            a.snapshots
        ));
    }
    let options = crate::seed::GenerateOptions {
        runs: a.runs,
        snapshots: a.snapshots,
        recipes: a.recipes,
        models: a.models,
        seed: a.seed,
    };
    let started = std::time::Instant::now();
    let mut progress = progress::Progress::new("generate", ctx.json);
    let tracking = crate::seed::TrackingOptions {
        metric_points: a.metric_points,
        params: a.metric_points > 0,
    };
    let report =
        crate::seed::generate_tracked(&ctx.service, options, tracking, |step| progress.show(step))
            .await?;
    progress.finish();
    if ctx.json {
        return output::print_json(&report);
    }
    outln!(
        "generated {} recipes, {} models, {} runs, {} snapshots in {:.1} s",
        report.recipes,
        report.models,
        output::thousands(report.runs as i64),
        output::thousands(report.snapshots as i64),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
