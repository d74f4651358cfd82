//! Operations made of several store calls, shared by the CLI and the app.

use crate::domain::RecipeLevel;
use crate::store::{NewRecipe, Recipe, Store, StoreError, StoreResult};
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

/// A newer approved parent version a child could rebase on.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParentUpdate {
    pub parent: String,
    pub pinned: String,
    pub available: String,
}

/// "parent 1.2.0 available": the parent's newest approved version, when the
/// child's latest version is pinned to an older one.
pub async fn parent_update(store: &dyn Store, child: &Recipe) -> StoreResult<Option<ParentUpdate>> {
    let Some(parent_id) = child.parent_id else {
        return Ok(None);
    };
    let parent = store.recipe(parent_id).await?;
    let latest = store.version(child.id, None).await?;
    let (Some(pinned), Some(available)) = (latest.parent_version_number, parent.approved_version)
    else {
        return Ok(None);
    };
    let newer = match (
        semver::Version::parse(&pinned),
        semver::Version::parse(&available),
    ) {
        (Ok(p), Ok(a)) => a > p,
        _ => false,
    };
    Ok(newer.then_some(ParentUpdate {
        parent: parent.name,
        pinned,
        available,
    }))
}

/// What a rebase would do, before doing it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RebasePreview {
    pub recipe: String,
    pub parent: String,
    pub from: String,
    pub to: String,
    pub to_version_id: i64,
    pub plan: crate::domain::inheritance::RebasePlan,
    /// RFC 6902 patch from the child's latest manifest to the rebased one.
    pub patch: json_patch::Patch,
    pub current: Value,
}

/// Plans moving `child` onto its parent's version `to` (default: the newest approved).
pub async fn plan_rebase(
    store: &dyn Store,
    child: &Recipe,
    to: Option<&str>,
) -> StoreResult<RebasePreview> {
    let Some(parent_id) = child.parent_id else {
        return Err(StoreError::refused(format!(
            "'{}' is a baseline: it has no parent to rebase on",
            child.name
        )));
    };
    let parent = store.recipe(parent_id).await?;
    let latest = store.version(child.id, None).await?;
    let old = match latest.parent_version_id {
        Some(id) => store.version_by_id(id).await?,
        None => {
            return Err(StoreError::refused(format!(
                "'{}' has no pinned parent version",
                child.name
            )));
        }
    };
    let target_number = match to {
        Some(v) => Some(v.to_string()),
        None => parent.approved_version.clone(),
    };
    let Some(target_number) = target_number else {
        return Err(StoreError::refused(format!(
            "'{}' has no approved version to rebase on",
            parent.name
        )));
    };
    let target = store.version(parent.id, Some(&target_number)).await?;
    if !target.is_approved() {
        return Err(StoreError::refused(format!(
            "version {} of '{}' is not approved: children rebase only on approved versions",
            target.version_number, parent.name
        )));
    }
    let plan = crate::domain::inheritance::rebase(
        &old.manifest_json,
        &target.manifest_json,
        &latest.manifest_json,
    );
    Ok(RebasePreview {
        recipe: child.name.clone(),
        parent: parent.name,
        from: old.version_number,
        to: target.version_number.clone(),
        to_version_id: target.version_id,
        patch: crate::domain::diff::json_patch(&latest.manifest_json, &plan.manifest),
        current: latest.manifest_json,
        plan,
    })
}

/// Commits a planned rebase as the child's next version.
pub async fn apply_rebase(
    store: &dyn Store,
    child: &Recipe,
    preview: &RebasePreview,
    actor: &str,
) -> StoreResult<crate::store::CommitOutcome> {
    let note = crate::domain::inheritance::rebase_note(
        &preview.parent,
        &preview.from,
        &preview.to,
        &preview.plan.conflicts,
    );
    store
        .commit_version(
            crate::store::NewVersion {
                recipe_id: child.id,
                manifest: preview.plan.manifest.clone(),
                bump: crate::domain::version::BumpChoice::Auto,
                change_note: note,
                parent_version_id: Some(preview.to_version_id),
            },
            actor,
        )
        .await
}
