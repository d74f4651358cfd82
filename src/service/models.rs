//! Models: registered from an approved recipe version, then moved through
//! draft -> staging -> production -> retired.

use super::changes::{MoveModel, UpdateModel};
use super::recipes::refuse_archived;
use super::{Service, ServiceError, ServiceResult, invalid};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::{ModelStatus, names};
use crate::store::{LockedTable, Model, ModelChanges, ModelRow, NewModel};
use serde_json::json;

fn check_name(name: &str) -> ServiceResult<String> {
    names::check_name("model", name).map_err(ServiceError::Invalid)
}

fn check_owner(owner: &str) -> ServiceResult<String> {
    names::check_person("a model's owner", owner).map_err(ServiceError::Invalid)
}

/// Everything the model screen shows, loaded in one go.
#[derive(Debug, Clone)]
pub struct ModelDetail {
    pub model: Model,
    /// The manifest of the model's recipe version (thresholds, rules).
    pub manifest: serde_json::Value,
    /// Alerts from the monitoring rules, open first.
    pub alerts: Vec<crate::store::Alert>,
    pub history: Vec<crate::store::AuditEntry>,
    /// Newest first.
    pub snapshots: Vec<crate::store::Snapshot>,
}

impl Service {
    /// A new draft model from an approved version of a recipe (its newest
    /// approved one unless `new.version` names one).
    pub async fn register_model(&self, new: NewModel, actor: &str) -> ServiceResult<Model> {
        let name = check_name(&new.name)?;
        let owner = check_owner(&new.owner)?;
        let mut w = self.begin().await?;
        w.lock(LockedTable::Recipe, new.recipe_id).await?;
        let recipe = w.recipe(new.recipe_id).await?;
        refuse_archived(&recipe, "get new models")?;
        let number = match (&new.version, &recipe.approved_version) {
            (Some(v), _) => v.clone(),
            (None, Some(v)) => v.clone(),
            (None, None) => {
                return Err(invalid(format!(
                    "recipe '{}' has no approved version: approve one first",
                    recipe.name
                )));
            }
        };
        let version = w.version(&recipe, Some(&number)).await?;
        if !version.is_approved() {
            let approved = recipe
                .approved_version
                .clone()
                .map(|v| format!("latest approved: {v}"))
                .unwrap_or("none is approved".into());
            return Err(invalid(format!(
                "version {} of '{}' is not approved ({approved}); models are registered only from approved versions",
                version.version_number, recipe.name
            )));
        }
        let at = w.at;
        let id = w
            .insert_model(&ModelRow {
                name: &name,
                model_family: recipe.model_family,
                recipe_id: recipe.id,
                recipe_version_id: version.version_id,
                owner: &owner,
                at,
            })
            .await?;
        w.audit(
            actor,
            "model",
            id,
            "register",
            json!({
                "name": name, "recipe_id": recipe.id, "version": version.version_number, "owner": owner,
            }),
        )
        .await?;
        let model = w.model(id).await?;
        w.commit().await?;
        Ok(model)
    }

    /// Renames a model or changes its owner.
    pub async fn update_model(&self, change: UpdateModel, actor: &str) -> ServiceResult<Model> {
        if change.is_empty() {
            return Err(invalid("nothing to change: give a name or an owner"));
        }
        let UpdateModel {
            model: id,
            name,
            owner,
        } = change;
        let changes = ModelChanges { name, owner };
        let mut w = self.begin().await?;
        w.lock(LockedTable::Model, id).await?;
        let before = w.model(id).await?;
        let name = match &changes.name {
            Some(n) => check_name(n)?,
            None => before.name.clone(),
        };
        let owner = match &changes.owner {
            Some(o) => check_owner(o)?,
            None => before.owner.clone(),
        };
        let at = w.at;
        w.update_model(id, &name, &owner, at).await?;
        w.audit(
            actor,
            "model",
            id,
            "update",
            json!({
                "from": {"name": before.name, "owner": before.owner},
                "to": {"name": name, "owner": owner},
            }),
        )
        .await?;
        let model = w.model(id).await?;
        w.commit().await?;
        Ok(model)
    }

    /// Moves a model through its lifecycle, refused when it is no longer
    /// in the status its author saw. Production is gated: the model's
    /// newest succeeded eval or backtest run must meet every threshold of
    /// its recipe version's evaluation section, unless forced with a reason
    /// (the override and what it overrode are audited).
    pub async fn move_model(&self, change: MoveModel, actor: &str) -> ServiceResult<Model> {
        let MoveModel {
            model: id,
            to,
            seen,
            force,
        } = change;
        let forced = force.as_deref();
        let mut w = self.begin().await?;
        w.lock(LockedTable::Model, id).await?;
        let before = w.model(id).await?;
        if let Some(seen) = seen.filter(|s| *s != before.status) {
            let history = w.session.audit("model", id).await?;
            let last_move = history.iter().rev().find(|e| e.action == "status");
            return Err(ServiceError::moved_since(
                "model",
                &before.name,
                before.status,
                seen,
                last_move,
            ));
        }
        before.status.check_transition(to)?;
        let mut details =
            json!({"from": before.status, "to": to, "version": before.recipe_version});
        if to == ModelStatus::Production {
            let gate = production_gate(&mut w, &before).await?;
            match (gate, forced) {
                (Ok(run), _) => details["gate"] = json!({"run": run, "met": true}),
                (Err(refusal), None) => return Err(invalid(refusal.message)),
                (Err(refusal), Some(reason)) => {
                    details["gate"] = json!({
                        "forced": true, "reason": reason, "run": refusal.run,
                        "shortfalls": refusal.shortfalls,
                    });
                }
            }
        }
        let at = w.at;
        w.set_model_status(id, to, at).await?;
        w.audit(actor, "model", id, "status", details).await?;
        let model = w.model(id).await?;
        w.commit().await?;
        Ok(model)
    }
}

/// Why the production gate is closed.
pub struct GateRefusal {
    /// In full, for a refusal.
    pub message: String,
    /// The scoring run that fell short, if there is one.
    pub run: Option<i64>,
    pub shortfalls: Vec<crate::domain::gates::Shortfall>,
}

impl GateRefusal {
    /// In brief, beside "production" in a picker.
    pub fn brief(&self) -> String {
        match self.run {
            None => "no succeeded eval run yet: e on the model runs one".into(),
            Some(run) => {
                let misses: Vec<String> = self.shortfalls.iter().map(ToString::to_string).collect();
                format!("run {run} misses {}", misses.join("; "))
            }
        }
    }
}

/// The run that opens the production gate, or why none does.
pub async fn production_gate(
    w: &mut crate::store::Session,
    model: &Model,
) -> ServiceResult<Result<i64, GateRefusal>> {
    let Some(run_id) = w.newest_scoring_run(model.id).await? else {
        return Ok(Err(GateRefusal {
            message: format!(
                "model '{}' has no succeeded eval or backtest run: `nexml run exec --model '{}' --type eval` would unlock production (or --force, audited)",
                model.name, model.name
            ),
            run: None,
            shortfalls: Vec::new(),
        }));
    };
    let run = w.run_row(run_id).await?;
    let version = w.version_by_id(model.recipe_version_id).await?;
    let shortfalls = crate::domain::gates::shortfalls(&version.manifest_json, &run.metrics_json);
    if shortfalls.is_empty() {
        return Ok(Ok(run_id));
    }
    let listed: Vec<String> = shortfalls.iter().map(ToString::to_string).collect();
    Ok(Err(GateRefusal {
        message: format!(
            "model '{}' cannot go to production: its newest {} run {run_id} misses {} of the thresholds of {} {}: {} (run an eval that meets them, or --force, audited)",
            model.name,
            run.run_type,
            shortfalls.len(),
            model.recipe_name,
            model.recipe_version,
            listed.join("; ")
        ),
        run: Some(run_id),
        shortfalls,
    }))
}
