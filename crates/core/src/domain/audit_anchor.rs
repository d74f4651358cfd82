//! Anchors: the audit chain's head (its newest row's id and link), written
//! down outside the database — in a file the team keeps, e.g. in git beside
//! the exported recipes. A chain rewritten from some row on, cut short or
//! emptied still links up with itself; it no longer holds an anchored row
//! as it was, and `nexml audit verify --anchors FILE` says so.

use chrono::{DateTime, Utc};

/// The chain's head at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub id: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
}

const PREFIX: &str = "audit-anchor";

impl std::fmt::Display for Anchor {
    /// One line: `audit-anchor id=42 hash=… at=2026-01-01T00:00:00.000000Z`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{PREFIX} id={} hash={} at={}",
            self.id,
            self.hash,
            self.at.format("%Y-%m-%dT%H:%M:%S%.6fZ")
        )
    }
}

/// The anchors in a file's text, one a line; blank lines and lines starting
/// with `#` are skipped, anything else that is not an anchor is an error
/// naming its line (a file that says nothing checkable is an error too).
pub fn parse(text: &str) -> Result<Vec<Anchor>, String> {
    let mut anchors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        anchors.push(parse_line(line).map_err(|e| format!("line {}: {e}", n + 1))?);
    }
    if anchors.is_empty() {
        return Err("it holds no anchors (nexml audit anchor --append FILE writes one)".into());
    }
    Ok(anchors)
}

fn parse_line(line: &str) -> Result<Anchor, String> {
    let mut words = line.split_whitespace();
    if words.next() != Some(PREFIX) {
        return Err(format!(
            "not an anchor (expected '{PREFIX} id=… hash=… at=…')"
        ));
    }
    let (mut id, mut hash, mut at) = (None, None, None);
    for word in words {
        match word.split_once('=') {
            Some(("id", v)) => {
                id = Some(
                    v.parse::<i64>()
                        .map_err(|_| format!("id '{v}' is not a number"))?,
                )
            }
            Some(("hash", v)) => {
                if v.len() != 64 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!("hash '{v}' is not 64 hex digits"));
                }
                hash = Some(v.to_ascii_lowercase())
            }
            Some(("at", v)) => {
                at = Some(
                    DateTime::parse_from_rfc3339(v)
                        .map_err(|e| format!("at '{v}': {e}"))?
                        .with_timezone(&Utc),
                )
            }
            _ => return Err(format!("unexpected '{word}'")),
        }
    }
    match (id, hash, at) {
        (Some(id), Some(hash), Some(at)) => Ok(Anchor { id, hash, at }),
        _ => Err("an anchor needs id=, hash= and at=".into()),
    }
}

/// Whether the chain still holds the anchored row as it was: `row` is the
/// stored row with the anchor's id (none: gone) and its link.
pub fn check(anchor: &Anchor, row: Option<Option<&str>>) -> Result<(), String> {
    let when = anchor.at.format("%Y-%m-%d %H:%M:%S UTC");
    match row {
        None => Err(format!(
            "the audit chain was cut: anchored row {} (written {when}) is gone",
            anchor.id
        )),
        Some(Some(hash)) if hash == anchor.hash => Ok(()),
        Some(_) => Err(format!(
            "anchored audit row {} (written {when}) was changed: its link is not the anchored one",
            anchor.id
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anchor_reads_back_and_checks_its_row() {
        let a = Anchor {
            id: 7,
            hash: "ab".repeat(32),
            at: DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456Z")
                .unwrap()
                .with_timezone(&Utc),
        };
        let text = format!("# kept in git\n\n{a}\n");
        assert_eq!(parse(&text).unwrap(), vec![a.clone()]);
        assert!(check(&a, Some(Some(&"ab".repeat(32)))).is_ok());
        assert!(check(&a, None).unwrap_err().contains("cut"));
        assert!(check(&a, Some(None)).unwrap_err().contains("changed"));
        assert!(
            parse("audit-anchor id=x hash=00 at=now")
                .unwrap_err()
                .starts_with("line 1: id 'x'")
        );
        assert!(parse("# nothing\n").is_err());
    }
}
