//! The four baseline recipes, shipped as files in `seeds/baselines/`.

use super::{SEED_ACTOR, SeedReport};
use crate::domain::{ModelFamily, RecipeLevel, manifest};
use crate::store::{NewExample, NewRecipe, Store, StoreError, StoreResult};
use serde_json::Value;

/// One baseline's files.
pub struct Baseline {
    pub family: ModelFamily,
    pub recipe: &'static str,
    pub manifest: &'static str,
    pub example: &'static str,
}

macro_rules! baseline {
    ($family:expr, $dir:literal) => {
        Baseline {
            family: $family,
            recipe: include_str!(concat!("../../seeds/baselines/", $dir, "/recipe.json")),
            manifest: include_str!(concat!("../../seeds/baselines/", $dir, "/manifest.json")),
            example: include_str!(concat!("../../seeds/baselines/", $dir, "/example.json")),
        }
    };
}

pub const BASELINES: [Baseline; 4] = [
    baseline!(ModelFamily::Forecasting, "forecasting"),
    baseline!(ModelFamily::Pricing, "pricing"),
    baseline!(ModelFamily::NextBestAction, "next_best_action"),
    baseline!(ModelFamily::LocationScoring, "location_scoring"),
];

fn baseline(family: ModelFamily) -> &'static Baseline {
    BASELINES
        .iter()
        .find(|b| b.family == family)
        .unwrap_or(&BASELINES[0])
}

/// The baseline manifest of a family, as shipped.
pub fn baseline_manifest_text(family: ModelFamily) -> &'static str {
    baseline(family).manifest
}

/// The baseline synthetic example of a family, as shipped.
pub fn baseline_example(family: ModelFamily) -> StoreResult<NewExample> {
    let v: Value = parse_seed(baseline(family).example, "example.json")?;
    Ok(NewExample {
        dataset_schema: v["dataset_schema"].clone(),
        sample_rows: v["sample_rows"].clone(),
        example_run: v["example_run"].clone(),
    })
}

fn parse_seed(text: &str, what: &str) -> StoreResult<Value> {
    serde_json::from_str(text).map_err(|e| StoreError::refused(format!("seed file {what}: {e}")))
}

/// The name a family's baseline recipe is seeded under.
pub fn baseline_name(family: ModelFamily) -> StoreResult<String> {
    let recipe = parse_seed(baseline(family).recipe, "recipe.json")?;
    recipe["name"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| StoreError::refused("seed recipe.json has no name"))
}

/// Inserts the four approved baselines and their examples; a baseline already
/// present (by name) is left as it is.
pub async fn seed_baselines(store: &dyn Store) -> StoreResult<SeedReport> {
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
            Err(e) => return Err(e),
        }
        let manifest = manifest::parse_and_validate(b.manifest)?;
        let tags = recipe["tags"]
            .as_array()
            .map(|t| {
                t.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let created = store
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
            .await?;
        store
            .put_example(created.id, baseline_example(b.family)?, SEED_ACTOR)
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
            let m = manifest::parse_and_validate(b.manifest)
                .unwrap_or_else(|e| panic!("{}: {e}", b.family));
            assert_eq!(m["metadata"]["model_family"], b.family.as_str());
            let ex = baseline_example(b.family).unwrap();
            assert!(ex.sample_rows.as_array().is_some_and(|r| !r.is_empty()));
        }
    }
}
