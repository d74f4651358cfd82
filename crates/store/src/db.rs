//! The narrow trait each backend implements: run one statement and hand
//! back its rows (decoded once for both, in `decode`). Statements themselves
//! (SQL text and binds) are written once, in `session`; a dialect difference
//! is a method here with a different body per backend.

use crate::decode::Rows;
use crate::error::StoreResult;
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

    pub fn opt_text(self, value: Option<String>) -> Statement {
        self.bind(Bind::OptText(value))
    }

    pub fn opt_time(self, value: Option<DateTime<Utc>>) -> Statement {
        self.bind(Bind::OptTime(value))
    }

    pub fn json(self, value: &Value) -> Statement {
        self.bind(Bind::Json(value.clone()))
    }
}

pub use crate::bulk::Bulk;

/// The tables whose rows a state change locks before it checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockedTable {
    Recipe,
    Model,
    Run,
    Alert,
    ChatMessage,
    RegisteredModel,
    Experiment,
}

impl LockedTable {
    pub fn name(self) -> &'static str {
        match self {
            LockedTable::Recipe => "ml_recipe",
            LockedTable::Model => "ml_model",
            LockedTable::Run => "ml_run",
            LockedTable::Alert => "ml_alert",
            LockedTable::ChatMessage => "ml_chat_message",
            LockedTable::RegisteredModel => "ml_registered_model",
            LockedTable::Experiment => "ml_experiment",
        }
    }
}

/// One connection of a backend: a plain one for reads, or a write
/// transaction that `commit` ends (dropping it rolls back).
#[async_trait]
pub trait Db: Send {
    /// Runs a statement; the rows it returned.
    async fn fetch(&mut self, s: Statement) -> StoreResult<Rows>;
    /// Runs a statement; how many rows it changed.
    async fn execute(&mut self, s: Statement) -> StoreResult<u64>;

    /// Locks a row until the transaction ends, so a change reads what it
    /// checks after any concurrent writer (PostgreSQL `FOR UPDATE`; SQLite's
    /// write transaction is exclusive already).
    async fn lock(&mut self, table: LockedTable, id: i64) -> StoreResult<()>;
    /// `column` with the RFC 7386 merge patch bound at `placeholder` applied,
    /// as SQL, so a merge never loses a concurrent writer's keys.
    fn json_merge(&self, column: &str, placeholder: &str) -> String;
    /// A subquery of the ids in the JSON array bound at `placeholder`: one
    /// bind for a page of ids, one statement text whatever their number
    /// (a list of 1,000 binds cost PostgreSQL a parallel plan and SQLite's
    /// driver a name lookup per bind).
    fn ids_in_json(&self, placeholder: &str) -> String;
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

    /// Inserts generated rows, many to a statement.
    async fn insert_bulk(&mut self, rows: Bulk<'_>) -> StoreResult<()>;
    /// Fresh planner statistics after a bulk load, where the backend keeps
    /// them.
    async fn refresh_statistics(&mut self) -> StoreResult<()> {
        Ok(())
    }

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
/// `count` placeholders for values bound in order from the `first`th:
/// `?, ?` where the backend binds by position (SQLite, where sqlx looks
/// each `$N` up among all of a statement's names: quadratic in a long
/// list), else `$first, ...`.
pub fn bind_list(first: usize, count: usize, positional: bool) -> String {
    let marks: Vec<String> = (first..first + count)
        .map(|i| {
            if positional {
                "?".to_string()
            } else {
                format!("${i}")
            }
        })
        .collect();
    marks.join(", ")
}

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
