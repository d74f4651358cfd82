//! A recipe's synthetic example: its dataset schema, sample rows and an
//! example run.

use super::changes::PutExample;
use super::{Service, ServiceError, ServiceResult, invalid};
use crate::store::{LockedTable, SyntheticExample};
use serde_json::json;

impl Service {
    /// Replaces a recipe's synthetic example.
    pub async fn put_example(
        &self,
        change: PutExample,
        actor: &str,
    ) -> ServiceResult<SyntheticExample> {
        let PutExample {
            recipe: recipe_id,
            example,
        } = change;
        for (what, value, want_array) in [
            ("dataset_schema", &example.dataset_schema, false),
            ("sample_rows", &example.sample_rows, true),
            ("example_run", &example.example_run, false),
        ] {
            let ok = if want_array {
                value.is_array()
            } else {
                value.is_object()
            };
            if !ok {
                let kind = if want_array { "an array" } else { "an object" };
                return Err(invalid(format!("{what} must be {kind}")));
            }
        }
        let mut w = self.begin().await?;
        w.lock(LockedTable::Recipe, recipe_id).await?;
        let at = w.at;
        if !w.touch_recipe(recipe_id, at).await? {
            return Err(ServiceError::not_found("recipe", recipe_id));
        }
        w.upsert_example(recipe_id, &example, at).await?;
        let saved = w
            .example(recipe_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("example of recipe", recipe_id))?;
        w.audit(
            actor,
            "example",
            saved.id,
            "put",
            json!({"recipe_id": recipe_id}),
        )
        .await?;
        w.commit().await?;
        Ok(saved)
    }
}
