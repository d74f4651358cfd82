//! `nexml generate`: realistic synthetic content at scale, written in batched
//! transactions, for benchmarks and the app's scale work.

use super::demo::{demo_snapshot, metrics_for};
use super::random::Rng;
use super::{SEED_ACTOR, seed_baselines};
use crate::domain::{ModelFamily, ModelStatus, RunStatus, RunType};
use crate::service::changes::{ApproveVersion, CloneRecipe, MoveModel};
use crate::service::run_histories::RunHistory;
use crate::service::{Service, ServiceError, ServiceResult};
use crate::store::tracking::NewMetricPoint;
use crate::store::{BulkRun, BulkSnapshot, Keyset, Model, NewModel, Recipe, RecipeQuery, RunQuery};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    pub runs: u64,
    pub snapshots: u64,
    pub recipes: u64,
    pub models: u64,
    pub seed: u64,
}

/// What runs record as they go, generated with them: metric histories and
/// params (none by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrackingOptions {
    /// Metric points in all, shared evenly by the runs that started: each
    /// run's share is a `train_loss` and a `val_loss` curve over steps,
    /// whose last values are also its final metrics (as `report_run`
    /// keeps them), so filters on them walk `ml_run_metric_last`.
    pub metric_points: u64,
    /// Params `lr` and `depth` on every generated run.
    pub params: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GenerateReport {
    pub recipes: u64,
    pub models: u64,
    pub runs: u64,
    pub snapshots: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub metric_points: u64,
    /// Runs given params.
    #[serde(skip_serializing_if = "is_zero")]
    pub runs_with_params: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
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
    progress: impl FnMut(Step<'_>),
) -> ServiceResult<GenerateReport> {
    generate_tracked(svc, options, TrackingOptions::default(), progress).await
}

/// `generate`, with metric histories and params on the runs.
pub async fn generate_tracked(
    svc: &Service,
    options: GenerateOptions,
    tracking: TrackingOptions,
    mut progress: impl FnMut(Step<'_>),
) -> ServiceResult<GenerateReport> {
    seed_baselines(svc).await?;
    let mut rng = Rng::new(options.seed);
    // Names must be unique across runs of `generate` on one database.
    let tag = svc.now().format("%Y%m%d%H%M%S%6f").to_string();
    let recipes = generate_recipes(svc, &mut rng, &tag, options.recipes, &mut progress).await?;
    let models =
        generate_models(svc, &mut rng, &tag, &recipes, options.models, &mut progress).await?;
    let now = svc.now();
    // Snapshots draw from their own generator, so they are the same whether
    // written beside the runs or after them.
    let snapshot_rng = Rng::new(options.seed ^ 0x736e_6170_7368_6f74);
    let progress = std::cell::RefCell::new(progress);
    let mut runs_progress = |step: Step<'_>| (progress.borrow_mut())(step);
    let mut snapshots_progress = |step: Step<'_>| (progress.borrow_mut())(step);
    let runs = generate_runs(
        svc,
        rng,
        &recipes,
        &models,
        now,
        options,
        tracking,
        &mut runs_progress,
    );
    let snapshots = generate_snapshots(
        svc,
        snapshot_rng,
        &models,
        now,
        options.snapshots,
        &mut snapshots_progress,
    );
    // The two tables load side by side where the database takes two
    // writers at once: on PostgreSQL, 1M snapshots (18 s alone) load
    // while 1M runs do (41 s alone), on the machine's 2 cores.
    // (The first failure ends both: the other's open batch rolls back.)
    let (runs, written_snapshots) = if svc.store().writes_in_parallel() {
        tokio::try_join!(runs, snapshots)?
    } else {
        let runs = runs.await?;
        (runs, snapshots.await?)
    };
    // Statistics for the planner over what was just written, as after any
    // bulk load: PostgreSQL's would otherwise wait for autovacuum (a fresh
    // 100,000 runs searched through serve: 232 ms before, 30 ms after).
    svc.refresh_statistics().await?;
    Ok(GenerateReport {
        recipes: options.recipes,
        models: options.models,
        runs: runs.written,
        snapshots: written_snapshots,
        metric_points: runs.points_written,
        runs_with_params: runs.runs_with_params,
    })
}

/// The baselines, and `count` approved clones of them.
async fn generate_recipes(
    svc: &Service,
    rng: &mut Rng,
    tag: &str,
    count: u64,
    progress: &mut impl FnMut(Step<'_>),
) -> ServiceResult<Vec<Recipe>> {
    let store = svc.store();
    let baselines = store
        .list_recipes(&RecipeQuery {
            level: Some(crate::domain::RecipeLevel::Baseline),
            limit: 100,
            ..Default::default()
        })
        .await?
        .items;
    let mut recipes: Vec<Recipe> = baselines.clone();
    for i in 0..count {
        let parent = rng.pick(&baselines).clone();
        let name = format!("gen-{tag}-{i:05} {}", parent.model_family);
        let child = svc
            .clone_recipe(
                CloneRecipe {
                    tags: Some(vec!["generated".into()]),
                    ..CloneRecipe::of(parent.id, name)
                },
                SEED_ACTOR,
            )
            .await?;
        svc.approve_version(ApproveVersion::latest(child.id), "generate-approver")
            .await?;
        recipes.push(store.recipe(child.id).await?);
    }
    progress(Step {
        what: "recipes",
        done: count,
        total: count,
    });
    Ok(recipes)
}

/// `count` models of the recipes, each moved along its lifecycle to a
/// random status; with each its family.
async fn generate_models(
    svc: &Service,
    rng: &mut Rng,
    tag: &str,
    recipes: &[Recipe],
    count: u64,
    progress: &mut impl FnMut(Step<'_>),
) -> ServiceResult<Vec<(Model, ModelFamily)>> {
    let mut models = Vec::new();
    let statuses = [
        ModelStatus::Draft,
        ModelStatus::Staging,
        ModelStatus::Production,
        ModelStatus::Retired,
    ];
    for i in 0..count {
        let recipe = rng.pick(recipes).clone();
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
            let forced = Some("generated history (synthetic runs)".to_string());
            let change = MoveModel::to(model.id, *step).forced(forced);
            svc.move_model(change, SEED_ACTOR).await?;
        }
        models.push((model, recipe.model_family));
    }
    progress(Step {
        what: "models",
        done: count,
        total: count,
    });
    Ok(models)
}

/// What writing the runs wrote.
struct RunsWritten {
    written: u64,
    points_written: u64,
    runs_with_params: u64,
}

/// The runs, in batches, with their tracking when asked for.
#[allow(clippy::too_many_arguments)]
async fn generate_runs(
    svc: &Service,
    rng: Rng,
    recipes: &[Recipe],
    models: &[(Model, ModelFamily)],
    now: DateTime<Utc>,
    options: GenerateOptions,
    tracking: TrackingOptions,
    progress: &mut impl FnMut(Step<'_>),
) -> ServiceResult<RunsWritten> {
    let maker = RunMaker {
        rng,
        // Its own generator: the runs are the same with tracking or without.
        plans: Planner::new(options.seed, tracking, options.runs),
        recipes: recipes.to_vec(),
        versions: version_ids(svc, recipes).await?,
        models: models.to_vec(),
        now,
        total: options.runs,
    };
    let tracked = maker.plans.any();
    let mut written = RunsWritten {
        written: 0,
        points_written: 0,
        runs_with_params: 0,
    };
    let (mut maker, mut next) = made(make_next(maker, 0)).await?;
    while let Some((batch, plans)) = next.take() {
        let newest_before = if tracked {
            newest_run_id(svc).await?
        } else {
            0
        };
        let making = make_next(maker, written.written + batch.len() as u64);
        svc.insert_runs_bulk(&batch, SEED_ACTOR).await?;
        if tracked {
            let (points, params) = write_tracking(svc, newest_before, &batch, &plans, now).await?;
            written.points_written += points;
            written.runs_with_params += params;
        }
        written.written += batch.len() as u64;
        progress(Step {
            what: "runs",
            done: written.written,
            total: options.runs,
        });
        (maker, next) = made(making).await?;
    }
    Ok(written)
}

/// `count` monitoring snapshots shared by the models, in batches.
async fn generate_snapshots(
    svc: &Service,
    rng: Rng,
    models: &[(Model, ModelFamily)],
    now: DateTime<Utc>,
    count: u64,
    progress: &mut impl FnMut(Step<'_>),
) -> ServiceResult<u64> {
    if models.is_empty() {
        return Ok(0);
    }
    let maker = SnapshotMaker {
        rng,
        models: models.to_vec(),
        now,
        count,
    };
    let mut written = 0u64;
    let (mut maker, mut next) = made(make_next(maker, 0)).await?;
    while let Some(batch) = next.take() {
        let making = make_next(maker, written + batch.len() as u64);
        svc.insert_snapshots_bulk(&batch, SEED_ACTOR).await?;
        written += batch.len() as u64;
        progress(Step {
            what: "snapshots",
            done: written,
            total: count,
        });
        (maker, next) = made(making).await?;
    }
    Ok(written)
}

/// Makes generated rows a batch at a time, owning what it draws from so
/// the next batch can be made on another thread while the database takes
/// this one (a load's own work was a quarter of it, spent waiting before).
trait BatchMaker: Send + 'static {
    type Batch: Send + 'static;
    /// How many rows there are in all.
    fn total(&self) -> u64;
    /// The batch of rows from index `start`.
    fn batch(&mut self, start: u64) -> Self::Batch;
}

type Making<M> = tokio::task::JoinHandle<(M, Option<<M as BatchMaker>::Batch>)>;

/// The batch from `start` (none past the end), made on a blocking thread.
fn make_next<M: BatchMaker>(mut maker: M, start: u64) -> Making<M> {
    tokio::task::spawn_blocking(move || {
        let batch = (start < maker.total()).then(|| maker.batch(start));
        (maker, batch)
    })
}

async fn made<M: BatchMaker>(making: Making<M>) -> ServiceResult<(M, Option<M::Batch>)> {
    making
        .await
        .map_err(|e| ServiceError::invalid(format!("making a batch of generated rows failed: {e}")))
}

struct RunMaker {
    rng: Rng,
    plans: Planner,
    recipes: Vec<Recipe>,
    versions: Vec<(i64, i64)>,
    models: Vec<(Model, ModelFamily)>,
    now: DateTime<Utc>,
    total: u64,
}

impl BatchMaker for RunMaker {
    /// The runs, with what each records.
    type Batch = (Vec<BulkRun>, Vec<RunPlan>);

    fn total(&self) -> u64 {
        self.total
    }

    fn batch(&mut self, start: u64) -> Self::Batch {
        let n = BATCH.min(self.total - start);
        let mut batch: Vec<BulkRun> = (0..n)
            .map(|i| {
                generated_run(
                    &mut self.rng,
                    &self.recipes,
                    &self.versions,
                    &self.models,
                    self.now,
                    start + i,
                    self.total,
                )
            })
            .collect();
        let plans = batch
            .iter_mut()
            .enumerate()
            .map(|(i, run)| self.plans.plan(run, start + i as u64))
            .collect();
        (batch, plans)
    }
}

struct SnapshotMaker {
    rng: Rng,
    models: Vec<(Model, ModelFamily)>,
    now: DateTime<Utc>,
    count: u64,
}

impl BatchMaker for SnapshotMaker {
    type Batch = Vec<BulkSnapshot>;

    fn total(&self) -> u64 {
        self.count
    }

    /// Newest first: each model's first snapshot becomes its latest, and
    /// the ranking's trigger leaves the rest be (written oldest first,
    /// every one rewrote the ranking).
    fn batch(&mut self, start: u64) -> Self::Batch {
        let n = BATCH.min(self.count - start);
        let models = self.models.len() as u64;
        let per_model = self.count / models + 1;
        (0..n)
            .map(|i| {
                let k = self.count - 1 - (start + i);
                let (model, family) = &self.models[(k % models) as usize];
                let index = k / models;
                let s = demo_snapshot(&mut self.rng, *family, index as usize, per_model as usize);
                BulkSnapshot {
                    model_id: model.id,
                    captured_at: self.now - Duration::hours((per_model - index) as i64),
                    performance: s.performance,
                    drift: s.drift,
                    freshness: s.freshness,
                    alerts: s.alerts,
                }
            })
            .collect()
    }
}

/// What one generated run records besides its row.
#[derive(Debug, Clone, PartialEq)]
struct RunPlan {
    /// Points of `train_loss` and of `val_loss`.
    train_points: u64,
    val_points: u64,
    params: Option<[(String, String); 2]>,
    /// Seeds the curves' noise, so a run's history is the same whatever
    /// order it is written in.
    noise_seed: u64,
}

/// Shares the metric points out to the runs and draws their params and
/// final losses, from its own generator.
struct Planner {
    rng: Rng,
    seed: u64,
    tracking: TrackingOptions,
    runs: u64,
    /// Points of runs that never started, passed on to the next that did.
    carried: u64,
}

const LEARNING_RATES: [&str; 5] = ["0.1", "0.03", "0.01", "0.003", "0.001"];
const DEPTHS: [&str; 5] = ["4", "6", "8", "10", "12"];
/// Steps between logged points.
const STEP_STRIDE: i64 = 10;

impl Planner {
    fn new(seed: u64, tracking: TrackingOptions, runs: u64) -> Planner {
        Planner {
            rng: Rng::new(seed ^ 0x7472_6163_6b65_6421),
            seed,
            tracking,
            runs,
            carried: 0,
        }
    }

    fn any(&self) -> bool {
        self.tracking.metric_points > 0 || self.tracking.params
    }

    /// The plan of the run at `index`; its final losses go into its metrics.
    fn plan(&mut self, run: &mut BulkRun, index: u64) -> RunPlan {
        let mut plan = RunPlan {
            train_points: 0,
            val_points: 0,
            params: None,
            noise_seed: self.seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        };
        if !self.any() {
            return plan;
        }
        let lr = self.rng.below(LEARNING_RATES.len());
        let depth = self.rng.below(DEPTHS.len());
        if self.tracking.params {
            plan.params = Some([
                ("lr".into(), LEARNING_RATES[lr].into()),
                ("depth".into(), DEPTHS[depth].into()),
            ]);
        }
        // Run i's share: the points between i/runs and (i+1)/runs of them all.
        let total = u128::from(self.tracking.metric_points);
        let runs = u128::from(self.runs.max(1));
        let share =
            (total * u128::from(index + 1) / runs - total * u128::from(index) / runs) as u64;
        if run.status == RunStatus::Queued {
            self.carried += share;
            return plan;
        }
        let points = share + std::mem::take(&mut self.carried);
        plan.train_points = points.div_ceil(2);
        plan.val_points = points / 2;
        // Best near lr 0.01 and a middling depth; the rest is luck.
        let off = (lr as f64 - 2.0).abs() * 0.06 + (depth as f64 - 2.0).abs() * 0.02;
        let train = round(0.05 + off + self.rng.range(0.0, 0.45));
        let val = round(train + self.rng.range(0.01, 0.3));
        if let Value::Object(metrics) = &mut run.metrics {
            if plan.train_points > 0 {
                metrics.insert("train_loss".into(), json!(train));
            }
            if plan.val_points > 0 {
                metrics.insert("val_loss".into(), json!(val));
            }
        }
        plan
    }
}

/// The newest run's id (0 when there are none).
async fn newest_run_id(svc: &Service) -> ServiceResult<i64> {
    let page = svc
        .store()
        .list_runs(&RunQuery {
            limit: 1,
            skip_count: true,
            ..Default::default()
        })
        .await?;
    Ok(page.items.first().map_or(0, |r| r.id))
}

/// Writes a batch's metric histories and params in one transaction, with
/// one audit row; returns the points and the runs with params written.
async fn write_tracking(
    svc: &Service,
    newest_before: i64,
    batch: &[BulkRun],
    plans: &[RunPlan],
    now: DateTime<Utc>,
) -> ServiceResult<(u64, u64)> {
    let store = svc.store();
    // The batch as inserted: the runs after the newest one before it.
    let mut inserted = store
        .list_runs(&RunQuery {
            keyset: Some(Keyset::Before(newest_before)),
            limit: batch.len() as i64,
            skip_count: true,
            ..Default::default()
        })
        .await?
        .items;
    inserted.reverse();
    let same = inserted.len() == batch.len()
        && inserted.iter().zip(batch).all(|(row, run)| {
            row.status == run.status
                && ["train_loss", "val_loss"]
                    .iter()
                    .all(|k| row.metrics_json.get(k) == run.metrics.get(k))
        });
    if !same {
        return Err(ServiceError::invalid(
            "generated runs read back unlike they were written (another writer?): no metric histories written",
        ));
    }
    let histories = inserted
        .iter()
        .zip(batch)
        .zip(plans)
        .map(|((row, run), plan)| {
            let mut points = Vec::new();
            let mut noise = Rng::new(plan.noise_seed);
            let start = run.started_at.unwrap_or(run.created_at);
            let end = run.finished_at.unwrap_or(now).max(start);
            for (key, n, rise) in [
                ("train_loss", plan.train_points, 1.5),
                ("val_loss", plan.val_points, 1.2),
            ] {
                let Some(last) = run.metrics.get(key).and_then(Value::as_f64) else {
                    continue;
                };
                loss_curve(&mut noise, key, last, rise, n, start, end, &mut points);
            }
            RunHistory {
                run_id: row.id,
                params: plan.params.clone().map(Vec::from),
                points,
            }
        });
    let written = svc.write_run_histories(histories, SEED_ACTOR).await?;
    Ok((written.points, written.runs_with_params))
}

/// `n` points of a loss falling from about `last + rise` to exactly
/// `last`, with noise that fades as it settles, spread over the run's time.
#[allow(clippy::too_many_arguments)]
fn loss_curve(
    rng: &mut Rng,
    key: &str,
    last: f64,
    rise: f64,
    n: u64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    out: &mut Vec<NewMetricPoint>,
) {
    let span = (end - start).num_milliseconds().max(0);
    let height = rise * rng.range(0.6, 1.4);
    let k = rng.range(3.0, 7.0);
    let tail = (-k).exp();
    for i in 0..n {
        let x = if n > 1 {
            i as f64 / (n - 1) as f64
        } else {
            1.0
        };
        let decay = ((-k * x).exp() - tail) / (1.0 - tail);
        let value = if i + 1 == n {
            last
        } else {
            let wobble = 0.05 * (1.0 - x) * rng.range(-1.0, 1.0);
            (last + height * decay) * (1.0 + wobble)
        };
        out.push(NewMetricPoint {
            key: key.to_string(),
            step: i as i64 * STEP_STRIDE,
            value,
            at: start + Duration::milliseconds((span as f64 * x) as i64),
        });
    }
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Each recipe's newest version and its own experiment, which its
/// generated runs are of.
async fn version_ids(svc: &Service, recipes: &[Recipe]) -> ServiceResult<Vec<(i64, i64)>> {
    let store = svc.store();
    let mut out = Vec::with_capacity(recipes.len());
    for r in recipes {
        let version = store.version(r.id, None).await?.version_id;
        out.push((version, store.recipe_experiment(r.id).await?.id));
    }
    Ok(out)
}

fn generated_run(
    rng: &mut Rng,
    recipes: &[Recipe],
    versions: &[(i64, i64)],
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
        recipe_version_id: versions[recipe_idx].0,
        experiment_id: versions[recipe_idx].1,
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
