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

/// Cuts `text` to at most `max` columns in the middle, keeping its start and
/// its end: names that differ only at the end ("gen-…1657", "gen-…0931")
/// stay told apart.
pub fn truncate_middle(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max < 5 {
        return truncate(text, max);
    }
    // The end gets the odd column: it tells similar names apart.
    let room = max - 1;
    let head_cols = room / 2;
    let tail_cols = room - head_cols;
    let head = truncate_cols(text.chars(), head_cols);
    let mut tail: Vec<char> = truncate_cols(text.chars().rev(), tail_cols)
        .chars()
        .collect();
    tail.reverse();
    format!("{head}…{}", tail.into_iter().collect::<String>())
}

/// The first characters of `chars` that fit in `cols` columns.
fn truncate_cols(chars: impl Iterator<Item = char>, cols: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in chars {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > cols {
            break;
        }
        out.push(c);
        used += w;
    }
    out
}

/// "label value" in at most `max` columns: the label is shortened, never the
/// value ("store_t… 0.388", not "store_traffic 0").
pub fn labelled_value(label: &str, value: &str, max: usize) -> String {
    let whole = format!("{label} {value}");
    if width(&whole) <= max {
        return whole;
    }
    let room = max.saturating_sub(width(value) + 1);
    if room < 2 {
        return value.to_string();
    }
    format!("{} {value}", truncate(label, room))
}

/// "left / right" in at most `max` columns, each side shortened in its
/// middle as needed, so both stay visible.
pub fn pair(left: &str, right: &str, max: usize) -> String {
    let whole = format!("{left} / {right}");
    if width(&whole) <= max {
        return whole;
    }
    // The right side (the more specific: a model of a recipe) gets up to two
    // thirds; the left keeps the rest, so both stay recognisable.
    let room = max.saturating_sub(3);
    let right_cols = width(right)
        .min(room * 2 / 3)
        .max(room.saturating_sub(width(left)));
    let left_cols = room.saturating_sub(right_cols);
    format!(
        "{} / {}",
        truncate_middle(left, left_cols),
        truncate_middle(right, right_cols)
    )
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

/// A size for people: "812 B", "4.2 KiB", "3.0 MiB".
pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(bytes(812), "812 B");
        assert_eq!(bytes(4300), "4.2 KiB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.0 MiB");
    }

    #[test]
    fn cut_names_keep_their_distinguishing_end_and_numbers_stay_whole() {
        assert_eq!(
            truncate_middle("gen-202611281520431657", 12),
            "gen-2…431657"
        );
        assert_ne!(
            truncate_middle("gen-202611281520431657", 12),
            truncate_middle("gen-202611281520430931", 12)
        );
        assert_eq!(truncate_middle("short", 12), "short");
        assert_eq!(
            labelled_value("store_traffic", "0.388", 13),
            "store_… 0.388"
        );
        assert_eq!(labelled_value("mape", "0.0912", 13), "mape 0.0912");
        assert_eq!(
            labelled_value("a_very_long_metric", "1234567", 8),
            "1234567"
        );
        let both = pair("Next Best Action Baseline v1", "telco-retention-nba", 30);
        assert!(width(&both) <= 30, "{both}");
        assert!(both.contains(" / ") && both.ends_with("nba"), "{both}");
        assert!(both.starts_with("Next"), "{both}");
    }

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
