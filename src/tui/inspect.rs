//! The raw view (`i`, k9s's "describe"): the item under the cursor whole,
//! as JSON, in a scrollable popup that `y` copies. It is also how a line
//! cut at the screen's edge (an audit entry's details) is read in full.

use crate::keymap::Command;
use serde::Serialize;

/// What a screen or a row shows when inspected: a title and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspected {
    pub title: String,
    pub text: String,
}

impl Inspected {
    /// `value` as indented JSON under `title`.
    pub fn json(title: impl Into<String>, value: &impl Serialize) -> Inspected {
        let text = serde_json::to_value(value)
            .map(|v| crate::domain::diff::pretty(&v))
            .unwrap_or_else(|e| format!("(cannot be shown as JSON: {e})"));
        Inspected {
            title: title.into(),
            text,
        }
    }
}

/// The popup: the text, scrolled to `first` of its wrapped lines.
pub struct InspectView {
    pub shown: Inspected,
    pub first: usize,
}

/// What a key did to the popup.
#[derive(Debug, PartialEq, Eq)]
pub enum InspectOutcome {
    Keep,
    Copy,
    Close,
}

impl InspectView {
    pub fn new(shown: Inspected) -> InspectView {
        InspectView { shown, first: 0 }
    }

    /// Scrolls by `command` over `lines` wrapped lines, `rows` in view.
    pub fn on_command(
        &mut self,
        command: Option<Command>,
        lines: usize,
        rows: usize,
    ) -> InspectOutcome {
        let last = lines.saturating_sub(rows);
        self.first = match command {
            Some(Command::DOWN) => self.first + 1,
            Some(Command::UP) => self.first.saturating_sub(1),
            Some(Command::PAGE_DOWN) => self.first + rows.max(1),
            Some(Command::PAGE_UP) => self.first.saturating_sub(rows.max(1)),
            Some(Command::TOP) => 0,
            Some(Command::BOTTOM) => last,
            Some(Command::COPY) => return InspectOutcome::Copy,
            Some(Command::BACK) | Some(Command::INSPECT) => return InspectOutcome::Close,
            _ => return InspectOutcome::Keep,
        }
        .min(last);
        InspectOutcome::Keep
    }
}

/// The text cut into lines of at most `width` characters. A line that does
/// not fit goes on under its own indent, so nested JSON stays readable.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut out = Vec::new();
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let chars: Vec<char> = line.chars().collect();
        if chars.len() <= width {
            out.push(line.to_string());
            continue;
        }
        let mut rest = &chars[..];
        let mut first = true;
        while !rest.is_empty() {
            let pad = if first {
                0
            } else {
                (indent + 2).min(width / 2)
            };
            let take = (width - pad).min(rest.len());
            out.push(format!(
                "{}{}",
                " ".repeat(pad),
                rest[..take].iter().collect::<String>()
            ));
            rest = &rest[take..];
            first = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_goes_on_under_its_indent_and_nothing_is_lost() {
        let text = "{\n  \"details\": \"abcdefghijklmnopqrstuvwxyz0123456789\"\n}";
        let lines = wrap(text, 20);
        assert_eq!(lines[0], "{");
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert!(
            lines[2].starts_with("    "),
            "continued under the indent: {lines:?}"
        );
        let joined: String = lines.iter().map(|l| l.trim()).collect();
        assert_eq!(
            joined.replace(' ', ""),
            text.replace(['\n', ' '], ""),
            "every character is still there"
        );
    }

    #[test]
    fn scrolling_stops_at_the_last_page_and_y_copies() {
        let shown = Inspected::json("x", &serde_json::json!({"a": 1}));
        let mut view = InspectView::new(shown);
        assert_eq!(
            view.on_command(Some(Command::BOTTOM), 50, 10),
            InspectOutcome::Keep
        );
        assert_eq!(view.first, 40);
        view.on_command(Some(Command::PAGE_DOWN), 50, 10);
        assert_eq!(view.first, 40, "never past the end");
        view.on_command(Some(Command::TOP), 50, 10);
        assert_eq!(view.first, 0);
        assert_eq!(
            view.on_command(Some(Command::COPY), 50, 10),
            InspectOutcome::Copy
        );
        assert_eq!(
            view.on_command(Some(Command::BACK), 50, 10),
            InspectOutcome::Close
        );
    }
}
