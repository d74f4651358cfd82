//! Changes anyone made (the store's change feed), shown where they matter:
//! the current tab re-reads its window in place; other affected tabs re-read
//! when next shown; open detail screens showing a changed thing reload, and
//! so does an open audit log. An editor, a chat or a diff is never disturbed.

use super::effects::Effect;
use super::lists::{on_list, refresh_in_place};
use super::state::*;
use crate::store::Change;
use crate::tui::effects::Task;

pub fn on_changes(app: &mut App, changes: &[Change]) -> Vec<Effect> {
    let mut effects = Vec::new();
    for tab in Tab::ALL {
        let affected = changes
            .iter()
            .any(|c| tab.entities().iter().any(|e| c.touches(e, None)));
        if !affected {
            continue;
        }
        if tab == app.tab {
            effects.extend(refresh_in_place(app, tab));
        } else {
            on_list!(app, tab, l => l.stale = l.loaded || l.loading);
        }
    }
    for screen in &app.screens {
        if screen.shows_changed(changes) {
            effects.extend(screen.reload());
        }
    }
    // Every change is audited: an open audit log re-reads (and re-checks).
    if let Some(Overlay::Audit(view)) = &app.overlay
        && !changes.is_empty()
    {
        effects.push(Effect::Task(Task::LoadAudit(view.scope)));
    }
    effects
}
