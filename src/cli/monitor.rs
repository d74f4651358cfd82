//! `nexml monitor ...`

use super::args::MonitorCommand;
use super::ingest::{self, Batch, Outcome};
use super::output::{Table, print_json, time};
use super::{Context, read_json};
use crate::domain::AlertState;
use crate::service::changes::AddSnapshot;
use crate::service::monitoring::Recorded;
use crate::store::Model;
use crate::store::NewSnapshot;
use color_eyre::eyre::{Result, eyre};
use serde_json::{Value, json};
use std::path::PathBuf;

pub async fn run(ctx: &Context, command: MonitorCommand) -> Result<()> {
    match command {
        MonitorCommand::List { model, limit } => list(ctx, model, limit).await?,
        MonitorCommand::Ingest {
            model,
            reference,
            current,
            at,
        } => ingest_batch(ctx, model, reference, current, at).await?,
        MonitorCommand::Watch {
            dir,
            model,
            reference,
            settle,
        } => watch(ctx, dir, model, reference, settle).await?,
        MonitorCommand::Alerts { model, state } => alerts(ctx, model, state).await?,
        MonitorCommand::Ack { id } => set_state(ctx, id, AlertState::Acknowledged).await?,
        MonitorCommand::Resolve { id } => set_state(ctx, id, AlertState::Resolved).await?,
        MonitorCommand::Add { model, snapshot } => add(ctx, model, snapshot).await?,
    }
    Ok(())
}

/// Every batch of a folder, oldest first: a line each (or, with `--json`,
/// what became of each), with progress on a terminal. A batch the model has
/// already is skipped, saying so.
async fn ingest_folder(
    ctx: &Context,
    model: &Model,
    manifest: &Value,
    reference: &crate::drift::Table,
    dir: &std::path::Path,
) -> Result<()> {
    let batches = ingest::batches_in(dir, ctx.service.now())?;
    if batches.is_empty() {
        return Err(eyre!("{}: no CSV batches in it", dir.display()));
    }
    let mut progress = super::progress::Progress::new("ingest", ctx.json);
    let mut outcomes = Vec::with_capacity(batches.len());
    let mut skipped = 0;
    for (i, batch) in batches.iter().enumerate() {
        let outcome = ingest::ingest(ctx, model, manifest, reference, batch)
            .await
            .map_err(|e| {
                let e = ingest::about_batch(&batch.path, &e);
                eyre!("{e} (the batches before it are stored)")
            })?;
        match &outcome {
            Outcome::Recorded(r) => warn_failures(r),
            Outcome::Skipped { .. } => skipped += 1,
        }
        if !ctx.json {
            outln!("{}", ingest::outcome_line(batch, &outcome));
        }
        outcomes.push(ingest::outcome_json(batch, &outcome));
        progress.show(crate::seed::Step {
            what: "batches",
            done: i as u64 + 1,
            total: batches.len() as u64,
        });
    }
    progress.finish();
    if ctx.json {
        return print_json(&outcomes);
    }
    let ingested = batches.len() - skipped;
    match skipped {
        0 => outln!("{ingested} batches of '{}' ingested", model.name),
        _ => outln!(
            "{ingested} batches of '{}' ingested, {skipped} skipped (ingested before)",
            model.name
        ),
    }
    Ok(())
}

/// What batches of a model are measured with: the model, its recipe
/// version's manifest and the reference data.
async fn monitored(
    ctx: &Context,
    model: &str,
    reference: &std::path::Path,
) -> Result<(Model, Value, crate::drift::Table)> {
    let model = ctx.store.find_model(model).await?;
    let version = ctx.store.version_by_id(model.recipe_version_id).await?;
    let needed = crate::monitoring::needed_columns(&version.manifest_json);
    let reference = crate::drift::load_table(reference, &crate::drift::Wanted::of(&needed))?;
    Ok((model, version.manifest_json, reference))
}

/// A stored snapshot as `--json` prints it (see `ingest::recorded_json`).
fn print_recorded(r: &Recorded) -> Result<()> {
    warn_failures(r);
    print_json(&ingest::recorded_json(r))
}

/// The `[alerts] command`'s failures, as warnings (the snapshot is stored).
fn warn_failures(r: &Recorded) {
    for failure in &r.notify_failures {
        super::output::write_err(&format!("warning: {failure}"));
    }
}

/// Each rule as checked against the snapshot, and what became of its alert.
fn print_rules(r: &Recorded) {
    warn_failures(r);
    for e in &r.evaluations {
        outln!(
            "  {} {:<28} {}",
            if e.fired { "FIRED" } else { "ok   " },
            e.rule.name,
            e.message
        );
    }
    for a in &r.alerts {
        outln!("  alert {} '{}' is {}", a.id, a.rule, a.state);
    }
}

fn compact(v: &Value) -> String {
    match v.as_object() {
        Some(o) if !o.is_empty() => o
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_f64()
                        .map(|x| format!("{x:.4}"))
                        .unwrap_or(v.to_string())
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => "-".into(),
    }
}

async fn set_state(ctx: &Context, id: i64, state: AlertState) -> Result<()> {
    let change = crate::service::changes::MoveAlert::to(id, state);
    let alert = ctx.service.move_alert(change, &ctx.user).await?;
    if ctx.json {
        return print_json(&alert);
    }
    outln!("alert {} ({}): {}", alert.id, alert.rule, alert.state);
    Ok(())
}

/// `nexml monitor list`.
async fn list(ctx: &Context, model: String, limit: i64) -> Result<()> {
    let store = ctx.store.as_ref();
    let model = store.find_model(&model).await?;
    let snapshots = store.snapshots(model.id, limit).await?;
    if ctx.json {
        return print_json(&snapshots);
    }
    let mut t = Table::new(&[
        "id",
        "captured",
        "performance",
        "worst drift",
        "staleness h",
        "alerts",
    ]);
    for s in &snapshots {
        t.row(vec![
            s.id.to_string(),
            time(&s.captured_at),
            compact(&s.performance_metrics_json),
            s.worst_drift_label(),
            s.data_freshness_json
                .get("staleness_hours")
                .and_then(Value::as_f64)
                .map(|h| format!("{h:.1}"))
                .unwrap_or("-".into()),
            s.alerts_json
                .as_array()
                .map(|a| a.len())
                .unwrap_or(0)
                .to_string(),
        ]);
    }
    outln!("{}", t.render());
    outln!("{} snapshots of '{}'", snapshots.len(), model.name);
    Ok(())
}

/// `nexml monitor ingest`: one batch, or a folder of them.
async fn ingest_batch(
    ctx: &Context,
    model: String,
    reference: PathBuf,
    current: PathBuf,
    at: Option<String>,
) -> Result<()> {
    let given = at.is_some();
    let at = match at {
        Some(t) => chrono::DateTime::parse_from_rfc3339(&t)
            .map_err(|e| eyre!("--at '{t}': {e} (expected RFC 3339, e.g. 2026-01-31T06:00:00Z)"))?
            .with_timezone(&chrono::Utc),
        None => ctx.service.now(),
    };
    let (model, manifest, reference) = monitored(ctx, &model, &reference).await?;
    let manifest = &manifest;
    if current.is_dir() {
        if given {
            return Err(eyre!(
                "--at times one batch; the batches of {} are timed by the dates in their names, else when they were written",
                current.display()
            ));
        }
        return ingest_folder(ctx, &model, manifest, &reference, &current).await;
    }
    let batch = Batch { path: current, at };
    let recorded = match ingest::ingest(ctx, &model, manifest, &reference, &batch).await? {
        Outcome::Recorded(r) => r,
        skipped => {
            match ctx.json {
                true => print_json(&ingest::outcome_json(&batch, &skipped))?,
                false => outln!("{}", ingest::outcome_line(&batch, &skipped)),
            }
            return Ok(());
        }
    };
    if ctx.json {
        return print_recorded(&recorded);
    }
    let saved = &recorded.snapshot;
    outln!(
        "snapshot {} of '{}' at {}",
        saved.id,
        model.name,
        time(&saved.captured_at)
    );
    outln!("performance: {}", compact(&saved.performance_metrics_json));
    outln!(
        "drift: share {} (worst {})",
        saved
            .drift_metrics_json
            .get("drift_share")
            .map(|v| v.to_string())
            .unwrap_or("-".into()),
        saved.worst_drift_label()
    );
    outln!("freshness: {}", compact(&saved.data_freshness_json));
    print_rules(&recorded);
    Ok(())
}

/// `nexml monitor watch`.
async fn watch(
    ctx: &Context,
    dir: PathBuf,
    model: String,
    reference: PathBuf,
    settle: u64,
) -> Result<()> {
    let (model, manifest, reference) = monitored(ctx, &model, &reference).await?;
    let settle = std::time::Duration::from_secs(settle);
    super::watch::watch(ctx, &model, &manifest, &reference, &dir, settle).await?;
    Ok(())
}

/// `nexml monitor alerts`.
async fn alerts(ctx: &Context, model: String, state: Option<AlertState>) -> Result<()> {
    let store = ctx.store.as_ref();
    let model = store.find_model(&model).await?;
    let alerts = store.alerts(model.id, state).await?;
    if ctx.json {
        return print_json(&alerts);
    }
    let mut t = Table::new(&[
        "id", "severity", "state", "by", "rule", "value", "opened", "message",
    ]);
    for a in &alerts {
        t.row(vec![
            a.id.to_string(),
            a.severity.to_string(),
            a.state.to_string(),
            a.resolved_by
                .clone()
                .or(a.acknowledged_by.clone())
                .unwrap_or("-".into()),
            a.rule.clone(),
            format!("{:.4}", a.value),
            time(&a.opened_at),
            a.message.clone(),
        ]);
    }
    outln!("{}", t.render());
    outln!("{} alert(s) of '{}'", alerts.len(), model.name);
    Ok(())
}

/// `nexml monitor add`.
async fn add(ctx: &Context, model: String, snapshot: PathBuf) -> Result<()> {
    let store = ctx.store.as_ref();
    let model = store.find_model(&model).await?;
    let v = read_json(&snapshot)?;
    let captured_at = match v.get("captured_at") {
        None | Some(Value::Null) => ctx.service.now(),
        Some(Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|e| {
                eyre!(
                    "{}: captured_at '{s}': {e} (expected RFC 3339, e.g. 2026-01-31T06:00:00Z)",
                    snapshot.display()
                )
            })?
            .with_timezone(&chrono::Utc),
        Some(other) => {
            return Err(eyre!(
                "{}: captured_at must be a string, not {other}",
                snapshot.display()
            ));
        }
    };
    let measures = ["performance", "drift", "freshness"];
    if !v.is_object() || !measures.iter().any(|k| v.get(k).is_some()) {
        return Err(eyre!(
            "{}: a snapshot is a JSON object with performance, drift or freshness (got {})",
            snapshot.display(),
            crate::text::truncate(&v.to_string(), 40)
        ));
    }
    let field = |k: &str, default: Value| v.get(k).cloned().unwrap_or(default);
    let recorded = ctx
        .service
        .add_snapshot(
            AddSnapshot::to(
                model.id,
                NewSnapshot {
                    captured_at,
                    performance: field("performance", json!({})),
                    drift: field("drift", json!({})),
                    freshness: field("freshness", json!({})),
                    alerts: field("alerts", json!([])),
                },
            ),
            &ctx.user,
        )
        .await?;
    if ctx.json {
        return print_recorded(&recorded);
    }
    outln!(
        "added snapshot {} to '{}' at {}",
        recorded.snapshot.id,
        model.name,
        time(&recorded.snapshot.captured_at)
    );
    print_rules(&recorded);
    Ok(())
}
