//! What can run now: a command that would only answer "cannot" is not
//! offered in the hint bar and is shown dimmed, with why, in help.

use super::state::*;
use crate::domain::{AlertState, ModelStatus, RecipeStatus};
use crate::keymap::Command;

/// Why `command` cannot run on the current screen now; `None` when it can
/// (or when its screen has not loaded yet, so nothing is known).
pub fn unavailable(app: &App, command: Command) -> Option<&'static str> {
    match app.screens.last() {
        Some(Screen::Recipe(s)) => s.detail.as_ref().and_then(|d| on_recipe(s, d, command)),
        Some(Screen::Model(s)) => s.detail.as_ref().and_then(|d| on_model(d, command)),
        Some(Screen::Chat(c)) => match command {
            Command::Apply | Command::Reject | Command::Edit | Command::Diff
                if !c.proposal_pending() =>
            {
                Some("no proposal selected (move to one waiting for an answer)")
            }
            _ => None,
        },
        Some(Screen::Diff(d)) => match (command, &d.purpose) {
            (Command::Apply, DiffPurpose::Versions) => Some("only a rebase preview is applied"),
            _ => None,
        },
        _ => None,
    }
}

fn on_recipe(s: &RecipeScreen, d: &RecipeDetail, command: Command) -> Option<&'static str> {
    let archived = d.recipe.status == RecipeStatus::Archived;
    let in_versions = s.section == RecipeSection::Versions;
    let target = d
        .versions
        .get(if in_versions { s.version_selected } else { 0 });
    match command {
        Command::Edit | Command::EditExternal | Command::Register | Command::Approve
            if archived =>
        {
            Some("the recipe is archived (A restores it)")
        }
        Command::Approve if target.is_some_and(|v| v.approved_by.is_some()) => {
            Some("this version is approved already")
        }
        Command::Register if d.recipe.approved_version.is_none() => {
            Some("no approved version yet: approve one first")
        }
        Command::Diff if d.versions.len() < 2 => Some("only one version: nothing to compare"),
        Command::Mark if !in_versions => Some("marks a version in the Versions section"),
        Command::Rebase if d.parent_update.is_none() => {
            Some("the parent has no newer approved version")
        }
        Command::OpenParent if d.recipe.parent_id.is_none() => Some("a baseline has no parent"),
        _ => None,
    }
}

fn on_model(d: &ModelDetail, command: Command) -> Option<&'static str> {
    let any_open = d.alerts.iter().any(|a| a.state != AlertState::Resolved);
    match command {
        Command::Promote if d.model.status == ModelStatus::Retired => Some("retired is final"),
        Command::Acknowledge | Command::Resolve if !any_open => Some("no open alert"),
        _ => None,
    }
}
