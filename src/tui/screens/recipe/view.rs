//! The recipe screen's drawing: its sections, manifest tree and examples.

use super::{RecipeScreen, RecipeSection};
use crate::service::recipes::RecipeDetail;
use crate::text::opt;
use crate::text::sanitize;
use crate::tui::theme::Theme;
use crate::tui::widgets::{field, section_titles, sections, status_span, wrap_fields};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use serde_json::Value;
use tui_tree_widget::{Tree, TreeItem};

pub fn render(s: &mut RecipeScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let titles = section_titles(&RecipeSection::ALL, s.section, RecipeSection::title);
    let Some((inner, d)) = sections(titles, s.detail.as_ref(), theme, frame, area) else {
        return;
    };
    match s.section {
        RecipeSection::Overview => recipe_overview(d, s.scroll, theme, frame, inner),
        RecipeSection::Manifest => recipe_manifest(s, theme, frame, inner),
        RecipeSection::Versions => recipe_versions(s, d, theme, frame, inner),
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

/// The recipe's fields, its lineage and its latest version.
fn recipe_overview(d: &RecipeDetail, scroll: usize, theme: &Theme, frame: &mut Frame, inner: Rect) {
    let lines = wrap_fields(recipe_fields(d, theme), inner.width as usize);
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll.min(u16::MAX as usize) as u16, 0));
    frame.render_widget(p, inner);
}

/// The overview's lines: a field each, then the description.
fn recipe_fields(d: &RecipeDetail, theme: &Theme) -> Vec<Line<'static>> {
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
    lines
}

/// The latest manifest, as a tree or as numbered JSON lines.
fn recipe_manifest(s: &mut RecipeScreen, theme: &Theme, frame: &mut Frame, inner: Rect) {
    let Some(d) = &s.detail else { return };
    let Some(v) = d.versions.first() else { return };
    let title = format!(
        " manifest {} · {} ",
        v.version_number,
        if s.manifest_as_tree { "tree" } else { "json" }
    );
    let [head, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
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

/// Every version, the one marked to diff against starred.
fn recipe_versions(
    s: &RecipeScreen,
    d: &RecipeDetail,
    theme: &Theme,
    frame: &mut Frame,
    inner: Rect,
) {
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
