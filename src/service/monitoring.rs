//! Monitoring: snapshots of a model's performance, drift and freshness, and
//! the alerts its rules open, update and resolve.

use super::changes::{AddSnapshot, MoveAlert};
use super::{Service, ServiceError, ServiceResult, Work, invalid};
use crate::domain::AlertState;
use crate::domain::lifecycle::Lifecycle;
use crate::monitoring::{Evaluation, Measured, escalates, evaluate, rules};
use crate::store::{
    Alert, AlertRow, BatchOrigin, BulkSnapshot, IngestedBatch, LockedTable, NewSnapshot, Snapshot,
    SnapshotRow,
};
use serde_json::{Value, json};

/// A stored snapshot, the alerts it opened, updated or resolved, and every
/// rule as checked against it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub snapshot: Snapshot,
    pub alerts: Vec<Alert>,
    pub evaluations: Vec<Evaluation>,
    /// Why the `[alerts] command` failed for an opened alert, if it did.
    pub notify_failures: Vec<String>,
}

/// What became of a batch of data: recorded, or skipped as one the model
/// has already (the batch stored then).
#[derive(Debug, Clone)]
pub enum Ingested {
    Recorded(Box<Recorded>),
    Skipped(IngestedBatch),
}

/// A snapshot written but not yet committed, with what to notify once it is.
struct Staged {
    snapshot: Snapshot,
    alerts: Vec<Alert>,
    evaluations: Vec<Evaluation>,
    /// Alerts opened or escalated, and which.
    notify: Vec<(i64, &'static str)>,
    model: crate::store::Model,
}

/// "alert 'x' was resolved by bob at ... since it was shown open".
fn alert_moved_on(alert: &Alert, seen: AlertState) -> String {
    format!(
        "{} since it was shown {seen}: nothing was changed, look again",
        alert_now(alert)
    )
}

/// "alert 'x' was resolved by bob at ...".
fn alert_now(alert: &Alert) -> String {
    let (by, at) = match alert.state {
        AlertState::Resolved => (alert.resolved_by.as_deref(), alert.resolved_at),
        AlertState::Acknowledged => (alert.acknowledged_by.as_deref(), alert.acknowledged_at),
        AlertState::Open => (None, Some(alert.updated_at)),
    };
    let by = by.map(|b| format!(" by {b}")).unwrap_or_default();
    let at = at
        .map(|t| format!(" at {}", t.format("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default();
    format!("alert '{}' was {}{by}{at}", alert.rule, alert.state)
}

/// What a snapshot did to one rule's alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AlertChange {
    Opened,
    Updated,
    /// Still firing, twice as far past its limit as last notified.
    Escalated,
    Resolved,
}

impl Service {
    /// Stores a snapshot typed in by hand (the form, `monitor add`, the
    /// demo): checked, then recorded like any other.
    pub async fn add_snapshot(&self, change: AddSnapshot, actor: &str) -> ServiceResult<Recorded> {
        let AddSnapshot {
            model: model_id,
            snapshot: new,
        } = change;
        for (what, value) in [
            ("performance", &new.performance),
            ("drift", &new.drift),
            ("freshness", &new.freshness),
        ] {
            if !value.is_object() {
                return Err(invalid(format!("snapshot {what} must be a JSON object")));
            }
        }
        if new.alerts.as_array().is_none_or(|a| !a.is_empty()) {
            return Err(invalid(
                "snapshot alerts come from the recipe's monitoring rules: leave 'alerts' out",
            ));
        }
        self.record_snapshot(model_id, new, actor, "create").await
    }

    /// The one way a snapshot is stored, however it arrives: in the same
    /// unit of work it is checked against the monitoring rules of the
    /// model's recipe version, opening (or updating) an alert for every rule
    /// that fired and resolving the ones that stopped. The snapshot keeps
    /// the rules that fired.
    pub async fn record_snapshot(
        &self,
        model_id: i64,
        new: NewSnapshot,
        actor: &str,
        action: &str,
    ) -> ServiceResult<Recorded> {
        let mut w = self.begin().await?;
        w.lock(LockedTable::Model, model_id).await?;
        let staged = w.record(model_id, &new, actor, action, json!({})).await?;
        w.commit().await?;
        Ok(self.notified(staged).await)
    }

    /// Stores the snapshot measured from a batch of data, once: a batch
    /// this model already has (the same content, or the same file changed
    /// since) is not recorded again and the one stored is answered. Checked
    /// with the model locked, and the content's key refuses a copy even so.
    pub async fn record_batch(
        &self,
        model_id: i64,
        new: NewSnapshot,
        origin: &BatchOrigin,
        actor: &str,
    ) -> ServiceResult<Ingested> {
        let mut w = self.begin().await?;
        w.lock(LockedTable::Model, model_id).await?;
        if let Some(before) = w.ingested_batch(model_id, origin).await? {
            return Ok(Ingested::Skipped(before));
        }
        let batch = json!({"file": origin.file_path, "sha256": origin.sha256});
        let staged = w.record(model_id, &new, actor, "ingest", batch).await?;
        let (id, at) = (staged.snapshot.id, w.at);
        w.insert_ingested_batch(model_id, origin, id, at, actor)
            .await?;
        w.commit().await?;
        Ok(Ingested::Recorded(Box::new(self.notified(staged).await)))
    }

    /// A committed snapshot with the notifications of the alerts it opened
    /// or escalated sent (a failure to send is kept, not raised).
    async fn notified(&self, staged: Staged) -> Recorded {
        let Staged {
            snapshot,
            alerts,
            evaluations,
            notify,
            model,
        } = staged;
        let mut notify_failures = Vec::new();
        if let Some(notifier) = &self.notifier {
            let payloads: Vec<Value> = notify
                .iter()
                .filter_map(|(id, event)| {
                    let alert = alerts.iter().find(|a| a.id == *id)?;
                    Some(super::notify::payload(event, alert, &model))
                })
                .collect();
            notify_failures = notifier.send_all(&payloads).await;
        }
        Recorded {
            notify_failures,
            snapshot,
            alerts,
            evaluations,
        }
    }

    /// Moves an alert, refusing when it is no longer in the state its
    /// author saw (someone acknowledged or resolved it meanwhile).
    /// open -> acknowledged -> resolved (open -> resolved too).
    pub async fn move_alert(&self, change: MoveAlert, actor: &str) -> ServiceResult<Alert> {
        let MoveAlert {
            alert: id,
            to: state,
            seen,
        } = change;
        let mut w = self.begin().await?;
        w.lock(LockedTable::Alert, id).await?;
        let before = w.alert(id).await?;
        if let Some(seen) = seen.filter(|s| *s != before.state) {
            return Err(ServiceError::stale(alert_moved_on(&before, seen)));
        }
        if let Err(e) = before.state.check_transition(state) {
            // Say who got there first, not only that the move is not allowed.
            return Err(ServiceError::Invalid(format!(
                "{e}: {}",
                alert_now(&before)
            )));
        }
        let at = w.at;
        w.set_alert_state(id, state, None, at, actor).await?;
        w.audit(
            actor,
            "alert",
            id,
            state.as_str(),
            json!({"from": before.state}),
        )
        .await?;
        let after = w.alert(id).await?;
        w.commit().await?;
        Ok(after)
    }

    /// Generated snapshots in one batch (synthetic history from `generate`).
    pub async fn insert_snapshots_bulk(
        &self,
        snapshots: &[BulkSnapshot],
        actor: &str,
    ) -> ServiceResult<()> {
        let mut w = self.begin().await?;
        w.insert_snapshots_bulk(snapshots).await?;
        // One audit row for the batch: synthetic history is recorded too.
        w.audit(
            actor,
            "snapshot",
            0,
            "generate",
            json!({"count": snapshots.len()}),
        )
        .await?;
        w.commit().await
    }
}

impl Work {
    /// Stores a snapshot of a model (locked by the caller) and follows
    /// every rule of its recipe version; `batch` goes into the audit entry.
    async fn record(
        &mut self,
        model_id: i64,
        new: &NewSnapshot,
        actor: &str,
        action: &str,
        batch: Value,
    ) -> ServiceResult<Staged> {
        let model = self.model(model_id).await?;
        let manifest = self
            .version_by_id(model.recipe_version_id)
            .await?
            .manifest_json;
        let measured = Measured {
            performance: new.performance.clone(),
            drift: new.drift.clone(),
            freshness: new.freshness.clone(),
        };
        let evaluations = evaluate(&rules(&manifest), &measured);
        let fired = Value::Array(
            evaluations
                .iter()
                .filter(|e| e.fired)
                .map(|e| json!({"rule": e.rule.name, "severity": e.rule.severity, "message": e.message}))
                .collect(),
        );
        let id = self
            .insert_snapshot_audited(model_id, new, &fired, actor, (action, batch))
            .await?;
        let mut touched = Vec::new();
        let mut notify = Vec::new();
        for e in &evaluations {
            // Alerts date from the data that raised them (a backfilled
            // history opens and resolves them in its own time).
            let at = new.captured_at;
            if let Some((alert, change)) = self.follow_rule(model_id, e, (id, at), actor).await? {
                touched.push(alert);
                match change {
                    AlertChange::Opened => notify.push((alert, "opened")),
                    AlertChange::Escalated => notify.push((alert, "escalated")),
                    AlertChange::Updated | AlertChange::Resolved => {}
                }
            }
        }
        let snapshot = self.snapshot(id).await?;
        let mut alerts = Vec::with_capacity(touched.len());
        for a in touched {
            alerts.push(self.alert(a).await?);
        }
        Ok(Staged {
            snapshot,
            alerts,
            evaluations,
            notify,
            model,
        })
    }

    /// Opens, updates or resolves the alert of one rule after a snapshot
    /// (its id and time); the alert touched and what became of it, if any.
    async fn follow_rule(
        &mut self,
        model_id: i64,
        e: &Evaluation,
        (snapshot_id, at): (i64, chrono::DateTime<chrono::Utc>),
        actor: &str,
    ) -> ServiceResult<Option<(i64, AlertChange)>> {
        let open = self.open_alert(model_id, &e.rule.name).await?;
        let value = e.value.unwrap_or(f64::NAN);
        match (open, e.fired) {
            (Some(before), true) => {
                let alert = before.id;
                self.update_alert_reading(alert, value, &e.message, snapshot_id, at)
                    .await?;
                let notified = before.notified_value.unwrap_or(before.value);
                if escalates(before.threshold, notified, value) {
                    self.set_alert_notified(alert, value).await?;
                    let detail = json!({"value": e.value, "notified": notified});
                    self.audit(actor, "alert", alert, "escalate", detail)
                        .await?;
                    return Ok(Some((alert, AlertChange::Escalated)));
                }
                self.audit(actor, "alert", alert, "update", json!({"value": e.value}))
                    .await?;
                Ok(Some((alert, AlertChange::Updated)))
            }
            (None, true) => {
                let alert = self
                    .insert_alert(&AlertRow {
                        model_id,
                        rule: &e.rule,
                        value,
                        message: &e.message,
                        snapshot_id,
                        at,
                    })
                    .await?;
                let detail = json!({"rule": e.rule.name, "value": e.value});
                self.audit(actor, "alert", alert, "open", detail).await?;
                Ok(Some((alert, AlertChange::Opened)))
            }
            (Some(open), false) if e.value.is_some() => {
                let alert = open.id;
                let message = format!("cleared: {}", e.message);
                self.set_alert_state(alert, AlertState::Resolved, Some(&message), at, actor)
                    .await?;
                let detail = json!({"by": "rule no longer breached"});
                self.audit(actor, "alert", alert, "resolve", detail).await?;
                Ok(Some((alert, AlertChange::Resolved)))
            }
            _ => Ok(None),
        }
    }

    /// Stores a snapshot of a model (locked by the caller, so alerts follow
    /// what the last one left), with its audit entry.
    async fn insert_snapshot_audited(
        &mut self,
        model_id: i64,
        snapshot: &NewSnapshot,
        alerts: &Value,
        actor: &str,
        (action, batch): (&str, Value),
    ) -> ServiceResult<i64> {
        let id = self
            .insert_snapshot(&SnapshotRow {
                model_id,
                snapshot,
                alerts,
                actor,
            })
            .await?;
        let mut details = json!({"model_id": model_id});
        if batch.as_object().is_some_and(|b| !b.is_empty()) {
            details["batch"] = batch;
        }
        self.audit(actor, "snapshot", id, action, details).await?;
        Ok(id)
    }
}
