//! Params and metric histories written for many runs at once, as
//! `nexml generate` fills a database: one unit of work and one audit row for
//! the whole batch, like the batch of runs it follows.

use super::Service;
use super::ServiceResult;
use crate::store::tracking::NewMetricPoint;
use serde_json::json;

/// One run's params (if any) and metric points, as generated.
pub struct RunHistory {
    pub run_id: i64,
    pub params: Option<Vec<(String, String)>>,
    pub points: Vec<NewMetricPoint>,
}

/// What a batch wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HistoriesWritten {
    pub points: u64,
    pub runs_with_params: u64,
}

impl Service {
    /// Writes each run's history as `histories` yields it (so a batch's
    /// points need not all be held at once), audited as one
    /// "generate-tracking" row by `actor`.
    pub async fn write_run_histories(
        &self,
        histories: impl Iterator<Item = RunHistory> + Send,
        actor: &str,
    ) -> ServiceResult<HistoriesWritten> {
        let mut w = self.begin().await?;
        let mut written = HistoriesWritten::default();
        let mut runs = 0u64;
        for history in histories {
            runs += 1;
            if let Some(params) = &history.params {
                w.session.upsert_params(history.run_id, params).await?;
                written.runs_with_params += 1;
            }
            if !history.points.is_empty() {
                w.session
                    .insert_metric_points(history.run_id, &history.points, 0)
                    .await?;
                written.points += history.points.len() as u64;
            }
        }
        let details = json!({
            "runs": runs,
            "metric_points": written.points,
            "params": written.runs_with_params,
        });
        w.audit(actor, "run", 0, "generate-tracking", details)
            .await?;
        w.commit().await?;
        Ok(written)
    }
}
