//! Help, the audit log, the command palette and the filter picker, drawn
//! over the screen.

use super::centered;
use crate::text::truncate;
use crate::tui::audit::AuditView;
use crate::tui::columns::{ColumnPicker, SORTABLE_ATTRIBUTES, sorted_by};
use crate::tui::inspect::InspectView;
use crate::tui::overlays::{palette_items, palette_places};
use crate::tui::state::{App, Overlay, Tab};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    match &app.overlay {
        None => {}
        Some(Overlay::Help(line)) => help(app, *line, frame, area),
        Some(Overlay::Audit(view)) => audit(app, view, frame, area),
        Some(Overlay::Messages(first)) => messages(app, *first, frame, area),
        Some(Overlay::Palette(p)) => palette(app, &p.query, p.selected, frame, area),
        Some(Overlay::Filter(f)) => filter(app, f.row, frame, area),
        Some(Overlay::Columns(picker)) => columns(app, picker, frame, area),
        Some(Overlay::Sort(row)) => sort_picker(app, *row, frame, area),
        Some(Overlay::Form(form)) => {
            super::form::render(form, &app.keymap, &app.theme, frame, area)
        }
        Some(Overlay::Confirm { message, .. }) => confirm(app, message, frame, area),
        Some(Overlay::Inspect { view, .. }) => inspect(app, view, frame, area),
    }
}

/// The raw view takes the whole body, as help does: the item's JSON,
/// wrapped under its indents, from the line scrolled to.
fn inspect(app: &App, view: &InspectView, frame: &mut Frame, area: Rect) {
    let rect = clear_body(frame, area);
    let (rows, width) = app.inspect_area();
    let lines = crate::tui::inspect::wrap(&view.shown.text, width);
    let place = if lines.len() > rows {
        format!(
            " · {}-{}/{}",
            view.first + 1,
            (view.first + rows).min(lines.len()),
            lines.len()
        )
    } else {
        String::new()
    };
    let keys = super::key_hints(
        &app.keymap,
        crate::keymap::Context::INSPECT,
        &[
            (crate::keymap::Command::COPY, "copy"),
            (crate::keymap::Command::BACK, "close"),
        ],
    );
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(app.theme.accent)
        .title(format!(
            " {keys}{place} · {} ",
            crate::text::sanitize(&view.shown.title)
        ));
    let shown: Vec<Line> = lines
        .iter()
        .skip(view.first)
        .take(rows)
        .map(|l| Line::styled(format!(" {}", crate::text::sanitize(l)), app.theme.text))
        .collect();
    frame.render_widget(Paragraph::new(shown).block(block), rect);
}

fn confirm(app: &App, message: &str, frame: &mut Frame, area: Rect) {
    let keys = super::key_hints(
        &app.keymap,
        crate::keymap::Context::CONFIRM,
        &[(crate::keymap::Command::CONFIRM, "confirm")],
    );
    // Wrapped here, one column in from the border on every row.
    let room = (64.min(area.width) as usize).saturating_sub(4).max(8);
    let mut lines: Vec<Line> =
        crate::tui::widgets::wrap_words(&crate::text::sanitize(message), room)
            .into_iter()
            .map(|row| Line::raw(format!(" {}", row.trim_end())))
            .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(" {keys} · any other key cancel"),
        app.theme.key,
    ));
    let rect = super::dialog_rect(area, 64, &lines);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.warn)
        .title(" confirm ");
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: false }),
        rect,
    );
}

/// The area below the header line, cleared, for an overlay that takes the
/// whole body (help, the messages log, the audit log).
fn clear_body(frame: &mut Frame, area: Rect) -> Rect {
    let rect = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    frame.render_widget(Clear, rect);
    rect
}

/// Help takes the whole body: every key of this screen, scrollable, each
/// line wrapped under its text.
fn help(app: &App, first: usize, frame: &mut Frame, area: Rect) {
    let context = app.context();
    let rect = clear_body(frame, area);
    let rows = crate::tui::help::rows(app, rect.width as usize);
    let shown = rect.height.saturating_sub(1) as usize;
    let more = if rows.len() > shown {
        " · j/k scroll"
    } else {
        ""
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(app.theme.accent)
        .title(format!(
            " keys: {}{more} · any other key closes ",
            context.name()
        ));
    let lines: Vec<Line> = rows
        .iter()
        .skip(first)
        .map(|row| {
            let (key_style, text_style) = if row.dim {
                (app.theme.dim, app.theme.dim)
            } else {
                (app.theme.key, app.theme.text)
            };
            Line::from(vec![
                Span::styled(crate::tui::help::key_cell(&row.keys), key_style),
                Span::styled(row.text.clone(), text_style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// The messages log takes the whole body, as help does: every status and
/// error message since the start, newest first, wrapped in full.
fn messages(app: &App, first: usize, frame: &mut Frame, area: Rect) {
    let rect = clear_body(frame, area);
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(app.theme.accent)
        .title(format!(
            " messages: {} · j/k scroll · any other key closes ",
            app.messages.len()
        ));
    let mut lines: Vec<Line> = app
        .messages
        .iter()
        .rev()
        .skip(first)
        .map(|m| {
            let style = if m.error {
                app.theme.bad
            } else {
                app.theme.text
            };
            Line::from(vec![
                Span::styled(format!(" {} ", m.at.format("%H:%M:%S")), app.theme.dim),
                Span::styled(crate::text::sanitize(&m.text), style),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::styled(" no messages yet", app.theme.dim));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: false }),
        rect,
    );
}

/// The audit log takes the whole body, as help does: the chain's verdict,
/// then one row per change, newest first.
fn audit(app: &App, view: &AuditView, frame: &mut Frame, area: Rect) {
    let rect = clear_body(frame, area);
    let shown = rect.height.saturating_sub(2) as usize;
    let more = if view.rows.len() > shown {
        format!(
            " · {}-{} of {} · j/k move",
            view.first + 1,
            (view.first + shown).min(view.rows.len()),
            view.rows.len()
        )
    } else {
        String::new()
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(app.theme.accent)
        .title(format!(
            " {}{more} · i whole · any other key closes ",
            view.title()
        ));
    let verdict = match &view.chain {
        Ok(v) if v.before > 0 => Line::styled(
            format!(
                " chain intact: {} rows linked ({} from before the chain)",
                v.linked, v.before
            ),
            app.theme.good,
        ),
        Ok(v) => Line::styled(
            format!(" chain intact: {} rows linked", v.linked),
            app.theme.good,
        ),
        Err(why) => Line::styled(
            format!(" chain BROKEN: {}", crate::text::sanitize(why)),
            app.theme.bad,
        ),
    };
    let mut lines = vec![verdict];
    if view.rows.is_empty() {
        lines.push(Line::styled(" no changes recorded here yet", app.theme.dim));
    }
    let id_width = view
        .rows
        .iter()
        .map(|r| r.id.to_string().len())
        .max()
        .unwrap_or(1);
    for (i, row) in view.rows.iter().enumerate().skip(view.first).take(shown) {
        let item = format!("{} {}", row.entity, row.entity_id);
        let cursor = if i == view.selected { "▸" } else { " " };
        let line = Line::from(vec![
            Span::styled(cursor, app.theme.key),
            Span::styled(format!("#{:<id_width$} ", row.id), app.theme.dim),
            Span::styled(
                format!("{} ", row.at.format("%Y-%m-%d %H:%M")),
                app.theme.dim,
            ),
            Span::styled(
                format!("{:<10} ", crate::text::sanitize(&row.actor)),
                app.theme.text,
            ),
            Span::styled(format!("{:<19} ", item), app.theme.accent),
            Span::styled(
                format!("{:<8} ", crate::text::sanitize(&row.action)),
                app.theme.key,
            ),
            Span::styled(
                crate::text::sanitize(&row.details.to_string()),
                app.theme.dim,
            ),
        ]);
        lines.push(if i == view.selected {
            line.style(app.theme.selected)
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// Recipes, Models and Monitoring: the columns their list sorts by.
fn sort_picker(app: &App, row: usize, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let filters = app.filters(app.tab);
    let columns = app.tab.sort_columns();
    let keys = super::key_hints(
        &app.keymap,
        crate::keymap::Context::COLUMNS,
        &[
            (crate::keymap::Command::SORT, "sort ▲ ▼ off"),
            (crate::keymap::Command::BACK, "close"),
        ],
    );
    let width = (keys.chars().count() as u16 + 4).max(30);
    let rect = centered(area, width, columns.len() as u16 + 4);
    frame.render_widget(Clear, rect);
    let mut lines: Vec<Line> = columns
        .iter()
        .enumerate()
        .map(|(i, (label, column))| {
            let style = if i == row { theme.selected } else { theme.text };
            Line::styled(format!(" {label}{}", filters.sort_arrow(*column)), style)
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(format!(" {keys}"), theme.dim));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.accent)
        .title(format!(" {}: sort ", app.tab.title().to_lowercase()));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn palette(app: &App, query: &str, selected: usize, frame: &mut Frame, area: Rect) {
    let places = palette_places(app, query);
    let items = palette_items(app, query);
    let count = places.len() + items.len();
    let h = (count as u16 + 3).clamp(4, area.height.saturating_sub(2).max(4));
    let rect = centered(area, 60, h);
    frame.render_widget(Clear, rect);
    let mut lines = vec![Line::from(vec![
        Span::styled(" : ", app.theme.key),
        Span::raw(crate::text::sanitize(query)),
        Span::styled("█", app.theme.accent),
    ])];
    let room = rect.height.saturating_sub(3) as usize;
    let first = selected.saturating_sub(room.saturating_sub(1));
    let place_lines = places.iter().map(|place| {
        (
            None,
            vec![Span::raw(format!(
                " → {}",
                crate::text::sanitize(&place.describe())
            ))],
        )
    });
    let command_lines = items.iter().map(|item| {
        let key = item.key.map(|k| k.to_string()).unwrap_or_default();
        let help = match item.elsewhere {
            Some(screen) => format!("({}) {}", screen.name(), item.command.help()),
            None => item.command.help().to_string(),
        };
        (
            Some(item.elsewhere.is_some()),
            vec![
                Span::raw(format!(" {:<16}", item.command.name())),
                Span::styled(format!("{key:<11}"), app.theme.key),
                Span::styled(help, app.theme.dim),
            ],
        )
    });
    for (i, (elsewhere, mut spans)) in place_lines
        .chain(command_lines)
        .enumerate()
        .skip(first)
        .take(room)
    {
        spans[0].style = match (i == selected, elsewhere) {
            (true, _) => app.theme.selected,
            (false, Some(true)) => app.theme.dim,
            (false, None) => app.theme.accent,
            (false, Some(false)) => app.theme.text,
        };
        lines.push(Line::from(spans));
    }
    if count == 0 {
        lines.push(Line::styled(
            " no command or place matches (places: recipes, models, runs, monitoring)",
            app.theme.dim,
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.accent)
        .title(" go: runs failed · recipe NAME · run 42 · or a command ");
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn filter(app: &App, row: usize, frame: &mut Frame, area: Rect) {
    let tab = app.tab;
    let f = app.filters(tab);
    let rows = tab.filter_rows();
    let rect = centered(area, 48, rows.len() as u16 + 4);
    frame.render_widget(Clear, rect);
    let value = |name: &str| -> String {
        match name {
            "family" => f.family.map(|x| x.to_string()),
            "level" => f.level.map(|x| x.to_string()),
            "type" => f.run_type.map(|x| x.to_string()),
            _ => f.status.clone(),
        }
        .unwrap_or_else(|| "any".into())
    };
    let mut lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let style = if i == row {
                app.theme.selected
            } else {
                app.theme.text
            };
            Line::from(vec![
                Span::styled(format!(" {name:<8}"), style),
                Span::styled(
                    format!("◂ {} ▸", value(name)),
                    if i == row {
                        app.theme.selected
                    } else {
                        app.theme.accent
                    },
                ),
            ])
        })
        .collect();
    lines.push(Line::styled(filter_hint(app), app.theme.dim));
    let title = format!(" filter {} ", tab.filtered());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.accent)
        .title(title);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// The Runs tab's column picker: the run's own columns (sortable), then
/// each metric and param (shown or not, sortable), scrolled to the cursor.
fn columns(app: &App, picker: &ColumnPicker, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let rows = picker.rows();
    let search = &app.filters(Tab::Runs).search;
    let rect = centered(area, 56, rows.len() as u16 + 5);
    frame.render_widget(Clear, rect);
    // Inside the border: the list, a blank line, the keys.
    let visible = (rect.height as usize).saturating_sub(4).max(1);
    let first = picker.row.saturating_sub(visible - 1);
    let mut lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, column)| {
            let label = SORTABLE_ATTRIBUTES
                .iter()
                .find(|(field, _)| field == column)
                .map(|(_, label)| format!("    {label}"));
            let label = label.unwrap_or_else(|| {
                let mark = if app.run_columns.is_shown(column) {
                    "[x]"
                } else {
                    "[ ]"
                };
                format!("{mark} {column}")
            });
            let sort = match sorted_by(search, column) {
                Some(false) => " ▲",
                Some(true) => " ▼",
                None => "",
            };
            let style = if i == picker.row {
                theme.selected
            } else {
                theme.text
            };
            let width = (rect.width as usize).saturating_sub(4);
            Line::styled(
                format!(" {}", truncate(&format!("{label}{sort}"), width)),
                style,
            )
        })
        .collect();
    if picker.choices.is_none() {
        lines.push(Line::styled(
            "     loading metric and param names…",
            theme.dim,
        ));
    } else if picker.choices.as_ref().is_some_and(Vec::is_empty) {
        lines.push(Line::styled(
            "     no metrics or params logged yet",
            theme.dim,
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(columns_hint(app), theme.dim));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.accent)
        .title(" runs: columns and sort ");
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// "space show · s sort ▲▼ · esc done", from the live keymap.
fn columns_hint(app: &App) -> String {
    use crate::keymap::{Command, Context};
    let key = |c| {
        app.keymap
            .key_for(Context::COLUMNS, c)
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    format!(
        " {} show · {} sort ▲▼ · {} done",
        key(Command::MARK),
        key(Command::SORT),
        key(Command::BACK)
    )
}

/// "k/j choose · h/l change · esc done", from the live keymap.
fn filter_hint(app: &App) -> String {
    use crate::keymap::{Command, Context};
    let key = |c| {
        app.keymap
            .key_for(Context::FILTER, c)
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    format!(
        " {}/{} choose · {}/{} change · {} done",
        key(Command::UP),
        key(Command::DOWN),
        key(Command::PREV_VALUE),
        key(Command::NEXT_VALUE),
        key(Command::BACK)
    )
}
