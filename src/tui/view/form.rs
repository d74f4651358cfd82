//! Drawing a form: each field with its value, a picker's filtered choices
//! under the focused one, and the reason beside anything invalid.

use super::centered;
use crate::text::{sanitize, truncate};
use crate::tui::form::{Form, Kind};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn render<P>(
    form: &Form<P>,
    keymap: &crate::keymap::Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let width = area.width.saturating_sub(4).min(76);
    let inner_width = width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let label_style = if focused { theme.key } else { theme.dim };
        let shown = match &field.kind {
            Kind::Text => field.value.clone(),
            Kind::Picker {
                choices,
                highlighted,
                filter,
            } => {
                let chosen = choices
                    .get(*highlighted)
                    .map(|c| c.label.clone())
                    .unwrap_or_default();
                if filter.is_empty() {
                    chosen
                } else {
                    format!("{chosen}   /{filter}")
                }
            }
        };
        let cursor = if focused && matches!(field.kind, Kind::Text) {
            "█"
        } else {
            ""
        };
        let marker = if focused { "▸" } else { " " };
        let value_room = inner_width.saturating_sub(16);
        lines.push(Line::from(vec![
            Span::styled(
                format!("{marker}{:<14} ", truncate(&field.label, 14)),
                label_style,
            ),
            Span::styled(
                truncate(&sanitize(&shown), value_room),
                if focused { theme.title } else { theme.text },
            ),
            Span::styled(cursor, theme.accent),
        ]));
        if let Some(err) = &field.error {
            // Whole, under the value: a reason is what the person acts on.
            let rows =
                crate::tui::widgets::wrap_words(&sanitize(err), value_room.saturating_sub(2));
            for (n, row) in rows.into_iter().enumerate() {
                let mark = if n == 0 { "✗ " } else { "  " };
                lines.push(Line::styled(
                    format!("{:16}{mark}{}", "", row.trim_end()),
                    theme.bad,
                ));
            }
        } else if focused && let Some(hint) = &field.hint {
            lines.push(Line::styled(
                format!("{:16}{}", "", truncate(hint, value_room)),
                theme.dim,
            ));
        }
        if focused && let Kind::Picker { highlighted, .. } = &field.kind {
            let visible = field.visible_choices();
            let at = visible
                .iter()
                .position(|(i, _)| i == highlighted)
                .unwrap_or(0);
            let first = at.saturating_sub(3);
            for (i, choice) in visible.iter().skip(first).take(7) {
                let style = if *i == *highlighted {
                    theme.selected
                } else if choice.disabled.is_some() {
                    theme.dim
                } else {
                    theme.text
                };
                let why = choice
                    .disabled
                    .as_ref()
                    .map(|d| format!("  ({d})"))
                    .unwrap_or_default();
                // A choice's reason is whole: it is why it cannot be picked.
                let text = sanitize(&format!("{}{why}", choice.label));
                for (n, row) in crate::tui::widgets::wrap_words(&text, value_room.saturating_sub(2))
                    .into_iter()
                    .enumerate()
                {
                    let indent = if n == 0 { "" } else { "  " };
                    lines.push(Line::styled(
                        format!("{:16}{indent}{}", "", row.trim_end()),
                        style,
                    ));
                }
            }
            if visible.is_empty() {
                lines.push(Line::styled(
                    format!("{:16}no choice matches", ""),
                    theme.dim,
                ));
            }
        }
    }
    lines.push(Line::raw(""));
    if let Some(r) = &form.refusal {
        lines.push(Line::styled(format!(" ✗ {}", sanitize(r)), theme.bad));
    }
    use crate::keymap::{Command, Context};
    let footer = if form.confirm_cancel {
        let back = keymap
            .key_for(Context::FORM, Command::BACK)
            .map(|k| format!("{k}/"))
            .unwrap_or_default();
        Line::styled(
            format!(" discard what you typed? {back}y discard · any other key keep editing"),
            theme.warn,
        )
    } else if form.submitting {
        Line::styled(" saving…", theme.dim)
    } else {
        let hint = |commands: &[(Command, &str)]| super::key_hints(keymap, Context::FORM, commands);
        let (moves, rest) = (
            hint(&[(Command::NEXT_FIELD, "move")]),
            hint(&[(Command::OPEN, "next/submit"), (Command::BACK, "cancel")]),
        );
        Line::styled(format!(" {moves} · type to filter · {rest}"), theme.dim)
    };
    lines.push(footer);
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.accent)
        .title(format!(" {} ", sanitize(&form.title)));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: false }),
        rect,
    );
}
