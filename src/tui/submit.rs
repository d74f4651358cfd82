//! Changes the app asks the store to make, as data, and doing them. The same
//! store calls as the CLI, so the same checks and the same messages.

use super::tab::Tab;
use crate::domain::{RecipeStatus, RunType};
use crate::service::changes::{
    AddSnapshot, ApproveVersion, CancelRuns, CloneRecipe, CreateRecipe, DeleteRecipe, MoveAlert,
    MoveModel, MoveRecipe, PutExample, Rerun, StartRun, TagRuns, UpdateModel, UpdateRecipe,
    UpdateRun,
};
use crate::service::recipes::RebasePreview;
use crate::service::{Service, ServiceResult};
use crate::store::{CommitOutcome, NewModel, NewRun, NewSnapshot, NewVersion};

#[derive(Debug, Clone, PartialEq)]
pub enum Submission {
    CreateRecipe(CreateRecipe),
    UpdateRecipe(UpdateRecipe),
    CloneRecipe(CloneRecipe),
    MoveRecipe(MoveRecipe),
    DeleteRecipe(DeleteRecipe),
    /// Its `base_version` is the one the editor opened: versions saved
    /// since are merged.
    Commit(NewVersion),
    Approve(ApproveVersion),
    Rebase {
        recipe_id: i64,
        preview: Box<RebasePreview>,
    },
    PutExample(PutExample),
    RegisterModel(NewModel),
    UpdateModel(UpdateModel),
    MoveModel(MoveModel),
    CreateRun(NewRun),
    /// A run created and handed to an executor in the background.
    ExecRun {
        recipe_id: i64,
        model_id: Option<i64>,
        run_type: RunType,
    },
    CancelRuns(CancelRuns),
    TagRuns(TagRuns),
    /// Its executor is started here, once the service says it may run.
    StartRun(StartRun),
    Rerun(Rerun),
    UpdateRun(UpdateRun),
    AddSnapshot(AddSnapshot),
    MoveAlert {
        change: MoveAlert,
        /// Whose alert it is, to select after.
        model_id: i64,
    },
    /// An experiment made through MLflow linked to a recipe.
    LinkExperiment {
        experiment: i64,
        recipe: i64,
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
) -> ServiceResult<Done> {
    match submission {
        Submission::CreateRecipe(change) => create_recipe(svc, actor, change).await,
        Submission::UpdateRecipe(change) => update_recipe(svc, actor, change).await,
        Submission::CloneRecipe(change) => clone_recipe(svc, actor, change).await,
        Submission::MoveRecipe(change) => move_recipe(svc, actor, change).await,
        Submission::DeleteRecipe(change) => delete_recipe(svc, actor, change).await,
        Submission::Commit(new) => commit(svc, actor, new).await,
        Submission::Approve(change) => approve(svc, actor, change).await,
        Submission::Rebase { recipe_id, preview } => rebase(svc, actor, recipe_id, preview).await,
        Submission::PutExample(change) => put_example(svc, actor, change).await,
        Submission::RegisterModel(new) => register_model(svc, actor, new).await,
        Submission::UpdateModel(change) => update_model(svc, actor, change).await,
        Submission::MoveModel(change) => move_model(svc, actor, change).await,
        Submission::CreateRun(new) => create_run(svc, actor, new).await,
        Submission::ExecRun {
            recipe_id,
            model_id,
            run_type,
        } => exec_run(svc, actor, database_url, recipe_id, model_id, run_type).await,
        Submission::CancelRuns(change) => cancel_runs(svc, actor, change).await,
        Submission::TagRuns(change) => tag_runs(svc, actor, change).await,
        Submission::StartRun(change) => start_run(svc, actor, database_url, change).await,
        Submission::Rerun(change) => {
            let run = svc.rerun(change, actor).await?;
            start_executor(database_url, actor, &run)
        }
        Submission::UpdateRun(change) => update_run(svc, actor, change).await,
        Submission::MoveAlert { change, model_id } => {
            move_alert(svc, actor, change, model_id).await
        }
        Submission::AddSnapshot(change) => add_snapshot(svc, actor, change).await,
        Submission::LinkExperiment { experiment, recipe } => {
            let (linked, moved) = svc.link_experiment(experiment, recipe, actor).await?;
            Ok(done(
                format!(
                    "linked '{}' to '{}' ({moved} runs now the recipe's)",
                    linked.name,
                    linked.recipe_name.as_deref().unwrap_or_default()
                ),
                Target::Stay,
                Tab::Runs,
                recipe,
            ))
        }
    }
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

/// A new recipe, its first version from the chosen starting point.
async fn create_recipe(svc: &Service, actor: &str, change: CreateRecipe) -> ServiceResult<Done> {
    let r = svc.new_recipe(change, actor).await?;
    Ok(done(
        format!("created recipe '{}' 1.0.0", r.name),
        Target::Recipe(r.id),
        Tab::Recipes,
        r.id,
    ))
}

async fn commit(svc: &Service, actor: &str, new: NewVersion) -> ServiceResult<Done> {
    let recipe_id = new.recipe_id;
    let outcome = svc.commit_version(new, actor).await?;
    Ok(commit_done(outcome, recipe_id))
}

async fn register_model(svc: &Service, actor: &str, new: NewModel) -> ServiceResult<Done> {
    let m = svc.register_model(new, actor).await?;
    Ok(done(
        format!(
            "registered model '{}' from {} {} (draft)",
            m.name, m.recipe_name, m.recipe_version
        ),
        Target::Model(m.id),
        Tab::Models,
        m.id,
    ))
}

async fn update_model(svc: &Service, actor: &str, change: UpdateModel) -> ServiceResult<Done> {
    let m = svc.update_model(change, actor).await?;
    Ok(done(
        format!("updated model '{}' (owner {})", m.name, m.owner),
        Target::Stay,
        Tab::Models,
        m.id,
    ))
}

async fn create_run(svc: &Service, actor: &str, new: NewRun) -> ServiceResult<Done> {
    let r = svc.create_run(new, actor).await?;
    Ok(done(
        format!("created run {} ({}, queued)", r.id, r.run_type),
        Target::Run(r.id),
        Tab::Runs,
        r.id,
    ))
}

/// A run created and handed to an executor in the background.
async fn exec_run(
    svc: &Service,
    actor: &str,
    database_url: &str,
    recipe_id: i64,
    model_id: Option<i64>,
    run_type: RunType,
) -> ServiceResult<Done> {
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
    start_executor(database_url, actor, &r)
}

/// A queued run nobody executes, started in the background: refused here,
/// where it shows, when the person may not execute its version.
async fn start_run(
    svc: &Service,
    actor: &str,
    database_url: &str,
    change: StartRun,
) -> ServiceResult<Done> {
    let r = svc.start_run(change, actor).await?;
    let done = start_executor(database_url, actor, &r)?;
    // Its screen is open already: it follows the run from here.
    Ok(Done {
        target: Target::Stay,
        ..done
    })
}

/// Starts `nexml run exec --run ID` for a queued run, detached.
fn start_executor(database_url: &str, actor: &str, r: &crate::store::Run) -> ServiceResult<Done> {
    let run_dir = crate::config::run_dir(database_url, r.id);
    if let Err(e) = crate::exec::spawn_detached(database_url, actor, r.id, &run_dir, &[]) {
        // The run stays queued for `nexml run exec --run ID`; say why.
        return Err(crate::service::ServiceError::invalid(format!(
            "run {} stays queued: its executor did not start: {e:#} (nexml run exec --run {} starts it)",
            r.id, r.id
        )));
    }
    Ok(done(
        format!(
            "started run {} ({} of {}, in the background)",
            r.id,
            r.run_type,
            r.origin()
        ),
        Target::Run(r.id),
        Tab::Runs,
        r.id,
    ))
}

async fn update_run(svc: &Service, actor: &str, change: UpdateRun) -> ServiceResult<Done> {
    let r = svc.update_run(change, actor).await?;
    Ok(done(
        format!("updated run {} ({})", r.id, r.status),
        Target::Stay,
        Tab::Runs,
        r.id,
    ))
}

async fn move_alert(
    svc: &Service,
    actor: &str,
    change: MoveAlert,
    model_id: i64,
) -> ServiceResult<Done> {
    let a = svc.move_alert(change, actor).await?;
    Ok(done(
        format!("alert '{}' {}", a.rule, a.state),
        Target::Stay,
        Tab::Monitoring,
        model_id,
    ))
}

async fn add_snapshot(svc: &Service, actor: &str, change: AddSnapshot) -> ServiceResult<Done> {
    let model_id = change.model;
    // Taken now, by the service's clock.
    let snapshot = NewSnapshot {
        captured_at: svc.now(),
        ..change.snapshot
    };
    let recorded = svc
        .add_snapshot(AddSnapshot::to(model_id, snapshot), actor)
        .await?;
    let mut opened = match recorded.alerts.len() {
        0 => String::new(),
        1 => ": 1 alert changed (see Alerts)".to_string(),
        n => format!(": {n} alerts changed (see Alerts)"),
    };
    // Never printed over the screen: the status line says it.
    if let Some(failure) = recorded.notify_failures.first() {
        opened.push_str(&format!("; {failure}"));
    }
    Ok(done(
        format!("added snapshot {}{opened}", recorded.snapshot.id),
        Target::Stay,
        Tab::Monitoring,
        model_id,
    ))
}

async fn update_recipe(svc: &Service, actor: &str, change: UpdateRecipe) -> ServiceResult<Done> {
    let r = svc.update_recipe(change, actor).await?;
    Ok(done(
        format!("updated recipe '{}'", r.name),
        Target::Stay,
        Tab::Recipes,
        r.id,
    ))
}

async fn clone_recipe(svc: &Service, actor: &str, change: CloneRecipe) -> ServiceResult<Done> {
    let r = svc.clone_recipe(change, actor).await?;
    let parent = match r.parent_id {
        Some(id) => svc.store().recipe(id).await?.name,
        None => String::new(),
    };
    Ok(done(
        format!("cloned '{parent}' as '{}' ({})", r.name, r.level),
        Target::Recipe(r.id),
        Tab::Recipes,
        r.id,
    ))
}

async fn move_recipe(svc: &Service, actor: &str, change: MoveRecipe) -> ServiceResult<Done> {
    let to = change.to;
    let r = svc.move_recipe(change, actor).await?;
    let verb = if to == RecipeStatus::Archived {
        "archived"
    } else {
        "restored"
    };
    Ok(done(
        format!("{verb} recipe '{}'", r.name),
        Target::Stay,
        Tab::Recipes,
        r.id,
    ))
}

async fn delete_recipe(svc: &Service, actor: &str, change: DeleteRecipe) -> ServiceResult<Done> {
    let r = svc.store().recipe(change.recipe).await?;
    svc.delete_recipe(change, actor).await?;
    Ok(Done {
        message: format!("deleted recipe '{}'", r.name),
        target: Target::Library,
        tab: Tab::Recipes,
        select_id: None,
    })
}

async fn approve(svc: &Service, actor: &str, change: ApproveVersion) -> ServiceResult<Done> {
    let recipe_id = change.recipe;
    let v = svc.approve_version(change, actor).await?;
    Ok(done(
        format!("approved {} (by {actor})", v.version_number),
        Target::Stay,
        Tab::Recipes,
        recipe_id,
    ))
}

async fn rebase(
    svc: &Service,
    actor: &str,
    recipe_id: i64,
    preview: Box<RebasePreview>,
) -> ServiceResult<Done> {
    let store = svc.store();
    let recipe = store.recipe(recipe_id).await?;
    Ok(commit_done(
        svc.apply_rebase(&recipe, &preview, actor).await?,
        recipe_id,
    ))
}

async fn put_example(svc: &Service, actor: &str, change: PutExample) -> ServiceResult<Done> {
    let recipe_id = change.recipe;
    svc.put_example(change, actor).await?;
    Ok(done(
        "saved the synthetic example".into(),
        Target::Stay,
        Tab::Recipes,
        recipe_id,
    ))
}

/// The app's moves always carry the status shown (`seen`).
async fn move_model(svc: &Service, actor: &str, change: MoveModel) -> ServiceResult<Done> {
    let forced = change.force.is_some();
    let from = change.seen.map_or(String::new(), |s| format!("{s} → "));
    let m = svc.move_model(change, actor).await?;
    let how = if forced { " (forced, audited)" } else { "" };
    Ok(done(
        format!("model '{}': {from}{}{how}", m.name, m.status),
        Target::Stay,
        Tab::Models,
        m.id,
    ))
}

/// Runs asked to stop, all in one unit of work.
async fn cancel_runs(svc: &Service, actor: &str, change: CancelRuns) -> ServiceResult<Done> {
    let c = svc.cancel_runs(change, actor).await?;
    let message = match (c.asked.as_slice(), c.ended.len()) {
        ([run], 0) if run.status.is_finished() => format!("cancelled run {}", run.id),
        ([run], 0) => format!("asked run {}'s executor to stop it", run.id),
        (asked, 0) => format!("asked {} run(s) to stop", asked.len()),
        (asked, n) => format!(
            "asked {} run(s) to stop, {n} had ended already",
            asked.len()
        ),
    };
    let last = c.asked.last().map_or(0, |r| r.id);
    Ok(done(message, Target::Stay, Tab::Runs, last))
}

/// Tags set on runs, all in one unit of work.
async fn tag_runs(svc: &Service, actor: &str, change: TagRuns) -> ServiceResult<Done> {
    let keys: Vec<String> = change.tags.iter().map(|(k, _)| k.clone()).collect();
    let (count, last) = (change.runs.len(), change.runs.last().copied());
    svc.tag_runs(change, actor).await?;
    Ok(done(
        format!("tagged {count} run(s): {}", keys.join(", ")),
        Target::Stay,
        Tab::Runs,
        last.unwrap_or_default(),
    ))
}
