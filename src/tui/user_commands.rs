//! `[[commands]]` in the config, as k9s's plugins and lazygit's custom
//! commands: a key of the user's own in a context runs a shell command with
//! the selected item's fields in its environment (`tui/fields.rs`), asked
//! first when `confirm = true`; its output opens in the raw view.

use super::effects::{Effect, Task};
use super::state::{App, Overlay};
use crate::keymap::Key;

/// A key no built-in command took: the user's command for it here, if any.
pub fn on_key(app: &mut App, key: Key) -> Vec<Effect> {
    let context = app.context();
    let Some((_, _, command)) = app
        .user_commands
        .iter()
        .find(|(c, k, _)| c == context.name() && *k == key)
        .cloned()
    else {
        return vec![];
    };
    let fields = match app.screens.last() {
        Some(screen) => screen.fields(),
        None => super::library::selected_row(app)
            .map(|row| row.fields())
            .unwrap_or_default(),
    };
    let title = match command.description.trim() {
        "" => command.command.clone(),
        d => d.to_string(),
    };
    if fields.is_empty() {
        app.status = Some(format!("{title}: nothing selected yet"));
        return vec![];
    }
    let on = fields
        .first()
        .map(|(name, value)| format!("{name}={value}"))
        .unwrap_or_default();
    let task = Task::UserCommand {
        title: title.clone(),
        command: command.command.clone(),
        env: fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    };
    if command.confirm {
        app.overlay = Some(Overlay::Confirm {
            message: format!("Run '{title}' ({on})?  sh -c {:?}", command.command),
            then: Box::new(task),
        });
        return vec![];
    }
    app.status = Some(format!("running '{title}'…"));
    vec![Effect::Task(task)]
}
