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
mod model;
pub mod monitor;
pub mod output;
mod recipe;
mod run;

pub use args::{Cli, Command};

use crate::config::Config;
use crate::domain::{ChatRole, ChatStatus};
use crate::store::Store;
use color_eyre::eyre::{Result, WrapErr, eyre};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// What every subcommand needs.
pub struct Context {
    pub store: Arc<dyn Store>,
    pub user: String,
    pub json: bool,
    pub config: Config,
}

pub async fn run(ctx: &Context, command: Command) -> Result<()> {
    match command {
        Command::Recipe(c) => recipe::run(ctx, c).await,
        Command::Model(c) => model::run(ctx, c).await,
        Command::Run(c) => run::run(ctx, c).await,
        Command::Monitor(c) => monitor::run(ctx, c).await,
        Command::Generate(a) => generate(ctx, a).await,
        Command::Drift(a) => drift(ctx.json, &a),
        Command::Chat(a) => chat(ctx, a).await,
    }
}

/// `nexml chat`: one request, the reply, and the proposal applied with --apply.
async fn chat(ctx: &Context, a: args::ChatArgs) -> Result<()> {
    let store = ctx.store.as_ref();
    let recipe_id = match &a.recipe {
        Some(r) => Some(store.find_recipe(r).await?.id),
        None => None,
    };
    let data = crate::chat::load(store, recipe_id).await?;
    if a.llm {
        return chat_llm(ctx, recipe_id, &data, &a).await;
    }
    let reply = data.reply(&a.message);
    store
        .add_chat_message(recipe_id, ChatRole::User, &a.message, None, &ctx.user)
        .await?;
    let proposal_json = reply
        .proposal
        .as_ref()
        .map(serde_json::to_value)
        .transpose()?;
    let saved = store
        .add_chat_message(
            recipe_id,
            ChatRole::Assistant,
            &reply.text,
            proposal_json.as_ref(),
            &ctx.user,
        )
        .await?;
    let applied = match (&reply.proposal, a.apply) {
        (Some(p), true) => {
            let done = crate::chat::apply(store, &data, p, &a.message, &ctx.user).await?;
            store.set_chat_status(saved.id, ChatStatus::Applied).await?;
            Some(done)
        }
        _ => None,
    };
    if ctx.json {
        return output::print_json(&serde_json::json!({
            "intent": reply.intent, "text": reply.text, "proposal": reply.proposal,
            "suggestions": reply.suggestions, "applied": applied,
        }));
    }
    outln!("{}", crate::text::sanitize_log(&reply.text));
    if let Some(p) = &reply.proposal {
        let (summary, patch) = match p {
            crate::assistant::Proposal::Edit { summary, patch } => (summary, patch),
            crate::assistant::Proposal::NewRecipe { summary, patch, .. } => (summary, patch),
        };
        outln!("\nproposed change:");
        for line in summary {
            outln!("  {}", crate::text::sanitize(line));
        }
        outln!(
            "\nRFC 6902 patch:\n{}",
            serde_json::to_string_pretty(patch)?
        );
        match &applied {
            Some(done) => outln!("\napplied: {}", done.message),
            None => outln!("\nnothing written: run again with --apply to apply it"),
        }
    }
    if !reply.suggestions.is_empty() {
        outln!("\nyou could ask:");
        for s in &reply.suggestions {
            outln!("  - {}", crate::text::sanitize(s));
        }
    }
    Ok(())
}

/// `nexml chat --llm`: the reply streams to the terminal as it arrives; the
/// patch is validated before anything is offered or applied.
async fn chat_llm(
    ctx: &Context,
    recipe_id: Option<i64>,
    data: &crate::chat::ChatData,
    a: &args::ChatArgs,
) -> Result<()> {
    use crate::llm::{self, LlmEvent};
    let Some(config) = ctx.config.assistant.llm.clone() else {
        return Err(eyre!(
            "no language model configured: add [assistant.llm] (base_url, model, api_key_env) to the config file"
        ));
    };
    let store = ctx.store.as_ref();
    let history = store.chat_history(recipe_id, 50).await?;
    let mut stream = llm::start(
        &config,
        crate::chat::llm_request(data, &history, &a.message),
    );
    let answer = loop {
        match stream.recv().await {
            Some(LlmEvent::Token(t)) if !ctx.json => out!("{}", crate::text::sanitize_log(&t)),
            Some(LlmEvent::Token(_)) => {}
            Some(LlmEvent::Done(answer)) => break answer,
            Some(LlmEvent::Failed(e)) => return Err(eyre!("{e}")),
            None => return Err(eyre!("the language model's answer ended early")),
        }
    };
    store
        .add_chat_message(recipe_id, ChatRole::User, &a.message, None, &ctx.user)
        .await?;
    let proposal = crate::chat::llm_proposal(&answer);
    let proposal_json = proposal.as_ref().map(serde_json::to_value).transpose()?;
    let saved = store
        .add_chat_message(
            recipe_id,
            ChatRole::Assistant,
            &answer.explanation,
            proposal_json.as_ref(),
            &ctx.user,
        )
        .await?;
    let applied = match (&proposal, a.apply) {
        (Some(p), true) => {
            let done = crate::chat::apply(store, data, p, &a.message, &ctx.user).await?;
            store.set_chat_status(saved.id, ChatStatus::Applied).await?;
            Some(done)
        }
        _ => None,
    };
    if ctx.json {
        return output::print_json(
            &serde_json::json!({"text": answer.explanation, "proposal": proposal, "applied": applied}),
        );
    }
    outln!();
    if let Some(crate::assistant::Proposal::Edit { summary, .. }) = &proposal {
        outln!("\nproposed change (validated):");
        for line in summary {
            outln!("  {}", crate::text::sanitize(line));
        }
        match &applied {
            Some(done) => outln!("applied: {}", done.message),
            None => outln!("nothing written: run again with --apply to apply it"),
        }
    }
    Ok(())
}

/// `nexml drift`: pure computation on two files.
pub fn drift(json: bool, a: &args::DriftArgs) -> Result<()> {
    let reference = crate::drift::load_csv(&a.reference)?;
    let current = crate::drift::load_csv(&a.current)?;
    let options = crate::drift::DriftOptions {
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
    let options = crate::seed::GenerateOptions {
        runs: a.runs,
        snapshots: a.snapshots,
        recipes: a.recipes,
        models: a.models,
        seed: a.seed,
    };
    let started = std::time::Instant::now();
    let quiet = ctx.json;
    let report = crate::seed::generate(ctx.store.as_ref(), options, |line| {
        if !quiet {
            output::write_err(&format!("generate: {line}"));
        }
    })
    .await?;
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

/// Reads a file argument; `-` reads standard input.
pub fn read_input(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .wrap_err("reading standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(path).wrap_err_with(|| format!("reading {}", path.display()))
}

/// Reads and parses a JSON file argument, naming the file and place on error.
pub fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = read_input(path)?;
    serde_json::from_str(&text).map_err(|e| {
        eyre!(
            "{}:{}:{}: {}",
            path.display(),
            e.line(),
            e.column(),
            strip_position(&e.to_string())
        )
    })
}

/// Parses a JSON argument given inline.
pub fn parse_json_arg(flag: &str, text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| {
        eyre!(
            "{flag}: {}:{}: {}",
            e.line(),
            e.column(),
            strip_position(&e.to_string())
        )
    })
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
