//! `nexml generate`: realistic synthetic content at scale, written in batched
//! transactions, for benchmarks and the app's scale work.

use super::demo::{demo_snapshot, metrics_for};
use super::random::Rng;
use super::{SEED_ACTOR, seed_baselines};
use crate::domain::{ModelFamily, ModelStatus, RunStatus, RunType};
use crate::service::Service;
use crate::store::{BulkRun, BulkSnapshot, NewModel, Recipe, RecipeQuery, StoreResult};
use chrono::{Duration, Utc};
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    pub runs: u64,
    pub snapshots: u64,
    pub recipes: u64,
    pub models: u64,
    pub seed: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GenerateReport {
    pub recipes: u64,
    pub models: u64,
    pub runs: u64,
    pub snapshots: u64,
}

/// Rows per transaction: large enough to amortize commits, small enough to
/// keep memory flat.
const BATCH: u64 = 25_000;

/// How far one part of a long job has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<'a> {
    pub what: &'a str,
    pub done: u64,
    pub total: u64,
}

pub async fn generate(
    svc: &Service,
    options: GenerateOptions,
    mut progress: impl FnMut(Step<'_>),
) -> StoreResult<GenerateReport> {
    let store = svc.store();
    seed_baselines(svc).await?;
    let mut rng = Rng::new(options.seed);
    // Names must be unique across runs of `generate` on one database.
    let tag = svc.now().format("%Y%m%d%H%M%S%6f").to_string();
    let baselines = store
        .list_recipes(&RecipeQuery {
            level: Some(crate::domain::RecipeLevel::Baseline),
            limit: 100,
            ..Default::default()
        })
        .await?
        .items;
    let mut recipes: Vec<Recipe> = baselines.clone();
    for i in 0..options.recipes {
        let parent = rng.pick(&baselines).clone();
        let name = format!("gen-{tag}-{i:05} {}", parent.model_family);
        let child = svc
            .clone_recipe(
                &parent,
                &name,
                None,
                Some(vec!["generated".into()]),
                SEED_ACTOR,
            )
            .await?;
        svc.approve_version(child.id, None, "generate-approver")
            .await?;
        recipes.push(store.recipe(child.id).await?);
    }
    progress(Step {
        what: "recipes",
        done: options.recipes,
        total: options.recipes,
    });

    let mut models = Vec::new();
    let statuses = [
        ModelStatus::Draft,
        ModelStatus::Staging,
        ModelStatus::Production,
        ModelStatus::Retired,
    ];
    for i in 0..options.models {
        let recipe = rng.pick(&recipes).clone();
        let owner = *rng.pick(&["maria.chen", "sam.okafor", "lena.fischer", "raj.patel"]);
        let model = svc
            .register_model(
                NewModel {
                    name: format!("gen-{tag}-model-{i:05}"),
                    recipe_id: recipe.id,
                    version: None,
                    owner: owner.into(),
                },
                SEED_ACTOR,
            )
            .await?;
        let target = *rng.pick(&statuses);
        for step in ModelStatus::ALL.iter().skip(1).take(target as usize) {
            svc.force_model_status(
                model.id,
                *step,
                "generated history (synthetic runs)",
                SEED_ACTOR,
            )
            .await?;
        }
        models.push((model, recipe.model_family));
    }
    progress(Step {
        what: "models",
        done: options.models,
        total: options.models,
    });

    let versions = version_ids(svc, &recipes).await?;
    let now = svc.now();
    let mut written = 0u64;
    while written < options.runs {
        let n = BATCH.min(options.runs - written);
        let batch: Vec<BulkRun> = (0..n)
            .map(|i| {
                generated_run(
                    &mut rng,
                    &recipes,
                    &versions,
                    &models,
                    now,
                    written + i,
                    options.runs,
                )
            })
            .collect();
        svc.insert_runs_bulk(&batch, SEED_ACTOR).await?;
        written += n;
        progress(Step {
            what: "runs",
            done: written,
            total: options.runs,
        });
    }

    let mut written_snapshots = 0u64;
    if !models.is_empty() {
        while written_snapshots < options.snapshots {
            let n = BATCH.min(options.snapshots - written_snapshots);
            let batch: Vec<BulkSnapshot> = (0..n)
                .map(|i| {
                    // Newest first: each model's first snapshot becomes its
                    // latest, and the ranking's trigger leaves the rest be
                    // (written oldest first, every one rewrote the ranking).
                    let k = options.snapshots - 1 - (written_snapshots + i);
                    let (model, family) = &models[(k % models.len() as u64) as usize];
                    let per_model = options.snapshots / models.len() as u64 + 1;
                    let index = k / models.len() as u64;
                    let s = demo_snapshot(&mut rng, *family, index as usize, per_model as usize);
                    BulkSnapshot {
                        model_id: model.id,
                        captured_at: now - Duration::hours((per_model - index) as i64),
                        performance: s.performance,
                        drift: s.drift,
                        freshness: s.freshness,
                        alerts: s.alerts,
                    }
                })
                .collect();
            svc.insert_snapshots_bulk(&batch, SEED_ACTOR).await?;
            written_snapshots += n;
            progress(Step {
                what: "snapshots",
                done: written_snapshots,
                total: options.snapshots,
            });
        }
    }
    Ok(GenerateReport {
        recipes: options.recipes,
        models: options.models,
        runs: written,
        snapshots: written_snapshots,
    })
}

async fn version_ids(svc: &Service, recipes: &[Recipe]) -> StoreResult<Vec<i64>> {
    let store = svc.store();
    let mut out = Vec::with_capacity(recipes.len());
    for r in recipes {
        out.push(store.version(r.id, None).await?.version_id);
    }
    Ok(out)
}

fn generated_run(
    rng: &mut Rng,
    recipes: &[Recipe],
    versions: &[i64],
    models: &[(crate::store::Model, ModelFamily)],
    now: chrono::DateTime<Utc>,
    index: u64,
    total: u64,
) -> BulkRun {
    // Older runs first, so ids grow with time as in real use.
    let age_minutes = ((total - index) as i64) * 525_600 / total.max(1) as i64;
    let created = now - Duration::minutes(age_minutes);
    let (model_id, recipe_idx, family) = if !models.is_empty() && rng.unit() < 0.7 {
        let (m, f) = rng.pick(models);
        let idx = recipes
            .iter()
            .position(|r| r.id == m.recipe_id)
            .unwrap_or(0);
        (Some(m.id), idx, *f)
    } else {
        let idx = rng.below(recipes.len());
        (None, idx, recipes[idx].model_family)
    };
    let status = *rng.pick(&[
        RunStatus::Succeeded,
        RunStatus::Succeeded,
        RunStatus::Succeeded,
        RunStatus::Failed,
        RunStatus::Running,
        RunStatus::Queued,
        RunStatus::Cancelled,
    ]);
    let started =
        (status != RunStatus::Queued).then(|| created + Duration::seconds(rng.below(120) as i64));
    let finished =
        (status.is_finished()).then(|| created + Duration::seconds(300 + rng.below(7200) as i64));
    let _ = now;
    BulkRun {
        model_id,
        recipe_id: recipes[recipe_idx].id,
        recipe_version_id: versions[recipe_idx],
        run_type: *rng.pick(RunType::ALL),
        status,
        created_by: SEED_ACTOR.into(),
        created_at: created,
        started_at: started,
        finished_at: finished,
        metrics: if status == RunStatus::Succeeded {
            metrics_for(family, rng)
        } else {
            json!({})
        },
        artifacts: json!({}),
        logs: format!("[INFO] generated run {index}\n"),
    }
}
