//! The audit log: listed, and its hash chain verified.

use super::{Service, refused};
use crate::domain::audit_chain::{self, Linked, Verified};
use crate::store::{AuditEntry, StoreResult};

impl Service {
    /// Audit rows, oldest first, the newest `limit` (of one entity and id when given).
    pub async fn audit_log(
        &self,
        entity: Option<&str>,
        entity_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>> {
        self.store()
            .read()
            .await?
            .audit_log(entity, entity_id, limit)
            .await
    }

    /// Walks the whole audit chain; a row that does not follow from the one
    /// before is named.
    pub async fn verify_audit(&self) -> StoreResult<Verified> {
        let rows = self
            .store()
            .read()
            .await?
            .audit_log(None, None, i64::MAX)
            .await?;
        audit_chain::verify(rows.iter().map(|r| Linked {
            id: r.id,
            at: r.at,
            actor: &r.actor,
            entity: &r.entity,
            entity_id: r.entity_id,
            action: &r.action,
            details: &r.details,
            hash: r.hash.as_deref(),
        }))
        .map_err(|id| {
            refused(format!(
                "audit row {id} breaks the chain: it was changed, or a row before it was removed or written without nexml"
            ))
        })
    }
}
