//! Every rule and every change, in one place: one module per noun (recipes,
//! examples, models, runs, monitoring, chat). Each change is one unit of work
//! in one write transaction: lock what it checks, check the rules, write the
//! rows and their audit entries, commit. The CLI and the app call these and
//! nothing else to change data; the store only runs statements.

pub mod audit;
pub mod changes;
pub mod chat;
pub mod error;
pub mod examples;
pub mod experiments;
pub mod logged_models;
pub mod models;
pub mod monitoring;
pub mod notify;
pub mod recipes;
pub mod registry;
pub mod run_histories;
pub mod run_queue;
pub mod runs;
pub mod tracking;
pub mod transfer;

use crate::domain::{Clock, Governance};
pub use error::{Conflict, Kind, ServiceError, ServiceResult};

use crate::store::{AuditRow, Session, Store};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::sync::Arc;

/// Who acts when nobody could be found: `--user`, `NEXML_USER` and the login
/// name all missing.
pub const UNKNOWN_USER: &str = "unknown";

/// The store, where "now" comes from, and the configured rules.
#[derive(Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    clock: Clock,
    governance: Governance,
    /// `[alerts] command`, run for each alert a snapshot opens.
    notifier: Option<notify::Notifier>,
}

impl Service {
    /// `clock` is where every change's instant comes from: the machine's in
    /// `main.rs`, a fixed one in tests.
    pub fn new(store: Arc<dyn Store>, governance: Governance, clock: Clock) -> Service {
        Service {
            store,
            clock,
            governance,
            notifier: None,
        }
    }

    /// The same service, running `notifier` for each alert that opens.
    pub fn with_notifier(mut self, notifier: Option<notify::Notifier>) -> Service {
        self.notifier = notifier;
        self
    }

    /// The same service with its time taken from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Service {
        self.clock = clock;
        self
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub fn store_arc(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    pub fn governance(&self) -> Governance {
        self.governance
    }

    /// A manifest this database keeps: within the size limit, then valid.
    fn check_manifest(&self, manifest: &Value) -> ServiceResult<()> {
        crate::domain::manifest::check_size(manifest, self.governance.max_manifest_bytes)?;
        crate::domain::manifest::validate(manifest)?;
        Ok(())
    }

    /// The largest manifest kept, for checking text before parsing it.
    pub fn max_manifest_bytes(&self) -> usize {
        self.governance.max_manifest_bytes
    }

    /// A unit of work: a write transaction, committed by the caller.
    async fn begin(&self) -> ServiceResult<Work> {
        Ok(Work {
            session: self.store.write().await?,
            at: self.now(),
            shared: self.store.backend() == "postgres",
            changes: Vec::new(),
        })
    }
}

/// One unit of work: its transaction and the one instant it happens at.
struct Work {
    session: Session,
    at: DateTime<Utc>,
    /// A database a team shares, where every change must say who made it.
    shared: bool,
    /// What it changed, announced to every open app when it commits.
    changes: Vec<crate::store::Change>,
}

impl Work {
    /// Records who did what, in the same transaction as the change.
    async fn audit(
        &mut self,
        actor: &str,
        entity: &str,
        entity_id: i64,
        action: &str,
        details: Value,
    ) -> ServiceResult<()> {
        // Every change is audited, so this is the one door anonymous ones pass.
        if self.shared && actor == UNKNOWN_USER {
            return Err(ServiceError::forbidden(
                "no user is known (no --user, NEXML_USER or login name): a shared PostgreSQL database takes no anonymous changes",
            ));
        }
        self.session
            .append_audit(&AuditRow {
                actor,
                entity,
                entity_id,
                action,
                details,
                at: self.at,
            })
            .await?;
        self.changes
            .push(crate::store::Change::new(entity, entity_id));
        Ok(())
    }

    async fn commit(mut self) -> ServiceResult<()> {
        self.session.announce(&self.changes).await?;
        Ok(self.session.commit().await?)
    }
}

impl std::ops::Deref for Work {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.session
    }
}

impl std::ops::DerefMut for Work {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}

/// Text with NUL in it is refused the same way on both backends (PostgreSQL
/// cannot store it; SQLite would, and a later copy to PostgreSQL would fail).
fn refuse_nul(what: &str, text: &str) -> ServiceResult<()> {
    if text.contains('\0') {
        return Err(invalid(format!("{what} cannot hold NUL characters")));
    }
    Ok(())
}

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::invalid(message)
}

fn plural(n: i64, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}
