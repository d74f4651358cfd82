//! The changes a person asks for that carry what they saw, one typed value
//! each. Every face builds these and hands them to the service: the app's
//! forms, the CLI's subcommands, REST bodies (deserialized, with the id
//! from the path). So what a change needs (the state the person saw, a
//! forced move's reason) is read in one place, and a face cannot call a
//! variant of the rule the others do not.
//!
//! Creations are typed the same way, as the store's `NewModel`, `NewRun`
//! and `NewVersion`, which REST deserializes too.

use crate::domain::{AlertState, ModelFamily, ModelStatus, RecipeLevel, RecipeStatus};
use crate::store::{NewExample, NewSnapshot, RunChanges};
use serde::Deserialize;
use serde_json::Value;

/// A new recipe, as the app's form and `recipe create` ask for one.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateRecipe {
    pub name: String,
    pub family: ModelFamily,
    pub level: RecipeLevel,
    pub parent: Option<i64>,
    pub tags: Vec<String>,
    pub first: FirstManifest,
    /// The first version's change note.
    pub note: String,
}

/// A new recipe's first manifest.
#[derive(Debug, Clone, PartialEq)]
pub enum FirstManifest {
    /// Read from a file.
    Given(Value),
    From(StartingPoint),
}

/// Where a new recipe's first manifest comes from, when no file gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartingPoint {
    /// A copy of the parent's version the child pins (its approved one,
    /// else its latest).
    Parent,
    /// The family's shipped baseline.
    Baseline,
    /// The smallest valid manifest of the family, to fill in.
    Skeleton,
}

/// A recipe renamed or retagged; what is `None` stays.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UpdateRecipe {
    pub recipe: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// A child of a recipe, one level below it (or at `level`), its first
/// version a copy of the parent's pinned one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CloneRecipe {
    pub parent: i64,
    pub name: String,
    #[serde(default)]
    pub level: Option<RecipeLevel>,
    /// `None`: the parent's tags, retagged for the level.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

impl CloneRecipe {
    pub fn of(parent: i64, name: impl Into<String>) -> CloneRecipe {
        CloneRecipe {
            parent,
            name: name.into(),
            level: None,
            tags: None,
        }
    }
}

/// A recipe archived or restored (a recipe is approved through a version:
/// `ApproveVersion`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MoveRecipe {
    pub recipe: i64,
    #[serde(alias = "status")]
    pub to: RecipeStatus,
    /// The status shown when the person chose: moved since, it is refused.
    #[serde(default, alias = "from")]
    pub seen: Option<RecipeStatus>,
}

impl MoveRecipe {
    /// From whatever status it is in now (a script's `recipe archive`).
    pub fn to(recipe: i64, to: RecipeStatus) -> MoveRecipe {
        MoveRecipe {
            recipe,
            to,
            seen: None,
        }
    }
}

/// A recipe deleted; refused while anything depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct DeleteRecipe {
    pub recipe: i64,
}

/// Runs asked to stop: each still going is cancelled (one an executor
/// holds is asked to stop); one that has ended is left.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CancelRuns {
    pub runs: Vec<i64>,
}

/// Tags set on runs: on all of them, or (one refused) on none.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TagRuns {
    pub runs: Vec<i64>,
    pub tags: Vec<(String, String)>,
}

/// A queued run nobody executes, to hand to an executor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct StartRun {
    pub run: i64,
}

/// A run deleted through MLflow's client (`delete_run`), or restored: its
/// record stays; MLflow's searches leave a deleted one out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct DeleteRun {
    pub run: i64,
    /// `false`: restored (`restore_run`).
    pub deleted: bool,
}

/// An ended run again: a new run of its version, model and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Rerun {
    pub run: i64,
}

/// A recipe's synthetic example, replaced whole.
#[derive(Debug, Clone, PartialEq)]
pub struct PutExample {
    pub recipe: i64,
    pub example: NewExample,
}

impl PutExample {
    pub fn to(recipe: i64, example: NewExample) -> PutExample {
        PutExample { recipe, example }
    }
}

/// A monitoring snapshot of a model, added by hand or by a script; its
/// rules open and resolve alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct AddSnapshot {
    pub model: i64,
    pub snapshot: NewSnapshot,
}

impl AddSnapshot {
    pub fn to(model: i64, snapshot: NewSnapshot) -> AddSnapshot {
        AddSnapshot { model, snapshot }
    }
}

/// An MLflow experiment tag, set (a value) or removed (none).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TagExperiment {
    pub experiment: i64,
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// A model moved through its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MoveModel {
    pub model: i64,
    /// REST's body names it `status`.
    #[serde(alias = "status")]
    pub to: ModelStatus,
    /// The status shown when the person chose: moved since, it is refused.
    /// `None`: from whatever it is now (a script's `model promote`).
    #[serde(default, alias = "from")]
    pub seen: Option<ModelStatus>,
    /// Past a closed production gate, why: the override is audited.
    #[serde(default)]
    pub force: Option<String>,
}

impl MoveModel {
    pub fn to(model: i64, to: ModelStatus) -> MoveModel {
        MoveModel {
            model,
            to,
            seen: None,
            force: None,
        }
    }

    /// Refused when the model is no longer in `status`.
    pub fn seen(self, status: ModelStatus) -> MoveModel {
        MoveModel {
            seen: Some(status),
            ..self
        }
    }

    /// Past a closed production gate, with why.
    pub fn forced(self, reason: Option<String>) -> MoveModel {
        MoveModel {
            force: reason,
            ..self
        }
    }
}

/// A model renamed or given to another owner; what is `None` stays.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UpdateModel {
    pub model: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
}

impl UpdateModel {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.owner.is_none()
    }
}

/// A run's status moved, metrics and artifacts merged, its log appended.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UpdateRun {
    pub run: i64,
    #[serde(flatten)]
    pub changes: RunChanges,
}

/// An alert acknowledged or resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct MoveAlert {
    pub alert: i64,
    #[serde(alias = "state")]
    pub to: AlertState,
    /// The state shown when the person chose: moved since, it is refused.
    #[serde(default)]
    pub seen: Option<AlertState>,
}

impl MoveAlert {
    pub fn to(alert: i64, to: AlertState) -> MoveAlert {
        MoveAlert {
            alert,
            to,
            seen: None,
        }
    }

    pub fn seen(self, state: AlertState) -> MoveAlert {
        MoveAlert {
            seen: Some(state),
            ..self
        }
    }
}

/// A recipe version approved: the one named, or the latest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApproveVersion {
    pub recipe: i64,
    #[serde(default)]
    pub version: Option<String>,
}

impl ApproveVersion {
    /// The recipe's latest version.
    pub fn latest(recipe: i64) -> ApproveVersion {
        ApproveVersion {
            recipe,
            version: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_rest_body_reads_as_the_change_the_app_builds() {
        let body = json!({"model": 7, "status": "production", "from": "staging", "force": "ok"});
        let read: MoveModel = serde_json::from_value(body).unwrap();
        let built = MoveModel::to(7, ModelStatus::Production)
            .seen(ModelStatus::Staging)
            .forced(Some("ok".into()));
        assert_eq!(read, built);
    }

    #[test]
    fn a_recipe_change_reads_from_a_body_as_the_app_builds_it() {
        let body = json!({"parent": 4, "name": "Shop Pricing"});
        let read: CloneRecipe = serde_json::from_value(body).unwrap();
        assert_eq!(read, CloneRecipe::of(4, "Shop Pricing"));
        let body = json!({"recipe": 4, "status": "archived", "from": "draft"});
        let read: MoveRecipe = serde_json::from_value(body).unwrap();
        let built = MoveRecipe {
            recipe: 4,
            to: RecipeStatus::Archived,
            seen: Some(RecipeStatus::Draft),
        };
        assert_eq!(read, built);
    }

    #[test]
    fn a_status_that_is_not_one_is_refused_by_name() {
        let body = json!({"model": 7, "status": "shipped"});
        let e = serde_json::from_value::<MoveModel>(body).unwrap_err();
        assert!(e.to_string().contains("shipped"), "{e}");
    }

    #[test]
    fn a_run_update_reads_its_fields_beside_the_id() {
        let body = json!({"run": 3, "status": "succeeded", "append_log": "done"});
        let read: UpdateRun = serde_json::from_value(body).unwrap();
        assert_eq!(read.run, 3);
        assert_eq!(read.changes.append_log.as_deref(), Some("done"));
        assert_eq!(
            read.changes.status,
            Some(crate::domain::RunStatus::Succeeded)
        );
    }
}
