//! The recipe and model detail screens.

use super::status_span;
use crate::store::Snapshot;
use crate::text::opt;
use crate::text::sanitize;
use crate::tui::state::{ModelScreen, ModelSection, RecipeScreen, RecipeSection};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Sparkline, Table, Wrap};
use serde_json::Value;
use tui_tree_widget::{Tree, TreeItem};

fn section_tabs<'a>(titles: impl Iterator<Item = (&'a str, bool)>, theme: &Theme) -> Line<'static> {
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

fn field(label: &str, value: String, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<16}"), theme.dim),
        Span::styled(sanitize(&value), theme.text),
    ])
}

/// Field lines (a 16-column label, then a value) wrapped at `width` with
/// their continuation rows under the value, not back at column 0.
fn wrap_fields(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    const LABEL: usize = 16;
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let is_field = line.spans.len() == 2 && crate::text::width(&line.spans[0].content) == LABEL;
        if !is_field || line.width() <= width || width <= LABEL + 8 {
            out.push(line);
            continue;
        }
        let (label, value) = (line.spans[0].clone(), line.spans[1].clone());
        let rows = super::wrap_words(&value.content, width - LABEL);
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

fn loading(frame: &mut Frame, area: Rect, theme: &Theme) {
    frame.render_widget(Paragraph::new(Span::styled("loading…", theme.dim)), area);
}

pub fn render_recipe(s: &mut RecipeScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let titles = crate::tui::state::RecipeSection::ALL
        .iter()
        .map(|x| (x.title(), *x == s.section));
    frame.render_widget(Paragraph::new(section_tabs(titles, theme)), tabs);
    let Some(d) = &s.detail else {
        return loading(frame, body, theme);
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border);
    let inner = block.inner(body);
    frame.render_widget(block, body);
    match s.section {
        RecipeSection::Overview => {
            let r = &d.recipe;
            let status = if r.changes_pending() {
                format!(
                    "{} (changes pending: {} is a draft)",
                    r.status,
                    opt(&r.latest_version)
                )
            } else {
                r.status.to_string()
            };
            let approval = d
                .versions
                .iter()
                .find(|v| v.is_approved())
                .map(|v| {
                    format!(
                        "{} approved by {} at {}",
                        v.version_number,
                        v.approved_by.clone().unwrap_or_default(),
                        v.approved_at
                            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_default()
                    )
                })
                .unwrap_or("no approved version".into());
            let mut chain: Vec<String> = d
                .ancestors
                .iter()
                .map(|a| format!("{} ({})", a.name, a.level))
                .collect();
            chain.push(format!("[{}] ({})", r.name, r.level));
            let children = if d.children.is_empty() {
                "none".to_string()
            } else {
                d.children
                    .iter()
                    .map(|c| format!("{} ({})", c.name, c.level))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let latest = d.versions.first();
            let mut lines = vec![
                field("id", r.id.to_string(), theme),
                field("name", r.name.clone(), theme),
                field("family", r.model_family.to_string(), theme),
                field("level", r.level.to_string(), theme),
                Line::from(vec![
                    Span::styled(format!("{:<16}", "status"), theme.dim),
                    status_span(&status, theme),
                ]),
                field("approval", approval, theme),
                field(
                    "tags",
                    if r.tags.is_empty() {
                        "-".into()
                    } else {
                        r.tags.join(", ")
                    },
                    theme,
                ),
                field("lineage", chain.join(" → "), theme),
                field(
                    "levels set",
                    if d.level_keys.is_empty() {
                        "a baseline sets every key".into()
                    } else {
                        d.level_keys
                            .iter()
                            .map(|(n, k)| {
                                format!(
                                    "{n}: {}",
                                    if k.is_empty() {
                                        "nothing of its own".into()
                                    } else {
                                        k.join(", ")
                                    }
                                )
                            })
                            .collect::<Vec<_>>()
                            .join(" · ")
                    },
                    theme,
                ),
                field(
                    "parent update",
                    d.parent_update
                        .as_ref()
                        .map(|u| {
                            format!(
                                "{} {} available (pinned to {}): B rebases",
                                u.parent, u.available, u.pinned
                            )
                        })
                        .unwrap_or("-".into()),
                    theme,
                ),
                field("children", children, theme),
                field(
                    "latest version",
                    latest
                        .map(|v| {
                            format!(
                                "{} by {} at {} — {}",
                                v.version_number,
                                v.created_by,
                                v.created_at.format("%Y-%m-%d %H:%M"),
                                v.change_note
                            )
                        })
                        .unwrap_or("-".into()),
                    theme,
                ),
                field(
                    "pinned parent",
                    latest
                        .and_then(|v| v.parent_version_number.clone())
                        .map(|p| format!("{} {p}", r.parent_name.clone().unwrap_or_default()))
                        .unwrap_or("-".into()),
                    theme,
                ),
                field(
                    "created",
                    format!(
                        "{} by {}",
                        r.created_at.format("%Y-%m-%d %H:%M"),
                        r.created_by
                    ),
                    theme,
                ),
            ];
            if let Some(desc) = latest
                .and_then(|v| v.manifest_json.pointer("/metadata/description"))
                .and_then(Value::as_str)
            {
                lines.push(Line::raw(""));
                lines.push(Line::styled(sanitize(desc), theme.text));
            }
            let lines = wrap_fields(lines, inner.width as usize);
            let p = Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((s.scroll.min(u16::MAX as usize) as u16, 0));
            frame.render_widget(p, inner);
        }
        RecipeSection::Manifest => {
            let Some(v) = d.versions.first() else { return };
            let title = format!(
                " manifest {} · {} ",
                v.version_number,
                if s.manifest_as_tree { "tree" } else { "json" }
            );
            let [head, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
            frame.render_widget(Paragraph::new(Span::styled(title, theme.accent)), head);
            if s.manifest_as_tree {
                let items = json_tree(&v.manifest_json, "");
                if let Ok(tree) = Tree::new(&items) {
                    let tree = tree
                        .highlight_style(theme.selected)
                        .node_closed_symbol("▸ ")
                        .node_open_symbol("▾ ")
                        .node_no_children_symbol("  ");
                    frame.render_stateful_widget(tree, rest, &mut s.tree);
                }
            } else {
                let text = crate::domain::diff::pretty(&v.manifest_json);
                let lines: Vec<Line> = text
                    .lines()
                    .enumerate()
                    .skip(s.scroll)
                    .take(rest.height as usize)
                    .map(|(i, l)| {
                        Line::from(vec![
                            Span::styled(format!("{:>4} ", i + 1), theme.dim),
                            Span::styled(sanitize(l), theme.text),
                        ])
                    })
                    .collect();
                frame.render_widget(Paragraph::new(lines), rest);
            }
        }
        RecipeSection::Versions => {
            let rows = d.versions.iter().enumerate().map(|(i, v)| {
                let approved = v
                    .approved_by
                    .clone()
                    .map(|b| format!("yes ({b})"))
                    .unwrap_or("no".into());
                // The version marked with space, to diff against.
                let marked = s.marked.as_deref() == Some(v.version_number.as_str());
                let number = if marked {
                    Cell::from(Span::styled(format!("*{}", v.version_number), theme.accent))
                } else {
                    Cell::from(format!(" {}", v.version_number))
                };
                let row = Row::new(vec![
                    number,
                    Cell::from(v.bump.to_string()),
                    Cell::from(sanitize(&v.created_by)),
                    Cell::from(v.created_at.format("%Y-%m-%d %H:%M").to_string()),
                    Cell::from(Span::styled(
                        approved.clone(),
                        if v.is_approved() {
                            theme.good
                        } else {
                            theme.dim
                        },
                    )),
                    Cell::from(sanitize(&v.change_note)),
                ]);
                if i == s.version_selected {
                    row.style(theme.selected)
                } else {
                    row
                }
            });
            let header = Row::new(
                [" Version", "Bump", "By", "When", "Approved", "Note"]
                    .map(|h| Cell::from(Span::styled(h, theme.title))),
            );
            let table = Table::new(
                rows,
                [
                    Constraint::Length(9),
                    Constraint::Length(8),
                    Constraint::Length(12),
                    Constraint::Length(16),
                    Constraint::Length(16),
                    Constraint::Fill(1),
                ],
            )
            .header(header);
            frame.render_widget(table, inner);
        }
        RecipeSection::Example => render_example(d.example.as_ref(), theme, frame, inner, s.scroll),
    }
}

/// A manifest as a tree: objects and arrays are nodes, scalars are leaves.
fn json_tree(value: &Value, _path: &str) -> Vec<TreeItem<'static, String>> {
    fn node(key: String, value: &Value) -> TreeItem<'static, String> {
        match value {
            Value::Object(map) => {
                let children: Vec<_> = map.iter().map(|(k, v)| node(k.clone(), v)).collect();
                let label = format!("{} {{{}}}", sanitize(&key), map.len());
                TreeItem::new(key, label, children)
                    .unwrap_or_else(|_| TreeItem::new_leaf(String::new(), "?"))
            }
            Value::Array(items) => {
                let children: Vec<_> = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| node(i.to_string(), v))
                    .collect();
                let label = format!("{} [{}]", sanitize(&key), items.len());
                TreeItem::new(key, label, children)
                    .unwrap_or_else(|_| TreeItem::new_leaf(String::new(), "?"))
            }
            scalar => {
                let label = format!("{}: {}", sanitize(&key), sanitize(&scalar.to_string()));
                TreeItem::new_leaf(key, label)
            }
        }
    }
    match value {
        Value::Object(map) => map.iter().map(|(k, v)| node(k.clone(), v)).collect(),
        other => vec![node("manifest".into(), other)],
    }
}

fn render_example(
    example: Option<&crate::store::SyntheticExample>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    scroll: usize,
) {
    let Some(ex) = example else {
        frame.render_widget(
            Paragraph::new(Span::styled(
                "this recipe has no synthetic example",
                theme.dim,
            )),
            area,
        );
        return;
    };
    let columns: Vec<&Value> = ex.dataset_schema_json["columns"]
        .as_array()
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    let mut lines = vec![Line::styled("Dataset schema", theme.title)];
    for c in &columns {
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {:<24} ", sanitize(c["name"].as_str().unwrap_or("?"))),
                theme.accent,
            ),
            Span::styled(
                format!("{:<10}", c["type"].as_str().unwrap_or("?")),
                theme.dim,
            ),
            Span::raw(sanitize(c["description"].as_str().unwrap_or(""))),
        ]));
    }
    lines.push(Line::raw(""));
    let rows = ex.sample_rows_json.as_array().cloned().unwrap_or_default();
    lines.push(Line::styled(
        format!("Sample rows ({})", rows.len()),
        theme.title,
    ));
    let names: Vec<&str> = columns.iter().filter_map(|c| c["name"].as_str()).collect();
    lines.push(Line::styled(
        format!(
            "  {}",
            names
                .iter()
                .map(|n| format!("{:<14}", crate::text::truncate(n, 13)))
                .collect::<String>()
        ),
        theme.dim,
    ));
    for r in &rows {
        let cells: String = names
            .iter()
            .map(|n| {
                let v = match &r[*n] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                format!("{:<14}", crate::text::truncate(&sanitize(&v), 13))
            })
            .collect();
        lines.push(Line::raw(format!("  {cells}")));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Example run", theme.title));
    let run = &ex.example_run_json;
    lines.push(field(
        "  type / status",
        format!(
            "{} / {}",
            run["run_type"].as_str().unwrap_or("?"),
            run["status"].as_str().unwrap_or("?")
        ),
        theme,
    ));
    if let Some(metrics) = run["metrics"].as_object() {
        let m: Vec<String> = metrics.iter().map(|(k, v)| format!("{k}={v}")).collect();
        lines.push(field("  metrics", m.join("  "), theme));
    }
    if let Some(logs) = run["logs"].as_str() {
        for l in logs.lines() {
            lines.push(Line::styled(format!("  {}", sanitize(l)), theme.dim));
        }
    }
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        area,
    );
}

pub fn render_model(s: &mut ModelScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let titles = ModelSection::ALL
        .iter()
        .map(|x| (x.title(), *x == s.section));
    frame.render_widget(Paragraph::new(section_tabs(titles, theme)), tabs);
    let Some(d) = &s.detail else {
        return loading(frame, body, theme);
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border);
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let m = &d.model;
    match s.section {
        ModelSection::Overview => {
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
                Paragraph::new(lines).scroll((s.scroll.min(u16::MAX as usize) as u16, 0)),
                inner,
            );
        }
        ModelSection::Deployments => {
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
                let detail = |k: &str| e.details.get(k).and_then(Value::as_str);
                let what = match (detail("from"), detail("to"), detail("version")) {
                    (Some(f), Some(t), _) => format!("{f} → {t}"),
                    (_, _, Some(v)) if e.action == "register" => {
                        format!("from {} {v}", m.recipe_name)
                    }
                    _ => String::new(),
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("  {}  ", e.at.format("%Y-%m-%d %H:%M")), theme.dim),
                    Span::styled(format!("{:<10}", e.action), theme.accent),
                    Span::raw(sanitize(&what)),
                    Span::styled(format!("  by {}", sanitize(&e.actor)), theme.dim),
                ]));
            }
            frame.render_widget(
                Paragraph::new(lines).scroll((s.scroll.min(u16::MAX as usize) as u16, 0)),
                inner,
            );
        }
        ModelSection::Monitoring => render_monitoring(s, &d.manifest, theme, frame, inner),
        ModelSection::Alerts if !d.alerts.is_empty() => {
            // Alerts from the rules, by state then severity; the selected one is marked.
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
                    if i == s.scroll {
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
            let [list, keys] =
                Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
            frame.render_widget(table, list);
            frame.render_widget(
                Paragraph::new(Span::styled(
                    "a acknowledge · x resolve · j/k select",
                    theme.dim,
                )),
                keys,
            );
        }
        ModelSection::Alerts => {
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
                .skip(s.scroll.min(total.saturating_sub(1)))
                .collect();
            let header = Row::new(
                ["Severity", "When", "Rule", "Message"]
                    .map(|h| Cell::from(Span::styled(h, theme.title))),
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
    }
}

/// The window's figures: a sparkline per performance metric (last, min, max
/// and the manifest's threshold), a drift heatmap (columns by time, shaded by
/// score against the threshold, readable without colour) and freshness.
fn render_monitoring(
    screen: &ModelScreen,
    manifest: &Value,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let series = &screen.series;
    let window = match screen.window {
        Some(d) => format!("last {d} days"),
        None => "all history".into(),
    };
    let Some(latest) = series.last() else {
        let text = format!("no snapshots in the {window} (w changes the window)");
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim)), area);
        return;
    };
    let metrics: Vec<String> = latest
        .performance_metrics_json
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let drift_columns: Vec<String> = latest
        .drift_metrics_json
        .get("columns")
        .unwrap_or(&latest.drift_metrics_json)
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(_, v)| v.is_object())
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    let mut constraints = vec![Constraint::Length(2)];
    constraints.extend(metrics.iter().map(|_| Constraint::Length(2)));
    constraints.push(Constraint::Length(drift_columns.len() as u16 + 2));
    constraints.push(Constraint::Min(0));
    let areas = Layout::vertical(constraints).split(area);
    let head = vec![
        Line::from(vec![Span::styled(
            format!(
                "{window} · {} snapshots shown · w: 7d/30d/90d/all",
                series.len()
            ),
            theme.accent,
        )]),
        field(
            "freshness",
            freshness_text(&latest.data_freshness_json),
            theme,
        ),
    ];
    frame.render_widget(Paragraph::new(head), areas[0]);
    // (name, threshold, whether higher is better), from the evaluation section.
    let thresholds: Vec<(String, f64, bool)> = manifest
        .pointer("/evaluation/metrics")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| {
                    let higher = m["direction"].as_str() == Some("higher_is_better");
                    Some((
                        m["name"].as_str()?.to_string(),
                        m["threshold"].as_f64()?,
                        higher,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let labels: Vec<(String, bool, Vec<f64>)> = metrics
        .iter()
        .map(|name| {
            let values: Vec<f64> = series
                .iter()
                .filter_map(|s| s.performance_metrics_json.get(name).and_then(Value::as_f64))
                .collect();
            let (min, max) = values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                    (lo.min(*x), hi.max(*x))
                });
            let last = values.last().copied().unwrap_or(f64::NAN);
            let rule = thresholds.iter().find(|(n, _, _)| n == name);
            // Past its limit the way that is worse: marked in words too.
            let breach = rule.and_then(|(_, t, higher)| match *higher {
                true => (last < *t).then_some("▼ under"),
                false => (last > *t).then_some("▲ over"),
            });
            let limit = rule
                .map(|(_, t, _)| {
                    let t = super::library::short_number(*t);
                    match breach {
                        Some(how) => format!(" {how} limit {t}"),
                        None => format!(" limit {t}"),
                    }
                })
                .unwrap_or_default();
            let text = format!(
                "{name:<9} last {} min {} max {}{limit}",
                super::library::short_number(last),
                super::library::short_number(min),
                super::library::short_number(max)
            );
            (text, breach.is_some(), values)
        })
        .collect();
    // Each metric: its figures on one line, its sparkline under them.
    for (i, (text, breached, values)) in labels.iter().enumerate() {
        let [label, spark] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(areas[i + 1]);
        let style = if *breached { theme.bad } else { theme.text };
        frame.render_widget(Paragraph::new(Span::styled(text.clone(), style)), label);
        let (min, max) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                (lo.min(*x), hi.max(*x))
            });
        let span = (max - min).max(f64::EPSILON);
        let data: Vec<u64> = values
            .iter()
            .map(|x| (((x - min) / span) * 100.0) as u64 + 1)
            .collect();
        let width = spark.width as usize;
        let data = if data.len() > width {
            data[data.len() - width..].to_vec()
        } else {
            data
        };
        frame.render_widget(Sparkline::default().data(&data).style(theme.accent), spark);
    }
    render_heatmap(
        series,
        &drift_columns,
        manifest,
        theme,
        frame,
        areas[metrics.len() + 1],
    );
}

/// Drift by column (rows) over time (columns): each cell's shade is the
/// column's score against the threshold: `·` under half, `░` under, `▒` near,
/// `▓` over, `█` far over. Shapes carry the meaning; colour only repeats it.
fn render_heatmap(
    series: &[Snapshot],
    columns: &[String],
    manifest: &Value,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    if columns.is_empty() || area.height < 2 {
        return;
    }
    let threshold = manifest
        .pointer("/monitoring/drift/threshold")
        .and_then(Value::as_f64)
        .unwrap_or(0.1)
        .max(1e-9);
    let label_width = columns.iter().map(|c| c.len()).max().unwrap_or(8).min(22) + 1;
    // Left: the heatmap; right: each column's score as a sparkline.
    let cells = ((area.width as usize).saturating_sub(label_width) * 3 / 5).max(1);
    let spark_x = area.x + (label_width + cells + 2).min(area.width as usize) as u16;
    let spark_width = (area.x + area.width).saturating_sub(spark_x);
    // The newest `cells` snapshots, one per cell.
    let shown = &series[series.len().saturating_sub(cells)..];
    let mut lines = vec![Line::styled(
        format!(
            "drift by column (score / threshold {threshold}): · <0.5  ░ <1  ▒ ≈1  ▓ >1  █ >2, then its sparkline"
        ),
        theme.dim,
    )];
    for column in columns {
        let mut spans = vec![Span::styled(
            format!(
                "{:<label_width$}",
                crate::text::truncate(column, label_width - 1)
            ),
            theme.text,
        )];
        for snap in shown {
            let drift = snap
                .drift_metrics_json
                .get("columns")
                .unwrap_or(&snap.drift_metrics_json);
            let score = drift
                .get(column)
                .and_then(|v| v.get("psi").or(v.get("score")))
                .and_then(Value::as_f64);
            let (glyph, style) = match score.map(|s| s / threshold) {
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
        let row = area.y + lines.len() as u16 - 1;
        if spark_width > 2 && row < area.y + area.height {
            let scores: Vec<u64> = series
                .iter()
                .map(|snap| {
                    let drift = snap
                        .drift_metrics_json
                        .get("columns")
                        .unwrap_or(&snap.drift_metrics_json);
                    let score = drift
                        .get(column)
                        .and_then(|v| v.get("psi").or(v.get("score")))
                        .and_then(Value::as_f64)
                        .unwrap_or(0.0);
                    (score / threshold * 100.0) as u64
                })
                .collect();
            let tail = &scores[scores.len().saturating_sub(spark_width as usize)..];
            let rect = Rect {
                x: spark_x,
                y: row,
                width: spark_width,
                height: 1,
            };
            frame.render_widget(Sparkline::default().data(tail).style(theme.accent), rect);
        }
    }
    frame.render_widget(
        Paragraph::new(lines),
        Rect {
            width: (spark_x - area.x).min(area.width),
            ..area
        },
    );
}

/// "3.2 h since the newest data (limit 36 h): fresh", or STALE.
fn freshness_text(fresh: &Value) -> String {
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
