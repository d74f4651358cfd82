//! The manifest editor: numbered, JSON-coloured lines with a cursor, the
//! problems panel, and its dialogs.

use super::{EditorScreen, MergePanel};
use crate::domain::merge::Side;
use crate::domain::version::BumpChoice;
use crate::keymap::{Command, Context, Keymap};
use crate::text::sanitize;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub fn render(e: &mut EditorScreen, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    let problems_height = if e.problems.is_empty() {
        1
    } else {
        (e.problems.len() as u16 + 1).min(area.height / 3).max(2)
    };
    let [title, text, problems] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(problems_height),
    ])
    .areas(area);
    let state = if e.validated != e.generation {
        Span::styled("checking…", theme.dim)
    } else if e.problems.is_empty() {
        Span::styled("valid", theme.good)
    } else {
        Span::styled(format!("{} problem(s)", e.problems.len()), theme.bad)
    };
    let (row, col) = e.cursor();
    let head = Line::from(vec![
        Span::styled(
            format!(
                " {} · editing {} ",
                sanitize(&e.recipe_name),
                e.base_version
            ),
            theme.title,
        ),
        Span::styled(
            if e.dirty {
                "· modified "
            } else {
                "· unchanged "
            },
            if e.dirty { theme.warn } else { theme.dim },
        ),
        Span::raw("· "),
        state,
        Span::styled(format!(" · {}:{}", row + 1, col + 1), theme.dim),
    ]);
    frame.render_widget(Paragraph::new(head), title);

    let gutter = 5usize;
    let rows = text.height as usize;
    let cols = (text.width as usize).saturating_sub(gutter + 1);
    e.scroll_to_cursor(rows, cols);
    let problem_lines: Vec<usize> = e.problems.iter().filter_map(|p| p.line).collect();
    let lines: Vec<Line> = e
        .area
        .lines()
        .iter()
        .enumerate()
        .skip(e.top)
        .take(rows)
        .map(|(i, l)| {
            let number_style = if problem_lines.contains(&(i + 1)) {
                theme.bad
            } else {
                theme.dim
            };
            let mut spans = vec![Span::styled(format!("{:>4} ", i + 1), number_style)];
            spans.extend(colour_json(
                l,
                e.left,
                cols,
                theme,
                (i == row).then_some(col),
            ));
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), text);

    let mut plines = Vec::new();
    if e.problems.is_empty() {
        let hint = |commands: &[(Command, &str)]| {
            crate::tui::widgets::key_hints(keymap, super::KEYS, commands)
        };
        let keys = hint(&[
            (super::SAVE, "save"),
            (super::FIND, "find"),
            (Command::EDIT_EXTERNAL, "$EDITOR"),
            (Command::BACK, "leave"),
        ]);
        plines.push(Line::styled(
            // Undo and redo are the text area's own keys.
            format!(" {keys} · ctrl-u/r undo/redo"),
            theme.dim,
        ));
    } else {
        let jump = keymap
            .key_for(super::KEYS, super::NEXT_PROBLEM)
            .map(|k| format!("{k} jumps to the next; "))
            .unwrap_or_default();
        plines.push(Line::styled(
            format!(" problems ({jump}save is blocked until they are fixed)"),
            theme.bad,
        ));
        for (i, p) in e.problems.iter().enumerate() {
            let style = if i == e.problem_index {
                theme.selected
            } else {
                theme.text
            };
            plines.push(Line::styled(
                format!("  {}", sanitize(&p.to_string())),
                style,
            ));
        }
    }
    frame.render_widget(Paragraph::new(plines), problems);
    render_dialogs(e, keymap, theme, frame, area);
}

/// One line coloured as JSON: keys, strings, numbers, literals, punctuation;
/// the cursor cell reversed.
fn colour_json(
    line: &str,
    left: usize,
    width: usize,
    theme: &Theme,
    cursor: Option<usize>,
) -> Vec<Span<'static>> {
    let chars: Vec<char> = line.chars().collect();
    let mut styles = vec![theme.text; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '"' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let end = (i + 1).min(chars.len());
                let is_key = chars[end..].iter().find(|c| !c.is_whitespace()) == Some(&':');
                let style = if is_key { theme.accent } else { theme.good };
                styles[start..end].iter_mut().for_each(|s| *s = style);
                i = end;
            }
            c if c.is_ascii_digit() || c == '-' => {
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | '-' | '+'))
                {
                    styles[i] = theme.warn;
                    i += 1;
                }
            }
            't' | 'f' | 'n' => {
                while i < chars.len() && chars[i].is_ascii_alphabetic() {
                    styles[i] = theme.info;
                    i += 1;
                }
            }
            '{' | '}' | '[' | ']' | ':' | ',' => {
                styles[i] = theme.dim;
                i += 1;
            }
            _ => i += 1,
        }
    }
    let mut spans = Vec::new();
    for (i, c) in chars.iter().enumerate().skip(left).take(width) {
        let mut style = styles[i];
        if cursor == Some(i) {
            style = style.add_modifier(Modifier::REVERSED);
        }
        let text = sanitize(&c.to_string());
        spans.push(Span::styled(text, style));
    }
    if let Some(c) = cursor
        && c >= chars.len()
        && c >= left
    {
        spans.push(Span::styled(
            " ",
            Style::default().add_modifier(Modifier::REVERSED),
        ));
    }
    spans
}

fn render_dialogs(e: &EditorScreen, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(m) = &e.merge {
        render_merge(m, keymap, theme, frame, area);
        return;
    }
    let dialog = |frame: &mut Frame, title: &str, lines: Vec<Line<'static>>| {
        let rect = crate::tui::widgets::dialog_rect(area, 64, &lines);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.accent)
            .title(format!(" {title} "));
        frame.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false }),
            rect,
        );
    };
    if let Some(d) = &e.offer {
        dialog(
            frame,
            "draft found",
            [
                Some(Line::raw(format!(
                    " An unsaved draft of this manifest from {} (on {}).",
                    d.saved_at.format("%Y-%m-%d %H:%M"),
                    d.base_version
                ))),
                (d.base_version != e.base_version).then(|| {
                    Line::raw(format!(
                        " The recipe is at {} now: restored, the draft replaces its text.",
                        e.base_version
                    ))
                }),
                Some(Line::styled(
                    format!(
                        " {}",
                        crate::tui::widgets::key_hints(
                            keymap,
                            Context::CONFIRM,
                            &[
                                (Command::CONFIRM, "restore it"),
                                (Command::KEEP, "start from the saved version"),
                            ]
                        )
                    ),
                    theme.key,
                )),
            ]
            .into_iter()
            .flatten()
            .collect(),
        );
    } else if e.confirm_leave {
        dialog(
            frame,
            "unsaved changes",
            vec![
                Line::raw(" Leave the editor with unsaved changes?"),
                Line::styled(
                    format!(
                        " {} · any other key stay",
                        crate::tui::widgets::key_hints(
                            keymap,
                            Context::CONFIRM,
                            &[
                                (Command::KEEP, "keep them as a draft and leave"),
                                (Command::CONFIRM, "discard them"),
                            ]
                        )
                    ),
                    theme.key,
                ),
            ],
        );
    } else if let Some(d) = &e.save {
        let bumps = [
            BumpChoice::Auto,
            BumpChoice::Patch,
            BumpChoice::Minor,
            BumpChoice::Major,
        ]
        .iter()
        .map(|b| {
            let label = match b {
                BumpChoice::Auto => format!("auto ({})", d.auto),
                BumpChoice::Patch => "patch".into(),
                BumpChoice::Minor => "minor".into(),
                BumpChoice::Major => "major".into(),
            };
            Span::styled(
                format!(" {label} "),
                if *b == d.bump {
                    theme.tab_active
                } else {
                    theme.tab_inactive
                },
            )
        })
        .collect::<Vec<_>>();
        let mut lines = vec![
            Line::raw(" Save as a new version of this recipe."),
            Line::from(vec![
                Span::styled(" note: ", theme.key),
                Span::raw(sanitize(&d.note)),
                Span::styled("█", theme.accent),
            ]),
            Line::from([vec![Span::styled(" bump: ", theme.key)], bumps].concat()),
            Line::styled(
                format!(
                    " {} · ←→ bump · {}",
                    crate::tui::widgets::key_hints(
                        keymap,
                        Context::FORM,
                        &[(Command::OPEN, "save")]
                    ),
                    crate::tui::widgets::key_hints(
                        keymap,
                        Context::FORM,
                        &[(Command::BACK, "back to editing")]
                    )
                ),
                theme.dim,
            ),
        ];
        if d.saving {
            lines.push(Line::styled(" saving…", theme.dim));
        }
        if let Some(err) = &d.error {
            lines.push(Line::styled(format!(" {}", sanitize(err)), theme.bad));
        }
        dialog(frame, "save", lines);
    } else if let Some(q) = &e.search {
        dialog(
            frame,
            "find",
            vec![Line::from(vec![
                Span::styled(" find: ", theme.key),
                Span::raw(sanitize(q)),
                Span::styled("█", theme.accent),
            ])],
        );
    }
}

/// The merge panel: each place both sides changed, yours and theirs side by
/// side (stacked when narrow), and the choice made for it.
fn render_merge(m: &MergePanel, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    let c = &m.conflict;
    let width = area.width.min(110);
    let inner = width.saturating_sub(2) as usize;
    let side_by_side = inner >= 70;
    let mut lines = vec![
        Line::raw(format!(
            " '{}' is at {} now ({}, {}); you edited {}.",
            sanitize(&c.recipe),
            c.latest,
            sanitize(&c.latest_by),
            c.latest_at.format("%H:%M"),
            c.base
        )),
        Line::raw(" Both changed these places; choose the value each keeps:"),
    ];
    // A window of places around the selected one, as many as fit.
    let per_place = if side_by_side { 2 } else { 3 };
    let fit = (area.height.saturating_sub(7) as usize / per_place).max(1);
    let start = m.selected.saturating_sub(fit.saturating_sub(1));
    for (i, conflict) in c.conflicts.iter().enumerate().skip(start).take(fit) {
        let chosen = m.choices[i];
        let marker = if i == m.selected { "▸" } else { " " };
        let tag = match chosen {
            Side::Mine => "[yours]",
            Side::Theirs => "[theirs]",
        };
        let path_style = if i == m.selected {
            theme.title
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {marker} {}  ", sanitize(&conflict.path)),
                path_style,
            ),
            Span::styled(tag, theme.accent),
        ]));
        let pick = |side: Side| {
            if side == chosen {
                theme.good
            } else {
                theme.dim
            }
        };
        let (mine, theirs) = (
            shown(conflict.mine.as_ref()),
            shown(conflict.theirs.as_ref()),
        );
        if side_by_side {
            let half = (inner.saturating_sub(6)) / 2;
            let (mine, theirs) = from_first_difference(&mine, &theirs, half.saturating_sub(8));
            lines.push(Line::from(vec![
                Span::raw("   "),
                Span::styled(pad(&format!("yours: {mine}"), half), pick(Side::Mine)),
                Span::raw(" │ "),
                Span::styled(clip(&format!("theirs: {theirs}"), half), pick(Side::Theirs)),
            ]));
        } else {
            let room = inner.saturating_sub(4);
            let (mine, theirs) = from_first_difference(&mine, &theirs, room.saturating_sub(8));
            lines.push(Line::styled(
                format!("   {}", clip(&format!("yours:  {mine}"), room)),
                pick(Side::Mine),
            ));
            lines.push(Line::styled(
                format!("   {}", clip(&format!("theirs: {theirs}"), room)),
                pick(Side::Theirs),
            ));
        }
    }
    if c.conflicts.len() > fit {
        lines.push(Line::styled(
            format!(
                " {} of {} places (↑↓ for the others)",
                m.selected + 1,
                c.conflicts.len()
            ),
            theme.dim,
        ));
    }
    lines.push(Line::styled(
        format!(
            " {}",
            crate::tui::widgets::key_hints(
                keymap,
                super::MERGE_KEYS,
                &[
                    (super::TAKE_MINE, "yours"),
                    (super::TAKE_THEIRS, "theirs"),
                    (Command::EDIT, "edit in the text"),
                    (Command::APPLY, "save with these"),
                    (Command::BACK, "back"),
                ]
            )
        ),
        theme.key,
    ));
    let rect = crate::tui::widgets::dialog_rect(area, width, &lines);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.warn)
        .title(" saved meanwhile: merge ");
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// Two long values that start alike, each from a little before where they
/// first differ (marked …), so what differs shows in `room` columns.
fn from_first_difference(a: &str, b: &str, room: usize) -> (String, String) {
    let same = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let longest = a.chars().count().max(b.chars().count());
    if longest <= room || same < 12 {
        return (a.to_string(), b.to_string());
    }
    let from = same - 8;
    let cut = |s: &str| format!("…{}", s.chars().skip(from).collect::<String>());
    (cut(a), cut(b))
}

/// A value as one line of compact JSON; a removed one says so.
fn shown(value: Option<&serde_json::Value>) -> String {
    match value {
        Some(v) => sanitize(&v.to_string()),
        None => "(removed)".into(),
    }
}

/// At most `width` columns, with … where cut.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let kept: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{kept}…")
}

fn pad(text: &str, width: usize) -> String {
    let clipped = clip(text, width);
    let n = clipped.chars().count();
    format!("{clipped}{}", " ".repeat(width.saturating_sub(n)))
}
