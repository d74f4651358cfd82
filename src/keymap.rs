//! Keys are data: named commands bound per context, from the defaults in
//! `assets/keymap.toml` overridden by the user's config. Help, the hint bar and
//! the command palette are generated from the live map.
//!
//! A command and a context are values: a screen declares its own (a
//! `Command` const and its `Context`) beside its code, and the default
//! keymap's tables are the list of contexts and of what each may bind.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

pub const DEFAULT_KEYMAP: &str = include_str!("../assets/keymap.toml");

/// Everything a key can do, by name: what help says of it and the word
/// the hint bar shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Command {
    name: &'static str,
    help: &'static str,
    label: &'static str,
}

impl Command {
    pub const fn new(name: &'static str, help: &'static str) -> Command {
        Command {
            name,
            help,
            label: name,
        }
    }

    /// The same command with a shorter word for the hint bar.
    pub const fn hinted(self, label: &'static str) -> Command {
        Command { label, ..self }
    }

    pub fn name(self) -> &'static str {
        self.name
    }

    pub fn help(self) -> &'static str {
        self.help
    }

    /// Its word in the hint bar.
    pub fn label(self) -> &'static str {
        self.label
    }
}

/// The commands several contexts share.
impl Command {
    pub const QUIT: Command = Command::new("quit", "quit nexml");
    pub const HELP: Command = Command::new("help", "show the keys of this screen");
    pub const PALETTE: Command = Command::new("palette", "run any command by name");
    pub const BACK: Command = Command::new("back", "go back / clear the search and filters");
    pub const UP: Command = Command::new("up", "move up");
    pub const DOWN: Command = Command::new("down", "move down");
    pub const PAGE_UP: Command = Command::new("page_up", "move up a page");
    pub const PAGE_DOWN: Command = Command::new("page_down", "move down a page");
    pub const TOP: Command = Command::new("top", "go to the first row");
    pub const BOTTOM: Command = Command::new("bottom", "go to the last row");
    pub const COPY: Command = Command::new(
        "copy",
        "copy the id (the JSON in the manifest view) to the clipboard",
    )
    .hinted("copy id");
    pub const INSPECT: Command = Command::new(
        "inspect",
        "the item whole, as JSON (scroll it, y copies it)",
    );
    pub const REFRESH: Command = Command::new("refresh", "reload from the database");
    pub const MESSAGES: Command =
        Command::new("messages", "every message shown since the start, in full");
    pub const AUDIT: Command = Command::new(
        "audit",
        "the audit log of this item (all in the library), its hash chain checked",
    );
    pub const OPEN: Command = Command::new("open", "open the selected item");
    pub const NEXT_TAB: Command = Command::new("next_tab", "next tab").hinted("tab");
    pub const PREV_TAB: Command = Command::new("prev_tab", "previous tab");
    pub const TAB_RECIPES: Command = Command::new("tab_recipes", "show recipes");
    pub const TAB_MODELS: Command = Command::new("tab_models", "show models");
    pub const TAB_RUNS: Command = Command::new("tab_runs", "show runs");
    pub const TAB_MONITORING: Command = Command::new("tab_monitoring", "show monitoring");
    pub const FILTER: Command = Command::new("filter", "filter by family, level and status");
    pub const COLUMNS: Command = Command::new(
        "columns",
        "sort the list by a column (in Runs, also show metrics and params as columns)",
    );
    pub const SORT: Command = Command::new(
        "sort",
        "sort by this column (again: descending; a third time: newest first)",
    );
    pub const SEARCH: Command = Command::new("search", "search as you type");
    pub const CLEAR_FILTERS: Command =
        Command::new("clear_filters", "clear the search and filters");
    pub const NEXT_SECTION: Command =
        Command::new("next_section", "next section").hinted("section");
    pub const PREV_SECTION: Command = Command::new("prev_section", "previous section");
    pub const OPEN_RECIPE: Command =
        Command::new("open_recipe", "open the recipe").hinted("recipe");
    pub const SHOW_RUNS: Command = Command::new("show_runs", "list the runs").hinted("runs");
    pub const CANCEL_RUN: Command = Command::new(
        "cancel_run",
        "stop the run's job (SIGTERM, then SIGKILL); in the Runs tab, each marked run's",
    )
    .hinted("cancel");
    pub const TAG_RUNS: Command = Command::new(
        "tag_runs",
        "set a tag on the marked runs (or the selected one)",
    );
    pub const NEXT_METRIC: Command =
        Command::new("next_metric", "chart the next metric").hinted("metric");
    pub const PREV_METRIC: Command =
        Command::new("prev_metric", "chart the previous metric").hinted("prev");
    pub const EDIT: Command = Command::new("edit", "edit the manifest");
    pub const EDIT_EXTERNAL: Command =
        Command::new("edit_external", "edit the manifest in $VISUAL / $EDITOR");
    pub const MARK: Command = Command::new("mark", "mark this (a version, a run) to compare");
    pub const DIFF: Command = Command::new(
        "diff",
        "diff the marked (or previous) version with this one",
    );
    pub const APPLY: Command = Command::new("apply", "apply (commit) what is shown");
    pub const NEW_ITEM: Command = Command::new("new", "create a new one");
    pub const EDIT_DETAILS: Command =
        Command::new("edit_details", "rename, retag or change the owner");
    pub const CHAT: Command = Command::new("chat", "talk to the assistant (about this recipe)");
    pub const KEEP: Command =
        Command::new("keep", "leave the editor keeping the changes as a draft");
    pub const CONFIRM: Command = Command::new("confirm", "yes: do it");
    pub const NEXT_FIELD: Command = Command::new("next_field", "the next field");
    pub const PREV_FIELD: Command = Command::new("prev_field", "the previous field");
    pub const SUBMIT: Command = Command::new("submit", "submit the form");
    pub const NEXT_VALUE: Command = Command::new("next_value", "the next value");
    pub const PREV_VALUE: Command = Command::new("prev_value", "the previous value");
}

/// Where keys are looked up: a name (its table in the keymap), the
/// commands that do something there, whether its keys are text, and where
/// a screen's commands run when the palette offers them from elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Context {
    name: &'static str,
    commands: &'static [Command],
    text: bool,
    runs: Option<&'static str>,
}

impl Context {
    pub const fn new(name: &'static str, commands: &'static [Command]) -> Context {
        Context {
            name,
            commands,
            text: false,
            runs: None,
        }
    }

    /// Keys here are text: only this context's own bindings are commands
    /// (no global ones), and every other key is typed.
    pub const fn typed(self) -> Context {
        Context { text: true, ..self }
    }

    /// A screen whose commands the palette offers from elsewhere, saying
    /// where they run.
    pub const fn runs(self, place: &'static str) -> Context {
        Context {
            runs: Some(place),
            ..self
        }
    }

    pub fn name(self) -> &'static str {
        self.name
    }

    pub fn is_text(self) -> bool {
        self.text
    }

    /// Where a screen's commands run, for a palette line picked elsewhere;
    /// None for contexts that are not screens.
    pub fn where_it_runs(self) -> Option<&'static str> {
        self.runs
    }

    /// The commands that do something here (besides the global ones, in a
    /// context that is not text).
    pub fn commands(self) -> &'static [Command] {
        self.commands
    }

    fn command(self, name: &str) -> Option<Command> {
        self.commands.iter().copied().find(|c| c.name == name)
    }
}

/// The contexts that are not one screen's.
impl Context {
    /// Everywhere, after the screen's own keys (not in text contexts).
    pub const GLOBAL: Context = Context::new(
        "global",
        &[
            Command::QUIT,
            Command::HELP,
            Command::PALETTE,
            Command::BACK,
            Command::UP,
            Command::DOWN,
            Command::PAGE_UP,
            Command::PAGE_DOWN,
            Command::TOP,
            Command::BOTTOM,
            Command::COPY,
            Command::INSPECT,
            Command::REFRESH,
            Command::MESSAGES,
            Command::AUDIT,
            Command::TAB_RECIPES,
            Command::TAB_MODELS,
            Command::TAB_RUNS,
            Command::TAB_MONITORING,
        ],
    );
    /// The library's four tabs.
    pub const LIBRARY: Context = Context::new(
        "library",
        &[
            Command::OPEN,
            Command::NEXT_TAB,
            Command::PREV_TAB,
            Command::FILTER,
            Command::COLUMNS,
            Command::SEARCH,
            Command::CLEAR_FILTERS,
            Command::CANCEL_RUN,
            Command::TAG_RUNS,
            Command::MARK,
            Command::NEW_ITEM,
            Command::CHAT,
        ],
    )
    .runs("in the library (esc back to it)");
    /// The help and messages overlays.
    pub const HELP: Context = Context::new(
        "help",
        &[
            Command::BACK,
            Command::UP,
            Command::DOWN,
            Command::PAGE_UP,
            Command::PAGE_DOWN,
        ],
    );
    /// A yes/no question.
    pub const CONFIRM: Context =
        Context::new("confirm", &[Command::BACK, Command::CONFIRM, Command::KEEP]);
    /// The command palette.
    pub const PALETTE: Context = Context::new(
        "palette",
        &[Command::BACK, Command::UP, Command::DOWN, Command::OPEN],
    )
    .typed();
    /// The filter picker.
    pub const FILTER: Context = Context::new(
        "filter",
        &[
            Command::BACK,
            Command::UP,
            Command::DOWN,
            Command::NEXT_VALUE,
            Command::PREV_VALUE,
        ],
    );
    /// The Runs tab's column picker (and the sort picker).
    pub const COLUMNS: Context = Context::new(
        "columns",
        &[
            Command::BACK,
            Command::UP,
            Command::DOWN,
            Command::SORT,
            Command::MARK,
        ],
    );
    /// Forms.
    pub const FORM: Context = Context::new(
        "form",
        &[
            Command::BACK,
            Command::UP,
            Command::DOWN,
            Command::OPEN,
            Command::NEXT_FIELD,
            Command::PREV_FIELD,
            Command::SUBMIT,
        ],
    )
    .typed();
    /// The audit log overlay.
    pub const AUDIT: Context = Context::new(
        "audit",
        &[
            Command::BACK,
            Command::UP,
            Command::DOWN,
            Command::PAGE_UP,
            Command::PAGE_DOWN,
            Command::TOP,
            Command::BOTTOM,
            Command::INSPECT,
            Command::REFRESH,
        ],
    );
    /// The raw view of an item: its JSON, scrollable.
    pub const INSPECT: Context = Context::new(
        "inspect",
        &[
            Command::BACK,
            Command::UP,
            Command::DOWN,
            Command::PAGE_UP,
            Command::PAGE_DOWN,
            Command::TOP,
            Command::BOTTOM,
            Command::COPY,
        ],
    );
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

/// The live bindings: per context name, each command name's keys.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    bindings: BTreeMap<String, Vec<(String, Vec<Key>)>>,
}

/// `[keys.CONTEXT] command = ["key", ...]` as TOML values.
pub type KeyTable = BTreeMap<String, BTreeMap<String, toml::Value>>;

impl Keymap {
    /// The defaults shipped in `assets/`, with `overrides` (from the config's
    /// `[keys.*]`) replacing whole commands. A context is a table of the
    /// defaults, and it may bind the commands its table binds. Errors name
    /// the context and command.
    pub fn load(overrides: &KeyTable) -> Result<Keymap, KeymapError> {
        let defaults: KeyTable = toml::from_str(DEFAULT_KEYMAP).map_err(|e| KeymapError {
            origin: "default keymap",
            context: String::new(),
            command: None,
            message: e.to_string(),
        })?;
        let mut map = Keymap::default();
        map.apply(&defaults, "default keymap", &defaults)?;
        map.apply(overrides, "keys", &defaults)?;
        Ok(map)
    }

    fn apply(
        &mut self,
        table: &KeyTable,
        origin: &'static str,
        defaults: &KeyTable,
    ) -> Result<(), KeymapError> {
        for (context_name, commands) in table {
            let error = |command: Option<&str>, message: String| KeymapError {
                origin,
                context: context_name.clone(),
                command: command.map(str::to_string),
                message,
            };
            let Some(allowed) = defaults.get(context_name) else {
                return Err(KeymapError {
                    origin,
                    context: String::new(),
                    command: None,
                    message: format!(
                        "unknown context '{context_name}' (expected one of: {})",
                        defaults.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                });
            };
            for (command_name, keys) in commands {
                if !allowed.contains_key(command_name) {
                    return Err(match homes(command_name, defaults) {
                        homes if homes.is_empty() => {
                            error(None, format!("unknown command '{command_name}'"))
                        }
                        homes => error(
                            Some(command_name),
                            format!(
                                "'{command_name}' does nothing in {context_name} (it belongs in: {})",
                                homes.join(", ")
                            ),
                        ),
                    });
                }
                let keys = parse_keys(keys).map_err(|e| error(Some(command_name), e))?;
                let entry = self.bindings.entry(context_name.clone()).or_default();
                entry.retain(|(c, _)| c != command_name);
                entry.push((command_name.clone(), keys));
            }
            // Checked once the whole table is in, so swapping two keys works.
            if let Some((command, key, other)) = self.clash(context_name, commands.keys()) {
                return Err(error(
                    Some(&command),
                    format!(
                        "'{key}' is bound to '{other}' in {context_name} already (rebind that one too)"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A key of one of `changed` that another command of the context holds.
    fn clash<'a>(
        &self,
        context: &str,
        changed: impl Iterator<Item = &'a String>,
    ) -> Option<(String, Key, String)> {
        let entry = self.bindings.get(context)?;
        changed.into_iter().find_map(|command| {
            let (_, keys) = entry.iter().find(|(c, _)| c == command)?;
            entry
                .iter()
                .filter(|(other, _)| other != command)
                .find_map(|(other, taken)| {
                    keys.iter()
                        .find(|k| taken.contains(k))
                        .map(|k| (command.clone(), *k, other.clone()))
                })
        })
    }

    /// The name of the command a key runs in the context named `context`,
    /// its own bindings only.
    fn bound(&self, context: &str, key: Key) -> Option<&str> {
        self.bindings
            .get(context)?
            .iter()
            .find(|(_, keys)| keys.contains(&key))
            .map(|(command, _)| command.as_str())
    }

    /// The name of the command a key runs in the (non-text) context named
    /// `context`: its own bindings first, then the global ones.
    pub fn bound_in(&self, context: &str, key: Key) -> Option<&str> {
        self.bound(context, key)
            .or_else(|| self.bound(Context::GLOBAL.name, key))
    }

    /// The command a key runs in a text context: its own bindings only,
    /// so every other key is typed.
    pub fn lookup_own(&self, context: Context, key: Key) -> Option<Command> {
        context.command(self.bound(context.name, key)?)
    }

    /// The command a key runs in `context` (its own bindings first, then global).
    pub fn lookup(&self, context: Context, key: Key) -> Option<Command> {
        let own = self.lookup_own(context, key);
        if context.is_text() || own.is_some() {
            return own;
        }
        self.lookup_own(Context::GLOBAL, key)
    }

    fn keys_of(&self, context: Context, command: Command) -> Option<&[Key]> {
        self.bindings
            .get(context.name)?
            .iter()
            .find(|(c, _)| c == command.name)
            .map(|(_, keys)| keys.as_slice())
    }

    /// The first key bound to a command in `context` (or global), for hints.
    pub fn key_for(&self, context: Context, command: Command) -> Option<Key> {
        let contexts: &[Context] = if context.is_text() {
            &[context]
        } else {
            &[context, Context::GLOBAL]
        };
        contexts
            .iter()
            .find_map(|c| self.keys_of(*c, command)?.first().copied())
    }

    /// Every binding visible in `context`: its own, then the global ones it
    /// does not shadow, each group in the order its context declares them.
    pub fn visible(&self, context: Context) -> Vec<(Command, Vec<Key>)> {
        let bound = |c: Context| {
            c.commands
                .iter()
                .filter_map(move |command| Some((*command, self.keys_of(c, *command)?.to_vec())))
        };
        let mut out: Vec<(Command, Vec<Key>)> = bound(context).collect();
        if context != Context::GLOBAL && !context.is_text() {
            let global: Vec<_> = bound(Context::GLOBAL)
                .filter(|(command, _)| !out.iter().any(|(c, _)| c == command))
                .collect();
            out.extend(global);
        }
        out
    }

    /// The command names each context binds, as the keymap has them.
    pub fn bound_names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.bindings.iter().flat_map(|(context, commands)| {
            commands
                .iter()
                .map(move |(command, _)| (context.as_str(), command.as_str()))
        })
    }
}

/// The contexts whose defaults bind `command`.
fn homes<'a>(command: &str, defaults: &'a KeyTable) -> Vec<&'a str> {
    defaults
        .iter()
        .filter(|(_, commands)| commands.contains_key(command))
        .map(|(c, _)| c.as_str())
        .collect()
}

/// A binding's value: one key or a list of keys.
fn parse_keys(value: &toml::Value) -> Result<Vec<Key>, String> {
    let list: Vec<&str> = match value {
        toml::Value::String(s) => vec![s.as_str()],
        toml::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect(),
        _ => return Err("expected a key or a list of keys".into()),
    };
    list.iter().map(|k| Key::parse(k)).collect()
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
        assert_eq!(map.lookup(Context::LIBRARY, key('q')), Some(Command::QUIT));
        assert_eq!(
            map.lookup(Context::LIBRARY, key('/')),
            Some(Command::SEARCH)
        );
        assert_eq!(map.lookup(Context::LIBRARY, key('z')), None);
        // The audit log's own q goes back; its L is global's.
        assert_eq!(map.lookup(Context::AUDIT, key('q')), Some(Command::BACK));
        assert_eq!(
            map.lookup(Context::AUDIT, key('L')),
            Some(Command::MESSAGES)
        );
    }

    #[test]
    fn overrides_replace_a_command_and_errors_name_it() {
        let overrides: KeyTable = toml::from_str("[library]\nfilter = [\"F\"]").unwrap();
        let map = Keymap::load(&overrides).unwrap();
        assert_eq!(
            map.lookup(Context::LIBRARY, key('F')),
            Some(Command::FILTER)
        );
        assert_eq!(map.lookup(Context::LIBRARY, key('f')), None);
        let refusal = |text: &str| {
            let table: KeyTable = toml::from_str(text).unwrap();
            Keymap::load(&table).unwrap_err().to_string()
        };
        assert_eq!(
            refusal("[library]\nfilterr = \"F\""),
            "keys.library: unknown command 'filterr'"
        );
        assert!(refusal("[library]\nfilter = \"hyper-x\"").contains("unknown key 'hyper-x'"));
        assert_eq!(
            refusal("[model]\nfilter = \"F\""),
            "keys.model.filter: 'filter' does nothing in model (it belongs in: library)"
        );
        assert!(
            refusal("[modle]\nfilter = \"F\"")
                .starts_with("keys: unknown context 'modle' (expected one of: audit, chat,")
        );
    }

    #[test]
    fn a_context_declared_beside_its_screen_is_looked_up_by_its_table() {
        const WAVE: Command = Command::new("next_match", "wave");
        const TYPED: Context = Context::new("run", &[WAVE]);
        const TEXT: Context = Context::new("editor", &[Command::BACK]).typed();
        let map = Keymap::load(&KeyTable::new()).unwrap();
        assert_eq!(map.lookup(TYPED, key('n')), Some(WAVE));
        assert_eq!(map.lookup(TYPED, key('q')), Some(Command::QUIT));
        assert_eq!(map.lookup(TEXT, key('q')), None, "text types its keys");
        assert_eq!(map.key_for(TYPED, WAVE), Some(key('n')));
        let visible = map.visible(TYPED);
        assert_eq!(visible[0].0, WAVE, "own commands first");
        assert_eq!(visible[1].0, Command::QUIT, "then the global ones");
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
