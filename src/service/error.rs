//! What a service call refuses, by kind. Each refusal is made with its kind
//! where the rule says no; REST status codes, MLflow error codes and CLI
//! exit statuses are read from the kind (`ServiceError::kind`), never from
//! the message, which is worded for a person and may change.

use crate::domain::lifecycle::TransitionError;
use crate::domain::manifest::InvalidManifest;
use crate::store::{AuditEntry, EditConflict, StoreError};
use std::fmt::Display;

pub type ServiceResult<T> = Result<T, ServiceError>;

/// The kinds a caller tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// What was asked for does not exist.
    NotFound,
    /// A rule refused what was asked: a bad value, a step its lifecycle
    /// does not allow, a state that does not permit it.
    Invalid,
    /// The name is taken.
    Exists,
    /// Someone changed it since the caller looked (the places both edits
    /// changed, or who moved the row); looking again may make it possible.
    Conflict,
    /// Governance: this person may not do it (four-eyes, not the author,
    /// no anonymous changes on a shared database).
    Forbidden,
    /// A concurrent writer held the database; the same call may succeed now.
    Busy,
    /// The database failed (unreachable, a migration, an unexpected error).
    Internal,
}

impl Kind {
    /// The kind of an error the store returned, for callers that read the
    /// store directly (the same kind `ServiceError::from` gives it).
    pub fn of_store(e: &StoreError) -> Kind {
        match e {
            StoreError::NotFound { .. } => Kind::NotFound,
            StoreError::Refused(_) | StoreError::Transition(_) | StoreError::InvalidManifest(_) => {
                Kind::Invalid
            }
            StoreError::AlreadyExists(_) => Kind::Exists,
            StoreError::EditConflict(_) | StoreError::Stale(_) => Kind::Conflict,
            StoreError::Busy(_) => Kind::Busy,
            StoreError::Url { .. } | StoreError::Database(_) | StoreError::Migrate(_) => {
                Kind::Internal
            }
        }
    }

    /// The kind of the first service or store error in a report's chain
    /// (none: the report holds neither, as a file that cannot be read).
    pub fn in_report(e: &color_eyre::eyre::Report) -> Option<Kind> {
        e.chain().find_map(|cause| {
            cause
                .downcast_ref::<ServiceError>()
                .map(ServiceError::kind)
                .or_else(|| cause.downcast_ref::<StoreError>().map(Kind::of_store))
        })
    }
}

/// What changed under a caller, so it can look again.
#[derive(Debug, thiserror::Error)]
pub enum Conflict {
    /// An edit from an older version collides with a newer one: the places.
    #[error("{}", .0.message())]
    Edit(Box<EditConflict>),
    /// The row moved on since its author saw it (who, what, when).
    #[error("{0}")]
    Stale(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// Invalid: a manifest that breaks the schema (kept whole: an import
    /// names the recipe it came from).
    #[error(transparent)]
    Manifest(#[from] InvalidManifest),
    /// Invalid: a status its lifecycle does not reach from here.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("{0}")]
    Exists(String),
    #[error("{0}")]
    Conflict(Conflict),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}; try again")]
    Busy(String),
    /// Anything else the store reported (kind `Internal`).
    #[error(transparent)]
    Store(StoreError),
}

impl ServiceError {
    pub fn kind(&self) -> Kind {
        match self {
            ServiceError::NotFound(_) => Kind::NotFound,
            ServiceError::Invalid(_) | ServiceError::Manifest(_) | ServiceError::Transition(_) => {
                Kind::Invalid
            }
            ServiceError::Exists(_) => Kind::Exists,
            ServiceError::Conflict(_) => Kind::Conflict,
            ServiceError::Forbidden(_) => Kind::Forbidden,
            ServiceError::Busy(_) => Kind::Busy,
            ServiceError::Store(e) => Kind::of_store(e),
        }
    }

    /// "no recipe '7'", as the store words its own.
    pub fn not_found(entity: &str, reference: impl std::fmt::Display) -> Self {
        ServiceError::NotFound(format!("no {entity} '{reference}'"))
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        ServiceError::Invalid(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ServiceError::Forbidden(message.into())
    }

    /// The row changed since its author saw it.
    pub fn stale(message: impl Into<String>) -> Self {
        ServiceError::Conflict(Conflict::Stale(message.into()))
    }

    /// What a move was refused for: the `what` named `name` is `now`, moved
    /// (by whom and when, from its last move's audit entry) since it was
    /// shown `seen`.
    pub fn moved_since(
        what: &str,
        name: &str,
        now: impl Display,
        seen: impl Display,
        last_move: Option<&AuditEntry>,
    ) -> Self {
        let by = last_move
            .map(|e| format!(" by {} at {}", e.actor, e.at.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default();
        Self::stale(format!(
            "{what} '{name}' was moved to {now}{by} since it was shown in {seen}: nothing was changed, look again"
        ))
    }

    /// A rule said no, or the state moved on: asking again the same way
    /// won't help (not found, a taken name and a busy database are not).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self.kind(),
            Kind::Invalid | Kind::Conflict | Kind::Forbidden
        )
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ServiceError::NotFound(e.to_string()),
            StoreError::Refused(m) => ServiceError::Invalid(m),
            StoreError::Transition(t) => ServiceError::Transition(t),
            StoreError::InvalidManifest(m) => ServiceError::Manifest(m),
            StoreError::AlreadyExists(m) => ServiceError::Exists(m),
            StoreError::EditConflict(c) => ServiceError::Conflict(Conflict::Edit(c)),
            StoreError::Stale(m) => ServiceError::stale(m),
            StoreError::Busy(m) => ServiceError::Busy(m),
            other => ServiceError::Store(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_errors() -> Vec<StoreError> {
        vec![
            StoreError::not_found("recipe", 7),
            StoreError::refused("no"),
            StoreError::AlreadyExists("a model with that name already exists".into()),
            StoreError::Stale("moved".into()),
            StoreError::Busy("the database is busy with another writer".into()),
            StoreError::Url {
                url: "x".into(),
                reason: "y".into(),
            },
            StoreError::Database(sqlx::Error::PoolClosed),
        ]
    }

    #[test]
    fn a_store_error_keeps_its_kind_and_its_words() {
        for e in store_errors() {
            let (kind, text) = (Kind::of_store(&e), e.to_string());
            let converted = ServiceError::from(e);
            assert_eq!(converted.kind(), kind, "{text}");
            assert_eq!(converted.to_string(), text);
        }
    }

    #[test]
    fn refusals_are_the_kinds_asking_again_wont_change() {
        assert!(ServiceError::invalid("x").is_refusal());
        assert!(ServiceError::forbidden("x").is_refusal());
        assert!(ServiceError::stale("x").is_refusal());
        assert!(!ServiceError::not_found("run", 3).is_refusal());
        assert!(!ServiceError::Busy("x".into()).is_refusal());
        assert_eq!(ServiceError::not_found("run", 3).to_string(), "no run '3'");
    }
}
