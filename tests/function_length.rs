//! No function runs over 150 lines (issue 27): a long function does many
//! things at several levels, and is split by meaning. The scanner walks
//! `src/`, `crates/*/src` and `benches/`, finds each `fn` with a body and measures it
//! from its `fn` line to its closing brace, by brace matching over the code
//! with strings, chars and comments blanked out. Test modules
//! (`#[cfg(test)] mod ... { }`) and test files are not measured; the
//! benches are.
//! A function that is a table of data may stay long: it goes in `ALLOWED`
//! with the reason.

use std::path::{Path, PathBuf};

const LIMIT: usize = 150;

/// (file, function, why it may stay long): tables of data only.
const ALLOWED: &[(&str, &str, &str)] = &[];

/// One function as measured.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Measured {
    name: String,
    /// 1-based line of `fn`.
    line: usize,
    /// Lines from `fn` to the closing brace, both included.
    lines: usize,
}

/// The source with every string, char and comment turned into spaces
/// (newlines kept), so braces and `fn` in them do not count.
fn code_only(src: &str) -> Vec<char> {
    let s: Vec<char> = src.chars().collect();
    let mut out = s.clone();
    let blank = |out: &mut Vec<char>, from: usize, to: usize| {
        for c in out.iter_mut().take(to.min(s.len())).skip(from) {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        let prev_ident = i > 0 && is_ident(s[i - 1]);
        if c == '/' && next == Some('/') {
            let end = s[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(s.len(), |p| i + p);
            blank(&mut out, i, end);
            i = end;
        } else if c == '/' && next == Some('*') {
            // Block comments nest in Rust.
            let (mut j, mut depth) = (i + 2, 1);
            while j < s.len() && depth > 0 {
                if s[j] == '/' && s.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if s[j] == '*' && s.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if !prev_ident && (c == 'r' || (c == 'b' && next == Some('r'))) {
            // A raw string `r#"..."#` (or `br`), else a plain identifier.
            let mut j = i + if c == 'b' { 2 } else { 1 };
            let hashes = s[j..].iter().take_while(|&&c| c == '#').count();
            j += hashes;
            if s.get(j) == Some(&'"') {
                let close: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let mut k = j + 1;
                while k < s.len() && !s[k..].starts_with(&close) {
                    k += 1;
                }
                let end = (k + close.len()).min(s.len());
                blank(&mut out, i, end);
                i = end;
            } else {
                i += 1;
            }
        } else if c == '"' {
            let mut j = i + 1;
            while j < s.len() && s[j] != '"' {
                j += if s[j] == '\\' { 2 } else { 1 };
            }
            blank(&mut out, i, j + 1);
            i = j + 1;
        } else if c == '\'' {
            // `'\n'`, `'\u{7b}'` and `'x'` are chars; `'a` is a lifetime.
            if next == Some('\\') {
                let mut j = i + 2;
                while j < s.len() && s[j] != '\'' {
                    j += 1;
                }
                blank(&mut out, i, j + 1);
                i = j + 1;
            } else if s.get(i + 2) == Some(&'\'') {
                blank(&mut out, i, i + 3);
                i += 3;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Every function with a body in `src`, in order of appearance; test
/// modules (`#[cfg(test)] mod name { ... }`) are skipped.
fn measure(src: &str) -> Vec<Measured> {
    let code = code_only(src);
    let line_at = {
        let mut starts = vec![0usize];
        starts.extend(
            code.iter()
                .enumerate()
                .filter(|(_, c)| **c == '\n')
                .map(|(i, _)| i + 1),
        );
        move |at: usize| starts.partition_point(|&s| s <= at)
    };
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let word_at = |at: usize, w: &str| {
        let w: Vec<char> = w.chars().collect();
        code[at..].starts_with(&w)
            && (at == 0 || !is_ident(code[at - 1]))
            && code.get(at + w.len()).is_none_or(|&c| !is_ident(c))
    };
    let skip_space = |mut at: usize| {
        while at < code.len() && code[at].is_whitespace() {
            at += 1;
        }
        at
    };
    // The index just past the brace that closes the one at `open`.
    let close_of = |open: usize| {
        let mut depth = 0usize;
        for (k, &c) in code.iter().enumerate().skip(open) {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return k + 1;
                    }
                }
                _ => {}
            }
        }
        code.len()
    };
    let cfg_test: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        if code[i..].starts_with(&cfg_test) {
            let at = skip_space(i + cfg_test.len());
            if word_at(at, "mod") {
                match code[at..].iter().position(|&c| c == '{' || c == ';') {
                    Some(p) if code[at + p] == '{' => {
                        i = close_of(at + p);
                        continue;
                    }
                    _ => {}
                }
            }
            i += cfg_test.len();
            continue;
        }
        if !word_at(i, "fn") {
            i += 1;
            continue;
        }
        let name_at = skip_space(i + 2);
        let name: String = code[name_at..]
            .iter()
            .take_while(|&&c| is_ident(c))
            .collect();
        if name.is_empty() {
            // `fn(u8) -> u8`, a function pointer type.
            i += 2;
            continue;
        }
        // The body opens at the first `{` outside the signature's brackets.
        let (mut j, mut depth) = (name_at + name.len(), 0i32);
        let mut open = None;
        while j < code.len() {
            match code[j] {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ';' if depth == 0 => break,
                '{' if depth == 0 => {
                    open = Some(j);
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        match open {
            Some(open) => {
                let end = close_of(open);
                let (first, last) = (line_at(i), line_at(end.saturating_sub(1)));
                out.push(Measured {
                    name,
                    line: first,
                    lines: last - first + 1,
                });
                // Nested functions are measured too.
                i = open + 1;
            }
            None => i = j + 1,
        }
    }
    out
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if path.is_dir() {
            if !matches!(name.as_deref(), Some("tests" | "benches")) {
                sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && !matches!(name.as_deref(), Some("tests.rs"))
        {
            out.push(path);
        }
    }
}

#[test]
fn no_function_is_over_150_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    sources(&root.join("benches"), &mut files);
    for krate in std::fs::read_dir(root.join("crates")).expect("reading crates/") {
        sources(&krate.expect("a crate").path().join("src"), &mut files);
    }
    files.sort();
    assert!(files.len() > 50, "the scanner found the sources");
    let mut long = Vec::new();
    let mut allowed_seen = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(root).expect("under the root");
        let rel = rel.to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(file).expect("reading a source file");
        for f in measure(&text) {
            if f.lines <= LIMIT {
                continue;
            }
            if ALLOWED.iter().any(|(p, n, _)| *p == rel && *n == f.name) {
                allowed_seen.push((rel.clone(), f.name.clone()));
                continue;
            }
            long.push(format!(
                "{rel}:{} fn {} is {} lines",
                f.line, f.name, f.lines
            ));
        }
    }
    assert!(
        long.is_empty(),
        "functions over {LIMIT} lines (split them by meaning, or allow a table of data in tests/function_length.rs):\n{}",
        long.join("\n")
    );
    // An entry for a function that is no longer long is stale.
    let stale: Vec<_> = ALLOWED
        .iter()
        .filter(|(p, n, _)| !allowed_seen.iter().any(|(sp, sn)| sp == p && sn == n))
        .map(|(p, n, why)| format!("{p} fn {n} ({why})"))
        .collect();
    assert!(
        stale.is_empty(),
        "allowed but no longer over {LIMIT} lines:\n{}",
        stale.join("\n")
    );
}

/// A fixture: a 160-line function whose strings, chars, comments and
/// lifetimes hold braces and `fn` that must not count, a short one, a trait
/// method without a body, and a test module that is not measured.
fn fixture() -> String {
    let mut s = String::from("//! fn not_a_function() {\n");
    s.push_str("trait T { fn declared(&self); }\n");
    s.push_str("fn long<'a>(x: &'a str) -> impl Fn(u8) -> u8 where 'a: 'a {\n");
    s.push_str("    let _ = '{'; let _ = '\\u{7d}'; let _ = b'}';\n");
    s.push_str("    let _ = \"}\\\"}\"; let _ = r#\"}\"{\"#; /* } /* } */ */\n");
    for k in 0..155 {
        s.push_str(&format!("    let _v{k} = {{ 1 }}; // }} fn inner() {{\n"));
    }
    s.push_str("    |n| n\n}\n");
    s.push_str("fn short(f: fn(u8) -> u8) -> u8 {\n    f(1)\n}\n");
    s.push_str("#[cfg(test)]\nmod tests {\n    fn helper() {}\n}\n");
    s
}

#[test]
fn the_scanner_measures_and_catches_a_long_function() {
    let found = measure(&fixture());
    let names: Vec<_> = found
        .iter()
        .map(|f| (f.name.as_str(), f.line, f.lines))
        .collect();
    // `long` runs from line 3 to its brace 160 lines later.
    assert_eq!(names, vec![("long", 3, 160), ("short", 163, 3)]);
    let over: Vec<_> = found
        .iter()
        .filter(|f| f.lines > LIMIT)
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(over, vec!["long"]);
}
