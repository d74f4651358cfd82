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
    /// The row the cursor is on, which `i` (or enter) shows whole.
    pub selected: usize,
}

/// What a key did to the overlay.
#[derive(Debug, PartialEq, Eq)]
pub enum AuditOutcome {
    Keep,
    Reload,
    /// Show the selected row whole.
    Inspect,
    Close,
}

impl AuditView {
    pub fn title(&self) -> String {
        match self.scope {
            Some(s) => format!("audit: {} {}", s.entity, s.id),
            None => "audit: everything".into(),
        }
    }

    /// Moves the cursor by `command`, `page` rows a page with `shown` rows
    /// in view, the first row following it; any key the overlay does not
    /// use closes it, as help does.
    pub fn on_command(
        &mut self,
        command: Option<Command>,
        page: usize,
        shown: usize,
    ) -> AuditOutcome {
        let last = self.rows.len().saturating_sub(1);
        self.selected = match command {
            Some(Command::DOWN) => self.selected + 1,
            Some(Command::UP) => self.selected.saturating_sub(1),
            Some(Command::PAGE_DOWN) => self.selected + page,
            Some(Command::PAGE_UP) => self.selected.saturating_sub(page),
            Some(Command::TOP) => 0,
            Some(Command::BOTTOM) => last,
            Some(Command::REFRESH) => return AuditOutcome::Reload,
            Some(Command::INSPECT) if !self.rows.is_empty() => return AuditOutcome::Inspect,
            Some(Command::INSPECT) => return AuditOutcome::Keep,
            _ => return AuditOutcome::Close,
        }
        .min(last);
        let shown = shown.max(1);
        if self.selected < self.first {
            self.first = self.selected;
        } else if self.selected >= self.first + shown {
            self.first = self.selected + 1 - shown;
        }
        AuditOutcome::Keep
    }

    /// The selected row whole: every field, the details as they were
    /// recorded.
    pub fn inspected(&self) -> Option<crate::tui::inspect::Inspected> {
        let row = self.rows.get(self.selected)?;
        Some(crate::tui::inspect::Inspected::json(
            format!(
                "audit #{} · {} {} {}",
                row.id, row.entity, row.entity_id, row.action
            ),
            row,
        ))
    }

    /// Takes newly read rows, keeping the scroll where it can.
    pub fn refreshed(self, mut newer: AuditView) -> AuditView {
        let last = newer.rows.len().saturating_sub(1);
        newer.first = self.first.min(last);
        newer.selected = self.selected.min(last);
        newer
    }
}
