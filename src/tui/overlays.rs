//! What the overlays (help, messages, audit, the raw view, confirm, forms,
//! palette, filter) do with a key: each resolves it through its own keymap context
//! first; the palette and forms type what is not bound.

use super::audit::AuditOutcome;
use super::effects::Effect;
use super::form::Outcome as FormOutcome;
use super::forms::{self, Next};
use super::goto::{self, Destination};
use super::inspect::{self, InspectOutcome, InspectView};
use super::library::cycle_filter;
use super::library_rows::LibraryRow;
use super::lists::RowId;
use super::screens;
use super::state::Listed;
use super::state::{App, Overlay, Palette, Tab};
use super::tab::with_row_type;
use crate::keymap::{Command, Context, Key};
use crate::tui::effects::{Task, TerminalWork};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What an overlay's key asks of the app.
pub enum Reply {
    Effects(Vec<Effect>),
    /// A command picked in the palette, to run where the app is.
    Run(Command),
    /// A place picked in the palette (`:runs failed`).
    Go(Destination),
}

impl From<Vec<Effect>> for Reply {
    fn from(effects: Vec<Effect>) -> Reply {
        Reply::Effects(effects)
    }
}

/// An overlay's key: its command from the keymap first (help, confirm and
/// filter close on a key they do not bind; the palette and forms type it).
/// The overlay is taken out while it answers and put back unless closed.
pub fn on_key(app: &mut App, key: KeyEvent) -> Reply {
    let Some(overlay) = app.overlay.take() else {
        return Reply::Effects(vec![]);
    };
    let context = match &overlay {
        Overlay::Help(_) | Overlay::Messages(_) => Context::HELP,
        Overlay::Audit(_) => Context::AUDIT,
        Overlay::Confirm { .. } => Context::CONFIRM,
        Overlay::Palette(_) => Context::PALETTE,
        Overlay::Filter(_) => Context::FILTER,
        Overlay::Columns(_) | Overlay::Sort(_) => Context::COLUMNS,
        Overlay::Form(_) => Context::FORM,
        Overlay::Inspect { .. } => Context::INSPECT,
    };
    let command = app.keymap.lookup(context, Key::from_event(&key));
    match overlay {
        Overlay::Help(line) => {
            let lines = super::help::rows(app, app.width as usize).len();
            // The last page is the furthest it scrolls: never past the end.
            let last = lines.saturating_sub(app.help_rows());
            if let Some(n) = scrolled(line, command, app.page_rows()) {
                app.overlay = Some(Overlay::Help(n.min(last)));
            }
            vec![].into()
        }
        Overlay::Messages(first) => {
            let last = app.messages.len().saturating_sub(app.help_rows());
            if let Some(n) = scrolled(first, command, app.page_rows()) {
                app.overlay = Some(Overlay::Messages(n.min(last)));
            }
            vec![].into()
        }
        Overlay::Audit(mut view) => {
            let shown = app.audit_rows();
            let outcome = view.on_command(command, app.page_rows(), shown);
            let scope = view.scope;
            match outcome {
                AuditOutcome::Close => return vec![].into(),
                AuditOutcome::Keep => {}
                AuditOutcome::Inspect => {
                    let shown = view.inspected();
                    let back = Overlay::Audit(view);
                    app.overlay = Some(match shown {
                        Some(shown) => Overlay::Inspect {
                            view: Box::new(InspectView::new(shown)),
                            back_to: Some(Box::new(back)),
                        },
                        None => back,
                    });
                    return vec![].into();
                }
                AuditOutcome::Reload => {
                    app.overlay = Some(Overlay::Audit(view));
                    return vec![Effect::Task(Task::LoadAudit(scope))].into();
                }
            }
            app.overlay = Some(Overlay::Audit(view));
            vec![].into()
        }
        Overlay::Confirm { then, .. } => match command {
            Some(Command::CONFIRM) => vec![Effect::Task(*then)].into(),
            _ => {
                app.status = Some("cancelled".into()); // vocabulary: a message
                vec![].into()
            }
        },
        Overlay::Form(mut form) => {
            let outcome = match command.and_then(|c| form.on_command(c)) {
                Some(outcome) => outcome,
                None => form.on_key(key),
            };
            on_form_outcome(app, form, outcome).into()
        }
        Overlay::Inspect { view, back_to } => on_inspect_key(app, view, back_to, command).into(),
        Overlay::Palette(p) => on_palette_key(app, p, command, key),
        Overlay::Filter(picker) => on_filter_key(app, picker, command).into(),
        Overlay::Columns(picker) => on_columns_key(app, picker, command).into(),
        Overlay::Sort(row) => on_sort_key(app, row, command).into(),
    }
}

/// The sort picker of Recipes, Models and Monitoring: space, enter or `s`
/// sorts by the highlighted column (again: descending; a third time: the
/// list's own order).
fn on_sort_key(app: &mut App, row: usize, command: Option<Command>) -> Vec<Effect> {
    let tab = app.tab;
    let columns = tab.sort_columns();
    let last = columns.len().saturating_sub(1);
    let mut effects = vec![];
    let row = match command {
        Some(Command::UP) => row.saturating_sub(1),
        Some(Command::DOWN) => (row + 1).min(last),
        Some(Command::TOP) => 0,
        Some(Command::BOTTOM) => last,
        Some(Command::MARK | Command::SORT) => {
            if let Some((_, column)) = columns.get(row) {
                app.filters_mut(tab).cycle_sort(*column);
                effects = super::lists::reload(app, tab);
            }
            row
        }
        Some(Command::BACK) => return effects,
        _ => row,
    };
    app.overlay = Some(Overlay::Sort(row));
    effects
}

/// The raw view scrolls, copies, and closes back to where it was opened.
fn on_inspect_key(
    app: &mut App,
    mut view: Box<InspectView>,
    back_to: Option<Box<Overlay>>,
    command: Option<Command>,
) -> Vec<Effect> {
    let (rows, width) = app.inspect_area();
    let lines = inspect::wrap(&view.shown.text, width).len();
    let outcome = view.on_command(command, lines, rows);
    if outcome == InspectOutcome::Close {
        app.overlay = back_to.map(|b| *b);
        return vec![];
    }
    let copy = (outcome == InspectOutcome::Copy).then(|| {
        app.status = Some(format!("copied {} to the clipboard", view.shown.title));
        TerminalWork::Copy(view.shown.text.clone()).into()
    });
    app.overlay = Some(Overlay::Inspect { view, back_to });
    copy.into_iter().collect()
}

/// A scrolled list's new first line, or None when the key closes it.
fn scrolled(first: usize, command: Option<Command>, page: usize) -> Option<usize> {
    match command {
        Some(Command::DOWN) => Some(first + 1),
        Some(Command::UP) => Some(first.saturating_sub(1)),
        Some(Command::PAGE_DOWN) => Some(first + page),
        Some(Command::PAGE_UP) => Some(first.saturating_sub(page)),
        _ => None,
    }
}

fn on_palette_key(app: &mut App, mut p: Palette, command: Option<Command>, key: KeyEvent) -> Reply {
    let places = palette_places(app, &p.query);
    let items = palette_items(app, &p.query);
    let shown = places.len() + items.len();
    match command {
        Some(Command::BACK) => return vec![].into(),
        Some(Command::OPEN) if p.selected < places.len() => {
            return Reply::Go(places[p.selected].clone());
        }
        Some(Command::OPEN) => {
            return match items.get(p.selected - places.len()) {
                Some(PaletteItem {
                    command,
                    elsewhere: Some(screen),
                    ..
                }) => {
                    app.status = Some(format!(
                        "{}: runs {}",
                        command.name(),
                        screen.where_it_runs().unwrap_or("elsewhere")
                    ));
                    vec![].into()
                }
                Some(item) => Reply::Run(item.command),
                None => vec![].into(),
            };
        }
        Some(Command::UP) => p.selected = p.selected.saturating_sub(1),
        Some(Command::DOWN) => p.selected = (p.selected + 1).min(shown.saturating_sub(1)),
        _ => edit_query(&mut p, key),
    }
    app.overlay = Some(Overlay::Palette(p));
    vec![].into()
}

/// A key typed into the palette's query. As in a shell: ctrl-u clears,
/// ctrl-w takes the last word.
fn edit_query(p: &mut Palette, key: KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Backspace => {
            p.query.pop();
        }
        KeyCode::Char('u') if ctrl => p.query.clear(),
        KeyCode::Char('w') if ctrl => {
            let kept = p.query.trim_end().rfind(' ').map_or(0, |i| i + 1);
            p.query.truncate(kept);
        }
        KeyCode::Char(c) if !ctrl => p.query.push(c),
        _ => return,
    }
    p.selected = 0;
}

fn on_filter_key(
    app: &mut App,
    mut picker: super::state::FilterPicker,
    command: Option<Command>,
) -> Vec<Effect> {
    let rows = app.tab.filter_rows();
    let mut effects = vec![];
    match command {
        Some(Command::UP) => picker.row = picker.row.saturating_sub(1),
        Some(Command::DOWN) => picker.row = (picker.row + 1).min(rows.len() - 1),
        Some(Command::NEXT_VALUE | Command::PREV_VALUE) => {
            let forward = command == Some(Command::NEXT_VALUE);
            effects = cycle_filter(app, rows[picker.row], forward);
        }
        Some(Command::BACK) => return effects,
        _ => {}
    }
    app.overlay = Some(Overlay::Filter(picker));
    effects
}

/// The column picker: show or hide a metric or param, sort by any row.
fn on_columns_key(
    app: &mut App,
    mut picker: super::columns::ColumnPicker,
    command: Option<Command>,
) -> Vec<Effect> {
    use super::columns::{ColumnPicker, cycle_sort};
    let rows = picker.rows();
    let last = rows.len().saturating_sub(1);
    let mut effects = vec![];
    match command {
        Some(Command::UP) => picker.row = picker.row.saturating_sub(1),
        Some(Command::DOWN) => picker.row = (picker.row + 1).min(last),
        Some(Command::PAGE_UP) => picker.row = picker.row.saturating_sub(app.page_rows()),
        Some(Command::PAGE_DOWN) => picker.row = (picker.row + app.page_rows()).min(last),
        Some(Command::TOP) => picker.row = 0,
        Some(Command::BOTTOM) => picker.row = last,
        Some(Command::MARK) => match rows.get(picker.row) {
            Some(column) if ColumnPicker::can_toggle(column) => {
                app.run_columns.toggle(column);
                effects.extend(super::library::load_column_params(app));
            }
            Some(column) => {
                let sort = app
                    .keymap
                    .key_for(Context::COLUMNS, Command::SORT)
                    .map(|k| k.to_string())
                    .unwrap_or_else(|| Command::SORT.name().to_string());
                app.status = Some(format!("{column} is always shown: {sort} sorts by it"));
            }
            None => {}
        },
        Some(Command::SORT) => {
            if let Some(column) = rows.get(picker.row) {
                let filters = app.filters_mut(Tab::Runs);
                filters.search = cycle_sort(&filters.search, column);
                effects = super::lists::reload(app, Tab::Runs);
            }
        }
        Some(Command::BACK) => return effects,
        _ => {}
    }
    app.overlay = Some(Overlay::Columns(picker));
    effects
}

/// What a form's answer to a key asks for.
fn on_form_outcome(
    app: &mut App,
    mut form: Box<forms::AppForm>,
    outcome: FormOutcome,
) -> Vec<Effect> {
    match outcome {
        FormOutcome::Continue => {
            app.overlay = Some(Overlay::Form(form));
            vec![]
        }
        FormOutcome::Search(i) => {
            let effect = form.fields.get(i).map(|f| Task::SearchChoices {
                purpose: Box::new(form.purpose.clone()),
                field: f.name,
                text: f.filter().to_string(),
                so_far: form.values(),
            });
            app.overlay = Some(Overlay::Form(form));
            effect.into_iter().map(Effect::Task).collect()
        }
        FormOutcome::Cancel => vec![],
        FormOutcome::Submit => match forms::submission(&form) {
            Ok(Next::Submit(submission)) => {
                form.submitting = true;
                app.overlay = Some(Overlay::Form(form));
                vec![Effect::Task(Task::Submit(submission))]
            }
            Ok(Next::Open(request)) => vec![Effect::Task(Task::OpenForm(request))],
            Ok(Next::Confirm(message, submission)) => {
                app.overlay = Some(Overlay::Confirm {
                    message,
                    then: Box::new(Task::Submit(submission)),
                });
                vec![]
            }
            Err(message) => {
                form.refusal = Some(message);
                app.overlay = Some(Overlay::Form(form));
                vec![]
            }
        },
    }
}

/// The most loaded rows the palette offers by name.
const NAMES_OFFERED: usize = 5;

/// Where the palette's query goes, above its commands: the place it names,
/// then, for one item asked by name, the loaded rows whose names have it.
pub fn palette_places(app: &App, query: &str) -> Vec<Destination> {
    let Some(place) = goto::parse(query) else {
        return Vec::new();
    };
    let named = match &place {
        Destination::Find { tab, search } => loaded_names(app, *tab, search),
        _ => Vec::new(),
    };
    std::iter::once(place).chain(named).collect()
}

/// The loaded rows of `tab` whose names contain `search` (any case).
fn loaded_names(app: &App, tab: Tab, search: &str) -> Vec<Destination> {
    let search = search.to_lowercase();
    let rows: Vec<(i64, &str)> = with_row_type!(tab, T => T::list(&app.lists)
        .rows
        .iter()
        .filter_map(|r| Some((r.row_id(), r.name()?)))
        .collect());
    rows.into_iter()
        .filter(|(_, name)| name.to_lowercase().contains(&search))
        .take(NAMES_OFFERED)
        .map(|(id, name)| Destination::Open {
            tab,
            id,
            name: name.to_string(),
        })
        .collect()
}

/// Commands the palette offers for a query: name or help containing it.
pub fn palette_items(app: &App, query: &str) -> Vec<PaletteItem> {
    let q = query.to_lowercase();
    let matches = |c: &Command| q.is_empty() || c.name().contains(&q) || c.help().contains(&q);
    let context = app.context();
    let mut items: Vec<PaletteItem> = app
        .keymap
        .visible(context)
        .into_iter()
        .filter(|(c, _)| matches(c))
        .map(|(command, keys)| PaletteItem {
            command,
            key: keys.first().copied(),
            elsewhere: None,
        })
        .collect();
    // Typed for, every other screen's commands too, saying where they run.
    if q.is_empty() {
        return items;
    }
    let screens = screens::CONTEXTS
        .iter()
        .copied()
        .filter(|c| *c != context && c.where_it_runs().is_some());
    for screen in screens {
        for (command, keys) in app.keymap.visible(screen) {
            let listed = items.iter().any(|i| i.command == command);
            if !listed && !Context::GLOBAL.commands().contains(&command) && matches(&command) {
                items.push(PaletteItem {
                    command,
                    key: keys.first().copied(),
                    elsewhere: Some(screen),
                });
            }
        }
    }
    items
}

/// One line of the command palette.
pub struct PaletteItem {
    pub command: Command,
    pub key: Option<Key>,
    /// The screen it runs on, when that is not this one.
    pub elsewhere: Option<Context>,
}
