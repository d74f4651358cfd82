//! Persistence: a `Store` opens sessions (a connection to read, a
//! transaction to write) whose methods are nexml's statements, written once
//! in `session`; each backend implements only the narrow `Db` trait, behind
//! its cargo feature. The database URL's scheme picks one. No rules live
//! here: the app's service decides what may change.

pub mod db;
pub mod decode;
pub mod encode;
pub mod error;
pub mod feed;
pub mod metric_tiles;
pub mod records;
pub mod rows;
pub mod run_search;
pub mod session;
pub mod sql;
pub mod tracking;

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use db::LockedTable;
pub use error::{EditConflict, StoreError, StoreResult};
pub use feed::{Change, ChangeFeed};
pub use records::*;
pub use rows::*;
pub use session::{Dependents, RunDocument, Session};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use nexml_core::domain::AlertState;
use std::sync::Arc;

/// A database nexml can use.
#[async_trait]
pub trait Store: Send + Sync {
    /// Which backend this is, for messages: "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
    /// A session on a pooled connection, for reads.
    async fn read(&self) -> StoreResult<Session>;
    /// A write transaction: everything one change does, or nothing.
    async fn write(&self) -> StoreResult<Session>;
    /// Every change committed from now on, by any process, in batches.
    async fn watch(&self) -> StoreResult<ChangeFeed>;
}

/// Reads in one call each, for the screens and commands that only look.
impl dyn Store + '_ {
    pub async fn list_recipes(&self, query: &RecipeQuery) -> StoreResult<Page<Recipe>> {
        self.read().await?.list_recipes(query).await
    }
    pub async fn recipe(&self, id: i64) -> StoreResult<Recipe> {
        self.read().await?.recipe(id).await
    }
    /// A recipe by id or exact name.
    pub async fn find_recipe(&self, reference: &str) -> StoreResult<Recipe> {
        self.read().await?.find_recipe(reference).await
    }
    pub async fn children(&self, id: i64) -> StoreResult<Vec<Recipe>> {
        self.read().await?.children(id).await
    }
    /// Newest first.
    pub async fn versions(&self, recipe_id: i64) -> StoreResult<Vec<RecipeVersion>> {
        self.read().await?.versions(recipe_id).await
    }
    /// A version by number, or the latest when `None`.
    pub async fn version(
        &self,
        recipe_id: i64,
        number: Option<&str>,
    ) -> StoreResult<RecipeVersion> {
        let mut session = self.read().await?;
        let recipe = session.recipe(recipe_id).await?;
        session.version(&recipe, number).await
    }
    pub async fn version_by_id(&self, version_id: i64) -> StoreResult<RecipeVersion> {
        self.read().await?.version_by_id(version_id).await
    }
    pub async fn example(&self, recipe_id: i64) -> StoreResult<Option<SyntheticExample>> {
        self.read().await?.example(recipe_id).await
    }
    pub async fn list_models(&self, query: &ModelQuery) -> StoreResult<Page<Model>> {
        self.read().await?.list_models(query).await
    }
    pub async fn model(&self, id: i64) -> StoreResult<Model> {
        self.read().await?.model(id).await
    }
    /// A model by id or exact name.
    pub async fn find_model(&self, reference: &str) -> StoreResult<Model> {
        self.read().await?.find_model(reference).await
    }
    pub async fn list_runs(&self, query: &RunQuery) -> StoreResult<Page<Run>> {
        self.read().await?.list_runs(query).await
    }
    pub async fn run(&self, id: i64) -> StoreResult<Run> {
        self.read().await?.run(id).await
    }
    /// A run with its params, tags, metric histories and artifact files.
    pub async fn run_detail(
        &self,
        id: i64,
        history_points: i64,
    ) -> StoreResult<tracking::RunDetail> {
        self.read().await?.run_detail(id, history_points).await
    }
    /// A metric's history, thinned past `max_points`.
    pub async fn metric_series(
        &self,
        id: i64,
        key: &str,
        max_points: i64,
    ) -> StoreResult<tracking::MetricSeries> {
        self.read().await?.metric_series(id, key, max_points).await
    }
    /// The metric and param names runs have, for the Runs tab's columns.
    pub async fn run_column_keys(&self, limit: i64) -> StoreResult<(Vec<String>, Vec<String>)> {
        self.read().await?.run_column_keys(limit).await
    }
    /// The params named `keys` of the runs `run_ids`.
    pub async fn params_of_runs(
        &self,
        run_ids: &[i64],
        keys: &[String],
    ) -> StoreResult<Vec<RunKeyValue>> {
        self.read().await?.params_of_runs(run_ids, keys).await
    }
    /// A run without its log.
    pub async fn run_row(&self, id: i64) -> StoreResult<Run> {
        self.read().await?.run_row(id).await
    }
    /// Newest first, at most `limit`.
    pub async fn snapshots(&self, model_id: i64, limit: i64) -> StoreResult<Vec<Snapshot>> {
        self.read().await?.snapshots(model_id, limit).await
    }
    /// Snapshots since `since` (all when `None`), oldest first, thinned in the
    /// database to about `points` evenly spaced ones (always the newest).
    pub async fn snapshot_series(
        &self,
        model_id: i64,
        since: Option<DateTime<Utc>>,
        points: i64,
    ) -> StoreResult<Vec<Snapshot>> {
        self.read()
            .await?
            .snapshot_series(model_id, since, points)
            .await
    }
    /// Models with their latest snapshot and open alerts, worst first.
    pub async fn monitoring_overview(&self, query: &ModelQuery) -> StoreResult<Page<MonitorRow>> {
        self.read().await?.monitoring_overview(query).await
    }
    /// Alerts of a model, most severe and newest first; `state` narrows.
    pub async fn alerts(
        &self,
        model_id: i64,
        state: Option<AlertState>,
    ) -> StoreResult<Vec<Alert>> {
        self.read().await?.alerts(model_id, state).await
    }
    /// `author`'s conversation about a recipe (`None`: their general one),
    /// oldest first, the last `limit`.
    pub async fn chat_history(
        &self,
        recipe_id: Option<i64>,
        author: &str,
        limit: i64,
    ) -> StoreResult<Vec<ChatMessage>> {
        self.read()
            .await?
            .chat_history(recipe_id, author, limit)
            .await
    }
    /// Oldest first.
    pub async fn audit(&self, entity: &str, entity_id: i64) -> StoreResult<Vec<AuditEntry>> {
        self.read().await?.audit(entity, entity_id).await
    }
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
