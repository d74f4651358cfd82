//! `nexml experiment ...`: MLflow's experiments, and linking one a client
//! made to a recipe.

use super::Context;
use super::args::ExperimentCommand;
use super::output::{Table, print_json, time};
use crate::store::Experiment;
use color_eyre::eyre::Result;

pub async fn run(ctx: &Context, command: ExperimentCommand) -> Result<()> {
    let store = ctx.store.as_ref();
    match command {
        ExperimentCommand::List { all } => {
            let shown: Vec<Experiment> = store
                .experiments()
                .await?
                .into_iter()
                .filter(|e| all || !e.deleted)
                .collect();
            if ctx.json {
                return print_json(&shown);
            }
            let mut t = Table::new(&["id", "name", "recipe", "state", "created"]);
            for e in &shown {
                t.row(vec![
                    e.id.to_string(),
                    e.name.clone(),
                    recipe_column(e),
                    if e.deleted { "deleted" } else { "active" }.into(),
                    time(&e.created_at),
                ]);
            }
            outln!("{}", t.render());
            outln!("{} experiments", shown.len());
        }
        ExperimentCommand::Link { experiment, recipe } => {
            let e = store.find_experiment(&experiment).await?;
            let r = store.find_recipe(&recipe).await?;
            let (linked, moved) = ctx.service.link_experiment(e.id, r.id, &ctx.user).await?;
            if ctx.json {
                return print_json(&serde_json::json!({"experiment": linked, "runs_moved": moved}));
            }
            outln!(
                "linked experiment '{}' ({}) to recipe '{}': {moved} of its runs are the recipe's now",
                linked.name,
                linked.id,
                r.name
            );
        }
    }
    Ok(())
}

/// Whose the experiment is: a recipe's own, linked to one, or nobody's.
fn recipe_column(e: &Experiment) -> String {
    match (&e.recipe_name, e.own) {
        (Some(r), true) => format!("{r} (its own)"),
        (Some(r), false) => format!("{r} (linked)"),
        (None, _) => "-".into(),
    }
}
