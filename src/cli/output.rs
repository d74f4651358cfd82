//! Printing results: aligned tables for people, JSON for scripts. Everything
//! the CLI prints goes through here, so no stored text reaches a terminal raw:
//! people's output is neutralized as the app's is, and JSON escapes the
//! characters serde would leave raw (C1 controls, DEL, bidi controls).

use crate::text::{is_terminal_unsafe, pad, sanitize, sanitize_log, width};
pub use crate::text::{opt, thousands};
use serde::Serialize;

/// A table with a header row; cells are sanitized and aligned by display width.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.iter().map(|c| sanitize(c)).collect());
    }

    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if i < widths.len() {
                    widths[i] = widths[i].max(width(cell));
                }
            }
        }
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| pad(c, widths.get(i).copied().unwrap_or(0)))
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        let mut out = line(
            &self
                .headers
                .iter()
                .map(|h| h.to_uppercase())
                .collect::<Vec<_>>(),
        );
        for row in &self.rows {
            out.push('\n');
            out.push_str(&line(row));
        }
        out
    }
}

/// Key/value lines for a single record.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let w = pairs.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
    pairs
        .iter()
        .map(|(k, v)| format!("{}  {}", pad(&format!("{k}:"), w + 1), sanitize(v)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A page of a list: as JSON for scripts, else a table of `headers` with
/// a `row` per item, then "3 of 1,204 models" (`noun` counted).
pub fn print_page<T: Serialize>(
    json: bool,
    page: &crate::store::Page<T>,
    headers: &[&str],
    row: impl Fn(&T) -> Vec<String>,
    noun: &str,
) -> color_eyre::Result<()> {
    if json {
        return print_json(page);
    }
    let mut t = Table::new(headers);
    for item in &page.items {
        t.row(row(item));
    }
    outln!("{}", t.render());
    outln!("{} of {} {noun}", page.items.len(), thousands(page.total));
    Ok(())
}

pub fn print_json<T: Serialize>(value: &T) -> color_eyre::Result<()> {
    let mut text = to_json(value)?;
    text.push('\n');
    // Already terminal-safe: written as it is, not copied and scanned again.
    write_bytes(text.as_bytes());
    Ok(())
}

/// Pretty JSON in which every terminal-unsafe character is a `\uXXXX`
/// escape: the same value for a parser, inert on a screen.
pub fn to_json<T: Serialize>(value: &T) -> serde_json::Result<String> {
    let mut bytes = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut bytes, TerminalSafeJson::default());
    value.serialize(&mut serializer)?;
    // The formatter writes only what serde_json gives it, which is UTF-8.
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

#[derive(Default)]
struct TerminalSafeJson<'a> {
    pretty: serde_json::ser::PrettyFormatter<'a>,
}

impl serde_json::ser::Formatter for TerminalSafeJson<'_> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.find(is_terminal_unsafe) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.pretty.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.pretty.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_object_value(w)
    }
}

/// Writes to standard output, neutralized (newlines kept). When the reader
/// has gone away (`nexml ... | head`) the process ends quietly with status 0,
/// as `cat` does, instead of panicking the way `println!` would; any other
/// write error ends it with status 1.
pub fn write_out(args: std::fmt::Arguments<'_>) {
    write_bytes(sanitize_log(&args.to_string()).as_bytes());
}

/// Writes text already made safe for a terminal to standard output.
fn write_bytes(bytes: &[u8]) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing to standard output: {e}");
        std::process::exit(1);
    }
}

/// One line on standard error, neutralized: error messages quote user input
/// and database text.
pub fn write_err(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{}", sanitize_log(line));
}

pub fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

pub fn opt_time(t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.as_ref().map(time).unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_by_display_width() {
        let mut t = Table::new(&["name", "n"]);
        t.row(vec!["需求".into(), "1".into()]);
        t.row(vec!["abcdef".into(), "22".into()]);
        assert_eq!(t.render(), "NAME    N\n需求    1\nabcdef  22");
    }

    #[test]
    fn json_escapes_what_a_terminal_would_act_on_and_parses_back() {
        let value = serde_json::json!({"owner": "x\u{1b}]52;c;aGk=\u{7}\u{9b}2J\u{202e}\u{7f}y", "n": [1, 2]});
        let text = to_json(&value).unwrap();
        assert!(
            !text.chars().any(|c| is_terminal_unsafe(c) && c != '\n'),
            "{text}"
        );
        assert!(
            text.contains("\\u009b") && text.contains("\\u202e"),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        // Pretty, as before.
        assert_eq!(
            to_json(&serde_json::json!({"a": 1})).unwrap(),
            "{\n  \"a\": 1\n}"
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(37), "37");
        assert_eq!(thousands(1000), "1,000");
    }
}
