//! MLflow's experiment tags: key/value pairs on an experiment, set by a
//! client's `set_experiment_tag`.

use crate::db::Statement;
use crate::error::StoreResult;
use crate::reads::reads;
use crate::records::ExperimentTag;
use crate::session::Session;

reads!(
    /// Every experiment's tags, by experiment and key (experiments are few).
    pub async fn experiment_tags(&mut self) -> StoreResult<Vec<ExperimentTag>> {
        let s = Statement::new(
            "SELECT experiment_id, key, value FROM ml_experiment_tag ORDER BY experiment_id, key",
        );
        self.fetch::<ExperimentTag>(s).await
    }
);

impl Session {
    pub async fn set_experiment_tag(
        &mut self,
        experiment_id: i64,
        key: &str,
        value: &str,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "INSERT INTO ml_experiment_tag (experiment_id, key, value) VALUES ($1, $2, $3) \
             ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value",
        )
        .int(experiment_id)
        .text(key)
        .text(value);
        self.db.execute(s).await.map(drop)
    }

    /// Whether there was such a tag.
    pub async fn delete_experiment_tag(
        &mut self,
        experiment_id: i64,
        key: &str,
    ) -> StoreResult<bool> {
        let s =
            Statement::new("DELETE FROM ml_experiment_tag WHERE experiment_id = $1 AND key = $2")
                .int(experiment_id)
                .text(key);
        Ok(self.db.execute(s).await? > 0)
    }
}
