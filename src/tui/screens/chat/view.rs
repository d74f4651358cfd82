//! The chat screen: the conversation (beside the manifest when there is
//! room), proposals with their state, quick prompts, and the input.

use super::ChatScreen;
use crate::keymap::{Command, Keymap};
use crate::text::sanitize;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

pub fn render(s: &mut ChatScreen, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    let manifest = s.data.as_ref().and_then(|d| d.manifest.clone());
    let (left, right) = if manifest.is_some() && area.width >= 110 {
        let [l, r] = Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
            .areas(area);
        (Some(l), r)
    } else {
        (None, area)
    };
    if let (Some(l), Some(m)) = (left, manifest) {
        let lines: Vec<Line> = crate::domain::diff::pretty(&m)
            .lines()
            .map(|x| Line::styled(sanitize(x), theme.text))
            .collect();
        let block = Block::default()
            .borders(Borders::RIGHT)
            .border_style(theme.border)
            .title(Span::styled(" manifest ", theme.dim));
        frame.render_widget(Paragraph::new(lines).block(block), l);
    }
    let input_height = (s.input.lines().len() as u16 + 2).clamp(3, 6);
    let [messages, input, hints] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(input_height),
        Constraint::Length(1),
    ])
    .areas(right);
    render_messages(s, keymap, theme, frame, messages);
    let who = if s.use_llm {
        "language model"
    } else {
        "offline"
    };
    let title = if s.waiting {
        format!(" thinking ({who})… ")
    } else if s.typing {
        let keys = crate::tui::widgets::key_hints(
            keymap,
            super::INPUT_KEYS,
            &[
                (super::SEND, "send"),
                (super::NEWLINE, "new line"),
                (super::TOGGLE_LLM, "switch"),
                (Command::BACK, ""),
            ],
        );
        format!(" to the {who} assistant · {keys} ")
    } else {
        keymap
            .key_for(super::KEYS, super::COMPOSE)
            .map(|k| format!(" message ({k} to type) "))
            .unwrap_or_else(|| " message ".to_string())
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if s.typing { theme.accent } else { theme.border })
        .title(title);
    let inner = block.inner(input);
    frame.render_widget(block, input);
    let mut lines: Vec<Line> = s
        .input
        .lines()
        .iter()
        .map(|l| Line::raw(sanitize(l)))
        .collect();
    if s.typing
        && let Some(last) = lines.last_mut()
    {
        last.spans.push(Span::styled("█", theme.accent));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    let keys = if s.typing {
        crate::tui::widgets::key_hints(
            keymap,
            super::INPUT_KEYS,
            &[(Command::BACK, "leave typing")],
        )
    } else {
        let hint = |commands: &[(Command, &str)]| {
            crate::tui::widgets::key_hints(keymap, super::KEYS, commands)
        };
        let moves = match (
            keymap.key_for(super::KEYS, Command::DOWN),
            keymap.key_for(super::KEYS, Command::UP),
        ) {
            (Some(down), Some(up)) => format!(" · {down}/{up} move · "),
            _ => " · ".to_string(),
        };
        // The proposal's keys only while the selected message has one.
        let decide = if s.proposal_pending() {
            hint(&DECIDE) + &moves
        } else {
            moves.trim_start_matches(" · ").to_string()
        };
        decide + &hint(&[(super::COMPOSE, "type"), (Command::BACK, "back")])
    };
    frame.render_widget(Paragraph::new(Span::styled(keys, theme.dim)), hints);
}

/// What can be done with a proposal waiting for an answer.
const DECIDE: [(Command, &str); 4] = [
    (Command::APPLY, "apply"),
    (super::REJECT, "reject"),
    (Command::EDIT, "edit"),
    (Command::DIFF, "diff"),
];

fn render_messages(s: &ChatScreen, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    let decide = crate::tui::widgets::key_hints(keymap, super::KEYS, &DECIDE);
    let width = area.width.max(1) as usize;
    // A message's lines wrap under its indent, not back at column 0.
    let indented = |text: &str| -> Vec<Line<'static>> {
        text.lines()
            .flat_map(|l| crate::tui::widgets::wrap_words(&sanitize(l), width.saturating_sub(2)))
            .map(|row| Line::raw(format!("  {row}")))
            .collect()
    };
    let mut lines: Vec<Line> = Vec::new();
    if s.messages.is_empty() {
        lines.push(Line::styled(
            "Ask in plain words, or start from one of these (↓↑ then enter):",
            theme.dim,
        ));
        for (i, p) in s.quick_prompts().iter().enumerate() {
            let style = if !s.typing && i == s.selected {
                theme.selected
            } else {
                theme.text
            };
            lines.push(Line::styled(format!("  {p}"), style));
        }
    }
    let mut selected_line = 0;
    for (i, m) in s.messages.iter().enumerate() {
        if !s.typing && i == s.selected {
            selected_line = lines.len();
        }
        let (who, style) = if m.role == crate::domain::ChatRole::User {
            ("you", theme.key)
        } else {
            ("assistant", theme.accent)
        };
        let marker = if !s.typing && i == s.selected {
            "▸"
        } else {
            " "
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{marker}{who}"), style),
            Span::styled(format!("  {}", m.created_at.format("%H:%M")), theme.dim),
        ]));
        lines.extend(indented(&m.text));
        if m.proposal.is_some() {
            use crate::domain::ChatStatus;
            let (word, st) = match m.status {
                ChatStatus::Applied => ("applied".to_string(), theme.good),
                ChatStatus::Rejected => ("rejected".to_string(), theme.bad),
                ChatStatus::Superseded => ("superseded by a newer request".to_string(), theme.dim),
                // Its keys are offered only where they act: not while typing.
                _ if s.typing => ("proposed: waiting for an answer".to_string(), theme.warn),
                _ => (format!("proposed: {decide}"), theme.warn),
            };
            lines.push(Line::styled(format!("  [{word}]"), st));
        }
        lines.push(Line::raw(""));
    }
    if let Some(partial) = &s.streaming {
        lines.push(Line::styled("  language model (esc cancels)", theme.accent));
        lines.extend(indented(partial));
    }
    // Keep the newest (or the selected) message in view.
    let height = area.height as usize;
    // Rows each line takes once wrapped, to scroll by screen rows.
    let rows = |ls: &[Line]| -> usize { ls.iter().map(|l| l.width().max(1).div_ceil(width)).sum() };
    let scroll = if s.typing {
        rows(&lines).saturating_sub(height)
    } else {
        rows(&lines[..selected_line]).saturating_sub(height / 3)
    };
    let block = Block::default().borders(Borders::NONE);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        area,
    );
}
