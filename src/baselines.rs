//! The four baseline recipes, shipped as files in `seeds/baselines/`: their
//! names, manifests and synthetic examples, for seeding and for the chat.

use crate::domain::ModelFamily;
use crate::store::{NewExample, StoreError, StoreResult};
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
            recipe: include_str!(concat!("../seeds/baselines/", $dir, "/recipe.json")),
            manifest: include_str!(concat!("../seeds/baselines/", $dir, "/manifest.json")),
            example: include_str!(concat!("../seeds/baselines/", $dir, "/example.json")),
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

pub(crate) fn parse_seed(text: &str, what: &str) -> StoreResult<Value> {
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
