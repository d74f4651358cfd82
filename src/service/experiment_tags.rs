//! MLflow's experiment tags on a recipe (its experiment): set and removed
//! by a client, audited as the recipe's.

use super::changes::TagExperiment;
use super::{Service, ServiceError, ServiceResult, invalid, refuse_nul};
use crate::store::LockedTable;
use serde_json::json;

/// As MLflow bounds them.
const MAX_KEY_CHARS: usize = 250;
const MAX_VALUE_CHARS: usize = 5000;
/// Tags nexml derives (`nexml.family`) or reads (`nexml.recipe`).
const RESERVED_PREFIX: &str = "nexml.";

impl Service {
    /// Sets (a value) or removes (none) one experiment tag of a recipe.
    pub async fn tag_experiment(&self, change: TagExperiment, actor: &str) -> ServiceResult<()> {
        let TagExperiment { recipe, key, value } = change;
        check_tag(&key, value.as_deref())?;
        let mut w = self.begin().await?;
        w.lock(LockedTable::Recipe, recipe).await?;
        let r = w.recipe(recipe).await?;
        match &value {
            Some(value) => w.set_experiment_tag(r.id, &key, value).await?,
            None => {
                if !w.delete_experiment_tag(r.id, &key).await? {
                    let what = format!("tag of experiment (recipe) '{}'", r.name);
                    return Err(ServiceError::not_found(&what, &key));
                }
            }
        }
        w.audit(
            actor,
            "recipe",
            r.id,
            "experiment_tag",
            json!({"key": key, "value": value}),
        )
        .await?;
        w.commit().await
    }
}

fn check_tag(key: &str, value: Option<&str>) -> ServiceResult<()> {
    if key.trim().is_empty() {
        return Err(invalid("an experiment tag's key cannot be empty"));
    }
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(invalid(format!(
            "experiment tag '{}…' is longer than {MAX_KEY_CHARS} characters",
            key.chars().take(40).collect::<String>()
        )));
    }
    if key.starts_with(RESERVED_PREFIX) {
        return Err(invalid(format!(
            "experiment tag '{key}': tags starting '{RESERVED_PREFIX}' are nexml's own"
        )));
    }
    refuse_nul("an experiment tag", key)?;
    if let Some(value) = value {
        refuse_nul("an experiment tag's value", value)?;
        if value.chars().count() > MAX_VALUE_CHARS {
            return Err(invalid(format!(
                "the value of experiment tag '{key}' is longer than {MAX_VALUE_CHARS} characters"
            )));
        }
    }
    Ok(())
}
