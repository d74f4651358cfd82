//! `nexml monitor ...`

use super::args::MonitorCommand;
use super::output::{Table, print_json, time};
use super::{Context, read_json};
use crate::store::NewSnapshot;
use color_eyre::eyre::{Result, eyre};
use serde_json::{Value, json};

pub async fn run(ctx: &Context, command: MonitorCommand) -> Result<()> {
    let store = ctx.store.as_ref();
    match command {
        MonitorCommand::List { model, limit } => {
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
                    worst_drift(s),
                    s.data_freshness_json
                        .get("staleness_hours")
                        .map(|v| v.to_string())
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
        }
        MonitorCommand::Add { model, snapshot } => {
            let model = store.find_model(&model).await?;
            let v = read_json(&snapshot)?;
            let captured_at = match v.get("captured_at") {
                None | Some(Value::Null) => crate::store::now(),
                Some(Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
                    .map_err(|e| eyre!("{}: captured_at '{s}': {e} (expected RFC 3339, e.g. 2026-01-31T06:00:00Z)", snapshot.display()))?
                    .with_timezone(&chrono::Utc),
                Some(other) => return Err(eyre!("{}: captured_at must be a string, not {other}", snapshot.display())),
            };
            let field = |k: &str, default: Value| v.get(k).cloned().unwrap_or(default);
            let saved = store
                .add_snapshot(
                    model.id,
                    NewSnapshot {
                        captured_at,
                        performance: field("performance", json!({})),
                        drift: field("drift", json!({})),
                        freshness: field("freshness", json!({})),
                        alerts: field("alerts", json!([])),
                    },
                    &ctx.user,
                )
                .await?;
            if ctx.json {
                return print_json(&saved);
            }
            outln!(
                "added snapshot {} to '{}' at {}",
                saved.id,
                model.name,
                time(&saved.captured_at)
            );
        }
    }
    Ok(())
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

/// The highest drift score among a snapshot's columns, as "column score".
pub fn worst_drift(s: &crate::store::Snapshot) -> String {
    s.worst_drift()
        .map(|(k, v)| format!("{k} {v:.3}"))
        .unwrap_or("-".into())
}
