//! Changes the app asks the store to make, as data, and doing them. The same
//! store calls as the CLI, so the same checks and the same messages.

use super::tab::Tab;
use crate::domain::version::BumpChoice;
use crate::domain::{ModelStatus, RecipeLevel, RecipeStatus, RunStatus, RunType};
use crate::service::Service;
use crate::service::recipes::RebasePreview;
use crate::store::{
    CommitOutcome, ModelChanges, NewExample, NewModel, NewRecipe, NewRun, NewSnapshot, NewVersion,
    RecipeChanges, RunChanges,
};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Submission {
    CreateRecipe {
        name: String,
        family: crate::domain::ModelFamily,
        level: RecipeLevel,
        parent_id: Option<i64>,
        tags: Vec<String>,
        from_baseline: bool,
    },
    UpdateRecipe {
        id: i64,
        name: String,
        tags: Vec<String>,
    },
    CloneRecipe {
        parent_id: i64,
        name: String,
    },
    SetRecipeStatus {
        id: i64,
        to: RecipeStatus,
    },
    DeleteRecipe {
        id: i64,
    },
    Commit {
        recipe_id: i64,
        /// The version the editor opened: versions saved since are merged.
        base_version: String,
        manifest: Value,
        bump: BumpChoice,
        note: String,
    },
    Approve {
        recipe_id: i64,
        version: String,
    },
    Rebase {
        recipe_id: i64,
        preview: Box<RebasePreview>,
    },
    PutExample {
        recipe_id: i64,
        example: NewExample,
    },
    RegisterModel {
        recipe_id: i64,
        version: String,
        name: String,
        owner: String,
    },
    UpdateModel {
        id: i64,
        name: String,
        owner: String,
    },
    Promote {
        id: i64,
        /// The status shown when the move was chosen.
        from: ModelStatus,
        to: ModelStatus,
    },
    CreateRun {
        recipe_id: i64,
        version: Option<String>,
        model_id: Option<i64>,
        run_type: RunType,
    },
    /// A run created and handed to an executor in the background.
    ExecRun {
        recipe_id: i64,
        model_id: Option<i64>,
        run_type: RunType,
    },
    CancelRun {
        id: i64,
    },
    UpdateRun {
        id: i64,
        status: Option<RunStatus>,
        metrics: Option<Value>,
        artifacts: Option<Value>,
        append_log: Option<String>,
    },
    AddSnapshot {
        model_id: i64,
        snapshot: NewSnapshot,
    },
    AlertState {
        id: i64,
        model_id: i64,
        /// The state shown when the person chose: changed since, it refuses.
        seen: crate::domain::AlertState,
        state: crate::domain::AlertState,
    },
}

/// Where to go after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Recipe(i64),
    Model(i64),
    Run(i64),
    /// Stay, refreshing what is shown.
    Stay,
    /// Back to the library (after a delete).
    Library,
}

/// What a change did, for the status line and the screens.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    pub message: String,
    pub target: Target,
    /// The library tab whose list changed, with the row to select.
    pub tab: Tab,
    pub select_id: Option<i64>,
}

/// Does a change; `database_url` is where a run's executor is pointed.
pub async fn perform(
    svc: &Service,
    submission: Submission,
    actor: &str,
    database_url: &str,
) -> crate::service::ServiceResult<Done> {
    let store = svc.store();
    Ok(match submission {
        Submission::CreateRecipe {
            name,
            family,
            level,
            parent_id,
            tags,
            from_baseline,
        } => {
            use crate::service::recipes::StartingPoint;
            let start = match (parent_id, from_baseline) {
                (Some(_), _) => StartingPoint::Parent,
                (None, true) => StartingPoint::Baseline,
                (None, false) => StartingPoint::Skeleton,
            };
            let manifest = svc
                .starting_manifest(&name, family, parent_id, start)
                .await?;
            let r = svc
                .create_recipe(
                    NewRecipe {
                        name,
                        model_family: family,
                        level,
                        parent_id,
                        tags,
                        manifest,
                        change_note: "Created in the app".into(),
                        approved: false,
                    },
                    actor,
                )
                .await?;
            done(
                format!("created recipe '{}' 1.0.0", r.name),
                Target::Recipe(r.id),
                Tab::Recipes,
                r.id,
            )
        }
        Submission::UpdateRecipe { id, name, tags } => {
            let r = svc
                .update_recipe(
                    id,
                    RecipeChanges {
                        name: Some(name),
                        tags: Some(tags),
                    },
                    actor,
                )
                .await?;
            done(
                format!("updated recipe '{}'", r.name),
                Target::Stay,
                Tab::Recipes,
                r.id,
            )
        }
        Submission::CloneRecipe { parent_id, name } => {
            let parent = store.recipe(parent_id).await?;
            let r = svc.clone_recipe(&parent, &name, None, None, actor).await?;
            done(
                format!("cloned '{}' as '{}' ({})", parent.name, r.name, r.level),
                Target::Recipe(r.id),
                Tab::Recipes,
                r.id,
            )
        }
        Submission::SetRecipeStatus { id, to } => {
            let r = svc.set_recipe_status(id, to, actor).await?;
            let verb = if to == RecipeStatus::Archived {
                "archived"
            } else {
                "restored"
            };
            done(
                format!("{verb} recipe '{}'", r.name),
                Target::Stay,
                Tab::Recipes,
                r.id,
            )
        }
        Submission::DeleteRecipe { id } => {
            let r = store.recipe(id).await?;
            svc.delete_recipe(id, actor).await?;
            Done {
                message: format!("deleted recipe '{}'", r.name),
                target: Target::Library,
                tab: Tab::Recipes,
                select_id: None,
            }
        }
        Submission::Commit {
            recipe_id,
            base_version,
            manifest,
            bump,
            note,
        } => {
            let outcome = svc
                .commit_version(
                    NewVersion {
                        recipe_id,
                        manifest,
                        bump,
                        change_note: note,
                        parent_version_id: None,
                        base_version: Some(base_version),
                    },
                    actor,
                )
                .await?;
            commit_done(outcome, recipe_id)
        }
        Submission::Approve { recipe_id, version } => {
            let v = svc
                .approve_version(recipe_id, Some(&version), actor)
                .await?;
            done(
                format!("approved {} (by {actor})", v.version_number),
                Target::Stay,
                Tab::Recipes,
                recipe_id,
            )
        }
        Submission::Rebase { recipe_id, preview } => {
            let recipe = store.recipe(recipe_id).await?;
            commit_done(svc.apply_rebase(&recipe, &preview, actor).await?, recipe_id)
        }
        Submission::PutExample { recipe_id, example } => {
            svc.put_example(recipe_id, example, actor).await?;
            done(
                "saved the synthetic example".into(),
                Target::Stay,
                Tab::Recipes,
                recipe_id,
            )
        }
        Submission::RegisterModel {
            recipe_id,
            version,
            name,
            owner,
        } => {
            let m = svc
                .register_model(
                    NewModel {
                        name,
                        recipe_id,
                        version: Some(version),
                        owner,
                    },
                    actor,
                )
                .await?;
            done(
                format!(
                    "registered model '{}' from {} {} (draft)",
                    m.name, m.recipe_name, m.recipe_version
                ),
                Target::Model(m.id),
                Tab::Models,
                m.id,
            )
        }
        Submission::UpdateModel { id, name, owner } => {
            let m = svc
                .update_model(
                    id,
                    ModelChanges {
                        name: Some(name),
                        owner: Some(owner),
                    },
                    actor,
                )
                .await?;
            done(
                format!("updated model '{}' (owner {})", m.name, m.owner),
                Target::Stay,
                Tab::Models,
                m.id,
            )
        }
        Submission::Promote { id, from, to } => {
            let m = svc.move_model_from(id, from, to, actor).await?;
            done(
                format!("model '{}': {from} → {}", m.name, m.status),
                Target::Stay,
                Tab::Models,
                m.id,
            )
        }
        Submission::CreateRun {
            recipe_id,
            version,
            model_id,
            run_type,
        } => {
            let r = svc
                .create_run(
                    NewRun {
                        recipe_id,
                        version,
                        model_id,
                        run_type,
                    },
                    actor,
                )
                .await?;
            done(
                format!("created run {} ({}, queued)", r.id, r.run_type),
                Target::Run(r.id),
                Tab::Runs,
                r.id,
            )
        }
        Submission::ExecRun {
            recipe_id,
            model_id,
            run_type,
        } => {
            let r = svc
                .create_run_to_exec(
                    NewRun {
                        recipe_id,
                        version: None,
                        model_id,
                        run_type,
                    },
                    actor,
                )
                .await?;
            let run_dir = crate::config::run_dir(database_url, r.id);
            if let Err(e) = crate::exec::spawn_detached(database_url, actor, r.id, &run_dir, &[]) {
                // The run stays queued for `nexml run exec --run ID`; say why.
                return Err(crate::service::ServiceError::invalid(format!(
                    "created run {} but could not start its executor: {e:#} (nexml run exec --run {} starts it)",
                    r.id, r.id
                )));
            }
            done(
                format!(
                    "started run {} ({} of '{}', in the background)",
                    r.id, r.run_type, r.recipe_name
                ),
                Target::Run(r.id),
                Tab::Runs,
                r.id,
            )
        }
        Submission::CancelRun { id } => {
            let r = svc.cancel_run(id, actor).await?;
            let message = if r.status.is_finished() {
                format!("cancelled run {id}")
            } else {
                format!("asked run {id}'s executor to stop it")
            };
            done(message, Target::Stay, Tab::Runs, id)
        }
        Submission::UpdateRun {
            id,
            status,
            metrics,
            artifacts,
            append_log,
        } => {
            let r = svc
                .update_run(
                    id,
                    RunChanges {
                        status,
                        metrics,
                        artifacts,
                        append_log,
                    },
                    actor,
                )
                .await?;
            done(
                format!("updated run {} ({})", r.id, r.status),
                Target::Stay,
                Tab::Runs,
                r.id,
            )
        }
        Submission::AlertState {
            id,
            model_id,
            seen,
            state,
        } => {
            let change = crate::service::monitoring::AlertMove {
                id,
                to: state,
                seen: Some(seen),
            };
            let a = svc.move_alert(change, actor).await?;
            done(
                format!("alert '{}' {}", a.rule, a.state),
                Target::Stay,
                Tab::Monitoring,
                model_id,
            )
        }
        Submission::AddSnapshot { model_id, snapshot } => {
            // Taken now, by the service's clock.
            let snapshot = NewSnapshot {
                captured_at: svc.now(),
                ..snapshot
            };
            let recorded = svc.add_snapshot(model_id, snapshot, actor).await?;
            let mut opened = match recorded.alerts.len() {
                0 => String::new(),
                1 => ": 1 alert changed (see Alerts)".to_string(),
                n => format!(": {n} alerts changed (see Alerts)"),
            };
            // Never printed over the screen: the status line says it.
            if let Some(failure) = recorded.notify_failures.first() {
                opened.push_str(&format!("; {failure}"));
            }
            done(
                format!("added snapshot {}{opened}", recorded.snapshot.id),
                Target::Stay,
                Tab::Monitoring,
                model_id,
            )
        }
    })
}

fn done(message: String, target: Target, tab: Tab, id: i64) -> Done {
    Done {
        message,
        target,
        tab,
        select_id: Some(id),
    }
}

fn commit_done(outcome: CommitOutcome, recipe_id: i64) -> Done {
    let message = match &outcome {
        CommitOutcome::Created {
            version,
            merged_onto: None,
        } => format!(
            "saved version {} ({} bump)",
            version.version_number, version.bump
        ),
        CommitOutcome::Created {
            version,
            merged_onto: Some(m),
        } => format!(
            "saved version {} ({} bump): your changes merged onto {}, saved meanwhile by another",
            version.version_number, version.bump, m.latest
        ),
        CommitOutcome::Unchanged { version } => format!(
            "no change: identical to {}; nothing was saved",
            version.version_number
        ),
    };
    done(message, Target::Recipe(recipe_id), Tab::Recipes, recipe_id)
}
