//! MLflow 3's logged models (`create_logged_model`, a flavor's
//! `log_model`): made in an experiment, usually by one of its runs; their
//! params and tags merged, their status moved from pending to ready or
//! failed, deleted (kept, marked). Each change is audited as the
//! experiment's `logged_model` (a recipe's own, as the recipe's), under
//! the experiment's lock.

use super::{Service, ServiceError, ServiceResult, invalid, refuse_nul};
use crate::store::{LockedTable, LoggedModel, ModelMetric};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};

/// As MLflow bounds a key and a value.
const MAX_KEY_CHARS: usize = 250;
const MAX_VALUE_CHARS: usize = 6000;
/// Its status, as MLflow names them.
pub const STATUSES: [(&str, &str); 3] = [
    ("pending", "LOGGED_MODEL_PENDING"),
    ("ready", "LOGGED_MODEL_READY"),
    ("failed", "LOGGED_MODEL_UPLOAD_FAILED"), // vocabulary: a logged model's status, not a run's
];

/// A logged model to make.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewLoggedModel {
    pub experiment: i64,
    pub run: Option<i64>,
    /// Empty: "model".
    pub name: String,
    pub model_type: String,
    pub params: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
}

/// What may happen to a logged model.
#[derive(Debug, Clone, PartialEq)]
pub enum LoggedModelChange {
    /// Its files are up (ready), or failed to go up.
    Finalize {
        status: String,
    },
    Params(Vec<(String, String)>),
    SetTags(Vec<(String, String)>),
    DeleteTag(String),
    Delete,
}

impl Service {
    pub async fn create_logged_model(
        &self,
        new: NewLoggedModel,
        actor: &str,
    ) -> ServiceResult<LoggedModel> {
        // Unnamed, a model is told apart by its id, as MLflow names one at
        // random: "model-1f2e3d4c".
        let unnamed = new.name.trim().is_empty();
        let name = new.name.trim().to_string();
        if !unnamed {
            check_text("a logged model's name", &name, MAX_KEY_CHARS)?;
        }
        check_pairs("param", &new.params)?;
        check_pairs("tag", &new.tags)?;
        let mut w = self.begin().await?;
        w.lock(LockedTable::Experiment, new.experiment).await?;
        let experiment = w.experiment(new.experiment).await?;
        if let Some(run) = new.run {
            let r = w.run_row(run).await?;
            if r.experiment_id != experiment.id {
                return Err(invalid(format!(
                    "run {run} is not of experiment {} ('{}')",
                    experiment.id, experiment.name
                )));
            }
        }
        let at = w.at;
        let id = new_id(
            experiment.id,
            new.run,
            &name,
            at.timestamp_nanos_opt().unwrap_or(0),
        );
        let name = if unnamed {
            format!("model-{}", &id[2..10])
        } else {
            name
        };
        let model = LoggedModel {
            id: id.clone(),
            experiment_id: experiment.id,
            run_id: new.run,
            name,
            model_type: new.model_type,
            status: "pending".into(),
            created_by: actor.to_string(),
            created_at: at,
            updated_at: at,
            params_json: merged(&json!({}), &new.params),
            tags_json: merged(&json!({}), &new.tags),
            deleted_at: None,
        };
        w.insert_logged_model(&model).await?;
        let (entity, audited) = super::experiments::audited_as(&experiment);
        w.audit(
            actor,
            entity,
            audited,
            "logged_model",
            json!({"model": model.id, "name": model.name, "run": model.run_id}),
        )
        .await?;
        w.commit().await?;
        Ok(model)
    }

    /// Metric points run `run` logged against logged models, kept beside
    /// the models (the run keeps them as its own too). Values that are not
    /// numbers stay the run's only.
    pub async fn record_model_metrics(
        &self,
        run: i64,
        points: Vec<ModelMetric>,
        actor: &str,
    ) -> ServiceResult<()> {
        let points: Vec<ModelMetric> = points
            .into_iter()
            .filter(|p| p.value.is_finite())
            .map(|p| ModelMetric { run_id: run, ..p })
            .collect();
        if points.is_empty() {
            return Ok(());
        }
        let mut w = self.begin().await?;
        w.lock(LockedTable::Run, run).await?;
        w.run_row(run).await?;
        let mut models: Vec<&str> = points.iter().map(|p| p.model_id.as_str()).collect();
        models.sort_unstable();
        models.dedup();
        for id in &models {
            if w.logged_model(id).await?.is_none() {
                return Err(ServiceError::NotFound(format!(
                    "Logged model with ID '{id}' not found."
                )));
            }
        }
        w.insert_model_metrics(&points).await?;
        let keys: std::collections::BTreeSet<&str> =
            points.iter().map(|p| p.key.as_str()).collect();
        w.audit(
            actor,
            "run",
            run,
            "model_metrics",
            json!({"models": models, "keys": keys}),
        )
        .await?;
        w.commit().await
    }

    /// One change to logged model `id` (deleted ones take none).
    pub async fn change_logged_model(
        &self,
        id: &str,
        change: LoggedModelChange,
        actor: &str,
    ) -> ServiceResult<LoggedModel> {
        let found = self.store().logged_model(id).await?;
        let experiment = found
            .as_ref()
            .map(|m| m.experiment_id)
            .ok_or_else(|| ServiceError::not_found("logged model", id))?;
        let mut w = self.begin().await?;
        w.lock(LockedTable::Experiment, experiment).await?;
        let (entity, audited) = super::experiments::audited_as(&w.experiment(experiment).await?);
        let mut m = w
            .logged_model(id)
            .await?
            .filter(|m| m.deleted_at.is_none())
            .ok_or_else(|| ServiceError::not_found("logged model", id))?;
        let at = w.at;
        let detail = match &change {
            LoggedModelChange::Finalize { status } => {
                if !STATUSES.iter().any(|(s, _)| s == status) {
                    return Err(invalid(format!(
                        "'{status}' is no status of a logged model (pending, ready, failed)"
                    )));
                }
                m.status = status.clone();
                json!({"status": status})
            }
            LoggedModelChange::Params(params) => {
                check_pairs("param", params)?;
                m.params_json = merged(&m.params_json, params);
                json!({"params": params.iter().map(|(k, _)| k).collect::<Vec<_>>()})
            }
            LoggedModelChange::SetTags(tags) => {
                check_pairs("tag", tags)?;
                m.tags_json = merged(&m.tags_json, tags);
                json!({"tags": tags.iter().map(|(k, _)| k).collect::<Vec<_>>()})
            }
            LoggedModelChange::DeleteTag(key) => {
                let removed = m.tags_json.as_object_mut().and_then(|t| t.remove(key));
                if removed.is_none() {
                    // MLflow's words.
                    return Err(ServiceError::NotFound(format!(
                        "No tag with key '{key}' found for model with ID '{id}'."
                    )));
                }
                json!({"untag": key})
            }
            LoggedModelChange::Delete => {
                m.deleted_at = Some(at);
                json!({"deleted": true})
            }
        };
        w.update_logged_model(
            id,
            &m.status,
            &m.params_json,
            &m.tags_json,
            m.deleted_at,
            at,
        )
        .await?;
        m.updated_at = at;
        w.audit(
            actor,
            entity,
            audited,
            "logged_model",
            json!({"model": id, "change": detail}),
        )
        .await?;
        w.commit().await?;
        Ok(m)
    }
}

/// An id as MLflow's: "m-" and 32 hex digits, from what the model is and
/// when, a process's counter and its id (no two alike in one process, and
/// the table's key refuses the unlikely rest).
fn new_id(experiment: i64, run: Option<i64>, name: &str, nanos: i64) -> String {
    static MADE: AtomicU64 = AtomicU64::new(0);
    let mut h = Sha256::new();
    h.update(format!(
        "{experiment}/{run:?}/{name}/{nanos}/{}/{}",
        std::process::id(),
        MADE.fetch_add(1, Ordering::Relaxed)
    ));
    let hex: String = h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("m-{hex}")
}

/// `pairs` set into the JSON object `base` (a later key wins): a logged
/// model's or a registered model's params and tags.
pub(super) fn merged(base: &Value, pairs: &[(String, String)]) -> Value {
    let mut out: Map<String, Value> = base.as_object().cloned().unwrap_or_default();
    for (k, v) in pairs {
        out.insert(k.clone(), Value::String(v.clone()));
    }
    Value::Object(out)
}

fn check_pairs(what: &str, pairs: &[(String, String)]) -> ServiceResult<()> {
    for (k, v) in pairs {
        check_text(&format!("a logged model's {what} key"), k, MAX_KEY_CHARS)?;
        if v.chars().count() > MAX_VALUE_CHARS {
            return Err(invalid(format!(
                "the value of {what} '{k}' is longer than {MAX_VALUE_CHARS} characters"
            )));
        }
        refuse_nul(&format!("the value of {what} '{k}'"), v)?;
    }
    Ok(())
}

fn check_text(what: &str, text: &str, max: usize) -> ServiceResult<()> {
    if text.trim().is_empty() {
        return Err(invalid(format!("{what} cannot be empty")));
    }
    if text.chars().count() > max {
        return Err(invalid(format!("{what} is longer than {max} characters")));
    }
    refuse_nul(what, text)
}
