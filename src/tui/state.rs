//! The app's state: a plain struct, changed only by `update`, drawn by `view`.

pub use super::filters::Filters;
pub use super::screens::*;
pub use super::tab::Tab;
use super::theme::Theme;
use crate::keymap::{Context, Keymap};
pub use crate::service::recipes::RecipeDetail;
use crate::store::{Model, MonitorRow, Recipe, Run};
use crate::tui::tab::with_row_type;

/// The smallest terminal the app draws in.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

/// Rows loaded around the selection; long lists are windows onto the database.
pub const WINDOW: usize = 200;

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

/// A tab's list in the library, found by the rows it holds
/// (`tab::with_row_type!` says which rows a tab lists).
pub trait Listed: Sized {
    fn list(lists: &Lists) -> &ListView<Self>;
    fn list_mut(lists: &mut Lists) -> &mut ListView<Self>;
}

macro_rules! listed {
    ($row:ty, $field:ident) => {
        impl Listed for $row {
            fn list(lists: &Lists) -> &ListView<Self> {
                &lists.$field
            }
            fn list_mut(lists: &mut Lists) -> &mut ListView<Self> {
                &mut lists.$field
            }
        }
    };
}

listed!(Recipe, recipes);
listed!(Model, models);
listed!(Run, runs);
listed!(MonitorRow, monitoring);

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
    /// The Runs tab's columns and sort.
    Columns(super::columns::ColumnPicker),
    /// Another tab's sort: the highlighted column.
    Sort(usize),
    Form(Box<super::forms::AppForm>),
    /// Every status message since the start, newest first, scrolled to this row.
    Messages(usize),
    /// The audit log, newest first, with the chain's verdict.
    Audit(Box<super::audit::AuditView>),
    /// An item whole, as JSON (`i`), over the overlay it was opened
    /// from (the audit log), which closing it returns to.
    Inspect {
        view: Box<super::inspect::InspectView>,
        back_to: Option<Box<Overlay>>,
    },
    /// A destructive change (or a user command asking first) waiting for `y`.
    Confirm {
        message: String,
        then: Box<super::effects::Task>,
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

pub struct App {
    pub tab: Tab,
    pub lists: Lists,
    pub screens: Vec<Screen>,
    pub overlay: Option<Overlay>,
    /// The library's search prompt is open (keys are typed into it).
    pub searching: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    pub status: Option<String>,
    /// The status as the last tick saw it, and for how many ticks it has
    /// been shown: a status gives the hint bar back after a few seconds.
    pub status_seen: Option<(String, u8)>,
    pub error: Option<String>,
    pub should_quit: bool,
    /// The last drawn size, for page moves and mouse hits.
    pub width: u16,
    pub height: u16,
    pub user: String,
    pub backend: &'static str,
    /// Whether `[assistant.llm]` is configured (the chat can use it).
    pub llm_configured: bool,
    /// `[alerts] confirm`: ask before acknowledging or resolving an alert.
    pub confirm_alert_moves: bool,
    /// The configured rules (four-eyes), known before asking the service.
    pub governance: crate::domain::Governance,
    /// The screens a followed link left, for `back`.
    pub came_from: Option<CameFrom>,
    /// Every status and error message shown, oldest first, in full.
    pub messages: Vec<Message>,
    /// Keys pressed on a tab whose rows are still loading, applied (in
    /// order) when they arrive.
    pub pending: Vec<crate::keymap::Command>,
    /// `[[commands]]`: the user's own keys, by context.
    pub user_commands: Vec<(String, crate::keymap::Key, crate::config::UserCommand)>,
    /// A name asked for from the palette (`:recipe retail`): when the
    /// tab's rows for it arrive, the only match opens.
    pub finding: Option<String>,
    /// Where "now" comes from for durations and windows.
    pub clock: crate::domain::Clock,
    /// Runs marked (space, in Runs) to compare, in the order marked.
    pub marked_runs: Vec<i64>,
    /// The metrics and params the Runs tab shows as columns.
    pub run_columns: super::columns::RunColumns,
}

impl App {
    pub fn new(
        keymap: Keymap,
        theme: Theme,
        user: String,
        backend: &'static str,
        clock: crate::domain::Clock,
    ) -> App {
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
            searching: false,
            keymap,
            theme,
            status: None,
            status_seen: None,
            error: None,
            should_quit: false,
            width: 80,
            height: 24,
            user,
            backend,
            llm_configured: false,
            confirm_alert_moves: false,
            governance: Default::default(),
            came_from: None,
            messages: Vec::new(),
            pending: Vec::new(),
            finding: None,
            user_commands: Vec::new(),
            clock,
            marked_runs: Vec::new(),
            run_columns: Default::default(),
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
            .map(|s| s.context())
            .unwrap_or(Context::LIBRARY)
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

    /// Lines the raw view shows at once, and how wide (inside its frame).
    pub fn inspect_area(&self) -> (usize, usize) {
        (
            self.help_rows(),
            (self.width as usize).saturating_sub(2).max(8),
        )
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
        with_row_type!(tab, T => &T::list(&self.lists).filters)
    }

    pub fn filters_mut(&mut self, tab: Tab) -> &mut Filters {
        with_row_type!(tab, T => &mut T::list_mut(&mut self.lists).filters)
    }
}
