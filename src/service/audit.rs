//! The audit log: listed, its hash chain verified (against anchors kept
//! outside the database when given), and its head anchored.

use super::{Service, ServiceResult, invalid};
use crate::domain::audit_anchor::{self, Anchor};
use crate::domain::audit_chain::{self, Broken, Linked, Verified};
use crate::store::AuditEntry;

impl Service {
    /// Audit rows, oldest first, the newest `limit` (of one entity and id when given).
    pub async fn audit_log(
        &self,
        entity: Option<&str>,
        entity_id: Option<i64>,
        limit: i64,
    ) -> ServiceResult<Vec<AuditEntry>> {
        Ok(self
            .store()
            .read()
            .await?
            .audit_log(entity, entity_id, limit)
            .await?)
    }

    /// Walks the whole audit chain; a row that does not follow from the one
    /// before, or has no link once the chain began, is named.
    pub async fn verify_audit(&self) -> ServiceResult<Verified> {
        self.verify_audit_against(&[]).await
    }

    /// Walks the chain, then checks that it still holds every anchored row
    /// as it was (a cut or emptied chain no longer does).
    pub async fn verify_audit_against(&self, anchors: &[Anchor]) -> ServiceResult<Verified> {
        let mut s = self.store().read().await?;
        let state = s.audit_chain_state().await?;
        let rows = s.audit_log(None, None, i64::MAX).await?;
        let keyed_from = state.keyed.as_ref().map_or(i64::MAX, |k| k.keyed_from);
        // Rows the database did not link under its key: checked here.
        let mut verified = audit_chain::verify(
            rows.iter().filter(|r| r.id < keyed_from).map(|r| Linked {
                id: r.id,
                at: r.at,
                actor: &r.actor,
                entity: &r.entity,
                entity_id: r.entity_id,
                action: &r.action,
                details: &r.details,
                hash: r.hash.as_deref(),
            }),
            state.chain_from,
        )
        .map_err(|broken| invalid(broken.to_string()))?;
        if let Some(keyed) = &state.keyed {
            if let Some((id, unlinked)) = keyed.broken {
                let broken = if unlinked {
                    Broken::Unlinked(id)
                } else {
                    Broken::Mismatch(id)
                };
                return Err(invalid(broken.to_string()));
            }
            verified.linked += keyed.linked as usize;
        }
        for anchor in anchors {
            let row = rows
                .binary_search_by_key(&anchor.id, |r| r.id)
                .ok()
                .map(|i| rows[i].hash.as_deref());
            audit_anchor::check(anchor, row).map_err(invalid)?;
        }
        Ok(verified)
    }

    /// The chain's head: its newest row's id, link and time.
    pub async fn audit_anchor(&self) -> ServiceResult<Anchor> {
        let head = self.store().read().await?.audit_head().await?;
        match head {
            Some(AuditEntry {
                id,
                at,
                hash: Some(hash),
                ..
            }) => Ok(Anchor { id, hash, at }),
            Some(row) => Err(invalid(format!(
                "the newest audit row ({}) has no link: the chain has not begun",
                row.id
            ))),
            None => Err(invalid(
                "the audit log is empty: there is nothing to anchor",
            )),
        }
    }
}
