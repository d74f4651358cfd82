//! `update(&mut App, Msg) -> Vec<Effect>`: every behaviour of the app, with no
//! I/O and no awaiting, so all of it is testable without a terminal.
//!
//! A router: a key goes to the open overlay, else the top screen (a
//! component in `tui/screens/`), else the library, then the global commands;
//! an answer goes to the screens it is addressed to. What a screen does
//! lives in its own module.

use super::effects::{Effect, Loaded, Msg, Rows, ScreenKey};
use super::goto::Destination;
use super::library_rows::LibraryRow;
use super::list_loads::ListSource;
use super::lists::{Window, apply_rows, ensure_window, on_list, reload};
use super::overlays::Reply;
use super::screens::{self, Cx, ModelSection, Outcome, Screen};
use super::state::Listed;
use super::state::*;
use super::submit::{Done, Target};
use super::tab::with_row_type;
use crate::keymap::{Command, Context, Key};
use crate::tui::effects::{Task, TerminalWork};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

pub use super::library::selected_id;

/// The first effects: load the first tab.
pub fn start(app: &mut App) -> Vec<Effect> {
    reload(app, app.tab)
}

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let before = (app.status.clone(), app.error.clone());
    let effects = dispatch(app, msg);
    app.log_new_messages(before);
    effects
}

fn dispatch(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(app, key),
        Msg::Key(_) => vec![],
        Msg::Mouse(m) => on_mouse(app, m),
        Msg::Resize(w, h) => {
            app.width = w;
            app.height = h;
            ensure_window(app, app.tab)
        }
        Msg::Tick => on_tick(app),
        Msg::Loaded(loaded) => on_loaded(app, loaded),
        Msg::Changed(changes) => super::live::on_changes(app, &changes),
    }
}

/// What a screen may read and say, borrowed from the app beside the screens.
macro_rules! cx {
    ($app:ident, $page:expr) => {
        Cx {
            page: $page,
            width: $app.width,
            user: &$app.user,
            governance: &$app.governance,
            keymap: &$app.keymap,
            llm_configured: $app.llm_configured,
            confirm_alert_moves: $app.confirm_alert_moves,
            status: &mut $app.status,
            error: &mut $app.error,
        }
    };
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        app.should_quit = true;
        return vec![];
    }
    app.error = None;
    // Nothing is drawn but "too small": only quitting is taken.
    if app.too_small() {
        if app.keymap.lookup(Context::GLOBAL, Key::from_event(&key)) == Some(Command::QUIT) {
            app.should_quit = true;
        }
        return vec![];
    }
    if app.overlay.is_some() {
        return match super::overlays::on_key(app, key) {
            Reply::Effects(effects) => effects,
            Reply::Run(command) => run_command(app, command),
            Reply::Go(place) => go(app, place),
        };
    }
    let page = app.page_rows();
    if let Some(screen) = app.screens.last_mut() {
        let mut cx = cx!(app, page);
        if let Some(outcome) = screen.on_key(&mut cx, key) {
            return apply(app, outcome);
        }
    } else if app.searching {
        return super::library::on_search_key(app, key);
    }
    match app.keymap.lookup(app.context(), Key::from_event(&key)) {
        Some(command) => run_command(app, command),
        None => super::user_commands::on_key(app, Key::from_event(&key)),
    }
}

/// Why `command` cannot run now, on the top screen.
pub fn unavailable(app: &App, command: Command) -> Option<&'static str> {
    app.screens.last().and_then(|s| s.unavailable(command))
}

/// The commands the hint bar offers where the app is.
pub fn hints(app: &App) -> &'static [Command] {
    match app.screens.last() {
        Some(s) => s.hints(),
        None => super::library::HINTS,
    }
}

/// Does what a command means where the app is: the top screen's first,
/// else the library's, else a global one.
pub fn run_command(app: &mut App, command: Command) -> Vec<Effect> {
    app.status = None;
    if let Some(why) = unavailable(app, command) {
        app.status = Some(format!("{}: {why}", command.name()));
        return vec![];
    }
    let page = app.page_rows();
    let outcome = match app.screens.last_mut() {
        Some(screen) => {
            let mut cx = cx!(app, page);
            screen.on_command(&mut cx, command)
        }
        None => super::library::on_command(app, command),
    };
    match outcome {
        Outcome::Ignored => global_command(app, command),
        outcome => apply(app, outcome),
    }
}

fn global_command(app: &mut App, command: Command) -> Vec<Effect> {
    match command {
        Command::QUIT => app.should_quit = true,
        Command::HELP => app.overlay = Some(Overlay::Help(0)),
        Command::PALETTE => {
            app.overlay = Some(Overlay::Palette(Palette {
                query: String::new(),
                selected: 0,
            }))
        }
        Command::BACK => return back(app),
        Command::REFRESH => return refresh(app),
        Command::MESSAGES => app.overlay = Some(Overlay::Messages(0)),
        Command::AUDIT => {
            let scope = app.screens.last().and_then(|s| s.audit_scope());
            return vec![Effect::Task(Task::LoadAudit(scope))];
        }
        Command::COPY => return copy(app),
        Command::INSPECT => inspect(app),
        Command::TAB_RECIPES => return to_tab(app, Tab::Recipes),
        Command::TAB_MODELS => return to_tab(app, Tab::Models),
        Command::TAB_RUNS => return to_tab(app, Tab::Runs),
        Command::TAB_MONITORING => return to_tab(app, Tab::Monitoring),
        _ => {}
    }
    vec![]
}

/// A tab of the library, from wherever the app is: the screens open over
/// it close, as `esc` would close each.
fn to_tab(app: &mut App, tab: Tab) -> Vec<Effect> {
    app.screens.clear();
    super::library::switch_tab(app, tab)
}

/// A place picked in the palette: the screens over the library close, as
/// a tab's number closes them.
fn go(app: &mut App, place: Destination) -> Vec<Effect> {
    app.screens.clear();
    let (tab, filters) = match place {
        Destination::List { tab, filters: None } => return to_tab(app, tab),
        Destination::Open { tab, id, .. } => {
            let mut effects = to_tab(app, tab);
            effects.extend(push(app, with_row_type!(tab, T => T::open(id))));
            return effects;
        }
        Destination::List {
            tab,
            filters: Some(filters),
        } => (tab, filters),
        Destination::Find { tab, search } => {
            let filters = Filters {
                search: search.clone(),
                ..Filters::default()
            };
            let effects = to_filtered_tab(app, tab, filters);
            app.finding = Some(search);
            return effects;
        }
    };
    to_filtered_tab(app, tab, filters)
}

/// A tab showing `filters`' rows, read afresh.
fn to_filtered_tab(app: &mut App, tab: Tab, filters: Filters) -> Vec<Effect> {
    super::library::switch_tab(app, tab);
    *app.filters_mut(tab) = filters;
    reload(app, tab)
}

/// Does what a screen (or the library) asked for.
fn apply(app: &mut App, outcome: Outcome) -> Vec<Effect> {
    match outcome {
        Outcome::Ignored => vec![],
        Outcome::Effects(effects) => effects,
        Outcome::Push(screen, effects) => {
            app.screens.push(screen);
            effects
        }
        Outcome::Close(effects) => {
            app.screens.pop();
            effects
        }
        Outcome::Confirm {
            message,
            submission,
        } => {
            app.overlay = Some(Overlay::Confirm {
                message,
                then: Box::new(Task::Submit(*submission)),
            });
            vec![]
        }
        Outcome::ShowList { tab, filters, what } => show_filtered(app, tab, filters, what),
    }
}

fn back(app: &mut App) -> Vec<Effect> {
    if app.screens.pop().is_some() {
        return vec![];
    }
    // Back along a followed link: the linked list as it was, then the
    // screens it was followed from, re-read.
    if let Some(came) = app.came_from.take() {
        let linked = app.tab;
        *app.filters_mut(linked) = came.filters;
        app.tab = came.tab;
        app.screens = came.screens;
        let mut effects = reload(app, linked);
        effects.extend(refresh(app));
        return effects;
    }
    if !app.filters(app.tab).is_empty() {
        *app.filters_mut(app.tab) = Filters::default();
        app.status = Some("filters cleared".into());
        return reload(app, app.tab);
    }
    vec![]
}

fn refresh(app: &mut App) -> Vec<Effect> {
    match app.screens.last() {
        Some(screen) => screen.reload(),
        None => reload(app, app.tab),
    }
}

fn copy(app: &mut App) -> Vec<Effect> {
    let text = match app.screens.last() {
        Some(screen) => screen.copy_text(),
        None => selected_id(app).map(|id| id.to_string()),
    };
    let Some(t) = text else {
        return vec![];
    };
    let what = if t.len() > 20 {
        "the manifest JSON".to_string()
    } else {
        format!("'{t}'")
    };
    app.status = Some(format!("copied {what} to the clipboard"));
    vec![TerminalWork::Copy(t).into()]
}

/// Opens the raw view of what the top screen shows, or of the selected row.
fn inspect(app: &mut App) {
    let shown = match app.screens.last() {
        Some(screen) => screen.inspect(),
        None => super::library::selected_row(app).map(|row| row.inspected()),
    };
    match shown {
        Some(shown) => {
            app.overlay = Some(Overlay::Inspect {
                view: Box::new(super::inspect::InspectView::new(shown)),
                back_to: None,
            });
        }
        None => app.status = Some("nothing here to inspect yet".into()),
    }
}

fn push(app: &mut App, (screen, effects): (Screen, Vec<Effect>)) -> Vec<Effect> {
    app.screens.push(screen);
    effects
}

pub fn open_recipe(app: &mut App, id: i64) -> Vec<Effect> {
    push(app, screens::recipe::open(id))
}

pub fn open_model(app: &mut App, id: i64) -> Vec<Effect> {
    push(app, screens::model::open(id, ModelSection::Overview))
}

pub fn open_run(app: &mut App, id: i64) -> Vec<Effect> {
    push(app, screens::run::open(id))
}

/// Shows a library tab filtered by a link (a recipe's models, a model's runs).
fn show_filtered(app: &mut App, tab: Tab, filters: Filters, what: String) -> Vec<Effect> {
    app.came_from = Some(CameFrom {
        tab: app.tab,
        screens: std::mem::take(&mut app.screens),
        filters: std::mem::replace(app.filters_mut(tab), filters),
    });
    app.tab = tab;
    app.status = Some(format!("{what} (esc goes back)"));
    reload(app, tab)
}

fn on_mouse(app: &mut App, m: MouseEvent) -> Vec<Effect> {
    match m.kind {
        MouseEventKind::ScrollDown => run_command(app, Command::DOWN),
        MouseEventKind::ScrollUp => run_command(app, Command::UP),
        MouseEventKind::Down(_) if app.screens.is_empty() && app.overlay.is_none() => {
            // The list's first row is at line 4 (title, tabs, border, header).
            let first_row = 4u16;
            if m.row >= first_row {
                let tab = app.tab;
                on_list!(app, tab, l => {
                    let i = l.scroll + (m.row - first_row) as usize;
                    if i < l.total { l.selected = i; l.select_id = None; }
                });
            }
            vec![]
        }
        _ => vec![],
    }
}

/// Ticks a status stays on the hint bar (a tick is a second).
const STATUS_TICKS: u8 = 5;

fn on_tick(app: &mut App) -> Vec<Effect> {
    age_status(app);
    app.screens.last().map(|s| s.on_tick()).unwrap_or_default()
}

/// Clears a status shown for `STATUS_TICKS`, so the keys come back (it
/// stays in the message log, `L`). An error stays until the next key.
fn age_status(app: &mut App) {
    let Some(status) = &app.status else {
        app.status_seen = None;
        return;
    };
    let ticks = match &app.status_seen {
        Some((seen, ticks)) if seen == status => ticks.saturating_add(1),
        _ => 0,
    };
    if ticks >= STATUS_TICKS {
        app.status = None;
        app.status_seen = None;
    } else {
        app.status_seen = Some((status.clone(), ticks));
    }
}

/// After a change: say so, show it, and select it.
fn on_done(app: &mut App, done: Done) -> Vec<Effect> {
    app.overlay = None;
    app.status = Some(done.message.clone());
    let mut effects = Vec::new();
    // The editor that saved, or the rebase preview that was committed, closes.
    if let Some(closing) = app.screens.last_mut().and_then(|s| s.on_done()) {
        app.screens.pop();
        effects.extend(closing);
    }
    match done.target {
        // The recipe's screen on top re-reads it; else it opens.
        Target::Recipe(id) => match app.screens.last() {
            Some(s) if s.key() == Some(ScreenKey::Recipe(id)) => effects.extend(s.reload()),
            _ => effects.extend(open_recipe(app, id)),
        },
        Target::Model(id) => effects.extend(open_model(app, id)),
        Target::Run(id) => effects.extend(open_run(app, id)),
        Target::Library => app.screens.clear(),
        Target::Stay => effects.extend(refresh(app)),
    }
    // The affected list, with the changed row selected.
    on_list!(app, done.tab, l => l.select_id = done.select_id);
    let tab = done.tab;
    let reloaded = reload(app, tab);
    on_list!(app, tab, l => l.select_id = done.select_id);
    effects.extend(reloaded);
    effects
}

/// An answer for the screens showing one thing, to each of them; what they
/// ask in turn (a screen to open) follows.
fn to_screens(app: &mut App, key: ScreenKey, answer: screens::Answer) -> Vec<Effect> {
    let page = app.page_rows();
    let mut outcomes = Vec::new();
    {
        let mut cx = cx!(app, page);
        for screen in app.screens.iter_mut() {
            let component = screen;
            if component.key() == Some(key) {
                outcomes.push(component.on_loaded(&mut cx, &answer));
            }
        }
    }
    outcomes
        .into_iter()
        .flat_map(|outcome| apply(app, outcome))
        .collect()
}

fn on_loaded(app: &mut App, loaded: Loaded) -> Vec<Effect> {
    match loaded {
        Loaded::List {
            tab,
            generation,
            window_start,
            rows,
            total,
            unfiltered_total,
        } => on_rows(
            app,
            tab,
            rows,
            Window {
                generation,
                window_start,
                total,
                unfiltered_total,
            },
        ),
        Loaded::Screen(key, answer) => to_screens(app, key, answer),
        Loaded::Form(form) => {
            app.overlay = Some(Overlay::Form(form));
            vec![]
        }
        Loaded::ColumnChoices(choices) => {
            if let Some(Overlay::Columns(picker)) = &mut app.overlay {
                picker.choices = Some(choices);
            }
            vec![]
        }
        Loaded::ColumnParams(params) => {
            super::library::apply_column_params(app, params);
            vec![]
        }
        Loaded::Choices {
            field,
            text,
            choices,
        } => {
            // Only the answer for what the picker holds now is used.
            if let Some(Overlay::Form(form)) = &mut app.overlay
                && let Some(f) = form.fields.iter_mut().find(|f| f.name == field)
                && f.filter() == text
            {
                f.set_found(choices);
            }
            vec![]
        }
        Loaded::Done(done) => on_done(app, *done),
        Loaded::Refused(message) => {
            on_refused(app, message);
            vec![]
        }
        Loaded::EditConflict(conflict) => {
            let shown = app.overlay.is_none()
                && app
                    .screens
                    .last_mut()
                    .is_some_and(|s| s.on_edit_conflict(&conflict));
            if !shown {
                on_refused(app, conflict.message());
            }
            vec![]
        }
        Loaded::Nothing => vec![],
        Loaded::Output(shown) => {
            app.status = None;
            app.overlay = Some(Overlay::Inspect {
                view: Box::new(super::inspect::InspectView::new(shown)),
                back_to: None,
            });
            vec![]
        }
        Loaded::Audit(view) => {
            app.overlay = match app.overlay.take() {
                // Re-read while open: the same scope keeps its scroll.
                Some(Overlay::Audit(open)) if open.scope == view.scope => {
                    Some(Overlay::Audit(Box::new(open.refreshed(*view))))
                }
                // Another overlay opened meanwhile stays.
                Some(other) if !matches!(other, Overlay::Audit(_)) => Some(other),
                _ => Some(Overlay::Audit(view)),
            };
            vec![]
        }
        Loaded::Failed(message) => {
            app.error = Some(message);
            for tab in Tab::ALL {
                on_list!(app, tab, l => l.loading = false);
            }
            vec![]
        }
    }
}

/// A list's rows: into the list, then the keys pressed while they came.
fn on_rows(app: &mut App, tab: Tab, rows: Rows, w: Window) -> Vec<Effect> {
    let applied = with_row_type!(tab, T => match T::from_rows(rows) {
        Some(rows) => apply_rows(T::list_mut(&mut app.lists), rows, &w),
        None => false,
    });
    let params = (applied && tab.picks_columns())
        .then(|| super::library::load_column_params(app))
        .flatten();
    let mut effects: Vec<Effect> = params.into_iter().collect();
    if !applied || tab != app.tab {
        return effects;
    }
    effects.extend(ensure_window(app, tab));
    if let Some(search) = app.finding.take() {
        found(app, tab, &search);
    }
    // Applied in order, unless something else was opened meanwhile.
    for command in std::mem::take(&mut app.pending) {
        if app.screens.is_empty() && app.overlay.is_none() {
            let outcome = super::library::on_command(app, command);
            effects.extend(apply(app, outcome));
        }
    }
    effects
}

/// The rows of a name asked for from the palette: the only match opens,
/// else the list says how many there are to choose from.
fn found(app: &mut App, tab: Tab, search: &str) {
    let total = on_list!(app, tab, l => l.total);
    let noun = tab.noun();
    match total {
        1 => app.pending.insert(0, Command::OPEN),
        0 => app.error = Some(format!("no {noun} matches '{search}'")),
        n => app.status = Some(format!("{n} {noun}s match '{search}': enter opens one")),
    }
}

/// A change was refused: the form or screen that asked shows why, else
/// the error line does.
fn on_refused(app: &mut App, message: String) {
    if let Some(Overlay::Form(form)) = &mut app.overlay {
        form.submitting = false;
        form.refusal = Some(message);
        return;
    }
    let shown = app.overlay.is_none()
        && app
            .screens
            .last_mut()
            .is_some_and(|s| s.on_refused(&message));
    if !shown {
        app.error = Some(message);
    }
}
