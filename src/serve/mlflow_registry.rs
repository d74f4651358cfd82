//! MLflow's model registry endpoints (`registered-models/*`,
//! `model-versions/*`), as MLflow's client calls them; what they keep is
//! `service::registry`'s.

use super::Api;
use super::http::{ApiError, Reply, Request, json_reply};
use super::mlflow_fields::{Fields, MAX_RESULTS, pairs};
use crate::service::registry::{
    ModelVersionChange, NewModelVersion, RegisteredModelChange, RegistryEntry,
};
use crate::store::{ModelVersion, RegisteredModel};
use hyper::Method;
use serde_json::{Value, json};

pub async fn registered_models(
    api: &Api,
    req: &Request,
    f: &Fields<'_>,
    rpc: &str,
) -> Result<Reply, ApiError> {
    use RegisteredModelChange as C;
    let change = |c: C| async {
        let name = f.required_string("name")?;
        api.service
            .change_registered_model(&name, c, &api.user)
            .await?;
        Ok::<_, ApiError>(())
    };
    if let Some(c) = delete_or_tag(&req.method, rpc, f, C::Delete, C::SetTag, C::DeleteTag)? {
        change(c).await?;
        return Ok(json_reply(&json!({})));
    }
    match (&req.method, rpc) {
        (&Method::POST, "create") => {
            let name = f.required_string("name")?;
            let description = f.string("description")?.unwrap_or_default();
            let tags = pairs(f, "tags")?;
            api.service
                .create_registered_model(&name, &description, &tags, &api.user)
                .await?;
            registered_model_reply(api, &name).await
        }
        (&Method::GET, "get") => registered_model_reply(api, &f.required_string("name")?).await,
        (&Method::PATCH, "update") => {
            change(C::Describe(f.string("description")?.unwrap_or_default())).await?;
            registered_model_reply(api, &f.required_string("name")?).await
        }
        (&Method::POST, "rename") => {
            let to = f.required_string("new_name")?;
            change(C::Rename(to.clone())).await?;
            registered_model_reply(api, &to).await
        }
        (&Method::POST, "alias") => {
            let alias = f.required_string("alias")?;
            let version = version_number(&f.required_string("version")?)?;
            change(C::SetAlias { alias, version }).await?;
            Ok(json_reply(&json!({})))
        }
        (&Method::DELETE, "alias") => {
            change(C::DeleteAlias(f.required_string("alias")?)).await?;
            Ok(json_reply(&json!({})))
        }
        (&Method::GET, "alias") => {
            let e = whole(api, &f.required_string("name")?).await?;
            let alias = f.required_string("alias")?;
            let v = e
                .aliases
                .iter()
                .find(|a| a.alias == alias)
                .and_then(|a| e.versions.iter().find(|v| v.version == a.version))
                .ok_or_else(|| {
                    ApiError::not_found(format!("Registered model alias {alias} not found."))
                })?;
            Ok(json_reply(&json!({"model_version": version_json(&e, v)})))
        }
        (&Method::POST | &Method::GET, "get-latest-versions") => {
            let e = whole(api, &f.required_string("name")?).await?;
            let stages: Vec<String> = f
                .list("stages")?
                .iter()
                .filter_map(|s| s.as_str().map(str::to_lowercase))
                .collect();
            Ok(json_reply(&json!({"model_versions": latest(&e, &stages)})))
        }
        (&Method::GET | &Method::POST, "search") => search_registered(api, f).await,
        _ => Err(ApiError::no_endpoint(&req.method, &req.path.join("/"))),
    }
}

pub async fn model_versions(
    api: &Api,
    req: &Request,
    f: &Fields<'_>,
    rpc: &str,
) -> Result<Reply, ApiError> {
    use ModelVersionChange as C;
    let change = |c: C| async {
        let name = f.required_string("name")?;
        let version = version_number(&f.required_string("version")?)?;
        api.service
            .change_model_version(&name, version, c, &api.user)
            .await?;
        Ok::<_, ApiError>((name, version))
    };
    if let Some(c) = delete_or_tag(&req.method, rpc, f, C::Delete, C::SetTag, C::DeleteTag)? {
        change(c).await?;
        return Ok(json_reply(&json!({})));
    }
    match (&req.method, rpc) {
        (&Method::POST, "create") => {
            let new = NewModelVersion {
                name: f.required_string("name")?,
                source: f.string("source")?.unwrap_or_default(),
                run: f
                    .string("run_id")?
                    .filter(|r| !r.is_empty())
                    .map(|r| number(&r, "run"))
                    .transpose()?,
                model_id: f.string("model_id")?.filter(|m| !m.is_empty()),
                description: f.string("description")?.unwrap_or_default(),
                tags: pairs(f, "tags")?,
            };
            let v = api.service.create_model_version(new, &api.user).await?;
            version_reply(api, &f.required_string("name")?, v.version).await
        }
        (&Method::GET, "get") => {
            let version = version_number(&f.required_string("version")?)?;
            version_reply(api, &f.required_string("name")?, version).await
        }
        (&Method::PATCH, "update") => {
            let (name, version) =
                change(C::Describe(f.string("description")?.unwrap_or_default())).await?;
            version_reply(api, &name, version).await
        }
        (&Method::POST, "transition-stage") => {
            let stage = f.required_string("stage")?;
            let archive_others = f.bool("archive_existing_versions")?.unwrap_or(false);
            let (name, version) = change(C::Stage {
                stage,
                archive_others,
            })
            .await?;
            version_reply(api, &name, version).await
        }
        (&Method::GET, "get-download-uri") => {
            let version = version_number(&f.required_string("version")?)?;
            let e = whole(api, &f.required_string("name")?).await?;
            let v = find_version(&e, version)?;
            Ok(json_reply(&json!({"artifact_uri": v.source})))
        }
        (&Method::GET | &Method::POST, "search") => search_versions(api, f).await,
        _ => Err(ApiError::no_endpoint(&req.method, &req.path.join("/"))),
    }
}

/// The calls a registered model and a model version answer alike (delete
/// it, set or delete one of its tags) as their change `C`, made of the
/// call's fields; None for any other call. Each answers `{}` once made.
fn delete_or_tag<C>(
    method: &Method,
    rpc: &str,
    f: &Fields<'_>,
    delete: C,
    set_tag: fn(String, String) -> C,
    delete_tag: fn(String) -> C,
) -> Result<Option<C>, ApiError> {
    Ok(Some(match (method, rpc) {
        (&Method::DELETE, "delete") => delete,
        (&Method::POST, "set-tag") => {
            set_tag(f.required_string("key")?, f.required_string("value")?)
        }
        (&Method::DELETE, "delete-tag") => delete_tag(f.required_string("key")?),
        _ => return Ok(None),
    }))
}

/// A registered model with its versions and aliases.
async fn whole(api: &Api, name: &str) -> Result<RegistryEntry, ApiError> {
    let m = api.store().registered_model(name).await?.ok_or_else(|| {
        ApiError::not_found(format!("Registered Model with name={name} not found"))
    })?;
    Ok(api.service.registry_entry(m).await?)
}

async fn registered_model_reply(api: &Api, name: &str) -> Result<Reply, ApiError> {
    let e = whole(api, name).await?;
    Ok(json_reply(
        &json!({"registered_model": registered_json(&e)}),
    ))
}

async fn version_reply(api: &Api, name: &str, version: i64) -> Result<Reply, ApiError> {
    let e = whole(api, name).await?;
    let v = find_version(&e, version)?;
    Ok(json_reply(&json!({"model_version": version_json(&e, v)})))
}

fn find_version(e: &RegistryEntry, version: i64) -> Result<&ModelVersion, ApiError> {
    e.versions
        .iter()
        .find(|v| v.version == version)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Model Version (name={}, version={version}) not found",
                e.model.name
            ))
        })
}

/// Registered models by name, filtered by `and`-joined comparisons of the
/// name or a tag (`name LIKE 'demand%' AND tag.team != 'x'`; `=`, `!=`,
/// `LIKE`, `ILIKE`), paged. The registry is read whole: it holds few.
async fn search_registered(api: &Api, f: &Fields<'_>) -> Result<Reply, ApiError> {
    let text = f.string("filter")?.unwrap_or_default();
    let conditions = conditions(&text)?;
    let limit = f.max_results(100, MAX_RESULTS)?;
    let offset = page_offset(f)?;
    let all = api.store().registered_models(None, 0, i64::MAX).await?;
    let matching: Vec<&RegisteredModel> = all
        .iter()
        .filter(|m| conditions.iter().all(|c| c.holds(m)))
        .collect();
    let page = matching
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut out = Vec::new();
    for m in page {
        let e = api.service.registry_entry((*m).clone()).await?;
        out.push(registered_json(&e));
    }
    let mut reply = json!({"registered_models": out});
    if (matching.len() as i64) > offset + limit {
        reply["next_page_token"] = json!((offset + limit).to_string());
    }
    Ok(json_reply(&reply))
}

/// One comparison of a registered-model search.
struct Condition {
    /// None: the name; Some: a tag's key.
    tag: Option<String>,
    op: String,
    value: String,
}

impl Condition {
    fn holds(&self, m: &RegisteredModel) -> bool {
        let got = match &self.tag {
            None => Some(m.name.as_str()),
            Some(key) => m.tags_json.get(key).and_then(Value::as_str),
        };
        match (self.op.as_str(), got) {
            ("=", Some(g)) => g == self.value,
            ("!=", g) => g != Some(self.value.as_str()),
            ("LIKE", Some(g)) => like(g, &self.value, false),
            ("ILIKE", Some(g)) => like(g, &self.value, true),
            _ => false,
        }
    }
}

fn conditions(text: &str) -> Result<Vec<Condition>, ApiError> {
    let refused = |why: String| {
        ApiError::bad_request(format!(
            "nexml serve searches registered models by name or tag (=, !=, LIKE, ILIKE, joined by AND): {why}"
        ))
    };
    and_parts(text)
        .into_iter()
        .map(|part| {
            let (key, op, value) =
                comparison(&part).ok_or_else(|| refused(format!("'{part}' is not one")))?;
            let key = key.replace('`', "");
            let tag = match key.as_str() {
                "name" => None,
                k => Some(
                    k.strip_prefix("tags.")
                        .or_else(|| k.strip_prefix("tag."))
                        .ok_or_else(|| refused(format!("no field '{k}'")))?
                        .to_string(),
                ),
            };
            Ok(Condition { tag, op, value })
        })
        .collect()
}

/// `text` cut at each `AND` outside quotes; empty: no part.
fn and_parts(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quote: Option<char> = None;
    let words: Vec<&str> = text.split(' ').collect();
    for w in words {
        for c in w.chars() {
            match quote {
                Some(q) if c == q => quote = None,
                None if c == '\'' || c == '"' => quote = Some(c),
                _ => {}
            }
        }
        if quote.is_none() && w.eq_ignore_ascii_case("and") {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(w);
        }
    }
    parts.retain(|p| !p.trim().is_empty());
    parts
}

/// SQL `LIKE`: `%` any run, `_` one character; in time proportional to
/// the text's length times the pattern's (a pattern of many `%` cannot
/// make it explode).
fn like(text: &str, pattern: &str, ignore_case: bool) -> bool {
    let fold = |s: &str| -> Vec<char> {
        if ignore_case {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (t, p) = (fold(text), fold(pattern));
    // matched[j]: the text so far matches the pattern's first j characters.
    let mut matched = vec![false; p.len() + 1];
    matched[0] = true;
    for j in 1..=p.len() {
        matched[j] = matched[j - 1] && p[j - 1] == '%';
    }
    for c in &t {
        let mut next = vec![false; p.len() + 1];
        for j in 1..=p.len() {
            next[j] = match p[j - 1] {
                '%' => next[j - 1] || matched[j],
                '_' => matched[j - 1],
                q => matched[j - 1] && q == *c,
            };
        }
        matched = next;
    }
    matched[p.len()]
}

/// `name = 'x'` (one model's versions) or `run_id = '7'` (a run's).
async fn search_versions(api: &Api, f: &Fields<'_>) -> Result<Reply, ApiError> {
    let text = f.string("filter")?.unwrap_or_default();
    if text.trim().is_empty() {
        let mut out = Vec::new();
        for m in api.store().registered_models(None, 0, i64::MAX).await? {
            let e = api.service.registry_entry(m).await?;
            out.extend(e.versions.iter().map(|v| version_json(&e, v)));
        }
        return Ok(json_reply(&json!({"model_versions": out})));
    }
    let (key, value) = equality(&text).ok_or_else(|| {
        ApiError::bad_request(format!(
            "nexml serve searches model versions by name = '...' or run_id = '...' only (got '{text}')"
        ))
    })?;
    let mut out = Vec::new();
    match key.as_str() {
        // An unknown name has no versions, as MLflow answers.
        "name" => {
            if let Some(m) = api.store().registered_model(&value).await? {
                let e = api.service.registry_entry(m).await?;
                out.extend(e.versions.iter().map(|v| version_json(&e, v)));
            }
        }
        "run_id" => {
            let run = number(&value, "run")?;
            let versions = api.store().model_versions_of_run(run).await?;
            if !versions.is_empty() {
                let models = api.store().registered_models(None, 0, i64::MAX).await?;
                for v in &versions {
                    let Some(m) = models.iter().find(|m| m.id == v.registered_model_id) else {
                        continue;
                    };
                    let e = api.service.registry_entry(m.clone()).await?;
                    if let Some(shown) = e.versions.iter().find(|s| s.version == v.version) {
                        out.push(version_json(&e, shown));
                    }
                }
            }
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "nexml serve searches model versions by name or run_id, not by {other}"
            )));
        }
    }
    Ok(json_reply(&json!({"model_versions": out})))
}

/// The newest version in each stage asked for (every stage: none asked).
fn latest(e: &RegistryEntry, stages: &[String]) -> Vec<Value> {
    let mut out = Vec::new();
    for stage in crate::service::registry::STAGES {
        if !stages.is_empty() && !stages.contains(&stage.to_lowercase()) {
            continue;
        }
        if let Some(v) = e.versions.iter().rev().find(|v| v.stage == stage) {
            out.push(version_json(e, v));
        }
    }
    out
}

fn registered_json(e: &RegistryEntry) -> Value {
    let m = &e.model;
    json!({
        "name": m.name,
        "creation_timestamp": m.created_at.timestamp_millis(),
        "last_updated_timestamp": m.updated_at.timestamp_millis(),
        "user_id": m.created_by,
        "description": m.description,
        "latest_versions": latest(e, &[]),
        "tags": tag_list(&m.tags_json),
        "aliases": e
            .aliases
            .iter()
            .map(|a| json!({"alias": a.alias, "version": a.version.to_string()}))
            .collect::<Vec<_>>(),
    })
}

fn version_json(e: &RegistryEntry, v: &ModelVersion) -> Value {
    json!({
        "name": e.model.name,
        "version": v.version.to_string(),
        "creation_timestamp": v.created_at.timestamp_millis(),
        "last_updated_timestamp": v.updated_at.timestamp_millis(),
        "user_id": v.created_by,
        "current_stage": v.stage,
        "description": v.description,
        "source": v.source,
        "run_id": v.run_id.map(|r| r.to_string()).unwrap_or_default(),
        "status": "READY",
        "tags": tag_list(&v.tags_json),
        "aliases": e
            .aliases
            .iter()
            .filter(|a| a.version == v.version)
            .map(|a| a.alias.clone())
            .collect::<Vec<_>>(),
        "model_id": v.model_id.clone().unwrap_or_default(),
    })
}

fn tag_list(tags: &Value) -> Vec<Value> {
    tags.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| json!({"key": k, "value": v.as_str().unwrap_or_default()}))
        .collect()
}

fn equality(text: &str) -> Option<(String, String)> {
    let (key, op, value) = comparison(text.trim())?;
    (op == "=").then_some((key, value))
}

/// `key OP 'value'` with OP one of `=`, `!=`, `LIKE`, `ILIKE`.
fn comparison(text: &str) -> Option<(String, String, String)> {
    let text = text.trim();
    let (key, _) = text.split_once(|c: char| c == '=' || c == '!' || c.is_whitespace())?;
    let after = text[key.len()..].trim_start();
    let (op, value) = if let Some(v) = after.strip_prefix("!=") {
        ("!=".to_string(), v.trim())
    } else if let Some(v) = after.strip_prefix('=') {
        ("=".to_string(), v.trim())
    } else {
        let rest = after;
        let (op, value) = rest.split_once(char::is_whitespace)?;
        let op = op.to_uppercase();
        if op != "LIKE" && op != "ILIKE" {
            return None;
        }
        (op, value.trim())
    };
    let value = value
        .strip_prefix(['\'', '"'])?
        .strip_suffix(['\'', '"'])?
        .to_string();
    Some((key.trim().trim_matches('`').to_string(), op, value))
}

/// Where a page starts: its token, a count of rows before it.
pub(super) fn page_offset(f: &Fields<'_>) -> Result<i64, ApiError> {
    match f.string("page_token")? {
        Some(t) if !t.is_empty() => t
            .parse()
            .ok()
            .filter(|n: &i64| (0..=i64::from(u32::MAX)).contains(n))
            .ok_or_else(|| ApiError::bad_request(format!("page_token '{t}' is not one of ours"))),
        _ => Ok(0),
    }
}

fn version_number(text: &str) -> Result<i64, ApiError> {
    text.parse()
        .ok()
        .filter(|v: &i64| *v > 0)
        .ok_or_else(|| ApiError::bad_request(format!("'{text}' is no model version (1, 2, ...)")))
}

fn number(text: &str, what: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::not_found(format!("no {what} '{text}' (nexml's ids are numbers)")))
}

#[cfg(test)]
mod tests {
    use super::{and_parts, like};

    #[test]
    fn like_matches_as_sql_does_and_many_wildcards_stay_cheap() {
        assert!(like("demand-forecaster", "demand%", false));
        assert!(like("demand-forecaster", "%FORE%", true));
        assert!(!like("demand-forecaster", "%FORE%", false));
        assert!(like("v1", "v_", false));
        assert!(!like("v12", "v_", false));
        assert!(like("", "%", false));
        // Exponential for a backtracking matcher; a moment here.
        let name = "a".repeat(256);
        assert!(!like(&name, &format!("{}b", "%a".repeat(40)), false));
    }

    #[test]
    fn a_filter_is_cut_at_and_outside_quotes() {
        assert_eq!(
            and_parts("name LIKE 'a and b%' AND tag.`x` != 'true'"),
            ["name LIKE 'a and b%'", "tag.`x` != 'true'"]
        );
        assert!(and_parts("  ").is_empty());
    }
}
