//! The run screen: summary, metrics, artifacts, and a log viewer.

use super::status_span;
use crate::text::sanitize;
use crate::tui::state::RunScreen;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn render(
    s: &RunScreen,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    now: chrono::DateTime<chrono::Utc>,
) {
    let Some(run) = &s.run else {
        frame.render_widget(Paragraph::new(Span::styled("loading…", theme.dim)), area);
        return;
    };
    let [summary, figures, log] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(4),
        Constraint::Min(3),
    ])
    .areas(area);
    let duration = crate::text::duration(run.duration_seconds(now));
    let lines = vec![
        Line::from(vec![
            Span::styled(format!("run {} ", run.id), theme.title),
            Span::styled(format!("{} ", run.run_type), theme.accent),
            status_span(run.status.as_str(), theme),
            Span::styled(format!("  duration {duration}"), theme.text),
        ]),
        Line::from(vec![
            Span::styled("recipe ", theme.dim),
            Span::raw(sanitize(&format!(
                "{} {}",
                run.recipe_name, run.recipe_version
            ))),
            Span::styled("   model ", theme.dim),
            Span::raw(sanitize(run.model_name.as_deref().unwrap_or("-"))),
        ]),
        Line::from(vec![
            Span::styled("started ", theme.dim),
            Span::raw(
                run.started_at
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or("-".into()),
            ),
            Span::styled("   finished ", theme.dim),
            Span::raw(
                run.finished_at
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or("-".into()),
            ),
            Span::styled(format!("   by {}", sanitize(&run.created_by)), theme.dim),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines), summary);

    let pairs = |v: &serde_json::Value| -> String {
        match v.as_object() {
            Some(o) if !o.is_empty() => o
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.as_str().map(String::from).unwrap_or(v.to_string())
                    )
                })
                .collect::<Vec<_>>()
                .join("  "),
            _ => "none".into(),
        }
    };
    let figs = vec![
        Line::from(vec![
            Span::styled("metrics   ", theme.title),
            Span::raw(sanitize(&pairs(&run.metrics_json))),
        ]),
        Line::from(vec![
            Span::styled("artifacts ", theme.title),
            Span::raw(sanitize(&pairs(&run.artifacts_json))),
        ]),
    ];
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border);
    frame.render_widget(
        Paragraph::new(figs)
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: true }),
        figures,
    );

    let all: Vec<&str> = run.log().lines().collect();
    let height = log.height.saturating_sub(1) as usize;
    let start = s.scroll.min(all.len().saturating_sub(height.max(1)));
    let needle = s.search.to_lowercase();
    let body: Vec<Line> = all
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, l)| log_line(i, l, &needle, theme))
        .collect();
    let mut title = vec![Span::styled(
        format!(
            " log · {} line{} ",
            all.len(),
            if all.len() == 1 { "" } else { "s" }
        ),
        theme.accent,
    )];
    if s.follow {
        title.push(Span::styled("· following ", theme.warn));
    }
    if !s.search.is_empty() {
        title.push(Span::styled(
            format!("· /{} {} matches ", sanitize(&s.search), s.matches.len()),
            theme.dim,
        ));
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Line::from(title));
    let body = if all.is_empty() {
        vec![Line::styled("(no log yet)", theme.dim)]
    } else {
        body
    };
    frame.render_widget(Paragraph::new(body).block(block), log);
}

/// A numbered log line, search matches highlighted.
fn log_line(index: usize, line: &str, needle: &str, theme: &Theme) -> Line<'static> {
    let clean = sanitize(line);
    let mut spans = vec![Span::styled(format!("{:>5} ", index + 1), theme.dim)];
    let style = if clean.contains("ERROR") {
        theme.bad
    } else if clean.contains("WARN") {
        theme.warn
    } else {
        theme.text
    };
    if needle.is_empty() {
        spans.push(Span::styled(clean, style));
        return Line::from(spans);
    }
    let lower = clean.to_lowercase();
    let mut at = 0;
    // Lowercasing can change byte lengths outside ASCII; highlight only when it does not.
    if lower.len() == clean.len() {
        while let Some(pos) = lower[at..].find(needle) {
            let start = at + pos;
            spans.push(Span::styled(clean[at..start].to_string(), style));
            spans.push(Span::styled(
                clean[start..start + needle.len()].to_string(),
                theme.matched,
            ));
            at = start + needle.len();
        }
    }
    spans.push(Span::styled(clean[at..].to_string(), style));
    Line::from(spans)
}
