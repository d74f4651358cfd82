//! What can go wrong in the store, worded for the person who asked.

use nexml_core::domain::lifecycle::TransitionError;
use nexml_core::domain::manifest::InvalidManifest;
use nexml_core::domain::merge::PathConflict;
use serde_json::Value;

/// A save from version `base` that the versions since changed at the same
/// places: what each side holds there, and the merge so far (theirs at each
/// conflict), so a person can choose per place.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EditConflict {
    pub recipe_id: i64,
    pub recipe: String,
    /// The version the author started from.
    pub base: String,
    /// The newest version, which the save must now follow.
    pub latest: String,
    pub latest_by: String,
    pub latest_at: chrono::DateTime<chrono::Utc>,
    pub conflicts: Vec<PathConflict>,
    /// Both sides' changes combined, holding theirs at each conflict.
    pub merged: Value,
    /// The newest version's manifest (what "theirs" is), for the next save.
    #[serde(skip)]
    pub latest_manifest: Value,
}

impl EditConflict {
    /// One line: what moved, who moved it, and where the two collide.
    pub fn message(&self) -> String {
        let paths: Vec<&str> = self.conflicts.iter().map(|c| c.path.as_str()).collect();
        format!(
            "not saved: '{}' moved on from {} to {} ({}, {}), which changed {} differently: {}",
            self.recipe,
            self.base,
            self.latest,
            self.latest_by,
            self.latest_at.format("%Y-%m-%d %H:%M UTC"),
            if paths.len() == 1 {
                "this place"
            } else {
                "these places"
            },
            paths.join(", ")
        )
    }
}

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
    /// The name is taken (perhaps by a writer a moment ago); nothing was written.
    #[error("{0}")]
    AlreadyExists(String),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    InvalidManifest(#[from] InvalidManifest),
    /// An edit made from an older version changes places that a newer
    /// version changed too; nothing was written.
    #[error("{}", .0.message())]
    EditConflict(Box<EditConflict>),
    /// The row changed since its author saw it (who, what, when); nothing
    /// was written. Asking again means looking again first.
    #[error("{0}")]
    Stale(String),
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

    /// A rule said no (or the state moved on): asking again the same way won't help.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            StoreError::Refused(_)
                | StoreError::Transition(_)
                | StoreError::EditConflict(_)
                | StoreError::Stale(_)
        )
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
            // PostgreSQL lock_timeout: another session holds the row.
            if code == "55P03" {
                return StoreError::Busy("another writer holds this item".into());
            }
            // PostgreSQL statement_timeout.
            if code == "57014" {
                return StoreError::Busy("the database took too long to answer".into());
            }
            // Unique violations: SQLite 2067/1555, PostgreSQL 23505.
            if matches!(code.as_ref(), "2067" | "1555" | "23505") {
                return unique_violation(db.constraint(), db.message());
            }
            // PostgreSQL insufficient_privilege: a role without `nexml_app`.
            if code == "42501" {
                return StoreError::Refused(format!(
                    "{}: this role needs nexml_app (README: PostgreSQL roles)",
                    db.message()
                ));
            }
            // A history guard said no (SQLite's RAISE(ABORT) in a trigger,
            // SQLITE_CONSTRAINT_TRIGGER; PostgreSQL's RAISE EXCEPTION,
            // raise_exception): its message says what and why.
            if matches!(code.as_ref(), "1811" | "P0001") {
                return StoreError::Refused(db.message().to_string());
            }
        }
        if let sqlx::Error::PoolTimedOut = e {
            return StoreError::Busy("timed out waiting for a database connection".into());
        }
        StoreError::Database(e)
    }
}

/// What a unique constraint protects, by its PostgreSQL name and by the
/// `table.column` list SQLite names in "UNIQUE constraint failed: ...".
const UNIQUE_CONSTRAINTS: &[(&str, &str, Conflict)] = &[
    (
        "ml_recipe_name_key",
        "ml_recipe.name",
        Conflict::Exists("a recipe with that name already exists"),
    ),
    (
        "ml_model_name_key",
        "ml_model.name",
        Conflict::Exists("a model with that name already exists"),
    ),
    (
        "ml_registered_model_name_key",
        "ml_registered_model.name",
        Conflict::Exists("a registered model with that name already exists"),
    ),
    (
        "ml_model_version_pkey",
        "ml_model_version.registered_model_id, ml_model_version.version",
        Conflict::Busy("another version was registered at the same moment"),
    ),
    (
        "ml_recipe_version_recipe_id_version_number_key",
        "ml_recipe_version.recipe_id, ml_recipe_version.version_number",
        Conflict::Busy("another version was committed at the same moment"),
    ),
    (
        "ml_recipe_version_recipe_id_major_minor_patch_key",
        "ml_recipe_version.recipe_id, ml_recipe_version.major, ml_recipe_version.minor, ml_recipe_version.patch",
        Conflict::Busy("another version was committed at the same moment"),
    ),
    (
        "ml_recipe_approval_pkey",
        "ml_recipe_approval.version_id",
        Conflict::Refused("that version is already approved"),
    ),
    (
        "ml_alert_open_rule",
        "ml_alert.model_id, ml_alert.rule",
        Conflict::Busy("another ingest opened this rule's alert at the same moment"),
    ),
    (
        "ml_experiment_name_key",
        "ml_experiment.name",
        Conflict::Exists("an experiment of that name already exists"),
    ),
    (
        "ml_ingested_batch_pkey",
        "ml_ingested_batch.model_id, ml_ingested_batch.sha256",
        Conflict::Exists("this batch was ingested for the model at the same moment"),
    ),
    (
        "ml_synthetic_example_recipe_id_key",
        "ml_synthetic_example.recipe_id",
        Conflict::Busy("the synthetic example was written at the same moment"),
    ),
];

#[derive(Debug, Clone, Copy)]
enum Conflict {
    Refused(&'static str),
    Exists(&'static str),
    Busy(&'static str),
}

fn unique_violation(constraint: Option<&str>, message: &str) -> StoreError {
    // SQLite: "UNIQUE constraint failed: ml_model.name".
    let sqlite_columns = message
        .split_once("constraint failed: ")
        .map(|(_, c)| c.trim());
    let known = UNIQUE_CONSTRAINTS
        .iter()
        .find(|(pg, columns, _)| constraint == Some(*pg) || sqlite_columns == Some(*columns));
    match known.map(|(_, _, conflict)| *conflict) {
        Some(Conflict::Refused(text)) => StoreError::Refused(text.into()),
        Some(Conflict::Exists(text)) => StoreError::AlreadyExists(text.into()),
        Some(Conflict::Busy(text)) => StoreError::Busy(text.into()),
        None => StoreError::Refused(format!(
            "already exists ({})",
            constraint.or(sqlite_columns).unwrap_or(message)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trigger's RAISE(ABORT, …) is a refusal by its code, whatever its words.
    #[cfg(feature = "sqlite")]
    #[test]
    fn a_history_guard_is_a_refusal_by_its_code() {
        use sqlx::Connection;
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let e = rt.block_on(async {
            let mut c = sqlx::SqliteConnection::connect("sqlite::memory:")
                .await
                .expect("an in-memory database");
            for sql in [
                "CREATE TABLE t (x INTEGER)",
                "CREATE TRIGGER t_guard BEFORE INSERT ON t \
                 BEGIN SELECT RAISE(ABORT, 'rows here are kept by hand'); END",
            ] {
                sqlx::query(sql).execute(&mut c).await.expect("the schema");
            }
            sqlx::query("INSERT INTO t VALUES (1)")
                .execute(&mut c)
                .await
                .expect_err("the guard refuses")
        });
        let e = StoreError::from(e);
        assert!(
            matches!(&e, StoreError::Refused(m) if m == "rows here are kept by hand"),
            "{e:?}"
        );
    }

    #[test]
    fn constraints_are_named_exactly_not_by_substring() {
        // The approval key contains "ml_recipe" but is not about recipe names.
        let e = unique_violation(Some("ml_recipe_approval_pkey"), "duplicate key value");
        assert_eq!(e.to_string(), "that version is already approved");
        let e = unique_violation(
            None,
            "UNIQUE constraint failed: ml_recipe_approval.version_id",
        );
        assert_eq!(e.to_string(), "that version is already approved");
        let e = unique_violation(Some("ml_recipe_name_key"), "duplicate key value");
        assert_eq!(e.to_string(), "a recipe with that name already exists");
        let e = unique_violation(None, "UNIQUE constraint failed: ml_model.name");
        assert_eq!(e.to_string(), "a model with that name already exists");
        let e = unique_violation(Some("ml_alert_open_rule"), "duplicate key value");
        assert!(matches!(e, StoreError::Busy(_)), "{e}");
        let e = unique_violation(
            None,
            "UNIQUE constraint failed: ml_ingested_batch.model_id, ml_ingested_batch.sha256",
        );
        assert!(matches!(e, StoreError::AlreadyExists(_)), "{e}");
    }
}
