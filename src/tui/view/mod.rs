//! Rendering: a function of the state alone.

mod form;
pub mod library;
mod overlays;

pub use crate::tui::widgets::{
    centered, dialog_rect, dim_line, key_hints, status_span, wrap_words, wrapped_rows,
};

use super::screens::DrawCx;
use super::state::App;
use crate::text::sanitize;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
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
    let cx = DrawCx {
        theme: &app.theme,
        keymap: &app.keymap,
        now: app.clock.now(),
    };
    if let Some(screen) = app.screens.last_mut() {
        screen.draw(&cx, frame, area);
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
        Some(screen) => screen.prompt(),
        None => app
            .searching
            .then(|| ("search", app.filters(app.tab).search.as_str())),
    };
    if let Some((label, text)) = prompt {
        // The library search's error, inline while it is typed (not logged).
        let error = app
            .screens
            .is_empty()
            .then(|| app.filters(app.tab).search_error.as_deref())
            .flatten();
        let after = match error {
            Some(e) => Span::styled(format!("  ✗ {}", sanitize(e)), app.theme.bad),
            None => Span::styled("   enter keep · esc clear", app.theme.dim),
        };
        let line = Line::from(vec![
            Span::styled(format!("{label}: "), app.theme.key),
            Span::raw(sanitize(text)),
            Span::styled("█", app.theme.accent),
            after,
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
            spans.push(Span::styled(format!(" {}  ", c.label()), app.theme.dim));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
