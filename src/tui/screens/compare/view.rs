//! Runs side by side: a table of params (≠ where they differ) and final
//! metrics with their change from the first run, over a chart of one
//! metric's histories, one line per run.

use super::CompareScreen;
use crate::text::{sanitize, truncate};
use crate::tui::theme::Theme;
use crate::tui::widgets::short_number;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Dataset, GraphType, Paragraph};

/// Each run's line: a colour and, for terminals without colour, a mark.
fn run_style(i: usize, theme: &Theme) -> (Style, Marker, &'static str) {
    let styles = [
        theme.accent,
        theme.warn,
        theme.good,
        theme.info,
        theme.bad,
        theme.title,
    ];
    let marks = [
        (Marker::Braille, "⠒"),
        (Marker::Dot, "•"),
        (Marker::Block, "█"),
        (Marker::Bar, "▄"),
        (Marker::HalfBlock, "▀"),
        (Marker::Braille, "⣀"),
    ];
    let (marker, sample) = marks[i % marks.len()];
    (styles[i % styles.len()], marker, sample)
}

pub fn render(s: &CompareScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(v) = &s.view else {
        frame.render_widget(Paragraph::new(Span::styled("loading…", theme.dim)), area);
        return;
    };
    let chart_rows = if v.chart_key.is_some() && area.height >= 14 {
        (area.height / 2).clamp(7, 20)
    } else {
        0
    };
    let [table, chart] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(chart_rows)]).areas(area);
    render_table(s, theme, frame, table);
    if chart_rows > 0 {
        render_chart(s, theme, frame, chart);
    }
}

fn render_table(s: &CompareScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(v) = &s.view else {
        return;
    };
    let n = v.runs.len().max(1);
    let label_w = (area.width as usize / (n + 2)).clamp(10, 28);
    let col_w = ((area.width as usize).saturating_sub(label_w) / n).max(8);
    let cell = |text: &str, style: Style| {
        Span::styled(
            format!("{:<col_w$}", truncate(&sanitize(text), col_w - 1)),
            style,
        )
    };
    let mut header = vec![Span::styled(format!("{:<label_w$}", ""), theme.dim)];
    for (i, r) in v.runs.iter().enumerate() {
        let (style, _, sample) = run_style(i, theme);
        let name = if r.name.is_empty() {
            format!("{sample} run {}", r.id)
        } else {
            format!("{sample} {} {}", r.id, r.name)
        };
        header.push(cell(&name, style));
    }
    let mut lines = vec![Line::from(header)];
    let mut rows: Vec<Line> = Vec::new();
    for p in &v.comparison.params {
        let mark = if p.differs { "≠ " } else { "  " };
        let mut spans = vec![Span::styled(
            format!(
                "{:<label_w$}",
                truncate(&format!("{mark}{}", p.key), label_w - 1)
            ),
            if p.differs { theme.warn } else { theme.dim },
        )];
        for value in &p.values {
            spans.push(cell(value.as_deref().unwrap_or("-"), theme.text));
        }
        rows.push(Line::from(spans));
    }
    for m in &v.comparison.metrics {
        let mut spans = vec![Span::styled(
            format!(
                "{:<label_w$}",
                truncate(&format!("  {}", m.key), label_w - 1)
            ),
            theme.title,
        )];
        for (i, value) in m.values.iter().enumerate() {
            let text = match (value, m.deltas[i]) {
                (None, _) => "-".to_string(),
                (Some(x), Some(d)) if i > 0 && d != 0.0 => {
                    format!(
                        "{} ({}{})",
                        short_number(*x),
                        if d > 0.0 { "+" } else { "" },
                        short_number(d)
                    )
                }
                (Some(x), _) => short_number(*x),
            };
            spans.push(cell(&text, theme.text));
        }
        rows.push(Line::from(spans));
    }
    if rows.is_empty() {
        rows.push(Line::styled("  no params or metrics recorded", theme.dim));
    }
    let height = area.height.saturating_sub(2) as usize;
    let start = s.scroll.min(rows.len().saturating_sub(height.max(1)));
    lines.extend(rows.into_iter().skip(start).take(height));
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Line::styled(
            " params (≠ differ) and final metrics (change from the first run) ",
            theme.accent,
        ));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn render_chart(s: &CompareScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(v) = &s.view else {
        return;
    };
    let Some(key) = &v.chart_key else {
        return;
    };
    let series: Vec<Vec<(f64, f64)>> = v
        .histories
        .iter()
        .map(|h| h.points.iter().map(|p| (p.step as f64, p.value)).collect())
        .collect();
    let title = format!(
        " {key} · {} of {} metrics · [ ] another ",
        v.metric_keys
            .iter()
            .position(|k| k == key)
            .map_or(1, |i| i + 1),
        v.metric_keys.len()
    );
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Line::styled(title, theme.accent));
    let datasets: Vec<Dataset> = series
        .iter()
        .enumerate()
        .map(|(i, points)| {
            let (style, marker, _) = run_style(i, theme);
            Dataset::default()
                .marker(marker)
                .graph_type(GraphType::Line)
                .style(style)
                .data(points)
        })
        .collect();
    let points: Vec<&[(f64, f64)]> = series.iter().map(Vec::as_slice).collect();
    crate::tui::widgets::step_chart::render(datasets, &points, block, theme, frame, area);
}
