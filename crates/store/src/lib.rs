//! Persistence: a `Store` opens sessions (a connection to read, a
//! transaction to write) whose methods are nexml's statements, written once
//! in `session`; each backend implements only the narrow `Db` trait, behind
//! its cargo feature. The database URL's scheme picks one. No rules live
//! here: the app's service decides what may change.

pub mod bulk;
pub mod db;
pub mod decode;
pub mod encode;
pub mod error;
pub mod experiment_tags;
pub mod experiments;
pub mod feed;
pub mod logged_models;
pub mod metric_tiles;
mod reads;
pub mod records;
pub mod registry;
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
use std::sync::Arc;

/// A database nexml can use.
#[async_trait]
pub trait Store: Send + Sync {
    /// Which backend this is, for messages: "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
    /// Whether write transactions on different tables run side by side
    /// (PostgreSQL), rather than one at a time (SQLite's single writer).
    fn writes_in_parallel(&self) -> bool {
        false
    }
    /// A session on a pooled connection, for reads.
    async fn read(&self) -> StoreResult<Session>;
    /// A write transaction: everything one change does, or nothing.
    async fn write(&self) -> StoreResult<Session>;
    /// Every change committed from now on, by any process, in batches.
    async fn watch(&self) -> StoreResult<ChangeFeed>;
    /// Leaves the database tidy for the next process, at the end of a
    /// command or of the app. Never fails: what it cannot do is left as
    /// it was.
    async fn close(&self) {}
}

/// Reads in one call each, for the screens and commands that only look:
/// the rest are made from `Session`'s by `reads!` (see `reads`).
impl dyn Store + '_ {
    /// A version by number, or the latest when `None` (by recipe id, where
    /// `Session::version` takes the recipe read already).
    pub async fn version(
        &self,
        recipe_id: i64,
        number: Option<&str>,
    ) -> StoreResult<RecipeVersion> {
        let mut session = self.read().await?;
        let recipe = session.recipe(recipe_id).await?;
        session.version(&recipe, number).await
    }
}

/// One generated run row.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRun {
    pub model_id: Option<i64>,
    pub recipe_id: i64,
    pub recipe_version_id: i64,
    /// The recipe's own experiment (`Session::recipe_experiment`).
    pub experiment_id: i64,
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
