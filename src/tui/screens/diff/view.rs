//! The diff view: side by side on wide terminals, unified on narrow ones,
//! changes marked by sign and colour, with line numbers and a summary.

use super::DiffScreen;
use crate::domain::diff::LineChange;
use crate::text::{sanitize, truncate};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn render(s: &mut DiffScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let (added, removed, changed) = s.counts();
    let paths_height = (s.paths.len().min(6) + s.notes.len()) as u16 + 1;
    let [summary, body, paths] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(paths_height.min(area.height / 3)),
    ])
    .areas(area);
    let unified = s.is_unified(area.width);
    let head = Line::from(vec![
        Span::styled(
            format!(" {} → {} ", sanitize(&s.from_label), sanitize(&s.to_label)),
            theme.title,
        ),
        Span::styled(format!("+{added} "), theme.good),
        Span::styled(format!("-{removed} "), theme.bad),
        Span::styled(format!("~{changed} "), theme.warn),
        Span::styled(
            format!(
                "· {} change(s) · {} ",
                s.change_starts.len(),
                if unified { "unified" } else { "side by side" }
            ),
            theme.dim,
        ),
    ]);
    frame.render_widget(Paragraph::new(head), summary);
    let height = body.height as usize;
    s.scroll = s.scroll.min(s.rows.len().saturating_sub(1));
    if unified {
        render_unified(s, theme, frame, body, height);
    } else {
        render_side_by_side(s, theme, frame, body, height);
    }
    let mut lines: Vec<Line> = s
        .notes
        .iter()
        .map(|n| Line::styled(format!(" {}", sanitize(n)), theme.warn))
        .collect();
    for (op, path) in s.paths.iter().take(6) {
        lines.push(Line::from(vec![
            Span::styled(format!(" {op:<8}"), theme.accent),
            Span::raw(sanitize(path)),
        ]));
    }
    if s.paths.len() > 6 {
        lines.push(Line::styled(
            format!(" … and {} more", s.paths.len() - 6),
            theme.dim,
        ));
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(" changed paths ");
    frame.render_widget(Paragraph::new(lines).block(block), paths);
}

fn style_of(change: LineChange, theme: &Theme) -> (Style, &'static str, &'static str) {
    match change {
        LineChange::Same => (theme.text, " ", " "),
        LineChange::Added => (theme.good, " ", "+"),
        LineChange::Removed => (theme.bad, "-", " "),
        LineChange::Changed => (theme.warn, "-", "+"),
    }
}

fn render_unified(s: &DiffScreen, theme: &Theme, frame: &mut Frame, area: Rect, height: usize) {
    let mut lines = Vec::new();
    for row in s.rows.iter().skip(s.scroll) {
        if lines.len() >= height {
            break;
        }
        let (style, _, _) = style_of(row.change, theme);
        let (old_style, new_style) = match row.change {
            LineChange::Changed => (theme.bad, theme.good),
            _ => (style, style),
        };
        if let Some((n, text)) = &row.old
            && row.change != LineChange::Same
        {
            lines.push(Line::from(vec![
                Span::styled(format!("{n:>5}       - "), theme.dim),
                Span::styled(sanitize(text), old_style),
            ]));
        }
        if let Some((n, text)) = &row.new {
            let (sign, nums) = match row.change {
                LineChange::Same => (
                    " ",
                    format!("{:>5} {n:>5} ", row.old.as_ref().map(|o| o.0).unwrap_or(0)),
                ),
                _ => ("+", format!("      {n:>5} ")),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{nums}{sign} "), theme.dim),
                Span::styled(sanitize(text), new_style),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_side_by_side(
    s: &DiffScreen,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    height: usize,
) {
    let half = (area.width.saturating_sub(1) / 2) as usize;
    let text_width = half.saturating_sub(8);
    let lines: Vec<Line> = s
        .rows
        .iter()
        .skip(s.scroll)
        .take(height)
        .map(|row| {
            let (style, left_sign, right_sign) = style_of(row.change, theme);
            let (left_style, right_style) = match row.change {
                LineChange::Changed => (theme.bad, theme.good),
                _ => (style, style),
            };
            let side = |cell: &Option<(usize, String)>,
                        sign: &str,
                        st: Style|
             -> Vec<Span<'static>> {
                match cell {
                    Some((n, text)) => vec![
                        Span::styled(format!("{n:>5} {sign} "), theme.dim),
                        Span::styled(
                            crate::text::pad(&truncate(&sanitize(text), text_width), text_width),
                            st,
                        ),
                    ],
                    None => vec![Span::raw(" ".repeat(half))],
                }
            };
            let mut spans = side(&row.old, left_sign, left_style);
            spans.push(Span::styled("│", theme.border));
            spans.extend(side(&row.new, right_sign, right_style));
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}
