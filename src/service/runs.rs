//! Runs: created queued, then running and finished; metrics and artifacts
//! merge, logs append.

use super::{Service, refuse_nul, refused};
use crate::domain::RunStatus;
use crate::domain::lifecycle::Lifecycle;
use crate::store::{
    BulkRun, LockedTable, NewRun, Recipe, RecipeVersion, Run, RunChanges, RunDocument, RunRow,
    StoreResult,
};
use serde_json::{Value, json};

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

impl Service {
    /// A queued run of a recipe version (the model's, when a model is given).
    pub async fn create_run(&self, new: NewRun, actor: &str) -> StoreResult<Run> {
        self.create_run_checked(new, actor, false).await
    }

    /// A queued run `actor` is about to execute: refused, with nothing
    /// written, when `actor` may not execute its version's commands.
    pub async fn create_run_to_exec(&self, new: NewRun, actor: &str) -> StoreResult<Run> {
        self.create_run_checked(new, actor, true).await
    }

    /// The version whose commands a run executes, if `actor` may execute
    /// them (`run exec --run ID`).
    pub async fn version_to_exec(&self, run: &Run, actor: &str) -> StoreResult<RecipeVersion> {
        let mut s = self.store().read().await?;
        let recipe = s.recipe(run.recipe_id).await?;
        let version = s.version_by_id(run.recipe_version_id).await?;
        match exec_refusal(&recipe, &version, actor) {
            Some(why) => Err(refused(format!("run {}: {why}", run.id))),
            None => Ok(version),
        }
    }

    async fn create_run_checked(
        &self,
        new: NewRun,
        actor: &str,
        to_exec: bool,
    ) -> StoreResult<Run> {
        let mut w = self.begin().await?;
        let id = insert_queued_run(&mut w, &new, actor, to_exec).await?;
        let run = w.run(id).await?;
        w.commit().await?;
        Ok(run)
    }

    /// Moves a run's status, merges metrics and artifacts (RFC 7386, in the
    /// database) and appends to its log, in one unit of work.
    pub async fn update_run(&self, id: i64, changes: RunChanges, actor: &str) -> StoreResult<Run> {
        for (what, value) in [
            ("metrics", &changes.metrics),
            ("artifacts", &changes.artifacts),
        ] {
            if value.as_ref().is_some_and(|v| !v.is_object()) {
                return Err(refused(format!("{what} must be a JSON object")));
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
            super::tracking::link_producing_run(&mut w, &before, to).await?;
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
            return Err(refused(
                "nothing to change: give --status, --metrics, --artifacts or --append-log",
            ));
        }
        w.audit(actor, "run", id, "update", Value::Object(details))
            .await?;
        let run = w.run(id).await?;
        w.commit().await?;
        Ok(run)
    }

    /// Generated runs in one batch (synthetic history from `generate`).
    pub async fn insert_runs_bulk(&self, runs: &[BulkRun], actor: &str) -> StoreResult<()> {
        let mut w = self.begin().await?;
        w.insert_runs_bulk(runs).await?;
        // One audit row for the batch: synthetic history is recorded too.
        w.audit(actor, "run", 0, "generate", json!({"count": runs.len()}))
            .await?;
        w.commit().await
    }
}

/// A queued run inserted and audited in `w` (not committed): its id.
/// A queued run's row and audit entry in `w`; with `to_exec`, refused when
/// `actor` may not execute its version's commands.
pub(super) async fn insert_queued_run(
    w: &mut super::Work,
    new: &NewRun,
    actor: &str,
    to_exec: bool,
) -> StoreResult<i64> {
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
            return Err(refused(format!(
                "model '{}' belongs to recipe '{}', not '{}'",
                m.name, m.recipe_name, recipe.name
            )));
        }
        if crate::domain::refusals::lifecycle_over(m.status).is_some() {
            return Err(refused(format!(
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
        return Err(refused(why));
    }
    let at = w.at;
    let id = w
        .insert_run(&RunRow {
            model_id: new.model_id,
            recipe_id: recipe.id,
            recipe_version_id: version.version_id,
            run_type: new.run_type,
            actor,
            at,
        })
        .await?;
    w.audit(
        actor,
        "run",
        id,
        "create",
        json!({
            "recipe_id": recipe.id, "version": version.version_number,
            "model_id": new.model_id, "run_type": new.run_type,
        }),
    )
    .await?;
    Ok(id)
}
