//! A run's artifacts listed as MLflow's `FileInfo`s, folder by folder:
//! for `mlflow-artifacts` listings and for a logged model's files kept
//! with the run that made it.

use super::Api;
use super::http::ApiError;
use serde_json::{Value, json};

/// MLflow's `FileInfo`s of the files and folders directly inside `dir` of
/// a run's artifacts.
pub async fn run_entries(api: &Api, id: i64, dir: &str) -> Result<Vec<Value>, ApiError> {
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
    Ok(entries)
}
