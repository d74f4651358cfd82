//! What a running job reports to its run (metrics per step, params, tags,
//! log output, artifact files), and the executor's side of a run: claim,
//! heartbeat, cancel, finish, and runs whose executor was lost.

use super::changes::{CancelRuns, DeleteRun, TagRuns};
use super::{Service, ServiceResult, Work, invalid, refuse_nul};
use crate::domain::RunStatus;
use crate::domain::lifecycle::Lifecycle;
use crate::store::tracking::NewMetricPoint;
use crate::store::{LockedTable, Run, RunArtifact, RunDocument, RunInput, RunModelLink};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

/// The largest log kept per run; output past it is dropped, once marked.
pub const MAX_LOG_BYTES: i64 = 16 * 1024 * 1024;
/// The marker ending a log that reached `MAX_LOG_BYTES`.
pub const LOG_CAP_MARKER: &str =
    "\n[nexml: the log reached its 16 MiB cap; later output is not kept (metrics still are)]\n";
/// An executor that has not vouched for its run for this long is lost.
pub const LOST_AFTER_SECONDS: i64 = 30;
/// Keys as MLflow bounds them.
const MAX_KEY_CHARS: usize = 250;
const MAX_PARAM_VALUE_CHARS: usize = 6000;
/// A dataset input's schema, profile and tags, together (MLflow bounds the
/// schema at 1 MiB).
const MAX_INPUT_BYTES: usize = 1024 * 1024 + 64 * 1024;

/// One report: any of metric points, params, tags and log text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    pub metrics: Vec<NewMetricPoint>,
    pub params: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    pub log: Option<String>,
}

impl RunReport {
    pub fn is_empty(&self) -> bool {
        self.metrics.is_empty()
            && self.params.is_empty()
            && self.tags.is_empty()
            && self.log.as_deref().is_none_or(str::is_empty)
    }
}

impl Service {
    /// Records a report in one unit of work: metric points in the history
    /// (and each metric's newest step in the run's metrics), params (which
    /// never change once set), tags, and log text up to the cap.
    pub async fn report_run(&self, id: i64, report: RunReport, actor: &str) -> ServiceResult<()> {
        check_report(&report)?;
        if report.is_empty() {
            return Ok(());
        }
        let mut w = self.begin().await?;
        report_in(&mut w, id, &report, actor).await?;
        w.commit().await
    }

    /// Sets tags on each of the runs, in one unit of work: a run refused
    /// (not found, a tag too long) leaves every run as it was.
    pub async fn tag_runs(&self, change: TagRuns, actor: &str) -> ServiceResult<()> {
        let report = RunReport {
            tags: change.tags,
            ..RunReport::default()
        };
        check_report(&report)?;
        if report.is_empty() {
            return Err(invalid("no tags to set"));
        }
        let mut w = self.begin().await?;
        // Locked in id order, so two bulk changes never wait on each other.
        for id in in_order(&change.runs) {
            report_in(&mut w, id, &report, actor).await?;
        }
        w.commit().await
    }

    /// A run MLflow's client starts (`runs/create`): created, running, named
    /// and tagged in one unit of work, so a refused request leaves no run.
    pub async fn start_tracked_run(
        &self,
        target: super::run_queue::RunTarget,
        name: Option<&str>,
        tags: Vec<(String, String)>,
        started_at: Option<DateTime<Utc>>,
        actor: &str,
    ) -> ServiceResult<Run> {
        let mut tags: Vec<(String, String)> = tags
            .into_iter()
            .filter(|(k, _)| k != RUN_NAME_TAG)
            .collect();
        // Unnamed, a run is named by its id (known once it is inserted).
        tags.push((RUN_NAME_TAG.into(), name.unwrap_or("run-0").to_string()));
        check_report(&RunReport {
            tags: tags.clone(),
            ..RunReport::default()
        })?;
        let mut w = self.begin().await?;
        let id = super::run_queue::insert_target_run(&mut w, &target, actor).await?;
        let name = name.map_or_else(|| format!("run-{id}"), str::to_string);
        if let Some(last) = tags.last_mut() {
            last.1 = name.clone();
        }
        let at = w.at;
        // The client's own start time, when it says one (MLflow's does).
        w.set_run_status(
            id,
            RunStatus::Running,
            Some(started_at.unwrap_or(at)),
            None,
            at,
        )
        .await?;
        w.audit(
            actor,
            "run",
            id,
            "start",
            json!({"status": {"from": RunStatus::Queued, "to": RunStatus::Running}}),
        )
        .await?;
        w.upsert_tags(id, &tags).await?;
        w.set_run_labels(id, Some(&name), None, at).await?;
        w.audit(actor, "run", id, "report", json!({"tags": keys(&tags)}))
            .await?;
        let run = w.run_row(id).await?;
        w.commit().await?;
        Ok(run)
    }

    /// A staged artifact file renamed into place and registered while the
    /// run is held, so the file kept is the one whose checksum is recorded
    /// (two uploads of one name land in the order they are registered).
    pub async fn keep_artifact(
        &self,
        staged: crate::artifacts::Staged,
        actor: &str,
    ) -> ServiceResult<RunArtifact> {
        let run_id = staged.artifact().run_id;
        check_key("an artifact path", &staged.artifact().path)?;
        let mut w = self.begin().await?;
        w.lock(LockedTable::Run, run_id).await?;
        w.run_row(run_id).await?;
        let artifact = staged.place().map_err(|e| invalid(format!("{e:#}")))?;
        w.upsert_artifact(&artifact).await?;
        w.audit(
            actor,
            "run",
            run_id,
            "artifact",
            json!({"path": artifact.path, "size": artifact.size, "sha256": artifact.sha256}),
        )
        .await?;
        w.commit().await?;
        Ok(artifact)
    }

    /// A file registered with a run (already copied where `uri` says).
    pub async fn register_artifact(&self, artifact: RunArtifact, actor: &str) -> ServiceResult<()> {
        check_key("an artifact path", &artifact.path)?;
        let mut w = self.begin().await?;
        w.lock(LockedTable::Run, artifact.run_id).await?;
        w.run_row(artifact.run_id).await?;
        w.upsert_artifact(&artifact).await?;
        w.audit(
            actor,
            "run",
            artifact.run_id,
            "artifact",
            json!({"path": artifact.path, "size": artifact.size, "sha256": artifact.sha256}),
        )
        .await?;
        w.commit().await
    }

    /// A run's name and note.
    pub async fn label_run(
        &self,
        id: i64,
        name: Option<&str>,
        note: Option<&str>,
        actor: &str,
    ) -> ServiceResult<Run> {
        for text in [name, note].into_iter().flatten() {
            refuse_nul("a run's name or note", text)?;
        }
        let mut w = self.begin().await?;
        w.lock(LockedTable::Run, id).await?;
        w.run_row(id).await?;
        let at = w.at;
        w.set_run_labels(id, name, note, at).await?;
        w.audit(
            actor,
            "run",
            id,
            "label",
            json!({"name": name, "note": note}),
        )
        .await?;
        let run = w.run_row(id).await?;
        w.commit().await?;
        Ok(run)
    }

    /// Removes a tag; false when the run had none of that name.
    pub async fn delete_run_tag(&self, id: i64, key: &str, actor: &str) -> ServiceResult<bool> {
        let mut w = self.begin().await?;
        w.lock(LockedTable::Run, id).await?;
        w.run_row(id).await?;
        let deleted = w.delete_tag(id, key).await?;
        if deleted {
            w.audit(actor, "run", id, "untag", json!({"key": key}))
                .await?;
        }
        w.commit().await?;
        Ok(deleted)
    }

    /// The executor takes a queued run: running, with its name and a first heartbeat.
    pub async fn claim_run(&self, id: i64, executor: &str, actor: &str) -> ServiceResult<Run> {
        let mut w = self.begin().await?;
        w.lock(LockedTable::Run, id).await?;
        let run = w.run_row(id).await?;
        run.status.check_transition(RunStatus::Running)?;
        let at = w.at;
        w.set_run_status(id, RunStatus::Running, Some(at), None, at)
            .await?;
        w.set_run_executor(id, executor, at).await?;
        w.audit(
            actor,
            "run",
            id,
            "start",
            json!({"status": {"from": run.status, "to": RunStatus::Running}, "executor": executor}),
        )
        .await?;
        let run = w.run_row(id).await?;
        w.commit().await?;
        Ok(run)
    }

    /// The executor is alive; true when someone asked to cancel the run.
    pub async fn heartbeat_run(&self, id: i64) -> ServiceResult<bool> {
        let mut w = self.begin().await?;
        let cancel = w.heartbeat_run(id, self.now()).await?;
        w.commit().await?;
        Ok(cancel)
    }

    /// Ends a running run as the executor saw it end.
    pub async fn finish_run(
        &self,
        id: i64,
        status: RunStatus,
        reason: &str,
        exit_code: Option<i64>,
        actor: &str,
    ) -> ServiceResult<Run> {
        let mut w = self.begin().await?;
        w.lock(LockedTable::Run, id).await?;
        let run = w.run_row(id).await?;
        run.status.check_transition(status)?;
        let at = w.at;
        w.set_run_status(id, status, run.started_at.or(Some(at)), Some(at), at)
            .await?;
        w.set_run_outcome(id, reason, exit_code).await?;
        link_producing_run(&mut w, &run, status, actor).await?;
        w.audit(
            actor,
            "run",
            id,
            "finish",
            json!({"status": {"from": run.status, "to": status}, "reason": reason, "exit_code": exit_code}),
        )
        .await?;
        let run = w.run_row(id).await?;
        w.commit().await?;
        Ok(run)
    }

    /// Records the datasets a run read (MLflow's `log_inputs`), each with
    /// its input tags; audited with their names.
    pub async fn record_inputs(
        &self,
        id: i64,
        inputs: Vec<RunInput>,
        actor: &str,
    ) -> ServiceResult<()> {
        for i in &inputs {
            check_key("a dataset's name", &i.name)?;
            check_key("a dataset's digest", &i.digest)?;
            if i.dataset_json.len() + i.tags_json.len() > MAX_INPUT_BYTES {
                return Err(invalid(format!(
                    "dataset '{}' is larger than {MAX_INPUT_BYTES} bytes (its schema and profile)",
                    i.name
                )));
            }
        }
        if inputs.is_empty() {
            return Ok(());
        }
        let mut w = self.begin().await?;
        w.lock(LockedTable::Run, id).await?;
        w.run_row(id).await?;
        let inputs: Vec<RunInput> = inputs
            .into_iter()
            .map(|i| RunInput { run_id: id, ..i })
            .collect();
        if w.insert_run_inputs(&inputs).await? == 0 {
            // Each was logged before: nothing changed.
            return Ok(());
        }
        let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
        w.audit(actor, "run", id, "inputs", json!({"datasets": names}))
            .await?;
        w.commit().await
    }

    /// Links logged models to a run that read (`input`) or produced
    /// (`output`) them; each model must exist. Audited when one is new.
    pub async fn link_run_models(
        &self,
        id: i64,
        links: Vec<RunModelLink>,
        actor: &str,
    ) -> ServiceResult<()> {
        if links.is_empty() {
            return Ok(());
        }
        let mut w = self.begin().await?;
        w.lock(LockedTable::Run, id).await?;
        w.run_row(id).await?;
        for l in &links {
            if w.logged_model(&l.model_id).await?.is_none() {
                // MLflow's words.
                return Err(super::ServiceError::NotFound(format!(
                    "Logged model with ID '{}' not found.",
                    l.model_id
                )));
            }
        }
        let links: Vec<RunModelLink> = links
            .into_iter()
            .map(|l| RunModelLink { run_id: id, ..l })
            .collect();
        if w.insert_run_model_links(&links).await? == 0 {
            return Ok(());
        }
        let shown: Vec<Value> = links
            .iter()
            .map(|l| json!({"model": l.model_id, "direction": l.direction, "step": l.step}))
            .collect();
        w.audit(actor, "run", id, "model_links", json!({"models": shown}))
            .await?;
        w.commit().await
    }

    /// Marks a run deleted through MLflow, or restores it; audited. The
    /// run's record is kept either way.
    pub async fn delete_run(&self, change: DeleteRun, actor: &str) -> ServiceResult<()> {
        let DeleteRun { run: id, deleted } = change;
        let mut w = self.begin().await?;
        w.lock(LockedTable::Run, id).await?;
        w.run_row(id).await?;
        let at = w.at;
        if w.mark_run_deleted(id, deleted, at, actor).await? {
            let action = if deleted {
                "mlflow_delete"
            } else {
                "mlflow_restore"
            };
            w.audit(actor, "run", id, action, json!({})).await?;
        }
        w.commit().await
    }

    /// Asks runs to stop, in one unit of work: a queued run no executor
    /// holds is cancelled at once; a running one is flagged and its
    /// executor stops the job. A run that has ended is left; when every one
    /// has, nothing is done and it is refused.
    pub async fn cancel_runs(&self, change: CancelRuns, actor: &str) -> ServiceResult<Cancelled> {
        let mut w = self.begin().await?;
        let at = w.at;
        let mut out = Cancelled::default();
        for id in in_order(&change.runs) {
            w.lock(LockedTable::Run, id).await?;
            let run = w.run_row(id).await?;
            if run.status.is_finished() {
                out.ended.push(run);
                continue;
            }
            if run.executor.is_none() {
                w.set_run_status(id, RunStatus::Cancelled, run.started_at, Some(at), at)
                    .await?;
                w.set_run_outcome(id, &format!("cancelled by {actor}"), None)
                    .await?;
            } else {
                w.request_run_cancel(id, at).await?;
            }
            w.audit(actor, "run", id, "cancel", json!({"status": run.status}))
                .await?;
            out.asked.push(w.run_row(id).await?);
        }
        if out.asked.is_empty() {
            return Err(invalid(match out.ended.as_slice() {
                [] => "no runs to cancel".to_string(),
                [run] => format!(
                    "run {} is {} already: there is nothing to cancel",
                    run.id, run.status
                ),
                ended => format!(
                    "all {} runs have ended already: there is nothing to cancel",
                    ended.len()
                ),
            }));
        }
        w.commit().await?;
        Ok(out)
    }

    /// Marks failed ("executor lost") every running run whose executor has
    /// not vouched for it within `LOST_AFTER_SECONDS`, or that `is_dead`
    /// knows is gone (a process of this machine that no longer exists); a
    /// queued one is cancelled. Reads only the live executions (one query
    /// over their own index), so it costs the same at a million runs.
    pub async fn reap_lost_runs(
        &self,
        is_dead: &(dyn Fn(&str) -> bool + Sync),
        actor: &str,
    ) -> ServiceResult<Vec<i64>> {
        let now = self.now();
        let live = {
            let mut r = self.store().read().await?;
            r.live_executions().await?
        };
        let mut lost = Vec::new();
        for run in live {
            let silent = run
                .heartbeat_at
                .is_none_or(|h| now - h > Duration::seconds(LOST_AFTER_SECONDS));
            if !(silent || is_dead(&run.executor)) {
                continue;
            }
            let status = if run.status == RunStatus::Queued {
                RunStatus::Cancelled
            } else {
                RunStatus::Failed
            };
            match self
                .finish_run(run.id, status, "executor lost", None, actor)
                .await
            {
                Ok(_) => lost.push(run.id),
                // Finished meanwhile by its executor: not lost after all.
                Err(e) if e.is_refusal() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(lost)
    }
}

/// A model is produced by one run: its first succeeded training run. The
/// link is made once, when that run succeeds, and a later run (better or
/// worse) never moves it; the model's history says which run it was.
pub(super) async fn link_producing_run(
    w: &mut super::Work,
    run: &Run,
    to: RunStatus,
    actor: &str,
) -> ServiceResult<()> {
    if let (Some(model_id), RunStatus::Succeeded, crate::domain::RunType::Train) =
        (run.model_id, to, run.run_type)
    {
        link_model_to(w, model_id, run.id, actor).await?;
    }
    Ok(())
}

/// Links `model_id` to `run_id` unless a run is linked already, auditing
/// the link on the model.
pub(super) async fn link_model_to(
    w: &mut super::Work,
    model_id: i64,
    run_id: i64,
    actor: &str,
) -> ServiceResult<()> {
    if w.link_model_run(model_id, run_id).await? {
        w.audit(actor, "model", model_id, "produced", json!({"run": run_id}))
            .await?;
    }
    Ok(())
}

/// The tag MLflow keeps a run's name in; it is also the run's name here.
pub const RUN_NAME_TAG: &str = "mlflow.runName";

fn keys(pairs: &[(String, String)]) -> Vec<&str> {
    pairs.iter().map(|(k, _)| k.as_str()).collect()
}

/// Records a report on one run, inside a unit of work.
async fn report_in(w: &mut Work, id: i64, report: &RunReport, actor: &str) -> ServiceResult<()> {
    w.lock(LockedTable::Run, id).await?;
    let run = w.run_row(id).await?;
    let at = w.at;
    let mut details = Map::new();
    if !report.metrics.is_empty() {
        let seq_base = at.timestamp_micros().saturating_mul(1000);
        // A NaN or an infinity is recorded, as MLflow records it, apart
        // from the numbers the charts, filters and gates read.
        let (numbers, others): (Vec<_>, Vec<_>) = report
            .metrics
            .iter()
            .cloned()
            .partition(|p| p.value.is_finite());
        w.insert_metric_points(id, &numbers, seq_base).await?;
        w.insert_nonfinite_points(id, &others, seq_base + numbers.len() as i64)
            .await?;
        // A metric whose newest value is not a number has no final number:
        // it leaves the run's metrics, so no gate passes on an older one.
        let latest = newest_per_key(&report.metrics);
        let mut patch = Map::new();
        for (key, (step, value)) in latest {
            let last = w.metric_last_step(id, &key).await?.unwrap_or(step);
            if step >= last {
                let shown = match value.is_finite() {
                    true => json!(value),
                    false => Value::Null,
                };
                patch.insert(key, shown);
            }
        }
        if !patch.is_empty() {
            w.merge_run_json(id, RunDocument::Metrics, &Value::Object(patch), at)
                .await?;
        }
        details.insert("metric_points".into(), json!(report.metrics.len()));
    }
    if !report.params.is_empty() {
        // What each param is, stored or given earlier in this report.
        let mut known: std::collections::HashMap<String, String> = w
            .params(id)
            .await?
            .into_iter()
            .map(|p| (p.key, p.value))
            .collect();
        for (key, value) in &report.params {
            let old = known.entry(key.clone()).or_insert_with(|| value.clone());
            if old != value {
                return Err(invalid(format!(
                    "param '{key}' of run {id} is '{old}' already: params do not change within a run (log '{value}' in a new run)"
                )));
            }
        }
        w.upsert_params(id, &report.params).await?;
        details.insert("params".into(), json!(keys(&report.params)));
    }
    if !report.tags.is_empty() {
        w.upsert_tags(id, &report.tags).await?;
        details.insert("tags".into(), json!(keys(&report.tags)));
        if let Some((_, name)) = report.tags.iter().find(|(k, _)| k == RUN_NAME_TAG) {
            w.set_run_labels(id, Some(name), None, at).await?;
        }
    }
    if let Some(text) = report.log.as_deref().filter(|t| !t.is_empty())
        && let Some(kept) = capped(text, run.log_bytes)
    {
        w.append_run_log(id, &kept, at).await?;
        details.insert("log_bytes".into(), json!(kept.len()));
    }
    if !details.is_empty() {
        w.audit(actor, "run", id, "report", Value::Object(details))
            .await?;
    }
    Ok(())
}

/// What `cancel_runs` did: the runs it cancelled or asked to stop, and
/// those that had ended already.
#[derive(Debug, Default)]
pub struct Cancelled {
    pub asked: Vec<Run>,
    pub ended: Vec<Run>,
}

/// Each id once, in order.
fn in_order(ids: &[i64]) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Each metric's point of the highest step (the later of equal steps).
fn newest_per_key(points: &[NewMetricPoint]) -> Vec<(String, (i64, f64))> {
    let mut out: Vec<(String, (i64, f64))> = Vec::new();
    for p in points {
        match out.iter_mut().find(|(k, _)| k == &p.key) {
            Some((_, (step, value))) => {
                if p.step >= *step {
                    *step = p.step;
                    *value = p.value;
                }
            }
            None => out.push((p.key.clone(), (p.step, p.value))),
        }
    }
    out
}

/// The part of `text` that fits under the cap, with the marker when it is
/// reached; `None` once the log is full.
pub(super) fn capped(text: &str, log_bytes: i64) -> Option<String> {
    let room = MAX_LOG_BYTES - log_bytes;
    if room <= 0 {
        return None;
    }
    if (text.len() as i64) <= room {
        return Some(text.to_string());
    }
    let mut cut = room as usize;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    Some(format!("{}{LOG_CAP_MARKER}", &text[..cut]))
}

fn check_key(what: &str, key: &str) -> ServiceResult<()> {
    if key.trim().is_empty() {
        return Err(invalid(format!("{what} cannot be empty")));
    }
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(invalid(format!(
            "{what} '{}…' is longer than {MAX_KEY_CHARS} characters",
            key.chars().take(40).collect::<String>()
        )));
    }
    refuse_nul(what, key)
}

fn check_report(report: &RunReport) -> ServiceResult<()> {
    for p in &report.metrics {
        check_key("a metric name", &p.key)?;
    }
    for (what, pairs) in [
        ("a param name", &report.params),
        ("a tag name", &report.tags),
    ] {
        for (k, v) in pairs {
            check_key(what, k)?;
            refuse_nul("a value", v)?;
            if v.chars().count() > MAX_PARAM_VALUE_CHARS {
                return Err(invalid(format!(
                    "the value of '{k}' is longer than {MAX_PARAM_VALUE_CHARS} characters"
                )));
            }
        }
    }
    if let Some(log) = &report.log {
        refuse_nul("a log line", log)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_stops_at_its_cap_with_a_marker_once() {
        assert_eq!(capped("abc", 0).as_deref(), Some("abc"));
        let near = MAX_LOG_BYTES - 2;
        let kept = capped("abcdef", near).expect("some room");
        assert!(kept.starts_with("ab") && kept.ends_with(LOG_CAP_MARKER));
        assert_eq!(capped("more", MAX_LOG_BYTES + 10), None);
        // A cut never splits a character.
        let kept = capped("é", MAX_LOG_BYTES - 1).expect("room for the marker");
        assert_eq!(kept, LOG_CAP_MARKER);
    }

    #[test]
    fn the_newest_step_of_each_metric_wins() {
        let at = chrono::Utc::now();
        let p = |key: &str, step, value| NewMetricPoint {
            key: key.into(),
            step,
            value,
            at,
        };
        let got = newest_per_key(&[
            p("loss", 2, 0.5),
            p("loss", 1, 0.9),
            p("acc", 0, 0.1),
            p("loss", 2, 0.4),
        ]);
        assert_eq!(
            got,
            vec![("loss".into(), (2, 0.4)), ("acc".into(), (0, 0.1))]
        );
    }
}
