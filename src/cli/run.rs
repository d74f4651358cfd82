//! `nexml run ...`: list, show, create and update runs; execute them; and
//! the commands a job uses to report (log-metric, log-param, tag,
//! log-artifact).

use super::args::{RunCommand, RunList};
use super::output::{Table, fields, opt, opt_time, print_json, thousands, time};
use super::{Context, parse_json_arg, read_input};
use crate::domain::{RunStatus, RunType};
use crate::runs::compare;
use crate::runs::filter;
use crate::service::changes::{CancelRuns, TagRuns, UpdateRun};
use crate::store::tracking::{NewMetricPoint, RunDetail};
use crate::store::{RunChanges, RunQuery};
use crate::text::duration;
use color_eyre::eyre::{Result, eyre};
use std::path::{Path, PathBuf};

pub async fn run(ctx: &Context, command: RunCommand) -> Result<()> {
    match command {
        RunCommand::List(args) => list(ctx, args).await?,
        RunCommand::Show { id, history } => show(ctx, id, history).await?,
        RunCommand::Create {
            recipe,
            version,
            model,
            run_type,
        } => create(ctx, recipe, version, model, run_type).await?,
        RunCommand::Update {
            id,
            status,
            metrics,
            artifacts,
            append_log,
        } => update(ctx, id, status, metrics, artifacts, append_log).await?,
        RunCommand::Logs { id } => logs(ctx, id).await?,
        RunCommand::Exec {
            recipe,
            version,
            model,
            run_type,
            name,
            run,
            detach,
            command,
        } => {
            super::exec::exec(
                ctx, recipe, version, model, run_type, name, run, detach, command,
            )
            .await?
        }
        RunCommand::Cancel { id } => cancel(ctx, id).await?,
        RunCommand::LogMetric { values, step, run } => log_metric(ctx, values, step, run).await?,
        RunCommand::LogParam { values, run } => log_param(ctx, values, run).await?,
        RunCommand::Tag { values, run } => tag(ctx, values, run).await?,
        RunCommand::LogArtifact { path, dest, run } => log_artifact(ctx, path, dest, run).await?,
        RunCommand::Label { id, name, note } => label(ctx, id, name, note).await?,
        RunCommand::Metrics { id, key, points } => metrics(ctx, id, key, points).await?,
        RunCommand::Compare { ids } => compare(ctx, &ids).await?,
    }
    Ok(())
}

/// `key=value` arguments.
fn key_values(command: &str, values: &[String]) -> Result<Vec<(String, String)>> {
    values
        .iter()
        .map(|v| {
            v.split_once('=')
                .filter(|(k, _)| !k.trim().is_empty())
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| eyre!("{command}: '{v}' is not key=value"))
        })
        .collect()
}

async fn report(
    ctx: &Context,
    run: i64,
    report: crate::service::tracking::RunReport,
) -> Result<()> {
    ctx.service.report_run(run, report, &ctx.user).await?;
    Ok(())
}

fn done(ctx: &Context, run: i64, what: &str) -> Result<()> {
    if ctx.json {
        return print_json(&serde_json::json!({"run": run, "ok": true}));
    }
    outln!("{what} in run {run}");
    Ok(())
}

/// What only MLflow's client records: the values that are not numbers,
/// the datasets the run read, the models it logged and their registered
/// versions.
fn print_mlflow_only(detail: &RunDetail) {
    if !detail.nonfinite_points.is_empty() {
        outln!("\nvalues that are not numbers:");
        for p in &detail.nonfinite_points {
            outln!("  {} at step {}: {}", p.key, p.step, p.value);
        }
    }
    if !detail.inputs.is_empty() {
        outln!("\ndatasets:");
        for i in &detail.inputs {
            let tags: serde_json::Value = serde_json::from_str(&i.tags_json).unwrap_or_default();
            let context = tags
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["key"] == "mlflow.data.context")
                .and_then(|t| t["value"].as_str())
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            outln!("  {}{context}  digest {}", i.name, i.digest);
        }
    }
    if !detail.logged_models.is_empty() {
        outln!("\nlogged models:");
        for m in &detail.logged_models {
            let state = match m.deleted_at {
                Some(at) => format!("deleted {}", time(&at)),
                None => m.status.clone(),
            };
            outln!(
                "  {}  {}  {state}  files under models/{}/",
                m.id,
                m.name,
                m.id
            );
        }
    }
    if !detail.registered_versions.is_empty() {
        outln!("\nregistered versions:");
        for v in &detail.registered_versions {
            outln!("  {} version {}  stage {}", v.name, v.version, v.stage);
        }
    }
}

fn print_run(detail: &RunDetail, now: chrono::DateTime<chrono::Utc>) {
    let run = &detail.run;
    let mut rows = vec![
        ("id", run.id.to_string()),
        (
            "name",
            if run.name.is_empty() {
                "-".into()
            } else {
                run.name.clone()
            },
        ),
        (
            "recipe",
            match (&run.recipe_name, &run.recipe_version) {
                (Some(recipe), Some(version)) => format!("{recipe} {version}"),
                _ => "- (its experiment has none)".into(),
            },
        ),
    ];
    // The experiment, when it is not the recipe's own (named by it).
    if run.recipe_name.as_deref() != Some(run.experiment_name.as_str()) {
        rows.push((
            "experiment",
            format!("{} ({})", run.experiment_name, run.experiment_id),
        ));
    }
    rows.extend([
        ("model", opt(&run.model_name)),
        ("type", run.run_type.to_string()),
        ("status", run.status.to_string()),
    ]);
    if !run.status_reason.is_empty() {
        rows.push(("why", run.status_reason.clone()));
    }
    if let Some(code) = run.exit_code {
        rows.push(("exit status", code.to_string()));
    }
    rows.extend([
        (
            "created",
            format!("{} by {}", time(&run.created_at), run.created_by),
        ),
        ("started", opt_time(&run.started_at)),
        ("finished", opt_time(&run.finished_at)),
        ("duration", duration(run.duration_seconds(now))),
    ]);
    if let Some(executor) = &run.executor {
        rows.push((
            "executor",
            format!("{executor}, last heard {}", opt_time(&run.heartbeat_at)),
        ));
    }
    if !run.note.is_empty() {
        rows.push(("note", run.note.clone()));
    }
    if let Some(d) = &detail.deleted_through_mlflow {
        rows.push((
            "in MLflow",
            format!(
                "deleted by {} at {} (left out of MLflow's searches)",
                d.deleted_by,
                time(&d.deleted_at)
            ),
        ));
    }
    outln!("{}", fields(&rows));
    if !detail.params.is_empty() {
        outln!("\nparams:");
        for (k, v) in &detail.params {
            outln!("  {k} = {v}");
        }
    }
    if !detail.tags.is_empty() {
        outln!("\ntags:");
        for (k, v) in &detail.tags {
            outln!("  {k} = {v}");
        }
    }
    outln!(
        "\nmetrics:\n{}",
        crate::domain::diff::pretty(&run.metrics_json)
    );
    if !detail.metric_summaries.is_empty() {
        print_summaries(detail);
    }
    print_mlflow_only(detail);
    if !detail.artifact_files.is_empty() {
        outln!("\nartifact files:");
        for a in &detail.artifact_files {
            outln!(
                "  {}  {} bytes  sha256 {}",
                a.path,
                thousands(a.size),
                &a.sha256[..12.min(a.sha256.len())]
            );
        }
    }
    if run
        .artifacts_json
        .as_object()
        .is_some_and(|o| !o.is_empty())
    {
        outln!(
            "\nartifact links:\n{}",
            crate::domain::diff::pretty(&run.artifacts_json)
        );
    }
}

fn print_summaries(detail: &RunDetail) {
    let mut t = Table::new(&["metric", "points", "steps", "last", "min", "max"]);
    for m in &detail.metric_summaries {
        t.row(vec![
            m.key.clone(),
            thousands(m.points),
            format!("{}..{}", m.first_step, m.last_step),
            detail
                .run
                .metrics_json
                .get(&m.key)
                .map(|v| v.to_string())
                .unwrap_or("-".into()),
            m.min.to_string(),
            m.max.to_string(),
        ]);
    }
    outln!("\nmetric history:\n{}", t.render());
}

/// `run compare`: params and final metrics side by side, with deltas.
pub async fn compare(ctx: &Context, ids: &[i64]) -> Result<()> {
    let mut sides = Vec::new();
    for id in ids {
        sides.push(ctx.store.run_detail(*id, 0).await?.compare_side());
    }
    let c = compare::compare(&sides);
    if ctx.json {
        return print_json(&c);
    }
    let mut headers = vec!["".to_string()];
    headers.extend(c.runs.iter().map(|id| format!("run {id}")));
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::new(&header_refs);
    for p in &c.params {
        let mut row = vec![format!("{}{}", if p.differs { "≠ " } else { "  " }, p.key)];
        row.extend(p.values.iter().map(|v| v.clone().unwrap_or("-".into())));
        t.row(row);
    }
    for m in &c.metrics {
        let mut row = vec![format!("  {}", m.key)];
        for (i, v) in m.values.iter().enumerate() {
            row.push(match (v, m.deltas[i]) {
                (None, _) => "-".into(),
                (Some(v), Some(d)) if i > 0 => format!("{v} ({d:+.4})"),
                (Some(v), _) => v.to_string(),
            });
        }
        t.row(row);
    }
    outln!("{}", t.render());
    Ok(())
}

/// `nexml run list`.
async fn list(ctx: &Context, args: RunList) -> Result<()> {
    let RunList {
        status,
        run_type,
        family,
        recipe,
        model,
        experiment,
        search,
        filter,
        order_by,
        paging,
    } = args;
    let store = ctx.store.as_ref();
    let filter = filter
        .as_deref()
        .map(|text| filter::parse(text).map_err(|e| eyre!("--filter \"{text}\": {e}")))
        .transpose()?;
    let order_by = order_by
        .as_deref()
        .map(|text| filter::parse_order_by(text).map_err(|e| eyre!("--order-by \"{text}\": {e}")))
        .transpose()?
        .unwrap_or_default();
    super::exec::reap_lost(ctx).await;
    let recipe_id = match recipe {
        Some(r) => Some(store.find_recipe(&r).await?.id),
        None => None,
    };
    let model_id = match model {
        Some(m) => Some(store.find_model(&m).await?.id),
        None => None,
    };
    let experiment_ids = match experiment {
        Some(e) => vec![store.find_experiment(&e).await?.id],
        None => Vec::new(),
    };
    let page = store
        .list_runs(&RunQuery {
            status,
            run_type,
            family,
            recipe_id,
            model_id,
            experiment_ids,
            search,
            filter,
            order_by,
            limit: paging.limit,
            offset: paging.offset,
            ..RunQuery::default()
        })
        .await?;
    if ctx.json {
        return print_json(&page);
    }
    let now = ctx.service.now();
    let mut t = Table::new(&[
        "id", "name", "recipe", "model", "version", "type", "status", "started", "duration",
        "metric",
    ]);
    for r in &page.items {
        t.row(vec![
            r.id.to_string(),
            if r.name.is_empty() {
                "-".into()
            } else {
                r.name.clone()
            },
            r.recipe_or_experiment().to_string(),
            opt(&r.model_name),
            opt(&r.recipe_version),
            r.run_type.to_string(),
            r.status.to_string(),
            opt_time(&r.started_at),
            duration(r.duration_seconds(now)),
            r.headline_metric()
                .map(|(k, v)| format!("{k} {v}"))
                .unwrap_or("-".into()),
        ]);
    }
    outln!("{}", t.render());
    let total = if page.total > crate::store::session::SEARCH_COUNT_CAP {
        format!("{}+", thousands(crate::store::session::SEARCH_COUNT_CAP))
    } else {
        thousands(page.total)
    };
    outln!("{} of {total} runs", page.items.len());
    Ok(())
}

/// `nexml run show`.
async fn show(ctx: &Context, id: i64, history: i64) -> Result<()> {
    let store = ctx.store.as_ref();
    super::exec::reap_lost(ctx).await;
    let detail = store.run_detail(id, history).await?;
    if ctx.json {
        return print_json(&detail);
    }
    print_run(&detail, ctx.service.now());
    Ok(())
}

/// `nexml run create`.
async fn create(
    ctx: &Context,
    recipe: Option<String>,
    version: Option<String>,
    model: Option<String>,
    run_type: RunType,
) -> Result<()> {
    let run = super::exec::create(ctx, recipe, version, model, run_type, false).await?;
    if ctx.json {
        return print_json(&run);
    }
    outln!(
        "created run {} ({} of {}, {})",
        run.id,
        run.run_type,
        run.origin(),
        run.status
    );
    Ok(())
}

/// `nexml run update`.
async fn update(
    ctx: &Context,
    id: i64,
    status: Option<RunStatus>,
    metrics: Option<String>,
    artifacts: Option<String>,
    append_log: Option<String>,
) -> Result<()> {
    let metrics = metrics
        .map(|m| parse_json_arg("--metrics", &m))
        .transpose()?;
    let artifacts = artifacts
        .map(|a| parse_json_arg("--artifacts", &a))
        .transpose()?;
    let append_log = match append_log {
        Some(t) if t == "-" => Some(read_input(Path::new("-"))?),
        other => other,
    };
    let change = UpdateRun {
        run: id,
        changes: RunChanges {
            status,
            metrics,
            artifacts,
            append_log,
        },
    };
    let run = ctx.service.update_run(change, &ctx.user).await?;
    if ctx.json {
        return print_json(&run);
    }
    outln!("updated run {} ({})", run.id, run.status);
    Ok(())
}

/// `nexml run logs`.
async fn logs(ctx: &Context, id: i64) -> Result<()> {
    let store = ctx.store.as_ref();
    let run = store.run(id).await?;
    if ctx.json {
        return print_json(&serde_json::json!({"id": run.id, "logs_text": run.log()}));
    }
    out!("{}", crate::text::sanitize_log(run.log()));
    Ok(())
}

/// `nexml run cancel`.
async fn cancel(ctx: &Context, id: i64) -> Result<()> {
    let change = CancelRuns { runs: vec![id] };
    let cancelled = ctx.service.cancel_runs(change, &ctx.user).await?;
    let Some(run) = cancelled.asked.into_iter().next() else {
        return Err(eyre!("run {id} was not cancelled"));
    };
    if ctx.json {
        return print_json(&run);
    }
    if run.status.is_finished() {
        outln!("cancelled run {id}");
    } else {
        outln!(
            "asked run {id}'s executor to stop it (SIGTERM, SIGKILL after {} s)",
            crate::exec::child::GRACE.as_secs()
        );
    }
    Ok(())
}

/// `nexml run log-metric`.
async fn log_metric(ctx: &Context, values: Vec<String>, step: i64, run: i64) -> Result<()> {
    let at = ctx.service.now();
    let metrics = key_values("log-metric", &values)?
        .into_iter()
        .map(|(key, text)| {
            let value = text
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| eyre!("log-metric: {key}={text}: not a finite number"))?;
            Ok(NewMetricPoint {
                key,
                step,
                value,
                at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let n = metrics.len();
    report(
        ctx,
        run,
        crate::service::tracking::RunReport {
            metrics,
            ..Default::default()
        },
    )
    .await?;
    done(
        ctx,
        run,
        &format!("recorded {n} metric value(s) at step {step}"),
    )?;
    Ok(())
}

/// `nexml run log-param`.
async fn log_param(ctx: &Context, values: Vec<String>, run: i64) -> Result<()> {
    let params = key_values("log-param", &values)?;
    let said = format!("recorded {} param(s)", params.len());
    let one = crate::service::tracking::RunReport {
        params,
        ..Default::default()
    };
    report_and_say(ctx, run, one, &said).await
}

/// `nexml run tag`.
async fn tag(ctx: &Context, values: Vec<String>, run: i64) -> Result<()> {
    let tags = key_values("tag", &values)?;
    let said = format!("set {} tag(s)", tags.len());
    let change = TagRuns {
        runs: vec![run],
        tags,
    };
    ctx.service.tag_runs(change, &ctx.user).await?;
    done(ctx, run, &said)
}

/// Records a report and says what it did.
async fn report_and_say(
    ctx: &Context,
    run: i64,
    one: crate::service::tracking::RunReport,
    said: &str,
) -> Result<()> {
    report(ctx, run, one).await?;
    done(ctx, run, said)
}

/// `nexml run log-artifact`.
async fn log_artifact(ctx: &Context, path: PathBuf, dest: Option<String>, run: i64) -> Result<()> {
    let store = ctx.store.as_ref();
    let dest = match dest {
        Some(d) => d,
        None => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| eyre!("log-artifact: {} names no file", path.display()))?,
    };
    store.run_row(run).await?;
    let run_dir = crate::config::run_dir(&ctx.database_url, run);
    let staged = crate::artifacts::stage_file(&run_dir, run, &path, &dest, ctx.service.now())?;
    let artifact = ctx.service.keep_artifact(staged, &ctx.user).await?;
    if ctx.json {
        return print_json(&artifact);
    }
    outln!(
        "recorded {} ({} bytes, sha256 {}) in run {run}",
        artifact.path,
        thousands(artifact.size),
        &artifact.sha256[..12]
    );
    Ok(())
}

/// `nexml run label`.
async fn label(ctx: &Context, id: i64, name: Option<String>, note: Option<String>) -> Result<()> {
    if name.is_none() && note.is_none() {
        return Err(eyre!("label: give --name, --note or both"));
    }
    let run = ctx
        .service
        .label_run(id, name.as_deref(), note.as_deref(), &ctx.user)
        .await?;
    if ctx.json {
        return print_json(&run);
    }
    outln!("labelled run {id}");
    Ok(())
}

/// `run metrics`: one metric's points, or every metric's summary.
async fn metrics(ctx: &Context, id: i64, key: Option<String>, points: i64) -> Result<()> {
    let store = ctx.store.as_ref();
    match key {
        Some(key) => {
            let series = store.metric_series(id, &key, points).await?;
            if series.total == 0 {
                return Err(eyre!("run {id} has no metric '{key}'"));
            }
            if ctx.json {
                return print_json(&series.points);
            }
            let mut t = Table::new(&["step", "value", "time"]);
            for p in &series.points {
                t.row(vec![p.step.to_string(), p.value.to_string(), time(&p.at)]);
            }
            outln!("{}", t.render());
            outln!(
                "{} of {} points",
                thousands(series.points.len() as i64),
                thousands(series.total)
            );
        }
        None => {
            let detail = store.run_detail(id, 0).await?;
            if ctx.json {
                return print_json(&detail.metric_summaries);
            }
            print_summaries(&detail);
        }
    }
    Ok(())
}
