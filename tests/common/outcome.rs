//! What a finished `nexml` process said, checked as a person reads it: it
//! worked (its output), its JSON, or a refusal (exit 1 and one `error:` line).

use serde_json::Value;
use std::process::Output;

/// The exit status and both streams, for a failing assertion.
pub fn show(out: &Output) -> String {
    format!(
        "exit status: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Its standard output, once it succeeded.
#[track_caller]
pub fn succeeded(out: &Output, args: &[&str]) -> String {
    assert!(out.status.success(), "nexml {args:?} failed\n{}", show(out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Text that must be JSON.
#[track_caller]
pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A refusal: exit 1 and one `error:` line, returned.
#[track_caller]
pub fn refusal(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected a refusal\n{}",
        show(out)
    );
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "expected one error line\n{}", show(out));
    assert!(lines[0].starts_with("error: "), "{}", show(out));
    lines[0].to_string()
}
