//! MLflow's experiment tags: key/value pairs on a recipe (its experiment),
//! set by a client's `set_experiment_tag`.

use crate::db::Statement;
use crate::error::StoreResult;
use crate::reads::reads;
use crate::records::ExperimentTag;
use crate::session::Session;

reads!(
    /// Every recipe's experiment tags, by recipe and key (recipes are few).
    pub async fn experiment_tags(&mut self) -> StoreResult<Vec<ExperimentTag>> {
        let s = Statement::new(
            "SELECT recipe_id, key, value FROM ml_experiment_tag ORDER BY recipe_id, key",
        );
        self.fetch::<ExperimentTag>(s).await
    }
);

impl Session {
    pub async fn set_experiment_tag(
        &mut self,
        recipe_id: i64,
        key: &str,
        value: &str,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "INSERT INTO ml_experiment_tag (recipe_id, key, value) VALUES ($1, $2, $3) \
             ON CONFLICT (recipe_id, key) DO UPDATE SET value = excluded.value",
        )
        .int(recipe_id)
        .text(key)
        .text(value);
        self.db.execute(s).await.map(drop)
    }

    /// Whether there was such a tag.
    pub async fn delete_experiment_tag(&mut self, recipe_id: i64, key: &str) -> StoreResult<bool> {
        let s = Statement::new("DELETE FROM ml_experiment_tag WHERE recipe_id = $1 AND key = $2")
            .int(recipe_id)
            .text(key);
        Ok(self.db.execute(s).await? > 0)
    }
}
