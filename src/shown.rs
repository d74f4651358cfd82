//! JSON shapes the CLI's `--json` prints and `nexml serve` returns, where
//! they are more than one stored record: written once, for both.

use crate::store::{Recipe, RecipeVersion};
use serde::Serialize;

/// A version without its manifest, for lists.
#[derive(Serialize)]
pub struct VersionSummary {
    version_id: i64,
    version_number: String,
    bump: String,
    created_by: String,
    created_at: chrono::DateTime<chrono::Utc>,
    change_note: String,
    parent_version_number: Option<String>,
    approved_by: Option<String>,
    approved_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<&RecipeVersion> for VersionSummary {
    fn from(v: &RecipeVersion) -> Self {
        VersionSummary {
            version_id: v.version_id,
            version_number: v.version_number.clone(),
            bump: v.bump.to_string(),
            created_by: v.created_by.clone(),
            created_at: v.created_at,
            change_note: v.change_note.clone(),
            parent_version_number: v.parent_version_number.clone(),
            approved_by: v.approved_by.clone(),
            approved_at: v.approved_at,
        }
    }
}

/// `recipe show --json` (and the REST endpoint of one recipe).
#[derive(Serialize)]
pub struct RecipeDetail<'a> {
    #[serde(flatten)]
    recipe: &'a Recipe,
    versions: Vec<VersionSummary>,
    children: Vec<&'a str>,
}

impl<'a> RecipeDetail<'a> {
    pub fn new(recipe: &'a Recipe, versions: &[RecipeVersion], children: &'a [Recipe]) -> Self {
        RecipeDetail {
            recipe,
            versions: versions.iter().map(VersionSummary::from).collect(),
            children: children.iter().map(|c| c.name.as_str()).collect(),
        }
    }
}
