//! MLflow's model registry: registered models, their numbered versions and
//! the aliases naming one version each.

use crate::db::Statement;
use crate::error::StoreResult;
use crate::reads::reads;
use crate::records::{ModelAlias, ModelVersion, RegisteredModel, RegisteredVersion};
use crate::session::Session;
use chrono::{DateTime, Utc};
use nexml_core::domain::ModelStatus;
use serde_json::Value;

const MODEL_COLUMNS: &str =
    "id, name, description, last_version, tags_json, created_by, created_at, updated_at";
const VERSION_COLUMNS: &str = "registered_model_id, version, source, run_id, model_id, \
     description, tags_json, stage, created_by, created_at, updated_at";

reads!(
    pub async fn registered_model(&mut self, name: &str) -> StoreResult<Option<RegisteredModel>> {
        let s = Statement::new(format!(
            "SELECT {MODEL_COLUMNS} FROM ml_registered_model WHERE name = $1"
        ))
        .text(name);
        Ok(self.fetch::<RegisteredModel>(s).await?.into_iter().next())
    }

    /// A page of registered models by name; `like` narrows to names
    /// matching a SQL `LIKE` pattern.
    pub async fn registered_models(
        &mut self,
        like: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<RegisteredModel>> {
        let s = match like {
            Some(pattern) => Statement::new(format!(
                "SELECT {MODEL_COLUMNS} FROM ml_registered_model WHERE name LIKE $1 \
                 ORDER BY name LIMIT $2 OFFSET $3"
            ))
            .text(pattern),
            None => Statement::new(format!(
                "SELECT {MODEL_COLUMNS} FROM ml_registered_model \
                 ORDER BY name LIMIT $1 OFFSET $2"
            )),
        };
        self.fetch::<RegisteredModel>(s.int(limit).int(offset))
            .await
    }

    /// A registered model's versions, oldest first.
    pub async fn model_versions(
        &mut self,
        registered_model_id: i64,
    ) -> StoreResult<Vec<ModelVersion>> {
        let s = Statement::new(format!(
            "SELECT {VERSION_COLUMNS} FROM ml_model_version WHERE registered_model_id = $1 \
             ORDER BY version"
        ))
        .int(registered_model_id);
        self.fetch::<ModelVersion>(s).await
    }

    /// The versions made from run `run_id`, every model's.
    pub async fn model_versions_of_run(&mut self, run_id: i64) -> StoreResult<Vec<ModelVersion>> {
        let s = Statement::new(format!(
            "SELECT {VERSION_COLUMNS} FROM ml_model_version WHERE run_id = $1 \
             ORDER BY registered_model_id, version"
        ))
        .int(run_id);
        self.fetch::<ModelVersion>(s).await
    }

    /// The registered versions made from run `run_id`, by model and number.
    /// A run of a nexml model ties its versions to that model: they are in
    /// its stage (`service::registry`).
    pub async fn registered_versions_of_run(
        &mut self,
        run_id: i64,
    ) -> StoreResult<Vec<RegisteredVersion>> {
        let s = Statement::new(
            "SELECT m.name, v.version, v.stage, o.status FROM ml_model_version v \
             JOIN ml_registered_model m ON m.id = v.registered_model_id \
             JOIN ml_run x ON x.id = v.run_id \
             LEFT JOIN ml_model o ON o.id = x.model_id \
             WHERE v.run_id = $1 ORDER BY m.name, v.version",
        )
        .int(run_id);
        let rows = self
            .fetch::<(String, i64, String, Option<String>)>(s)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(name, version, stage, owner)| {
                let tied = owner.and_then(|status| status.parse::<ModelStatus>().ok());
                RegisteredVersion {
                    name,
                    version,
                    stage: tied.map_or(stage, |status| status.mlflow_stage().to_string()),
                }
            })
            .collect())
    }

    pub async fn model_aliases(
        &mut self,
        registered_model_id: i64,
    ) -> StoreResult<Vec<ModelAlias>> {
        let s = Statement::new(
            "SELECT registered_model_id, alias, version FROM ml_model_alias \
             WHERE registered_model_id = $1 ORDER BY alias",
        )
        .int(registered_model_id);
        self.fetch::<ModelAlias>(s).await
    }
);

impl Session {
    /// The new registered model's id.
    pub async fn insert_registered_model(
        &mut self,
        name: &str,
        description: &str,
        tags: &Value,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let s = Statement::new(
            "INSERT INTO ml_registered_model \
             (name, description, tags_json, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .text(name)
        .text(description)
        .json(tags)
        .text(by)
        .time(at);
        let ids = self.ints(s).await?;
        Ok(ids.first().copied().unwrap_or_default())
    }

    pub async fn update_registered_model(
        &mut self,
        m: &RegisteredModel,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "UPDATE ml_registered_model SET name = $1, description = $2, tags_json = $3, \
             last_version = $4, updated_at = $5 WHERE id = $6",
        )
        .text(m.name.as_str())
        .text(m.description.as_str())
        .json(&m.tags_json)
        .int(m.last_version)
        .time(at)
        .int(m.id);
        self.db.execute(s).await.map(drop)
    }

    pub async fn delete_registered_model(&mut self, id: i64) -> StoreResult<()> {
        let s = Statement::new("DELETE FROM ml_registered_model WHERE id = $1").int(id);
        self.db.execute(s).await.map(drop)
    }

    pub async fn insert_model_version(&mut self, v: &ModelVersion) -> StoreResult<()> {
        let s = Statement::new(format!(
            "INSERT INTO ml_model_version ({VERSION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .int(v.registered_model_id)
        .int(v.version)
        .text(v.source.as_str())
        .opt_int(v.run_id)
        .opt_text(v.model_id.clone())
        .text(v.description.as_str())
        .json(&v.tags_json)
        .text(v.stage.as_str())
        .text(v.created_by.as_str())
        .time(v.created_at)
        .time(v.updated_at);
        self.db.execute(s).await.map(drop)
    }

    pub async fn update_model_version(
        &mut self,
        v: &ModelVersion,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "UPDATE ml_model_version SET description = $1, tags_json = $2, stage = $3, \
             updated_at = $4 WHERE registered_model_id = $5 AND version = $6",
        )
        .text(v.description.as_str())
        .json(&v.tags_json)
        .text(v.stage.as_str())
        .time(at)
        .int(v.registered_model_id)
        .int(v.version);
        self.db.execute(s).await.map(drop)
    }

    pub async fn delete_model_version(
        &mut self,
        registered_model_id: i64,
        version: i64,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "DELETE FROM ml_model_version WHERE registered_model_id = $1 AND version = $2",
        )
        .int(registered_model_id)
        .int(version);
        self.db.execute(s).await.map(drop)
    }

    /// Points `alias` at `version` (moving it from another).
    pub async fn set_model_alias(
        &mut self,
        registered_model_id: i64,
        alias: &str,
        version: i64,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "INSERT INTO ml_model_alias (registered_model_id, alias, version) VALUES ($1, $2, $3) \
             ON CONFLICT (registered_model_id, alias) DO UPDATE SET version = excluded.version",
        )
        .int(registered_model_id)
        .text(alias)
        .int(version);
        self.db.execute(s).await.map(drop)
    }

    /// Whether there was such an alias.
    pub async fn delete_model_alias(
        &mut self,
        registered_model_id: i64,
        alias: &str,
    ) -> StoreResult<bool> {
        let s = Statement::new(
            "DELETE FROM ml_model_alias WHERE registered_model_id = $1 AND alias = $2",
        )
        .int(registered_model_id)
        .text(alias);
        Ok(self.db.execute(s).await? > 0)
    }
}
