//! MLflow's experiments: each recipe's own (named by the recipe, deleted
//! when it is archived), those a client made (a name and a lifecycle of
//! their own, optionally linked to a recipe), and the Default experiment 0.

use crate::db::{LockedTable, Statement};
use crate::error::{StoreError, StoreResult};
use crate::reads::reads;
use crate::records::Experiment;
use crate::session::Session;
use chrono::{DateTime, Utc};

/// MLflow's experiment for runs made with none set.
pub const DEFAULT_EXPERIMENT: i64 = 0;

/// An experiment as people see it: a recipe's own takes the recipe's name,
/// dates and archived state.
const EXPERIMENT_SELECT: &str = "SELECT e.id, COALESCE(e.name, r.name) AS name, \
    e.recipe_id, r.name AS recipe_name, r.model_family AS recipe_family, \
    (e.name IS NULL) AS own, \
    CASE WHEN e.name IS NULL THEN r.status = 'archived' ELSE e.lifecycle = 'deleted' END AS deleted, \
    e.created_by, \
    CASE WHEN e.name IS NULL THEN r.created_at ELSE e.created_at END AS created_at, \
    CASE WHEN e.name IS NULL THEN r.updated_at ELSE e.updated_at END AS updated_at \
    FROM ml_experiment e LEFT JOIN ml_recipe r ON r.id = e.recipe_id";

reads!(
    /// Every experiment, by id (there are as few as recipes, and a few more).
    pub async fn experiments(&mut self) -> StoreResult<Vec<Experiment>> {
        let s = Statement::new(format!("{EXPERIMENT_SELECT} ORDER BY e.id"));
        self.fetch::<Experiment>(s).await
    }

    pub async fn experiment(&mut self, id: i64) -> StoreResult<Experiment> {
        let s = Statement::new(format!("{EXPERIMENT_SELECT} WHERE e.id = $1")).int(id);
        crate::session::first(self.fetch::<Experiment>(s).await?)
            .ok_or_else(|| StoreError::not_found("experiment", id.to_string()))
    }

    /// An experiment by its exact name; a client's experiment before a
    /// recipe's of the same name.
    pub async fn experiment_named(&mut self, name: &str) -> StoreResult<Experiment> {
        let s = Statement::new(format!(
            "{EXPERIMENT_SELECT} WHERE e.name = $1 OR (e.name IS NULL AND r.name = $1) \
             ORDER BY CASE WHEN e.name IS NULL THEN 1 ELSE 0 END LIMIT 1"
        ))
        .text(name);
        crate::session::first(self.fetch::<Experiment>(s).await?)
            .ok_or_else(|| StoreError::not_found("experiment", name))
    }

    /// An experiment by id or exact name.
    pub async fn find_experiment(&mut self, reference: &str) -> StoreResult<Experiment> {
        if let Ok(id) = reference.trim().parse::<i64>()
            && let Ok(e) = self.experiment(id).await
        {
            return Ok(e);
        }
        self.experiment_named(reference.trim()).await
    }

    /// A recipe's own experiment.
    pub async fn recipe_experiment(&mut self, recipe_id: i64) -> StoreResult<Experiment> {
        let s = Statement::new(format!(
            "{EXPERIMENT_SELECT} WHERE e.recipe_id = $1 AND e.name IS NULL"
        ))
        .int(recipe_id);
        crate::session::first(self.fetch::<Experiment>(s).await?)
            .ok_or_else(|| StoreError::not_found("experiment of recipe", recipe_id.to_string()))
    }
);

impl Session {
    /// A client's experiment, with the next free id.
    pub async fn insert_experiment(
        &mut self,
        name: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        // Ids are chosen under the Default experiment's lock, as a new
        // recipe's experiment is (`ml_experiment_next_id`).
        self.db
            .lock(LockedTable::Experiment, DEFAULT_EXPERIMENT)
            .await?;
        let s = Statement::new(
            "INSERT INTO ml_experiment (id, name, recipe_id, lifecycle, created_by, created_at, updated_at) \
             VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM ml_experiment), $1, NULL, 'active', $2, $3, $3) \
             RETURNING id",
        )
        .text(name)
        .text(actor)
        .time(at);
        self.inserted(s).await
    }

    /// Renames a client's experiment.
    pub async fn rename_experiment(
        &mut self,
        id: i64,
        name: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "UPDATE ml_experiment SET name = $1, updated_at = $2 WHERE id = $3 AND name IS NOT NULL",
        )
        .text(name)
        .time(at)
        .int(id);
        self.db.execute(s).await.map(drop)
    }

    /// Deletes (`deleted`) or restores a client's experiment.
    pub async fn set_experiment_deleted(
        &mut self,
        id: i64,
        deleted: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "UPDATE ml_experiment SET lifecycle = $1, updated_at = $2 WHERE id = $3 AND name IS NOT NULL",
        )
        .text(if deleted { "deleted" } else { "active" })
        .time(at)
        .int(id);
        self.db.execute(s).await.map(drop)
    }

    /// Links a client's experiment to a recipe: its runs of no recipe
    /// become runs of `version` of it. How many runs that moved.
    pub async fn link_experiment(
        &mut self,
        id: i64,
        recipe_id: i64,
        version_id: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let s = Statement::new(
            "UPDATE ml_experiment SET recipe_id = $1, updated_at = $2 WHERE id = $3 AND name IS NOT NULL",
        )
        .int(recipe_id)
        .time(at)
        .int(id);
        self.db.execute(s).await?;
        let s = Statement::new(
            "UPDATE ml_run SET recipe_id = $1, recipe_version_id = $2, updated_at = $3 \
             WHERE experiment_id = $4 AND recipe_id IS NULL",
        )
        .int(recipe_id)
        .int(version_id)
        .time(at)
        .int(id);
        self.db.execute(s).await
    }
}
