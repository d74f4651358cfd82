//! MLflow's REST tracking API, the part its Python client uses: an
//! experiment is a recipe's own (by the recipe's name) or one a client
//! made, a run is a nexml run, and artifacts upload into the run's folder.

use super::Api;
use super::http::{ApiError, Reply, Request, bytes_reply, json_reply};
use super::mlflow_fields::{Fields, MAX_RESULTS, key_value, pairs};
use super::mlflow_run_view::{MlflowRun, mlflow_run};
use crate::domain::{RunStatus, RunType};
use crate::runs::filter;
use crate::service::changes::{DeleteRun, TagExperiment};
use crate::service::run_queue::RunTarget;
use crate::service::tracking::{RUN_NAME_TAG, RunReport};
use crate::store::tracking::{NewMetricPoint, RunsData};
use crate::store::{
    Experiment, ModelMetric, NewRun, Run, RunInput, RunKeyValue, RunQuery, StoreError,
};
use chrono::{TimeZone, Utc};
use hyper::Method;
use serde_json::{Value, json};

/// Tags of `runs/create` that say what a run is in nexml.
const MODEL_TAG: &str = "nexml.model";
const RUN_TYPE_TAG: &str = "nexml.run_type";
const VERSION_TAG: &str = "nexml.version";
const RECIPE_TAG: &str = "nexml.recipe";
/// The user MLflow's client says started a run.
const MLFLOW_USER_TAG: &str = "mlflow.user";
/// What one `log-batch` may carry, as MLflow bounds it.
const MAX_BATCH_METRICS: usize = 1000;
const MAX_BATCH_PARAMS_AND_TAGS: usize = 100;

pub async fn route(api: &Api, req: &Request, rpc: &[&str]) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let f = Fields::of(req, &body);
    match (&req.method, rpc) {
        (&Method::GET, ["experiments", "get-by-name"]) => {
            let name = f.required_string("experiment_name")?;
            let found = api
                .store()
                .experiment_named(&name)
                .await
                .map_err(|e| match e {
                    // MLflow's words.
                    StoreError::NotFound { .. } => {
                        ApiError::not_found(format!("Could not find experiment with name '{name}'"))
                    }
                    other => other.into(),
                })?;
            experiment_reply(api, found).await
        }
        (&Method::GET, ["experiments", "get"]) => {
            let found = experiment_of(api, &f.required_string("experiment_id")?).await?;
            experiment_reply(api, found).await
        }
        (&Method::POST, ["experiments", "set-experiment-tag"]) => {
            tag_experiment(api, &f, Some(f.required_string("value")?)).await
        }
        (&Method::POST, ["experiments", "delete-experiment-tag"]) => {
            tag_experiment(api, &f, None).await
        }
        (&Method::POST, ["experiments", "create"]) => create_experiment(api, &f).await,
        (&Method::POST, ["experiments", "update"]) => rename_experiment(api, &f).await,
        // A recipe's own experiment deleted is the recipe archived;
        // restored, a draft again.
        (&Method::POST, ["experiments", "delete"]) => delete_experiment(api, &f, true).await,
        (&Method::POST, ["experiments", "restore"]) => delete_experiment(api, &f, false).await,
        (&Method::GET | &Method::POST, ["experiments", "search"]) => {
            search_experiments(api, &f).await
        }
        (&Method::POST, ["runs", "create"]) => create_run(api, &f).await,
        (&Method::GET, ["runs", "get"]) => {
            let id = run_id(&f)?;
            Ok(json_reply(&json!({"run": run_json(api, id).await?})))
        }
        (&Method::POST, ["runs", "update"]) => update_run(api, &f).await,
        (&Method::POST, ["runs", "log-metric"]) => {
            let id = active_run_id(api, &f).await?;
            let point = metric_point(&f)?;
            let of_model = model_metric(&f, id, &point)?;
            let one = RunReport {
                metrics: vec![point],
                ..RunReport::default()
            };
            report(api, id, one).await?;
            record_model_metrics(api, id, of_model.into_iter().collect()).await
        }
        (&Method::POST, ["runs", rpc @ ("log-parameter" | "set-tag")]) => {
            let id = active_run_id(api, &f).await?;
            let one = match *rpc {
                "log-parameter" => RunReport {
                    params: vec![key_value(&f)?],
                    ..RunReport::default()
                },
                _ => RunReport {
                    tags: vec![key_value(&f)?],
                    ..RunReport::default()
                },
            };
            report(api, id, one).await
        }
        (&Method::POST, ["runs", "delete-tag"]) => {
            let id = active_run_id(api, &f).await?;
            let key = f.required_string("key")?;
            if !api.service.delete_run_tag(id, &key, &api.user).await? {
                // As MLflow answers: deleting what is not there is an error.
                return Err(ApiError::not_found(format!(
                    "No tag with name: {key} in run with id {id}"
                )));
            }
            Ok(json_reply(&json!({})))
        }
        (&Method::POST, ["runs", "log-batch"]) => log_batch(api, &f).await,
        (&Method::POST, ["runs", "log-inputs"]) => log_inputs(api, &f).await,
        (&Method::POST, ["runs", "outputs"]) => super::mlflow_logged_models::outputs(api, &f).await,
        (&Method::POST, ["runs", "delete"]) => delete_run(api, &f, true).await,
        (&Method::POST, ["runs", "restore"]) => delete_run(api, &f, false).await,
        (&Method::POST | &Method::GET, ["runs", "search"]) => search_runs(api, &f).await,
        (&Method::GET, ["metrics", "get-history"]) => metric_history(api, &f).await,
        (_, ["registered-models", rpc]) => {
            super::mlflow_registry::registered_models(api, req, &f, rpc).await
        }
        (_, ["model-versions", rpc]) => {
            super::mlflow_registry::model_versions(api, req, &f, rpc).await
        }
        (_, ["logged-models", rest @ ..]) => {
            super::mlflow_logged_models::route(api, req, &f, rest).await
        }
        _ => Err(ApiError::no_endpoint(&req.method, &req.path.join("/"))),
    }
}

/// `/api/2.0/mlflow-artifacts/artifacts[/<exp>/<run>/artifacts/<path>]`.
pub async fn artifacts(api: &Api, req: &Request, rest: &[&str]) -> Result<Reply, ApiError> {
    use super::mlflow_model_files as model_files;
    match (&req.method, rest) {
        // A logged model made outside a run keeps files of its own.
        (&Method::PUT, [_, "models", model, "artifacts", path @ ..]) if !path.is_empty() => {
            model_files::put(api, model, &path.join("/"), &req.body).await
        }
        (&Method::GET, [_, "models", model, "artifacts", path @ ..]) if !path.is_empty() => {
            model_files::get(api, model, &path.join("/")).await
        }
        (&Method::PUT, [_, run, "artifacts", path @ ..]) if !path.is_empty() => {
            let id = parse_id(run)?;
            api.store().run_row(id).await?;
            let run_dir = crate::config::run_dir(&api.database_url, id);
            let staged = crate::artifacts::stage_bytes(
                &run_dir,
                id,
                &path.join("/"),
                &req.body,
                api.service.now(),
            )?;
            api.service.keep_artifact(staged, &api.user).await?;
            Ok(json_reply(&json!({})))
        }
        (&Method::GET, []) => {
            let listed = req.query.get("path").cloned().unwrap_or_default();
            list_artifacts(api, &listed).await
        }
        (&Method::GET, [_, run, "artifacts", path @ ..]) if !path.is_empty() => {
            let id = parse_id(run)?;
            let wanted = path.join("/");
            let files = api.store().read().await?.artifacts(id).await?;
            let file = files.iter().find(|a| a.path == wanted).ok_or_else(|| {
                ApiError::not_found(format!("run {id} has no artifact '{wanted}'"))
            })?;
            let bytes = tokio::fs::read(&file.uri).await.map_err(|e| {
                ApiError::not_found(format!("artifact '{wanted}' of run {id}: {e}"))
            })?;
            Ok(bytes_reply(bytes.into()))
        }
        _ => Err(ApiError::no_endpoint(&req.method, &req.path.join("/"))),
    }
}

async fn list_artifacts(api: &Api, listed: &str) -> Result<Reply, ApiError> {
    // "1/7/artifacts/." is the run's top folder (`download_artifacts(".")`).
    let parts: Vec<&str> = listed
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let entries = match parts.as_slice() {
        [_, "models", model, "artifacts", dir @ ..] => {
            super::mlflow_model_files::list(api, model, &dir.join("/")).await?
        }
        [_, run, "artifacts", dir @ ..] => {
            super::mlflow_run_files::run_entries(api, parse_id(run)?, &dir.join("/")).await?
        }
        _ => Vec::new(),
    };
    Ok(json_reply(&json!({"files": entries})))
}

async fn experiment_reply(api: &Api, e: Experiment) -> Result<Reply, ApiError> {
    let found = super::mlflow_experiments::with_tags(api.store(), vec![e]).await?;
    let shown: Vec<Value> = found.iter().map(experiment).collect();
    Ok(json_reply(&json!({"experiment": shown.first()})))
}

/// `experiments/set-experiment-tag` (a value) and `delete-experiment-tag`.
async fn tag_experiment(
    api: &Api,
    f: &Fields<'_>,
    value: Option<String>,
) -> Result<Reply, ApiError> {
    let e = experiment_of(api, &f.required_string("experiment_id")?).await?;
    let change = TagExperiment {
        experiment: e.id,
        key: f.required_string("key")?,
        value,
    };
    api.service.tag_experiment(change, &api.user).await?;
    Ok(json_reply(&json!({})))
}

fn experiment(e: &super::mlflow_experiments::Experiment) -> Value {
    let x = &e.stored;
    json!({
        "experiment_id": x.id.to_string(),
        "name": x.name,
        "artifact_location": format!("mlflow-artifacts:/{}", x.id),
        "lifecycle_stage": if x.deleted { "deleted" } else { "active" },
        "creation_time": x.created_at.timestamp_millis(),
        "last_update_time": x.updated_at.timestamp_millis(),
        "tags": e
            .tags
            .iter()
            .map(|(key, value)| json!({"key": key, "value": value}))
            .collect::<Vec<_>>(),
    })
}

/// `experiments/update`: renamed (a recipe's own: the recipe, as
/// `recipe update --name`).
async fn rename_experiment(api: &Api, f: &Fields<'_>) -> Result<Reply, ApiError> {
    let e = experiment_of(api, &f.required_string("experiment_id")?).await?;
    let name = f.required_string("new_name")?;
    api.service
        .rename_experiment(e.id, &name, &api.user)
        .await?;
    Ok(json_reply(&json!({})))
}

/// `experiments/delete` and `restore` (a recipe's own: the recipe
/// archived or restored, under the rules of `recipe archive`).
async fn delete_experiment(api: &Api, f: &Fields<'_>, deleted: bool) -> Result<Reply, ApiError> {
    let e = experiment_of(api, &f.required_string("experiment_id")?).await?;
    api.service
        .delete_experiment(e.id, deleted, &api.user)
        .await?;
    Ok(json_reply(&json!({})))
}

/// `experiments/create`: an experiment of the client's; with the tag
/// `nexml.recipe`, the name of that recipe's own instead.
async fn create_experiment(api: &Api, f: &Fields<'_>) -> Result<Reply, ApiError> {
    let name = f.required_string("name")?;
    // Checked as MLflow checks it, though files go where serve keeps them.
    f.string("artifact_location")?;
    let (aliased, tags): (Vec<_>, Vec<_>) = pairs(f, "tags")?
        .into_iter()
        .partition(|(k, _)| k == RECIPE_TAG);
    if let Some((_, recipe)) = aliased.into_iter().next() {
        let recipe = api.store().find_recipe(&recipe).await?;
        let own = api.store().recipe_experiment(recipe.id).await?;
        return Ok(json_reply(&json!({"experiment_id": own.id.to_string()})));
    }
    let made = api
        .service
        .create_experiment(&name, &tags, &api.user)
        .await?;
    Ok(json_reply(&json!({"experiment_id": made.id.to_string()})))
}

/// The experiment an id names (`0`: MLflow's Default).
async fn experiment_of(api: &Api, experiment_id: &str) -> Result<Experiment, ApiError> {
    // MLflow's words.
    let not_found = || ApiError::not_found(format!("No Experiment with id={experiment_id} exists"));
    let id: i64 = experiment_id.parse().map_err(|_| not_found())?;
    api.store().experiment(id).await.map_err(|e| match e {
        StoreError::NotFound { .. } => not_found(),
        other => other.into(),
    })
}

/// Creates and starts the run a `runs/create` request describes. Each
/// request makes a run, as in MLflow, even one identical to an earlier one.
async fn create_run(api: &Api, f: &Fields<'_>) -> Result<Reply, ApiError> {
    let experiment_id = f.string("experiment_id")?.unwrap_or_else(|| "0".into());
    let experiment = experiment_of(api, &experiment_id).await?;
    if experiment.deleted {
        return Err(ApiError::bad_request(format!(
            "The experiment {} must be in the 'active' state. Current state is deleted.",
            experiment.id
        )));
    }
    let started_at = match f.int64("start_time")? {
        Some(ms) => Some(
            Utc.timestamp_millis_opt(ms)
                .single()
                .ok_or_else(|| ApiError::bad_request(format!("start_time {ms} is not a time")))?,
        ),
        None => None,
    };
    let mut tags = pairs(f, "tags")?;
    // The user the client names (`user_id`, MLflow's client sends
    // "unknown" when it knows none) is the one reported, unless a tag says.
    if let Some(user) = f.string("user_id")?.filter(|u| !u.is_empty())
        && !tags.iter().any(|(k, _)| k == MLFLOW_USER_TAG)
    {
        tags.push((MLFLOW_USER_TAG.to_string(), user));
    }
    let tag = |k: &str| {
        tags.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let run_type = match tag(RUN_TYPE_TAG) {
        Some(t) => t.parse::<RunType>().map_err(|_| {
            ApiError::bad_request(format!("tag {RUN_TYPE_TAG}='{t}': train, eval or backtest"))
        })?,
        None => RunType::Train,
    };
    let model_id = match tag(MODEL_TAG) {
        Some(m) => Some(api.store().find_model(&m).await?.id),
        None => None,
    };
    let name = f.string("run_name")?.filter(|n| !n.trim().is_empty());
    let target = match experiment.recipe_id {
        Some(recipe_id) => RunTarget::Recipe {
            run: NewRun {
                recipe_id,
                version: tag(VERSION_TAG),
                model_id,
                run_type,
            },
            experiment: Some(experiment.id),
        },
        None if model_id.is_some() || tag(VERSION_TAG).is_some() => {
            return Err(ApiError::bad_request(format!(
                "experiment '{}' has no recipe, so its runs have no model or version: link it to one first (nexml experiment link '{}' <recipe>)",
                experiment.name, experiment.name
            )));
        }
        None => RunTarget::Experiment {
            id: experiment.id,
            run_type,
        },
    };
    let run = api
        .service
        .start_tracked_run(target, name.as_deref(), tags, started_at, &api.user)
        .await?;
    Ok(json_reply(
        &json!({"run": active_run_json(api, &run).await?}),
    ))
}

async fn update_run(api: &Api, f: &Fields<'_>) -> Result<Reply, ApiError> {
    let id = active_run_id(api, f).await?;
    if let Some(name) = f.string("run_name")?.filter(|n| !n.is_empty()) {
        let tags = vec![(RUN_NAME_TAG.to_string(), name.to_string())];
        api.service
            .report_run(
                id,
                RunReport {
                    tags,
                    ..RunReport::default()
                },
                &api.user,
            )
            .await?;
    }
    let mut after_status = None;
    if let Some(status) = f.string("status")? {
        // Only an ending status changes the run; the others are the runner's to set.
        let to = match RunStatus::from_mlflow(&status) {
            Some(s) if s.is_final() => Some(s),
            Some(_) => None,
            None => {
                return Err(ApiError::bad_request(format!(
                    "unknown run status '{status}'"
                )));
            }
        };
        let row = api.store().run_row(id).await?;
        after_status = Some(match to {
            Some(to) if row.status != to => {
                api.service
                    .finish_run(
                        id,
                        to,
                        &format!("ended by the MLflow client ({status})"),
                        None,
                        &api.user,
                    )
                    .await?
            }
            _ => row,
        });
    }
    let run = match after_status {
        Some(run) => run,
        None => api.store().run_row(id).await?,
    };
    let run = active_run_json(api, &run).await?;
    Ok(json_reply(&json!({"run_info": run["info"]})))
}

async fn log_batch(api: &Api, f: &Fields<'_>) -> Result<Reply, ApiError> {
    let id = active_run_id(api, f).await?;
    let mut metrics = Vec::new();
    let mut of_models = Vec::new();
    for (i, m) in f.list("metrics")?.iter().enumerate() {
        let item = Fields::item(m, "metrics", i);
        let point = metric_point(&item)?;
        of_models.extend(model_metric(&item, id, &point)?);
        metrics.push(point);
    }
    let params = pairs(f, "params")?;
    let tags = pairs(f, "tags")?;
    if metrics.len() > MAX_BATCH_METRICS {
        return Err(ApiError::bad_request(format!(
            "a batch holds at most {MAX_BATCH_METRICS} metrics, not {}",
            metrics.len()
        )));
    }
    if params.len() + tags.len() > MAX_BATCH_PARAMS_AND_TAGS {
        return Err(ApiError::bad_request(format!(
            "a batch holds at most {MAX_BATCH_PARAMS_AND_TAGS} params and tags, not {}",
            params.len() + tags.len()
        )));
    }
    report(
        api,
        id,
        RunReport {
            metrics,
            params,
            tags,
            log: None,
        },
    )
    .await?;
    record_model_metrics(api, id, of_models).await
}

/// The point as a logged model's metric, when the request names a model
/// (`model_id`, and the dataset it was measured on).
fn model_metric(
    f: &Fields<'_>,
    run: i64,
    point: &NewMetricPoint,
) -> Result<Option<ModelMetric>, ApiError> {
    let Some(model_id) = f.string("model_id")?.filter(|m| !m.is_empty()) else {
        return Ok(None);
    };
    Ok(Some(ModelMetric {
        model_id,
        run_id: run,
        key: point.key.clone(),
        value: point.value,
        step: point.step,
        at: point.at,
        dataset_name: f.string("dataset_name")?.unwrap_or_default(),
        dataset_digest: f.string("dataset_digest")?.unwrap_or_default(),
    }))
}

async fn record_model_metrics(
    api: &Api,
    run: i64,
    points: Vec<ModelMetric>,
) -> Result<Reply, ApiError> {
    api.service
        .record_model_metrics(run, points, &api.user)
        .await?;
    Ok(json_reply(&json!({})))
}

/// `runs/log-inputs`: the datasets a run read, each with its input tags
/// (MLflow 3's logged-model inputs are not kept).
async fn log_inputs(api: &Api, f: &Fields<'_>) -> Result<Reply, ApiError> {
    let id = active_run_id(api, f).await?;
    let mut inputs = Vec::new();
    for (i, item) in f.list("datasets")?.iter().enumerate() {
        let input = Fields::item(item, "datasets", i);
        let tags: Vec<Value> = pairs(&input, "tags")?
            .into_iter()
            .map(|(key, value)| json!({"key": key, "value": value}))
            .collect();
        let empty = json!({});
        let dataset = Fields::item(item.get("dataset").unwrap_or(&empty), "datasets", i);
        let mut shown = json!({});
        for field in ["name", "digest", "source_type", "source"] {
            shown[field] = json!(dataset.required_string(field)?);
        }
        for field in ["schema", "profile"] {
            if let Some(text) = dataset.string(field)? {
                shown[field] = json!(text);
            }
        }
        inputs.push(RunInput {
            run_id: id,
            name: dataset.required_string("name")?,
            digest: dataset.required_string("digest")?,
            tags_json: Value::Array(tags).to_string(),
            dataset_json: shown.to_string(),
        });
    }
    api.service.record_inputs(id, inputs, &api.user).await?;
    let models = super::mlflow_logged_models::model_links(f, "input")?;
    api.service.link_run_models(id, models, &api.user).await?;
    Ok(json_reply(&json!({})))
}

/// `runs/delete` and `runs/restore`: the run kept, and left out of
/// MLflow's searches while deleted.
async fn delete_run(api: &Api, f: &Fields<'_>, deleted: bool) -> Result<Reply, ApiError> {
    let change = DeleteRun {
        run: run_id(f)?,
        deleted,
    };
    api.service.delete_run(change, &api.user).await?;
    Ok(json_reply(&json!({})))
}

async fn report(api: &Api, id: i64, report: RunReport) -> Result<Reply, ApiError> {
    api.service.report_run(id, report, &api.user).await?;
    Ok(json_reply(&json!({})))
}

async fn search_experiments(api: &Api, f: &Fields<'_>) -> Result<Reply, ApiError> {
    use super::mlflow_experiments::{Search, ViewType, page};
    let view = ViewType::parse(f.string("view_type")?.as_deref()).map_err(ApiError::bad_request)?;
    let text = f.string("filter")?.unwrap_or_default();
    let search =
        Search::parse(&text, &strings(f, "order_by")?, view).map_err(ApiError::bad_request)?;
    let limit = f.max_results(1000, MAX_RESULTS)?;
    let offset = page_offset(f)?;
    let found = search.run(api.store()).await?;
    let list: Vec<Value> = found.iter().map(experiment).collect();
    Ok(json_reply(&page(list, offset as usize, limit as usize)))
}

/// Where a page starts: the `page_token` this server gave, else the start.
fn page_offset(f: &Fields<'_>) -> Result<i64, ApiError> {
    Ok(f.string("page_token")?
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                ApiError::bad_request(format!("page_token '{t}' is not one this server gave"))
            })
        })
        .transpose()?
        .unwrap_or(0))
}

async fn search_runs(api: &Api, f: &Fields<'_>) -> Result<Reply, ApiError> {
    let text = f.string("filter")?.unwrap_or_default();
    let parsed = filter::parse(&text).map_err(|e| ApiError::bad_request(format!("filter: {e}")))?;
    let order_by = strings(f, "order_by")?;
    let order_by = filter::parse_order_by(&order_by.join(", "))
        .map_err(|e| ApiError::bad_request(format!("order_by: {e}")))?;
    let limit = f.max_results(1000, MAX_RESULTS)?;
    let offset = page_offset(f)?;
    let view = RunView::parse(f.string("run_view_type")?.as_deref())?;
    let experiment_ids = strings(f, "experiment_ids")?
        .iter()
        .map(|id| parse_id(id))
        .collect::<Result<Vec<_>, _>>()?;
    let query = RunQuery {
        experiment_ids,
        filter: Some(parsed),
        order_by,
        deleted: view.deleted(),
        ..RunQuery::default()
    };
    search_page(api, query, limit, offset).await
}

/// Which runs a search sees (`run_view_type`): the deleted ones are
/// those deleted through MLflow.
#[derive(Debug, Clone, Copy)]
enum RunView {
    ActiveOnly,
    DeletedOnly,
    All,
}

impl RunView {
    fn parse(text: Option<&str>) -> Result<RunView, ApiError> {
        match text.unwrap_or("ACTIVE_ONLY") {
            "ACTIVE_ONLY" | "1" => Ok(RunView::ActiveOnly),
            "DELETED_ONLY" | "2" => Ok(RunView::DeletedOnly),
            "ALL" | "3" => Ok(RunView::All),
            other => Err(ApiError::bad_request(format!(
                "Invalid value {other} for parameter 'run_view_type' supplied: one of ACTIVE_ONLY, DELETED_ONLY, ALL"
            ))),
        }
    }

    fn deleted(self) -> Option<bool> {
        match self {
            RunView::ActiveOnly => Some(false),
            RunView::DeletedOnly => Some(true),
            RunView::All => None,
        }
    }
}

/// A page of `query`'s runs from `offset`, with the token of the next.
async fn search_page(
    api: &Api,
    query: RunQuery,
    limit: i64,
    offset: i64,
) -> Result<Reply, ApiError> {
    let page = api
        .store()
        .list_runs(&RunQuery {
            // One more than asked says whether there is a next page.
            limit: limit + 1,
            offset,
            skip_count: true,
            ..query
        })
        .await?;
    let more = page.items.len() as i64 > limit;
    let shown = &page.items[..page.items.len().min(limit as usize)];
    let ids: Vec<i64> = shown.iter().map(|r| r.id).collect();
    let data = api.store().data_of_runs(&ids).await?;
    #[derive(serde::Serialize)]
    struct SearchPage<'a> {
        runs: Vec<MlflowRun<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        next_page_token: Option<String>,
    }
    Ok(json_reply(&SearchPage {
        runs: shown.iter().map(|r| mlflow_run(r, &data)).collect(),
        next_page_token: more.then(|| (offset + limit).to_string()),
    }))
}

/// A run as MLflow's client reads it, read for one answer.
async fn run_json(api: &Api, id: i64) -> Result<Value, ApiError> {
    let run = api.store().run_row(id).await?;
    let data = api.store().data_of_runs(&[id]).await?;
    run_value(&run, &data)
}

fn run_value(run: &Run, data: &RunsData) -> Result<Value, ApiError> {
    serde_json::to_value(mlflow_run(run, data)).map_err(|e| {
        ApiError::new(
            hyper::StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            format!("run {} as MLflow's JSON: {e}", run.id),
        )
    })
}

/// A run just started or just ended through MLflow's client, as its reply
/// shows it: active (the request was refused otherwise), and with its tags
/// as all it recorded that the reply needs (a new run has nothing else;
/// an ended one is answered with its info alone), so a write is not
/// followed by reading every table of a run.
async fn active_run_json(api: &Api, run: &Run) -> Result<Value, ApiError> {
    let tags = api.store().tags(run.id).await?;
    let data = RunsData {
        tags: tags
            .into_iter()
            .map(|t| RunKeyValue {
                run_id: run.id,
                key: t.key,
                value: t.value,
            })
            .collect(),
        ..RunsData::default()
    };
    run_value(run, &data)
}

/// The most points one `get-history` reply holds, as MLflow's client pages.
const HISTORY_PAGE: i64 = 25_000;

/// `metrics/get-history`: a page of a metric's points as logged, in step
/// order, values that are not numbers in their places; `max_results` a
/// page (at most 25,000: past it the reply says where the next starts, as
/// MLflow's client follows), `page_token` where this one starts.
async fn metric_history(api: &Api, f: &Fields<'_>) -> Result<Reply, ApiError> {
    let id = run_id(f)?;
    let key = f.required_string("metric_key")?;
    let limit = f.max_results(HISTORY_PAGE, 10_000_000)?.min(HISTORY_PAGE);
    let offset = page_offset(f)?;
    api.store().run_row(id).await?;
    // One more than a page says whether another follows.
    let mut points = api
        .store()
        .logged_points(id, &key, offset, limit + 1)
        .await?;
    let more = points.len() as i64 > limit;
    points.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let metrics: Vec<Value> = points
        .iter()
        .map(|p| {
            let value = match (&p.value, &p.spelled) {
                (Some(v), _) => json!(v),
                (None, spelled) => json!(spelled),
            };
            json!({"key": key, "value": value, "timestamp": p.at.timestamp_millis(), "step": p.step})
        })
        .collect();
    let mut reply = json!({"metrics": metrics});
    if more {
        reply["next_page_token"] = json!((offset + limit).to_string());
    }
    Ok(json_reply(&reply))
}

/// A metric point of a request (`log-metric`, or an item of `log-batch`).
fn metric_point(f: &Fields<'_>) -> Result<NewMetricPoint, ApiError> {
    let key = f.required_string("key")?;
    let value = f.required_double("value")?;
    let ms = f.required_int64("timestamp")?;
    let at = Utc.timestamp_millis_opt(ms).single().ok_or_else(|| {
        ApiError::bad_request(format!("metric '{key}': timestamp {ms} is not a time"))
    })?;
    Ok(NewMetricPoint {
        key,
        step: f.int64("step")?.unwrap_or(0),
        value,
        at,
    })
}

/// A list of strings (`experiment_ids`, `order_by`).
fn strings(f: &Fields<'_>, list: &str) -> Result<Vec<String>, ApiError> {
    f.list(list)?
        .into_iter()
        .map(|item| match item {
            Value::String(s) => Ok(s),
            other => Err(ApiError::bad_request(format!(
                "Invalid value {other} for parameter '{list}' supplied"
            ))),
        })
        .collect()
}

fn run_id(f: &Fields<'_>) -> Result<i64, ApiError> {
    let text = f.required_string_of(&["run_id", "run_uuid"])?;
    // MLflow's words for a run id no run has.
    text.parse()
        .map_err(|_| ApiError::not_found(format!("Run with id={text} not found")))
}

/// The run a write names, refused as MLflow refuses it while the run is
/// deleted: restored first, it takes writes again.
async fn active_run_id(api: &Api, f: &Fields<'_>) -> Result<i64, ApiError> {
    let id = run_id(f)?;
    if api.store().run_deletion(id).await?.is_some() {
        return Err(ApiError::bad_request(format!(
            "The run {id} must be in the 'active' state. Current state is deleted."
        )));
    }
    Ok(id)
}

fn parse_id(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| {
        ApiError::not_found(format!(
            "no run or experiment '{text}' (nexml ids are numbers)"
        ))
    })
}
