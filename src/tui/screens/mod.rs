//! The screens opened over the library, each a component: it owns its state,
//! turns its commands (and, for text screens, its keys) into an `Outcome`,
//! takes the answers addressed to it, and says which commands can run now.
//! The app routes a key to the overlay, then the top screen, then its global
//! commands (`tui/update.rs`), and never looks inside a screen.
//!
//! Adding a screen: its module here (state, `Component`) with its drawing
//! beside it (`<screen>/view.rs`) declaring its commands and its keymap
//! `Context`, its `pub mod` line and its context in `CONTEXTS` below, and
//! its keys in `assets/keymap.toml`. The stack holds `Box<dyn Component>`:
//! nothing else names it.

pub mod chat;
pub mod compare;
pub mod component;
pub mod diff;
pub mod editor;
pub mod model;
pub mod recipe;
pub mod run;

pub use super::effects::{Answer, ScreenKey};
pub use chat::ChatScreen;
pub use component::*;
pub use diff::{DiffPurpose, DiffScreen};
pub use editor::EditorScreen;
pub use model::{ModelScreen, ModelSection, WINDOWS};
pub use recipe::{RecipeScreen, RecipeSection};
pub use run::RunScreen;

use crate::keymap::Context;

/// Every context keys are looked up in: the library's, the overlays' and
/// each screen's. The palette offers a screen's commands from elsewhere, and
/// each context's table in `assets/keymap.toml` binds what it declares.
pub const CONTEXTS: &[Context] = &[
    Context::GLOBAL,
    Context::LIBRARY,
    recipe::KEYS,
    model::KEYS,
    run::KEYS,
    compare::KEYS,
    diff::KEYS,
    editor::KEYS,
    chat::KEYS,
    chat::INPUT_KEYS,
    Context::HELP,
    Context::CONFIRM,
    Context::PALETTE,
    Context::FILTER,
    Context::COLUMNS,
    Context::FORM,
    Context::AUDIT,
    editor::MERGE_KEYS,
    Context::INSPECT,
];

#[cfg(test)]
mod tests {
    use super::CONTEXTS;
    use crate::keymap::{KeyTable, Keymap};
    use std::collections::BTreeSet;

    #[test]
    fn every_context_binds_what_it_declares_and_nothing_else() {
        let map = Keymap::load(&KeyTable::new()).unwrap();
        let mut bound: BTreeSet<(&str, &str)> = map.bound_names().collect();
        let mut names = BTreeSet::new();
        for context in CONTEXTS {
            assert!(names.insert(context.name()), "{} twice", context.name());
            for command in context.commands() {
                assert!(
                    bound.remove(&(context.name(), command.name())),
                    "{} has no key in {} (assets/keymap.toml)",
                    command.name(),
                    context.name()
                );
            }
        }
        assert!(
            bound.is_empty(),
            "bound in assets/keymap.toml, declared by no context: {bound:?}"
        );
    }

    #[test]
    fn a_command_name_means_one_command() {
        let mut seen = std::collections::BTreeMap::new();
        for command in CONTEXTS.iter().flat_map(|c| c.commands()) {
            let first = *seen.entry(command.name()).or_insert(*command);
            assert_eq!(first, *command, "two commands named {}", command.name());
        }
    }
}
