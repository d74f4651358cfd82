//! `nexml run ...`

use super::args::RunCommand;
use super::output::{Table, fields, opt, opt_time, print_json, thousands, time};
use super::{Context, parse_json_arg, read_input};
use crate::store::{NewRun, Run, RunChanges, RunQuery};
use crate::text::duration;
use color_eyre::eyre::Result;
use std::path::Path;

pub async fn run(ctx: &Context, command: RunCommand) -> Result<()> {
    let store = ctx.store.as_ref();
    match command {
        RunCommand::List {
            status,
            run_type,
            family,
            recipe,
            model,
            search,
            paging,
        } => {
            let recipe_id = match recipe {
                Some(r) => Some(store.find_recipe(&r).await?.id),
                None => None,
            };
            let model_id = match model {
                Some(m) => Some(store.find_model(&m).await?.id),
                None => None,
            };
            let page = store
                .list_runs(&RunQuery {
                    keyset: None,
                    status,
                    run_type,
                    family,
                    recipe_id,
                    model_id,
                    search,
                    limit: paging.limit,
                    offset: paging.offset,
                    reverse: false,
                    skip_count: false,
                })
                .await?;
            if ctx.json {
                return print_json(&page);
            }
            let now = ctx.service.now();
            let mut t = Table::new(&[
                "id", "recipe", "model", "version", "type", "status", "started", "duration",
                "metric",
            ]);
            for r in &page.items {
                t.row(vec![
                    r.id.to_string(),
                    r.recipe_name.clone(),
                    opt(&r.model_name),
                    r.recipe_version.clone(),
                    r.run_type.to_string(),
                    r.status.to_string(),
                    opt_time(&r.started_at),
                    duration(r.duration_seconds(now)),
                    r.headline_metric()
                        .map(|(k, v)| format!("{k} {v}"))
                        .unwrap_or("-".into()),
                ]);
            }
            outln!("{}", t.render());
            outln!("{} of {} runs", page.items.len(), thousands(page.total));
        }
        RunCommand::Show { id } => {
            let run = store.run(id).await?;
            if ctx.json {
                return print_json(&run);
            }
            print_run(&run, ctx.service.now());
        }
        RunCommand::Create {
            recipe,
            version,
            model,
            run_type,
        } => {
            let model = match model {
                Some(m) => Some(store.find_model(&m).await?),
                None => None,
            };
            let recipe_id = match (&recipe, &model) {
                (Some(r), _) => store.find_recipe(r).await?.id,
                (None, Some(m)) => m.recipe_id,
                (None, None) => unreachable!("clap requires --recipe or --model"),
            };
            let run = ctx
                .service
                .create_run(
                    NewRun {
                        recipe_id,
                        version,
                        model_id: model.map(|m| m.id),
                        run_type,
                    },
                    &ctx.user,
                )
                .await?;
            if ctx.json {
                return print_json(&run);
            }
            outln!(
                "created run {} ({} of '{}' {}, {})",
                run.id,
                run.run_type,
                run.recipe_name,
                run.recipe_version,
                run.status
            );
        }
        RunCommand::Update {
            id,
            status,
            metrics,
            artifacts,
            append_log,
        } => {
            let metrics = metrics
                .map(|m| parse_json_arg("--metrics", &m))
                .transpose()?;
            let artifacts = artifacts
                .map(|a| parse_json_arg("--artifacts", &a))
                .transpose()?;
            let append_log = match append_log {
                Some(t) if t == "-" => Some(read_input(Path::new("-"))?),
                other => other,
            };
            let run = ctx
                .service
                .update_run(
                    id,
                    RunChanges {
                        status,
                        metrics,
                        artifacts,
                        append_log,
                    },
                    &ctx.user,
                )
                .await?;
            if ctx.json {
                return print_json(&run);
            }
            outln!("updated run {} ({})", run.id, run.status);
        }
        RunCommand::Logs { id } => {
            let run = store.run(id).await?;
            if ctx.json {
                return print_json(&serde_json::json!({"id": run.id, "logs_text": run.log()}));
            }
            out!("{}", crate::text::sanitize_log(run.log()));
        }
    }
    Ok(())
}

fn print_run(run: &Run, now: chrono::DateTime<chrono::Utc>) {
    outln!(
        "{}",
        fields(&[
            ("id", run.id.to_string()),
            (
                "recipe",
                format!("{} {}", run.recipe_name, run.recipe_version)
            ),
            ("model", opt(&run.model_name)),
            ("type", run.run_type.to_string()),
            ("status", run.status.to_string()),
            (
                "created",
                format!("{} by {}", time(&run.created_at), run.created_by)
            ),
            ("started", opt_time(&run.started_at)),
            ("finished", opt_time(&run.finished_at)),
            ("duration", duration(run.duration_seconds(now))),
        ])
    );
    outln!(
        "\nmetrics:\n{}",
        crate::domain::diff::pretty(&run.metrics_json)
    );
    outln!(
        "\nartifacts:\n{}",
        crate::domain::diff::pretty(&run.artifacts_json)
    );
}
