//! Runs: created queued, then running and finished; metrics and artifacts
//! merge, logs append.

use super::changes::{Rerun, StartRun, UpdateRun};
use super::{Service, ServiceError, ServiceResult, invalid, refuse_nul};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::{RunStatus, RunType};
use crate::store::{BulkRun, LockedTable, NewRun, RecipeVersion, Run, RunDocument};
use serde_json::{Value, json};

impl Service {
    /// A queued run of a recipe version (the model's, when a model is given).
    pub async fn create_run(&self, new: NewRun, actor: &str) -> ServiceResult<Run> {
        self.create_run_checked(new, actor, false).await
    }

    /// A queued run `actor` is about to execute: refused, with nothing
    /// written, when `actor` may not execute its version's commands.
    pub async fn create_run_to_exec(&self, new: NewRun, actor: &str) -> ServiceResult<Run> {
        self.create_run_checked(new, actor, true).await
    }

    /// The version whose commands a run executes, if `actor` may execute
    /// them (`run exec --run ID`).
    pub async fn version_to_exec(&self, run: &Run, actor: &str) -> ServiceResult<RecipeVersion> {
        let (recipe, version) = recipe_of_run(run)?;
        let mut s = self.store().read().await?;
        let recipe = s.recipe(recipe).await?;
        let version = s.version_by_id(version).await?;
        match super::run_queue::exec_refusal(&recipe, &version, actor) {
            Some(why) => Err(ServiceError::forbidden(format!("run {}: {why}", run.id))),
            None => Ok(version),
        }
    }

    /// A queued run nobody executes, that `actor` may execute: the run to
    /// hand to an executor (the caller starts it).
    pub async fn start_run(&self, change: StartRun, actor: &str) -> ServiceResult<Run> {
        let run = self.store().run(change.run).await?;
        if run.status != RunStatus::Queued || run.executor.is_some() {
            return Err(invalid(format!(
                "run {} is {} and held by {}: only a queued run nobody executes starts",
                run.id,
                run.status,
                run.executor.as_deref().unwrap_or("nobody")
            )));
        }
        self.version_to_exec(&run, actor).await?;
        Ok(run)
    }

    /// A new queued run of an earlier run's version, model and type, that
    /// `actor` is about to execute.
    pub async fn rerun(&self, change: Rerun, actor: &str) -> ServiceResult<Run> {
        let before = self.store().run(change.run).await?;
        let (recipe_id, _) = recipe_of_run(&before)?;
        let again = NewRun {
            recipe_id,
            version: before.recipe_version.clone(),
            model_id: before.model_id,
            run_type: before.run_type,
        };
        self.create_run_to_exec(again, actor).await
    }

    async fn create_run_checked(
        &self,
        new: NewRun,
        actor: &str,
        to_exec: bool,
    ) -> ServiceResult<Run> {
        let mut w = self.begin().await?;
        let id = super::run_queue::insert_queued_run(&mut w, &new, actor, to_exec).await?;
        let run = w.run(id).await?;
        w.commit().await?;
        Ok(run)
    }

    /// Moves a run's status, merges metrics and artifacts (RFC 7386, in the
    /// database) and appends to its log, in one unit of work.
    pub async fn update_run(&self, change: UpdateRun, actor: &str) -> ServiceResult<Run> {
        let UpdateRun { run: id, changes } = change;
        for (what, value) in [
            ("metrics", &changes.metrics),
            ("artifacts", &changes.artifacts),
        ] {
            if value.as_ref().is_some_and(|v| !v.is_object()) {
                return Err(invalid(format!("{what} must be a JSON object")));
            }
        }
        let mut w = self.begin().await?;
        w.lock(LockedTable::Run, id).await?;
        let before = w.run(id).await?;
        let at = w.at;
        let mut details = serde_json::Map::new();
        if let Some(to) = changes.status {
            before.status.check_transition(to)?;
            let started = if to == RunStatus::Running {
                Some(at)
            } else {
                before.started_at
            };
            let finished = to.is_finished().then_some(at);
            w.set_run_status(id, to, started, finished, at).await?;
            super::tracking::link_producing_run(&mut w, &before, to, actor).await?;
            details.insert("status".into(), json!({"from": before.status, "to": to}));
        }
        for (document, patch, key) in [
            (RunDocument::Metrics, &changes.metrics, "metrics"),
            (RunDocument::Artifacts, &changes.artifacts, "artifacts"),
        ] {
            if let Some(patch) = patch {
                w.merge_run_json(id, document, patch, at).await?;
                details.insert(key.into(), patch.clone());
            }
        }
        if let Some(text) = &changes.append_log {
            refuse_nul("a log line", text)?;
            let mut text = text.clone();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            if let Some(kept) = super::tracking::capped(&text, before.log_bytes) {
                w.append_run_log(id, &kept, at).await?;
                details.insert("log_bytes".into(), json!(kept.len()));
            }
        }
        if details.is_empty() {
            return Err(invalid(
                "nothing to change: give --status, --metrics, --artifacts or --append-log",
            ));
        }
        w.audit(actor, "run", id, "update", Value::Object(details))
            .await?;
        let run = w.run(id).await?;
        w.commit().await?;
        Ok(run)
    }

    /// Fresh planner statistics after a bulk load (`generate`), where the
    /// backend keeps them (PostgreSQL: `ANALYZE`).
    pub async fn refresh_statistics(&self) -> ServiceResult<()> {
        let mut w = self.begin().await?;
        w.refresh_statistics().await?;
        w.commit().await
    }

    /// Generated runs in one batch (synthetic history from `generate`).
    pub async fn insert_runs_bulk(&self, runs: &[BulkRun], actor: &str) -> ServiceResult<()> {
        let mut w = self.begin().await?;
        w.insert_runs_bulk(runs).await?;
        // One audit row for the batch: synthetic history is recorded too.
        w.audit(actor, "run", 0, "generate", json!({"count": runs.len()}))
            .await?;
        // Each model with a succeeded training run in the batch is produced
        // by its first one, as a tracked run would have linked it.
        let mut trained: Vec<i64> = runs
            .iter()
            .filter(|r| r.status == RunStatus::Succeeded && r.run_type == RunType::Train)
            .filter_map(|r| r.model_id)
            .collect();
        trained.sort_unstable();
        trained.dedup();
        // Only those not linked yet: later batches of a long history are cheap.
        for model_id in w.models_without_run(&trained).await? {
            if let Some(run_id) = w.first_training_run(model_id).await? {
                super::tracking::link_model_to(&mut w, model_id, run_id, actor).await?;
            }
        }
        w.commit().await
    }
}

/// A run's recipe and version ids: a run of an experiment with no recipe
/// has no commands to execute.
fn recipe_of_run(run: &Run) -> ServiceResult<(i64, i64)> {
    run.recipe_and_version().ok_or_else(|| {
        invalid(format!(
            "run {} is of experiment '{}', which has no recipe: it has no commands to execute (link one: nexml experiment link '{}' <recipe>)",
            run.id, run.experiment_name, run.experiment_name
        ))
    })
}
