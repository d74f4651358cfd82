//! MLflow 3's logged models: a model of an experiment (a recipe), usually
//! made by a run, with params, tags and a status; kept when deleted.

use crate::db::Statement;
use crate::error::StoreResult;
use crate::reads::reads;
use crate::records::{LoggedModel, ModelMetric};
use crate::session::Session;
use chrono::{DateTime, Utc};
use serde_json::Value;

const COLUMNS: &str = "id, experiment_id, run_id, name, model_type, status, created_by, created_at, \
     updated_at, params_json, tags_json, deleted_at";

/// Which logged models a search lists, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoggedModelQuery {
    /// The experiments (recipes); empty: every one.
    pub experiment_ids: Vec<i64>,
    /// Only those a run made.
    pub run_id: Option<i64>,
    pub deleted_too: bool,
    pub offset: i64,
    pub limit: i64,
}

reads!(
    pub async fn logged_model(&mut self, id: &str) -> StoreResult<Option<LoggedModel>> {
        let s = Statement::new(format!(
            "SELECT {COLUMNS} FROM ml_logged_model WHERE id = $1"
        ))
        .text(id);
        Ok(self.fetch::<LoggedModel>(s).await?.into_iter().next())
    }

    /// A page of logged models, newest first.
    pub async fn logged_models(&mut self, q: &LoggedModelQuery) -> StoreResult<Vec<LoggedModel>> {
        let mut sql = format!("SELECT {COLUMNS} FROM ml_logged_model WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if !q.experiment_ids.is_empty() {
            let list: Vec<String> = q.experiment_ids.iter().map(|_| next()).collect();
            sql.push_str(&format!(" AND experiment_id IN ({})", list.join(", ")));
        }
        if q.run_id.is_some() {
            sql.push_str(&format!(" AND run_id = {}", next()));
        }
        if !q.deleted_too {
            sql.push_str(" AND deleted_at IS NULL");
        }
        sql.push_str(&format!(
            " ORDER BY created_at DESC, id DESC LIMIT {} OFFSET {}",
            next(),
            next()
        ));
        let mut s = Statement::new(sql);
        for id in &q.experiment_ids {
            s = s.int(*id);
        }
        if let Some(run) = q.run_id {
            s = s.int(run);
        }
        s = s.int(q.limit).int(q.offset);
        self.fetch::<LoggedModel>(s).await
    }

    /// The metric points logged against these models, by model, key,
    /// step and time.
    pub async fn model_metrics(&mut self, ids: &[String]) -> StoreResult<Vec<ModelMetric>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        let mut s = Statement::new(format!(
            "SELECT model_id, run_id, key, value, step, at, dataset_name, dataset_digest \
             FROM ml_logged_model_metric WHERE model_id IN ({}) \
             ORDER BY model_id, key, step, at",
            list.join(", ")
        ));
        for id in ids {
            s = s.text(id.as_str());
        }
        self.fetch::<ModelMetric>(s).await
    }
);

impl Session {
    pub async fn insert_model_metrics(&mut self, points: &[ModelMetric]) -> StoreResult<()> {
        for p in points {
            let s = Statement::new(
                "INSERT INTO ml_logged_model_metric (model_id, run_id, key, value, step, at, \
                 dataset_name, dataset_digest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .text(p.model_id.as_str())
            .int(p.run_id)
            .text(p.key.as_str())
            .float(p.value)
            .int(p.step)
            .time(p.at)
            .text(p.dataset_name.as_str())
            .text(p.dataset_digest.as_str());
            self.db.execute(s).await?;
        }
        Ok(())
    }

    pub async fn insert_logged_model(&mut self, m: &LoggedModel) -> StoreResult<()> {
        let s = Statement::new(format!(
            "INSERT INTO ml_logged_model ({COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .text(m.id.as_str())
        .int(m.experiment_id)
        .opt_int(m.run_id)
        .text(m.name.as_str())
        .text(m.model_type.as_str())
        .text(m.status.as_str())
        .text(m.created_by.as_str())
        .time(m.created_at)
        .time(m.updated_at)
        .json(&m.params_json)
        .json(&m.tags_json)
        .opt_time(m.deleted_at);
        self.db.execute(s).await.map(drop)
    }

    /// Writes what may change of a logged model: its status, params, tags
    /// and deletion.
    pub async fn update_logged_model(
        &mut self,
        id: &str,
        status: &str,
        params: &Value,
        tags: &Value,
        deleted_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "UPDATE ml_logged_model SET status = $1, params_json = $2, tags_json = $3, \
             deleted_at = $4, updated_at = $5 WHERE id = $6",
        )
        .text(status)
        .json(params)
        .json(tags)
        .opt_time(deleted_at)
        .time(at)
        .text(id);
        self.db.execute(s).await.map(drop)
    }
}
