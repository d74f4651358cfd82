//! Making text from the database safe and aligned for a terminal.

use unicode_width::UnicodeWidthStr;

/// Replaces control characters (escape sequences included) with visible
/// placeholders, so text from the database can never drive the terminal.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
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

/// Like `sanitize`, but keeps newlines: for multi-line logs.
pub fn sanitize_log(text: &str) -> String {
    text.split('\n')
        .map(sanitize)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_neutralized() {
        assert_eq!(sanitize("a\x1b[31mred\x07"), "a\u{FFFD}[31mred\u{FFFD}");
        assert_eq!(sanitize("tab\there"), "tab here");
    }

    #[test]
    fn wide_characters_count_two_columns() {
        assert_eq!(width("需求预测"), 8);
        assert_eq!(pad("需求", 6), "需求  ");
        assert_eq!(truncate("需求预测模型", 7), "需求预…");
        assert_eq!(width(&truncate("需求预测模型", 7)), 7);
    }
}
