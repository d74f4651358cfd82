//! The audit log as a hash chain: each row's hash covers the row and the
//! hash before it, so editing, removing or slipping in a row behind nexml's
//! back breaks the chain at that row, and `nexml audit verify` names it.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hash of an audit row that follows `previous` (none: the first
/// hashed row). Timestamps at microseconds, as both backends store them.
pub fn link(
    previous: Option<&str>,
    at: DateTime<Utc>,
    actor: &str,
    entity: &str,
    entity_id: i64,
    action: &str,
    details: &Value,
) -> String {
    let row = serde_json::json!([
        previous.unwrap_or(""),
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        actor,
        entity,
        entity_id,
        action,
        canonical(details),
    ]);
    let digest = Sha256::digest(row.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// JSON text with object keys sorted (PostgreSQL's JSONB reorders them).
fn canonical(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&map[k])))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// One stored audit row, as the chain sees it.
pub struct Linked<'a> {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: &'a str,
    pub entity: &'a str,
    pub entity_id: i64,
    pub action: &'a str,
    pub details: &'a Value,
    pub hash: Option<&'a str>,
}

/// What a walk of the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Rows whose hash checks out.
    pub linked: usize,
    /// Rows written before the chain began (no hash).
    pub before: usize,
}

/// Where and how the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// The row's link is not the one its content and the row before give:
    /// it was changed, or a row before it was removed or slipped in.
    Mismatch(i64),
    /// The row has no link although the chain had begun before it (its
    /// hash was blanked, or it was written without nexml).
    Unlinked(i64),
}

impl Broken {
    pub fn id(&self) -> i64 {
        match self {
            Broken::Mismatch(id) | Broken::Unlinked(id) => *id,
        }
    }
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Broken::Mismatch(id) => write!(
                f,
                "audit row {id} breaks the chain: it was changed, or a row before it was removed or written without nexml"
            ),
            Broken::Unlinked(id) => write!(
                f,
                "audit row {id} breaks the chain: it has no link although the chain began before it (its hash was removed, or it was written without nexml)"
            ),
        }
    }
}

/// Walks rows in id order; the first row that does not follow from the one
/// before (edited, removed before it, or without a hash) is named. Rows
/// from `chain_from` on must carry a link; older ones (written before the
/// chain began) may not, but once a row is linked every later one must be.
pub fn verify<'a>(
    rows: impl IntoIterator<Item = Linked<'a>>,
    chain_from: i64,
) -> Result<Verified, Broken> {
    let mut previous: Option<String> = None;
    let mut started = false;
    let mut verified = Verified {
        linked: 0,
        before: 0,
    };
    for row in rows {
        let Some(stored) = row.hash else {
            if started || row.id >= chain_from {
                return Err(Broken::Unlinked(row.id));
            }
            verified.before += 1;
            continue;
        };
        started = true;
        let expected = link(
            previous.as_deref(),
            row.at,
            row.actor,
            row.entity,
            row.entity_id,
            row.action,
            row.details,
        );
        if stored != expected {
            return Err(Broken::Mismatch(row.id));
        }
        verified.linked += 1;
        previous = Some(expected);
    }
    Ok(verified)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_changed_or_missing_row_breaks_the_chain_there() {
        let d = serde_json::json!({"b": 1, "a": [2]});
        let h1 = link(
            None,
            at("2026-01-01T00:00:00Z"),
            "al",
            "model",
            1,
            "register",
            &d,
        );
        let h2 = link(
            Some(&h1),
            at("2026-01-01T00:00:01Z"),
            "bo",
            "model",
            1,
            "status",
            &d,
        );
        let h3 = link(
            Some(&h2),
            at("2026-01-01T00:00:02Z"),
            "al",
            "run",
            4,
            "create",
            &d,
        );
        let rows = |actor2: &'static str, skip2: bool| {
            let mut v = vec![
                Linked {
                    id: 1,
                    at: at("2026-01-01T00:00:00Z"),
                    actor: "al",
                    entity: "model",
                    entity_id: 1,
                    action: "register",
                    details: &d,
                    hash: Some(&h1),
                },
                Linked {
                    id: 2,
                    at: at("2026-01-01T00:00:01Z"),
                    actor: actor2,
                    entity: "model",
                    entity_id: 1,
                    action: "status",
                    details: &d,
                    hash: Some(&h2),
                },
                Linked {
                    id: 3,
                    at: at("2026-01-01T00:00:02Z"),
                    actor: "al",
                    entity: "run",
                    entity_id: 4,
                    action: "create",
                    details: &d,
                    hash: Some(&h3),
                },
            ];
            if skip2 {
                v.remove(1);
            }
            v
        };
        assert_eq!(
            verify(rows("bo", false), 1),
            Ok(Verified {
                linked: 3,
                before: 0
            })
        );
        assert_eq!(verify(rows("mallory", false), 1), Err(Broken::Mismatch(2)));
        assert_eq!(verify(rows("bo", true), 1), Err(Broken::Mismatch(3)));
        // Blanked hashes: rows from where the chain began must be linked.
        let blanked = || {
            rows("bo", false)
                .into_iter()
                .map(|r| Linked { hash: None, ..r })
        };
        assert_eq!(verify(blanked(), 1), Err(Broken::Unlinked(1)));
        assert_eq!(
            verify(blanked(), 4),
            Ok(Verified {
                linked: 0,
                before: 3
            })
        );
        // Key order is not content.
        let reordered = serde_json::json!({"a": [2], "b": 1});
        assert_eq!(
            link(
                None,
                at("2026-01-01T00:00:00Z"),
                "al",
                "model",
                1,
                "register",
                &reordered
            ),
            h1
        );
    }
}
