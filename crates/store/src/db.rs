//! The narrow trait each backend implements: run one statement and decode its
//! rows as one of the record types. Statements themselves (SQL text and binds)
//! are written once, in `statements`; a dialect difference is a method here
//! with a different body per backend.

use crate::error::StoreResult;
use crate::records::{
    Alert, AuditEntry, ChatMessage, KeyValue, MetricPoint, MetricSummary, MetricTile, Model,
    ModelHealth, Recipe, RecipeVersion, Run, RunArtifact, RunKeyValue, Snapshot, SyntheticExample,
};
use crate::{BulkRun, BulkSnapshot};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Float(f64),
    Bool(bool),
    Json(Value),
    OptJson(Option<Value>),
    Time(DateTime<Utc>),
    OptTime(Option<DateTime<Utc>>),
}

/// SQL text with `$1, $2, ...` placeholders and the values they take.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub binds: Vec<Bind>,
}

impl Statement {
    pub fn new(sql: impl Into<String>) -> Statement {
        Statement {
            sql: sql.into(),
            binds: Vec::new(),
        }
    }

    pub fn bind(mut self, value: Bind) -> Statement {
        self.binds.push(value);
        self
    }

    pub fn text(self, value: impl Into<String>) -> Statement {
        self.bind(Bind::Text(value.into()))
    }

    pub fn int(self, value: i64) -> Statement {
        self.bind(Bind::Int(value))
    }

    pub fn float(self, value: f64) -> Statement {
        self.bind(Bind::Float(value))
    }

    pub fn opt_int(self, value: Option<i64>) -> Statement {
        self.bind(Bind::OptInt(value))
    }

    pub fn time(self, value: DateTime<Utc>) -> Statement {
        self.bind(Bind::Time(value))
    }

    pub fn json(self, value: &Value) -> Statement {
        self.bind(Bind::Json(value.clone()))
    }
}

/// The tables whose rows a state change locks before it checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockedTable {
    Recipe,
    Model,
    Run,
    Alert,
    ChatMessage,
}

impl LockedTable {
    pub fn name(self) -> &'static str {
        match self {
            LockedTable::Recipe => "ml_recipe",
            LockedTable::Model => "ml_model",
            LockedTable::Run => "ml_run",
            LockedTable::Alert => "ml_alert",
            LockedTable::ChatMessage => "ml_chat_message",
        }
    }
}

/// One connection of a backend: a plain one for reads, or a write
/// transaction that `commit` ends (dropping it rolls back).
#[async_trait]
pub trait Db: Send {
    async fn recipes(&mut self, s: Statement) -> StoreResult<Vec<Recipe>>;
    async fn versions(&mut self, s: Statement) -> StoreResult<Vec<RecipeVersion>>;
    async fn examples(&mut self, s: Statement) -> StoreResult<Vec<SyntheticExample>>;
    async fn models(&mut self, s: Statement) -> StoreResult<Vec<Model>>;
    async fn runs(&mut self, s: Statement) -> StoreResult<Vec<Run>>;
    async fn snapshots(&mut self, s: Statement) -> StoreResult<Vec<Snapshot>>;
    async fn health(&mut self, s: Statement) -> StoreResult<Vec<ModelHealth>>;
    async fn alerts(&mut self, s: Statement) -> StoreResult<Vec<Alert>>;
    async fn chat_messages(&mut self, s: Statement) -> StoreResult<Vec<ChatMessage>>;
    async fn audit_entries(&mut self, s: Statement) -> StoreResult<Vec<AuditEntry>>;
    async fn metric_points(&mut self, s: Statement) -> StoreResult<Vec<MetricPoint>>;
    async fn metric_summaries(&mut self, s: Statement) -> StoreResult<Vec<MetricSummary>>;
    async fn metric_tiles(&mut self, s: Statement) -> StoreResult<Vec<MetricTile>>;
    async fn key_values(&mut self, s: Statement) -> StoreResult<Vec<KeyValue>>;
    async fn run_key_values(&mut self, s: Statement) -> StoreResult<Vec<RunKeyValue>>;
    async fn run_artifacts(&mut self, s: Statement) -> StoreResult<Vec<RunArtifact>>;
    /// The first column of each row, as integers (ids, counts).
    async fn ints(&mut self, s: Statement) -> StoreResult<Vec<i64>>;
    /// The first column of each row, as text.
    async fn texts(&mut self, s: Statement) -> StoreResult<Vec<String>>;
    /// Runs a statement; how many rows it changed.
    async fn execute(&mut self, s: Statement) -> StoreResult<u64>;

    /// Locks a row until the transaction ends, so a change reads what it
    /// checks after any concurrent writer (PostgreSQL `FOR UPDATE`; SQLite's
    /// write transaction is exclusive already).
    async fn lock(&mut self, table: LockedTable, id: i64) -> StoreResult<()>;
    /// `column` with the RFC 7386 merge patch bound at `placeholder` applied,
    /// as SQL, so a merge never loses a concurrent writer's keys.
    fn json_merge(&self, column: &str, placeholder: &str) -> String;
    /// Whether `LIKE` ignores case here, so searches need no `LOWER`.
    fn like_ignores_case(&self) -> bool {
        false
    }
    /// Whether a bare column beside `MIN(x)`/`MAX(x)` comes from the row
    /// holding that minimum or maximum (SQLite's documented rule).
    fn bare_columns_follow_min_max(&self) -> bool {
        false
    }
    /// Whether many-row inserts bind by position (`?`) rather than by `$N`.
    fn binds_by_position(&self) -> bool {
        false
    }
    /// Makes writers append to the audit chain one at a time, until the
    /// transaction ends (SQLite's write transaction does already).
    async fn serialize_audit(&mut self) -> StoreResult<()>;
    /// Whether the database links audit rows itself, under a key the app's
    /// role cannot read (PostgreSQL, migration 0017).
    fn links_audit_in_database(&self) -> bool {
        false
    }
    /// Tells other sessions, when this transaction commits, what it changed
    /// (PostgreSQL `NOTIFY`; SQLite's readers poll its data version instead).
    async fn announce(&mut self, payload: &str) -> StoreResult<()>;

    async fn insert_runs_bulk(&mut self, runs: &[BulkRun]) -> StoreResult<()>;
    async fn insert_snapshots_bulk(&mut self, snapshots: &[BulkSnapshot]) -> StoreResult<()>;

    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// Whether the applied migrations (version, checksum) are exactly the ones
/// embedded in `migrator`: then a start runs none of the migrator's locking.
pub fn schema_matches(applied: &[(i64, Vec<u8>)], migrator: &sqlx::migrate::Migrator) -> bool {
    let known: Vec<(i64, &[u8])> = migrator
        .iter()
        .map(|m| (m.version, m.checksum.as_ref()))
        .collect();
    applied.len() == known.len()
        && applied
            .iter()
            .zip(&known)
            .all(|((v, c), (kv, kc))| v == kv && c.as_slice() == *kc)
}

/// The applied migrations, as `schema_matches` compares them.
pub const APPLIED_MIGRATIONS: &str =
    "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version";

/// `prefix (..),(..)`: `rows` groups of `width` placeholders, `?` when the
/// backend binds by position (SQLite looks `$N` names up one by one, which is
/// quadratic in a statement of thousands), else `$1, $2, ...`.
pub fn bulk_insert_sql(prefix: &str, rows: usize, width: usize, positional: bool) -> String {
    let mut sql = String::with_capacity(prefix.len() + rows * width * 7);
    sql.push_str(prefix);
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for col in 0..width {
            if col > 0 {
                sql.push(',');
            }
            if positional {
                sql.push('?');
            } else {
                sql.push('$');
                sql.push_str(&(row * width + col + 1).to_string());
            }
        }
        sql.push(')');
    }
    sql
}

pub const BULK_RUN_INSERT: &str = "INSERT INTO ml_run (model_id, recipe_id, recipe_version_id, \
    run_type, status, created_by, created_at, updated_at, started_at, finished_at, metrics_json, \
    artifacts_json, logs_text) VALUES ";
pub const BULK_RUN_COLUMNS: usize = 13;

pub const BULK_SNAPSHOT_INSERT: &str = "INSERT INTO ml_monitor_snapshot (model_id, captured_at, \
    performance_metrics_json, drift_metrics_json, data_freshness_json, alerts_json, created_by, \
    drift_score) VALUES ";
pub const BULK_SNAPSHOT_COLUMNS: usize = 8;
