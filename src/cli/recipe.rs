//! `nexml recipe ...`

use super::args::{Paging, RecipeCommand, RecipeCreate};
use super::output::{Table, fields, opt, print_json, print_page, time};
use super::{Context, read_input, read_json};
use crate::domain::manifest;
use crate::domain::version::BumpChoice;
use crate::domain::{ModelFamily, RecipeLevel, RecipeStatus};
use crate::service::changes::{
    ApproveVersion, CloneRecipe, CreateRecipe, DeleteRecipe, FirstManifest, MoveRecipe, PutExample,
    StartingPoint, UpdateRecipe,
};
use crate::shown::{RecipeDetail, VersionSummary};
use crate::store::{CommitOutcome, NewExample, NewVersion, Recipe, RecipeQuery, RecipeVersion};
use color_eyre::eyre::{Result, bail, eyre};
use std::path::PathBuf;

pub async fn run(ctx: &Context, command: RecipeCommand) -> Result<()> {
    match command {
        RecipeCommand::List {
            family,
            level,
            status,
            search,
            paging,
        } => list(ctx, family, level, status, search, paging).await?,
        RecipeCommand::Show { reference } => show(ctx, reference).await?,
        RecipeCommand::Create(args) => create(ctx, args).await?,
        RecipeCommand::Update {
            reference,
            name,
            tags,
            clear_tags,
        } => update(ctx, reference, name, tags, clear_tags).await?,
        RecipeCommand::Delete { reference } => delete(ctx, reference).await?,
        RecipeCommand::Clone {
            reference,
            name,
            level,
        } => clone(ctx, reference, name, level).await?,
        RecipeCommand::Versions { reference } => versions(ctx, reference).await?,
        RecipeCommand::Version {
            reference,
            version,
            manifest,
        } => show_version(ctx, reference, version, manifest).await?,
        RecipeCommand::Commit {
            reference,
            manifest: path,
            base,
            bump,
            note,
        } => commit(ctx, reference, path, base, bump, note).await?,
        RecipeCommand::Approve { reference, version } => approve(ctx, reference, version).await?,
        RecipeCommand::Archive { reference } => archive(ctx, reference).await?,
        RecipeCommand::Restore { reference } => restore(ctx, reference).await?,
        RecipeCommand::Diff {
            reference,
            from,
            to,
            file,
        } => diff(ctx, reference, from, to, file).await?,
        RecipeCommand::Export { references, to } => export(ctx, references, to).await?,
        RecipeCommand::Import {
            dir,
            dry_run,
            keep_approvals,
        } => import(ctx, dir, dry_run, keep_approvals).await?,
        RecipeCommand::Effective { reference, version } => {
            effective(ctx, reference, version).await?
        }
        RecipeCommand::Rebase { reference, to, yes } => rebase(ctx, reference, to, yes).await?,
        RecipeCommand::Example { reference, set } => example(ctx, reference, set).await?,
    }
    Ok(())
}

/// A recipe's status word, with "changes pending" when a newer draft version exists.
pub fn status_word(r: &Recipe) -> String {
    if r.status == RecipeStatus::Approved && r.changes_pending() {
        "approved (changes pending)".into()
    } else {
        r.status.to_string()
    }
}

fn report_recipe(ctx: &Context, recipe: &Recipe, verb: &str) -> Result<()> {
    if ctx.json {
        return print_json(recipe);
    }
    outln!(
        "{verb} recipe '{}' (id {}, {} {}, {}, version {})",
        recipe.name,
        recipe.id,
        recipe.model_family,
        recipe.level,
        recipe.status,
        opt(&recipe.latest_version)
    );
    Ok(())
}

fn versions_table(versions: &[RecipeVersion]) -> Table {
    let mut t = Table::new(&["version", "bump", "by", "when", "approved", "note"]);
    for v in versions {
        t.row(vec![
            v.version_number.clone(),
            v.bump.to_string(),
            v.created_by.clone(),
            time(&v.created_at),
            v.approved_by
                .clone()
                .map(|b| format!("yes ({b})"))
                .unwrap_or("no".into()),
            v.change_note.clone(),
        ]);
    }
    t
}

fn version_fields(recipe: &Recipe, v: &RecipeVersion) -> String {
    fields(&[
        ("recipe", recipe.name.clone()),
        ("version", v.version_number.clone()),
        ("bump", v.bump.to_string()),
        (
            "created",
            format!("{} by {}", time(&v.created_at), v.created_by),
        ),
        ("note", v.change_note.clone()),
        ("parent version", opt(&v.parent_version_number)),
        (
            "approved",
            v.approved_by
                .clone()
                .map(|b| format!("by {b}"))
                .unwrap_or("no".into()),
        ),
    ])
}

fn show_recipe(
    ctx: &Context,
    recipe: &Recipe,
    versions: &[RecipeVersion],
    children: &[Recipe],
) -> Result<()> {
    if ctx.json {
        return print_json(&RecipeDetail::new(recipe, versions, children));
    }
    outln!(
        "{}",
        fields(&[
            ("id", recipe.id.to_string()),
            ("name", recipe.name.clone()),
            ("family", recipe.model_family.to_string()),
            ("level", recipe.level.to_string()),
            ("status", status_word(recipe)),
            ("parent", opt(&recipe.parent_name)),
            (
                "children",
                if children.is_empty() {
                    "-".into()
                } else {
                    children
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            (
                "tags",
                if recipe.tags.is_empty() {
                    "-".into()
                } else {
                    recipe.tags.join(", ")
                }
            ),
            ("latest version", opt(&recipe.latest_version)),
            ("approved version", opt(&recipe.approved_version)),
            (
                "created",
                format!("{} by {}", time(&recipe.created_at), recipe.created_by)
            ),
            ("updated", time(&recipe.updated_at)),
        ])
    );
    outln!("\n{}", versions_table(versions).render());
    Ok(())
}

/// `nexml recipe list`.
async fn list(
    ctx: &Context,
    family: Option<ModelFamily>,
    level: Option<RecipeLevel>,
    status: Option<RecipeStatus>,
    search: Option<String>,
    paging: Paging,
) -> Result<()> {
    let page = ctx
        .store
        .list_recipes(&RecipeQuery {
            family,
            level,
            status,
            parent_id: None,
            search,
            limit: paging.limit,
            offset: paging.offset,
            ..Default::default()
        })
        .await?;
    let headers = [
        "id", "name", "family", "level", "status", "latest", "updated",
    ];
    let row = |r: &Recipe| {
        vec![
            r.id.to_string(),
            r.name.clone(),
            r.model_family.to_string(),
            r.level.to_string(),
            status_word(r),
            opt(&r.latest_version),
            time(&r.updated_at),
        ]
    };
    print_page(ctx.json, &page, &headers, row, "recipes")
}

/// `nexml recipe show`.
async fn show(ctx: &Context, reference: String) -> Result<()> {
    let store = ctx.store.as_ref();
    let id = store.find_recipe(&reference).await?.id;
    let detail = ctx.service.recipe_detail(id).await?;
    show_recipe(ctx, &detail.recipe, &detail.versions, &detail.children)?;
    if let (false, Some(u)) = (ctx.json, &detail.parent_update) {
        outln!(
            "\nparent {} {} available (pinned to {}): nexml recipe rebase \"{}\"",
            u.parent,
            u.available,
            u.pinned,
            detail.recipe.name
        );
    }
    Ok(())
}

/// `nexml recipe create`.
async fn create(ctx: &Context, args: RecipeCreate) -> Result<()> {
    let RecipeCreate {
        name,
        family,
        level,
        parent,
        tags,
        manifest: path,
        from_parent,
        from_baseline,
        skeleton: _,
        note,
    } = args;
    let store = ctx.store.as_ref();
    let parent = match parent {
        Some(p) => Some(store.find_recipe(&p).await?.id),
        None => None,
    };
    let first = match path {
        Some(path) => {
            let text = read_input(&path)?;
            FirstManifest::Given(
                manifest::parse(&text, ctx.service.max_manifest_bytes())
                    .map_err(|e| eyre!("{}: {e}", path.display()))?,
            )
        }
        None if from_parent => FirstManifest::From(StartingPoint::Parent),
        None if from_baseline => FirstManifest::From(StartingPoint::Baseline),
        None => FirstManifest::From(StartingPoint::Skeleton),
    };
    let change = CreateRecipe {
        name,
        family,
        level,
        parent,
        tags,
        first,
        note,
    };
    let recipe = ctx.service.new_recipe(change, &ctx.user).await?;
    report_recipe(ctx, &recipe, "created")?;
    Ok(())
}

/// `nexml recipe update`.
async fn update(
    ctx: &Context,
    reference: String,
    name: Option<String>,
    tags: Vec<String>,
    clear_tags: bool,
) -> Result<()> {
    let store = ctx.store.as_ref();
    let recipe = store.find_recipe(&reference).await?;
    let tags = if clear_tags {
        Some(vec![])
    } else if tags.is_empty() {
        None
    } else {
        Some(tags)
    };
    if name.is_none() && tags.is_none() {
        return Err(eyre!(
            "nothing to change: give --name, --tag or --clear-tags"
        ));
    }
    let change = UpdateRecipe {
        recipe: recipe.id,
        name,
        tags,
    };
    let recipe = ctx.service.update_recipe(change, &ctx.user).await?;
    report_recipe(ctx, &recipe, "updated")?;
    Ok(())
}

/// `nexml recipe delete`.
async fn delete(ctx: &Context, reference: String) -> Result<()> {
    let store = ctx.store.as_ref();
    let recipe = store.find_recipe(&reference).await?;
    let change = DeleteRecipe { recipe: recipe.id };
    ctx.service.delete_recipe(change, &ctx.user).await?;
    if ctx.json {
        return print_json(&serde_json::json!({"deleted": recipe.id, "name": recipe.name}));
    }
    outln!("deleted recipe '{}' ({})", recipe.name, recipe.id);
    Ok(())
}

/// `nexml recipe clone`.
async fn clone(
    ctx: &Context,
    reference: String,
    name: String,
    level: Option<RecipeLevel>,
) -> Result<()> {
    let store = ctx.store.as_ref();
    let parent = store.find_recipe(&reference).await?;
    let child = ctx
        .service
        .clone_recipe(
            CloneRecipe {
                level,
                ..CloneRecipe::of(parent.id, name)
            },
            &ctx.user,
        )
        .await?;
    report_recipe(ctx, &child, &format!("cloned from '{}' as", parent.name))?;
    Ok(())
}

/// `nexml recipe versions`.
async fn versions(ctx: &Context, reference: String) -> Result<()> {
    let store = ctx.store.as_ref();
    let recipe = store.find_recipe(&reference).await?;
    let versions = store.versions(recipe.id).await?;
    if ctx.json {
        let rows: Vec<VersionSummary> = versions.iter().map(VersionSummary::from).collect();
        return print_json(&rows);
    }
    outln!("{}", versions_table(&versions).render());
    Ok(())
}

/// `nexml recipe version`.
async fn show_version(
    ctx: &Context,
    reference: String,
    version: Option<String>,
    manifest: bool,
) -> Result<()> {
    let store = ctx.store.as_ref();
    let recipe = store.find_recipe(&reference).await?;
    let v = store.version(recipe.id, version.as_deref()).await?;
    if manifest {
        return print_json(&crate::base_version::with_base(
            &v.manifest_json,
            &v.version_number,
        ));
    }
    if ctx.json {
        return print_json(&v);
    }
    outln!("{}", version_fields(&recipe, &v));
    outln!("{}", crate::domain::diff::pretty(&v.manifest_json));
    Ok(())
}

/// `nexml recipe commit`.
async fn commit(
    ctx: &Context,
    reference: String,
    path: PathBuf,
    base: Option<String>,
    bump: BumpChoice,
    note: String,
) -> Result<()> {
    let store = ctx.store.as_ref();
    let recipe = store.find_recipe(&reference).await?;
    let text = read_input(&path)?;
    let manifest = manifest::parse(&text, ctx.service.max_manifest_bytes())
        .map_err(|e| eyre!("{}: {e}", path.display()))?;
    let (manifest, file_base) =
        crate::base_version::take_base(manifest).map_err(|e| eyre!("{}: {e}", path.display()))?;
    if let (Some(flag), Some(file)) = (&base, &file_base)
        && flag != file
    {
        bail!(
            "{}: the file says it was edited from {file} (\"$base\"), --base says {flag}: drop one",
            path.display()
        );
    }
    let outcome = ctx
        .service
        .commit_version(
            NewVersion {
                recipe_id: recipe.id,
                manifest,
                bump,
                change_note: note,
                parent_version_id: None,
                base_version: base.or(file_base),
            },
            &ctx.user,
        )
        .await?;
    if ctx.json {
        return print_json(&outcome);
    }
    match outcome {
        CommitOutcome::Created {
            version,
            merged_onto,
        } => {
            let changes = version.diff_from_prev.as_array().map(Vec::len).unwrap_or(0);
            let merged = merged_onto
                .map(|m| {
                    format!(
                        "; edited from {}, merged onto {} saved meanwhile",
                        m.base, m.latest
                    )
                })
                .unwrap_or_default();
            outln!(
                "committed '{}' {} ({} bump, {changes} change{}{merged})",
                recipe.name,
                version.version_number,
                version.bump,
                if changes == 1 { "" } else { "s" }
            )
        }
        CommitOutcome::Unchanged { version } => outln!(
            "no change: the manifest is identical to '{}' {}; nothing was committed",
            recipe.name,
            version.version_number
        ),
    }
    Ok(())
}

/// `nexml recipe approve`.
async fn approve(ctx: &Context, reference: String, version: Option<String>) -> Result<()> {
    let store = ctx.store.as_ref();
    let recipe = store.find_recipe(&reference).await?;
    let change = ApproveVersion {
        recipe: recipe.id,
        version,
    };
    let v = ctx.service.approve_version(change, &ctx.user).await?;
    if ctx.json {
        return print_json(&VersionSummary::from(&v));
    }
    outln!(
        "approved '{}' {} (by {})",
        recipe.name,
        v.version_number,
        ctx.user
    );
    Ok(())
}

/// `nexml recipe archive`.
async fn archive(ctx: &Context, reference: String) -> Result<()> {
    set_status(ctx, &reference, RecipeStatus::Archived, "archived").await
}

/// `nexml recipe restore`.
async fn restore(ctx: &Context, reference: String) -> Result<()> {
    set_status(ctx, &reference, RecipeStatus::Draft, "restored").await
}

/// Moves a recipe to `to` and says so.
async fn set_status(ctx: &Context, reference: &str, to: RecipeStatus, said: &str) -> Result<()> {
    let recipe = ctx.store.as_ref().find_recipe(reference).await?;
    let change = MoveRecipe::to(recipe.id, to);
    let recipe = ctx.service.move_recipe(change, &ctx.user).await?;
    report_recipe(ctx, &recipe, said)
}

/// `nexml recipe diff`.
async fn diff(
    ctx: &Context,
    reference: String,
    from: Option<String>,
    to: Option<String>,
    file: Option<PathBuf>,
) -> Result<()> {
    let store = ctx.store.as_ref();
    let recipe = store.find_recipe(&reference).await?;
    let (old, old_label, new, new_label) = match (file, from) {
        (Some(path), _) => {
            let latest = store.version(recipe.id, None).await?;
            let text = read_input(&path)?;
            let edited = manifest::parse(&text, ctx.service.max_manifest_bytes())
                .map_err(|e| eyre!("{}: {e}", path.display()))?;
            let label = format!("{} {}", recipe.name, latest.version_number);
            (
                latest.manifest_json,
                label,
                edited,
                path.display().to_string(),
            )
        }
        (None, from) => {
            let a = store.version(recipe.id, from.as_deref()).await?;
            let b = store.version(recipe.id, to.as_deref()).await?;
            (
                a.manifest_json,
                format!("{} {}", recipe.name, a.version_number),
                b.manifest_json,
                format!("{} {}", recipe.name, b.version_number),
            )
        }
    };
    // Key order and number spellings are no change (`domain::canonical`).
    let (old, new) = crate::domain::diff::comparable(&old, &new);
    if ctx.json {
        return print_json(&crate::domain::diff::json_patch(&old, &new));
    }
    let text = crate::domain::diff::unified_text_diff(&old, &new, &old_label, &new_label);
    if text.is_empty() {
        outln!("{old_label} and {new_label} are identical");
    } else {
        out!("{text}");
    }
    Ok(())
}

/// `nexml recipe export`.
async fn export(ctx: &Context, references: Vec<String>, to: PathBuf) -> Result<()> {
    let recipes = ctx.service.export_recipes(&references).await?;
    let mut progress = super::progress::Progress::new("export", ctx.json);
    let total = recipes.len() as u64;
    let folders = crate::recipe_files::write_all(&to, &recipes, |done| {
        progress.show(crate::seed::Step {
            what: "recipes",
            done: done as u64,
            total,
        })
    })
    .map_err(|e| eyre!(e))?;
    progress.finish();
    if ctx.json {
        return print_json(&serde_json::json!({
            "recipes": recipes.len(),
            "folders": folders.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        }));
    }
    for (r, f) in recipes.iter().zip(&folders) {
        outln!(
            "exported '{}' ({} version{}) to {}",
            r.meta.name,
            r.versions.len(),
            if r.versions.len() == 1 { "" } else { "s" },
            f.display()
        );
    }
    Ok(())
}

/// `nexml recipe import`.
async fn import(ctx: &Context, dir: PathBuf, dry_run: bool, keep_approvals: bool) -> Result<()> {
    let mut progress = super::progress::Progress::new("import", ctx.json);
    let recipes =
        crate::recipe_files::read_all(&dir, ctx.service.max_manifest_bytes(), |done, total| {
            progress.show(crate::seed::Step {
                what: "recipes read",
                done: done as u64,
                total: total as u64,
            })
        })
        .map_err(|e| eyre!(e))?;
    progress.finish();
    let report = ctx
        .service
        .import_recipes(
            recipes,
            dry_run,
            crate::service::transfer::Importer {
                user: &ctx.user,
                keep_approvals,
            },
        )
        .await?;
    if ctx.json {
        return print_json(&report);
    }
    let verb = if dry_run { "would " } else { "" };
    for c in &report.created {
        outln!("{verb}create {c}");
    }
    for a in &report.appended {
        outln!("{verb}add {a}");
    }
    for a in &report.approved {
        outln!("{verb}approve {a}");
    }
    for a in &report.approvals_dropped {
        outln!(
            "{verb}leave unapproved {a}: recorded approvals are kept only with --keep-approvals"
        );
    }
    outln!(
        "{} unchanged{}",
        report.unchanged.len(),
        if dry_run {
            "; nothing written (--dry-run)"
        } else {
            ""
        }
    );
    Ok(())
}

/// `nexml recipe effective`.
async fn effective(ctx: &Context, reference: String, version: Option<String>) -> Result<()> {
    let store = ctx.store.as_ref();
    let recipe = store.find_recipe(&reference).await?;
    let v = store.version(recipe.id, version.as_deref()).await?;
    if ctx.json {
        return print_json(&v.manifest_json);
    }
    let origin = match (&recipe.parent_name, &v.parent_version_number) {
        (Some(p), Some(pv)) => {
            let keys = crate::domain::inheritance::overlay_paths(
                v.overlay_json.as_ref().unwrap_or(&serde_json::Value::Null),
            );
            format!("{p} {pv} + {} own key(s): {}", keys.len(), keys.join(", "))
        }
        _ => "a baseline: no parent".to_string(),
    };
    outln!(
        "# effective manifest of '{}' {} = {origin}",
        recipe.name,
        v.version_number
    );
    outln!("{}", crate::domain::diff::pretty(&v.manifest_json));
    Ok(())
}

/// `nexml recipe rebase`.
async fn rebase(ctx: &Context, reference: String, to: Option<String>, yes: bool) -> Result<()> {
    let store = ctx.store.as_ref();
    let recipe = store.find_recipe(&reference).await?;
    let preview = ctx.service.plan_rebase(&recipe, to.as_deref()).await?;
    let outcome = if yes {
        Some(
            ctx.service
                .apply_rebase(&recipe, &preview, &ctx.user)
                .await?,
        )
    } else {
        None
    };
    if ctx.json {
        return print_json(&serde_json::json!({
            "recipe": preview.recipe, "parent": preview.parent, "from": preview.from, "to": preview.to,
            "conflicts": preview.plan.conflicts, "inherited": preview.plan.inherited,
            "patch": preview.patch, "applied": outcome.is_some(),
            "version": outcome.as_ref().map(|o| o.version().version_number.clone()),
        }));
    }
    outln!(
        "rebase '{}' from {} {} to {}",
        preview.recipe,
        preview.parent,
        preview.from,
        preview.to
    );
    if preview.plan.inherited.is_empty() {
        outln!("the parent's changes: none that reach this recipe");
    } else {
        outln!(
            "the parent's changes it takes: {}",
            preview.plan.inherited.join(", ")
        );
    }
    if !preview.plan.conflicts.is_empty() {
        outln!(
            "conflicts (this recipe's value is kept): {}",
            preview.plan.conflicts.join(", ")
        );
    }
    let text = crate::domain::diff::unified_text_diff(
        &preview.current,
        &preview.plan.manifest,
        "current",
        "rebased",
    );
    out!("{}", crate::text::sanitize_log(&text));
    match outcome {
        Some(CommitOutcome::Created { version, .. }) => {
            outln!("committed {} {}", recipe.name, version.version_number)
        }
        Some(CommitOutcome::Unchanged { .. }) => outln!("no change: nothing was committed"),
        None => outln!("nothing written: run again with --yes to apply"),
    }
    Ok(())
}

/// `nexml recipe example`.
async fn example(ctx: &Context, reference: String, set: Option<PathBuf>) -> Result<()> {
    let store = ctx.store.as_ref();
    let recipe = store.find_recipe(&reference).await?;
    let example = match set {
        Some(path) => {
            let v = read_json(&path)?;
            let new = NewExample {
                dataset_schema: v.get("dataset_schema").cloned().unwrap_or_default(),
                sample_rows: v.get("sample_rows").cloned().unwrap_or_default(),
                example_run: v.get("example_run").cloned().unwrap_or_default(),
            };
            Some(
                ctx.service
                    .put_example(PutExample::to(recipe.id, new), &ctx.user)
                    .await?,
            )
        }
        None => store.example(recipe.id).await?,
    };
    let Some(example) = example else {
        return Err(eyre!("recipe '{}' has no synthetic example", recipe.name));
    };
    if ctx.json {
        return print_json(&example);
    }
    outln!("synthetic example of '{}'\n", recipe.name);
    let mut t = Table::new(&["column", "type", "description"]);
    for c in example.dataset_schema_json["columns"]
        .as_array()
        .into_iter()
        .flatten()
    {
        t.row(vec![
            c["name"].as_str().unwrap_or("?").into(),
            c["type"].as_str().unwrap_or("?").into(),
            c["description"].as_str().unwrap_or("").into(),
        ]);
    }
    outln!("{}\n", t.render());
    outln!(
        "sample rows: {}",
        example
            .sample_rows_json
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
    );
    outln!(
        "example run:\n{}",
        crate::domain::diff::pretty(&example.example_run_json)
    );
    Ok(())
}
