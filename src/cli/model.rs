//! `nexml model ...`

use super::Context;
use super::args::ModelCommand;
use super::output::{fields, print_json, print_page, time};
use crate::service::changes::{MoveModel, UpdateModel};
use crate::store::{Model, ModelQuery, NewModel};
use color_eyre::eyre::{Result, eyre};

pub async fn run(ctx: &Context, command: ModelCommand) -> Result<()> {
    let store = ctx.store.as_ref();
    match command {
        ModelCommand::List {
            family,
            status,
            recipe,
            owner,
            search,
            paging,
        } => {
            let recipe_id = match recipe {
                Some(r) => Some(store.find_recipe(&r).await?.id),
                None => None,
            };
            let page = store
                .list_models(&ModelQuery {
                    family,
                    status,
                    recipe_id,
                    owner,
                    search,
                    limit: paging.limit,
                    offset: paging.offset,
                    ..Default::default()
                })
                .await?;
            let headers = [
                "id", "name", "family", "status", "owner", "recipe", "version",
            ];
            let row = |m: &Model| {
                vec![
                    m.id.to_string(),
                    m.name.clone(),
                    m.model_family.to_string(),
                    m.status.to_string(),
                    m.owner.clone(),
                    m.recipe_name.clone(),
                    m.recipe_version.clone(),
                ]
            };
            print_page(ctx.json, &page, &headers, row, "models")?;
        }
        ModelCommand::Show { reference } => {
            let model = store.find_model(&reference).await?;
            if ctx.json {
                return print_json(&model);
            }
            outln!("{}", model_fields(&model));
            let history = store.audit("model", model.id).await?;
            outln!("\nhistory:");
            for e in history {
                outln!(
                    "  {}  {:<8}  {}  {}",
                    time(&e.at),
                    e.action,
                    e.actor,
                    crate::domain::audit_text::describe(&e.action, &e.details)
                );
            }
        }
        ModelCommand::Register {
            recipe,
            version,
            name,
            owner,
        } => {
            let recipe = store.find_recipe(&recipe).await?;
            let model = ctx
                .service
                .register_model(
                    NewModel {
                        name,
                        recipe_id: recipe.id,
                        version,
                        owner: owner.unwrap_or(ctx.user.clone()),
                    },
                    &ctx.user,
                )
                .await?;
            report(ctx, &model, "registered")?;
        }
        ModelCommand::Update {
            reference,
            name,
            owner,
        } => {
            if name.is_none() && owner.is_none() {
                return Err(eyre!("nothing to change: give --name or --owner"));
            }
            let model = store.find_model(&reference).await?;
            let change = UpdateModel {
                model: model.id,
                name,
                owner,
            };
            let model = ctx.service.update_model(change, &ctx.user).await?;
            report(ctx, &model, "updated")?;
        }
        ModelCommand::Promote {
            reference,
            status,
            force,
        } => {
            let model = store.find_model(&reference).await?;
            let from = model.status;
            let change = MoveModel::to(model.id, status).forced(force);
            let model = ctx.service.move_model(change, &ctx.user).await?;
            if ctx.json {
                return print_json(&model);
            }
            outln!("model '{}': {from} -> {}", model.name, model.status);
        }
    }
    Ok(())
}

fn report(ctx: &Context, model: &Model, verb: &str) -> Result<()> {
    if ctx.json {
        return print_json(model);
    }
    outln!(
        "{verb} model '{}' (id {}, {}, from '{}' {}, owner {})",
        model.name,
        model.id,
        model.status,
        model.recipe_name,
        model.recipe_version,
        model.owner
    );
    Ok(())
}

fn model_fields(m: &Model) -> String {
    fields(&[
        ("id", m.id.to_string()),
        ("name", m.name.clone()),
        ("family", m.model_family.to_string()),
        ("status", m.status.to_string()),
        ("owner", m.owner.clone()),
        ("recipe", format!("{} {}", m.recipe_name, m.recipe_version)),
        (
            "trained",
            m.run_id.map_or("-".into(), |r| format!("by run {r}")),
        ),
        ("created", time(&m.created_at)),
        ("updated", time(&m.updated_at)),
    ])
}
