//! A run as it starts: its queued row and audit entry, for a run created by
//! hand, by `run exec` or by an MLflow client; and who may execute a
//! version's commands. Runs and tracking both start runs here, so neither
//! needs the other for it.

use super::{ServiceError, ServiceResult, Work, invalid};
use crate::domain::RunType;
use crate::store::{LockedTable, NewRun, Recipe, RecipeVersion, RunRow};
use serde_json::{Value, json};

/// Where an MLflow client's run goes: its experiment decides.
#[derive(Debug, Clone)]
pub enum RunTarget {
    /// A run of a recipe, in `experiment` (`None`: the recipe's own).
    Recipe {
        run: NewRun,
        experiment: Option<i64>,
    },
    /// A run of an experiment no recipe is linked to.
    Experiment { id: i64, run_type: RunType },
}

/// Why `actor` may not execute the commands of `version`: `run exec` runs
/// only an approved version, or one `actor` committed themself, so nobody
/// runs a teammate's unreviewed commands as themself.
pub fn exec_refusal(recipe: &Recipe, version: &RecipeVersion, actor: &str) -> Option<String> {
    if version.approved_by.is_some() || version.created_by == actor {
        return None;
    }
    Some(format!(
        "version {number} of '{name}' is not approved and was committed by {author}, not {actor}: run exec runs only an approved version or one you committed; have it approved (nexml recipe approve '{name}' --version {number}) or run an approved version (--version){approved}",
        number = version.version_number,
        name = recipe.name,
        author = version.created_by,
        approved = recipe
            .approved_version
            .as_deref()
            .map(|v| format!(", e.g. {v}"))
            .unwrap_or_default(),
    ))
}

/// What `run exec` and the run screen say about whose commands run.
pub fn exec_provenance(version: &RecipeVersion) -> String {
    match &version.approved_by {
        Some(by) => format!(
            "commands of version {} (approved by {by})",
            version.version_number
        ),
        None => format!(
            "commands of version {} (unapproved, committed by {})",
            version.version_number, version.created_by
        ),
    }
}

/// A queued run inserted and audited in `w` (not committed): its id. With
/// `to_exec`, refused when `actor` may not execute its version's commands.
pub(super) async fn insert_queued_run(
    w: &mut Work,
    new: &NewRun,
    actor: &str,
    to_exec: bool,
) -> ServiceResult<i64> {
    insert_recipe_run(w, new, None, actor, to_exec).await
}

/// A queued run of `target` inserted and audited in `w` (not committed).
pub(super) async fn insert_target_run(
    w: &mut Work,
    target: &RunTarget,
    actor: &str,
) -> ServiceResult<i64> {
    match target {
        RunTarget::Recipe { run, experiment } => {
            insert_recipe_run(w, run, *experiment, actor, false).await
        }
        RunTarget::Experiment { id, run_type } => {
            let at = w.at;
            let row = RunRow {
                model_id: None,
                recipe_id: None,
                recipe_version_id: None,
                experiment_id: Some(*id),
                run_type: *run_type,
                actor,
                at,
            };
            let detail = json!({"experiment_id": id, "run_type": run_type});
            insert_audited(w, &row, detail).await
        }
    }
}

/// The queued run's row inserted, and its creation audited with `detail`.
async fn insert_audited(w: &mut Work, row: &RunRow<'_>, detail: Value) -> ServiceResult<i64> {
    let id = w.insert_run(row).await?;
    w.audit(row.actor, "run", id, "create", detail).await?;
    Ok(id)
}

async fn insert_recipe_run(
    w: &mut Work,
    new: &NewRun,
    experiment: Option<i64>,
    actor: &str,
    to_exec: bool,
) -> ServiceResult<i64> {
    let recipe = w.recipe(new.recipe_id).await?;
    let model = match new.model_id {
        Some(id) => {
            w.lock(LockedTable::Model, id).await?;
            Some(w.model(id).await?)
        }
        None => None,
    };
    if let Some(m) = &model {
        if m.recipe_id != recipe.id {
            return Err(invalid(format!(
                "model '{}' belongs to recipe '{}', not '{}'",
                m.name, m.recipe_name, recipe.name
            )));
        }
        if crate::domain::refusals::lifecycle_over(m.status).is_some() {
            return Err(invalid(format!(
                "model '{}' is retired: it gets no new runs",
                m.name
            )));
        }
    }
    let number = new
        .version
        .clone()
        .or(model.as_ref().map(|m| m.recipe_version.clone()));
    let version = w.version(&recipe, number.as_deref()).await?;
    if to_exec && let Some(why) = exec_refusal(&recipe, &version, actor) {
        return Err(ServiceError::forbidden(why));
    }
    let row = RunRow {
        model_id: new.model_id,
        recipe_id: Some(recipe.id),
        recipe_version_id: Some(version.version_id),
        experiment_id: experiment,
        run_type: new.run_type,
        actor,
        at: w.at,
    };
    let detail = json!({
        "recipe_id": recipe.id, "version": version.version_number,
        "model_id": new.model_id, "run_type": new.run_type,
    });
    insert_audited(w, &row, detail).await
}
