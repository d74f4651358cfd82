//! The four-tab library under every screen: moving through a tab's list,
//! switching tabs, searching and filtering, and opening the selected row.

use super::effects::Effect;
use super::filters::Filters;
use super::forms::FormRequest;
use super::library_rows::LibraryRow;
use super::lists::{ensure_window, move_by, on_list, refresh_in_place, reload};
use super::screens::{self, LineEdit, Outcome, edit_line, is_movement};
use super::selected::SelectedRow;
use super::state::Listed;
use super::state::{App, FilterPicker, Overlay, Tab};
use super::tab::with_row_type;
use crate::domain::{ModelFamily, RecipeLevel, RunType};
use crate::keymap::Command;
use crate::service::changes::CancelRuns;
use crate::tui::effects::Task;
use crossterm::event::KeyEvent;

/// The most keys kept while a tab loads: a burst, not a backlog.
const PENDING_KEYS: usize = 16;

pub const HINTS: &[Command] = &[
    Command::OPEN,
    Command::NEW_ITEM,
    Command::SEARCH,
    Command::FILTER,
    Command::NEXT_TAB,
    Command::HELP,
    Command::QUIT,
];

/// The selected row of the library's tab.
pub fn selected_row(app: &App) -> Option<SelectedRow<'_>> {
    with_row_type!(app.tab, T => T::list(&app.lists).selected_row().map(T::selected))
}

/// The id of the selected row.
pub fn selected_id(app: &App) -> Option<i64> {
    selected_row(app).map(|row| row.id())
}

/// Whether `command` needs the current tab's rows, which have not come yet.
fn waits_for_rows(app: &mut App, command: Command) -> bool {
    let tab = app.tab;
    let loading = on_list!(app, tab, l => l.loading && !l.loaded);
    (command == Command::OPEN || is_movement(command)) && loading
}

/// A library command; a screen it opens comes back as the outcome.
pub fn on_command(app: &mut App, command: Command) -> Outcome {
    if waits_for_rows(app, command) {
        if app.pending.len() < PENDING_KEYS {
            app.pending.push(command);
        }
        return Outcome::done();
    }
    let page = app.page_rows() as isize;
    let n = Tab::ALL.len();
    let effects = match command {
        Command::UP => move_by(app, -1),
        Command::DOWN => move_by(app, 1),
        Command::PAGE_UP => move_by(app, -page),
        Command::PAGE_DOWN => move_by(app, page),
        Command::TOP => move_by(app, isize::MIN / 2),
        Command::BOTTOM => move_by(app, isize::MAX / 2),
        Command::NEXT_TAB => switch_tab(app, Tab::ALL[(app.tab.index() + 1) % n]),
        Command::PREV_TAB => switch_tab(app, Tab::ALL[(app.tab.index() + n - 1) % n]),
        Command::SEARCH => {
            app.searching = true;
            vec![]
        }
        Command::FILTER => {
            app.overlay = Some(Overlay::Filter(FilterPicker { row: 0 }));
            vec![]
        }
        Command::CLEAR_FILTERS => {
            *app.filters_mut(app.tab) = Filters::default();
            reload(app, app.tab)
        }
        Command::OPEN => return open_selected(app),
        Command::CHAT if app.tab.marks_rows() && app.marked_runs.len() > MAX_COMPARED => {
            app.status = Some(format!(
                "compare takes at most {MAX_COMPARED} runs: {} are marked (space unmarks)",
                app.marked_runs.len()
            ));
            vec![]
        }
        Command::CHAT if app.tab.marks_rows() && app.marked_runs.len() >= 2 => {
            return Outcome::push(screens::compare::open(app.marked_runs.clone()));
        }
        Command::CANCEL_RUN | Command::TAG_RUNS => return act_on_runs(app, command),
        Command::CHAT => return Outcome::push(screens::chat::open(None)),
        Command::MARK => {
            toggle_run_mark(app);
            vec![]
        }
        Command::COLUMNS if app.tab.picks_columns() => {
            app.overlay = Some(Overlay::Columns(super::columns::ColumnPicker::default()));
            vec![Effect::Task(Task::LoadColumnChoices)]
        }
        Command::COLUMNS => {
            app.overlay = Some(Overlay::Sort(0));
            vec![]
        }
        Command::NEW_ITEM => return new_item(app),
        _ => return Outcome::Ignored,
    };
    Outcome::Effects(effects)
}

/// The most runs compared at once: each gets a colour in the chart.
pub const MAX_COMPARED: usize = 6;

/// Marks (or unmarks) the selected run to compare; only in Runs.
fn toggle_run_mark(app: &mut App) {
    if !app.tab.marks_rows() {
        app.status = Some("space marks runs to compare, in the Runs tab (3)".into());
        return;
    }
    let Some(id) = selected_id(app) else {
        return;
    };
    if let Some(at) = app.marked_runs.iter().position(|m| *m == id) {
        app.marked_runs.remove(at);
    } else {
        app.marked_runs.push(id);
    }
    let n = app.marked_runs.len();
    app.status = Some(match n {
        0 => "no runs marked".into(),
        1 => format!("marked run {id}: mark another to compare; X cancels, t tags the marked"),
        _ => format!("{n} runs marked: c compares, X cancels, t tags them"),
    });
}

/// The runs a bulk command acts on: the marked ones, else the selected one.
fn runs_acted_on(app: &App) -> Vec<i64> {
    if app.marked_runs.is_empty() {
        selected_id(app).into_iter().collect()
    } else {
        app.marked_runs.clone()
    }
}

/// Cancel or tag every marked run (the selected one when none is marked).
fn act_on_runs(app: &mut App, command: Command) -> Outcome {
    if !app.tab.marks_rows() {
        app.status = Some(format!("{}: in the Runs tab (3)", command.name()));
        return Outcome::done();
    }
    let ids = runs_acted_on(app);
    if ids.is_empty() {
        return Outcome::done();
    }
    let listed = ids
        .iter()
        .map(|id| id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if command == Command::CANCEL_RUN && all_loaded_and_ended(app, &ids) {
        app.status = Some(format!("nothing to cancel: {listed} ended already"));
        return Outcome::done();
    }
    match command {
        Command::CANCEL_RUN => Outcome::Confirm {
            message: format!(
                "Cancel {} ({listed})? Those still going get SIGTERM, then SIGKILL; ended ones are left as they are.",
                plural_runs(ids.len())
            ),
            submission: Box::new(super::submit::Submission::CancelRuns(CancelRuns {
                runs: ids,
            })),
        },
        _ => Outcome::form(FormRequest::TagRuns(ids)),
    }
}

/// Whether every one of `ids` is a loaded row of the Runs list that has
/// ended (a run out of the loaded window counts as not known).
fn all_loaded_and_ended(app: &App, ids: &[i64]) -> bool {
    let rows = &app.lists.runs.rows;
    ids.iter().all(|id| {
        rows.iter()
            .find(|r| r.id == *id)
            .is_some_and(|r| r.status.is_final())
    })
}

fn plural_runs(n: usize) -> String {
    if n == 1 {
        "1 run".into()
    } else {
        format!("{n} runs")
    }
}

fn new_item(app: &mut App) -> Outcome {
    match with_row_type!(app.tab, T => T::new_item()) {
        Ok(form) => Outcome::form(form),
        Err(instead) => {
            app.status = Some(instead.into());
            Outcome::done()
        }
    }
}

pub fn switch_tab(app: &mut App, tab: Tab) -> Vec<Effect> {
    // Moving on by hand: back no longer returns along the link, and keys
    // meant for the last tab's rows are dropped.
    app.came_from = None;
    app.pending.clear();
    app.tab = tab;
    let (loaded, stale) = on_list!(app, tab, l => (l.loaded || l.loading, l.stale));
    if loaded && stale {
        refresh_in_place(app, tab)
    } else if loaded {
        ensure_window(app, tab)
    } else {
        reload(app, tab)
    }
}

fn open_selected(app: &App) -> Outcome {
    let Some(id) = selected_row(app).map(|row| row.id()) else {
        return Outcome::done();
    };
    Outcome::push(with_row_type!(app.tab, T => T::open(id)))
}

/// A key typed into the search prompt: the list follows as you type.
pub fn on_search_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let tab = app.tab;
    match edit_line(&mut app.filters_mut(tab).search, key) {
        LineEdit::Cleared => {
            app.searching = false;
            reload(app, tab)
        }
        LineEdit::Kept => {
            app.searching = false;
            // Said once, when the search is kept, and so logged once: not
            // at each key typed on the way.
            let f = app.filters(tab);
            if let Some(error) = &f.search_error {
                let shown = match f.last_valid_search.as_str() {
                    "" => "every run".to_string(),
                    valid => format!("/{valid}"),
                };
                app.error = Some(format!("{error} (the list shows {shown})"));
            }
            vec![]
        }
        LineEdit::Changed => {
            // A search that does not read changes nothing shown: the rows
            // stay the last valid search's, its error beside the prompt.
            let f = app.filters_mut(tab);
            f.check_search(tab.searches_with_filter_language());
            if f.search_error.is_some() {
                vec![]
            } else {
                reload(app, tab)
            }
        }
        LineEdit::Unchanged => vec![],
    }
}

/// The next (or previous) value of a filter, through "any" at both ends.
fn cycle<T: Copy + PartialEq>(current: Option<T>, all: &[T], forward: bool) -> Option<T> {
    let n = all.len();
    let pos = current.and_then(|c| all.iter().position(|x| *x == c));
    let next = match (pos, forward) {
        (None, true) => Some(0),
        (None, false) => Some(n - 1),
        (Some(i), true) if i + 1 < n => Some(i + 1),
        (Some(i), false) if i > 0 => Some(i - 1),
        _ => None,
    };
    next.map(|i| all[i])
}

/// Moves one filter row of the current tab to its next value and re-reads.
pub fn cycle_filter(app: &mut App, row: &str, forward: bool) -> Vec<Effect> {
    let tab = app.tab;
    let statuses = tab.statuses();
    let f = app.filters_mut(tab);
    match row {
        "family" => f.family = cycle(f.family, ModelFamily::ALL, forward),
        "level" => f.level = cycle(f.level, RecipeLevel::ALL, forward),
        "type" => f.run_type = cycle(f.run_type, RunType::ALL, forward),
        _ => {
            let current = f
                .status
                .as_deref()
                .and_then(|s| statuses.iter().copied().find(|x| *x == s));
            f.status = cycle(current, &statuses, forward).map(String::from);
        }
    }
    reload(app, tab)
}

/// Loads the shown params of the runs in the Runs tab's window, if any
/// param is shown.
pub fn load_column_params(app: &App) -> Option<Effect> {
    let keys = app.run_columns.param_keys();
    if keys.is_empty() {
        return None;
    }
    let run_ids: Vec<i64> = app.lists.runs.rows.iter().map(|r| r.id).collect();
    Some(Effect::Task(Task::LoadColumnParams { run_ids, keys }))
}

/// Keeps the loaded params for the cells to read.
pub fn apply_column_params(app: &mut App, params: Vec<crate::store::RunKeyValue>) {
    let mut by_run = std::collections::HashMap::<i64, std::collections::BTreeMap<_, _>>::new();
    for p in params {
        by_run.entry(p.run_id).or_default().insert(p.key, p.value);
    }
    app.run_columns.params = by_run;
}
