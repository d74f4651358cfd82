//! Making text from the database safe and aligned for a terminal.

use unicode_width::UnicodeWidthStr;

/// A character that must never reach a terminal raw: C0 controls, DEL and
/// C1 controls (which start escape sequences: colours, titles, OSC 52
/// clipboard writes) and the bidi controls that reorder what a reader sees.
pub fn is_terminal_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Bidi embeddings, overrides, isolates and marks.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text for one line of a terminal: a tab becomes a space and anything that
/// could drive the terminal is shown escaped (`\u{1b}`), never sent raw.
pub fn sanitize(text: &str) -> String {
    neutralize(text, false)
}

/// Like `sanitize`, but keeps newlines: for multi-line logs.
pub fn sanitize_log(text: &str) -> String {
    neutralize(text, true)
}

fn neutralize(text: &str, keep_newlines: bool) -> String {
    if !text.chars().any(|c| c == '\t' || is_terminal_unsafe(c)) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            '\n' if keep_newlines => out.push('\n'),
            c if is_terminal_unsafe(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// Display width in terminal columns (CJK and emoji count two).
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// Cuts `text` to at most `max` columns, ending in an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Pads `text` with spaces to `cols` columns.
pub fn pad(text: &str, cols: usize) -> String {
    let w = width(text);
    if w >= cols {
        text.to_string()
    } else {
        format!("{text}{}", " ".repeat(cols - w))
    }
}

/// "42s", "3m07s", "2h05m"; "-" when unknown.
pub fn duration(seconds: Option<i64>) -> String {
    match seconds {
        None => "-".into(),
        Some(s) if s < 60 => format!("{s}s"),
        Some(s) if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        Some(s) => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// An optional value, or "-".
pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref()
        .map(|x| x.to_string())
        .unwrap_or_else(|| "-".into())
}

/// "37 of 1,000" style count with thousands separators.
pub fn thousands(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_neutralized() {
        assert_eq!(sanitize("a\x1b[31mred\x07"), "a\\u{1b}[31mred\\u{7}");
        assert_eq!(sanitize("tab\there"), "tab here");
        // C1 CSI, an OSC 52 clipboard write, a bidi override, NUL.
        assert_eq!(sanitize("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(sanitize("\x1b]52;c;aGk=\x07"), "\\u{1b}]52;c;aGk=\\u{7}");
        assert_eq!(sanitize("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(sanitize("a\0b"), "a\\u{0}b");
        assert_eq!(sanitize("one\ntwo"), "one\\u{a}two");
        assert_eq!(sanitize_log("one\ntwo\r"), "one\ntwo\\u{d}");
    }

    #[test]
    fn wide_characters_count_two_columns() {
        assert_eq!(width("需求预测"), 8);
        assert_eq!(pad("需求", 6), "需求  ");
        assert_eq!(truncate("需求预测模型", 7), "需求预…");
        assert_eq!(width(&truncate("需求预测模型", 7)), 7);
    }
}
