//! The files of a logged model made outside a run (MLflow 3's
//! `log_model` with no active run, `create_logged_model`): uploaded to and
//! read from `<experiment>/models/<id>/artifacts/<path>`, kept in a folder
//! of the model's own beside the runs' (a model made by a run keeps its
//! files with the run's artifacts instead).

use super::Api;
use super::http::{ApiError, Reply, bytes_reply, json_reply};
use crate::artifacts::{artifacts_dir, check_artifact_path, stage_bytes};
use crate::store::LoggedModel;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The folder of a logged model made outside a run, once the database
/// knows it as such (its id then names no other folder).
async fn model_dir(api: &Api, id: &str) -> Result<PathBuf, ApiError> {
    let model = api
        .store()
        .logged_model(id)
        .await?
        .filter(|m| m.run_id.is_none())
        .ok_or_else(|| ApiError::not_found(format!("Logged model with ID '{id}' not found.")))?;
    Ok(crate::config::runs_dir(&api.database_url)
        .join("models")
        .join(&model.id))
}

/// One uploaded file, written whole before it takes its name.
pub async fn put(api: &Api, id: &str, path: &str, body: &[u8]) -> Result<Reply, ApiError> {
    let dir = model_dir(api, id).await?;
    stage_bytes(&dir, 0, path, body, api.service.now())
        .and_then(|staged| staged.place())
        .map_err(|e| ApiError::bad_request(format!("logged model {id}: {e:#}")))?;
    Ok(json_reply(&json!({})))
}

/// One file's bytes.
pub async fn get(api: &Api, id: &str, path: &str) -> Result<Reply, ApiError> {
    let dir = model_dir(api, id).await?;
    let path = check_artifact_path(path).map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
    let file = artifacts_dir(&dir).join(&path);
    let bytes = tokio::fs::read(&file)
        .await
        .map_err(|e| ApiError::not_found(format!("logged model {id} has no file '{path}': {e}")))?;
    Ok(bytes_reply(bytes.into()))
}

/// The files and folders directly inside `folder` of the model's files.
pub async fn list(api: &Api, id: &str, folder: &str) -> Result<Vec<Value>, ApiError> {
    let dir = model_dir(api, id).await?;
    let mut at = artifacts_dir(&dir);
    if !folder.is_empty() {
        let folder =
            check_artifact_path(folder).map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
        at.push(folder);
    }
    Ok(entries(&at))
}

/// The files directly inside `dir` of a model's files, wherever they are
/// kept (a run's artifacts, or the model's own folder), with paths from
/// the model's root, as `logged-models/<id>/artifacts/directories` lists.
pub async fn list_of(api: &Api, m: &LoggedModel, dir: &str) -> Result<Reply, ApiError> {
    let dir = dir.trim_matches('/');
    let mut files = match m.run_id {
        Some(run) => {
            let within = format!("models/{}/{dir}", m.id);
            super::mlflow_run_files::run_entries(api, run, within.trim_end_matches('/')).await?
        }
        None => list(api, &m.id, dir).await?,
    };
    if !dir.is_empty() {
        for f in &mut files {
            let name = f["path"].as_str().unwrap_or_default().to_string();
            f["path"] = json!(format!("{dir}/{name}"));
        }
    }
    Ok(json_reply(
        &json!({"files": files, "root_uri": artifact_location(m)}),
    ))
}

/// One file of a model's files, wherever they are kept.
pub async fn file_of(api: &Api, m: &LoggedModel, path: &str) -> Result<Reply, ApiError> {
    match m.run_id {
        Some(run) => {
            let path =
                check_artifact_path(path).map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
            let wanted = format!("models/{}/{path}", m.id);
            let files = api.store().read().await?.artifacts(run).await?;
            let file = files.iter().find(|a| a.path == wanted).ok_or_else(|| {
                ApiError::not_found(format!("logged model {} has no file '{path}'", m.id))
            })?;
            let bytes = tokio::fs::read(&file.uri).await.map_err(|e| {
                ApiError::not_found(format!("logged model {} file '{path}': {e}", m.id))
            })?;
            Ok(bytes_reply(bytes.into()))
        }
        None => get(api, &m.id, path).await,
    }
}

/// Where MLflow's client finds a model's files.
pub fn artifact_location(m: &LoggedModel) -> String {
    match m.run_id {
        Some(run) => format!(
            "mlflow-artifacts:/{}/{run}/artifacts/models/{}",
            m.experiment_id, m.id
        ),
        None => format!(
            "mlflow-artifacts:/{}/models/{}/artifacts",
            m.experiment_id, m.id
        ),
    }
}

/// MLflow's `FileInfo`s of a folder, by name; none when it is missing.
fn entries(dir: &Path) -> Vec<Value> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, Value)> = read
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let meta = entry.metadata().ok()?;
            let info = if meta.is_dir() {
                json!({"path": name, "is_dir": true})
            } else {
                json!({"path": name, "is_dir": false, "file_size": meta.len()})
            };
            Some((name, info))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.into_iter().map(|(_, info)| info).collect()
}
