//! The model's Monitoring section: the measure under the cursor charted
//! over the window (a time axis, its limit drawn as a line, readings past
//! the limit marked with their own glyph as well as colour), every measure
//! listed with its last reading, and, with room, the drift heatmap.

use crate::domain::metrics::evaluation_metrics;
use crate::store::Snapshot;
use crate::text::truncate;
use crate::tui::screens::model::{Measure, ModelScreen};
use crate::tui::theme::Theme;
use crate::tui::widgets::{axes_chart, short_number};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Dataset, GraphType, Paragraph};
use serde_json::Value;

/// A chart needs this many rows to show a line between its axes.
const MIN_CHART_ROWS: u16 = 7;

/// A measure's limit and which side of it is worse.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Limit {
    value: f64,
    higher_is_better: bool,
}

impl Limit {
    fn breached(&self, v: f64) -> bool {
        match self.higher_is_better {
            true => v < self.value,
            false => v > self.value,
        }
    }

    /// "▲ over 0.35" / "▼ under 0.75" when `v` is past it, else "limit 0.35".
    fn verdict(&self, v: f64) -> String {
        let t = short_number(self.value);
        match (self.breached(v), self.higher_is_better) {
            (true, false) => format!("▲ over {t}"),
            (true, true) => format!("▼ under {t}"),
            (false, _) => format!("limit {t}"),
        }
    }
}

/// The limit of a metric (the evaluation threshold and direction) or of a
/// drift column (the manifest's drift threshold; more is worse).
fn limit_of(measure: &Measure, manifest: &Value) -> Option<Limit> {
    match measure {
        Measure::Metric(name) => evaluation_metrics(manifest)
            .into_iter()
            .find(|m| &m.name == name)
            .and_then(|m| {
                Some(Limit {
                    value: m.threshold?,
                    higher_is_better: m.direction.higher_is_better(),
                })
            }),
        Measure::Drift(_) => Some(Limit {
            value: drift_threshold(manifest),
            higher_is_better: false,
        }),
    }
}

fn drift_threshold(manifest: &Value) -> f64 {
    manifest
        .pointer("/monitoring/drift/threshold")
        .and_then(Value::as_f64)
        .unwrap_or(0.1)
        .max(1e-9)
}

/// A measure's reading in one snapshot.
fn reading(snapshot: &Snapshot, measure: &Measure) -> Option<f64> {
    match measure {
        Measure::Metric(name) => snapshot
            .performance_metrics_json
            .get(name)
            .and_then(Value::as_f64),
        Measure::Drift(name) => crate::monitoring::column_scores(&snapshot.drift_metrics_json)
            .find(|(column, _)| *column == name)
            .map(|(_, score)| score),
    }
}

/// (seconds since the epoch, reading) of every snapshot that has one.
fn points(series: &[Snapshot], measure: &Measure) -> Vec<(f64, f64)> {
    series
        .iter()
        .filter_map(|s| Some((s.captured_at.timestamp() as f64, reading(s, measure)?)))
        .filter(|(_, v)| v.is_finite())
        .collect()
}

pub fn render(
    screen: &ModelScreen,
    manifest: &Value,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let window = match screen.window {
        Some(d) => format!("last {d} days"),
        None => "all history".into(),
    };
    if screen.series.is_empty() {
        let text = format!("no snapshots in the {window} (w changes the window)");
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim)), area);
        return;
    }
    let measures = screen.measures();
    let charted = screen.charted();
    let metrics: Vec<&Measure> = measures
        .iter()
        .filter(|m| matches!(m, Measure::Metric(_)))
        .collect();
    let drift: Vec<&Measure> = measures
        .iter()
        .filter(|m| matches!(m, Measure::Drift(_)))
        .collect();
    let two_columns = area.width >= 70;
    let all_rows = match two_columns {
        true => metrics.len().max(drift.len()) + 1,
        false => metrics.len() + drift.len() + 2,
    } as u16;
    // A short screen keeps the chart: the list gives up rows and scrolls
    // to the charted measure (it still shows at least a few).
    let list_rows = all_rows.min(
        area.height
            .saturating_sub(2 + MIN_CHART_ROWS)
            .max(LIST_MIN_ROWS.min(all_rows)),
    );
    let rest = area.height.saturating_sub(2 + list_rows);
    let heatmap_rows = drift.len() as u16 + 1;
    let heatmap = match rest >= MIN_CHART_ROWS + 1 + heatmap_rows && !drift.is_empty() {
        true => heatmap_rows + 1,
        false => 0,
    };
    let [head, chart, list, heat] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Fill(1),
        Constraint::Length(list_rows),
        Constraint::Length(heatmap),
    ])
    .areas(area);

    let head_lines = vec![
        Line::styled(
            format!(
                "{window} · {} snapshots · w window · j/k what the chart shows",
                screen.series.len()
            ),
            theme.accent,
        ),
        Line::from(vec![
            Span::styled("freshness ", theme.dim),
            Span::styled(freshness_text(&screen.series), theme.text),
        ]),
    ];
    frame.render_widget(Paragraph::new(head_lines), head);
    if let Some(measure) = &charted {
        render_chart(&screen.series, measure, manifest, theme, frame, chart);
    }
    let width = column_width(list, two_columns);
    let lines = |group: &[&Measure]| -> Vec<Line<'static>> {
        let rows: Vec<EntryRow> = group
            .iter()
            .map(|m| EntryRow::new(m, &screen.series, manifest, Some(*m) == charted.as_ref()))
            .collect();
        let layout = EntryLayout::fit(&rows, width);
        rows.iter().map(|r| r.line(&layout, theme)).collect()
    };
    let mut left = vec![Line::styled("metrics", theme.title)];
    left.extend(lines(&metrics));
    let mut right = vec![Line::styled(
        format!(
            "drift (score, limit {})",
            short_number(drift_threshold(manifest))
        ),
        theme.title,
    )];
    right.extend(lines(&drift));
    // The charted measure's line in each column (after its title line).
    let at = |group: &[&Measure]| group.iter().position(|m| Some(*m) == charted.as_ref());
    let (in_metrics, in_drift) = (at(&metrics).map(|i| i + 1), at(&drift).map(|i| i + 1));
    if two_columns {
        let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(list);
        frame.render_widget(scrolled_to(left, in_metrics, l.height), l);
        frame.render_widget(scrolled_to(right, in_drift, r.height), r);
    } else {
        let below = left.len() + 1;
        left.push(Line::default());
        left.extend(right);
        let selected = in_metrics.or(in_drift.map(|i| i + below));
        frame.render_widget(scrolled_to(left, selected, list.height), list);
    }
    if heatmap > 0 {
        let columns: Vec<&str> = drift.iter().map(|m| m.name()).collect();
        let [_, heat] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(heat);
        render_heatmap(&screen.series, &columns, manifest, theme, frame, heat);
    }
}

/// Rows the measure list keeps when it gives rows to the chart.
const LIST_MIN_ROWS: u16 = 4;

/// `lines` scrolled so that line `selected` is within `height` rows.
fn scrolled_to(
    lines: Vec<Line<'static>>,
    selected: Option<usize>,
    height: u16,
) -> Paragraph<'static> {
    let height = usize::from(height.max(1));
    let offset = selected.map_or(0, |s| (s + 1).saturating_sub(height));
    Paragraph::new(lines).scroll((u16::try_from(offset).unwrap_or(u16::MAX), 0))
}

fn column_width(list: Rect, two_columns: bool) -> usize {
    match two_columns {
        true => (list.width / 2) as usize,
        false => list.width as usize,
    }
}

/// One measure in the list: its name, last reading and verdict.
struct EntryRow {
    name: String,
    value: String,
    verdict: String,
    breached: bool,
    selected: bool,
}

/// Column widths shared by a list's rows.
struct EntryLayout {
    name: usize,
    verdict: usize,
}

impl EntryRow {
    /// The measure's newest reading in the window.
    fn new(measure: &Measure, series: &[Snapshot], manifest: &Value, selected: bool) -> Self {
        let last = series.iter().rev().find_map(|s| reading(s, measure));
        let limit = limit_of(measure, manifest);
        let (verdict, breached) = match (limit, last) {
            (Some(l), Some(v)) => (l.verdict(v), l.breached(v)),
            _ => (String::new(), false),
        };
        Self {
            name: measure.name().to_string(),
            value: last.map_or("-".to_string(), short_number),
            verdict,
            breached,
            selected,
        }
    }

    /// "› name      2.6113 ▲ over 2.5": the name is shortened, never a number.
    fn line(&self, layout: &EntryLayout, theme: &Theme) -> Line<'static> {
        let cursor = if self.selected { "› " } else { "  " };
        let style = match (self.selected, self.breached) {
            (_, true) => theme.bad,
            (true, false) => theme.accent,
            (false, false) => theme.text,
        };
        let name = truncate(&self.name, layout.name);
        let name_width = layout.name;
        Line::from(vec![
            Span::styled(cursor, theme.accent),
            Span::styled(format!("{name:<name_width$} {:>9} ", self.value), style),
            Span::styled(
                format!("{:<w$}", self.verdict, w = layout.verdict),
                if self.breached { theme.bad } else { theme.dim },
            ),
        ])
    }
}

impl EntryLayout {
    /// Names as long as the longest, or what `width` leaves them.
    fn fit(rows: &[EntryRow], width: usize) -> Self {
        let verdict = rows
            .iter()
            .map(|r| r.verdict.chars().count())
            .max()
            .unwrap_or(0);
        let longest = rows
            .iter()
            .map(|r| r.name.chars().count())
            .max()
            .unwrap_or(4);
        let room = width.saturating_sub(2 + 1 + 9 + 1 + verdict + 1);
        Self {
            name: longest.min(room).max(4),
            verdict,
        }
    }
}

/// The charted measure over time with its limit as a line; readings past
/// the limit drawn again as dots (a shape, so it reads without colour).
fn render_chart(
    series: &[Snapshot],
    measure: &Measure,
    manifest: &Value,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    if area.height < 3 || area.width < 20 {
        return;
    }
    let points = points(series, measure);
    let limit = limit_of(measure, manifest);
    let inner_width = area.width.saturating_sub(2) as usize;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Line::styled(
            chart_title(measure, &points, limit, inner_width),
            theme.title,
        ))
        .title_bottom(Line::styled(
            legend(measure, limit, &points, inner_width),
            theme.dim,
        ));
    let Some(&(first_x, _)) = points.first() else {
        let text = format!("no {} readings in this window", measure.name());
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.dim)).block(block),
            area,
        );
        return;
    };
    let last_x = points.last().map_or(first_x, |p| p.0);
    // One snapshot: half a day either side, so the point has room.
    let (x0, x1) = match last_x > first_x {
        true => (first_x, last_x),
        false => (first_x - 43_200.0, first_x + 43_200.0),
    };
    let (y0, y1) = y_bounds(&points, limit);
    let limit_line: Vec<(f64, f64)> =
        limit.map_or(Vec::new(), |l| vec![(x0, l.value), (x1, l.value)]);
    let breaches: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(_, v)| limit.is_some_and(|l| l.breached(*v)))
        .collect();
    let mut datasets = vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.warn)
            .data(&limit_line),
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.accent)
            .data(&points),
    ];
    if !breaches.is_empty() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(theme.bad)
                .data(&breaches),
        );
    }
    let chart = axes_chart(
        datasets,
        block,
        [x0, x1],
        time_label(x0, x1),
        [y0, y1],
        theme,
    );
    frame.render_widget(chart, area);
}

/// The value range with the limit in it and a little air above and below.
fn y_bounds(points: &[(f64, f64)], limit: Option<Limit>) -> (f64, f64) {
    let values = points.iter().map(|p| p.1).chain(limit.map(|l| l.value));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let air = match hi > lo {
        true => (hi - lo) * 0.08,
        false => lo.abs().max(1.0) * 0.05,
    };
    // Scores and errors that cannot go below zero do not get a negative axis.
    let floor = if lo >= 0.0 { 0.0 } else { f64::NEG_INFINITY };
    ((lo - air).max(floor), hi + air)
}

/// A date on the time axis from `x0` to `x1` (a time of day when it spans
/// under two days).
fn time_label(x0: f64, x1: f64) -> impl Fn(f64) -> String {
    let format = if x1 - x0 < 2.0 * 86_400.0 {
        "%d %H:%M"
    } else {
        "%b %d"
    };
    move |x| {
        DateTime::<Utc>::from_timestamp(x as i64, 0)
            .map_or(String::new(), |t| t.format(format).to_string())
    }
}

/// " mape · last 0.4253 ▲ over 0.35 · min 0.12 · max 0.45 ", losing the
/// range, then shortening the name, to fit (never a number).
fn chart_title(
    measure: &Measure,
    points: &[(f64, f64)],
    limit: Option<Limit>,
    width: usize,
) -> String {
    let name = match measure {
        Measure::Metric(n) => n.clone(),
        Measure::Drift(n) => format!("drift of {n}"),
    };
    let Some(&(_, last)) = points.last() else {
        return format!(" {} ", truncate(&name, width.saturating_sub(2)));
    };
    let (min, max) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    let verdict = limit.map_or(String::new(), |l| format!(" {}", l.verdict(last)));
    let reading = format!("last {}{verdict}", short_number(last));
    let range = format!(" · min {} · max {}", short_number(min), short_number(max));
    for tail in [format!("{reading}{range}"), reading.clone()] {
        let full = format!(" {name} · {tail} ");
        if full.chars().count() <= width {
            return full;
        }
    }
    let room = width.saturating_sub(reading.chars().count() + 5).max(3);
    format!(" {} · {reading} ", truncate(&name, room))
}

/// The legend under the chart: the line, the limit, the breach dots.
fn legend(measure: &Measure, limit: Option<Limit>, points: &[(f64, f64)], width: usize) -> String {
    let mut parts = vec![format!("⣀ {}", measure.name())];
    if let Some(l) = limit {
        parts.push(format!("⣀ limit {}", short_number(l.value)));
        if points.iter().any(|p| l.breached(p.1)) {
            parts.push("• past the limit".into());
        }
    }
    let text = format!(" {} ", parts.join("  "));
    match text.chars().count() <= width {
        true => text,
        false => String::new(),
    }
}

/// Drift by column (rows) over time (cells): each cell's shade is the
/// column's score against the threshold: `·` under half, `░` under, `▒` near,
/// `▓` over, `█` far over. Shapes carry the meaning; colour only repeats it.
fn render_heatmap(
    series: &[Snapshot],
    columns: &[&str],
    manifest: &Value,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    if columns.is_empty() || area.height < 2 {
        return;
    }
    let threshold = drift_threshold(manifest);
    let label_width = columns.iter().map(|c| c.len()).max().unwrap_or(8).min(22) + 1;
    let cells = (area.width as usize).saturating_sub(label_width).max(1);
    // The newest `cells` snapshots, one per cell.
    let shown = &series[series.len().saturating_sub(cells)..];
    let mut lines = vec![Line::styled(
        format!(
            "drift by column over time (score / limit {}): · <0.5  ░ <1  ▒ ≈1  ▓ >1  █ >2",
            short_number(threshold)
        ),
        theme.dim,
    )];
    for column in columns {
        let measure = Measure::Drift(column.to_string());
        let mut spans = vec![Span::styled(
            format!("{:<label_width$}", truncate(column, label_width - 1)),
            theme.text,
        )];
        for snap in shown {
            let (glyph, style) = match reading(snap, &measure).map(|s| s / threshold) {
                None => (" ", theme.dim),
                Some(r) if r < 0.5 => ("·", theme.good),
                Some(r) if r < 0.9 => ("░", theme.good),
                Some(r) if r <= 1.1 => ("▒", theme.warn),
                Some(r) if r <= 2.0 => ("▓", theme.bad),
                Some(_) => ("█", theme.bad),
            };
            spans.push(Span::styled(glyph, style));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// "3.2 h since the newest data (limit 36 h): fresh", or STALE, from the
/// newest snapshot that measured freshness.
fn freshness_text(series: &[Snapshot]) -> String {
    let Some(fresh) = series
        .iter()
        .rev()
        .map(|s| &s.data_freshness_json)
        .find(|f| f.get("staleness_hours").is_some())
    else {
        return "-".into();
    };
    let hours = fresh.get("staleness_hours").and_then(Value::as_f64);
    let limit = fresh.get("max_staleness_hours").and_then(Value::as_f64);
    let stale = fresh.get("stale").and_then(Value::as_bool);
    match (hours, limit) {
        (Some(h), Some(l)) => format!(
            "{h:.1} h since the newest data (limit {l} h): {}",
            if stale == Some(true) || h > l {
                "STALE"
            } else {
                "fresh"
            }
        ),
        (Some(h), None) => format!("{h:.1} h since the newest data"),
        _ => "-".into(),
    }
}
