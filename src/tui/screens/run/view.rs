//! The run screen: summary, metrics, artifacts, and a log viewer.

use super::RunScreen;
use crate::text::sanitize;
use crate::tui::theme::Theme;
use crate::tui::widgets::{short_number, status_span};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Dataset, GraphType, Paragraph};

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
    let chart = s.view.as_ref().and_then(|v| v.chart.as_ref());
    // The chart takes a third of what is left, at least 6 rows, when there
    // is a history to draw and room for the log under it.
    let rest = area.height.saturating_sub(3 + 5);
    let chart_rows = match chart {
        Some(_) if rest >= 12 => (rest / 3).clamp(6, 16),
        _ => 0,
    };
    let mlflow = s.view.as_ref().and_then(|v| mlflow_summary(&v.detail));
    let [summary, figures, chart_area, log] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(if mlflow.is_some() { 6 } else { 5 }),
        Constraint::Length(chart_rows),
        Constraint::Min(3),
    ])
    .areas(area);
    let duration = crate::text::duration(run.duration_seconds(now));
    let mut first = vec![Span::styled(format!("run {} ", run.id), theme.title)];
    if !run.name.is_empty() {
        first.push(Span::styled(
            format!("{} ", sanitize(&run.name)),
            theme.title,
        ));
    }
    first.extend([
        Span::styled(format!("{} ", run.run_type), theme.accent),
        status_span(run.status.as_str(), theme),
        Span::styled(format!("  duration {duration}"), theme.text),
    ]);
    if !run.status_reason.is_empty() {
        first.push(Span::styled(
            format!("  {}", sanitize(&run.status_reason)),
            theme.dim,
        ));
    }
    let lines = vec![
        Line::from(first),
        Line::from(vec![
            // Which version's commands run (or ran): `run exec` runs only
            // an approved one or the executing user's own. A run of an
            // experiment with no recipe has none.
            match &run.recipe_name {
                Some(_) => Span::styled("recipe ", theme.dim),
                None => Span::styled("experiment ", theme.dim),
            },
            Span::raw(sanitize(&match (&run.recipe_name, &run.recipe_version) {
                (Some(recipe), Some(version)) => format!("{recipe} · commands of {version}"),
                _ => format!("{} (no recipe)", run.experiment_name),
            })),
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
    render_figures(s, run, mlflow, theme, frame, figures);
    if let Some((key, series)) = chart {
        render_chart(key, series, s, theme, frame, chart_area);
    }

    if let Some((path, lines)) = s.previewed_artifact() {
        render_preview(s, path, lines, theme, frame, log);
        return;
    }
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

/// Final metrics, params, tags and artifact files, one labelled line each.
fn render_figures(
    s: &RunScreen,
    run: &crate::store::Run,
    mlflow: Option<String>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let metrics = |run: &crate::store::Run| -> String {
        match run.metrics_in_order() {
            o if !o.is_empty() => o
                .iter()
                .map(|(k, v)| match v.as_f64() {
                    Some(x) => format!("{k}={}", short_number(x)),
                    None => format!(
                        "{k}={}",
                        v.as_str().map(String::from).unwrap_or(v.to_string())
                    ),
                })
                .collect::<Vec<_>>()
                .join("  "),
            _ => "none".into(),
        }
    };
    let joined = |m: &std::collections::BTreeMap<String, String>| -> String {
        if m.is_empty() {
            return "none".into();
        }
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let view = s.view.as_ref().map(|v| &v.detail);
    let params = view.map_or("…".into(), |d| joined(&d.params));
    let tags = view.map_or("…".into(), |d| {
        let shown: std::collections::BTreeMap<String, String> = d
            .tags
            .iter()
            .filter(|(k, _)| !k.starts_with("mlflow."))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        joined(&shown)
    });
    let mut artifacts: Vec<String> = view
        .map(|d| {
            d.artifact_files
                .iter()
                .map(|a| format!("{} ({})", a.path, crate::text::bytes(a.size)))
                .collect()
        })
        .unwrap_or_default();
    if let Some(o) = run.artifacts_json.as_object() {
        artifacts.extend(
            o.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())),
        );
    }
    let artifacts = if artifacts.is_empty() {
        "none".to_string()
    } else {
        artifacts.join("  ")
    };
    let row = |label: &'static str, text: String| {
        Line::from(vec![
            Span::styled(label, theme.title),
            Span::raw(sanitize(&text)),
        ])
    };
    let mut figs = vec![
        row("metrics   ", metrics(run)),
        row("params    ", params),
        row("tags      ", tags),
        row("artifacts ", artifacts),
    ];
    if let Some(text) = mlflow {
        figs.push(row("mlflow    ", text));
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border);
    frame.render_widget(Paragraph::new(figs).block(block), area);
}

/// What only MLflow's client records of a run, in brief: its datasets,
/// values that are not numbers, its deletion, the models it logged and the
/// registry's versions of them; None when it has none of these.
fn mlflow_summary(d: &crate::store::tracking::RunDetail) -> Option<String> {
    let mut parts = Vec::new();
    if !d.inputs.is_empty() {
        let sets: Vec<String> = d
            .inputs
            .iter()
            .map(|i| {
                let context = serde_json::from_str::<serde_json::Value>(&i.tags_json)
                    .ok()
                    .and_then(|t| {
                        t.as_array()?.iter().find_map(|tag| {
                            (tag["key"] == "mlflow.data.context")
                                .then(|| tag["value"].as_str().map(str::to_string))
                                .flatten()
                        })
                    });
                match context {
                    Some(c) => format!("{} ({c})", i.name),
                    None => i.name.clone(),
                }
            })
            .collect();
        parts.push(format!("datasets {}", sets.join(", ")));
    }
    if !d.nonfinite_points.is_empty() {
        let mut keys: Vec<&str> = d.nonfinite_points.iter().map(|p| p.key.as_str()).collect();
        keys.dedup();
        parts.push(format!(
            "{} not a number ({})",
            d.nonfinite_points.len(),
            keys.join(", ")
        ));
    }
    let live: Vec<String> = d
        .logged_models
        .iter()
        .map(|m| match m.deleted_at {
            Some(_) => format!("{} {} deleted", m.name, short_model_id(&m.id)),
            None => format!("{} {} {}", m.name, short_model_id(&m.id), m.status),
        })
        .collect();
    if !live.is_empty() {
        parts.push(format!("models {}", live.join(", ")));
    }
    if !d.registered_versions.is_empty() {
        let versions: Vec<String> = d
            .registered_versions
            .iter()
            .map(|v| format!("{} v{}", v.name, v.version))
            .collect();
        parts.push(format!("registered {}", versions.join(", ")));
    }
    if let Some(del) = &d.deleted_through_mlflow {
        parts.push(format!(
            "deleted through MLflow by {} {}",
            del.deleted_by,
            del.deleted_at.format("%Y-%m-%d %H:%M")
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// "m-e411aa86…": enough of a logged model's id to tell it apart.
fn short_model_id(id: &str) -> String {
    match id.char_indices().nth(10) {
        Some((at, _)) => format!("{}…", &id[..at]),
        None => id.to_string(),
    }
}

/// The charted metric's history: step on x, its value on y, thinned by the
/// database to the lowest and highest value per bucket of steps.
fn render_chart(
    key: &str,
    series: &crate::store::tracking::MetricSeries,
    s: &RunScreen,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    if area.height < 4 || area.width < 20 {
        return;
    }
    let points: Vec<(f64, f64)> = series
        .points
        .iter()
        .map(|p| (p.step as f64, p.value))
        .collect();
    let summaries = s.view.as_ref().map(|v| &v.detail.metric_summaries);
    let count = summaries.map_or(0, |m| m.len());
    let place = summaries
        .and_then(|m| m.iter().position(|m| m.key == key))
        .map_or(1, |i| i + 1);
    let last = series
        .points
        .last()
        .map(|p| short_number(p.value))
        .unwrap_or("-".into());
    let thinned = if series.total > points.len() as i64 {
        format!(
            " · {} points shown of {}",
            points.len(),
            crate::text::thousands(series.total)
        )
    } else {
        format!(" · {} points", series.total)
    };
    // Which of the run's metrics this is, and the keys to the others.
    let title =
        format!(" {key} · last {last}{thinned} · {place} of {count} metrics · [ ] another ");
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Line::styled(title, theme.accent));
    let line = Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(theme.accent)
        .data(&points);
    crate::tui::widgets::step_chart::render(vec![line], &[&points], block, theme, frame, area);
}

/// An artifact's first lines in place of the log.
fn render_preview(
    s: &RunScreen,
    path: &str,
    lines: Option<&[String]>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let n = s.view.as_ref().map_or(0, |v| v.previews.len());
    let at = s.artifact.map_or(0, |i| i + 1);
    let title = format!(" artifact {at} of {n} · {} · v next ", sanitize(path));
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Line::styled(title, theme.accent));
    let height = area.height.saturating_sub(1) as usize;
    let body: Vec<Line> = match lines {
        Some(lines) => {
            let start = s.scroll.min(lines.len().saturating_sub(height.max(1)));
            lines
                .iter()
                .skip(start)
                .take(height)
                .map(|l| Line::styled(sanitize(l), theme.text))
                .collect()
        }
        None => vec![Line::styled(
            "no preview: not text, JSON or CSV, or not on this machine (nexml run show lists where it is)",
            theme.dim,
        )],
    };
    frame.render_widget(Paragraph::new(body).block(block), area);
}
