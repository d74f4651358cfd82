//! Pieces every view draws with: dialog placement, key hints, status words,
//! word wrapping, detail fields and section tabs, charts of steps.

pub mod step_chart;

use crate::keymap::Command;
use crate::text::{sanitize, truncate};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, Paragraph};

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

/// A status word in its colour (the word itself carries the meaning).
pub fn status_span(word: &str, theme: &crate::tui::theme::Theme) -> Span<'static> {
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

/// The row of a screen's section titles, the active one marked.
pub fn section_tabs<'a>(
    titles: impl Iterator<Item = (&'a str, bool)>,
    theme: &Theme,
) -> Line<'static> {
    let mut spans = Vec::new();
    for (title, active) in titles {
        let style = if active {
            theme.tab_active
        } else {
            theme.tab_inactive
        };
        spans.push(Span::styled(format!(" {title} "), style));
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

/// A "label  value" line of a detail screen.
pub fn field(label: &str, value: String, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<16}"), theme.dim),
        Span::styled(sanitize(&value), theme.text),
    ])
}

/// Field lines (a 16-column label, then a value) wrapped at `width` with
/// their continuation rows under the value, not back at column 0.
pub fn wrap_fields(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    const LABEL: usize = 16;
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let is_field = line.spans.len() == 2 && crate::text::width(&line.spans[0].content) == LABEL;
        if !is_field || line.width() <= width || width <= LABEL + 8 {
            out.push(line);
            continue;
        }
        let (label, value) = (line.spans[0].clone(), line.spans[1].clone());
        let rows = wrap_words(&value.content, width - LABEL);
        for (i, row) in rows.into_iter().enumerate() {
            let head = if i == 0 {
                label.clone()
            } else {
                Span::raw(" ".repeat(LABEL))
            };
            out.push(Line::from(vec![
                head,
                Span::styled(row.trim_end().to_string(), value.style),
            ]));
        }
    }
    out
}

/// What a screen shows until its first answer.
pub fn loading(frame: &mut Frame, area: Rect, theme: &Theme) {
    frame.render_widget(Paragraph::new(Span::styled("loading…", theme.dim)), area);
}

/// Each of a screen's sections' titles, and whether it is the `current` one.
pub fn section_titles<S: Copy + PartialEq>(
    all: &[S],
    current: S,
    title: fn(S) -> &'static str,
) -> impl Iterator<Item = (&'static str, bool)> + '_ {
    all.iter().map(move |x| (title(*x), *x == current))
}

/// A detail screen's frame: its section titles on top, then a ruled body,
/// whose inside it returns with the screen's `detail`; None, with
/// "loading…" drawn, until that is loaded.
pub fn sections<'a, 'd, D>(
    titles: impl Iterator<Item = (&'a str, bool)>,
    detail: Option<&'d D>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) -> Option<(Rect, &'d D)> {
    use ratatui::layout::{Constraint, Layout};
    use ratatui::widgets::{Block, Borders};
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    frame.render_widget(Paragraph::new(section_tabs(titles, theme)), tabs);
    let Some(detail) = detail else {
        loading(frame, body, theme);
        return None;
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border);
    let inner = block.inner(body);
    frame.render_widget(block, body);
    Some((inner, detail))
}

/// `lines` charted in `block` with no legend, over dim axes spanning `x`
/// and `y`, each labelled at its ends and middle: x by `x_label`, y in
/// short numbers.
pub fn axes_chart<'a>(
    lines: Vec<Dataset<'a>>,
    block: Block<'a>,
    [x0, x1]: [f64; 2],
    x_label: impl Fn(f64) -> String,
    [y0, y1]: [f64; 2],
    theme: &Theme,
) -> Chart<'a> {
    Chart::new(lines)
        .block(block)
        .legend_position(None)
        .x_axis(
            Axis::default()
                .style(theme.dim)
                .bounds([x0, x1])
                .labels([x0, (x0 + x1) / 2.0, x1].map(x_label)),
        )
        .y_axis(
            Axis::default()
                .style(theme.dim)
                .bounds([y0, y1])
                .labels([y0, (y0 + y1) / 2.0, y1].map(short_number)),
        )
}

/// Four significant digits, no trailing noise.
pub fn short_number(x: f64) -> String {
    if x.abs() >= 1000.0 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        truncate(s, 10)
    }
}
