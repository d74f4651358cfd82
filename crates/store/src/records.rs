//! What the store reads and writes: rows as users see them, and the inputs of changes.

use chrono::{DateTime, Utc};
use nexml_core::domain::kinds::Bump;
use nexml_core::domain::{
    AlertSource, AlertState, ChatRole, ChatStatus, Comparison, ModelFamily, ModelStatus,
    RecipeLevel, RecipeStatus, RunStatus, RunType, Severity,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Recipe {
    pub id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub model_family: ModelFamily,
    #[sqlx(try_from = "String")]
    pub level: RecipeLevel,
    #[sqlx(try_from = "String")]
    pub status: RecipeStatus,
    pub parent_id: Option<i64>,
    pub parent_name: Option<String>,
    #[sqlx(json)]
    pub tags: Vec<String>,
    /// The highest version number, if any.
    pub latest_version: Option<String>,
    /// The highest approved version number, if any.
    pub approved_version: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Recipe {
    /// Approved, but with a newer version that is not: models keep the approved one.
    pub fn changes_pending(&self) -> bool {
        self.approved_version.is_some() && self.approved_version != self.latest_version
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RecipeVersion {
    pub version_id: i64,
    pub recipe_id: i64,
    pub version_number: String,
    #[sqlx(json)]
    pub manifest_json: Value,
    #[sqlx(json)]
    pub diff_from_prev: Value,
    pub parent_version_id: Option<i64>,
    /// The parent's version number this version builds on, for display.
    pub parent_version_number: Option<String>,
    #[sqlx(json(nullable))]
    pub overlay_json: Option<Value>,
    #[sqlx(try_from = "String")]
    pub bump: Bump,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub change_note: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
}

impl RecipeVersion {
    pub fn semver(&self) -> semver::Version {
        semver::Version::parse(&self.version_number).unwrap_or(semver::Version::new(0, 0, 0))
    }

    pub fn is_approved(&self) -> bool {
        self.approved_at.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Model {
    pub id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub model_family: ModelFamily,
    pub recipe_id: i64,
    pub recipe_name: String,
    pub recipe_version_id: i64,
    pub recipe_version: String,
    #[sqlx(try_from = "String")]
    pub status: ModelStatus,
    pub owner: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The run that produced it, when one is linked.
    pub run_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Run {
    pub id: i64,
    pub model_id: Option<i64>,
    pub model_name: Option<String>,
    /// `None`: a run of an experiment no recipe is linked to.
    pub recipe_id: Option<i64>,
    pub recipe_name: Option<String>,
    pub recipe_version_id: Option<i64>,
    pub recipe_version: Option<String>,
    pub experiment_id: i64,
    pub experiment_name: String,
    #[sqlx(try_from = "String")]
    pub run_type: RunType,
    #[sqlx(try_from = "String")]
    pub status: RunStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    #[sqlx(json)]
    pub metrics_json: Value,
    #[sqlx(json)]
    pub artifacts_json: Value,
    /// The log, read with one run; list rows never carry it (it may be large).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs_text: Option<String>,
    /// A name for people ("lr sweep 3"); MLflow's run name.
    pub name: String,
    pub note: String,
    /// Why the run ended as it did: "exit status 3", "executor lost", ...
    pub status_reason: String,
    pub exit_code: Option<i64>,
    /// "host:pid" of the process executing the run.
    pub executor: Option<String>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub cancel_requested_at: Option<DateTime<Utc>>,
    pub log_bytes: i64,
}

impl Run {
    /// The recipe's name, or for a run of no recipe its experiment's,
    /// marked so ("exp:churn sweeps") where a recipe's name would stand.
    pub fn recipe_or_experiment(&self) -> std::borrow::Cow<'_, str> {
        match &self.recipe_name {
            Some(recipe) => recipe.as_str().into(),
            None => format!("exp:{}", self.experiment_name).into(),
        }
    }

    /// What the run is of, for people: "'demand' 1.2.0", or the experiment
    /// of a run of no recipe.
    pub fn origin(&self) -> String {
        match (&self.recipe_name, &self.recipe_version) {
            (Some(recipe), Some(version)) => format!("'{recipe}' {version}"),
            _ => format!("experiment '{}' (no recipe)", self.experiment_name),
        }
    }

    /// Its recipe and version ids, which a run of no recipe lacks.
    pub fn recipe_and_version(&self) -> Option<(i64, i64)> {
        self.recipe_id.zip(self.recipe_version_id)
    }
}

/// A run an executor holds that has not finished: who holds it and when
/// it last vouched for it, which is all that decides whether it was lost.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LiveExecution {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub status: RunStatus,
    /// "host:pid" of the process executing the run.
    pub executor: String,
    pub heartbeat_at: Option<DateTime<Utc>>,
}

/// One logged value of a metric.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct MetricPoint {
    pub key: String,
    pub step: i64,
    pub value: f64,
    pub at: DateTime<Utc>,
}

/// A dataset a run read, as MLflow's client logged it: the dataset and its
/// input tags, each as the client's JSON.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RunInput {
    pub run_id: i64,
    pub name: String,
    pub digest: String,
    pub tags_json: String,
    pub dataset_json: String,
}

/// A logged model a run read (`input`) or produced (`output`, at `step`),
/// as MLflow 3's client links them.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RunModelLink {
    pub run_id: i64,
    pub direction: String,
    pub model_id: String,
    pub step: i64,
}

/// A metric point a run logged against a logged model, with the dataset
/// it was measured on (empty names when none).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ModelMetric {
    pub model_id: String,
    pub run_id: i64,
    pub key: String,
    pub value: f64,
    pub step: i64,
    pub at: DateTime<Utc>,
    pub dataset_name: String,
    pub dataset_digest: String,
}

/// One logged point of a metric's history as logged: a number, or a value
/// that is not one (`spelled`: "NaN", "Infinity", "-Infinity").
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LoggedPoint {
    pub step: i64,
    pub seq: i64,
    pub value: Option<f64>,
    pub spelled: Option<String>,
    pub at: DateTime<Utc>,
}

/// When and by whom a run was deleted through MLflow's client.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RunDeletion {
    pub deleted_at: DateTime<Utc>,
    pub deleted_by: String,
}

/// A model logged through MLflow 3's client (`create_logged_model`, a
/// flavor's `log_model`): of an experiment (a recipe), usually made by a
/// run; its params and tags as JSON objects of strings.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct LoggedModel {
    pub id: String,
    pub experiment_id: i64,
    pub run_id: Option<i64>,
    pub name: String,
    pub model_type: String,
    /// pending, ready or failed.
    pub status: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub params_json: Value,
    pub tags_json: Value,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A model of MLflow's registry: a name, a description and tags.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RegisteredModel {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// The highest version number given, deleted ones included.
    pub last_version: i64,
    pub tags_json: Value,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A numbered version of a registered model: where its files are, the run
/// and logged model it came from, tags and MLflow's (deprecated) stage.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ModelVersion {
    pub registered_model_id: i64,
    pub version: i64,
    pub source: String,
    pub run_id: Option<i64>,
    pub model_id: Option<String>,
    pub description: String,
    pub tags_json: Value,
    pub stage: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A registered model's version made from a run: the model's name, the
/// version's number and MLflow stage.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RegisteredVersion {
    pub name: String,
    pub version: i64,
    pub stage: String,
}

/// An alias naming one version of a registered model ("champion").
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ModelAlias {
    pub registered_model_id: i64,
    pub alias: String,
    pub version: i64,
}

/// An MLflow experiment: a recipe's own (`own`: named by the recipe and
/// deleted when it is archived) or one a client made, optionally linked
/// to a recipe whose runs its runs then are.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Experiment {
    pub id: i64,
    pub name: String,
    pub recipe_id: Option<i64>,
    pub recipe_name: Option<String>,
    pub recipe_family: Option<String>,
    pub own: bool,
    pub deleted: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An MLflow experiment tag.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ExperimentTag {
    pub experiment_id: i64,
    pub key: String,
    pub value: String,
}

/// A logged metric value that is not a number, as MLflow's clients send
/// them: "NaN", "Infinity" or "-Infinity", kept apart from the history.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct NonFinitePoint {
    pub run_id: i64,
    pub key: String,
    pub step: i64,
    pub seq: i64,
    pub value: String,
    pub at: DateTime<Utc>,
}

impl NonFinitePoint {
    /// How a value that is not finite is spelt, in the table and in
    /// MLflow's JSON.
    pub fn spelling(value: f64) -> &'static str {
        match value {
            v if v.is_nan() => "NaN",
            v if v > 0.0 => "Infinity",
            _ => "-Infinity",
        }
    }

    pub fn number(&self) -> f64 {
        match self.value.as_str() {
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            _ => f64::NAN,
        }
    }
}

/// One value of a metric to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMetricPoint {
    pub key: String,
    pub step: i64,
    pub value: f64,
    pub at: DateTime<Utc>,
}

/// A tile of a metric's history: its lowest and highest point (see
/// `metric_tiles`).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MetricTile {
    pub tile: i64,
    pub lo_step: i64,
    pub lo_value: f64,
    pub lo_at: DateTime<Utc>,
    pub hi_step: i64,
    pub hi_value: f64,
    pub hi_at: DateTime<Utc>,
}

/// A metric's history in brief: how many points, over which steps, the last value.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct MetricSummary {
    pub key: String,
    pub points: i64,
    pub first_step: i64,
    pub last_step: i64,
    pub min: f64,
    pub max: f64,
}

/// A run's param or tag.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// A param of one of many runs.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RunKeyValue {
    pub run_id: i64,
    pub key: String,
    pub value: String,
}

/// A run's latest value of a metric, with the step and time it was logged
/// at (none for a value its metrics document holds but no history has).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct LatestMetric {
    pub run_id: i64,
    pub key: String,
    pub value: f64,
    pub step: Option<i64>,
    pub at: Option<DateTime<Utc>>,
}

/// A file registered with a run.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RunArtifact {
    pub run_id: i64,
    /// Where it sits in the run's artifacts ("plots/loss.png").
    pub path: String,
    pub size: i64,
    pub sha256: String,
    /// The stored copy (a file path) or the link registered.
    pub uri: String,
    pub at: DateTime<Utc>,
}

impl Run {
    /// The log as read (empty on a list row, which does not carry it).
    pub fn log(&self) -> &str {
        self.logs_text.as_deref().unwrap_or("")
    }

    /// Seconds from start to finish, or to `now` while running.
    pub fn duration_seconds(&self, now: DateTime<Utc>) -> Option<i64> {
        let start = self.started_at?;
        let end = self.finished_at.unwrap_or(now);
        Some((end - start).num_seconds().max(0))
    }

    /// The metric a one-line listing shows: the first score the metric
    /// catalogue knows (in its order), else the first by name. Not the
    /// document's first key: PostgreSQL's JSONB reorders keys, and a count
    /// such as `quality_checks_passed` says little about a model.
    pub fn headline_metric(&self) -> Option<(String, f64)> {
        self.metrics_in_order()
            .into_iter()
            .find_map(|(k, v)| v.as_f64().map(|x| (k, x)))
    }

    /// The run's final metrics in one order on every backend: the scores
    /// the metric catalogue knows, in its order, then the rest by name.
    pub fn metrics_in_order(&self) -> Vec<(String, Value)> {
        use nexml_core::domain::metrics::{CATALOGUE, MetricKind};
        let Some(obj) = self.metrics_json.as_object() else {
            return Vec::new();
        };
        let rank = |k: &str| {
            CATALOGUE
                .iter()
                .filter(|m| m.kind != MetricKind::Monitoring)
                .position(|m| m.name == k)
                .unwrap_or(usize::MAX)
        };
        let mut out: Vec<(String, Value)> =
            obj.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        out.sort_by(|(a, _), (b, _)| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Snapshot {
    pub id: i64,
    pub model_id: i64,
    pub captured_at: DateTime<Utc>,
    #[sqlx(json)]
    pub performance_metrics_json: Value,
    #[sqlx(json)]
    pub drift_metrics_json: Value,
    #[sqlx(json)]
    pub data_freshness_json: Value,
    #[sqlx(json)]
    pub alerts_json: Value,
    pub created_by: String,
}

impl Snapshot {
    /// The highest drift score as "column score", or "-".
    pub fn worst_drift_label(&self) -> String {
        self.worst_drift()
            .map(|(k, v)| format!("{k} {v:.3}"))
            .unwrap_or("-".into())
    }

    /// The column with the highest drift score (PSI, or a test's score).
    pub fn worst_drift(&self) -> Option<(String, f64)> {
        nexml_core::monitoring::worst_drift(&self.drift_metrics_json)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SyntheticExample {
    pub id: i64,
    pub recipe_id: i64,
    #[sqlx(json)]
    pub dataset_schema_json: Value,
    #[sqlx(json)]
    pub sample_rows_json: Value,
    #[sqlx(json)]
    pub example_run_json: Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    #[sqlx(json)]
    pub details: Value,
    /// The row's link in the audit chain (none before the chain began).
    pub hash: Option<String>,
}

/// Where the audit chain began, and what the database found of it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditChainState {
    /// Rows from this id on must carry a link.
    pub chain_from: i64,
    /// PostgreSQL: the rows the database linked under its key.
    pub keyed: Option<KeyedAudit>,
}

/// The database's walk of the rows it linked under its key (PostgreSQL).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyedAudit {
    /// Rows from this id on are linked under the key; older ones as on SQLite.
    pub keyed_from: i64,
    /// Keyed rows whose link checks out.
    pub linked: i64,
    /// The first row that breaks the chain, and whether it had no link.
    pub broken: Option<(i64, bool)>,
}

/// One page of a list and how many rows match in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// A column a recipe or model list can be sorted by; ties go by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Name,
    Family,
    Status,
    Updated,
    /// Recipes only.
    Level,
    /// Models only.
    Owner,
    /// Models: the recipe's name.
    Recipe,
    /// Monitoring only: the latest snapshot's worst drift.
    Drift,
    /// Monitoring only: open alerts.
    Alerts,
}

/// How a recipe or model list is sorted, instead of its default order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListSort {
    pub column: SortColumn,
    pub descending: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecipeQuery {
    /// Read from the other end (for a window near the end of a long list);
    /// rows still come back in the list's order.
    pub reverse: bool,
    pub family: Option<ModelFamily>,
    pub level: Option<RecipeLevel>,
    pub status: Option<RecipeStatus>,
    pub parent_id: Option<i64>,
    pub search: Option<String>,
    /// Search names only (a picker), not families and tags too.
    pub names_only: bool,
    /// Only the rows (`total` is then -1).
    pub skip_count: bool,
    /// None: by name.
    pub sort: Option<ListSort>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelQuery {
    /// Read from the other end (for a window near the end of a long list);
    /// rows still come back in the list's order.
    pub reverse: bool,
    pub family: Option<ModelFamily>,
    pub status: Option<ModelStatus>,
    pub recipe_id: Option<i64>,
    pub owner: Option<String>,
    pub search: Option<String>,
    /// None: by name (Monitoring: worst first).
    pub sort: Option<ListSort>,
    pub limit: i64,
    pub offset: i64,
}

/// Where a window of the run list starts, named by a row beside it rather
/// than by position: as cheap in the middle of a million rows as at the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyset {
    /// The rows listed after this run (older ones).
    After(i64),
    /// The rows listed before this run (newer ones), nearest last.
    Before(i64),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunQuery {
    /// Start beside a known row instead of at `offset` (`reverse` unused).
    pub keyset: Option<Keyset>,
    /// Read from the other end (for a window near the end of a long list);
    /// rows still come back in the list's order.
    pub reverse: bool,
    /// Only the rows: the caller knows the total already (`total` is then -1).
    pub skip_count: bool,
    pub status: Option<RunStatus>,
    pub run_type: Option<RunType>,
    pub family: Option<ModelFamily>,
    pub recipe_id: Option<i64>,
    pub model_id: Option<i64>,
    /// Runs of these experiments (none: of any).
    pub experiment_ids: Vec<i64>,
    pub search: Option<String>,
    /// An expression in the run filter language.
    pub filter: Option<nexml_core::runs::filter::Filter>,
    /// Runs deleted through MLflow: only them (`Some(true)`), none of them
    /// (`Some(false)`, MLflow's searches), or every run (`None`).
    pub deleted: Option<bool>,
    /// Sort keys before the newest-first default (keysets are then unused).
    pub order_by: Vec<nexml_core::runs::filter::OrderBy>,
    pub limit: i64,
    pub offset: i64,
}

/// A new recipe with its first version.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecipe {
    pub name: String,
    pub model_family: ModelFamily,
    pub level: RecipeLevel,
    pub parent_id: Option<i64>,
    pub tags: Vec<String>,
    pub manifest: Value,
    pub change_note: String,
    /// Created already approved (the seeded baselines).
    pub approved: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecipeChanges {
    pub name: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// A manifest to commit as a recipe's next version. REST reads it from a
/// body with `note` for the change note.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NewVersion {
    pub recipe_id: i64,
    pub manifest: Value,
    #[serde(default)]
    pub bump: nexml_core::domain::version::BumpChoice,
    #[serde(default, alias = "note")]
    pub change_note: String,
    /// Build on this parent version instead of the one the latest version pins (rebase).
    #[serde(skip)]
    pub parent_version_id: Option<i64>,
    /// The version its author started from. When a newer one was saved
    /// meanwhile, the two are merged (or refused where both changed one
    /// place); None: made from nothing shown (a generated file), so it
    /// replaces whatever is latest.
    #[serde(default)]
    pub base_version: Option<String>,
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CommitOutcome {
    Created {
        version: Box<RecipeVersion>,
        /// Saved from an older version: the newer one its changes were
        /// replayed onto.
        #[serde(skip_serializing_if = "Option::is_none")]
        merged_onto: Option<MergedOnto>,
    },
    Unchanged {
        version: Box<RecipeVersion>,
    },
}

impl CommitOutcome {
    pub fn version(&self) -> &RecipeVersion {
        match self {
            CommitOutcome::Created { version, .. } | CommitOutcome::Unchanged { version } => {
                version
            }
        }
    }
}

/// The newer version a save from an older one was merged onto.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergedOnto {
    /// The version the author started from.
    pub base: String,
    /// The newest version when it was saved, whose changes it keeps.
    pub latest: String,
    /// The places where this save's changes were replayed.
    pub replayed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NewModel {
    pub name: String,
    pub recipe_id: i64,
    /// `None`: the recipe's latest approved version.
    #[serde(default)]
    pub version: Option<String>,
    /// Empty in a REST body: whoever registers it.
    #[serde(default)]
    pub owner: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelChanges {
    pub name: Option<String>,
    pub owner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NewRun {
    pub recipe_id: i64,
    /// `None`: the model's version when a model is given, else the recipe's latest.
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub model_id: Option<i64>,
    /// A training run when not said.
    #[serde(default = "training")]
    pub run_type: RunType,
}

fn training() -> RunType {
    RunType::Train
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RunChanges {
    pub status: Option<RunStatus>,
    pub metrics: Option<Value>,
    pub artifacts: Option<Value>,
    pub append_log: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewSnapshot {
    pub captured_at: DateTime<Utc>,
    pub performance: Value,
    pub drift: Value,
    pub freshness: Value,
    pub alerts: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewExample {
    pub dataset_schema: Value,
    pub sample_rows: Value,
    pub example_run: Value,
}

/// A batch of data ingested for a model: its content's SHA-256, the
/// snapshot it became, the file it came from, and when and by whom.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct IngestedBatch {
    pub model_id: i64,
    pub sha256: String,
    pub snapshot_id: i64,
    pub file_path: String,
    pub file_id: String,
    pub ingested_at: DateTime<Utc>,
    pub ingested_by: String,
}

/// A model's monitoring health as triggers keep it (`ml_model_health`).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ModelHealth {
    pub model_id: i64,
    pub latest_snapshot_id: Option<i64>,
    pub open_alerts: i64,
}

/// How many of a model's rows a condition counts.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ModelCount {
    pub model_id: i64,
    pub n: i64,
}

/// A model with its latest monitoring snapshot, for the Monitoring tab.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorRow {
    pub model: Model,
    pub latest: Option<Snapshot>,
    /// Alerts not yet resolved (acknowledged ones included).
    pub open_alerts: i64,
    /// Of those, the ones someone has acknowledged.
    pub acknowledged_alerts: i64,
}

impl MonitorRow {
    /// Alerts open now (not resolved): what someone has to act on.
    pub fn alert_count(&self) -> i64 {
        self.open_alerts
    }

    /// Alerts nobody has acknowledged yet.
    pub fn unacknowledged_alerts(&self) -> i64 {
        self.open_alerts - self.acknowledged_alerts
    }
}

/// One message of a chat; an assistant message may carry a proposed change.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ChatMessage {
    pub id: i64,
    pub recipe_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub role: ChatRole,
    pub text: String,
    #[sqlx(json(nullable))]
    pub proposal: Option<Value>,
    #[sqlx(try_from = "String")]
    pub status: ChatStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The recipe version a proposal was made against.
    pub base_version: Option<String>,
}

/// An alert opened by a monitoring rule; users acknowledge and resolve it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Alert {
    pub id: i64,
    pub model_id: i64,
    pub rule: String,
    #[sqlx(try_from = "String")]
    pub source: AlertSource,
    pub metric: String,
    #[sqlx(try_from = "String")]
    pub comparison: Comparison,
    pub threshold: f64,
    #[sqlx(try_from = "String")]
    pub severity: Severity,
    #[sqlx(try_from = "String")]
    pub state: AlertState,
    pub value: f64,
    pub message: String,
    pub snapshot_id: Option<i64>,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who resolved it: a person, or whoever's snapshot met the rule again.
    pub resolved_by: Option<String>,
    /// The reading its last notification reported (opening, escalation).
    pub notified_value: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run_with(metrics_json: Value) -> Run {
        let at = DateTime::<Utc>::default();
        Run {
            id: 1,
            model_id: None,
            model_name: None,
            recipe_id: Some(1),
            recipe_name: Some("r".into()),
            recipe_version_id: Some(1),
            recipe_version: Some("1.0.0".into()),
            experiment_id: 1,
            experiment_name: "r".into(),
            run_type: RunType::Train,
            status: RunStatus::Succeeded,
            created_by: "ana".into(),
            created_at: at,
            updated_at: at,
            started_at: None,
            finished_at: None,
            metrics_json,
            artifacts_json: json!([]),
            logs_text: None,
            name: String::new(),
            note: String::new(),
            status_reason: String::new(),
            exit_code: None,
            executor: None,
            heartbeat_at: None,
            cancel_requested_at: None,
            log_bytes: 0,
        }
    }

    #[test]
    fn the_headline_is_a_known_score_whatever_the_key_order() {
        let r = run_with(json!({"quality_checks_passed": 4, "rows": 10, "wape": 0.1, "mae": 2.5}));
        assert_eq!(r.headline_metric(), Some(("wape".into(), 0.1)));
        let r = run_with(json!({"zeta": 1, "alpha": 2}));
        assert_eq!(r.headline_metric(), Some(("alpha".into(), 2.0)));
        assert_eq!(run_with(json!({})).headline_metric(), None);
    }

    #[test]
    fn metrics_read_in_one_order_known_scores_first() {
        let r = run_with(json!({"rows": 10, "mae": 2.5, "quality_checks_passed": 4, "wape": 0.1}));
        let names: Vec<String> = r.metrics_in_order().into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["wape", "mae", "quality_checks_passed", "rows"]);
    }
}
