//! Words a layer may not write: each rule names what it forbids, in which
//! files, and the few files allowed to (with why). Test code does not count:
//! a `#[cfg(test)] mod tests` tail, a file declared `#[cfg(test)] mod x;`,
//! and comments.

use crate::modules::sources;
use std::path::Path;

pub struct Rule {
    /// What the rule keeps, as docs/architecture.md says it.
    pub claim: &'static str,
    /// Forbidden text (one starting with a letter matched where a word starts).
    pub forbidden: &'static [&'static str],
    /// Files (relative to the crate's `src/`, a folder ending in `/`) that
    /// may write it, each with why.
    pub allowed: &'static [(&'static str, &'static str)],
}

/// "file:line: `word`" for each forbidden word a crate's non-test code
/// writes outside the allowed files.
pub fn violations(src: &Path, rule: &Rule) -> Vec<String> {
    let mut out = Vec::new();
    for source in sources(src).values() {
        if source.test_only {
            continue;
        }
        let allowed = rule.allowed.iter().any(|(file, _)| {
            source.file == *file || (file.ends_with('/') && source.file.starts_with(file))
        });
        if allowed {
            continue;
        }
        for (n, line) in source.text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in rule.forbidden {
                // A word must start one (`eprint!` is not `print!`).
                let starts_word = word.starts_with(|c: char| c.is_alphanumeric());
                let hit = code.match_indices(word).any(|(at, _)| {
                    !starts_word
                        || code[..at]
                            .chars()
                            .next_back()
                            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
                });
                if hit {
                    out.push(format!("{}:{}: `{word}`", source.file, n + 1));
                }
            }
        }
    }
    out.sort();
    out
}

/// The core has no I/O: what it needs of the operating system is in `io/`.
pub const CORE_HAS_NO_IO: Rule = Rule {
    claim: "the core has no I/O",
    forbidden: &[
        "std::fs",
        "std::thread",
        "std::net",
        "std::process",
        "std::env",
        "std::io::stdin",
        "std::io::stdout",
        "std::io::stderr",
        "File::open",
        "tokio",
        "Utc::now",
        "Local::now",
        "SystemTime",
    ],
    allowed: &[
        ("io/", "the core's one door to the operating system"),
        ("domain/clock.rs", "the clock reads the machine's time"),
    ],
};

/// Time is injected: only `main.rs` picks the machine's clock, and only the
/// clock reads it.
pub const TIME_IS_INJECTED: Rule = Rule {
    claim: "time is injected",
    forbidden: &["Utc::now", "Local::now", "SystemTime::now", "Clock::System"],
    allowed: &[
        ("main.rs", "the program picks the machine's clock"),
        ("domain/clock.rs", "the clock reads the machine's time"),
    ],
};

/// A change goes through the service: only it opens a write session.
pub const CHANGES_GO_THROUGH_THE_SERVICE: Rule = Rule {
    claim: "a change goes through service/",
    forbidden: &[".write().await", "Session::begin"],
    allowed: &[("service/", "the unit of work opens the write session")],
};

/// The store decodes rows in one place for both backends: the backend
/// files hold only what differs between them.
pub const ROWS_ARE_DECODED_ONCE: Rule = Rule {
    claim: "rows are decoded once for both backends",
    forbidden: &["try_get", "FromRow"],
    allowed: &[
        ("decode.rs", "the one decode path"),
        ("records.rs", "each record derives its decode"),
        (
            "feed.rs",
            "the change feed reads SQLite's data_version on a connection of its own",
        ),
    ],
};

/// Text reaches a terminal neutralized: the CLI prints through its output
/// layer, the app draws through `text::sanitize`.
pub const PRINTS_GO_THROUGH_OUTPUT: Rule = Rule {
    claim: "text reaches a terminal neutralized",
    forbidden: &["println!", "print!", "eprintln!", "eprint!", "dbg!"],
    allowed: &[
        ("cli/output.rs", "the one output layer"),
        (
            "serve/mod.rs",
            "one line to the operator with an operating-system error, no user text",
        ),
    ],
};
