//! The help overlay's rows: the user's own commands, then every key of the
//! screen with what it does (dimmed, with why, when it cannot run now),
//! each wrapped at the screen's width under its text, so nothing is cut.
//! Drawing and scrolling both count these rows.

use super::state::App;
use crate::keymap::Key;

/// The key column's width, then the text.
const KEYS: usize = 16;

/// One row of help: the keys (on a line's first row only), the text, and
/// whether it is dimmed.
pub struct HelpRow {
    pub keys: String,
    pub text: String,
    pub dim: bool,
}

fn keys_text(keys: &[Key]) -> String {
    keys.iter()
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every help row at `width` columns.
pub fn rows(app: &App, width: usize) -> Vec<HelpRow> {
    let context = app.context();
    let own = app
        .user_commands
        .iter()
        .filter(|(c, _, _)| c == context.name())
        .map(|(_, key, command)| {
            let what = match command.description.trim() {
                "" => command.command.as_str(),
                d => d,
            };
            (key.to_string(), format!("{what} (your command)"), false)
        });
    let bound = app.keymap.visible(context).into_iter().map(|(c, keys)| {
        let why = app.screens.last().and_then(|s| s.unavailable(c));
        match why {
            Some(why) => (
                keys_text(&keys),
                format!("{} (not now: {why})", c.help()),
                true,
            ),
            None => (keys_text(&keys), c.help().to_string(), false),
        }
    });
    let room = width.saturating_sub(KEYS + 1).max(8);
    own.chain(bound)
        .flat_map(|(keys, text, dim)| {
            let text = crate::text::sanitize(&text);
            crate::tui::widgets::wrap_words(&text, room)
                .into_iter()
                .enumerate()
                .map(move |(i, row)| HelpRow {
                    keys: if i == 0 { keys.clone() } else { String::new() },
                    text: row.trim_end().to_string(),
                    dim,
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The key column, padded.
pub fn key_cell(keys: &str) -> String {
    format!(" {keys:<width$}", width = KEYS - 1)
}
