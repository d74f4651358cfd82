//! The allowed status transitions of recipes, models and runs.

use super::kinds::{AlertState, ChatStatus, ModelStatus, RecipeStatus, RunStatus};
use std::fmt::Display;

/// A refused status change, naming the current status and what is allowed next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entity} is {from}: cannot move to {to} ({allowed})")]
pub struct TransitionError {
    pub entity: &'static str,
    pub from: String,
    pub to: String,
    pub allowed: String,
}

/// A status with a fixed set of next statuses.
pub trait Lifecycle: Copy + PartialEq + Display + 'static {
    const ENTITY: &'static str;
    fn next(self) -> &'static [Self];

    fn check_transition(self, to: Self) -> Result<(), TransitionError> {
        if self.next().contains(&to) {
            return Ok(());
        }
        let allowed = match self.next() {
            [] => format!("{self} is final"),
            next => format!(
                "allowed next: {}",
                next.iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Err(TransitionError {
            entity: Self::ENTITY,
            from: self.to_string(),
            to: to.to_string(),
            allowed,
        })
    }
}

impl Lifecycle for RecipeStatus {
    const ENTITY: &'static str = "recipe";
    fn next(self) -> &'static [Self] {
        match self {
            RecipeStatus::Draft => &[RecipeStatus::Approved],
            RecipeStatus::Approved => &[RecipeStatus::Archived],
            RecipeStatus::Archived => &[RecipeStatus::Draft],
        }
    }
}

impl Lifecycle for ModelStatus {
    const ENTITY: &'static str = "model";
    fn next(self) -> &'static [Self] {
        match self {
            ModelStatus::Draft => &[ModelStatus::Staging],
            ModelStatus::Staging => &[ModelStatus::Production, ModelStatus::Draft],
            ModelStatus::Production => &[ModelStatus::Retired],
            ModelStatus::Retired => &[],
        }
    }
}

impl Lifecycle for RunStatus {
    const ENTITY: &'static str = "run";
    fn next(self) -> &'static [Self] {
        match self {
            RunStatus::Queued => &[RunStatus::Running, RunStatus::Cancelled],
            RunStatus::Running => &[
                RunStatus::Succeeded,
                RunStatus::Failed,
                RunStatus::Cancelled,
            ],
            RunStatus::Succeeded | RunStatus::Failed | RunStatus::Cancelled => &[],
        }
    }
}

impl Lifecycle for AlertState {
    const ENTITY: &'static str = "alert";
    fn next(self) -> &'static [Self] {
        match self {
            AlertState::Open => &[AlertState::Acknowledged, AlertState::Resolved],
            AlertState::Acknowledged => &[AlertState::Resolved],
            AlertState::Resolved => &[],
        }
    }
}

impl Lifecycle for ChatStatus {
    const ENTITY: &'static str = "proposal";
    fn next(self) -> &'static [Self] {
        match self {
            ChatStatus::Proposed => &[
                ChatStatus::Applied,
                ChatStatus::Rejected,
                ChatStatus::Superseded,
            ],
            ChatStatus::None
            | ChatStatus::Applied
            | ChatStatus::Rejected
            | ChatStatus::Superseded => &[],
        }
    }
}

impl RunStatus {
    pub fn is_finished(self) -> bool {
        self.next().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_lifecycle_allows_only_its_edges() {
        use ModelStatus::*;
        assert!(Draft.check_transition(Staging).is_ok());
        assert!(Staging.check_transition(Production).is_ok());
        assert!(Staging.check_transition(Draft).is_ok());
        assert!(Production.check_transition(Retired).is_ok());
        assert!(Draft.check_transition(Production).is_err());
        assert!(Production.check_transition(Staging).is_err());
    }

    #[test]
    fn refusal_names_current_status_and_allowed_next() {
        let err = ModelStatus::Draft
            .check_transition(ModelStatus::Production)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "model is draft: cannot move to production (allowed next: staging)"
        );
        let err = ModelStatus::Retired
            .check_transition(ModelStatus::Draft)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "model is retired: cannot move to draft (retired is final)"
        );
    }

    #[test]
    fn recipe_and_run_lifecycles() {
        assert!(
            RecipeStatus::Draft
                .check_transition(RecipeStatus::Approved)
                .is_ok()
        );
        assert!(
            RecipeStatus::Archived
                .check_transition(RecipeStatus::Draft)
                .is_ok()
        );
        assert!(
            RecipeStatus::Draft
                .check_transition(RecipeStatus::Archived)
                .is_err()
        );
        assert!(
            RunStatus::Queued
                .check_transition(RunStatus::Running)
                .is_ok()
        );
        assert!(
            RunStatus::Running
                .check_transition(RunStatus::Succeeded)
                .is_ok()
        );
        assert!(
            RunStatus::Queued
                .check_transition(RunStatus::Succeeded)
                .is_err()
        );
        assert!(RunStatus::Failed.is_finished());
    }
}
