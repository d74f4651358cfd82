//! MLflow's REST tracking API, the part its Python client uses: an
//! experiment is a nexml recipe (by name; experiment ids are recipe ids),
//! a run is a nexml run, and artifacts upload into the run's folder.

use super::Api;
use super::http::{ApiError, Reply, Request, bytes_reply, json_reply};
use crate::domain::{RunStatus, RunType};
use crate::runs::filter;
use crate::service::tracking::{RUN_NAME_TAG, RunReport};
use crate::store::tracking::NewMetricPoint;
use crate::store::{NewRun, Recipe, RecipeQuery, RunQuery, StoreError};
use chrono::{DateTime, TimeZone, Utc};
use hyper::Method;
use serde_json::{Value, json};

/// Tags of `runs/create` that say what a run is in nexml.
const MODEL_TAG: &str = "nexml.model";
const RUN_TYPE_TAG: &str = "nexml.run_type";
const VERSION_TAG: &str = "nexml.version";
const RECIPE_TAG: &str = "nexml.recipe";
/// What one `log-batch` may carry, as MLflow bounds it.
const MAX_BATCH_METRICS: usize = 1000;
const MAX_BATCH_PARAMS_AND_TAGS: usize = 100;

pub async fn route(api: &Api, req: &Request, rpc: &[&str]) -> Result<Reply, ApiError> {
    let body = req.json()?;
    match (&req.method, rpc) {
        (&Method::GET, ["experiments", "get-by-name"]) => {
            let name = required(req, &body, &["experiment_name"])?;
            let recipe = api.store().find_recipe(&name).await.map_err(|e| match e {
                StoreError::NotFound { .. } => {
                    ApiError::not_found(format!("no experiment (recipe) named '{name}'"))
                }
                other => other.into(),
            })?;
            Ok(json_reply(&json!({"experiment": experiment(&recipe)})))
        }
        (&Method::GET, ["experiments", "get"]) => {
            let recipe = recipe_of(api, &required(req, &body, &["experiment_id"])?).await?;
            Ok(json_reply(&json!({"experiment": experiment(&recipe)})))
        }
        (&Method::POST, ["experiments", "create"]) => create_experiment(api, &body).await,
        (&Method::GET | &Method::POST, ["experiments", "search"]) => {
            let limit = number(&req.param(&body, &["max_results"]))
                .unwrap_or(1000)
                .clamp(1, 50_000);
            let page = api
                .store()
                .list_recipes(&RecipeQuery {
                    limit,
                    ..RecipeQuery::default()
                })
                .await?;
            let list: Vec<Value> = page.items.iter().map(experiment).collect();
            Ok(json_reply(&json!({"experiments": list})))
        }
        (&Method::POST, ["runs", "create"]) => create_run(api, &body).await,
        (&Method::GET, ["runs", "get"]) => {
            let id = run_id(req, &body)?;
            Ok(json_reply(&json!({"run": run_json(api, id).await?})))
        }
        (&Method::POST, ["runs", "update"]) => update_run(api, req, &body).await,
        (&Method::POST, ["runs", rpc @ ("log-metric" | "log-parameter" | "set-tag")]) => {
            let id = run_id(req, &body)?;
            let one = match *rpc {
                "log-metric" => RunReport {
                    metrics: vec![metric_point(&body, api.service.now())?],
                    ..RunReport::default()
                },
                "log-parameter" => RunReport {
                    params: vec![key_value(&body)?],
                    ..RunReport::default()
                },
                _ => RunReport {
                    tags: vec![key_value(&body)?],
                    ..RunReport::default()
                },
            };
            report(api, id, one).await
        }
        (&Method::POST, ["runs", "delete-tag"]) => {
            let id = run_id(req, &body)?;
            let key = required(req, &body, &["key"])?;
            api.service.delete_run_tag(id, &key, &api.user).await?;
            Ok(json_reply(&json!({})))
        }
        (&Method::POST, ["runs", "log-batch"]) => log_batch(api, req, &body).await,
        (&Method::POST | &Method::GET, ["runs", "search"]) => search_runs(api, &body).await,
        (&Method::GET, ["metrics", "get-history"]) => {
            let id = run_id(req, &body)?;
            let key = required(req, &body, &["metric_key"])?;
            let max = number(&req.param(&body, &["max_results"]))
                .unwrap_or(25_000)
                .clamp(1, 10_000_000);
            let series = api.store().metric_series(id, &key, max).await?;
            let metrics: Vec<Value> = series
                .points
                .iter()
                .map(|p| json!({"key": p.key, "value": p.value, "timestamp": p.at.timestamp_millis(), "step": p.step}))
                .collect();
            Ok(json_reply(&json!({"metrics": metrics})))
        }
        (&Method::POST, ["logged-models", "search"]) => Ok(json_reply(&json!({"models": []}))),
        _ => Err(ApiError::no_endpoint(&req.method, &req.path.join("/"))),
    }
}

/// `/api/2.0/mlflow-artifacts/artifacts[/<exp>/<run>/artifacts/<path>]`.
pub async fn artifacts(api: &Api, req: &Request, rest: &[&str]) -> Result<Reply, ApiError> {
    match (&req.method, rest) {
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
    let parts: Vec<&str> = listed.split('/').filter(|s| !s.is_empty()).collect();
    let (id, dir) = match parts.as_slice() {
        [_, run, "artifacts", dir @ ..] => (parse_id(run)?, dir.join("/")),
        _ => return Ok(json_reply(&json!({"files": []}))),
    };
    let files = api.store().read().await?.artifacts(id).await?;
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut entries: Vec<Value> = Vec::new();
    let mut dirs_seen = std::collections::BTreeSet::new();
    for a in files.iter().filter(|a| a.path.starts_with(&prefix)) {
        let rest = &a.path[prefix.len()..];
        match rest.split_once('/') {
            Some((sub, _)) => {
                if dirs_seen.insert(sub.to_string()) {
                    entries.push(json!({"path": sub, "is_dir": true}));
                }
            }
            None => entries.push(json!({"path": rest, "is_dir": false, "file_size": a.size})),
        }
    }
    Ok(json_reply(&json!({"files": entries})))
}

fn experiment(r: &Recipe) -> Value {
    json!({
        "experiment_id": r.id.to_string(),
        "name": r.name,
        "artifact_location": format!("mlflow-artifacts:/{}", r.id),
        "lifecycle_stage": if r.status.as_str() == "archived" { "deleted" } else { "active" },
        "creation_time": r.created_at.timestamp_millis(),
        "last_update_time": r.updated_at.timestamp_millis(),
        "tags": [{"key": "nexml.family", "value": r.model_family.as_str()}],
    })
}

async fn create_experiment(api: &Api, body: &Value) -> Result<Reply, ApiError> {
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    let aliased = tag_list(body.get("tags"))
        .into_iter()
        .find(|(k, _)| k == RECIPE_TAG)
        .map(|(_, v)| v);
    let reference = aliased.unwrap_or_else(|| name.to_string());
    match api.store().find_recipe(&reference).await {
        Ok(recipe) if reference != name => {
            Ok(json_reply(&json!({"experiment_id": recipe.id.to_string()})))
        }
        Ok(_) => Err(ApiError::new(
            hyper::StatusCode::BAD_REQUEST,
            "RESOURCE_ALREADY_EXISTS",
            format!("experiment (recipe) '{name}' exists"),
        )),
        // Not found: an experiment that names no recipe is a bad create.
        Err(StoreError::NotFound { .. }) => Err(ApiError::bad_request(format!(
            "no recipe named '{reference}': an MLflow experiment is a nexml recipe; set_experiment to a recipe's name (nexml recipe list), or tag the experiment nexml.recipe=<recipe>"
        ))),
        Err(e) => Err(e.into()),
    }
}

async fn recipe_of(api: &Api, experiment_id: &str) -> Result<Recipe, ApiError> {
    if experiment_id == "0" {
        return Err(ApiError::bad_request(
            "no experiment set: a nexml run belongs to a recipe; call mlflow.set_experiment('<recipe name>') first (nexml recipe list names them)",
        ));
    }
    let id = parse_id(experiment_id)?;
    Ok(api.store().recipe(id).await?)
}

async fn create_run(api: &Api, body: &Value) -> Result<Reply, ApiError> {
    let slot = match api.recent_creates.claim(&api.user, body).await {
        Ok(id) => return Ok(json_reply(&json!({"run": run_json(api, id).await?}))),
        Err(slot) => slot,
    };
    let id = create_new_run(api, body).await?;
    slot.made(id);
    Ok(json_reply(&json!({"run": run_json(api, id).await?})))
}

/// Creates and starts the run a `runs/create` request describes.
async fn create_new_run(api: &Api, body: &Value) -> Result<i64, ApiError> {
    let experiment_id = body
        .get("experiment_id")
        .and_then(Value::as_str)
        .unwrap_or("0");
    let recipe = recipe_of(api, experiment_id).await?;
    let tags = tag_list(body.get("tags"));
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
    let name = body
        .get("run_name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .map(str::to_string);
    let new = NewRun {
        recipe_id: recipe.id,
        version: tag(VERSION_TAG),
        model_id,
        run_type,
    };
    let run = api
        .service
        .start_tracked_run(new, name.as_deref(), tags, &api.user)
        .await?;
    Ok(run.id)
}

async fn update_run(api: &Api, req: &Request, body: &Value) -> Result<Reply, ApiError> {
    let id = run_id(req, body)?;
    if let Some(name) = body
        .get("run_name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    {
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
    if let Some(status) = body.get("status").and_then(Value::as_str) {
        // Only an ending status changes the run; the others are the runner's to set.
        let to = match RunStatus::from_mlflow(status) {
            Some(s) if s.is_final() => Some(s),
            Some(_) => None,
            None => {
                return Err(ApiError::bad_request(format!(
                    "unknown run status '{status}'"
                )));
            }
        };
        let run = api.store().run_row(id).await?;
        if let Some(to) = to
            && run.status != to
        {
            api.service
                .finish_run(
                    id,
                    to,
                    &format!("ended by the MLflow client ({status})"),
                    None,
                    &api.user,
                )
                .await?;
        }
    }
    let run = run_json(api, id).await?;
    Ok(json_reply(&json!({"run_info": run["info"]})))
}

async fn log_batch(api: &Api, req: &Request, body: &Value) -> Result<Reply, ApiError> {
    let id = run_id(req, body)?;
    let now = api.service.now();
    let metrics = body
        .get("metrics")
        .and_then(Value::as_array)
        .map(|m| {
            m.iter()
                .map(|v| metric_point(v, now))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let params = pairs(body.get("params"))?;
    let tags = pairs(body.get("tags"))?;
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
    .await
}

async fn report(api: &Api, id: i64, report: RunReport) -> Result<Reply, ApiError> {
    api.service.report_run(id, report, &api.user).await?;
    Ok(json_reply(&json!({})))
}

async fn search_runs(api: &Api, body: &Value) -> Result<Reply, ApiError> {
    let text = body
        .get("filter")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let parsed = filter::parse(text).map_err(|e| ApiError::bad_request(format!("filter: {e}")))?;
    let order_by = body
        .get("order_by")
        .and_then(Value::as_array)
        .map(|items| {
            let joined: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            filter::parse_order_by(&joined.join(", "))
        })
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("order_by: {e}")))?
        .unwrap_or_default();
    let limit = body
        .get("max_results")
        .and_then(Value::as_i64)
        .unwrap_or(1000)
        .clamp(1, 50_000);
    let offset = body
        .get("page_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<i64>().map_err(|_| {
                ApiError::bad_request(format!("page_token '{t}' is not one this server gave"))
            })
        })
        .transpose()?
        .unwrap_or(0);
    let experiments: Vec<String> = body
        .get("experiment_ids")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let recipe_id = match experiments.as_slice() {
        [] => None,
        [one] => Some(parse_id(one)?),
        many => {
            // Several experiments: one more condition on the recipe's name.
            let mut names = Vec::new();
            for id in many {
                names.push(filter::Value::Text(recipe_of(api, id).await?.name));
            }
            let mut p = parsed.clone();
            p.conditions.push(filter::Condition {
                field: filter::Field::Attribute(filter::Attribute::Recipe),
                op: filter::Op::In,
                value: filter::Value::List(names),
            });
            return search_page(api, p, order_by, None, limit, offset).await;
        }
    };
    search_page(api, parsed, order_by, recipe_id, limit, offset).await
}

async fn search_page(
    api: &Api,
    parsed: filter::Filter,
    order_by: Vec<filter::OrderBy>,
    recipe_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<Reply, ApiError> {
    let page = api
        .store()
        .list_runs(&RunQuery {
            recipe_id,
            filter: Some(parsed),
            order_by,
            // One more than asked says whether there is a next page.
            limit: limit + 1,
            offset,
            skip_count: true,
            ..RunQuery::default()
        })
        .await?;
    let more = page.items.len() as i64 > limit;
    let mut runs = Vec::new();
    for r in page.items.iter().take(limit as usize) {
        runs.push(run_json(api, r.id).await?);
    }
    let mut reply = json!({"runs": runs});
    if more {
        reply["next_page_token"] = json!((offset + limit).to_string());
    }
    Ok(json_reply(&reply))
}

/// A run as MLflow's client reads it.
async fn run_json(api: &Api, id: i64) -> Result<Value, ApiError> {
    let d = api.store().run_detail(id, 0).await?;
    let run = &d.run;
    let status = run.status.mlflow_name();
    let name = if run.name.is_empty() {
        format!("run-{}", run.id)
    } else {
        run.name.clone()
    };
    let mut info = json!({
        "run_id": run.id.to_string(),
        "run_uuid": run.id.to_string(),
        "run_name": name,
        "experiment_id": run.recipe_id.to_string(),
        "user_id": run.created_by,
        "status": status,
        "start_time": run.started_at.unwrap_or(run.created_at).timestamp_millis(),
        "artifact_uri": format!("mlflow-artifacts:/{}/{}/artifacts", run.recipe_id, run.id),
        "lifecycle_stage": "active",
    });
    if let Some(end) = run.finished_at {
        info["end_time"] = json!(end.timestamp_millis());
    }
    let metrics: Vec<Value> = run
        .metrics_json
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| {
                    let step = d
                        .metric_summaries
                        .iter()
                        .find(|m| &m.key == k)
                        .map(|m| m.last_step)
                        .unwrap_or(0);
                    v.as_f64().map(|x| json!({"key": k, "value": x, "timestamp": run.updated_at.timestamp_millis(), "step": step}))
                })
                .collect()
        })
        .unwrap_or_default();
    let params: Vec<Value> = d
        .params
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    let tags: Vec<Value> = d
        .tags
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    Ok(json!({"info": info, "data": {"metrics": metrics, "params": params, "tags": tags}}))
}

/// A point of `v`; one without a timestamp is taken at `now`.
fn metric_point(v: &Value, now: DateTime<Utc>) -> Result<NewMetricPoint, ApiError> {
    let key = v
        .get("key")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("a metric needs a 'key'"))?;
    let value = match v.get("value") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => {
            return Err(ApiError::bad_request(format!(
                "metric '{key}' is {s}: nexml records finite numbers only"
            )));
        }
        _ => None,
    }
    .ok_or_else(|| ApiError::bad_request(format!("metric '{key}' needs a number 'value'")))?;
    let step = v.get("step").and_then(json_i64).unwrap_or(0);
    let at = v
        .get("timestamp")
        .and_then(json_i64)
        .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
        .unwrap_or(now);
    Ok(NewMetricPoint {
        key: key.to_string(),
        step,
        value,
        at,
    })
}

/// int64 fields arrive as numbers or strings.
fn json_i64(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn key_value(body: &Value) -> Result<(String, String), ApiError> {
    let key = body
        .get("key")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("'key' is required"))?;
    let value = match body.get("value") {
        Some(Value::String(s)) => s.clone(),
        Some(other) if !other.is_null() => other.to_string(),
        _ => return Err(ApiError::bad_request(format!("'{key}' needs a 'value'"))),
    };
    Ok((key.to_string(), value))
}

fn pairs(list: Option<&Value>) -> Result<Vec<(String, String)>, ApiError> {
    list.and_then(Value::as_array)
        .map(|items| items.iter().map(key_value).collect())
        .unwrap_or(Ok(Vec::new()))
}

fn tag_list(list: Option<&Value>) -> Vec<(String, String)> {
    pairs(list).unwrap_or_default()
}

fn run_id(req: &Request, body: &Value) -> Result<i64, ApiError> {
    parse_id(&required(req, body, &["run_id", "run_uuid"])?)
}

fn parse_id(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| {
        ApiError::not_found(format!(
            "no run or experiment '{text}' (nexml ids are numbers)"
        ))
    })
}

fn required(req: &Request, body: &Value, names: &[&str]) -> Result<String, ApiError> {
    req.param(body, names)
        .ok_or_else(|| ApiError::bad_request(format!("'{}' is required", names[0])))
}

fn number(text: &Option<String>) -> Option<i64> {
    text.as_deref().and_then(|t| t.parse().ok())
}
