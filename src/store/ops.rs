//! Operations made of several store calls, shared by the CLI and the app.

use super::{NewRecipe, Recipe, Store, StoreError, StoreResult};
use crate::domain::RecipeLevel;
use serde_json::Value;

/// Creates a child of `parent` one level below it (or at `level`), pinned to the
/// parent's latest approved version (else its latest), with the child's name
/// written into the manifest's metadata.
pub async fn clone_recipe(
    store: &dyn Store,
    parent: &Recipe,
    name: &str,
    level: Option<RecipeLevel>,
    tags: Option<Vec<String>>,
    actor: &str,
) -> StoreResult<Recipe> {
    let level = match level.or(parent.level.child_level()) {
        Some(l) => l,
        None => {
            return Err(StoreError::refused(format!(
                "'{}' is a client recipe: there is no level below it to clone into",
                parent.name
            )));
        }
    };
    let pinned = parent
        .approved_version
        .clone()
        .or(parent.latest_version.clone());
    let version = store.version(parent.id, pinned.as_deref()).await?;
    let mut manifest = version.manifest_json.clone();
    if let Some(meta) = manifest.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("name".into(), Value::String(name.trim().to_string()));
    }
    store
        .create_recipe(
            NewRecipe {
                name: name.to_string(),
                model_family: parent.model_family,
                level,
                parent_id: Some(parent.id),
                tags: tags.unwrap_or(parent.tags.clone()),
                manifest,
                change_note: format!("Cloned from '{}' {}", parent.name, version.version_number),
                approved: false,
            },
            actor,
        )
        .await
}
