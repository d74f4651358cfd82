//! `nexml run exec`, `run compare` and the built-in trainers' stages.

use super::Context;
use super::output::print_json;
use crate::domain::{RunStatus, RunType};
use crate::exec::{Execution, plan};
use crate::store::{NewRun, Run};
use color_eyre::eyre::{Result, WrapErr, eyre};

#[allow(clippy::too_many_arguments)]
pub async fn exec(
    ctx: &Context,
    recipe: Option<String>,
    version: Option<String>,
    model: Option<String>,
    run_type: RunType,
    name: Option<String>,
    existing: Option<i64>,
    detach: bool,
    command: Vec<String>,
) -> Result<()> {
    reap_lost(ctx).await;
    // Only an approved version's commands, or the user's own, run.
    let (run, version) = match existing {
        Some(id) => {
            let run = ctx.store.run_row(id).await?;
            let version = ctx.service.version_to_exec(&run, &ctx.user).await?;
            (run, version)
        }
        None => {
            let run = create(ctx, recipe, version, model, run_type, true).await?;
            let version = ctx.service.version_to_exec(&run, &ctx.user).await?;
            (run, version)
        }
    };
    if let Some(name) = name.as_deref() {
        ctx.service
            .label_run(run.id, Some(name), None, &ctx.user)
            .await?;
    }
    let recipe = ctx.store.recipe(version.recipe_id).await?;
    let steps = plan::plan(
        &version.manifest_json,
        recipe.model_family.as_str(),
        run.run_type,
        &command,
    )
    .wrap_err_with(|| {
        format!(
            "run {} of '{}' {}",
            run.id, recipe.name, version.version_number
        )
    });
    let steps = match steps {
        Ok(steps) => steps,
        Err(e) => {
            // The run was created: it ends failed, saying why.
            ctx.service
                .claim_run(
                    run.id,
                    &format!("{}:{}", crate::exec::child::this_host(), std::process::id()),
                    &ctx.user,
                )
                .await?;
            ctx.service
                .finish_run(
                    run.id,
                    crate::domain::RunStatus::Failed,
                    &format!("{e:#}"),
                    None,
                    &ctx.user,
                )
                .await?;
            return Err(e);
        }
    };
    let run_dir = crate::config::run_dir(&ctx.database_url, run.id);
    if detach {
        return detach_executor(ctx, &run, &run_dir, command);
    }
    if !ctx.json {
        outln!(
            "run {} ({} of '{}' {}): {} step(s), {}, files in {}",
            run.id,
            run.run_type,
            recipe.name,
            version.version_number,
            steps.len(),
            crate::service::run_queue::exec_provenance(&version),
            run_dir.display()
        );
    }
    let finished = Execution {
        service: &ctx.service,
        run_id: run.id,
        steps,
        manifest: version.manifest_json.clone(),
        run_dir,
        database_url: ctx.database_url.clone(),
        actor: ctx.user.clone(),
        workdir: std::env::current_dir().wrap_err("reading the current folder")?,
        echo: (!ctx.json).then_some(&print_line as &(dyn Fn(&str) + Sync)),
    }
    .run()
    .await?;
    let succeeded = finished.status == crate::domain::RunStatus::Succeeded;
    if ctx.json {
        print_json(&finished)?;
    } else if succeeded {
        outln!("run {} {}", finished.id, finished.status);
    }
    // A run that did not succeed is said once, as the error line.
    if !succeeded {
        return Err(eyre!(
            "run {} {}{}",
            finished.id,
            finished.status,
            reason(&finished)
        ));
    }
    Ok(())
}

fn reason(run: &Run) -> String {
    if run.status_reason.is_empty() {
        String::new()
    } else {
        format!(": {}", run.status_reason)
    }
}

/// Hands the run to an executor in the background and says so.
fn detach_executor(
    ctx: &Context,
    run: &Run,
    run_dir: &std::path::Path,
    command: Vec<String>,
) -> Result<()> {
    crate::exec::spawn_detached(&ctx.database_url, &ctx.user, run.id, run_dir, &command)?;
    if ctx.json {
        return print_json(
            &serde_json::json!({"id": run.id, "status": RunStatus::Queued.as_str(), "detached": true}),
        );
    }
    outln!(
        "run {} started in the background: nexml run show {0} (or the Runs tab) follows it",
        run.id
    );
    Ok(())
}

/// A job's line on the terminal watching it. A terminal that went away (a
/// closed SSH session: EIO, a closed pipe: EPIPE) only ends the echo: the
/// executor goes on recording, and stops the job if a signal says so.
fn print_line(line: &str) {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    static GONE: AtomicBool = AtomicBool::new(false);
    if GONE.load(Ordering::Relaxed) {
        return;
    }
    let text = crate::text::sanitize_log(&format!("{line}\n"));
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        GONE.store(true, Ordering::Relaxed);
    }
}

/// Marks runs whose executor was lost; a reader notices them first.
pub(super) async fn reap_lost(ctx: &Context) {
    if let Err(e) = ctx
        .service
        .reap_lost_runs(&crate::exec::child::executor_is_dead, &ctx.user)
        .await
    {
        tracing::warn!("checking for lost executors: {e}");
    }
}

pub(super) async fn create(
    ctx: &Context,
    recipe: Option<String>,
    version: Option<String>,
    model: Option<String>,
    run_type: crate::domain::RunType,
    to_exec: bool,
) -> Result<Run> {
    let store = ctx.store.as_ref();
    let model = match model {
        Some(m) => Some(store.find_model(&m).await?),
        None => None,
    };
    let recipe_id = match (&recipe, &model) {
        (Some(r), _) => store.find_recipe(r).await?.id,
        (None, Some(m)) => m.recipe_id,
        (None, None) => return Err(eyre!("give --recipe or --model")),
    };
    let new = NewRun {
        recipe_id,
        version,
        model_id: model.map(|m| m.id),
        run_type,
    };
    Ok(if to_exec {
        ctx.service.create_run_to_exec(new, &ctx.user).await?
    } else {
        ctx.service.create_run(new, &ctx.user).await?
    })
}

/// `nexml builtin-stage`: one stage of a built-in trainer, started by
/// `run exec` with the run's folder and manifest in its environment.
pub fn builtin_stage(family: &str, stage: &str) -> Result<()> {
    use crate::domain::ModelFamily;
    use crate::trainers::{StageInput, StageKind, run_stage};
    let family = family
        .parse::<ModelFamily>()
        .ok()
        .ok_or_else(|| eyre!("no built-in trainer for the family '{family}'"))?;
    let kind =
        StageKind::parse(stage).ok_or_else(|| eyre!("no built-in stage of type '{stage}'"))?;
    let manifest_path = std::env::var("NEXML_MANIFEST")
        .wrap_err("NEXML_MANIFEST is not set: run exec starts this")?;
    let run_dir = std::path::PathBuf::from(
        std::env::var("NEXML_RUN_DIR")
            .wrap_err("NEXML_RUN_DIR is not set: run exec starts this")?,
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&manifest_path)
            .wrap_err_with(|| format!("reading {manifest_path}"))?,
    )
    .wrap_err_with(|| format!("{manifest_path}: not JSON"))?;
    let model_path = run_dir.join("artifacts").join("model.json");
    let model: Option<serde_json::Value> = std::fs::read_to_string(&model_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let seed = manifest
        .pointer("/lineage/seed")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(42);
    let input = StageInput {
        family,
        manifest: &manifest,
        seed,
        model: model.as_ref(),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let output = run_stage(kind, &input, &mut out).map_err(|e| eyre!("{stage}: {e}"))?;
    if let Some(model) = output.model {
        std::fs::create_dir_all(model_path.parent().unwrap_or(&run_dir))
            .wrap_err("creating the artifacts folder")?;
        std::fs::write(
            &model_path,
            serde_json::to_vec_pretty(&model).unwrap_or_default(),
        )
        .wrap_err_with(|| format!("writing {}", model_path.display()))?;
        use std::io::Write;
        writeln!(out, "nexml:artifact artifacts/model.json").wrap_err("writing to stdout")?;
    }
    Ok(())
}
