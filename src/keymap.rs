//! Keys are data: named commands bound per context, from the defaults in
//! `assets/keymap.toml` overridden by the user's config. Help, the hint bar and
//! the command palette are generated from the live map.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

pub const DEFAULT_KEYMAP: &str = include_str!("../assets/keymap.toml");

/// Where keys are looked up; `Global` applies everywhere after the screen's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Library,
    Recipe,
    Model,
    Run,
    /// Runs side by side.
    Compare,
    Diff,
    Editor,
    Chat,
    /// Typing a message to the assistant.
    ChatInput,
    /// The overlays: help, a yes/no question, the command palette, the
    /// filter picker and forms.
    Help,
    Confirm,
    Palette,
    Filter,
    /// The Runs tab's column picker.
    Columns,
    Form,
    /// The audit log overlay.
    Audit,
    /// Choosing, place by place, between one's own save and a version
    /// saved meanwhile.
    Merge,
    /// The raw view of an item: its JSON, scrollable.
    Inspect,
}

impl Context {
    pub const ALL: [Context; 19] = [
        Context::Global,
        Context::Library,
        Context::Recipe,
        Context::Model,
        Context::Run,
        Context::Compare,
        Context::Diff,
        Context::Editor,
        Context::Chat,
        Context::ChatInput,
        Context::Help,
        Context::Confirm,
        Context::Palette,
        Context::Filter,
        Context::Columns,
        Context::Form,
        Context::Audit,
        Context::Merge,
        Context::Inspect,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Library => "library",
            Context::Recipe => "recipe",
            Context::Model => "model",
            Context::Run => "run",
            Context::Compare => "compare",
            Context::Diff => "diff",
            Context::Editor => "editor",
            Context::Chat => "chat",
            Context::ChatInput => "chat_input",
            Context::Help => "help",
            Context::Confirm => "confirm",
            Context::Palette => "palette",
            Context::Filter => "filter",
            Context::Columns => "columns",
            Context::Form => "form",
            Context::Audit => "audit",
            Context::Merge => "merge",
            Context::Inspect => "inspect",
        }
    }

    /// Where a screen's commands run, for a palette line picked elsewhere;
    /// None for contexts that are not screens (their commands are not
    /// offered from elsewhere).
    pub fn where_it_runs(self) -> Option<&'static str> {
        Some(match self {
            Context::Library => "in the library (esc back to it)",
            Context::Recipe => "on a recipe (open one with enter in Recipes)",
            Context::Model => "on a model (open one with enter in Models)",
            Context::Run => "on a run (open one with enter in Runs)",
            Context::Compare => "comparing runs (space marks runs in Runs, c compares)",
            Context::Diff => "in a diff (d on a recipe's versions)",
            Context::Chat => "in the chat (c in the library, C on a recipe)",
            _ => return None,
        })
    }

    /// Where keys are text: only this context's own bindings are commands
    /// (no global ones), and every other key is typed.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Context::Editor | Context::ChatInput | Context::Palette | Context::Form
        )
    }

    /// The commands that do something here (besides the global ones, in a
    /// context that is not text): a binding of any other is refused.
    pub fn commands(self) -> &'static [Command] {
        use Command::*;
        match self {
            Context::Global => &[
                Quit,
                Help,
                Palette,
                Back,
                Up,
                Down,
                PageUp,
                PageDown,
                Top,
                Bottom,
                Copy,
                Inspect,
                Refresh,
                Audit,
                Messages,
                TabRecipes,
                TabModels,
                TabRuns,
                TabMonitoring,
            ],
            Context::Library => &[
                Open,
                Chat,
                NewItem,
                NextTab,
                PrevTab,
                Filter,
                Search,
                ClearFilters,
                Mark,
                Columns,
                CancelRun,
                TagRuns,
            ],
            Context::Recipe => &[
                Chat,
                Edit,
                EditExternal,
                Mark,
                Diff,
                Approve,
                Rebase,
                CloneRecipe,
                Register,
                Archive,
                Delete,
                EditDetails,
                EditExample,
                NewItem,
                NextSection,
                PrevSection,
                ToggleView,
                Expand,
                Collapse,
                OpenParent,
                ShowModels,
                ShowRuns,
                Train,
            ],
            Context::Model => &[
                Promote,
                Acknowledge,
                Window,
                Resolve,
                EditDetails,
                AddSnapshot,
                NewItem,
                NextSection,
                PrevSection,
                OpenRecipe,
                ShowRuns,
                Evaluate,
            ],
            Context::Run => &[
                UpdateRun,
                OpenRecipe,
                OpenModel,
                Search,
                NextMatch,
                PrevMatch,
                Follow,
                CancelRun,
                Rerun,
                NextMetric,
                PrevMetric,
                ViewArtifact,
            ],
            Context::Compare => &[NextMetric, PrevMetric],
            Context::Diff => &[ToggleUnified, NextChange, PrevChange, Apply],
            Context::Editor => &[Save, NextProblem, EditExternal, Find, FindNext, Back],
            Context::Chat => &[Compose, Open, Apply, Reject, Edit, Diff, ToggleLlm, Back],
            Context::ChatInput => &[Send, Newline, ToggleLlm, Back],
            Context::Help => &[Up, Down, PageUp, PageDown, Back],
            Context::Confirm => &[Confirm, Keep, Back],
            Context::Palette => &[Up, Down, Open, Back],
            Context::Filter => &[Up, Down, NextValue, PrevValue, Back],
            Context::Columns => &[Up, Down, Mark, Sort, Back],
            Context::Form => &[NextField, PrevField, Open, Submit, Up, Down, Back],
            Context::Audit => &[
                Up, Down, PageUp, PageDown, Top, Bottom, Refresh, Inspect, Back,
            ],
            Context::Merge => &[Up, Down, TakeMine, TakeTheirs, Edit, Apply, Back],
            Context::Inspect => &[Up, Down, PageUp, PageDown, Top, Bottom, Copy, Back],
        }
    }

    /// Whether `command` may be bound here.
    pub fn allows(self, command: Command) -> bool {
        self.commands().contains(&command)
            || (!self.is_text() && Context::Global.commands().contains(&command))
    }

    fn parse(name: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == name)
    }
}

macro_rules! commands {
    ($($variant:ident => $name:literal, $help:literal;)+) => {
        /// Everything a key can do, by name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command { $($variant),+ }

        impl Command {
            pub const ALL: &'static [Command] = &[$(Command::$variant),+];
            pub fn name(self) -> &'static str {
                match self { $(Command::$variant => $name),+ }
            }
            pub fn help(self) -> &'static str {
                match self { $(Command::$variant => $help),+ }
            }
            pub fn parse(name: &str) -> Option<Command> {
                Command::ALL.iter().copied().find(|c| c.name() == name)
            }
        }
    };
}

commands! {
    Quit => "quit", "quit nexml";
    Help => "help", "show the keys of this screen";
    Palette => "palette", "run any command by name";
    Back => "back", "go back / clear the search and filters";
    Up => "up", "move up";
    Down => "down", "move down";
    PageUp => "page_up", "move up a page";
    PageDown => "page_down", "move down a page";
    Top => "top", "go to the first row";
    Bottom => "bottom", "go to the last row";
    Copy => "copy", "copy the id (the JSON in the manifest view) to the clipboard";
    Inspect => "inspect", "the item whole, as JSON (scroll it, y copies it)";
    Refresh => "refresh", "reload from the database";
    Messages => "messages", "every message shown since the start, in full";
    Audit => "audit", "the audit log of this item (all in the library), its hash chain checked";
    Open => "open", "open the selected item";
    NextTab => "next_tab", "next tab";
    PrevTab => "prev_tab", "previous tab";
    TabRecipes => "tab_recipes", "show recipes";
    TabModels => "tab_models", "show models";
    TabRuns => "tab_runs", "show runs";
    TabMonitoring => "tab_monitoring", "show monitoring";
    Filter => "filter", "filter by family, level and status";
    Columns => "columns", "sort the list by a column (in Runs, also show metrics and params as columns)";
    Sort => "sort", "sort by this column (again: descending; a third time: newest first)";
    Search => "search", "search as you type";
    ClearFilters => "clear_filters", "clear the search and filters";
    NextSection => "next_section", "next section";
    PrevSection => "prev_section", "previous section";
    ToggleView => "toggle_view", "switch between the tree and the JSON";
    Expand => "expand", "expand the tree node";
    Collapse => "collapse", "collapse the tree node";
    OpenParent => "open_parent", "open the parent recipe";
    OpenRecipe => "open_recipe", "open the recipe";
    OpenModel => "open_model", "open the model";
    ShowModels => "show_models", "list this recipe's models";
    ShowRuns => "show_runs", "list the runs";
    NextMatch => "next_match", "next search match";
    PrevMatch => "prev_match", "previous search match";
    Follow => "follow", "follow the growing log";
    Train => "train", "execute a training run of this recipe (its pipeline, in the background)"; // vocabulary: a command's name
    Evaluate => "evaluate", "execute an eval run of this model (what opens the production gate)";
    CancelRun => "cancel_run", "stop the run's job (SIGTERM, then SIGKILL); in the Runs tab, each marked run's";
    TagRuns => "tag_runs", "set a tag on the marked runs (or the selected one)";
    Rerun => "rerun", "start this queued run, or run an ended one again (its version, model and type)";
    NextMetric => "next_metric", "chart the next metric";
    PrevMetric => "prev_metric", "chart the previous metric";
    ViewArtifact => "view_artifact", "preview the next artifact file (after the last, the log again)";
    Edit => "edit", "edit the manifest";
    EditExternal => "edit_external", "edit the manifest in $VISUAL / $EDITOR";
    Mark => "mark", "mark this (a version, a run) to compare";
    Diff => "diff", "diff the marked (or previous) version with this one";
    ToggleUnified => "toggle_unified", "side by side or unified";
    NextChange => "next_change", "next change";
    PrevChange => "prev_change", "previous change";
    Apply => "apply", "apply (commit) what is shown";
    Approve => "approve", "approve the version";
    Rebase => "rebase", "rebase on the parent's newest approved version";
    CloneRecipe => "clone", "clone into a child recipe";
    Save => "save", "save as a new version";
    NextProblem => "next_problem", "jump to the next problem";
    Register => "register", "register a model from this recipe";
    Promote => "promote", "move the model through its lifecycle";
    NewItem => "new", "create a new one";
    Archive => "archive", "archive or restore";
    Delete => "delete", "delete";
    UpdateRun => "update_run", "change status, attach metrics, append to the log";
    EditDetails => "edit_details", "rename, retag or change the owner";
    EditExample => "edit_example", "create or replace the synthetic example";
    AddSnapshot => "add_snapshot", "add a monitoring snapshot by hand";
    Chat => "chat", "talk to the assistant (about this recipe)";
    Acknowledge => "acknowledge", "acknowledge the selected alert";
    Resolve => "resolve", "resolve the selected alert";
    Window => "window", "monitoring window: 7, 30, 90 days or all";
    Find => "find", "find text";
    FindNext => "find_next", "find the next match";
    Compose => "compose", "write a message";
    Send => "send", "send the message";
    Newline => "newline", "a new line in the message";
    ToggleLlm => "toggle_llm", "ask the language model or the offline assistant";
    Reject => "reject", "reject the proposal";
    TakeMine => "take_mine", "keep your value at this place";
    TakeTheirs => "take_theirs", "keep the value saved meanwhile at this place";
    Confirm => "confirm", "yes: do it";
    Keep => "keep", "leave the editor keeping the changes as a draft";
    NextField => "next_field", "the next field";
    PrevField => "prev_field", "the previous field";
    Submit => "submit", "submit the form";
    NextValue => "next_value", "the next value";
    PrevValue => "prev_value", "the previous value";
}

/// A key as the user writes it: `q`, `G`, `ctrl-r`, `pgdn`, `backtab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    /// Normalizes a terminal key event (shift is folded into the character).
    pub fn from_event(e: &KeyEvent) -> Key {
        let mut modifiers = e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match e.code {
            KeyCode::Char(c) => KeyCode::Char(c),
            KeyCode::BackTab => KeyCode::BackTab,
            other => {
                if e.modifiers.contains(KeyModifiers::SHIFT) {
                    modifiers |= KeyModifiers::SHIFT;
                }
                other
            }
        };
        Key { code, modifiers }
    }

    pub fn parse(text: &str) -> Result<Key, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("shift-") {
                modifiers |= KeyModifiers::SHIFT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            f if f.starts_with('f') && f.len() > 1 && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            other => return Err(format!("unknown key '{other}'")),
        };
        if code == KeyCode::Tab && modifiers.contains(KeyModifiers::SHIFT) {
            return Ok(Key {
                code: KeyCode::BackTab,
                modifiers: modifiers - KeyModifiers::SHIFT,
            });
        }
        Ok(Key { code, modifiers })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::F(n) => write!(f, "f{n}"),
            _ => f.write_str("?"),
        }
    }
}

/// A binding refused at start: where (context and command) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeymapError {
    pub origin: &'static str,
    pub context: String,
    pub command: Option<String>,
    pub message: String,
}

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.origin)?;
        if !self.context.is_empty() {
            write!(f, ".{}", self.context)?;
        }
        if let Some(command) = &self.command {
            write!(f, ".{command}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for KeymapError {}

/// The live bindings.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    bindings: BTreeMap<Context, Vec<(Command, Vec<Key>)>>,
}

/// `[keys.CONTEXT] command = ["key", ...]` as TOML values.
pub type KeyTable = BTreeMap<String, BTreeMap<String, toml::Value>>;

impl Keymap {
    /// The defaults shipped in `assets/`, with `overrides` (from the config's
    /// `[keys.*]`) replacing whole commands. Errors name the context and command.
    pub fn load(overrides: &KeyTable) -> Result<Keymap, KeymapError> {
        let defaults: KeyTable = toml::from_str(DEFAULT_KEYMAP).map_err(|e| KeymapError {
            origin: "default keymap",
            context: String::new(),
            command: None,
            message: e.to_string(),
        })?;
        let mut map = Keymap::default();
        map.apply(&defaults, "default keymap")?;
        map.apply(overrides, "keys")?;
        Ok(map)
    }

    fn apply(&mut self, table: &KeyTable, origin: &'static str) -> Result<(), KeymapError> {
        for (context_name, commands) in table {
            let error = |command: Option<&str>, message: String| KeymapError {
                origin,
                context: context_name.clone(),
                command: command.map(str::to_string),
                message,
            };
            let context = Context::parse(context_name).ok_or_else(|| KeymapError {
                origin,
                context: String::new(),
                command: None,
                message: format!(
                    "unknown context '{context_name}' (expected one of: {})",
                    Context::ALL.map(|c| c.name()).join(", ")
                ),
            })?;
            for (command_name, keys) in commands {
                let command = Command::parse(command_name)
                    .ok_or_else(|| error(None, format!("unknown command '{command_name}'")))?;
                if !context.allows(command) {
                    return Err(error(
                        Some(command_name),
                        format!(
                            "'{command_name}' does nothing in {context_name} (it belongs in: {})",
                            Context::ALL
                                .iter()
                                .filter(|c| c.commands().contains(&command))
                                .map(|c| c.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                let list: Vec<&str> = match keys {
                    toml::Value::String(s) => vec![s.as_str()],
                    toml::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect(),
                    _ => {
                        return Err(error(
                            Some(command_name),
                            "expected a key or a list of keys".into(),
                        ));
                    }
                };
                let keys = list
                    .iter()
                    .map(|k| Key::parse(k))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| error(Some(command_name), e))?;
                let entry = self.bindings.entry(context).or_default();
                entry.retain(|(c, _)| *c != command);
                entry.push((command, keys));
            }
            // Checked once the whole table is in, so swapping two keys works.
            let entry = self
                .bindings
                .get(&context)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for command_name in commands.keys() {
                let Some(command) = Command::parse(command_name) else {
                    continue;
                };
                let Some((_, keys)) = entry.iter().find(|(c, _)| *c == command) else {
                    continue;
                };
                let clash = entry
                    .iter()
                    .filter(|(other, _)| *other != command)
                    .find_map(|(other, taken)| {
                        keys.iter()
                            .find(|k| taken.contains(k))
                            .map(|k| (*other, *k))
                    });
                if let Some((other, key)) = clash {
                    return Err(error(
                        Some(command_name),
                        format!(
                            "'{key}' is bound to '{}' in {context_name} already (rebind that one too)",
                            other.name()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The command a key runs in a text context: its own bindings only,
    /// so every other key is typed.
    pub fn lookup_own(&self, context: Context, key: Key) -> Option<Command> {
        self.bindings
            .get(&context)?
            .iter()
            .find(|(_, keys)| keys.contains(&key))
            .map(|(cmd, _)| *cmd)
    }

    /// The command a key runs in `context` (its own bindings first, then global).
    pub fn lookup(&self, context: Context, key: Key) -> Option<Command> {
        if context.is_text() {
            return self.lookup_own(context, key);
        }
        [context, Context::Global].iter().find_map(|c| {
            self.bindings
                .get(c)?
                .iter()
                .find(|(_, keys)| keys.contains(&key))
                .map(|(cmd, _)| *cmd)
        })
    }

    /// The first key bound to a command in `context` (or global), for hints.
    pub fn key_for(&self, context: Context, command: Command) -> Option<Key> {
        let contexts: &[Context] = if context.is_text() {
            &[context]
        } else {
            &[context, Context::Global]
        };
        contexts.iter().find_map(|c| {
            self.bindings
                .get(c)?
                .iter()
                .find(|(cmd, _)| *cmd == command)
                .and_then(|(_, keys)| keys.first().copied())
        })
    }

    /// Every binding visible in `context`: its own, then the global ones it
    /// does not shadow, each group in the order commands are declared.
    pub fn visible(&self, context: Context) -> Vec<(Command, Vec<Key>)> {
        let mut out: Vec<(Command, Vec<Key>)> =
            self.bindings.get(&context).cloned().unwrap_or_default();
        out.sort_by_key(|(c, _)| *c);
        if context != Context::Global && !context.is_text() {
            let mut global: Vec<(Command, Vec<Key>)> = self
                .bindings
                .get(&Context::Global)
                .into_iter()
                .flatten()
                .filter(|(cmd, _)| !out.iter().any(|(c, _)| c == cmd))
                .cloned()
                .collect();
            global.sort_by_key(|(c, _)| *c);
            out.extend(global);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            modifiers: KeyModifiers::NONE,
        }
    }

    #[test]
    fn defaults_load_and_screen_keys_shadow_global_ones() {
        let map = Keymap::load(&KeyTable::new()).unwrap();
        assert_eq!(map.lookup(Context::Library, key('q')), Some(Command::Quit));
        assert_eq!(
            map.lookup(Context::Library, key('/')),
            Some(Command::Search)
        );
        assert_eq!(map.lookup(Context::Run, key('n')), Some(Command::NextMatch));
        assert_eq!(map.lookup(Context::Library, key('z')), None);
        assert_eq!(
            map.lookup(Context::Recipe, key('n')),
            Some(Command::NewItem)
        );
    }

    #[test]
    fn overrides_replace_a_command_and_errors_name_it() {
        let overrides: KeyTable = toml::from_str("[library]\nfilter = [\"F\"]").unwrap();
        let map = Keymap::load(&overrides).unwrap();
        assert_eq!(
            map.lookup(Context::Library, key('F')),
            Some(Command::Filter)
        );
        assert_eq!(map.lookup(Context::Library, key('f')), None);
        let bad: KeyTable = toml::from_str("[library]\nfilterr = \"F\"").unwrap();
        assert_eq!(
            Keymap::load(&bad).unwrap_err().to_string(),
            "keys.library: unknown command 'filterr'"
        );
        let bad: KeyTable = toml::from_str("[library]\nfilter = \"hyper-x\"").unwrap();
        assert!(
            Keymap::load(&bad)
                .unwrap_err()
                .to_string()
                .contains("unknown key 'hyper-x'")
        );
    }

    #[test]
    fn every_declared_command_has_a_default_key_in_its_context() {
        let map = Keymap::load(&KeyTable::new()).unwrap();
        for context in Context::ALL {
            for command in context.commands() {
                assert!(
                    map.bindings.get(&context).is_some_and(|b| b
                        .iter()
                        .any(|(c, keys)| c == command && !keys.is_empty())),
                    "{} has no key in {}",
                    command.name(),
                    context.name()
                );
            }
        }
    }

    #[test]
    fn text_contexts_type_every_key_they_do_not_bind() {
        let map = Keymap::load(&KeyTable::new()).unwrap();
        assert_eq!(map.lookup(Context::Editor, key('q')), None);
        assert_eq!(map.lookup(Context::ChatInput, key('j')), None);
        assert_eq!(map.lookup(Context::Chat, key('j')), Some(Command::Down));
        assert_eq!(map.lookup(Context::Chat, key('q')), Some(Command::Back));
    }

    #[test]
    fn key_names_round_trip() {
        for text in ["q", "G", "ctrl-r", "pgdn", "enter", "f5", "alt-x"] {
            let k = Key::parse(text).unwrap();
            assert_eq!(
                Key::parse(&k.to_string().replace('↑', "up")).unwrap(),
                k,
                "{text}"
            );
        }
        assert_eq!(Key::parse("shift-tab").unwrap().code, KeyCode::BackTab);
    }
}
