//! `--seed --demo`: models in every lifecycle status, runs of every type and
//! status, and 90 days of monitoring for the production models, so every
//! screen has something real to show.

use super::batches::{BatchMaker, history_day};
use super::random::Rng;
use super::{SEED_ACTOR, SeedReport};
use crate::domain::Clock;
use crate::domain::{ModelFamily, ModelStatus, RunStatus, RunType};
use crate::drift::read_csv;
use crate::monitoring::measure;
use crate::service::Service;
use crate::service::changes::{ApproveVersion, CloneRecipe, MoveModel};
use crate::service::{ServiceError, ServiceResult};
use crate::store::{ModelQuery, NewModel, NewSnapshot, StoreError};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

struct DemoModel {
    name: &'static str,
    family: ModelFamily,
    /// An industry clone of the baseline to register from, if any.
    industry: Option<&'static str>,
    owner: &'static str,
    status: ModelStatus,
}

const MODELS: [DemoModel; 6] = [
    DemoModel {
        name: "retail-weekly-demand",
        family: ModelFamily::Forecasting,
        industry: Some("Retail Demand Forecasting"),
        owner: "maria.chen",
        status: ModelStatus::Production,
    },
    DemoModel {
        name: "hotel-dynamic-pricing",
        family: ModelFamily::Pricing,
        industry: Some("Hospitality Pricing"),
        owner: "sam.okafor",
        status: ModelStatus::Production,
    },
    DemoModel {
        name: "bank-offer-propensity",
        family: ModelFamily::NextBestAction,
        industry: None,
        owner: "lena.fischer",
        status: ModelStatus::Staging,
    },
    DemoModel {
        name: "qsr-site-scoring",
        family: ModelFamily::LocationScoring,
        industry: None,
        owner: "raj.patel",
        status: ModelStatus::Draft,
    },
    DemoModel {
        name: "grocery-daily-demand-v0",
        family: ModelFamily::Forecasting,
        industry: None,
        owner: "maria.chen",
        status: ModelStatus::Retired,
    },
    DemoModel {
        name: "telco-retention-nba",
        family: ModelFamily::NextBestAction,
        industry: None,
        owner: "lena.fischer",
        status: ModelStatus::Production,
    },
];

/// The path through the lifecycle to reach a status from draft.
fn path_to(status: ModelStatus) -> &'static [ModelStatus] {
    match status {
        ModelStatus::Draft => &[],
        ModelStatus::Staging => &[ModelStatus::Staging],
        ModelStatus::Production => &[ModelStatus::Staging, ModelStatus::Production],
        ModelStatus::Retired => &[
            ModelStatus::Staging,
            ModelStatus::Production,
            ModelStatus::Retired,
        ],
    }
}

/// Seeds the demo as of `now`: every time in it (runs, 90 days of snapshots)
/// lies before `now`, so the same `now` gives the same history at any hour.
pub async fn seed_demo(svc: &Service, now: DateTime<Utc>) -> ServiceResult<SeedReport> {
    let past = svc.clone().with_clock(Clock::Fixed(demo_start(now)));
    let svc = &past;
    let store = svc.store();
    let mut report = SeedReport::default();
    let existing = store
        .list_models(&ModelQuery {
            limit: 1000,
            ..Default::default()
        })
        .await?;
    let mut rng = Rng::new(42);
    for demo in &MODELS {
        if existing.items.iter().any(|m| m.name == demo.name) {
            report.unchanged.push(format!("model '{}'", demo.name));
            continue;
        }
        let baseline = store
            .find_recipe(&crate::baselines::baseline_name(demo.family)?)
            .await?;
        let recipe = match demo.industry {
            None => baseline,
            Some(name) => match store.find_recipe(name).await {
                Ok(r) => r,
                Err(StoreError::NotFound { .. }) => {
                    let r = svc
                        .clone_recipe(CloneRecipe::of(baseline.id, name), "maria.chen")
                        .await?;
                    svc.approve_version(ApproveVersion::latest(r.id), "dana.lead")
                        .await?;
                    report.created.push(format!(
                        "recipe '{name}' (industry clone of '{}')",
                        baseline.name
                    ));
                    store.recipe(r.id).await?
                }
                Err(e) => return Err(e.into()),
            },
        };
        let model = svc
            .register_model(
                NewModel {
                    name: demo.name.into(),
                    recipe_id: recipe.id,
                    version: None,
                    owner: demo.owner.into(),
                },
                demo.owner,
            )
            .await?;
        // Runs first: a retired model takes no new runs.
        seed_runs(
            svc,
            &mut rng,
            recipe.id,
            model.id,
            demo.family,
            demo.owner,
            now,
        )
        .await?;
        for step in path_to(demo.status) {
            let forced = Some("demo history (synthetic runs)".to_string());
            let change = MoveModel::to(model.id, *step).forced(forced);
            svc.move_model(change, demo.owner).await?;
        }
        report
            .created
            .push(format!("model '{}' ({}) with runs", demo.name, demo.status));
        if demo.status == ModelStatus::Production {
            seed_snapshots(svc, &mut rng, &model, &recipe, now).await?;
            report
                .created
                .push(format!("90 daily snapshots for '{}'", demo.name));
        }
    }
    Ok(report)
}

/// Runs of every type, ending in every status, spread over the last 30 days
/// with realistic durations (written in one batch: synthetic history).
async fn seed_runs(
    svc: &Service,
    rng: &mut Rng,
    recipe_id: i64,
    model_id: i64,
    family: ModelFamily,
    owner: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let store = svc.store();
    let version_id = store.version(recipe_id, None).await?.version_id;
    let experiment_id = store.recipe_experiment(recipe_id).await?.id;
    let endings = [
        RunStatus::Succeeded,
        RunStatus::Failed,
        RunStatus::Running,
        RunStatus::Queued,
        RunStatus::Cancelled,
    ];
    let mut runs = Vec::new();
    for (i, run_type) in RunType::ALL.iter().enumerate() {
        for (j, end) in endings
            .iter()
            .skip(i % 2)
            .step_by(2)
            .chain(std::iter::once(&RunStatus::Succeeded))
            .enumerate()
        {
            let created = if matches!(end, RunStatus::Running | RunStatus::Queued) {
                // Work in progress is recent.
                now - Duration::minutes(5 + rng.below(40) as i64)
            } else {
                now - Duration::hours((30 - (i * 8 + j * 2) as i64).max(1) * 24 / 3)
                    - Duration::minutes(rng.below(600) as i64)
            };
            let started = (*end != RunStatus::Queued)
                .then(|| created + Duration::seconds(5 + rng.below(90) as i64));
            let finished = (end.is_finished())
                .then(|| created + Duration::seconds(240 + rng.below(5400) as i64));
            let log = run_log(*run_type, family);
            let logs = match end {
                RunStatus::Queued => String::new(),
                RunStatus::Running => log.start,
                RunStatus::Succeeded => log.start + &log.success,
                RunStatus::Failed => log.start + &log.failure,
                _ => log.start + "[WARN] cancelled by user\n",
            };
            runs.push(crate::store::BulkRun {
                model_id: Some(model_id),
                recipe_id,
                recipe_version_id: version_id,
                experiment_id,
                run_type: *run_type,
                status: *end,
                created_by: owner.into(),
                created_at: created,
                started_at: started,
                finished_at: finished,
                metrics: if *end == RunStatus::Succeeded { metrics_for(family, rng) } else { json!({}) },
                artifacts: if *end == RunStatus::Succeeded {
                    json!({
                        "model": format!("s3://nexml-artifacts/{owner}/{run_type}-{i}{j}/model.pkl"),
                        "report": format!("s3://nexml-artifacts/{owner}/{run_type}-{i}{j}/evaluation.html"),
                    })
                } else {
                    json!({})
                },
                logs,
            });
        }
    }
    svc.insert_runs_bulk(&runs, owner).await
}

struct RunLog {
    start: String,
    success: String,
    failure: String,
}

fn run_log(run_type: RunType, family: ModelFamily) -> RunLog {
    RunLog {
        start: format!(
            "[INFO] {run_type} run started for {family}\n[INFO] loading features from warehouse\n[INFO] quality checks: 0 blocking issues\n[INFO] building feature matrix\n"
        ),
        success: "[INFO] fitting model\n[INFO] epoch 1/3 done\n[INFO] epoch 2/3 done\n[INFO] epoch 3/3 done\n[INFO] evaluation complete\n[INFO] artifacts uploaded\n[INFO] run succeeded\n".into(),
        failure: "[INFO] fitting model\n[ERROR] feature 'promo_flag' missing in 3.2% of rows beyond the allowed 1%\n[ERROR] run failed: data quality gate\n".into(),
    }
}

/// Plausible evaluation metrics for a family.
pub(super) fn metrics_for(family: ModelFamily, rng: &mut Rng) -> Value {
    match family {
        ModelFamily::Forecasting => {
            json!({"mape": round(rng.range(0.08, 0.16)), "wape": round(rng.range(0.07, 0.14)), "bias": round(rng.range(-0.03, 0.03))})
        }
        ModelFamily::Pricing => {
            json!({"mae": round(rng.range(2.0, 6.0)), "rmse": round(rng.range(4.0, 9.0)), "mape": round(rng.range(0.05, 0.12))})
        }
        ModelFamily::NextBestAction => {
            json!({"auc": round(rng.range(0.74, 0.86)), "accuracy": round(rng.range(0.80, 0.9)), "log_loss": round(rng.range(0.3, 0.45))})
        }
        ModelFamily::LocationScoring => {
            json!({"mae": round(rng.range(20_000.0, 40_000.0)), "rmse": round(rng.range(35_000.0, 60_000.0)), "r2": round(rng.range(0.6, 0.8))})
        }
    }
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// When what the demo sets up (clones, approvals, models, promotions)
/// happens: the day before the history it monitors begins, so nothing is
/// registered after its own history.
pub fn demo_start(now: DateTime<Utc>) -> DateTime<Utc> {
    latest_daily_capture(now) - Duration::days(HISTORY_DAYS as i64 + 1)
}

/// Days of monitoring history a production model gets.
const HISTORY_DAYS: usize = 90;

/// Rows in the reference sample and in each day's batch. A reference over
/// 10,000 rows takes the KS test's asymptotic p-value (as scipy's `auto`
/// does), which keeps seeding fast; the exact one is quadratic.
const REFERENCE_ROWS: usize = 12_000;
const BATCH_ROWS: usize = 500;

/// 90 days of daily batches made from the recipe's synthetic example,
/// measured and recorded through the same path as `monitor ingest`: drift
/// builds up on the recipe's own drift columns, the data goes stale for a
/// few days, and the model's accuracy dips for a week, so the alerts the
/// recipe's rules open are real.
async fn seed_snapshots(
    svc: &Service,
    rng: &mut Rng,
    model: &crate::store::Model,
    recipe: &crate::store::Recipe,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let store = svc.store();
    let manifest = store
        .version_by_id(model.recipe_version_id)
        .await?
        .manifest_json;
    // A clone without an example of its own uses its family's baseline's.
    let example = match store.example(recipe.id).await? {
        Some(e) => (e.dataset_schema_json, e.sample_rows_json),
        None => {
            let e = crate::baselines::baseline_example(model.model_family)?;
            (e.dataset_schema, e.sample_rows)
        }
    };
    let failed = |what: String| {
        ServiceError::Invalid(format!("demo monitoring of '{}': {what}", model.name))
    };
    let maker =
        BatchMaker::new(&manifest, model.model_family, &example.0, &example.1).map_err(failed)?;
    let limit = manifest
        .pointer("/monitoring/freshness/max_staleness_hours")
        .and_then(Value::as_f64)
        .unwrap_or(24.0);
    let today = latest_daily_capture(now);
    let first = today - Duration::days(HISTORY_DAYS as i64 - 1);
    let steady = history_day(0, HISTORY_DAYS, limit, first);
    let reference = read_csv(
        "reference",
        maker.csv(rng, REFERENCE_ROWS, steady).as_bytes(),
    )
    .map_err(|e| failed(e.to_string()))?;
    for index in 0..HISTORY_DAYS {
        let at = first + Duration::days(index as i64);
        let day = history_day(index, HISTORY_DAYS, limit, at);
        let batch = read_csv("batch", maker.csv(rng, BATCH_ROWS, day).as_bytes())
            .map_err(|e| failed(e.to_string()))?;
        let measured =
            measure(&manifest, model.model_family, &reference, &batch, at).map_err(failed)?;
        let snapshot = NewSnapshot {
            captured_at: at,
            performance: measured.performance,
            drift: measured.drift,
            freshness: measured.freshness,
            alerts: json!([]),
        };
        svc.record_snapshot(model.id, snapshot, SEED_ACTOR, "ingest")
            .await?;
    }
    Ok(())
}

/// The newest daily capture time (06:00 UTC) at or before `now`: history
/// never lies in the future, whatever the hour.
fn latest_daily_capture(now: DateTime<Utc>) -> DateTime<Utc> {
    let six = now
        .date_naive()
        .and_hms_opt(6, 0, 0)
        .unwrap_or_default()
        .and_utc();
    if six > now {
        six - Duration::days(1)
    } else {
        six
    }
}

/// A snapshot `index` days into a history of `len`, drifting towards the end.
pub(super) fn demo_snapshot(
    rng: &mut Rng,
    family: ModelFamily,
    index: usize,
    len: usize,
) -> NewSnapshot {
    let t = index as f64 / len.max(1) as f64;
    let drift_level = if t > 0.8 {
        0.05 + (t - 0.8) * 1.2
    } else {
        0.02 + t * 0.03
    };
    let performance = metrics_for(family, rng);
    let columns = ["price", "promo_flag", "store_traffic", "seasonality_index"];
    let drift: serde_json::Map<String, Value> = columns
        .iter()
        .map(|c| {
            (
                (*c).to_string(),
                json!({"psi": round(drift_level * rng.range(0.5, 1.5)), "test": "psi"}),
            )
        })
        .collect();
    let staleness = round(rng.range(2.0, 30.0));
    NewSnapshot {
        // The caller places it in time.
        captured_at: DateTime::<Utc>::UNIX_EPOCH,
        performance,
        drift: Value::Object(drift),
        freshness: json!({"staleness_hours": staleness, "max_staleness_hours": 36, "stale": staleness > 36.0}),
        // Alerts come from the recipe's rules, as for any snapshot.
        alerts: json!([]),
    }
}
