//! Persistence: one `Store` API with a SQLite and a PostgreSQL implementation,
//! each behind its cargo feature; the database URL's scheme picks one.

#[macro_use]
mod backend;
pub mod error;
pub mod records;
pub mod sql;

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use error::{StoreError, StoreResult};
pub use records::*;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use nexml_core::domain::{AlertState, ChatRole, ChatStatus, ModelStatus, RecipeStatus};
use std::sync::Arc;

/// Rules that depend on configuration rather than on the data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Governance {
    /// Four-eyes rule: the author of a version cannot approve it.
    pub distinct_approver: bool,
}

/// Everything nexml reads and writes. Every change takes the acting user and
/// writes its audit entry in the same transaction.
#[async_trait]
pub trait Store: Send + Sync {
    /// Which backend this is, for messages: "sqlite" or "postgres".
    fn backend(&self) -> &'static str;

    // Recipes
    async fn list_recipes(&self, query: &RecipeQuery) -> StoreResult<Page<Recipe>>;
    async fn recipe(&self, id: i64) -> StoreResult<Recipe>;
    /// A recipe by id or exact name.
    async fn find_recipe(&self, reference: &str) -> StoreResult<Recipe>;
    async fn create_recipe(&self, new: NewRecipe, actor: &str) -> StoreResult<Recipe>;
    async fn update_recipe(
        &self,
        id: i64,
        changes: RecipeChanges,
        actor: &str,
    ) -> StoreResult<Recipe>;
    async fn delete_recipe(&self, id: i64, actor: &str) -> StoreResult<()>;
    async fn set_recipe_status(
        &self,
        id: i64,
        to: RecipeStatus,
        actor: &str,
    ) -> StoreResult<Recipe>;
    async fn children(&self, id: i64) -> StoreResult<Vec<Recipe>>;

    // Versions
    /// Newest first.
    async fn versions(&self, recipe_id: i64) -> StoreResult<Vec<RecipeVersion>>;
    /// A version by number, or the latest when `None`.
    async fn version(&self, recipe_id: i64, number: Option<&str>) -> StoreResult<RecipeVersion>;
    async fn version_by_id(&self, version_id: i64) -> StoreResult<RecipeVersion>;
    async fn commit_version(&self, new: NewVersion, actor: &str) -> StoreResult<CommitOutcome>;
    /// Approves a version (the latest when `None`).
    async fn approve_version(
        &self,
        recipe_id: i64,
        number: Option<&str>,
        governance: Governance,
        actor: &str,
    ) -> StoreResult<RecipeVersion>;

    // Synthetic examples
    async fn example(&self, recipe_id: i64) -> StoreResult<Option<SyntheticExample>>;
    async fn put_example(
        &self,
        recipe_id: i64,
        example: NewExample,
        actor: &str,
    ) -> StoreResult<SyntheticExample>;

    // Models
    async fn list_models(&self, query: &ModelQuery) -> StoreResult<Page<Model>>;
    async fn model(&self, id: i64) -> StoreResult<Model>;
    async fn find_model(&self, reference: &str) -> StoreResult<Model>;
    async fn register_model(&self, new: NewModel, actor: &str) -> StoreResult<Model>;
    async fn update_model(&self, id: i64, changes: ModelChanges, actor: &str)
    -> StoreResult<Model>;
    async fn set_model_status(&self, id: i64, to: ModelStatus, actor: &str) -> StoreResult<Model>;

    // Runs
    async fn list_runs(&self, query: &RunQuery) -> StoreResult<Page<Run>>;
    async fn run(&self, id: i64) -> StoreResult<Run>;
    async fn create_run(&self, new: NewRun, actor: &str) -> StoreResult<Run>;
    async fn update_run(&self, id: i64, changes: RunChanges, actor: &str) -> StoreResult<Run>;

    // Monitoring
    /// Newest first, at most `limit`.
    async fn snapshots(&self, model_id: i64, limit: i64) -> StoreResult<Vec<Snapshot>>;
    /// Snapshots since `since` (all when `None`), oldest first, thinned in the
    /// database to about `points` evenly spaced ones (always the newest).
    async fn snapshot_series(
        &self,
        model_id: i64,
        since: Option<DateTime<Utc>>,
        points: i64,
    ) -> StoreResult<Vec<Snapshot>>;
    async fn add_snapshot(
        &self,
        model_id: i64,
        new: NewSnapshot,
        actor: &str,
    ) -> StoreResult<Snapshot>;

    /// Models with their latest snapshot, in the models' list order.
    async fn monitoring_overview(&self, query: &ModelQuery) -> StoreResult<Page<MonitorRow>>;

    // Alerts
    /// Stores a snapshot and, in the same transaction, opens (or updates) an
    /// alert for every rule that fired and resolves the ones that stopped.
    async fn record_snapshot(
        &self,
        model_id: i64,
        snapshot: NewSnapshot,
        evaluations: &[nexml_core::monitoring::Evaluation],
        actor: &str,
    ) -> StoreResult<(Snapshot, Vec<Alert>)>;
    /// Alerts of a model, most severe and newest first; `state` narrows.
    async fn alerts(&self, model_id: i64, state: Option<AlertState>) -> StoreResult<Vec<Alert>>;
    /// open -> acknowledged -> resolved (open -> resolved too).
    async fn set_alert_state(&self, id: i64, state: AlertState, actor: &str) -> StoreResult<Alert>;

    // Chat
    /// A recipe's conversation (`None`: the general one), oldest first, the last `limit`.
    async fn chat_history(
        &self,
        recipe_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<ChatMessage>>;
    async fn add_chat_message(
        &self,
        recipe_id: Option<i64>,
        role: ChatRole,
        text: &str,
        proposal: Option<&serde_json::Value>,
        actor: &str,
    ) -> StoreResult<ChatMessage>;
    /// Marks a proposal applied or rejected (only a pending one).
    async fn set_chat_status(&self, id: i64, status: ChatStatus) -> StoreResult<()>;

    // Audit
    /// Oldest first.
    async fn audit(&self, entity: &str, entity_id: i64) -> StoreResult<Vec<AuditEntry>>;

    // Bulk content for `generate` (no audit: synthetic data).
    async fn insert_runs_bulk(&self, runs: &[BulkRun]) -> StoreResult<()>;
    async fn insert_snapshots_bulk(&self, snapshots: &[BulkSnapshot]) -> StoreResult<()>;
}

/// One generated run row.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRun {
    pub model_id: Option<i64>,
    pub recipe_id: i64,
    pub recipe_version_id: i64,
    pub run_type: nexml_core::domain::RunType,
    pub status: nexml_core::domain::RunStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub metrics: serde_json::Value,
    pub artifacts: serde_json::Value,
    pub logs: String,
}

/// One generated snapshot row.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkSnapshot {
    pub model_id: i64,
    pub captured_at: DateTime<Utc>,
    pub performance: serde_json::Value,
    pub drift: serde_json::Value,
    pub freshness: serde_json::Value,
    pub alerts: serde_json::Value,
}

/// Now, truncated to microseconds so both backends store the same instant.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Opens the store a URL names, creating and migrating the database as needed.
pub async fn open(url: &str) -> StoreResult<Arc<dyn Store>> {
    let scheme = url.split(':').next().unwrap_or_default();
    match scheme {
        "sqlite" => open_sqlite(url).await,
        "postgres" | "postgresql" => open_postgres(url).await,
        _ => Err(StoreError::Url {
            url: redact(url),
            reason: "unknown scheme (expected sqlite:PATH or postgres://...)".into(),
        }),
    }
}

#[cfg(feature = "sqlite")]
async fn open_sqlite(url: &str) -> StoreResult<Arc<dyn Store>> {
    Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
}

#[cfg(not(feature = "sqlite"))]
async fn open_sqlite(url: &str) -> StoreResult<Arc<dyn Store>> {
    Err(missing_feature(url, "sqlite"))
}

#[cfg(feature = "postgres")]
async fn open_postgres(url: &str) -> StoreResult<Arc<dyn Store>> {
    Ok(Arc::new(postgres::PgStore::connect(url).await?))
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(url: &str) -> StoreResult<Arc<dyn Store>> {
    Err(missing_feature(url, "postgres"))
}

#[allow(dead_code)]
fn missing_feature(url: &str, feature: &str) -> StoreError {
    StoreError::Url {
        url: redact(url),
        reason: format!(
            "this nexml was built without the `{feature}` feature (rebuild with --features {feature})"
        ),
    }
}

/// A URL with any password replaced, safe to print.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redact_hides_passwords_only() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite:/tmp/x.db"), "sqlite:/tmp/x.db");
    }
}
