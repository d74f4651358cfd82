//! Two manifests side by side (or unified when narrow): versions of a
//! recipe, a chat's proposal, or a rebase preview that `enter` commits.

mod view;

use super::DrawCx;
use super::{Component, Cx, Outcome, Screen, is_movement, step_index};
use crate::keymap::{Command, Context};
use crate::service::recipes::RebasePreview;
use crate::tui::effects::Effect;
use crate::tui::effects::Task;
use crate::tui::submit::Submission;
use ratatui::Frame;
use ratatui::layout::Rect;

// Its own commands and where its keys are looked up (`[diff]` in
// assets/keymap.toml).
pub const TOGGLE_UNIFIED: Command =
    Command::new("toggle_unified", "side by side or unified").hinted("layout");
pub const NEXT_CHANGE: Command = Command::new("next_change", "next change").hinted("next change");
pub const PREV_CHANGE: Command = Command::new("prev_change", "previous change").hinted("prev");
/// Two versions' manifests, diffed.
pub const KEYS: Context = Context::new(
    "diff",
    &[TOGGLE_UNIFIED, NEXT_CHANGE, PREV_CHANGE, Command::APPLY],
)
.runs("in a diff (d on a recipe's versions)");

/// What a diff screen shows and what `enter` does there.
#[derive(Debug, Clone, PartialEq)]
pub enum DiffPurpose {
    /// Two versions of a recipe, for reading.
    Versions,
    /// A rebase preview: `enter` commits it.
    Rebase(Box<RebasePreview>),
}

pub struct DiffScreen {
    pub recipe_id: i64,
    pub title: String,
    pub from_label: String,
    pub to_label: String,
    pub rows: Vec<crate::domain::diff::DiffRow>,
    /// (operation, JSON pointer) of the RFC 6902 patch.
    pub paths: Vec<(String, String)>,
    /// None: side by side when wide enough, else unified.
    pub unified: Option<bool>,
    pub scroll: usize,
    /// Row indices where a block of changes starts, for n/N.
    pub change_starts: Vec<usize>,
    pub current_change: usize,
    pub purpose: DiffPurpose,
    pub notes: Vec<String>,
}

impl DiffScreen {
    pub fn new(
        recipe_id: i64,
        title: String,
        from: (&str, &serde_json::Value),
        to: (&str, &serde_json::Value),
        purpose: DiffPurpose,
    ) -> DiffScreen {
        use crate::domain::diff::{LineChange, changed_paths, comparable, diff_rows, json_patch};
        // Key order and number spellings are no change (`domain::canonical`).
        let (old, new) = comparable(from.1, to.1);
        let rows = diff_rows(&old, &new);
        let mut change_starts = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let changed = r.change != LineChange::Same;
            let prev_changed = i > 0 && rows[i - 1].change != LineChange::Same;
            if changed && !prev_changed {
                change_starts.push(i);
            }
        }
        // Open on the first change, with a little context above it.
        let scroll = change_starts
            .first()
            .map(|c| c.saturating_sub(3))
            .unwrap_or(0);
        DiffScreen {
            recipe_id,
            title,
            from_label: from.0.to_string(),
            to_label: to.0.to_string(),
            paths: changed_paths(&json_patch(&old, &new)),
            rows,
            unified: None,
            scroll,
            change_starts,
            current_change: 0,
            purpose,
            notes: Vec::new(),
        }
    }

    /// (added, removed, changed) lines.
    pub fn counts(&self) -> (usize, usize, usize) {
        use crate::domain::diff::LineChange;
        self.rows
            .iter()
            .fold((0, 0, 0), |(a, r, c), row| match row.change {
                LineChange::Added => (a + 1, r, c),
                LineChange::Removed => (a, r + 1, c),
                LineChange::Changed => (a, r, c + 1),
                LineChange::Same => (a, r, c),
            })
    }

    pub fn is_unified(&self, width: u16) -> bool {
        self.unified.unwrap_or(width < 120)
    }
}

/// The diff screen of a rebase preview: what it changes, with what it takes
/// from the parent and the conflicts it keeps.
pub fn rebase_preview(recipe_id: i64, preview: RebasePreview) -> Screen {
    let title = format!("rebase on {} {}", preview.parent, preview.to);
    let mut screen = DiffScreen::new(
        recipe_id,
        title,
        ("current", &preview.current),
        ("rebased", &preview.plan.manifest),
        DiffPurpose::Versions,
    );
    screen.notes.push(format!(
        "from {} {} to {}: enter commits it as a new version, esc cancels",
        preview.parent, preview.from, preview.to
    ));
    if !preview.plan.inherited.is_empty() {
        screen.notes.push(format!(
            "takes the parent's changes at {}",
            preview.plan.inherited.join(", ")
        ));
    }
    if !preview.plan.conflicts.is_empty() {
        screen.notes.push(format!(
            "conflicts, this recipe's value kept: {}",
            preview.plan.conflicts.join(", ")
        ));
    }
    screen.purpose = DiffPurpose::Rebase(Box::new(preview));
    Box::new(screen)
}

const HINTS: &[Command] = &[
    NEXT_CHANGE,
    PREV_CHANGE,
    TOGGLE_UNIFIED,
    Command::APPLY,
    Command::BACK,
    Command::HELP,
];

impl DiffScreen {
    /// Moves to the next (or previous) block of changes, from the first one
    /// at or after the top line.
    fn step_change(&mut self, cx: &mut Cx, forward: bool) {
        if self.change_starts.is_empty() {
            cx.say("no changes");
            return;
        }
        let n = self.change_starts.len();
        let at = self
            .change_starts
            .iter()
            .position(|c| *c >= self.scroll)
            .unwrap_or(0);
        self.current_change = if !forward {
            (at + n - 1) % n
        } else if self.change_starts.get(at) == Some(&self.scroll) {
            (at + 1) % n
        } else {
            at
        };
        self.scroll = self.change_starts[self.current_change];
        cx.say(format!("change {} of {}", self.current_change + 1, n));
    }
}

impl Component for DiffScreen {
    fn draw(&mut self, cx: &DrawCx, frame: &mut Frame, area: Rect) {
        view::render(self, cx.theme, frame, area)
    }

    fn context(&self) -> Context {
        KEYS
    }

    fn crumb(&self) -> String {
        self.title.clone()
    }

    fn hints(&self) -> &'static [Command] {
        HINTS
    }

    fn unavailable(&self, command: Command) -> Option<&'static str> {
        match (command, &self.purpose) {
            (Command::APPLY, DiffPurpose::Versions) => Some("only a rebase preview is applied"),
            _ => None,
        }
    }

    fn on_command(&mut self, cx: &mut Cx, command: Command) -> Outcome {
        match command {
            TOGGLE_UNIFIED => self.unified = Some(!self.is_unified(cx.width)),
            NEXT_CHANGE => self.step_change(cx, true),
            PREV_CHANGE => self.step_change(cx, false),
            c if is_movement(c) => {
                self.scroll = step_index(self.scroll, self.rows.len(), c, cx.page);
            }
            Command::APPLY => {
                if let DiffPurpose::Rebase(preview) = &self.purpose {
                    return Outcome::effect(Task::Submit(Submission::Rebase {
                        recipe_id: self.recipe_id,
                        preview: preview.clone(),
                    }));
                }
            }
            _ => return Outcome::Ignored,
        }
        Outcome::done()
    }

    /// A committed rebase closes its preview.
    fn on_done(&mut self) -> Option<Vec<Effect>> {
        matches!(self.purpose, DiffPurpose::Rebase(_)).then(Vec::new)
    }

    fn copy_text(&self) -> Option<String> {
        Some(self.recipe_id.to_string())
    }
}
