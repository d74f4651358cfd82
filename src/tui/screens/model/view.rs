//! The model screen's drawing: overview, versions, runs, alerts, monitoring.

mod monitoring;

use super::{ModelDetail, ModelScreen, ModelSection};
use crate::domain::audit_text::describe;
use crate::text::sanitize;
use crate::tui::theme::Theme;
use crate::tui::widgets::{field, section_titles, sections, status_span, wrap_fields};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use serde_json::Value;

pub fn render(s: &mut ModelScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let titles = section_titles(&ModelSection::ALL, s.section, ModelSection::title);
    let Some((inner, d)) = sections(titles, s.detail.as_ref(), theme, frame, area) else {
        return;
    };
    match s.section {
        ModelSection::Overview => model_overview(d, s.scroll, theme, frame, inner),
        ModelSection::Deployments => model_deployments(d, s.scroll, theme, frame, inner),
        ModelSection::Monitoring => monitoring::render(s, &d.manifest, theme, frame, inner),
        ModelSection::Alerts if !d.alerts.is_empty() => {
            rule_alerts(d, s.scroll, theme, frame, inner)
        }
        ModelSection::Alerts => snapshot_alerts(d, s.scroll, theme, frame, inner),
    }
}

/// An alert's reading against its rule, as "3.3379 > 3.2" (never cut).
fn alert_reading(a: &crate::store::Alert) -> String {
    format!(
        "{} {} {}",
        short_number(a.value),
        a.comparison,
        short_number(a.threshold)
    )
}

/// Who acknowledged or resolved an alert, if anyone has.
fn alert_by(a: &crate::store::Alert) -> &str {
    a.resolved_by
        .as_deref()
        .or(a.acknowledged_by.as_deref())
        .unwrap_or("")
}

/// A number with at most 4 decimals and no trailing zeros.
fn short_number(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The model's fields and its latest snapshot.
fn model_overview(d: &ModelDetail, scroll: usize, theme: &Theme, frame: &mut Frame, inner: Rect) {
    let m = &d.model;
    let latest = d.snapshots.first();
    let lines = vec![
        field("id", m.id.to_string(), theme),
        field("name", m.name.clone(), theme),
        field("family", m.model_family.to_string(), theme),
        Line::from(vec![
            Span::styled(format!("{:<16}", "status"), theme.dim),
            status_span(m.status.as_str(), theme),
        ]),
        field("owner", m.owner.clone(), theme),
        field(
            "recipe",
            format!("{} {}", m.recipe_name, m.recipe_version),
            theme,
        ),
        field(
            "trained by",
            m.run_id
                .map_or("no training run yet".into(), |r| format!("run {r}")),
            theme,
        ),
        field(
            "registered",
            m.created_at.format("%Y-%m-%d %H:%M").to_string(),
            theme,
        ),
        field(
            "last snapshot",
            latest
                .map(|s| s.captured_at.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or("none".into()),
            theme,
        ),
        field("snapshots", d.snapshots.len().to_string(), theme),
    ];
    let lines = wrap_fields(lines, inner.width as usize);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        inner,
    );
}

/// The recipe version and the lifecycle history.
fn model_deployments(
    d: &ModelDetail,
    scroll: usize,
    theme: &Theme,
    frame: &mut Frame,
    inner: Rect,
) {
    let m = &d.model;
    let mut lines = vec![
        field(
            "recipe version",
            format!("{} {}", m.recipe_name, m.recipe_version),
            theme,
        ),
        Line::raw(""),
        Line::styled("Lifecycle history", theme.title),
    ];
    for e in &d.history {
        let version = e.details.get("version").and_then(Value::as_str);
        let what = match version {
            Some(v) if e.action == "register" => format!("from {} {v}", m.recipe_name),
            _ => describe(&e.action, &e.details),
        };
        // A long line (a forced move's reason) wraps under its text, not
        // back at column 0: who made it stays in view.
        let body = format!("{}  by {}", sanitize(&what), sanitize(&e.actor));
        let width = usize::from(inner.width)
            .saturating_sub(HISTORY_INDENT)
            .max(12);
        for (i, row) in crate::tui::widgets::wrap_words(&body, width)
            .into_iter()
            .enumerate()
        {
            let lead = match i {
                0 => vec![
                    Span::styled(format!("  {}  ", e.at.format("%Y-%m-%d %H:%M")), theme.dim),
                    Span::styled(format!("{:<10}", e.action), theme.accent),
                ],
                _ => vec![Span::raw(" ".repeat(HISTORY_INDENT))],
            };
            lines.push(Line::from([lead, vec![Span::raw(row)]].concat()));
        }
    }
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        inner,
    );
}

/// Columns before a history line's text: "  YYYY-MM-DD HH:MM  " and the
/// action padded to 10.
const HISTORY_INDENT: usize = 30;

/// The alerts the rules opened, by state then severity; the selected one
/// is marked.
fn rule_alerts(d: &ModelDetail, scroll: usize, theme: &Theme, frame: &mut Frame, inner: Rect) {
    let reading = d.alerts.iter().map(|a| alert_reading(a).len()).max();
    let reading = reading.unwrap_or(5).max(5) as u16;
    // The rule's name takes what the other columns leave (at most
    // 30): names are shortened, states, times and readings never.
    let fixed = 8 + 12 + 11 + reading + 10 + 6;
    let rule = d.alerts.iter().map(|a| a.rule.len()).max().unwrap_or(4) as u16;
    let rule = rule
        .clamp(4, 30)
        .min(inner.width.saturating_sub(fixed).max(4));
    let rows: Vec<Row> = d
        .alerts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let row = Row::new(vec![
                Cell::from(Span::styled(
                    a.severity.as_str(),
                    theme
                        .status(a.severity.as_str())
                        .add_modifier(Modifier::BOLD),
                )),
                Cell::from(Span::styled(
                    a.state.as_str(),
                    if a.state == crate::domain::AlertState::Open {
                        theme.warn
                    } else {
                        theme.dim
                    },
                )),
                Cell::from(a.opened_at.format("%m-%d %H:%M").to_string()),
                Cell::from(crate::text::truncate(&sanitize(&a.rule), rule as usize)),
                Cell::from(Span::styled(
                    alert_reading(a),
                    if a.state == crate::domain::AlertState::Resolved {
                        theme.dim
                    } else {
                        theme.bad
                    },
                )),
                Cell::from(sanitize(alert_by(a))),
                Cell::from(sanitize(&a.message)),
            ]);
            if i == scroll {
                row.style(theme.selected)
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(
        [
            "Severity", "State", "Opened", "Rule", "Value", "By", "Message",
        ]
        .map(|h| Cell::from(Span::styled(h, theme.title))),
    );
    // The reading is never cut; the message shows where there is room.
    let message = if inner.width >= 120 { 1 } else { 0 };
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(12),
            Constraint::Length(11),
            Constraint::Length(rule),
            Constraint::Length(reading),
            Constraint::Length(10),
            Constraint::Fill(message),
        ],
    )
    .header(header);
    let [list, keys] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(table, list);
    frame.render_widget(
        Paragraph::new(Span::styled(
            "a acknowledge · x resolve · j/k select",
            theme.dim,
        )),
        keys,
    );
}

/// The alerts recorded in snapshots, for a model the rules never alerted.
fn snapshot_alerts(d: &ModelDetail, scroll: usize, theme: &Theme, frame: &mut Frame, inner: Rect) {
    let mut rows = Vec::new();
    for snap in &d.snapshots {
        for a in snap.alerts_json.as_array().into_iter().flatten() {
            let severity = a["severity"].as_str().unwrap_or("info").to_string();
            rows.push(Row::new(vec![
                Cell::from(Span::styled(
                    severity.clone(),
                    theme.status(&severity).add_modifier(Modifier::BOLD),
                )),
                Cell::from(snap.captured_at.format("%Y-%m-%d %H:%M").to_string()),
                Cell::from(sanitize(a["rule"].as_str().unwrap_or("-"))),
                Cell::from(sanitize(a["message"].as_str().unwrap_or(""))),
            ]));
        }
    }
    if rows.is_empty() {
        frame.render_widget(Paragraph::new(Span::styled("no alerts", theme.dim)), inner);
        return;
    }
    let total = rows.len();
    let rows: Vec<Row> = rows
        .into_iter()
        .skip(scroll.min(total.saturating_sub(1)))
        .collect();
    let header = Row::new(
        ["Severity", "When", "Rule", "Message"].map(|h| Cell::from(Span::styled(h, theme.title))),
    );
    let table = Table::new(
        rows,
        [
            Constraint::Length(9),
            Constraint::Length(16),
            Constraint::Length(18),
            Constraint::Fill(1),
        ],
    )
    .header(header);
    frame.render_widget(table, inner);
}
