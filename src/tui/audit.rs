//! The audit log overlay: who changed what, newest first, under the verdict
//! of the hash chain. `audit` (H) on a recipe, model or run shows its rows;
//! in the library, everyone's.

use crate::domain::audit_chain::Verified;
use crate::keymap::Command;
use crate::store::AuditEntry;

/// The most rows the overlay reads: the newest of the scope.
pub const AUDIT_ROWS: i64 = 1000;

/// Whose rows the overlay shows (none: every row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditScope {
    pub entity: &'static str,
    pub id: i64,
}

pub struct AuditView {
    pub scope: Option<AuditScope>,
    /// Newest first.
    pub rows: Vec<AuditEntry>,
    /// The whole chain's verdict: rows linked, or the first row that breaks it.
    pub chain: Result<Verified, String>,
    /// The first row shown.
    pub first: usize,
}

/// What a key did to the overlay.
#[derive(Debug, PartialEq, Eq)]
pub enum AuditOutcome {
    Keep,
    Reload,
    Close,
}

impl AuditView {
    pub fn title(&self) -> String {
        match self.scope {
            Some(s) => format!("audit: {} {}", s.entity, s.id),
            None => "audit: everything".into(),
        }
    }

    /// Scrolls by `command`, `page` rows a page with `shown` rows in view;
    /// any key the overlay does not use closes it, as help does.
    pub fn on_command(
        &mut self,
        command: Option<Command>,
        page: usize,
        shown: usize,
    ) -> AuditOutcome {
        let last = self.rows.len().saturating_sub(shown);
        self.first = match command {
            Some(Command::Down) => self.first + 1,
            Some(Command::Up) => self.first.saturating_sub(1),
            Some(Command::PageDown) => self.first + page,
            Some(Command::PageUp) => self.first.saturating_sub(page),
            Some(Command::Top) => 0,
            Some(Command::Bottom) => last,
            Some(Command::Refresh) => return AuditOutcome::Reload,
            _ => return AuditOutcome::Close,
        }
        .min(last);
        AuditOutcome::Keep
    }

    /// Takes newly read rows, keeping the scroll where it can.
    pub fn refreshed(self, mut newer: AuditView) -> AuditView {
        newer.first = self.first.min(newer.rows.len().saturating_sub(1));
        newer
    }
}
