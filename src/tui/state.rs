//! The app's state: a plain struct, changed only by `update`, drawn by `view`.

pub use super::tab::Tab;
use super::theme::Theme;
use crate::domain::{ModelFamily, RecipeLevel};
use crate::keymap::{Context, Keymap};
pub use crate::service::recipes::RecipeDetail;
use crate::store::{AuditEntry, Model, MonitorRow, Recipe, Run, Snapshot};

/// The smallest terminal the app draws in.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

/// Rows loaded around the selection; long lists are windows onto the database.
pub const WINDOW: usize = 200;

/// What narrows a tab's list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub family: Option<ModelFamily>,
    pub level: Option<RecipeLevel>,
    pub status: Option<String>,
    /// Runs only: train, eval or backtest.
    pub run_type: Option<crate::domain::RunType>,
    pub search: String,
    /// Set by links from detail screens ("this recipe's runs").
    pub recipe: Option<(i64, String)>,
    pub model: Option<(i64, String)>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// A short description for the list's title line.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(f) = self.family {
            out.push(format!("family={f}"));
        }
        if let Some(l) = self.level {
            out.push(format!("level={l}"));
        }
        if let Some(s) = &self.status {
            out.push(format!("status={s}"));
        }
        if let Some((_, name)) = &self.recipe {
            out.push(format!("recipe={name}"));
        }
        if let Some((_, name)) = &self.model {
            out.push(format!("model={name}"));
        }
        if !self.search.is_empty() {
            out.push(format!("/{}", self.search));
        }
        out
    }
}

/// A window of a long list: `rows[i]` is row `window_start + i` of `total`.
#[derive(Debug, Clone)]
pub struct ListView<T> {
    pub rows: Vec<T>,
    pub window_start: usize,
    pub total: usize,
    /// The count without filters, for "37 of 1,000,000".
    pub unfiltered_total: Option<usize>,
    pub selected: usize,
    /// First visible row, kept so the selection stays on screen.
    pub scroll: usize,
    pub loaded: bool,
    pub loading: bool,
    /// Bumped by every request; answers to older ones are dropped.
    pub generation: u64,
    pub filters: Filters,
    /// After a load, select the row with this id (e.g. after a link).
    pub select_id: Option<i64>,
    /// Changed by someone else while not shown: re-read when shown.
    pub stale: bool,
}

impl<T> Default for ListView<T> {
    fn default() -> Self {
        ListView {
            rows: Vec::new(),
            window_start: 0,
            total: 0,
            unfiltered_total: None,
            selected: 0,
            scroll: 0,
            loaded: false,
            loading: false,
            generation: 0,
            filters: Filters::default(),
            select_id: None,
            stale: false,
        }
    }
}

impl<T> ListView<T> {
    pub fn row(&self, index: usize) -> Option<&T> {
        index
            .checked_sub(self.window_start)
            .and_then(|i| self.rows.get(i))
    }

    pub fn selected_row(&self) -> Option<&T> {
        self.row(self.selected)
    }

    /// Whether rows `[from, to)` are all in the loaded window.
    pub fn covers(&self, from: usize, to: usize) -> bool {
        let to = to.min(self.total);
        from >= self.window_start && to <= self.window_start + self.rows.len()
    }
}

pub struct Lists {
    pub recipes: ListView<Recipe>,
    pub models: ListView<Model>,
    pub runs: ListView<Run>,
    pub monitoring: ListView<MonitorRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipeSection {
    Overview,
    Manifest,
    Versions,
    Example,
}

impl RecipeSection {
    pub const ALL: [RecipeSection; 4] = [
        RecipeSection::Overview,
        RecipeSection::Manifest,
        RecipeSection::Versions,
        RecipeSection::Example,
    ];
    pub fn title(self) -> &'static str {
        match self {
            RecipeSection::Overview => "Overview",
            RecipeSection::Manifest => "Manifest",
            RecipeSection::Versions => "Versions",
            RecipeSection::Example => "Synthetic Example",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSection {
    Overview,
    Deployments,
    Monitoring,
    Alerts,
}

impl ModelSection {
    pub const ALL: [ModelSection; 4] = [
        ModelSection::Overview,
        ModelSection::Deployments,
        ModelSection::Monitoring,
        ModelSection::Alerts,
    ];
    pub fn title(self) -> &'static str {
        match self {
            ModelSection::Overview => "Overview",
            ModelSection::Deployments => "Deployments",
            ModelSection::Monitoring => "Monitoring",
            ModelSection::Alerts => "Alerts",
        }
    }
}

/// Everything the recipe screen shows, loaded in one go.

#[derive(Debug, Clone)]
pub struct ModelDetail {
    pub model: Model,
    /// The manifest of the model's recipe version (thresholds, rules).
    pub manifest: serde_json::Value,
    /// Alerts from the monitoring rules, open first.
    pub alerts: Vec<crate::store::Alert>,
    pub history: Vec<AuditEntry>,
    /// Newest first.
    pub snapshots: Vec<Snapshot>,
}

pub struct RecipeScreen {
    pub id: i64,
    pub detail: Option<RecipeDetail>,
    pub section: RecipeSection,
    pub manifest_as_tree: bool,
    pub tree: tui_tree_widget::TreeState<String>,
    pub scroll: usize,
    pub version_selected: usize,
    /// The version (by number, so a new version arriving keeps the mark on
    /// it) marked with space, to diff against the selected one.
    pub marked: Option<String>,
}

pub struct ModelScreen {
    pub id: i64,
    pub detail: Option<ModelDetail>,
    pub section: ModelSection,
    pub scroll: usize,
    /// The Monitoring section's time window, in days (None: all history).
    pub window: Option<i64>,
    /// Snapshots of the window, oldest first, thinned by the database.
    pub series: Vec<Snapshot>,
}

/// The monitoring windows `w` cycles through.
pub const WINDOWS: [Option<i64>; 4] = [Some(7), Some(30), Some(90), None];

pub struct RunScreen {
    pub id: i64,
    pub run: Option<Run>,
    pub scroll: usize,
    pub follow: bool,
    pub search: String,
    pub matches: Vec<usize>,
    pub current_match: usize,
}

/// What a diff screen shows and what `enter` does there.
#[derive(Debug, Clone, PartialEq)]
pub enum DiffPurpose {
    /// Two versions of a recipe, for reading.
    Versions,
    /// A rebase preview: `enter` commits it.
    Rebase(Box<crate::service::recipes::RebasePreview>),
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
        use crate::domain::diff::{LineChange, changed_paths, diff_rows, json_patch};
        let rows = diff_rows(from.1, to.1);
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
            paths: changed_paths(&json_patch(from.1, to.1)),
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

pub enum Screen {
    Recipe(Box<RecipeScreen>),
    Model(Box<ModelScreen>),
    Run(Box<RunScreen>),
    Diff(Box<DiffScreen>),
    Editor(Box<super::editor::EditorScreen>),
    Chat(Box<super::chat::ChatScreen>),
}

impl Screen {
    pub fn context(&self) -> Context {
        match self {
            Screen::Recipe(_) => Context::Recipe,
            Screen::Model(_) => Context::Model,
            Screen::Run(_) => Context::Run,
            Screen::Diff(_) => Context::Diff,
            Screen::Editor(_) => Context::Editor,
            Screen::Chat(c) if c.typing => Context::ChatInput,
            Screen::Chat(_) => Context::Chat,
        }
    }

    /// The item this screen shows, as the audit log names it.
    pub fn audit_scope(&self) -> Option<super::audit::AuditScope> {
        let (entity, id) = match self {
            Screen::Recipe(s) => ("recipe", s.id),
            Screen::Model(s) => ("model", s.id),
            Screen::Run(s) => ("run", s.id),
            _ => return None,
        };
        Some(super::audit::AuditScope { entity, id })
    }

    pub fn crumb(&self) -> String {
        match self {
            Screen::Recipe(s) => s
                .detail
                .as_ref()
                .map(|d| d.recipe.name.clone())
                .unwrap_or_else(|| format!("recipe {}", s.id)),
            Screen::Model(s) => s
                .detail
                .as_ref()
                .map(|d| d.model.name.clone())
                .unwrap_or_else(|| format!("model {}", s.id)),
            Screen::Run(s) => format!("run {}", s.id),
            Screen::Diff(s) => s.title.clone(),
            Screen::Editor(s) => format!("edit {}", s.base_version),
            Screen::Chat(s) => s.title(),
        }
    }
}

/// Which part of the filter picker has focus and what is highlighted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterPicker {
    /// 0 family, 1 level (recipes only), 2 status.
    pub row: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Palette {
    pub query: String,
    pub selected: usize,
}

pub enum Overlay {
    /// The keys of the current screen, scrolled to this line.
    Help(usize),
    Palette(Palette),
    Filter(FilterPicker),
    Form(Box<super::forms::AppForm>),
    /// Every status message since the start, newest first, scrolled to this row.
    Messages(usize),
    /// The audit log, newest first, with the chain's verdict.
    Audit(Box<super::audit::AuditView>),
    /// A destructive change waiting for `y`.
    Confirm {
        message: String,
        submission: Box<super::submit::Submission>,
    },
}

/// Where a link to a filtered list ("this recipe's models") came from, so
/// `back` returns there instead of only clearing the filters.
pub struct CameFrom {
    pub tab: Tab,
    pub screens: Vec<Screen>,
    /// The linked tab's filters before the link set its own.
    pub filters: Filters,
}

/// A status or error message as it was shown, kept for the messages log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub at: chrono::DateTime<chrono::Utc>,
    pub error: bool,
    pub text: String,
}

/// The most messages kept; the oldest go first.
const MESSAGES_KEPT: usize = 1000;

/// Text being typed into a search field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typing {
    LibrarySearch,
    LogSearch,
}

pub struct App {
    pub tab: Tab,
    pub lists: Lists,
    pub screens: Vec<Screen>,
    pub overlay: Option<Overlay>,
    pub typing: Option<Typing>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub status: Option<String>,
    pub error: Option<String>,
    pub should_quit: bool,
    /// The last drawn size, for page moves and mouse hits.
    pub width: u16,
    pub height: u16,
    pub user: String,
    pub backend: &'static str,
    /// Whether `[assistant.llm]` is configured (the chat can use it).
    pub llm_configured: bool,
    /// The configured rules (four-eyes), known before asking the service.
    pub governance: crate::domain::Governance,
    /// The screens a followed link left, for `back`.
    pub came_from: Option<CameFrom>,
    /// Every status and error message shown, oldest first, in full.
    pub messages: Vec<Message>,
    /// Keys pressed on a tab whose rows are still loading, applied (in
    /// order) when they arrive.
    pub pending: Vec<crate::keymap::Command>,
    /// Where "now" comes from for durations and windows.
    pub clock: crate::domain::Clock,
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme, user: String, backend: &'static str) -> App {
        App {
            tab: Tab::Recipes,
            lists: Lists {
                recipes: ListView::default(),
                models: ListView::default(),
                runs: ListView::default(),
                monitoring: ListView::default(),
            },
            screens: Vec::new(),
            overlay: None,
            typing: None,
            keymap,
            theme,
            status: None,
            error: None,
            should_quit: false,
            width: 80,
            height: 24,
            user,
            backend,
            llm_configured: false,
            governance: Default::default(),
            came_from: None,
            messages: Vec::new(),
            pending: Vec::new(),
            clock: crate::domain::Clock::System,
        }
    }

    /// Keeps the status and error messages that changed since `before`.
    pub fn log_new_messages(&mut self, before: (Option<String>, Option<String>)) {
        let at = self.clock.now();
        for (now, was, error) in [
            (&self.status, before.0, false),
            (&self.error, before.1, true),
        ] {
            if let Some(text) = now
                && Some(text) != was.as_ref()
            {
                self.messages.push(Message {
                    at,
                    error,
                    text: text.clone(),
                });
            }
        }
        let excess = self.messages.len().saturating_sub(MESSAGES_KEPT);
        self.messages.drain(..excess);
    }

    pub fn context(&self) -> Context {
        self.screens
            .last()
            .map(Screen::context)
            .unwrap_or(Context::Library)
    }

    /// Below `MIN_WIDTH` x `MIN_HEIGHT` the app only says the terminal is
    /// too small, and takes no key but quitting.
    pub fn too_small(&self) -> bool {
        self.width < MIN_WIDTH || self.height < MIN_HEIGHT
    }

    /// Lines the help overlay shows at once (under the header and its title).
    pub fn help_rows(&self) -> usize {
        (self.height as usize).saturating_sub(2).max(1)
    }

    /// Audit rows the audit overlay shows (below its verdict line).
    pub fn audit_rows(&self) -> usize {
        self.help_rows().saturating_sub(1).max(1)
    }

    /// Rows the list area shows at the current size.
    pub fn page_rows(&self) -> usize {
        (self.height as usize).saturating_sub(7).max(1)
    }

    pub fn filters(&self, tab: Tab) -> &Filters {
        match tab {
            Tab::Recipes => &self.lists.recipes.filters,
            Tab::Models => &self.lists.models.filters,
            Tab::Runs => &self.lists.runs.filters,
            Tab::Monitoring => &self.lists.monitoring.filters,
        }
    }

    pub fn filters_mut(&mut self, tab: Tab) -> &mut Filters {
        match tab {
            Tab::Recipes => &mut self.lists.recipes.filters,
            Tab::Models => &mut self.lists.models.filters,
            Tab::Runs => &mut self.lists.runs.filters,
            Tab::Monitoring => &mut self.lists.monitoring.filters,
        }
    }
}
