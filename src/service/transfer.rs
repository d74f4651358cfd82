//! Recipes out to files and back in (`recipe export`, `recipe import`): the
//! files keep every version with its number, note, author and approval.
//!
//! Files are anyone's to edit, so an import creates no authority its
//! importer could not create directly: versions arrive as the importer's
//! and recorded approvals are dropped, unless the importer keeps them
//! (`--keep-approvals`), which takes the importer being allowed to approve
//! each one under the four-eyes rule and is audited as "approval recorded
//! by X, imported by Y". Every name in the files meets `--user`'s rules.

use super::{Service, ServiceError, ServiceResult, Work, invalid};
use crate::domain::kinds::Bump;
use crate::domain::version::BumpChoice;
use crate::domain::{ModelFamily, RecipeLevel, RecipeStatus, diff, inheritance, manifest, names};
use crate::recipe_files::{RecipeFiles, RecipeMeta, VersionFiles, VersionMeta};
use crate::store::{
    CommitOutcome, NewExample, NewVersion, Recipe, RecipeQuery, RecipeRow, RecipeVersion,
    StoreError, VersionRow,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What an import did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub created: Vec<String>,
    pub appended: Vec<String>,
    pub approved: Vec<String>,
    /// Approvals in the files that were not kept (no `--keep-approvals`).
    pub approvals_dropped: Vec<String>,
    pub unchanged: Vec<String>,
}

/// Who an import acts as, and whether it keeps recorded approvals.
#[derive(Debug, Clone, Copy)]
pub struct Importer<'a> {
    pub user: &'a str,
    pub keep_approvals: bool,
}

/// A recipe versions are imported into, with its parent (which they may
/// pin).
#[derive(Clone, Copy)]
struct Lineage<'a> {
    recipe: &'a Recipe,
    parent: Option<&'a Recipe>,
}

/// A recorded approval an import keeps.
struct KeptApproval {
    by: String,
    at: chrono::DateTime<chrono::Utc>,
}

impl Service {
    /// The recipes named (every recipe when none is), as files.
    pub async fn export_recipes(&self, references: &[String]) -> ServiceResult<Vec<RecipeFiles>> {
        let mut s = self.store().read().await?;
        let recipes: Vec<Recipe> = if references.is_empty() {
            s.list_recipes(&RecipeQuery {
                limit: 100_000,
                ..Default::default()
            })
            .await?
            .items
        } else {
            let mut out = Vec::new();
            for r in references {
                out.push(s.find_recipe(r).await?);
            }
            out
        };
        let mut files = Vec::with_capacity(recipes.len());
        for recipe in recipes {
            let mut versions = s.versions(recipe.id).await?;
            versions.reverse();
            let example = s.example(recipe.id).await?.map(|e| {
                json!({
                    "dataset_schema": e.dataset_schema_json,
                    "sample_rows": e.sample_rows_json,
                    "example_run": e.example_run_json,
                })
            });
            files.push(RecipeFiles {
                meta: RecipeMeta {
                    name: recipe.name.clone(),
                    model_family: recipe.model_family.to_string(),
                    level: recipe.level.to_string(),
                    status: recipe.status.to_string(),
                    parent: recipe.parent_name.clone(),
                    tags: recipe.tags.clone(),
                    created_by: recipe.created_by.clone(),
                    created_at: recipe.created_at,
                },
                versions: versions.into_iter().map(version_files).collect(),
                example,
            });
        }
        Ok(files)
    }

    /// Creates the recipes the database lacks and appends the versions it
    /// lacks, all in one unit of work; any conflict refuses the whole import
    /// with every conflict listed. An edited latest version becomes the next
    /// version (numbered by its changes). `dry_run` does it all and rolls back.
    pub async fn import_recipes(
        &self,
        mut recipes: Vec<RecipeFiles>,
        dry_run: bool,
        importer: Importer<'_>,
    ) -> ServiceResult<ImportReport> {
        let names = check_names(&recipes);
        if !names.is_empty() {
            return Err(invalid(format!(
                "nothing imported: {} name{} in the files {} not a user name: {}",
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                if names.len() == 1 { "is" } else { "are" },
                names.join("; ")
            )));
        }
        // Parents before children.
        recipes.sort_by_key(|r| (level_rank(&r.meta.level), r.meta.name.clone()));
        let mut report = ImportReport {
            dry_run,
            ..Default::default()
        };
        let mut conflicts = Vec::new();
        let mut w = self.begin().await?;
        for files in &recipes {
            let outcome = match w.find_recipe(&files.meta.name).await {
                Ok(existing) => {
                    self.merge_into(&mut w, &existing, files, &mut report, importer)
                        .await
                }
                Err(StoreError::NotFound { .. }) => {
                    self.create_from(&mut w, files, &mut report, importer).await
                }
                Err(e) => return Err(e.into()),
            };
            match outcome {
                Ok(()) => {}
                Err(
                    ServiceError::Invalid(why)
                    | ServiceError::Exists(why)
                    | ServiceError::Forbidden(why),
                ) => conflicts.push(why),
                Err(ServiceError::Manifest(e)) => {
                    conflicts.push(format!("'{}': {e}", files.meta.name))
                }
                Err(e) => return Err(e),
            }
        }
        if !conflicts.is_empty() {
            return Err(invalid(format!(
                "nothing imported: {} conflict{}: {}",
                conflicts.len(),
                if conflicts.len() == 1 { "" } else { "s" },
                conflicts.join("; ")
            )));
        }
        if !dry_run {
            w.commit().await?;
        }
        Ok(report)
    }

    async fn create_from(
        &self,
        w: &mut Work,
        files: &RecipeFiles,
        report: &mut ImportReport,
        importer: Importer<'_>,
    ) -> ServiceResult<()> {
        let actor = importer.user;
        let meta = &files.meta;
        let name = names::check_name("recipe", &meta.name).map_err(ServiceError::Invalid)?;
        let family: ModelFamily = meta
            .model_family
            .parse()
            .map_err(|e| invalid_field(&name, e))?;
        let level: RecipeLevel = meta.level.parse().map_err(|e| invalid_field(&name, e))?;
        let mut status: RecipeStatus = meta.status.parse().map_err(|e| invalid_field(&name, e))?;
        // Approved is a claim the versions must back: with no approval kept,
        // the recipe arrives a draft.
        let approvals = files
            .versions
            .iter()
            .map(|v| self.kept_approval(&name, v, importer, report))
            .collect::<ServiceResult<Vec<_>>>()?;
        if status == RecipeStatus::Approved && approvals.iter().all(Option::is_none) {
            status = RecipeStatus::Draft;
        }
        let parent = match &meta.parent {
            Some(p) => Some(w.find_recipe(p).await.map_err(|_| {
                invalid(format!(
                    "the parent '{p}' of '{name}' is neither in the database nor in the files"
                ))
            })?),
            None => None,
        };
        crate::domain::kinds::check_parent_level(level, parent.as_ref().map(|p| p.level))
            .map_err(|e| invalid(format!("'{name}': {e}")))?;
        let id = w
            .insert_recipe(&RecipeRow {
                name: &name,
                model_family: family,
                level,
                status,
                parent_id: parent.as_ref().map(|p| p.id),
                tags: &meta.tags,
                actor: if importer.keep_approvals {
                    meta.created_by.trim()
                } else {
                    actor
                },
                at: meta.created_at,
            })
            .await?;
        let recipe = w.recipe(id).await?;
        let into = Lineage {
            recipe: &recipe,
            parent: parent.as_ref(),
        };
        let mut previous: Option<Value> = None;
        for (v, approval) in files.versions.iter().zip(approvals) {
            self.insert_exact(w, into, v, previous.as_ref(), approval, importer, report)
                .await?;
            previous = Some(v.manifest.clone());
        }
        if let Some(example) = &files.example {
            put_example_in(w, id, example).await?;
        }
        w.audit(
            actor,
            "recipe",
            id,
            "import",
            json!({"name": name, "versions": files.versions.iter().map(|v| &v.meta.version).collect::<Vec<_>>()}),
        )
        .await?;
        report.created.push(format!(
            "recipe '{name}' with {} version{}",
            files.versions.len(),
            if files.versions.len() == 1 { "" } else { "s" }
        ));
        Ok(())
    }

    async fn merge_into(
        &self,
        w: &mut Work,
        recipe: &Recipe,
        files: &RecipeFiles,
        report: &mut ImportReport,
        importer: Importer<'_>,
    ) -> ServiceResult<()> {
        let actor = importer.user;
        let in_db: BTreeMap<semver::Version, RecipeVersion> = w
            .versions(recipe.id)
            .await?
            .into_iter()
            .map(|v| (v.semver(), v))
            .collect();
        let latest = in_db.keys().next_back().cloned();
        let parent = match recipe.parent_id {
            Some(p) => Some(w.recipe(p).await?),
            None => None,
        };
        let into = Lineage {
            recipe,
            parent: parent.as_ref(),
        };
        let last_file = files.versions.len().saturating_sub(1);
        let mut previous = in_db.values().next_back().map(|v| v.manifest_json.clone());
        let mut changed = false;
        for (i, v) in files.versions.iter().enumerate() {
            let number = semver::Version::parse(&v.meta.version).map_err(|e| {
                invalid(format!("'{}' version {}: {e}", recipe.name, v.meta.version))
            })?;
            match in_db.get(&number) {
                Some(db) if manifest::same(&db.manifest_json, &v.manifest) => {
                    if db.approved_by.is_none()
                        && let Some(kept) = self.kept_approval_of(
                            &recipe.name,
                            v,
                            &db.created_by,
                            importer,
                            report,
                        )?
                    {
                        self.record_kept_approval(w, recipe, db, &kept, importer, report)
                            .await?;
                        changed = true;
                    }
                }
                // The last version in the files, edited: the next version,
                // merged with any saved since it was exported.
                Some(db) if i == last_file => {
                    let outcome = self
                        .commit_version_in(
                            w,
                            NewVersion {
                                recipe_id: recipe.id,
                                manifest: v.manifest.clone(),
                                bump: BumpChoice::Auto,
                                change_note: format!(
                                    "Imported from files: edited {}",
                                    db.version_number
                                ),
                                parent_version_id: None,
                                base_version: Some(db.version_number.clone()),
                            },
                            actor,
                        )
                        .await?;
                    if let CommitOutcome::Created { version, .. } = outcome {
                        report.appended.push(format!(
                            "'{}' {} (edited {} in the files)",
                            recipe.name, version.version_number, db.version_number
                        ));
                        changed = true;
                    }
                }
                Some(db) => {
                    return Err(invalid(format!(
                        "'{}' {} in the files differs from the database's (versions are immutable; edit the latest to make a new one)",
                        recipe.name, db.version_number
                    )));
                }
                None if latest.as_ref().is_some_and(|l| &number < l) => {
                    return Err(invalid(format!(
                        "'{}' {} is in the files but not in the database, which is already at {}",
                        recipe.name,
                        number,
                        latest.as_ref().map(ToString::to_string).unwrap_or_default()
                    )));
                }
                None => {
                    refuse_archived(recipe)?;
                    let approval = self.kept_approval(&recipe.name, v, importer, report)?;
                    self.insert_exact(w, into, v, previous.as_ref(), approval, importer, report)
                        .await?;
                    report
                        .appended
                        .push(format!("'{}' {}", recipe.name, v.meta.version));
                    changed = true;
                }
            }
            previous = Some(v.manifest.clone());
        }
        if changed {
            w.audit(
                actor,
                "recipe",
                recipe.id,
                "import",
                json!({"name": recipe.name}),
            )
            .await?;
        } else {
            report.unchanged.push(format!("recipe '{}'", recipe.name));
        }
        Ok(())
    }

    /// A version as the files record it: its number, bump, note, time and
    /// parent pin; its author and approval when the approval is kept, else
    /// the importer's and none.
    #[allow(clippy::too_many_arguments)]
    async fn insert_exact(
        &self,
        w: &mut Work,
        into: Lineage<'_>,
        v: &VersionFiles,
        previous: Option<&Value>,
        approval: Option<KeptApproval>,
        importer: Importer<'_>,
        report: &mut ImportReport,
    ) -> ServiceResult<()> {
        let Lineage { recipe, parent } = into;
        let name = &recipe.name;
        self.check_manifest(&v.manifest)?;
        if let Some(f) = v
            .manifest
            .pointer("/metadata/model_family")
            .and_then(Value::as_str)
            && f != recipe.model_family.as_str()
        {
            return Err(invalid(format!(
                "'{name}' {}: the manifest says '{f}' but the recipe is {}",
                v.meta.version, recipe.model_family
            )));
        }
        let number = semver::Version::parse(&v.meta.version)
            .map_err(|e| invalid(format!("'{name}' version {}: {e}", v.meta.version)))?;
        let bump: Bump = v.meta.bump.parse().map_err(|e| invalid_field(name, e))?;
        let pinned = match (parent, &v.meta.parent_version) {
            (Some(p), Some(pv)) => Some(w.version(p, Some(pv)).await.map_err(|_| {
                invalid(format!(
                    "'{name}' {} is pinned to '{}' {pv}, which is not there",
                    v.meta.version, p.name
                ))
            })?),
            _ => None,
        };
        let diff_from_prev = match previous {
            Some(prev) => {
                serde_json::to_value(diff::json_patch(prev, &v.manifest)).unwrap_or(json!([]))
            }
            None => json!([]),
        };
        let id = w
            .insert_version(&VersionRow {
                recipe_id: recipe.id,
                number,
                manifest: &v.manifest,
                diff_from_prev,
                parent_version_id: pinned.as_ref().map(|p| p.version_id),
                overlay: pinned
                    .as_ref()
                    .map(|p| inheritance::overlay(&p.manifest_json, &v.manifest)),
                bump,
                note: &v.meta.note,
                actor: if approval.is_some() {
                    v.meta.created_by.trim()
                } else {
                    importer.user
                },
                at: v.meta.created_at,
            })
            .await?;
        if let Some(kept) = approval {
            let version = w.version_by_id(id).await?;
            self.record_kept_approval(w, recipe, &version, &kept, importer, report)
                .await?;
        }
        Ok(())
    }

    /// The approval the files record for `v`, if the import keeps it (the
    /// version then keeps its recorded author too).
    fn kept_approval(
        &self,
        recipe: &str,
        v: &VersionFiles,
        importer: Importer<'_>,
        report: &mut ImportReport,
    ) -> ServiceResult<Option<KeptApproval>> {
        self.kept_approval_of(recipe, v, v.meta.created_by.trim(), importer, report)
    }

    /// As `kept_approval`, for a version written by `author`: kept only
    /// with `--keep-approvals`, and only when the importer could approve it
    /// directly (four-eyes rule): the importer vouches for the record, which
    /// may come from a database with other rules (the seed approves its own).
    fn kept_approval_of(
        &self,
        recipe: &str,
        v: &VersionFiles,
        author: &str,
        importer: Importer<'_>,
        report: &mut ImportReport,
    ) -> ServiceResult<Option<KeptApproval>> {
        let (Some(by), Some(at)) = (&v.meta.approved_by, v.meta.approved_at) else {
            return Ok(None);
        };
        let by = by.trim();
        let number = &v.meta.version;
        if !importer.keep_approvals {
            report.approvals_dropped.push(format!(
                "'{recipe}' {number} (approved by {by} in the files)"
            ));
            return Ok(None);
        }
        if let Some(why) = self
            .governance
            .approval_refusal(author, importer.user, number, recipe)
        {
            return Err(ServiceError::forbidden(format!(
                "--keep-approvals: {} may not approve '{recipe}' {number} ({why}), so cannot import its approval",
                importer.user
            )));
        }
        Ok(Some(KeptApproval {
            by: by.to_string(),
            at,
        }))
    }

    /// Records a kept approval, audited as the importer's act.
    async fn record_kept_approval(
        &self,
        w: &mut Work,
        recipe: &Recipe,
        version: &RecipeVersion,
        kept: &KeptApproval,
        importer: Importer<'_>,
        report: &mut ImportReport,
    ) -> ServiceResult<()> {
        let recipe_id = recipe.id;
        w.insert_approval(version.version_id, recipe_id, &kept.by, kept.at)
            .await?;
        let said = format!(
            "approval recorded by {}, imported by {}",
            kept.by, importer.user
        );
        w.audit(
            importer.user,
            "recipe_version",
            version.version_id,
            "approve",
            json!({
                "recipe_id": recipe_id, "version": version.version_number,
                "approved_by": kept.by, "imported_by": importer.user, "note": said,
            }),
        )
        .await?;
        report.approved.push(format!(
            "'{}' {} ({said})",
            recipe.name, version.version_number
        ));
        Ok(())
    }
}

/// Every name the files give a person that `--user` would refuse.
fn check_names(recipes: &[RecipeFiles]) -> Vec<String> {
    let mut bad = Vec::new();
    for r in recipes {
        let mut check = |what: String, who: &str| {
            if let Err(e) = names::check_person(&what, who) {
                bad.push(e);
            }
        };
        check(
            format!("'{}' created_by (recipe.json)", r.meta.name),
            &r.meta.created_by,
        );
        for v in &r.versions {
            let file = format!("'{}' versions/{}.meta.json", r.meta.name, v.meta.version);
            check(format!("{file} created_by"), &v.meta.created_by);
            if let Some(by) = &v.meta.approved_by {
                check(format!("{file} approved_by"), by);
            }
        }
    }
    bad
}

fn version_files(v: RecipeVersion) -> VersionFiles {
    VersionFiles {
        meta: VersionMeta {
            version: v.version_number,
            bump: v.bump.to_string(),
            note: v.change_note,
            created_by: v.created_by,
            created_at: v.created_at,
            parent_version: v.parent_version_number,
            approved_by: v.approved_by,
            approved_at: v.approved_at,
        },
        manifest: v.manifest_json,
    }
}

async fn put_example_in(w: &mut Work, recipe_id: i64, example: &Value) -> ServiceResult<()> {
    let example = NewExample {
        dataset_schema: example["dataset_schema"].clone(),
        sample_rows: example["sample_rows"].clone(),
        example_run: example["example_run"].clone(),
    };
    let at = w.at;
    Ok(w.upsert_example(recipe_id, &example, at).await?)
}

fn refuse_archived(recipe: &Recipe) -> ServiceResult<()> {
    super::recipes::refuse_archived(recipe, "get new versions")
}

fn invalid_field(name: &str, e: impl std::fmt::Display) -> ServiceError {
    invalid(format!("'{name}': {e}"))
}

fn level_rank(level: &str) -> u8 {
    match level.parse::<RecipeLevel>() {
        Ok(RecipeLevel::Baseline) => 0,
        Ok(RecipeLevel::Industry) => 1,
        Ok(RecipeLevel::Client) => 2,
        Err(_) => 3,
    }
}
