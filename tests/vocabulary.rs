//! One domain vocabulary: a run status or run type (nexml's names and
//! MLflow's) is spelled as a string literal only in the core's enum module,
//! and a metric's direction (`higher_is_better`, `lower_is_better`) is read
//! from a manifest only by the metric catalogue. Everything else names the
//! enum (`RunStatus::Queued.as_str()`, `Direction::from_manifest`), so a
//! renamed status cannot be missed somewhere.
//!
//! Scanned: every `.rs` file under `src/` and `crates/*/src/`, test modules
//! and files cut off (migrations are SQL and not scanned). A literal whose
//! word is a run status only by coincidence (a command's label, a word of
//! the assistant's lexicon) carries `// vocabulary: <why>` on its line.

use nexml::domain::metrics::Direction;
use nexml::domain::{RunStatus, RunType};
use std::path::{Path, PathBuf};

/// Files allowed to spell the words: the enum module, the catalogue, and
/// the assistant's word lists (words people type, not stored values).
const ALLOWED: &[&str] = &[
    "crates/core/src/domain/kinds.rs",
    "crates/core/src/domain/metrics.rs",
    "crates/core/src/assistant/lexicon.rs",
    "crates/core/src/assistant/spelling.rs",
];

/// A line carrying this comment, or following it when it stands alone, may
/// spell a word (it says why).
const MARKER: &str = "// vocabulary:";

/// A string literal of a source: its line (1-based), its text as written
/// between the quotes, and the code just before its opening quote.
#[derive(Debug)]
struct Literal {
    line: usize,
    text: String,
    before: String,
}

/// The string literals of Rust source, comments skipped (raw, byte and
/// escaped strings understood; char literals and lifetimes told apart).
fn literals(src: &str) -> Vec<Literal> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let line_at = |from: usize, to: usize| src[from..to].matches('\n').count();
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = src[i..].find('\n').map_or(b.len(), |n| i + n);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                let start = i;
                while i < b.len() {
                    if src[i..].starts_with("/*") {
                        depth += 1;
                        i += 2;
                    } else if src[i..].starts_with("*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                line += line_at(start, i);
            }
            b'\'' => {
                // 'x', '\n', '\'' are chars; 'a (no closing quote) a lifetime.
                if b.get(i + 1) == Some(&b'\\') {
                    let close = src[i + 3..].find('\'').map_or(b.len(), |n| i + 3 + n);
                    i = close + 1;
                } else {
                    let next = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                    if b.get(i + 1 + next) == Some(&b'\'') {
                        i += next + 2;
                    } else {
                        i += 1;
                    }
                }
            }
            b'r' | b'b' if is_raw_start(&src[i..]) && !ident_before(b, i) => {
                let from = i + if b[i] == b'b' { 2 } else { 1 };
                let hashes = src[from..].bytes().take_while(|&c| c == b'#').count();
                let open = from + hashes + 1;
                let closing = format!("\"{}", "#".repeat(hashes));
                let end = src[open..].find(&closing).map_or(b.len(), |n| open + n);
                out.push(Literal {
                    line,
                    text: src[open..end].to_string(),
                    before: code_before(src, i),
                });
                line += line_at(i, end.min(b.len()));
                i = (end + closing.len()).min(b.len());
            }
            b'"' => {
                let open = i + 1;
                let mut j = open;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(b.len());
                out.push(Literal {
                    line,
                    text: src[open..end].to_string(),
                    before: code_before(src, i),
                });
                line += line_at(i, end);
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// `r"`, `r#"`, `br"`, `br#"` start a raw string.
fn is_raw_start(s: &str) -> bool {
    let s = s.strip_prefix('b').unwrap_or(s);
    s.strip_prefix('r')
        .is_some_and(|rest| rest.trim_start_matches('#').starts_with('"'))
}

/// Whether the byte before `i` continues an identifier (`for"` is no raw string).
fn ident_before(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

/// Up to 12 characters of code before the literal's opening quote.
fn code_before(src: &str, at: usize) -> String {
    let from = src[..at].char_indices().rev().nth(11).map_or(0, |(i, _)| i);
    src[from..at].to_string()
}

/// The source before its test module (`#[cfg(test)]` then `mod x {`),
/// which tests spell what they check.
fn without_tests(src: &str) -> &str {
    let mut from = 0;
    while let Some(at) = src[from..].find("#[cfg(test)]").map(|n| from + n) {
        let rest = src[at + "#[cfg(test)]".len()..].trim_start();
        let first_line = rest.lines().next().unwrap_or("");
        if first_line.starts_with("mod ") && first_line.trim_end().ends_with('{') {
            return &src[..at];
        }
        from = at + 1;
    }
    src
}

/// The words a run status or type is spelled as: nexml's names and MLflow's.
fn run_words() -> Vec<&'static str> {
    let mut words: Vec<&str> = RunStatus::NAMES.to_vec();
    words.extend(RunStatus::ALL.iter().map(|s| s.mlflow_name()));
    words.extend(RunType::NAMES);
    words
}

/// Every place a source spells the vocabulary outside the enum and the
/// catalogue, as `line: why`.
fn violations(src: &str) -> Vec<String> {
    let lines: Vec<&str> = src.lines().collect();
    let words = run_words();
    let directions = [
        Direction::LowerIsBetter.as_str(),
        Direction::HigherIsBetter.as_str(),
    ];
    let mut out = Vec::new();
    for lit in literals(without_tests(src)) {
        // The marker ends the literal's line or stands alone on the line above.
        let marked = lines.get(lit.line - 1).is_some_and(|l| l.contains(MARKER));
        let alone_above = lit.line >= 2
            && lines
                .get(lit.line - 2)
                .is_some_and(|l| l.trim_start().starts_with(MARKER));
        if marked || alone_above {
            continue;
        }
        let t = lit.text.as_str();
        if words.contains(&t) {
            out.push(format!("{}: run status or type \"{t}\"", lit.line));
        }
        // In SQL text: `status = 'queued'`, `run_type IN ('eval', ...)`.
        for w in &words {
            if t.contains(&format!("'{w}'")) {
                out.push(format!("{}: run status or type '{w}' in SQL", lit.line));
            }
        }
        if directions.contains(&t) {
            out.push(format!("{}: metric direction \"{t}\"", lit.line));
        }
        // Reading a manifest's direction: m["direction"], m.get("direction").
        let before = lit.before.trim_end();
        if t == "direction" && (before.ends_with('[') || before.ends_with("get(")) {
            out.push(format!("{}: reads a metric's direction", lit.line));
        }
    }
    out
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("reading a source directory") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "tests" {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" {
            out.push(path);
        }
    }
}

#[test]
fn the_vocabulary_is_spelled_once() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    for krate in std::fs::read_dir(root.join("crates")).expect("reading crates/") {
        let src = krate.expect("a crate").path().join("src");
        if src.is_dir() {
            sources(&src, &mut files);
        }
    }
    assert!(files.len() > 50, "found only {} source files", files.len());
    let mut found = Vec::new();
    for file in files {
        let rel = file
            .strip_prefix(root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        if ALLOWED.contains(&rel.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("reading a source file");
        found.extend(violations(&text).into_iter().map(|v| format!("{rel}:{v}")));
    }
    assert!(
        found.is_empty(),
        "spelled outside the core's vocabulary (name the enum or the metric \
         catalogue, or mark a coincidence with `{MARKER} <why>`):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scanner_catches_each_spelling() {
    let fixture = r##"
//! A doc comment may say "succeeded" freely.
use x::y;

fn f(run: &Run) -> bool {
    // and a comment: status == "running"
    let lifetime: &'static str = "fine";
    let c = '"';
    let _ = json!({"status": "queued"});
    let ok = run.status == "FINISHED";
    let sql = "UPDATE ml_run SET status = 'failed' WHERE id = $1";
    let raw = r#"run_type IN ('eval', 'backtest')"#;
    let label = "train"; // vocabulary: a command's label
    let up = m["direction"].as_str() == Some("higher_is_better");
    let d = m.get("direction");
    // vocabulary: a word of a request, marked on the line above
    let word = "eval";
    let unmarked = "eval";
    ok
}

#[cfg(test)]
mod tests {
    fn t() { assert_eq!(status, "cancelled"); }
}
"##;
    let got = violations(fixture);
    assert_eq!(
        got,
        [
            "9: run status or type \"queued\"",
            "10: run status or type \"FINISHED\"",
            "11: run status or type 'failed' in SQL",
            "12: run status or type 'eval' in SQL",
            "12: run status or type 'backtest' in SQL",
            "14: reads a metric's direction",
            "14: metric direction \"higher_is_better\"",
            "15: reads a metric's direction",
            "18: run status or type \"eval\"",
        ],
        "{got:#?}"
    );
}

#[test]
fn the_lexer_keeps_lines_and_skips_chars_and_lifetimes() {
    let lits = literals("fn a<'a>(x: &'a str) {\n let q = '\\'';\n let s = \"x\\\"y\";\n}\n");
    assert_eq!(lits.len(), 1);
    assert_eq!(lits[0].line, 3);
    assert_eq!(lits[0].text, "x\\\"y");
}
