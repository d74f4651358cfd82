//! MLflow's model registry, as MLflow's client drives it: registered
//! models (created, described, renamed, tagged, deleted), their numbered
//! versions (from a run or a logged model; described, tagged, staged,
//! deleted) and aliases naming one version each. Each change is audited
//! as the registered model's, under its lock.
//!
//! The registry is MLflow's own: an alias or a stage moves no nexml
//! model. A nexml model reaches production only through its gated
//! promotion (`model promote`), never through MLflow's face. A version made
//! by a run of a nexml model is tied to it: it shows that model's stage, the
//! aliases `staging` and `production` follow its promotions, and neither can
//! be set on it through MLflow.

use super::Work;
use super::logged_models::merged;
use super::{Service, ServiceError, ServiceResult, invalid, refuse_nul};
use crate::domain::ModelStatus;
use crate::store::{
    LockedTable, Model, ModelAlias, ModelVersion, RegisteredModel, Session, StoreError,
};
use serde_json::{Value, json};

/// As MLflow bounds a name, a key and a value.
const MAX_NAME_CHARS: usize = 256;
const MAX_VALUE_CHARS: usize = 5000;
/// MLflow's stages (deprecated there, kept for its clients).
pub const STAGES: [&str; 4] = ["None", "Staging", "Production", "Archived"];

/// The aliases a tied version's nexml model holds by its stage.
pub const LIFECYCLE_ALIASES: [ModelStatus; 2] = [ModelStatus::Staging, ModelStatus::Production];

/// A registered model as MLflow's client is shown it: its versions (a tied
/// one in its nexml model's stage) and aliases (the lifecycle ones on the
/// newest tied version in that stage).
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryEntry {
    pub model: RegisteredModel,
    pub versions: Vec<ModelVersion>,
    pub aliases: Vec<ModelAlias>,
}

/// A version to register.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewModelVersion {
    pub name: String,
    pub source: String,
    pub run: Option<i64>,
    pub model_id: Option<String>,
    pub description: String,
    pub tags: Vec<(String, String)>,
}

/// What may happen to a registered model.
#[derive(Debug, Clone, PartialEq)]
pub enum RegisteredModelChange {
    Describe(String),
    Rename(String),
    SetTag(String, String),
    DeleteTag(String),
    SetAlias { alias: String, version: i64 },
    DeleteAlias(String),
    Delete,
}

/// What may happen to one version.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelVersionChange {
    Describe(String),
    SetTag(String, String),
    DeleteTag(String),
    /// MLflow's stage; `archive_others` moves the versions in it to Archived.
    Stage {
        stage: String,
        archive_others: bool,
    },
    Delete,
}

impl Service {
    /// Registered model `model` whole, tied versions in their nexml model's
    /// stage.
    pub async fn registry_entry(&self, model: RegisteredModel) -> ServiceResult<RegistryEntry> {
        let mut s = self.store().read().await?;
        let mut versions = s.model_versions(model.id).await?;
        let mut aliases = s.model_aliases(model.id).await?;
        let mut tied = Vec::new();
        for v in &mut versions {
            if let Some(owner) = tied_to(&mut s, v).await? {
                v.stage = owner.status.mlflow_stage().to_string();
                tied.push((v.version, owner.status));
            }
        }
        for stage in LIFECYCLE_ALIASES {
            // Versions are in order: the last in the stage is the newest.
            if let Some((version, _)) = tied.iter().rev().find(|(_, s)| *s == stage) {
                aliases.retain(|a| !a.alias.eq_ignore_ascii_case(stage.as_str()));
                aliases.push(ModelAlias {
                    registered_model_id: model.id,
                    alias: stage.as_str().to_string(),
                    version: *version,
                });
            }
        }
        Ok(RegistryEntry {
            model,
            versions,
            aliases,
        })
    }

    pub async fn create_registered_model(
        &self,
        name: &str,
        description: &str,
        tags: &[(String, String)],
        actor: &str,
    ) -> ServiceResult<RegisteredModel> {
        check_name(name)?;
        check_pairs(tags)?;
        refuse_nul("a description", description)?;
        let mut w = self.begin().await?;
        if w.registered_model(name).await?.is_some() {
            return Err(ServiceError::Exists(format!(
                "Registered Model (name={name}) already exists."
            )));
        }
        let at = w.at;
        let tags = merged(&json!({}), tags);
        let id = w
            .insert_registered_model(name, description, &tags, actor, at)
            .await?;
        w.audit(
            actor,
            "registered_model",
            id,
            "create",
            json!({"name": name}),
        )
        .await?;
        let made = w.registered_model(name).await?;
        w.commit().await?;
        made.ok_or_else(|| ServiceError::not_found("registered model", name))
    }

    pub async fn change_registered_model(
        &self,
        name: &str,
        change: RegisteredModelChange,
        actor: &str,
    ) -> ServiceResult<()> {
        let (mut w, mut m) = self.locked_registered_model(name).await?;
        let at = w.at;
        let detail = match &change {
            RegisteredModelChange::Describe(text) => {
                refuse_nul("a description", text)?;
                m.description = text.clone();
                json!({"description": text})
            }
            RegisteredModelChange::Rename(to) => {
                check_name(to)?;
                if w.registered_model(to).await?.is_some() {
                    return Err(ServiceError::Exists(format!(
                        "Registered Model (name={to}) already exists."
                    )));
                }
                m.name = to.clone();
                json!({"rename": {"from": name, "to": to}})
            }
            RegisteredModelChange::SetTag(k, v) => {
                check_pairs(&[(k.clone(), v.clone())])?;
                m.tags_json = merged(&m.tags_json, &[(k.clone(), v.clone())]);
                json!({"tag": k})
            }
            RegisteredModelChange::DeleteTag(k) => {
                untag(&mut m.tags_json, k, name)?;
                json!({"untag": k})
            }
            RegisteredModelChange::SetAlias { alias, version } => {
                check_alias(alias)?;
                let v = version_of(&mut w, &m, *version).await?;
                if LIFECYCLE_ALIASES
                    .iter()
                    .any(|stage| alias.eq_ignore_ascii_case(stage.as_str()))
                {
                    refuse_if_tied(&mut w, &m, &v, &format!("its '{alias}' alias")).await?;
                }
                w.set_model_alias(m.id, alias, *version).await?;
                json!({"alias": alias, "version": version})
            }
            RegisteredModelChange::DeleteAlias(alias) => {
                if !w.delete_model_alias(m.id, alias).await? {
                    return Err(ServiceError::not_found(
                        &format!("alias of model '{name}'"),
                        alias,
                    ));
                }
                json!({"unalias": alias})
            }
            RegisteredModelChange::Delete => {
                w.delete_registered_model(m.id).await?;
                json!({"deleted": name})
            }
        };
        if change != RegisteredModelChange::Delete {
            w.update_registered_model(&m, at).await?;
        }
        w.audit(actor, "registered_model", m.id, "change", detail)
            .await?;
        w.commit().await
    }

    pub async fn create_model_version(
        &self,
        new: NewModelVersion,
        actor: &str,
    ) -> ServiceResult<ModelVersion> {
        check_pairs(&new.tags)?;
        refuse_nul("a version's source", &new.source)?;
        check_source(&new.source)?;
        let (mut w, mut m) = self.locked_registered_model(&new.name).await?;
        // `models:/m-…` names a logged model: the version is of it, and of
        // the run that made it.
        let mut new = new;
        if new.model_id.is_none()
            && let Some(id) = new
                .source
                .strip_prefix("models:/")
                .filter(|id| id.starts_with("m-"))
        {
            new.model_id = Some(id.to_string());
        }
        let mut logged = None;
        if let Some(id) = &new.model_id {
            let found = w
                .logged_model(id)
                .await?
                .ok_or_else(|| ServiceError::not_found("logged model", id))?;
            new.run = new.run.or(found.run_id);
            logged = Some(found);
        }
        if let Some(run) = new.run {
            w.run_row(run).await?;
        }
        let at = w.at;
        // Never a number given before, even to a version since deleted.
        let version = m.last_version + 1;
        m.last_version = version;
        let v = ModelVersion {
            registered_model_id: m.id,
            version,
            source: new.source,
            run_id: new.run,
            model_id: new.model_id,
            description: new.description,
            tags_json: merged(&json!({}), &new.tags),
            stage: "None".into(),
            created_by: actor.to_string(),
            created_at: at,
            updated_at: at,
        };
        w.insert_model_version(&v).await?;
        w.update_registered_model(&m, at).await?;
        if let Some(logged) = logged {
            // The logged model lists the versions made of it, as MLflow's
            // server tags it.
            w.lock(LockedTable::Experiment, logged.experiment_id)
                .await?;
            let mut tags = logged.tags_json.clone();
            let listed = model_versions_tag(tags.get(MODEL_VERSIONS_TAG), &m.name, version);
            if let Some(t) = tags.as_object_mut() {
                t.insert(MODEL_VERSIONS_TAG.into(), listed.into());
            }
            w.update_logged_model(
                &logged.id,
                &logged.status,
                &logged.params_json,
                &tags,
                logged.deleted_at,
                at,
            )
            .await?;
        }
        w.audit(
            actor,
            "registered_model",
            m.id,
            "version",
            json!({"version": version, "run": v.run_id, "model": v.model_id}),
        )
        .await?;
        w.commit().await?;
        Ok(v)
    }

    pub async fn change_model_version(
        &self,
        name: &str,
        version: i64,
        change: ModelVersionChange,
        actor: &str,
    ) -> ServiceResult<()> {
        let (mut w, m) = self.locked_registered_model(name).await?;
        let mut v = version_of(&mut w, &m, version).await?;
        let at = w.at;
        let detail = match &change {
            ModelVersionChange::Describe(text) => {
                refuse_nul("a description", text)?;
                v.description = text.clone();
                json!({"description": text})
            }
            ModelVersionChange::SetTag(k, val) => {
                check_pairs(&[(k.clone(), val.clone())])?;
                v.tags_json = merged(&v.tags_json, &[(k.clone(), val.clone())]);
                json!({"tag": k})
            }
            ModelVersionChange::DeleteTag(k) => {
                untag(&mut v.tags_json, k, name)?;
                json!({"untag": k})
            }
            ModelVersionChange::Stage {
                stage,
                archive_others,
            } => {
                refuse_if_tied(&mut w, &m, &v, "its stage").await?;
                let stage = STAGES
                    .iter()
                    .find(|s| s.eq_ignore_ascii_case(stage))
                    .ok_or_else(|| {
                        invalid(format!(
                            "'{stage}' is no stage (None, Staging, Production, Archived)"
                        ))
                    })?;
                if *archive_others && *stage != "None" && *stage != "Archived" {
                    for mut other in w.model_versions(m.id).await? {
                        if other.version != version && other.stage == *stage {
                            other.stage = "Archived".into();
                            w.update_model_version(&other, at).await?;
                        }
                    }
                }
                v.stage = stage.to_string();
                json!({"stage": stage})
            }
            ModelVersionChange::Delete => {
                w.delete_model_version(m.id, version).await?;
                json!({"deleted": version})
            }
        };
        if change != ModelVersionChange::Delete {
            w.update_model_version(&v, at).await?;
        }
        w.audit(
            actor,
            "registered_model",
            m.id,
            "version_change",
            json!({"version": version, "change": detail}),
        )
        .await?;
        w.commit().await
    }

    /// A write on registered model `name`, its row locked.
    async fn locked_registered_model(&self, name: &str) -> ServiceResult<(Work, RegisteredModel)> {
        let found = self.store().registered_model(name).await?;
        let id = found.map(|m| m.id).ok_or_else(|| not_found_model(name))?;
        let mut w = self.begin().await?;
        w.lock(LockedTable::RegisteredModel, id).await?;
        let m = w
            .registered_model(name)
            .await?
            .filter(|m| m.id == id)
            .ok_or_else(|| not_found_model(name))?;
        Ok((w, m))
    }
}

async fn version_of(
    w: &mut Work,
    m: &RegisteredModel,
    version: i64,
) -> ServiceResult<ModelVersion> {
    w.model_versions(m.id)
        .await?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(|| {
            ServiceError::NotFound(format!(
                "Model Version (name={}, version={version}) not found",
                m.name
            ))
        })
}

/// The nexml model whose run made version `v`, if any.
async fn tied_to(s: &mut Session, v: &ModelVersion) -> ServiceResult<Option<Model>> {
    let Some(run) = v.run_id else {
        return Ok(None);
    };
    let model_id = match s.run_row(run).await {
        Ok(run) => run.model_id,
        Err(StoreError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    match model_id {
        Some(id) => Ok(Some(s.model(id).await?)),
        None => Ok(None),
    }
}

/// Refuses to move `what` of a tied version: its nexml model's gated
/// promotion moves it.
async fn refuse_if_tied(
    w: &mut Work,
    m: &RegisteredModel,
    v: &ModelVersion,
    what: &str,
) -> ServiceResult<()> {
    match tied_to(w, v).await? {
        Some(owner) => Err(ServiceError::Forbidden(format!(
            "version {} of '{}' was made by a run of nexml model '{}' ({}): {what} follows that model's gated promotion; use `nexml model promote {} <stage>`",
            v.version,
            m.name,
            owner.name,
            owner.status.as_str(),
            owner.name
        ))),
        None => Ok(()),
    }
}

fn not_found_model(name: &str) -> ServiceError {
    ServiceError::NotFound(format!("Registered Model with name={name} not found"))
}

fn untag(tags: &mut Value, key: &str, name: &str) -> ServiceResult<()> {
    match tags.as_object_mut().and_then(|t| t.remove(key)) {
        Some(_) => Ok(()),
        None => Err(ServiceError::not_found(
            &format!("tag of model '{name}'"),
            key,
        )),
    }
}

fn check_name(name: &str) -> ServiceResult<()> {
    if name.trim().is_empty() {
        return Err(invalid("a registered model's name cannot be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!(
            "a registered model's name is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    refuse_nul("a registered model's name", name)
}

fn check_alias(alias: &str) -> ServiceResult<()> {
    // MLflow refuses "latest" and "v<N>": they name versions already.
    let reserved = alias.eq_ignore_ascii_case("latest")
        || alias
            .strip_prefix(['v', 'V'])
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    if reserved || alias.trim().is_empty() {
        return Err(invalid(format!("'{alias}' cannot be an alias")));
    }
    check_name(alias)
}

/// A version's source is a URI MLflow's client can load from: a run's, a
/// logged model's, served artifacts or a remote store. A local path (which
/// would name a file of the server's machine to whoever loads it) and a
/// `..` step out of where it points are refused, as MLflow refuses them.
fn check_source(source: &str) -> ServiceResult<()> {
    if source.trim().is_empty() {
        return Err(invalid(
            "a version needs a source: the runs:/ or models:/ URI it is made from",
        ));
    }
    let scheme = source
        .split_once(':')
        .map(|(scheme, _)| scheme)
        .filter(|s| {
            s.len() > 1
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
    let local = match scheme {
        None => true,
        Some(s) => s.eq_ignore_ascii_case("file"),
    };
    if local {
        return Err(invalid(format!(
            "source '{source}' is a local path: a version's source is a runs:/, models:/ or mlflow-artifacts:/ URI, or a remote store's"
        )));
    }
    // Read as a server would read it: percent-escapes decoded first.
    let decoded = percent_decoded(source);
    let climbs = decoded.split(['/', '\\']).any(|step| step == "..");
    if climbs || decoded.contains('\0') {
        // MLflow's words (which its tests look for), then what was wrong.
        let why = if climbs {
            "it steps out of its location with '..'"
        } else {
            "it holds a NUL character"
        };
        let refusal = if scheme.is_some_and(|s| s.eq_ignore_ascii_case("dbfs")) {
            format!("Invalid model version source: '{source}': {why}")
        } else {
            format!(
                "If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path. Source '{source}': {why}"
            )
        };
        return Err(invalid(refusal));
    }
    Ok(())
}

/// `text` with its `%XX` escapes decoded (a malformed one kept as is).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn check_pairs(pairs: &[(String, String)]) -> ServiceResult<()> {
    for (k, v) in pairs {
        check_name(k)?;
        if v.chars().count() > MAX_VALUE_CHARS {
            return Err(invalid(format!(
                "the value of tag '{k}' is longer than {MAX_VALUE_CHARS} characters"
            )));
        }
        refuse_nul(&format!("the value of tag '{k}'"), v)?;
    }
    Ok(())
}

/// The logged model's tag naming the registered versions made of it.
const MODEL_VERSIONS_TAG: &str = "mlflow.modelVersions";

/// The tag's value with one more version, written as MLflow's server
/// writes it (Python's `json.dumps`): `[{"name": "m", "version": 1}]`.
fn model_versions_tag(before: Option<&Value>, name: &str, version: i64) -> String {
    let mut listed: Vec<(String, i64)> = before
        .and_then(Value::as_str)
        .and_then(|text| serde_json::from_str::<Vec<Value>>(text).ok())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            Some((
                e.get("name")?.as_str()?.to_string(),
                e.get("version")?.as_i64()?,
            ))
        })
        .collect();
    listed.push((name.to_string(), version));
    let items: Vec<String> = listed
        .iter()
        .map(|(name, version)| {
            format!(
                "{{\"name\": {}, \"version\": {version}}}",
                Value::from(name.as_str())
            )
        })
        .collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::check_source;

    #[test]
    fn a_version_comes_from_a_uri_not_from_a_path_of_the_server() {
        for ok in [
            "models:/m-0123",
            "runs:/12/model",
            "mlflow-artifacts:/3/12/artifacts/model",
            "s3://bucket/model",
            "mlflow-artifacts://host:9000/models/artifact/..../",
        ] {
            assert!(check_source(ok).is_ok(), "{ok}");
        }
        for (refused, because) in [
            ("", "needs a source"),
            ("/etc", "local path"),
            ("file:///etc", "local path"),
            ("relative/dir", "local path"),
            ("C:\\models", "local path"),
            ("runs:/12/../../etc", "'..'"),
            ("mlflow-artifacts:/3/%2E%2E/x", "'..'"),
            (
                "mlflow-artifacts://host:9000/models/..%2f..%2fartifacts",
                "'..'",
            ),
            ("mlflow-artifacts://host:9000/models/artifact%00", "NUL"),
            (
                "dbfs:/1/artifacts/a%3f/../../x",
                "Invalid model version source",
            ),
            ("http://host/../x", "an absolute path must be provided"),
        ] {
            let e = check_source(refused).expect_err(refused).to_string();
            assert!(e.contains(because), "{refused}: {e}");
        }
    }

    #[test]
    fn a_logged_models_versions_are_listed_as_mlflows_server_lists_them() {
        use super::model_versions_tag;
        use serde_json::Value;
        let first = model_versions_tag(None, "model", 1);
        assert_eq!(first, r#"[{"name": "model", "version": 1}]"#);
        let second = model_versions_tag(Some(&Value::from(first)), "other \"m\"", 2);
        assert_eq!(
            second,
            r#"[{"name": "model", "version": 1}, {"name": "other \"m\"", "version": 2}]"#
        );
    }
}
