//! Recipes and their versions: create, rename, archive, delete, commit,
//! approve, clone and rebase.

use super::changes::{
    ApproveVersion, CloneRecipe, CreateRecipe, DeleteRecipe, FirstManifest, MoveRecipe,
    StartingPoint, UpdateRecipe,
};
use super::{Conflict, Service, ServiceError, ServiceResult, Work, invalid, plural, refuse_nul};
use crate::domain::canonical::{canonical, canonical_edit};
use crate::domain::kinds::{Bump, check_parent_level};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::version::{BumpChoice, bumped, first_version};
use crate::domain::{ModelFamily, RecipeStatus, diff, inheritance, manifest, merge, names};
use crate::store::{
    CommitOutcome, EditConflict, LockedTable, MergedOnto, NewRecipe, NewVersion, Recipe,
    RecipeChanges, RecipeRow, RecipeVersion, SyntheticExample, VersionRow,
};
use serde_json::{Value, json};

/// An edit of `base` replayed onto `latest`, saved since: the merged
/// manifest, or the conflict that names each place both changed.
fn merge_onto_latest(
    recipe: &Recipe,
    base: &RecipeVersion,
    latest: &RecipeVersion,
    mine: &Value,
) -> ServiceResult<(Value, MergedOnto)> {
    let merge = merge::three_way(&base.manifest_json, mine, &latest.manifest_json);
    if !merge.is_clean() {
        return Err(ServiceError::Conflict(Conflict::Edit(Box::new(
            EditConflict {
                recipe_id: recipe.id,
                recipe: recipe.name.clone(),
                base: base.version_number.clone(),
                latest: latest.version_number.clone(),
                latest_by: latest.created_by.clone(),
                latest_at: latest.created_at,
                conflicts: merge.conflicts,
                merged: merge.merged,
                latest_manifest: latest.manifest_json.clone(),
            },
        ))));
    }
    Ok((
        merge.merged,
        MergedOnto {
            base: base.version_number.clone(),
            latest: latest.version_number.clone(),
            replayed: merge.replayed,
        },
    ))
}

/// A merged save's note says what it was made from.
fn merged_note(note: &str, merged: &MergedOnto) -> String {
    let from = format!("edited from {}, merged onto {}", merged.base, merged.latest);
    match note.trim() {
        "" => from,
        note => format!("{note} ({from})"),
    }
}

/// "/metadata/model_family" must agree with the recipe's family.
fn check_family(manifest: &Value, recipe_family: ModelFamily) -> ServiceResult<()> {
    match manifest
        .pointer("/metadata/model_family")
        .and_then(Value::as_str)
    {
        Some(f) if f == recipe_family.as_str() => Ok(()),
        Some(f) => Err(invalid(format!(
            "/metadata/model_family: the manifest says '{f}' but the recipe is {recipe_family}"
        ))),
        None => Ok(()),
    }
}

pub(super) fn refuse_archived(recipe: &Recipe, what: &str) -> ServiceResult<()> {
    if crate::domain::refusals::archived(recipe.status).is_some() {
        return Err(invalid(format!(
            "recipe '{}' is archived: it cannot {what} (restore it first)",
            recipe.name
        )));
    }
    Ok(())
}

/// The parent version a new child pins and starts from: the approved one
/// (pending changes are not the child's to inherit yet), else the latest.
fn pinned_for_children(parent: &Recipe) -> Option<&str> {
    parent
        .approved_version
        .as_deref()
        .or(parent.latest_version.as_deref())
}

fn check_name(name: &str) -> ServiceResult<String> {
    names::check_name("recipe", name).map_err(ServiceError::Invalid)
}

/// A newer approved parent version a child could rebase on.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParentUpdate {
    pub parent: String,
    pub pinned: String,
    pub available: String,
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
    /// The child's version the plan was made from: a version saved since is
    /// merged with it, never overwritten.
    pub child_version: String,
}

impl Work {
    async fn set_recipe_status_in(
        &mut self,
        recipe: &Recipe,
        to: RecipeStatus,
        actor: &str,
    ) -> ServiceResult<()> {
        recipe.status.check_transition(to)?;
        let at = self.at;
        self.set_recipe_status(recipe.id, to, at).await?;
        self.audit(
            actor,
            "recipe",
            recipe.id,
            "status",
            json!({"from": recipe.status, "to": to}),
        )
        .await
    }

    async fn insert_version_audited(&mut self, row: VersionRow<'_>) -> ServiceResult<i64> {
        let id = self.insert_version(&row).await?;
        self.audit(
            row.actor,
            "recipe_version",
            id,
            "create",
            json!({"recipe_id": row.recipe_id, "version": row.number.to_string(), "bump": row.bump.as_str(), "note": row.note}),
        )
        .await?;
        Ok(id)
    }

    async fn approve_in(
        &mut self,
        version: &RecipeVersion,
        recipe_id: i64,
        actor: &str,
    ) -> ServiceResult<()> {
        let at = self.at;
        self.insert_approval(version.version_id, recipe_id, actor, at)
            .await?;
        self.audit(
            actor,
            "recipe_version",
            version.version_id,
            "approve",
            json!({"recipe_id": recipe_id, "version": version.version_number}),
        )
        .await
    }
}

/// A recipe as its screen shows it.
#[derive(Debug, Clone)]
pub struct RecipeDetail {
    pub recipe: Recipe,
    /// Root first: baseline, industry, ... up to the parent.
    pub ancestors: Vec<Recipe>,
    pub children: Vec<Recipe>,
    pub versions: Vec<RecipeVersion>,
    pub example: Option<SyntheticExample>,
    /// "parent 1.2.0 available".
    pub parent_update: Option<ParentUpdate>,
    /// For each level of the chain below the baseline (root first): its name
    /// and the JSON pointers its overlay sets.
    pub level_keys: Vec<(String, Vec<String>)>,
    /// Why it cannot be deleted now (children, models or runs), if so.
    pub deletion_blocked: Option<String>,
}

impl Service {
    /// A recipe with everything its screen and `recipe show` need: its
    /// chain of ancestors, children, versions, example, what each level
    /// sets, and whether the parent moved on.
    pub async fn recipe_detail(&self, id: i64) -> ServiceResult<RecipeDetail> {
        let mut store = self.store().read().await?;
        let recipe = store.recipe(id).await?;
        let ancestors = store.ancestors(id).await?;
        let mut level_keys = Vec::new();
        for r in ancestors
            .iter()
            .chain(std::iter::once(&recipe))
            .filter(|r| r.parent_id.is_some())
        {
            let v = store.version(r, None).await?;
            let keys = v
                .overlay_json
                .as_ref()
                .map(crate::domain::inheritance::overlay_paths)
                .unwrap_or_default();
            level_keys.push((r.name.clone(), keys));
        }
        let deletion_blocked = deletion_blocked(&recipe.name, &store.dependents(id).await?);
        Ok(RecipeDetail {
            level_keys,
            deletion_blocked,
            children: store.children(id).await?,
            versions: store.versions(id).await?,
            example: store.example(id).await?,
            parent_update: self.parent_update(&recipe).await?,
            ancestors,
            recipe,
        })
    }

    /// The first manifest of a new recipe named `name`, from a starting
    /// point, with the name written into its metadata.
    pub async fn starting_manifest(
        &self,
        name: &str,
        family: ModelFamily,
        parent_id: Option<i64>,
        start: StartingPoint,
    ) -> ServiceResult<Value> {
        let mut manifest: Value = match (start, parent_id) {
            (StartingPoint::Parent, Some(p)) => {
                let parent = self.store().recipe(p).await?;
                let pinned = pinned_for_children(&parent);
                self.store().version(p, pinned).await?.manifest_json
            }
            (StartingPoint::Parent, None) => {
                return Err(invalid("starting from the parent needs a parent recipe"));
            }
            (StartingPoint::Baseline, _) => {
                serde_json::from_str(crate::baselines::baseline_manifest_text(family))
                    .map_err(|e| invalid(format!("baseline manifest: {e}")))?
            }
            (StartingPoint::Skeleton, _) => manifest::skeleton(family),
        };
        if let Some(meta) = manifest.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("name".into(), Value::String(name.trim().to_string()));
        }
        Ok(manifest)
    }

    /// A new recipe as a person asks for one: its first manifest given or
    /// from a starting point (with its name written in), not yet approved.
    pub async fn new_recipe(&self, change: CreateRecipe, actor: &str) -> ServiceResult<Recipe> {
        let manifest = match change.first {
            FirstManifest::Given(manifest) => manifest,
            FirstManifest::From(start) => {
                self.starting_manifest(&change.name, change.family, change.parent, start)
                    .await?
            }
        };
        let new = NewRecipe {
            name: change.name,
            model_family: change.family,
            level: change.level,
            parent_id: change.parent,
            tags: change.tags,
            manifest,
            change_note: change.note,
            approved: false,
        };
        self.create_recipe(new, actor).await
    }

    /// A new recipe with its first version (1.0.0), pinned to its parent's
    /// approved version (else its latest) when it has a parent.
    pub async fn create_recipe(&self, new: NewRecipe, actor: &str) -> ServiceResult<Recipe> {
        let mut w = self.begin().await?;
        let recipe = self.create_recipe_in(&mut w, new, actor).await?;
        w.commit().await?;
        Ok(recipe)
    }

    pub(super) async fn create_recipe_in(
        &self,
        w: &mut Work,
        new: NewRecipe,
        actor: &str,
    ) -> ServiceResult<Recipe> {
        self.check_manifest(&new.manifest)?;
        refuse_nul("a change note", &new.change_note)?;
        check_family(&new.manifest, new.model_family)?;
        let name = check_name(&new.name)?;
        let parent = match new.parent_id {
            Some(id) => {
                w.lock(LockedTable::Recipe, id).await?;
                Some(w.recipe(id).await?)
            }
            None => None,
        };
        check_parent_level(new.level, parent.as_ref().map(|p| p.level))
            .map_err(ServiceError::Invalid)?;
        let mut pinned = None;
        if let Some(p) = &parent {
            refuse_archived(p, "get new child recipes")?;
            if p.model_family != new.model_family {
                return Err(invalid(format!(
                    "a child of '{}' must be a {} recipe, not {}",
                    p.name, p.model_family, new.model_family
                )));
            }
            pinned = Some(w.version(p, pinned_for_children(p)).await?);
        }
        // Stored in canonical form, spelled like the parent where it agrees.
        let manifest = match &pinned {
            Some(parent) => canonical_edit(&new.manifest, &parent.manifest_json),
            None => canonical(&new.manifest),
        };
        let status = if new.approved {
            RecipeStatus::Approved
        } else {
            RecipeStatus::Draft
        };
        let at = w.at;
        let id = w
            .insert_recipe(&RecipeRow {
                name: &name,
                model_family: new.model_family,
                level: new.level,
                status,
                parent_id: new.parent_id,
                tags: &new.tags,
                actor,
                at,
            })
            .await?;
        w.audit(
            actor,
            "recipe",
            id,
            "create",
            json!({
                "name": name, "model_family": new.model_family, "level": new.level,
                "parent_id": new.parent_id, "tags": new.tags,
            }),
        )
        .await?;
        let version = first_version();
        let version_id = w
            .insert_version_audited(VersionRow {
                recipe_id: id,
                number: version,
                manifest: &manifest,
                diff_from_prev: json!([]),
                parent_version_id: pinned.as_ref().map(|v| v.version_id),
                overlay: pinned
                    .as_ref()
                    .map(|v| inheritance::overlay(&v.manifest_json, &manifest)),
                bump: Bump::Initial,
                note: &new.change_note,
                actor,
                at,
            })
            .await?;
        if new.approved {
            let v = w.version_by_id(version_id).await?;
            w.approve_in(&v, id, actor).await?;
        }
        Ok(w.recipe(id).await?)
    }

    /// Renames or retags a recipe.
    pub async fn update_recipe(&self, change: UpdateRecipe, actor: &str) -> ServiceResult<Recipe> {
        let UpdateRecipe {
            recipe: id,
            name,
            tags,
        } = change;
        if name.is_none() && tags.is_none() {
            return Err(invalid("nothing to change: give a name or tags"));
        }
        let changes = RecipeChanges { name, tags };
        let mut w = self.begin().await?;
        w.lock(LockedTable::Recipe, id).await?;
        let before = w.recipe(id).await?;
        let name = match &changes.name {
            Some(n) => check_name(n)?,
            None => before.name.clone(),
        };
        let tags = changes.tags.clone().unwrap_or(before.tags.clone());
        let at = w.at;
        w.update_recipe(id, &name, &tags, at).await?;
        w.audit(
            actor,
            "recipe",
            id,
            "update",
            json!({
                "from": {"name": before.name, "tags": before.tags},
                "to": {"name": name, "tags": tags},
            }),
        )
        .await?;
        let recipe = w.recipe(id).await?;
        w.commit().await?;
        Ok(recipe)
    }

    /// Deletes a recipe nothing depends on; the refusal names what does.
    pub async fn delete_recipe(&self, change: DeleteRecipe, actor: &str) -> ServiceResult<()> {
        let id = change.recipe;
        let mut w = self.begin().await?;
        w.lock(LockedTable::Recipe, id).await?;
        let recipe = w.recipe(id).await?;
        let d = w.dependents(id).await?;
        if let Some(why) = deletion_blocked(&recipe.name, &d) {
            return Err(invalid(why));
        }
        w.audit(actor, "recipe", id, "delete", json!({"name": recipe.name}))
            .await?;
        w.delete_recipe(id).await?;
        w.commit().await
    }
}

/// Why a recipe with these dependents cannot be deleted; None when it can.
pub fn deletion_blocked(name: &str, d: &crate::store::Dependents) -> Option<String> {
    let mut blockers = Vec::new();
    if !d.children.is_empty() {
        blockers.push(format!(
            "{} ({})",
            plural(d.children.len() as i64, "child recipe"),
            d.children.join(", ")
        ));
    }
    if !d.models.is_empty() {
        blockers.push(format!(
            "{} ({})",
            plural(d.models.len() as i64, "model"),
            d.models.join(", ")
        ));
    }
    if d.runs > 0 {
        blockers.push(plural(d.runs, "run"));
    }
    (!blockers.is_empty()).then(|| {
        format!(
            "recipe '{name}' cannot be deleted: {} depend on it",
            blockers.join(", ")
        )
    })
}

impl Service {
    /// Archives or restores a recipe (approval goes through a version),
    /// refused when it is no longer in the status its author saw.
    pub async fn move_recipe(&self, change: MoveRecipe, actor: &str) -> ServiceResult<Recipe> {
        let MoveRecipe {
            recipe: id,
            to,
            seen,
        } = change;
        if to == RecipeStatus::Approved {
            return Err(invalid("recipes are approved by approving a version"));
        }
        let mut w = self.begin().await?;
        w.lock(LockedTable::Recipe, id).await?;
        let recipe = w.recipe(id).await?;
        if let Some(seen) = seen.filter(|s| *s != recipe.status) {
            let history = w.session.audit("recipe", id).await?;
            let last_move = history.iter().rev().find(|e| e.action == "status");
            return Err(ServiceError::moved_since(
                "recipe",
                &recipe.name,
                recipe.status,
                seen,
                last_move,
            ));
        }
        w.set_recipe_status_in(&recipe, to, actor).await?;
        let recipe = w.recipe(id).await?;
        w.commit().await?;
        Ok(recipe)
    }

    /// A new version when the manifest differs from the latest (else
    /// "unchanged"), numbered by the bump its changes call for.
    pub async fn commit_version(
        &self,
        new: NewVersion,
        actor: &str,
    ) -> ServiceResult<CommitOutcome> {
        let mut w = self.begin().await?;
        let outcome = self.commit_version_in(&mut w, new, actor).await?;
        if let CommitOutcome::Created { .. } = outcome {
            w.commit().await?;
        }
        Ok(outcome)
    }

    pub(super) async fn commit_version_in(
        &self,
        w: &mut Work,
        new: NewVersion,
        actor: &str,
    ) -> ServiceResult<CommitOutcome> {
        self.check_manifest(&new.manifest)?;
        refuse_nul("a change note", &new.change_note)?;
        // Concurrent commits of one recipe queue here and number in turn.
        w.lock(LockedTable::Recipe, new.recipe_id).await?;
        let recipe = w.recipe(new.recipe_id).await?;
        refuse_archived(&recipe, "get new versions")?;
        check_family(&new.manifest, recipe.model_family)?;
        let latest = w.version(&recipe, None).await?;
        let (manifest, merged_onto) = match new.base_version.as_deref() {
            Some(base) if base != latest.version_number => {
                let base = w.version(&recipe, Some(base)).await?;
                // A number only respelled since the base is no edit to merge.
                let mine = canonical_edit(&new.manifest, &base.manifest_json);
                let merged = merge_onto_latest(&recipe, &base, &latest, &mine)?;
                self.check_manifest(&merged.0)?;
                (merged.0, Some(merged.1))
            }
            _ => (new.manifest, None),
        };
        // Stored in canonical form: a number only respelled stays as it was.
        let manifest = canonical_edit(&manifest, &latest.manifest_json);
        let parent_version_id = new.parent_version_id.or(latest.parent_version_id);
        if manifest::same(&latest.manifest_json, &manifest)
            && parent_version_id == latest.parent_version_id
        {
            return Ok(CommitOutcome::Unchanged {
                version: Box::new(latest),
            });
        }
        let overlay = match parent_version_id {
            Some(pv) => {
                let parent = w.version_by_id(pv).await?;
                Some(inheritance::overlay(&parent.manifest_json, &manifest))
            }
            None => None,
        };
        let at = w.at;
        w.touch_recipe(recipe.id, at).await?;
        let bump = new.bump.resolve(&latest.manifest_json, &manifest);
        let patch = serde_json::to_value(diff::json_patch(&latest.manifest_json, &manifest))
            .unwrap_or(json!([]));
        let note = match &merged_onto {
            Some(m) => merged_note(&new.change_note, m),
            None => new.change_note,
        };
        let id = w
            .insert_version_audited(VersionRow {
                recipe_id: recipe.id,
                number: bumped(&latest.semver(), bump),
                manifest: &manifest,
                diff_from_prev: patch,
                parent_version_id,
                overlay,
                bump,
                note: &note,
                actor,
                at,
            })
            .await?;
        let version = w.version_by_id(id).await?;
        Ok(CommitOutcome::Created {
            version: Box::new(version),
            merged_onto,
        })
    }

    /// Approves a version (the latest when `None`); a draft recipe becomes
    /// approved with its first approved version. Four-eyes when configured.
    pub async fn approve_version(
        &self,
        change: ApproveVersion,
        actor: &str,
    ) -> ServiceResult<RecipeVersion> {
        let ApproveVersion {
            recipe: recipe_id,
            version: number,
        } = change;
        let number = number.as_deref();
        let mut w = self.begin().await?;
        w.lock(LockedTable::Recipe, recipe_id).await?;
        let recipe = w.recipe(recipe_id).await?;
        refuse_archived(&recipe, "be approved")?;
        let version = w.version(&recipe, number).await?;
        if let (Some(_), Some(by), Some(at)) = (
            crate::domain::refusals::approved_already(version.approved_by.as_deref()),
            &version.approved_by,
            version.approved_at,
        ) {
            return Err(invalid(format!(
                "version {} of '{}' is already approved (by {by} at {})",
                version.version_number,
                recipe.name,
                at.format("%Y-%m-%d %H:%M UTC")
            )));
        }
        if let Some(why) = self.governance.approval_refusal(
            &version.created_by,
            actor,
            &version.version_number,
            &recipe.name,
        ) {
            return Err(ServiceError::forbidden(why));
        }
        w.approve_in(&version, recipe.id, actor).await?;
        if recipe.status == RecipeStatus::Draft {
            w.set_recipe_status_in(&recipe, RecipeStatus::Approved, actor)
                .await?;
        } else {
            let at = w.at;
            w.touch_recipe(recipe.id, at).await?;
        }
        let version = w.version_by_id(version.version_id).await?;
        w.commit().await?;
        Ok(version)
    }

    /// Creates a child of `parent` one level below it (or at `level`), pinned
    /// to the parent's latest approved version (else its latest), with the
    /// child's name written into the manifest's metadata.
    pub async fn clone_recipe(&self, change: CloneRecipe, actor: &str) -> ServiceResult<Recipe> {
        let CloneRecipe {
            parent,
            name,
            level,
            tags,
        } = change;
        let parent = &self.store().recipe(parent).await?;
        let Some(level) = level.or(parent.level.child_level()) else {
            return Err(invalid(format!(
                "'{}' is a client recipe: there is no level below it to clone into",
                parent.name
            )));
        };
        let version = self
            .store()
            .version(parent.id, pinned_for_children(parent))
            .await?;
        let mut manifest = version.manifest_json.clone();
        if let Some(meta) = manifest.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("name".into(), Value::String(name.trim().to_string()));
            // An industry clone of a baseline is not tagged "baseline".
            if let Some(Value::Array(tags)) = meta.get("tags") {
                let texts: Vec<String> = tags
                    .iter()
                    .filter_map(|t| t.as_str().map(String::from))
                    .collect();
                if texts.len() == tags.len() {
                    meta.insert("tags".into(), serde_json::json!(level.retag(&texts)));
                }
            }
        }
        self.create_recipe(
            NewRecipe {
                name: name.to_string(),
                model_family: parent.model_family,
                level,
                parent_id: Some(parent.id),
                tags: tags.unwrap_or_else(|| level.retag(&parent.tags)),
                manifest,
                change_note: format!("Cloned from '{}' {}", parent.name, version.version_number),
                approved: false,
            },
            actor,
        )
        .await
    }

    /// "parent 1.2.0 available": the parent's newest approved version, when
    /// the child's latest version is pinned to an older one.
    pub async fn parent_update(&self, child: &Recipe) -> ServiceResult<Option<ParentUpdate>> {
        let Some(parent_id) = child.parent_id else {
            return Ok(None);
        };
        let mut s = self.store().read().await?;
        let parent = s.recipe(parent_id).await?;
        let latest = s.version(child, None).await?;
        let (Some(pinned), Some(available)) =
            (latest.parent_version_number, parent.approved_version)
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

    /// Plans moving `child` onto its parent's version `to` (default: the
    /// newest approved).
    pub async fn plan_rebase(
        &self,
        child: &Recipe,
        to: Option<&str>,
    ) -> ServiceResult<RebasePreview> {
        let (None, Some(parent_id)) = (
            crate::domain::refusals::no_parent(child.parent_id),
            child.parent_id,
        ) else {
            return Err(invalid(format!(
                "'{}' is a baseline: it has no parent to rebase on",
                child.name
            )));
        };
        let mut s = self.store().read().await?;
        let parent = s.recipe(parent_id).await?;
        let latest = s.version(child, None).await?;
        let Some(old_id) = latest.parent_version_id else {
            return Err(invalid(format!(
                "'{}' has no pinned parent version",
                child.name
            )));
        };
        let old = s.version_by_id(old_id).await?;
        let Some(target_number) = to.map(str::to_string).or(parent.approved_version.clone()) else {
            return Err(invalid(format!(
                "'{}' has no approved version to rebase on",
                parent.name
            )));
        };
        let target = s.version(&parent, Some(&target_number)).await?;
        if !target.is_approved() {
            return Err(invalid(format!(
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
            patch: diff::json_patch(&latest.manifest_json, &plan.manifest),
            current: latest.manifest_json,
            child_version: latest.version_number,
            plan,
        })
    }

    /// Commits a planned rebase as the child's next version.
    pub async fn apply_rebase(
        &self,
        child: &Recipe,
        preview: &RebasePreview,
        actor: &str,
    ) -> ServiceResult<CommitOutcome> {
        let note = crate::domain::inheritance::rebase_note(
            &preview.parent,
            &preview.from,
            &preview.to,
            &preview.plan.conflicts,
        );
        self.commit_version(
            NewVersion {
                recipe_id: child.id,
                manifest: preview.plan.manifest.clone(),
                bump: BumpChoice::Auto,
                change_note: note,
                parent_version_id: Some(preview.to_version_id),
                base_version: Some(preview.child_version.clone()),
            },
            actor,
        )
        .await
    }
}
