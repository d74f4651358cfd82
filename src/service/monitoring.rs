//! Monitoring: snapshots of a model's performance, drift and freshness, and
//! the alerts its rules open, update and resolve.

use super::{Service, Work, refused};
use crate::domain::AlertState;
use crate::domain::lifecycle::Lifecycle;
use crate::monitoring::Evaluation;
use crate::store::{
    Alert, AlertRow, BulkSnapshot, LockedTable, NewSnapshot, Snapshot, SnapshotRow, StoreResult,
};
use serde_json::{Value, json};

impl Service {
    /// Stores a snapshot typed in by hand (its alerts as given).
    pub async fn add_snapshot(
        &self,
        model_id: i64,
        new: NewSnapshot,
        actor: &str,
    ) -> StoreResult<Snapshot> {
        for (what, value) in [
            ("performance", &new.performance),
            ("drift", &new.drift),
            ("freshness", &new.freshness),
        ] {
            if !value.is_object() {
                return Err(refused(format!("snapshot {what} must be a JSON object")));
            }
        }
        if !new.alerts.is_array() {
            return Err(refused("snapshot alerts must be a JSON array"));
        }
        let mut w = self.begin().await?;
        let id = w
            .insert_snapshot_audited(model_id, &new, &new.alerts, actor, "create")
            .await?;
        let snapshot = w.snapshot(id).await?;
        w.commit().await?;
        Ok(snapshot)
    }

    /// Stores a snapshot and, in the same unit of work, opens (or updates)
    /// an alert for every rule that fired and resolves the ones that stopped.
    pub async fn record_snapshot(
        &self,
        model_id: i64,
        new: NewSnapshot,
        evaluations: &[Evaluation],
        actor: &str,
    ) -> StoreResult<(Snapshot, Vec<Alert>)> {
        let fired = Value::Array(
            evaluations
                .iter()
                .filter(|e| e.fired)
                .map(|e| json!({"rule": e.rule.name, "severity": e.rule.severity, "message": e.message}))
                .collect(),
        );
        let mut w = self.begin().await?;
        let at = w.at;
        let id = w
            .insert_snapshot_audited(model_id, &new, &fired, actor, "ingest")
            .await?;
        let mut touched = Vec::new();
        for e in evaluations {
            let open = w.open_alert(model_id, &e.rule.name).await?;
            let value = e.value.unwrap_or(f64::NAN);
            match (open, e.fired) {
                (Some(alert), true) => {
                    w.update_alert_reading(alert, value, &e.message, id, at)
                        .await?;
                    w.audit(actor, "alert", alert, "update", json!({"value": e.value}))
                        .await?;
                    touched.push(alert);
                }
                (None, true) => {
                    let alert = w
                        .insert_alert(&AlertRow {
                            model_id,
                            rule: &e.rule,
                            value,
                            message: &e.message,
                            snapshot_id: id,
                            at,
                        })
                        .await?;
                    w.audit(
                        actor,
                        "alert",
                        alert,
                        "open",
                        json!({"rule": e.rule.name, "value": e.value}),
                    )
                    .await?;
                    touched.push(alert);
                }
                (Some(alert), false) if e.value.is_some() => {
                    let message = format!("cleared: {}", e.message);
                    w.set_alert_state(alert, AlertState::Resolved, Some(&message), at)
                        .await?;
                    w.audit(
                        actor,
                        "alert",
                        alert,
                        "resolve",
                        json!({"by": "rule no longer breached"}),
                    )
                    .await?;
                    touched.push(alert);
                }
                _ => {}
            }
        }
        let snapshot = w.snapshot(id).await?;
        let mut alerts = Vec::with_capacity(touched.len());
        for a in touched {
            alerts.push(w.alert(a).await?);
        }
        w.commit().await?;
        Ok((snapshot, alerts))
    }

    /// open -> acknowledged -> resolved (open -> resolved too).
    pub async fn set_alert_state(
        &self,
        id: i64,
        state: AlertState,
        actor: &str,
    ) -> StoreResult<Alert> {
        let mut w = self.begin().await?;
        w.lock(LockedTable::Alert, id).await?;
        let before = w.alert(id).await?;
        before.state.check_transition(state)?;
        let at = w.at;
        w.set_alert_state(id, state, None, at).await?;
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
    ) -> StoreResult<()> {
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
    /// Stores a snapshot of a model, one at a time per model (alerts follow
    /// what the last one left), with its audit entry.
    async fn insert_snapshot_audited(
        &mut self,
        model_id: i64,
        snapshot: &NewSnapshot,
        alerts: &Value,
        actor: &str,
        action: &str,
    ) -> StoreResult<i64> {
        self.lock(LockedTable::Model, model_id).await?;
        self.model(model_id).await?;
        let id = self
            .insert_snapshot(&SnapshotRow {
                model_id,
                snapshot,
                alerts,
                actor,
            })
            .await?;
        self.audit(actor, "snapshot", id, action, json!({"model_id": model_id}))
            .await?;
        Ok(id)
    }
}
