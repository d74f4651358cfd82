//! Chat sessions: the assistant over a recipe's data, its history kept in the
//! store, and proposals applied as new versions. Shared by the CLI and the app.

use crate::assistant::{self, AlertInfo, Context, MonitoringInfo, Proposal, Reply, VersionInfo};
use crate::domain::{ModelFamily, ModelStatus, RecipeLevel};
use crate::store::{ModelQuery, NewRecipe, NewVersion, Recipe, Store, StoreError, StoreResult};
use serde_json::Value;

/// What the assistant is told about the current recipe.
#[derive(Debug, Clone, Default)]
pub struct ChatData {
    pub recipe: Option<Recipe>,
    pub manifest: Option<Value>,
    pub versions: Vec<VersionInfo>,
    pub monitoring: Option<MonitoringInfo>,
    pub baselines: Vec<(ModelFamily, Value)>,
}

impl ChatData {
    pub fn reply(&self, message: &str) -> Reply {
        let baselines: Vec<(ModelFamily, &Value)> =
            self.baselines.iter().map(|(f, v)| (*f, v)).collect();
        let ctx = Context {
            recipe_name: self.recipe.as_ref().map(|r| r.name.as_str()),
            manifest: self.manifest.as_ref(),
            versions: &self.versions,
            monitoring: self.monitoring.as_ref(),
            baselines: &baselines,
        };
        assistant::respond(message, &ctx)
    }
}

/// Loads the context for a chat about `recipe_id` (or none).
pub async fn load(store: &dyn Store, recipe_id: Option<i64>) -> StoreResult<ChatData> {
    let mut data = ChatData::default();
    for family in ModelFamily::ALL {
        if let Ok(v) = serde_json::from_str(crate::seed::baseline_manifest_text(*family)) {
            data.baselines.push((*family, v));
        }
    }
    let Some(id) = recipe_id else { return Ok(data) };
    let recipe = store.recipe(id).await?;
    let versions = store.versions(id).await?;
    data.manifest = versions.first().map(|v| v.manifest_json.clone());
    data.versions = versions
        .iter()
        .map(|v| VersionInfo {
            number: v.version_number.clone(),
            note: v.change_note.clone(),
            created_by: v.created_by.clone(),
            manifest: v.manifest_json.clone(),
        })
        .collect();
    data.monitoring = monitoring_of(store, id).await?;
    data.recipe = Some(recipe);
    Ok(data)
}

/// The monitoring of the recipe's model in production (else its newest model).
async fn monitoring_of(store: &dyn Store, recipe_id: i64) -> StoreResult<Option<MonitoringInfo>> {
    let models = store
        .list_models(&ModelQuery {
            recipe_id: Some(recipe_id),
            limit: 100,
            ..Default::default()
        })
        .await?
        .items;
    let Some(model) = models
        .iter()
        .find(|m| m.status == ModelStatus::Production)
        .or(models.last())
    else {
        return Ok(None);
    };
    let Some(latest) = store.snapshots(model.id, 1).await?.into_iter().next() else {
        return Ok(None);
    };
    let open_alerts = latest
        .alerts_json
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| AlertInfo {
            rule: a["rule"].as_str().unwrap_or("alert").to_string(),
            severity: a["severity"].as_str().unwrap_or("warning").to_string(),
            message: a["message"].as_str().unwrap_or("").to_string(),
        })
        .collect();
    Ok(Some(MonitoringInfo {
        model_name: model.name.clone(),
        latest_performance: latest.performance_metrics_json,
        latest_drift: latest.drift_metrics_json,
        freshness: latest.data_freshness_json,
        open_alerts,
    }))
}

/// What applying a proposal did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Applied {
    pub recipe_id: i64,
    pub recipe: String,
    pub version: String,
    pub message: String,
}

/// Applies a proposal as a new version (or a new recipe), with a note that
/// quotes the request. Validated like any edit.
pub async fn apply(
    store: &dyn Store,
    data: &ChatData,
    proposal: &Proposal,
    request: &str,
    actor: &str,
) -> StoreResult<Applied> {
    let note = format!("Chat: \"{}\"", request.trim());
    match proposal {
        Proposal::Edit { patch, .. } => {
            let (Some(recipe), Some(manifest)) = (&data.recipe, &data.manifest) else {
                return Err(StoreError::refused(
                    "no recipe is open to apply the change to",
                ));
            };
            let changed =
                crate::domain::diff::apply_patch(manifest, patch).map_err(StoreError::Refused)?;
            let outcome = store
                .commit_version(
                    NewVersion {
                        recipe_id: recipe.id,
                        manifest: changed,
                        bump: Default::default(),
                        change_note: note,
                        parent_version_id: None,
                    },
                    actor,
                )
                .await?;
            let v = outcome.version();
            Ok(Applied {
                recipe_id: recipe.id,
                recipe: recipe.name.clone(),
                version: v.version_number.clone(),
                message: format!("saved '{}' {}", recipe.name, v.version_number),
            })
        }
        Proposal::NewRecipe {
            family,
            name,
            manifest,
            ..
        } => {
            let baseline_name = crate::seed::baseline_name(*family)?;
            let baseline = store.find_recipe(&baseline_name).await?;
            let recipe = store
                .create_recipe(
                    NewRecipe {
                        name: name.clone(),
                        model_family: *family,
                        level: RecipeLevel::Industry,
                        parent_id: Some(baseline.id),
                        tags: vec![family.to_string()],
                        manifest: manifest.clone(),
                        change_note: note,
                        approved: false,
                    },
                    actor,
                )
                .await?;
            Ok(Applied {
                recipe_id: recipe.id,
                recipe: recipe.name.clone(),
                version: "1.0.0".into(),
                message: format!("created '{}' 1.0.0 from '{}'", recipe.name, baseline.name),
            })
        }
    }
}

/// The request a language model gets: the manifest, the schema, the
/// conversation so far and the new message.
pub fn llm_request(
    data: &ChatData,
    history: &[crate::store::ChatMessage],
    message: &str,
) -> crate::llm::LlmRequest {
    use crate::llm::{LlmRequest, Role};
    LlmRequest {
        manifest: data.manifest.clone(),
        schema: crate::domain::manifest::SCHEMA_TEXT.to_string(),
        history: history
            .iter()
            .rev()
            .take(12)
            .rev()
            .map(|m| {
                (
                    if m.role == crate::domain::ChatRole::User {
                        Role::User
                    } else {
                        Role::Assistant
                    },
                    m.text.clone(),
                )
            })
            .collect(),
        message: message.to_string(),
    }
}

/// A validated language-model answer as a proposal the app and CLI show.
pub fn llm_proposal(answer: &crate::llm::LlmAnswer) -> Option<Proposal> {
    answer.patch.as_ref().map(|patch| Proposal::Edit {
        patch: patch.clone(),
        summary: answer.summary(),
    })
}
