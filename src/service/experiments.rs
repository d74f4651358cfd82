//! MLflow's experiments: a client makes, renames, deletes, restores and
//! tags its own; those of a recipe follow the recipe (renaming one renames
//! the recipe, deleting one archives it). `experiment link` gives a
//! client's experiment a recipe: its runs become that recipe's.

use super::changes::{MoveRecipe, TagExperiment, UpdateRecipe};
use super::{Service, ServiceError, ServiceResult, Work, invalid, refuse_nul};
use crate::domain::RecipeStatus;
use crate::store::experiments::DEFAULT_EXPERIMENT;
use crate::store::{Experiment, LockedTable, StoreError};
use serde_json::json;

/// As MLflow bounds an experiment's name.
const MAX_NAME_CHARS: usize = 500;

/// Where an experiment's changes are audited: a recipe's own in the
/// recipe's history, a client's in its own.
pub(super) fn audited_as(e: &Experiment) -> (&'static str, i64) {
    match (e.own, e.recipe_id) {
        (true, Some(recipe)) => ("recipe", recipe),
        _ => ("experiment", e.id),
    }
}

impl Service {
    /// A client's experiment named `name`, with its tags; refused when an
    /// experiment (a recipe's included) has the name.
    pub async fn create_experiment(
        &self,
        name: &str,
        tags: &[(String, String)],
        actor: &str,
    ) -> ServiceResult<Experiment> {
        let name = check_name(name)?;
        for (key, value) in tags {
            check_tag(key, Some(value))?;
        }
        let mut w = self.begin().await?;
        w.lock(LockedTable::Experiment, DEFAULT_EXPERIMENT).await?;
        refuse_taken(&mut w, &name).await?;
        let at = w.at;
        let id = w.insert_experiment(&name, actor, at).await?;
        for (key, value) in tags {
            w.set_experiment_tag(id, key, value).await?;
        }
        w.audit(actor, "experiment", id, "create", json!({"name": name}))
            .await?;
        let made = w.experiment(id).await?;
        w.commit().await?;
        Ok(made)
    }

    /// Renames an experiment: a recipe's own by renaming the recipe.
    pub async fn rename_experiment(
        &self,
        id: i64,
        name: &str,
        actor: &str,
    ) -> ServiceResult<Experiment> {
        let name = check_name(name)?;
        let e = self.store().experiment(id).await?;
        if let (true, Some(recipe)) = (e.own, e.recipe_id) {
            let change = UpdateRecipe {
                recipe,
                name: Some(name),
                tags: None,
            };
            self.update_recipe(change, actor).await?;
            return Ok(self.store().experiment(id).await?);
        }
        refuse_default(id, "renamed")?;
        let mut w = self.begin().await?;
        w.lock(LockedTable::Experiment, DEFAULT_EXPERIMENT).await?;
        let before = w.experiment(id).await?;
        if before.name != name {
            refuse_taken(&mut w, &name).await?;
        }
        let at = w.at;
        w.rename_experiment(id, &name, at).await?;
        w.audit(
            actor,
            "experiment",
            id,
            "update",
            json!({"from": {"name": before.name}, "to": {"name": name}}),
        )
        .await?;
        let renamed = w.experiment(id).await?;
        w.commit().await?;
        Ok(renamed)
    }

    /// Deletes (`deleted`) or restores an experiment: a recipe's own by
    /// archiving or restoring the recipe.
    pub async fn delete_experiment(
        &self,
        id: i64,
        deleted: bool,
        actor: &str,
    ) -> ServiceResult<Experiment> {
        let e = self.store().experiment(id).await?;
        if let (true, Some(recipe)) = (e.own, e.recipe_id) {
            let to = if deleted {
                RecipeStatus::Archived
            } else {
                RecipeStatus::Draft
            };
            self.move_recipe(MoveRecipe::to(recipe, to), actor).await?;
            return Ok(self.store().experiment(id).await?);
        }
        refuse_default(id, if deleted { "deleted" } else { "restored" })?;
        let mut w = self.begin().await?;
        w.lock(LockedTable::Experiment, id).await?;
        let before = w.experiment(id).await?;
        let at = w.at;
        w.set_experiment_deleted(id, deleted, at).await?;
        w.audit(
            actor,
            "experiment",
            id,
            if deleted { "delete" } else { "restore" },
            json!({"name": before.name}),
        )
        .await?;
        let moved = w.experiment(id).await?;
        w.commit().await?;
        Ok(moved)
    }

    /// Links a client's experiment to a recipe: its runs of no recipe
    /// become runs of the recipe's newest version (a run of a recipe has a
    /// version). How many runs moved.
    pub async fn link_experiment(
        &self,
        id: i64,
        recipe: i64,
        actor: &str,
    ) -> ServiceResult<(Experiment, u64)> {
        let mut w = self.begin().await?;
        w.lock(LockedTable::Recipe, recipe).await?;
        w.lock(LockedTable::Experiment, id).await?;
        let e = w.experiment(id).await?;
        if e.own {
            return Err(invalid(format!(
                "experiment '{}' is recipe '{}''s own: only an experiment made through MLflow can be linked",
                e.name,
                e.recipe_name.as_deref().unwrap_or_default()
            )));
        }
        refuse_default(id, "linked to a recipe")?;
        if e.deleted {
            return Err(invalid(format!(
                "experiment '{}' is deleted: restore it first (MLflow's restore_experiment)",
                e.name
            )));
        }
        let r = w.recipe(recipe).await?;
        if let Some(linked) = e.recipe_id.filter(|linked| *linked != r.id) {
            return Err(invalid(format!(
                "experiment '{}' is linked to recipe {linked} already; its runs are that recipe's",
                e.name
            )));
        }
        let version = w.version(&r, None).await?;
        let at = w.at;
        let moved = w.link_experiment(id, r.id, version.version_id, at).await?;
        w.audit(
            actor,
            "experiment",
            id,
            "link",
            json!({"recipe_id": r.id, "recipe": r.name, "version": version.version_number, "runs": moved}),
        )
        .await?;
        let linked = w.experiment(id).await?;
        w.commit().await?;
        Ok((linked, moved))
    }
}

fn check_name(name: &str) -> ServiceResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("an experiment's name cannot be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!(
            "experiment name '{}…' is longer than {MAX_NAME_CHARS} characters",
            name.chars().take(40).collect::<String>()
        )));
    }
    refuse_nul("an experiment's name", name)?;
    Ok(name.to_string())
}

/// Refused when an experiment, or a recipe (whose own experiment it
/// names), is called `name`.
async fn refuse_taken(w: &mut Work, name: &str) -> ServiceResult<()> {
    match w.experiment_named(name).await {
        Ok(_) => Err(ServiceError::Exists(format!(
            "Experiment '{name}' already exists."
        ))),
        Err(StoreError::NotFound { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn refuse_default(id: i64, what: &str) -> ServiceResult<()> {
    if id == DEFAULT_EXPERIMENT {
        return Err(invalid(format!(
            "the Default experiment ({DEFAULT_EXPERIMENT}) cannot be {what}"
        )));
    }
    Ok(())
}

/// As MLflow bounds them.
const MAX_KEY_CHARS: usize = 250;
const MAX_VALUE_CHARS: usize = 5000;
/// Tags nexml derives (`nexml.family`) or reads (`nexml.recipe`).
const RESERVED_PREFIX: &str = "nexml.";

impl Service {
    /// Sets (a value) or removes (none) one tag of an active experiment.
    pub async fn tag_experiment(&self, change: TagExperiment, actor: &str) -> ServiceResult<()> {
        let TagExperiment {
            experiment,
            key,
            value,
        } = change;
        check_tag(&key, value.as_deref())?;
        let mut w = self.begin().await?;
        w.lock(LockedTable::Experiment, experiment).await?;
        let e = w.experiment(experiment).await?;
        if e.deleted {
            // MLflow's words.
            return Err(invalid(format!(
                "The experiment {} must be in the 'active' state. Current state is deleted.",
                e.id
            )));
        }
        match &value {
            Some(value) => w.set_experiment_tag(e.id, &key, value).await?,
            None => {
                if !w.delete_experiment_tag(e.id, &key).await? {
                    let what = format!("tag of experiment '{}'", e.name);
                    return Err(ServiceError::not_found(&what, &key));
                }
            }
        }
        let (entity, id) = audited_as(&e);
        w.audit(
            actor,
            entity,
            id,
            "experiment_tag",
            json!({"experiment": e.id, "key": key, "value": value}),
        )
        .await?;
        w.commit().await
    }
}

fn check_tag(key: &str, value: Option<&str>) -> ServiceResult<()> {
    if key.trim().is_empty() {
        return Err(invalid("an experiment tag's key cannot be empty"));
    }
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(invalid(format!(
            "experiment tag '{}…' is longer than {MAX_KEY_CHARS} characters",
            key.chars().take(40).collect::<String>()
        )));
    }
    if key.starts_with(RESERVED_PREFIX) {
        return Err(invalid(format!(
            "experiment tag '{key}': tags starting '{RESERVED_PREFIX}' are nexml's own"
        )));
    }
    refuse_nul("an experiment tag", key)?;
    if let Some(value) = value {
        refuse_nul("an experiment tag's value", value)?;
        if value.chars().count() > MAX_VALUE_CHARS {
            return Err(invalid(format!(
                "the value of experiment tag '{key}' is longer than {MAX_VALUE_CHARS} characters"
            )));
        }
    }
    Ok(())
}
