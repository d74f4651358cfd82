//! What can go wrong in the store, worded for the person who asked.

use crate::domain::lifecycle::TransitionError;
use crate::domain::manifest::InvalidManifest;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no {entity} '{reference}'")]
    NotFound {
        entity: &'static str,
        reference: String,
    },
    /// A domain rule refused the change; nothing was written.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    InvalidManifest(#[from] InvalidManifest),
    /// A concurrent writer won; the same call may succeed now.
    #[error("{0}; try again")]
    Busy(String),
    #[error("database URL '{url}': {reason}")]
    Url { url: String, reason: String },
    #[error("database: {0}")]
    Database(sqlx::Error),
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    pub fn not_found(entity: &'static str, reference: impl ToString) -> Self {
        StoreError::NotFound {
            entity,
            reference: reference.to_string(),
        }
    }

    pub fn refused(message: impl Into<String>) -> Self {
        StoreError::Refused(message.into())
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            let code = db.code().unwrap_or_default();
            // SQLite busy/locked, PostgreSQL serialization failure and deadlock.
            if matches!(code.as_ref(), "5" | "6" | "517" | "40001" | "40P01") {
                return StoreError::Busy("the database is busy with another writer".into());
            }
            // Unique violations: SQLite 2067/1555, PostgreSQL 23505.
            if matches!(code.as_ref(), "2067" | "1555" | "23505") {
                return unique_violation(db.message());
            }
            if db.message().contains("immutable") || db.message().contains("append-only") {
                return StoreError::Refused(db.message().to_string());
            }
        }
        if let sqlx::Error::PoolTimedOut = e {
            return StoreError::Busy("timed out waiting for a database connection".into());
        }
        StoreError::Database(e)
    }
}

fn unique_violation(raw: &str) -> StoreError {
    let lower = raw.to_ascii_lowercase();
    if lower.contains("version") {
        StoreError::Busy("another version was committed at the same moment".into())
    } else if lower.contains("ml_model") {
        StoreError::Refused("a model with that name already exists".into())
    } else if lower.contains("ml_recipe") {
        StoreError::Refused("a recipe with that name already exists".into())
    } else {
        StoreError::Refused(format!("already exists: {raw}"))
    }
}
