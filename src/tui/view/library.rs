//! The four-tab library: a table per tab over a window of rows.

use super::status_span;
use crate::keymap::{Command, Context};
use crate::store::{Model, MonitorRow, Recipe, Run};
use crate::text::thousands;
use crate::text::{labelled_value, pair, sanitize, truncate_middle};
use crate::tui::state::{App, ListView, Tab};
use crate::tui::tab::with_row_type;
use crate::tui::theme::Theme;
use crate::tui::widgets::short_number;
use chrono::Utc;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let [tabs, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    render_tabs(app, frame, tabs);
    with_row_type!(app.tab, T => T::render(app, frame, list));
}

/// How a tab's list is drawn (`tab::with_row_type!` says which rows).
pub trait DrawnTab {
    /// Draws the tab's list below the tab bar.
    fn render(app: &App, frame: &mut Frame, area: Rect);
    /// What an empty tab says: how its first row comes about, with the keys.
    fn first_item_hint(app: &App) -> String;
}

/// `command`'s key in `context`, or its name when it has none.
fn key(app: &App, context: Context, command: Command) -> String {
    app.keymap
        .key_for(context, command)
        .map_or_else(|| command.name().to_string(), |k| k.to_string())
}

impl DrawnTab for Recipe {
    fn render(app: &App, frame: &mut Frame, area: Rect) {
        render_recipes(app, frame, area);
    }
    fn first_item_hint(app: &App) -> String {
        format!(
            "no recipes yet: {} creates one, {} asks the assistant for one",
            key(app, Context::LIBRARY, Command::NEW_ITEM),
            key(app, Context::LIBRARY, Command::CHAT)
        )
    }
}

impl DrawnTab for Model {
    fn render(app: &App, frame: &mut Frame, area: Rect) {
        render_models(app, frame, area);
    }
    fn first_item_hint(app: &App) -> String {
        format!(
            "no models yet: {} registers one from an approved recipe (or {} on its screen)",
            key(app, Context::LIBRARY, Command::NEW_ITEM),
            key(
                app,
                crate::tui::screens::recipe::KEYS,
                crate::tui::screens::recipe::REGISTER
            )
        )
    }
}

impl DrawnTab for Run {
    fn render(app: &App, frame: &mut Frame, area: Rect) {
        render_runs(app, frame, area);
    }
    fn first_item_hint(app: &App) -> String {
        format!(
            "no runs yet: {} starts one",
            key(app, Context::LIBRARY, Command::NEW_ITEM)
        )
    }
}

impl DrawnTab for MonitorRow {
    fn render(app: &App, frame: &mut Frame, area: Rect) {
        render_monitoring(app, frame, area);
    }
    fn first_item_hint(app: &App) -> String {
        format!(
            "nothing monitored yet: a model shows here with its first snapshot ({} on a model, or `nexml monitor add`)",
            key(
                app,
                crate::tui::screens::model::KEYS,
                crate::tui::screens::model::ADD_SNAPSHOT
            )
        )
    }
}

pub fn render_recipes(app: &App, frame: &mut Frame, area: Rect) {
    let columns = (RECIPE_COLUMNS, RECIPE_COLUMNS_DROPPED_FIRST, 28);
    render_list(&app.lists.recipes, app, frame, area, columns, recipe_cells);
}

pub fn render_models(app: &App, frame: &mut Frame, area: Rect) {
    let columns = (MODEL_COLUMNS, MODEL_COLUMNS_DROPPED_FIRST, 20);
    render_list(&app.lists.models, app, frame, area, columns, model_cells);
}

pub fn render_monitoring(app: &App, frame: &mut Frame, area: Rect) {
    let columns = (MONITOR_COLUMNS, MONITOR_COLUMNS_DROPPED_FIRST, 23);
    render_list(
        &app.lists.monitoring,
        app,
        frame,
        area,
        columns,
        monitor_cells,
    );
}

fn render_tabs(app: &App, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let style = if *tab == app.tab {
            app.theme.tab_active
        } else {
            app.theme.tab_inactive
        };
        let marker = if *tab == app.tab { "▸" } else { " " };
        spans.push(Span::styled(
            format!("{marker}{} {} ", i + 1, tab.title()),
            style,
        ));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

type Columns<'a> = &'a [(&'a str, Constraint)];

const RECIPE_COLUMNS: Columns<'static> = &[
    ("Name", Constraint::Fill(3)),
    ("Family", Constraint::Length(16)),
    ("Level", Constraint::Length(8)),
    ("Status", Constraint::Length(10)),
    ("Latest", Constraint::Length(7)),
    ("Updated", Constraint::Length(10)),
];

const MODEL_COLUMNS: Columns<'static> = &[
    ("Name", Constraint::Fill(3)),
    ("Family", Constraint::Length(16)),
    ("Status", Constraint::Length(10)),
    ("Owner", Constraint::Length(12)),
    ("Recipe version", Constraint::Fill(2)),
];

/// Columns given up, in this order, when the first (the name) would get
/// fewer cells than its list's minimum (recipe names are the longest):
/// what a row is comes before what it says.
const RECIPE_COLUMNS_DROPPED_FIRST: &[usize] = &[5, 2, 4, 1];
const MODEL_COLUMNS_DROPPED_FIRST: &[usize] = &[4, 3, 1];
const MONITOR_COLUMNS_DROPPED_FIRST: &[usize] = &[1, 3];
/// What a column that fills the rest needs, to be worth showing.
const FILL_MIN: u16 = 8;

/// Which of `columns` fit at `width`, dropping them in `dropped_first`
/// order until the first column has `name_min` cells.
fn fitting(columns: Columns<'_>, dropped_first: &[usize], name_min: u16, width: u16) -> Vec<bool> {
    let need = |i: usize, c: &Constraint| match c {
        Constraint::Length(n) | Constraint::Min(n) => *n,
        _ if i == 0 => name_min,
        _ => FILL_MIN,
    };
    let mut kept = vec![true; columns.len()];
    let needed = |kept: &[bool]| -> u16 {
        columns
            .iter()
            .enumerate()
            .filter(|(i, _)| kept[*i])
            .map(|(i, (_, c))| need(i, c) + 1)
            .sum()
    };
    for &column in dropped_first {
        if needed(&kept) <= width {
            break;
        }
        kept[column] = false;
    }
    kept
}

/// The run's own columns, each with the field that sorts by it.
const RUN_COLUMNS: &[(&str, Constraint, Option<&str>)] = &[
    ("Id", Constraint::Length(7), Some("id")),
    ("Name", Constraint::Fill(2), Some("name")),
    ("Recipe / model", Constraint::Fill(3), Some("recipe")),
    ("Type", Constraint::Length(8), Some("type")),
    ("Status", Constraint::Length(9), Some("status")),
    ("Started", Constraint::Length(11), Some("started")),
    ("Took", Constraint::Length(7), None),
];

/// The runs' own columns, then the metrics and params chosen (else one
/// column of each run's headline metric); a sorted column's heading says
/// which way.
pub fn render_runs(app: &App, frame: &mut Frame, area: Rect) {
    use crate::tui::columns::{heading, key_of, sorted_by};
    // What the rows answer: the last valid search while the typed one has an error.
    let search = app.filters(Tab::Runs).search_shown();
    let arrow = |field: &str| match sorted_by(search, field) {
        Some(false) => " ▲",
        Some(true) => " ▼",
        None => "",
    };
    let chosen = &app.run_columns.shown;
    let mut extra: Vec<(String, Constraint)> = Vec::new();
    if chosen.is_empty() {
        extra.push(("Metric".into(), Constraint::Min(13)));
    }
    for column in chosen {
        let title = format!("{}{}", heading(column), arrow(column));
        // As wide as its heading or its widest param value in the window.
        let widest_value = match key_of(column) {
            Some((false, key)) => app
                .run_columns
                .params
                .values()
                .filter_map(|p| p.get(&key))
                .map(|v| v.chars().count())
                .max()
                .unwrap_or(0),
            _ => 0,
        };
        let width = title.chars().count().max(widest_value).clamp(8, 18) as u16;
        extra.push((title, Constraint::Length(width)));
    }
    // Names show when a run in view has one (or the list is sorted by them).
    let named = app.lists.runs.rows.iter().any(|r| !r.name.is_empty())
        || sorted_by(search, "name").is_some();
    let kept = kept_run_columns(area.width, &extra, named);
    let mut headings: Vec<(String, Constraint)> = RUN_COLUMNS
        .iter()
        .zip(&kept)
        .filter(|(_, keep)| **keep)
        .map(|((name, width, field), _)| (format!("{name}{}", field.map_or("", arrow)), *width))
        .collect();
    let own = headings.len();
    headings.extend(extra);
    let columns: Vec<(&str, Constraint)> = headings.iter().map(|(h, c)| (h.as_str(), *c)).collect();
    let keys: Vec<Option<(bool, String)>> = chosen.iter().map(|c| key_of(c)).collect();
    let now = app.clock.now();
    let marked = &app.marked_runs;
    // The metric the search sorts or filters by, else each run's first.
    let metric = crate::runs::filter::first_metric(search);
    let params = &app.run_columns.params;
    render_list(
        &app.lists.runs,
        app,
        frame,
        area,
        (&columns, &[], 0),
        |r, t, w| {
            let named = kept[RUN_NAME_COLUMN];
            let mut cells: Vec<Cell<'static>> =
                run_cells(r, t, w, now, marked.contains(&r.id), named)
                    .into_iter()
                    .zip(&kept)
                    .filter(|(_, keep)| **keep)
                    .map(|(cell, _)| cell)
                    .collect();
            if keys.is_empty() {
                cells.push(headline_cell(r, metric.as_deref(), col(w, own)));
            }
            for (i, key) in keys.iter().enumerate() {
                let width = col(w, own + i);
                let value = match key {
                    Some((true, key)) => r
                        .metrics_json
                        .get(key)
                        .and_then(|v| v.as_f64())
                        .map(short_number),
                    Some((false, key)) => params
                        .get(&r.id)
                        .and_then(|p| p.get(key))
                        .map(|v| truncate_middle(v, width)),
                    None => None,
                };
                cells.push(text(value.as_deref().unwrap_or("-")));
            }
            cells
        },
    )
}

/// The narrowest the recipe / model column gets before own columns go.
const RUN_NAME_MIN: u16 = 16;
/// Own columns given up, in this order, when the chosen ones need the room:
/// Took, Started, Type, the run's name (the id, the recipe / model and the
/// status always stay).
const RUN_COLUMNS_DROPPED_FIRST: [usize; 4] = [6, 5, 3, 1];
/// The run's name column, shown only when a run in view has a name.
const RUN_NAME_COLUMN: usize = 1;

/// Which of the run's own columns fit beside `extra` at this width.
fn kept_run_columns(width: u16, extra: &[(String, Constraint)], named: bool) -> Vec<bool> {
    let length = |c: &Constraint| match c {
        Constraint::Length(n) | Constraint::Min(n) => *n,
        _ => RUN_NAME_MIN,
    };
    let extra_width: u16 = extra.iter().map(|(_, c)| length(c) + 1).sum();
    let mut kept = vec![true; RUN_COLUMNS.len()];
    kept[RUN_NAME_COLUMN] = named;
    let needed = |kept: &[bool]| -> u16 {
        RUN_COLUMNS
            .iter()
            .zip(kept)
            .filter(|(_, keep)| **keep)
            .map(|((_, c, _), _)| length(c) + 1)
            .sum::<u16>()
            + extra_width
    };
    for column in RUN_COLUMNS_DROPPED_FIRST {
        if needed(&kept) <= width {
            break;
        }
        kept[column] = false;
    }
    kept
}

const MONITOR_COLUMNS: Columns<'static> = &[
    ("Model", Constraint::Fill(3)),
    ("Last snapshot", Constraint::Length(13)),
    ("Metric", Constraint::Length(13)),
    ("Worst drift", Constraint::Fill(2)),
    ("Fresh", Constraint::Length(6)),
    ("Alerts", Constraint::Length(7)),
];

fn render_list<T>(
    list: &ListView<T>,
    app: &App,
    frame: &mut Frame,
    area: Rect,
    (all_columns, dropped_first, name_min): (Columns<'_>, &[usize], u16),
    cells: impl Fn(&T, &Theme, &[usize]) -> Vec<Cell<'static>>,
) {
    let theme = &app.theme;
    let title = list_title(list, app);
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(title);
    let page = (area.height as usize).saturating_sub(2);
    let kept = fitting(all_columns, dropped_first, name_min, area.width);
    let columns: Vec<(&str, Constraint)> = all_columns
        .iter()
        .zip(&kept)
        .filter(|(_, keep)| **keep)
        .map(|(c, _)| *c)
        .collect();
    let widths: Vec<Constraint> = columns.iter().map(|(_, c)| *c).collect();
    // Each column's width at this size, so cells shorten names and labels
    // themselves (numbers are never cut) instead of being cut at the edge;
    // a column given up has none.
    let mut shown_widths = Layout::horizontal(widths.clone())
        .spacing(1)
        .split(area)
        .iter()
        .map(|r| r.width as usize)
        .collect::<Vec<_>>()
        .into_iter();
    let column_widths: Vec<usize> = kept
        .iter()
        .map(|keep| {
            if *keep {
                shown_widths.next().unwrap_or(0)
            } else {
                0
            }
        })
        .collect();
    let mut rows = Vec::with_capacity(page);
    for i in list.scroll..(list.scroll + page).min(list.total) {
        let row = match list.row(i) {
            Some(r) => Row::new(
                cells(r, theme, &column_widths)
                    .into_iter()
                    .zip(&kept)
                    .filter(|(_, keep)| **keep)
                    .map(|(cell, _)| cell),
            ),
            None => Row::new(vec![Cell::from(Span::styled("…", theme.dim))]),
        };
        rows.push(if i == list.selected {
            row.style(theme.selected)
        } else {
            row
        });
    }
    // The sorted column's heading says which way (no space: "Alerts▼"
    // fits its column).
    let arrow = |heading: &str| {
        app.tab
            .sort_columns()
            .iter()
            .find(|(label, _)| *label == heading)
            .map(|(_, column)| list.filters.sort_arrow(*column).trim_start())
            .unwrap_or("")
    };
    let header = Row::new(
        columns
            .iter()
            .map(|(h, _)| Cell::from(Span::styled(format!("{h}{}", arrow(h)), theme.title))),
    );
    let empty = list.loaded && list.total == 0;
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1);
    frame.render_widget(table, area);
    if empty {
        let msg = if list.filters.is_empty() {
            with_row_type!(app.tab, T => T::first_item_hint(app))
        } else {
            "no match: esc clears the search and filters".to_string()
        };
        let inner = Rect {
            y: area.y + 2,
            height: 1,
            ..area
        };
        frame.render_widget(Paragraph::new(Span::styled(msg, theme.dim)), inner);
    }
}

/// " 37 of 1,000,000 · family=pricing /hotel · loading…"
fn list_title<T>(list: &ListView<T>, app: &App) -> Line<'static> {
    let theme = &app.theme;
    let count = match (list.loaded, list.unfiltered_total) {
        (false, _) => "loading…".to_string(),
        (true, Some(all)) if list.filters.narrows() => format!(
            "{} of {}",
            thousands(list.total as i64),
            thousands(all as i64)
        ),
        (true, _) => thousands(list.total as i64),
    };
    let mut spans = vec![Span::styled(format!(" {} ", count), theme.accent)];
    if list.total > 0 {
        spans.push(Span::styled(
            format!("· row {} ", thousands(list.selected as i64 + 1)),
            theme.dim,
        ));
    }
    // The legend only where a row shown carries the mark.
    if app.tab.marks_pending_changes() && app.lists.recipes.rows.iter().any(|r| r.changes_pending())
    {
        spans.push(Span::styled("· * changes pending ", theme.dim));
    }
    let filters = list.filters.describe();
    if !filters.is_empty() {
        spans.push(Span::styled(
            format!("· {} ", sanitize(&filters.join(" "))),
            theme.warn,
        ));
    }
    if list.filters.search_error.is_some() {
        let shown = if list.filters.last_valid_search.is_empty() {
            "no search"
        } else {
            "last valid search"
        };
        spans.push(Span::styled(
            format!("· ✗ search has an error: {shown} shown "),
            theme.bad,
        ));
    }
    if list.loading && list.loaded {
        spans.push(Span::styled("· loading… ", theme.dim));
    }
    Line::from(spans)
}

fn text(s: &str) -> Cell<'static> {
    Cell::from(sanitize(s))
}

/// Column `i`'s width (wide when unknown).
fn col(widths: &[usize], i: usize) -> usize {
    widths.get(i).copied().unwrap_or(usize::MAX / 2)
}

fn recipe_cells(r: &Recipe, theme: &Theme, w: &[usize]) -> Vec<Cell<'static>> {
    let status = if r.changes_pending() {
        "approved*".to_string()
    } else {
        r.status.to_string()
    };
    vec![
        text(&truncate_middle(&r.name, col(w, 0))),
        text(r.model_family.as_str()),
        text(r.level.as_str()),
        Cell::from(status_span(&status, theme)),
        text(r.latest_version.as_deref().unwrap_or("-")),
        text(&r.updated_at.format("%Y-%m-%d").to_string()),
    ]
}

fn model_cells(m: &Model, theme: &Theme, w: &[usize]) -> Vec<Cell<'static>> {
    vec![
        text(&truncate_middle(&m.name, col(w, 0))),
        text(m.model_family.as_str()),
        Cell::from(status_span(m.status.as_str(), theme)),
        text(&truncate_middle(&m.owner, col(w, 3))),
        text(&labelled_value(
            &m.recipe_name,
            &m.recipe_version,
            col(w, 4),
        )),
    ]
}

/// The width from which a run's row shows both its recipe and its model.
const PAIR_COLUMNS: usize = 30;

fn run_cells(
    r: &Run,
    theme: &Theme,
    w: &[usize],
    now: chrono::DateTime<Utc>,
    marked: bool,
    named: bool,
) -> Vec<Cell<'static>> {
    // Narrow, the model alone (the more specific; its screen names the
    // recipe) reads better than both cut to stubs. The widths are of the
    // columns drawn: the name's is there only when it is shown.
    let what_at = if named {
        RUN_NAME_COLUMN + 1
    } else {
        RUN_NAME_COLUMN
    };
    let cols = col(w, what_at);
    let what = match &r.model_name {
        Some(m) if cols >= PAIR_COLUMNS => pair(&r.recipe_or_experiment(), m, cols),
        Some(m) => truncate_middle(m, cols),
        None => truncate_middle(&r.recipe_or_experiment(), cols),
    };
    let id = if marked {
        Cell::from(Span::styled(format!("●{}", r.id), theme.accent))
    } else {
        text(&r.id.to_string())
    };
    let name = if r.name.is_empty() { "-" } else { &r.name };
    vec![
        id,
        text(&truncate_middle(
            name,
            if named { col(w, RUN_NAME_COLUMN) } else { 0 },
        )),
        text(&what),
        text(r.run_type.as_str()),
        Cell::from(status_span(r.status.as_str(), theme)),
        text(
            &r.started_at
                .map(|t| t.format("%m-%d %H:%M").to_string())
                .unwrap_or("-".into()),
        ),
        text(&crate::text::duration(r.duration_seconds(now))),
    ]
}

/// `metric`'s value (else the run's headline metric) with its name.
fn headline_cell(r: &Run, metric: Option<&str>, width: usize) -> Cell<'static> {
    let shown = match metric {
        Some(key) => r
            .metrics_json
            .get(key)
            .and_then(|v| v.as_f64())
            .map(|v| (key.to_string(), v)),
        None => r.headline_metric(),
    };
    text(
        &shown
            .map(|(k, v)| labelled_value(&k, &short_number(v), width))
            .unwrap_or("-".into()),
    )
}

fn monitor_cells(m: &MonitorRow, theme: &Theme, w: &[usize]) -> Vec<Cell<'static>> {
    let name = truncate_middle(&m.model.name, col(w, 0));
    let Some(s) = &m.latest else {
        return vec![
            text(&name),
            text("no snapshots"),
            text("-"),
            text("-"),
            text("-"),
            text("-"),
        ];
    };
    let metric = s
        .performance_metrics_json
        .as_object()
        .and_then(|o| {
            o.iter().find_map(|(k, v)| {
                v.as_f64()
                    .map(|x| labelled_value(k, &short_number(x), col(w, 2)))
            })
        })
        .unwrap_or("-".into());
    let stale = s.data_freshness_json.get("stale").and_then(|v| v.as_bool());
    let fresh = match stale {
        Some(true) => Span::styled("stale", theme.bad),
        Some(false) => Span::styled("fresh", theme.good),
        None => Span::raw("-"),
    };
    // Open alerts nobody has acknowledged, then the acknowledged ones (✓).
    let unacknowledged = m.unacknowledged_alerts();
    let alerts = match m.acknowledged_alerts {
        0 => unacknowledged.to_string(),
        acked => format!("{unacknowledged} +{acked}✓"),
    };
    let alert_style = if unacknowledged > 0 {
        theme.warn
    } else {
        theme.text
    };
    vec![
        text(&name),
        text(&s.captured_at.format("%m-%d %H:%M").to_string()),
        text(&metric),
        text(
            &s.worst_drift()
                .map(|(k, v)| labelled_value(&k, &format!("{v:.3}"), col(w, 3)))
                .unwrap_or_else(|| "-".into()),
        ),
        Cell::from(fresh),
        Cell::from(Span::styled(alerts, alert_style)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(widths: &[u16]) -> Vec<(String, Constraint)> {
        widths
            .iter()
            .map(|w| ("x".to_string(), Constraint::Length(*w)))
            .collect()
    }

    #[test]
    fn chosen_columns_push_out_took_then_started_never_the_name() {
        let all = vec![true; RUN_COLUMNS.len()];
        assert_eq!(kept_run_columns(160, &chosen(&[8, 16, 8]), true), all);
        // Without named runs the name column is not drawn at all.
        assert_eq!(
            kept_run_columns(80, &chosen(&[8, 16, 8]), false),
            [true, false, true, true, true, false, false]
        );
        assert_eq!(
            kept_run_columns(80, &chosen(&[18, 18, 18]), false),
            [true, false, true, false, true, false, false]
        );
        // Named runs at 80 columns beside the headline metric: the name
        // stays, Took and Started go; beside three chosen columns it goes
        // too, after Type.
        let metric = vec![("Metric".to_string(), Constraint::Min(13))];
        assert_eq!(
            kept_run_columns(80, &metric, true),
            [true, true, true, true, true, false, false]
        );
        assert_eq!(
            kept_run_columns(80, &chosen(&[8, 16, 8]), true),
            [true, false, true, false, true, false, false]
        );
        assert_eq!(
            kept_run_columns(80, &chosen(&[18, 18, 18]), true),
            [true, false, true, false, true, false, false]
        );
    }
}
