//! Rendering: a function of the state alone.

mod chat;
mod compare;
mod detail;
mod diff;
mod editor;
mod form;
mod library;
mod monitoring;
mod overlays;
mod run;
mod step_chart;

use super::state::{App, Screen};
use crate::keymap::Command;
use crate::text::sanitize;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::state::{MIN_HEIGHT, MIN_WIDTH};

pub fn render(app: &mut App, frame: &mut Frame) {
    let area = frame.area();
    app.width = area.width;
    app.height = area.height;
    if app.too_small() {
        let text = format!(
            "terminal too small: {}x{} (need {MIN_WIDTH}x{MIN_HEIGHT})",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let [header, body, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(app, frame, header);
    match app.screens.last_mut() {
        None => library::render(app, frame, body),
        Some(_) => render_screen(app, frame, body),
    }
    render_hints(app, frame, hints);
    overlays::render(app, frame, area);
}

fn render_screen(app: &mut App, frame: &mut Frame, area: Rect) {
    let theme = app.theme;
    let now = app.clock.now();
    match app.screens.last_mut() {
        Some(Screen::Recipe(s)) => detail::render_recipe(s, &theme, frame, area),
        Some(Screen::Model(s)) => detail::render_model(s, &theme, frame, area),
        Some(Screen::Run(s)) => run::render(s, &theme, frame, area, now),
        Some(Screen::Compare(s)) => compare::render(s, &theme, frame, area),
        Some(Screen::Diff(s)) => diff::render(s, &theme, frame, area),
        Some(Screen::Editor(s)) => editor::render(s, &app.keymap, &theme, frame, area),
        Some(Screen::Chat(s)) => chat::render(s, &app.keymap, &theme, frame, area),
        None => {}
    }
}

/// "nexml › Models › hotel-dynamic-pricing › run 12" and who is connected where.
fn render_header(app: &App, frame: &mut Frame, area: Rect) {
    let mut crumbs = vec!["nexml".to_string(), app.tab.title().to_string()];
    crumbs.extend(app.screens.iter().map(|s| sanitize(&s.crumb())));
    let right = format!("{}@{}", sanitize(&app.user), app.backend);
    let room = (area.width as usize).saturating_sub(crate::text::width(&right) + 1);
    // Too long: keep the start and the end of the trail, drop the middle.
    let mut trail = crumbs.clone();
    while crate::text::width(&trail.join(" › ")) > room && trail.len() > 3 {
        if trail[1] == "…" {
            trail.remove(2);
        } else {
            trail[1] = "…".into();
        }
    }
    let left = crate::text::truncate(&trail.join(" › "), room);
    let pad = (area.width as usize)
        .saturating_sub(crate::text::width(&left) + crate::text::width(&right));
    let line = Line::from(vec![
        Span::styled(left, app.theme.title),
        Span::raw(" ".repeat(pad)),
        Span::styled(right, app.theme.dim),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// The few keys that matter here, from the live keymap; errors and status win.
fn render_hints(app: &App, frame: &mut Frame, area: Rect) {
    frame.render_widget(Clear, area);
    if let Some(e) = &app.error {
        let text = crate::text::truncate(&format!("error: {}", sanitize(e)), area.width as usize);
        frame.render_widget(Paragraph::new(Span::styled(text, app.theme.bad)), area);
        return;
    }
    let prompt = match app.screens.last() {
        Some(screen) => screen.component().prompt(),
        None => app
            .searching
            .then(|| ("search", app.filters(app.tab).search.as_str())),
    };
    if let Some((label, text)) = prompt {
        let line = Line::from(vec![
            Span::styled(format!("{label}: "), app.theme.key),
            Span::raw(sanitize(text)),
            Span::styled("█", app.theme.accent),
            Span::styled("   enter keep · esc clear", app.theme.dim),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let commands = crate::tui::update::hints(app);
    let context = app.context();
    let mut spans = Vec::new();
    if let Some(status) = &app.status {
        spans.push(Span::styled(
            format!("{} ", sanitize(status)),
            app.theme.accent,
        ));
        spans.push(Span::styled("│ ", app.theme.dim));
    }
    // A command that cannot run now is not offered.
    let runnable = commands
        .iter()
        .filter(|c| crate::tui::update::unavailable(app, **c).is_none());
    for c in runnable {
        if let Some(k) = app.keymap.key_for(context, *c) {
            spans.push(Span::styled(k.to_string(), app.theme.key));
            spans.push(Span::styled(
                format!(" {}  ", short_label(*c)),
                app.theme.dim,
            ));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// "ctrl-s save · ctrl-f find" for these commands and labels, from the live
/// keymap (a command with no key is left out).
pub fn key_hints(
    keymap: &crate::keymap::Keymap,
    context: crate::keymap::Context,
    commands: &[(Command, &str)],
) -> String {
    commands
        .iter()
        .filter_map(|(c, label)| {
            keymap
                .key_for(context, *c)
                .map(|k| format!("{k} {label}").trim_end().to_string())
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn short_label(c: Command) -> &'static str {
    match c {
        Command::Open => "open",
        Command::Search => "search",
        Command::Filter => "filter",
        Command::NextTab => "tab",
        Command::Copy => "copy id",
        Command::Help => "help",
        Command::Quit => "quit",
        Command::NextSection => "section",
        Command::ToggleView => "tree/json",
        Command::OpenParent => "parent",
        Command::ShowModels => "models",
        Command::ShowRuns => "runs",
        Command::Back => "back",
        Command::OpenRecipe => "recipe",
        Command::OpenModel => "model",
        Command::NextMatch => "next match",
        Command::Follow => "follow",
        Command::NewItem => "new",
        Command::Edit => "edit",
        Command::Approve => "approve",
        Command::CloneRecipe => "clone",
        Command::Register => "register",
        Command::Diff => "diff",
        Command::Promote => "promote",
        Command::UpdateRun => "update",
        Command::NextChange => "next change",
        Command::PrevChange => "prev",
        Command::ToggleUnified => "layout",
        Command::Apply => "apply",
        Command::NextMetric => "metric",
        Command::PrevMetric => "prev",
        Command::Mark => "mark",
        Command::CancelRun => "cancel",
        Command::ViewArtifact => "artifact",
        Command::Train => "train",   // vocabulary: the command's label
        Command::Evaluate => "eval", // vocabulary: the command's label
        other => other.name(),
    }
}

/// A status word in its colour (the word itself carries the meaning).
pub fn status_span(word: &str, theme: &super::theme::Theme) -> Span<'static> {
    Span::styled(
        word.to_string(),
        theme.status(word.split_whitespace().next().unwrap_or(word)),
    )
}

/// Centred rectangle of at most `w`x`h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// A bordered dialog of at most `max_width` columns, as tall as its lines
/// need once wrapped, centred in `area`: its last line (the keys) is never
/// cut off while the terminal has room for it.
pub fn dialog_rect(area: Rect, max_width: u16, lines: &[Line]) -> Rect {
    let inner = max_width.min(area.width).saturating_sub(2).max(1) as usize;
    let rows: usize = lines
        .iter()
        .map(|l| wrapped_rows(&line_text(l), inner))
        .sum();
    centered(area, max_width, rows as u16 + 2)
}

fn line_text(line: &Line) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

/// Rows `text` takes when word-wrapped at `width` columns (as ratatui's
/// `Wrap { trim: false }` does: words move whole, longer ones are cut).
pub fn wrapped_rows(text: &str, width: usize) -> usize {
    wrap_words(text, width).len()
}

/// `text` word-wrapped at `width` columns: words move whole to the next
/// row, a word longer than a row is cut. Always at least one row.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = vec![String::new()];
    for word in text.split_inclusive(' ') {
        let row = rows.last_mut().expect("at least one row");
        let used = crate::text::width(row);
        if used > 0 && used + crate::text::width(word.trim_end()) > width {
            rows.push(String::new());
        }
        for c in word.chars() {
            let row = rows.last_mut().expect("at least one row");
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if crate::text::width(row) + w > width && c != ' ' {
                rows.push(String::new());
            }
            rows.last_mut().expect("at least one row").push(c);
        }
    }
    rows
}

pub fn dim_line(text: &str, style: Style) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), style))
}
