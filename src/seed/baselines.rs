//! The four baseline recipes, shipped as files in `seeds/baselines/`.

use super::{SEED_ACTOR, SeedReport};
use crate::baselines::{BASELINES, baseline_example, baseline_name, parse_seed};
use crate::domain::{RecipeLevel, manifest};
use crate::service::Service;
use crate::service::changes::PutExample;
use crate::service::{ServiceError, ServiceResult};
use crate::store::{NewRecipe, StoreError};

/// Inserts the four approved baselines and their examples; a baseline already
/// present (by name) is left as it is.
pub async fn seed_baselines(svc: &Service) -> ServiceResult<SeedReport> {
    let store = svc.store();
    let mut report = SeedReport::default();
    for b in &BASELINES {
        let recipe = parse_seed(b.recipe, "recipe.json")?;
        let name = baseline_name(b.family)?;
        match store.find_recipe(&name).await {
            Ok(_) => {
                report.unchanged.push(format!("recipe '{name}'"));
                continue;
            }
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let manifest =
            manifest::parse_and_validate(b.manifest, manifest::DEFAULT_MAX_MANIFEST_BYTES)?;
        let tags = recipe["tags"]
            .as_array()
            .map(|t| {
                t.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let created = match svc
            .create_recipe(
                NewRecipe {
                    name: name.clone(),
                    model_family: b.family,
                    level: RecipeLevel::Baseline,
                    parent_id: None,
                    tags,
                    manifest,
                    change_note: recipe["change_note"]
                        .as_str()
                        .unwrap_or("Initial baseline")
                        .into(),
                    approved: true,
                },
                SEED_ACTOR,
            )
            .await
        {
            Ok(created) => created,
            // Another process seeding the same new database won the race.
            Err(ServiceError::Exists(_)) => {
                report.unchanged.push(format!("recipe '{name}'"));
                continue;
            }
            Err(e) => return Err(e),
        };
        svc.put_example(
            PutExample::to(created.id, baseline_example(b.family)?),
            SEED_ACTOR,
        )
        .await?;
        report.created.push(format!(
            "recipe '{name}' ({}, baseline) version 1.0.0, approved, with its synthetic example",
            b.family
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_baseline_manifest_is_valid_and_of_its_family() {
        for b in &BASELINES {
            let m = manifest::parse_and_validate(b.manifest, manifest::DEFAULT_MAX_MANIFEST_BYTES)
                .unwrap_or_else(|e| panic!("{}: {e}", b.family));
            assert_eq!(m["metadata"]["model_family"], b.family.as_str());
            let ex = baseline_example(b.family).unwrap();
            assert!(ex.sample_rows.as_array().is_some_and(|r| !r.is_empty()));
        }
    }
}
