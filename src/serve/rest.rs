//! The original product's REST endpoints (`/api/ml-development/...`): the
//! same JSON as the CLI's `--json`, through the same store reads and
//! service calls.

use super::Api;
use super::http::{ApiError, Reply, Request, json_reply};
use crate::runs::filter;
use crate::service::changes::{MoveModel, UpdateModel, UpdateRun};
use crate::store::{ModelQuery, NewModel, NewRun, NewVersion, RecipeQuery, RunQuery};
use hyper::Method;
use std::str::FromStr;

pub async fn route(api: &Api, req: &Request, rest: &[&str]) -> Result<Reply, ApiError> {
    let store = api.store();
    let (limit, offset) = paging(req)?;
    match (&req.method, rest) {
        (&Method::GET, ["recipes"]) => list_recipes(api, req, limit, offset).await,
        (&Method::GET, ["recipes", id]) => {
            let d = api.service.recipe_detail(id_of(id)?).await?;
            let shown = crate::shown::RecipeDetail::new(&d.recipe, &d.versions, &d.children);
            Ok(json_reply(&shown))
        }
        (&Method::GET, ["recipes", id, "versions"]) => {
            Ok(json_reply(&store.versions(id_of(id)?).await?))
        }
        (&Method::GET, ["recipes", id, "versions", number]) => {
            Ok(json_reply(&store.version(id_of(id)?, Some(number)).await?))
        }
        (&Method::POST, ["recipes", id, "versions"]) => {
            Ok(json_reply(&commit_version(api, id_of(id)?, req).await?))
        }
        (&Method::GET, ["recipes", id, "synthetic-example"]) => {
            let example = store.example(id_of(id)?).await?;
            example
                .map(|e| json_reply(&e))
                .ok_or_else(|| ApiError::not_found(format!("recipe {id} has no synthetic example")))
        }
        (&Method::GET, ["models"]) => list_models(api, req, limit, offset).await,
        (&Method::GET, ["models", id]) => Ok(json_reply(&store.model(id_of(id)?).await?)),
        (&Method::POST, ["models"]) => register_model(api, req).await,
        (&Method::PUT | &Method::PATCH, ["models", id]) => update_model(api, req, id).await,
        (&Method::GET, ["models", id, "monitoring"]) => {
            Ok(json_reply(&store.snapshots(id_of(id)?, limit).await?))
        }
        (&Method::GET, ["runs"]) => list_runs(api, req, limit, offset).await,
        (&Method::GET, ["runs", id]) => {
            let history = req
                .query
                .get("history")
                .map(|h| h.parse::<i64>())
                .transpose()
                .map_err(|_| ApiError::bad_request("history: a number of points"))?
                .unwrap_or(10_000);
            Ok(json_reply(&store.run_detail(id_of(id)?, history).await?))
        }
        (&Method::POST, ["runs"]) => create_run(api, req).await,
        (&Method::PUT | &Method::PATCH, ["runs", id]) => update_run(api, req, id).await,
        _ => Err(ApiError::no_endpoint(&req.method, &req.path.join("/"))),
    }
}

/// The recipes page, filtered by family, level, status and search.
async fn list_recipes(
    api: &Api,
    req: &Request,
    limit: i64,
    offset: i64,
) -> Result<Reply, ApiError> {
    let store = api.store();
    let page = store
        .list_recipes(&RecipeQuery {
            family: parsed(req, "family")?,
            level: parsed(req, "level")?,
            status: parsed(req, "status")?,
            search: req.query.get("search").cloned(),
            limit,
            offset,
            ..RecipeQuery::default()
        })
        .await?;
    Ok(json_reply(&page))
}

/// The models page, filtered by family, status and search.
async fn list_models(api: &Api, req: &Request, limit: i64, offset: i64) -> Result<Reply, ApiError> {
    let store = api.store();
    let page = store
        .list_models(&ModelQuery {
            family: parsed(req, "family")?,
            status: parsed(req, "status")?,
            search: req.query.get("search").cloned(),
            limit,
            offset,
            ..ModelQuery::default()
        })
        .await?;
    Ok(json_reply(&page))
}

/// `POST /models` with `{"recipe_id", "name", "version", "owner"}`.
async fn register_model(api: &Api, req: &Request) -> Result<Reply, ApiError> {
    let mut new: NewModel = req.body_as(None)?;
    if new.owner.is_empty() {
        new.owner = api.user.clone();
    }
    Ok(json_reply(
        &api.service.register_model(new, &api.user).await?,
    ))
}

/// Renames, reassigns and moves a model: `{"name", "owner", "status",
/// "from", "force"}`, each part the typed change the app and CLI make.
async fn update_model(api: &Api, req: &Request, id: &str) -> Result<Reply, ApiError> {
    let id = id_of(id)?;
    // Both parts read before either is made: a bad status changes nothing.
    let update: UpdateModel = req.body_as(Some(("model", id)))?;
    let change: Option<MoveModel> = match req.json()?.get("status") {
        Some(_) => Some(req.body_as(Some(("model", id)))?),
        None => None,
    };
    if !update.is_empty() {
        api.service.update_model(update, &api.user).await?;
    }
    if let Some(change) = change {
        api.service.move_model(change, &api.user).await?;
    }
    Ok(json_reply(&api.store().model(id).await?))
}

/// The runs page, filtered by status, type, family, search and a filter expression.
async fn list_runs(api: &Api, req: &Request, limit: i64, offset: i64) -> Result<Reply, ApiError> {
    let store = api.store();
    let filter = req
        .query
        .get("filter")
        .map(|f| filter::parse(f).map_err(|e| ApiError::bad_request(format!("filter: {e}"))))
        .transpose()?;
    let order_by = req
        .query
        .get("order_by")
        .map(|o| {
            filter::parse_order_by(o).map_err(|e| ApiError::bad_request(format!("order_by: {e}")))
        })
        .transpose()?
        .unwrap_or_default();
    let page = store
        .list_runs(&RunQuery {
            status: parsed(req, "status")?,
            run_type: parsed(req, "type")?,
            family: parsed(req, "family")?,
            search: req.query.get("search").cloned(),
            filter,
            order_by,
            limit,
            offset,
            ..RunQuery::default()
        })
        .await?;
    Ok(json_reply(&page))
}

/// `POST /runs` with `{"recipe_id", "run_type", "version", "model_id"}`: a queued run.
async fn create_run(api: &Api, req: &Request) -> Result<Reply, ApiError> {
    let new: NewRun = req.body_as(None)?;
    Ok(json_reply(&api.service.create_run(new, &api.user).await?))
}

/// Changes a run: `{"status", "metrics", "artifacts", "append_log"}`.
async fn update_run(api: &Api, req: &Request, id: &str) -> Result<Reply, ApiError> {
    let change: UpdateRun = req.body_as(Some(("run", id_of(id)?)))?;
    Ok(json_reply(
        &api.service.update_run(change, &api.user).await?,
    ))
}

/// `POST /recipes/{id}/versions` with `{"manifest", "base_version", "bump",
/// "note"}`: a version saved since `base_version` is merged with it; where
/// both changed one place the answer is 409 with the places.
async fn commit_version(
    api: &Api,
    recipe_id: i64,
    req: &Request,
) -> Result<crate::store::CommitOutcome, ApiError> {
    let new: NewVersion = req.body_as(Some(("recipe_id", recipe_id)))?;
    Ok(api.service.commit_version(new, &api.user).await?)
}

fn id_of(text: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::not_found(format!("'{text}' is not an id (a number)")))
}

fn paging(req: &Request) -> Result<(i64, i64), ApiError> {
    let get = |name: &str, default: i64| -> Result<i64, ApiError> {
        req.query
            .get(name)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| ApiError::bad_request(format!("{name}: a number, not '{v}'")))
            })
            .transpose()
            .map(|v| v.unwrap_or(default))
    };
    Ok((
        get("limit", 50)?.clamp(1, 100_000),
        get("offset", 0)?.max(0),
    ))
}

/// A query parameter parsed as one of nexml's kinds.
fn parsed<T: FromStr>(req: &Request, name: &str) -> Result<Option<T>, ApiError> {
    req.query
        .get(name)
        .map(|v| {
            v.parse::<T>().map_err(|_| {
                ApiError::bad_request(format!("{name}: '{v}' is not one of its values"))
            })
        })
        .transpose()
}
