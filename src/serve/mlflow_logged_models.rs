//! MLflow 3's logged-model endpoints (`/api/2.0/mlflow/logged-models`):
//! create, get, finalize, params, tags, delete and search. A model's files
//! upload as its source run's artifacts under `models/<id>/`
//! (`artifact_uri`), so `run show` and the app list them with the run's.

use super::Api;
use super::http::{ApiError, Reply, Request, json_reply};
use super::mlflow_fields::{Fields, MAX_RESULTS, pairs};
use crate::service::logged_models::{LoggedModelChange, NewLoggedModel, STATUSES};
use crate::store::logged_models::LoggedModelQuery;
use crate::store::{LoggedModel, ModelMetric, RunModelLink};
use hyper::Method;
use serde_json::{Value, json};

pub async fn route(
    api: &Api,
    req: &Request,
    f: &Fields<'_>,
    rest: &[&str],
) -> Result<Reply, ApiError> {
    let change = |c: LoggedModelChange, id: &str| {
        let id = id.to_string();
        async move {
            let m = api.service.change_logged_model(&id, c, &api.user).await?;
            Ok::<_, ApiError>(m)
        }
    };
    match (&req.method, rest) {
        (&Method::POST, []) => {
            // Made by a run, its files are the run's artifacts; made
            // outside one, a folder of its own (`mlflow_model_files`).
            let source = f.string("source_run_id")?.filter(|r| !r.is_empty());
            let new = NewLoggedModel {
                experiment: experiment(&f.required_string("experiment_id")?)?,
                run: source.as_deref().map(run).transpose()?,
                name: f.string("name")?.unwrap_or_default(),
                model_type: f.string("model_type")?.unwrap_or_default(),
                params: pairs(f, "params")?,
                tags: pairs(f, "tags")?,
            };
            let m = api.service.create_logged_model(new, &api.user).await?;
            model_reply(api, &m).await
        }
        (&Method::POST, ["search"]) => search(api, f).await,
        // A model's files, as MLflow's server lists and serves them.
        (&Method::GET, [id, "artifacts", "directories"]) => {
            let m = found(api, id).await?;
            let dir = f.string("artifact_directory_path")?.unwrap_or_default();
            super::mlflow_model_files::list_of(api, &m, &dir).await
        }
        (&Method::GET, [id, "artifacts", "files"]) => {
            let m = found(api, id).await?;
            let path = f.required_string("artifact_file_path")?;
            super::mlflow_model_files::file_of(api, &m, &path).await
        }
        (&Method::GET, [id]) => {
            let deleted_too = req.query.get("allow_deleted").is_some_and(|v| v == "true");
            let m = api
                .store()
                .logged_model(id)
                .await?
                .filter(|m| deleted_too || m.deleted_at.is_none())
                .ok_or_else(|| {
                    ApiError::not_found(format!("Logged model with ID '{id}' not found."))
                })?;
            model_reply(api, &m).await
        }
        (&Method::PATCH, [id]) => {
            let status = f.required_string("status")?;
            let status = STATUSES
                .iter()
                .find(|(_, mlflow)| *mlflow == status)
                .map(|(ours, _)| ours.to_string())
                .ok_or_else(|| {
                    ApiError::bad_request(format!("'{status}' is no logged model status"))
                })?;
            let m = change(LoggedModelChange::Finalize { status }, id).await?;
            model_reply(api, &m).await
        }
        (&Method::DELETE, [id]) => {
            change(LoggedModelChange::Delete, id).await?;
            Ok(json_reply(&json!({})))
        }
        (&Method::POST, [id, "params"]) => {
            let params = pairs(f, "params")?;
            change(LoggedModelChange::Params(params), id).await?;
            Ok(json_reply(&json!({})))
        }
        (&Method::PATCH, [id, "tags"]) => {
            let tags = pairs(f, "tags")?;
            change(LoggedModelChange::SetTags(tags), id).await?;
            Ok(json_reply(&json!({})))
        }
        (&Method::DELETE, [id, "tags", key]) => {
            change(LoggedModelChange::DeleteTag(key.to_string()), id).await?;
            Ok(json_reply(&json!({})))
        }
        _ => Err(ApiError::no_endpoint(&req.method, &req.path.join("/"))),
    }
}

/// `runs/outputs`: the models a run made (each already names its source
/// run when it was made in one); each must exist.
pub async fn outputs(api: &Api, f: &Fields<'_>) -> Result<Reply, ApiError> {
    let run = run(&f.required_string("run_id")?)?;
    let links = model_links(f, "output")?;
    api.service.link_run_models(run, links, &api.user).await?;
    Ok(json_reply(&json!({})))
}

/// The `models` of a request (`runs/outputs`, `runs/log-inputs`) as links
/// of `direction`: each a `model_id`, an output with its `step`.
pub fn model_links(f: &Fields<'_>, direction: &str) -> Result<Vec<RunModelLink>, ApiError> {
    f.list("models")?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let model = Fields::item(item, "models", i);
            Ok(RunModelLink {
                run_id: 0,
                direction: direction.to_string(),
                model_id: model.required_string("model_id")?,
                step: model.int64("step")?.unwrap_or(0),
            })
        })
        .collect()
}

/// `logged-models/search`: models of the experiments asked, filtered,
/// ordered and paged as MLflow's client asks (`mlflow_model_search`).
async fn search(api: &Api, f: &Fields<'_>) -> Result<Reply, ApiError> {
    let experiment_ids = f
        .list("experiment_ids")?
        .iter()
        .map(|v| experiment(v.as_str().unwrap_or_default()))
        .collect::<Result<Vec<i64>, _>>()?;
    let search = super::mlflow_model_search::Search::of(f)?;
    let limit = f.max_results(100, MAX_RESULTS)?;
    let offset = super::mlflow_registry::page_offset(f)?;
    let query = LoggedModelQuery {
        experiment_ids,
        run_id: None,
        deleted_too: false,
        offset: 0,
        limit: i64::MAX / 2,
    };
    let models = api.store().logged_models(&query).await?;
    let ids: Vec<String> = models.iter().map(|m| m.id.clone()).collect();
    let mut metrics = api.store().model_metrics(&ids).await?;
    // By model, as `of_model` reads them (each model's kept in order).
    metrics.sort_by(|a, b| a.model_id.cmp(&b.model_id));
    let found = search.run(models, &metrics);
    let page: Vec<Value> = found
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|m| model_json(m, of_model(&metrics, &m.id)))
        .collect();
    let mut reply = json!({"models": page});
    if offset + limit < found.len() as i64 {
        reply["next_page_token"] = json!((offset + limit).to_string());
    }
    Ok(json_reply(&reply))
}

/// A logged model that is not deleted, or MLflow's refusal.
async fn found(api: &Api, id: &str) -> Result<LoggedModel, ApiError> {
    api.store()
        .logged_model(id)
        .await?
        .filter(|m| m.deleted_at.is_none())
        .ok_or_else(|| ApiError::not_found(format!("Logged model with ID '{id}' not found.")))
}

/// One model as `{"model": ...}`, with the metrics logged against it.
async fn model_reply(api: &Api, m: &LoggedModel) -> Result<Reply, ApiError> {
    let metrics = api
        .store()
        .model_metrics(std::slice::from_ref(&m.id))
        .await?;
    Ok(json_reply(&json!({"model": model_json(m, &metrics)})))
}

/// The points of `model` among `metrics` (sorted by model).
pub fn of_model<'a>(metrics: &'a [ModelMetric], model: &str) -> &'a [ModelMetric] {
    let start = metrics.partition_point(|p| p.model_id.as_str() < model);
    let end = metrics.partition_point(|p| p.model_id.as_str() <= model);
    &metrics[start..end]
}

/// A logged model as MLflow's `LoggedModel` message.
fn model_json(m: &LoggedModel, metrics: &[ModelMetric]) -> Value {
    let pairs = |v: &Value| -> Vec<Value> {
        v.as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| json!({"key": k, "value": v.as_str().unwrap_or_default()}))
            .collect()
    };
    let status = STATUSES
        .iter()
        .find(|(ours, _)| *ours == m.status)
        .map_or("LOGGED_MODEL_STATUS_UNSPECIFIED", |(_, mlflow)| mlflow);
    let artifact_uri = super::mlflow_model_files::artifact_location(m);
    let mut shown = json!({
        "info": {
            "model_id": m.id,
            "experiment_id": m.experiment_id.to_string(),
            "name": m.name,
            "creation_timestamp_ms": m.created_at.timestamp_millis(),
            "last_updated_timestamp_ms": m.updated_at.timestamp_millis(),
            "artifact_uri": artifact_uri,
            "status": status,
            "model_type": m.model_type,
            "source_run_id": m.run_id.map(|r| r.to_string()),
            "tags": pairs(&m.tags_json),
        },
        "data": {"params": pairs(&m.params_json), "metrics": metrics.iter().map(metric_json).collect::<Vec<_>>()},
    });
    // Absent for a model made outside a run, as MLflow's server leaves it.
    if m.run_id.is_none()
        && let Some(info) = shown["info"].as_object_mut()
    {
        info.remove("source_run_id");
    }
    shown
}

/// A point as MLflow's `Metric` of a logged model.
fn metric_json(p: &ModelMetric) -> Value {
    json!({
        "key": p.key,
        "value": p.value,
        "timestamp": p.at.timestamp_millis(),
        "step": p.step,
        "run_id": p.run_id.to_string(),
        "model_id": p.model_id,
        "dataset_name": p.dataset_name,
        "dataset_digest": p.dataset_digest,
    })
}

fn experiment(id: &str) -> Result<i64, ApiError> {
    id.parse().map_err(|_| {
        ApiError::not_found(format!(
            "no experiment '{id}' (nexml's experiment ids are numbers)"
        ))
    })
}

fn run(id: &str) -> Result<i64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::not_found(format!("no run '{id}' (nexml's run ids are numbers)")))
}
