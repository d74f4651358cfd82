//! True inheritance: a child recipe is its parent's manifest at a pinned
//! version with the child's own overlay (an RFC 7386 merge patch) applied.

use super::canonical::respelled_like;
use super::diff::{merge, merge_diff};
use serde_json::Value;

/// A child's overlay on its parent's manifest: what the child sets
/// differently (a number only respelled, `4` for `4.0`, is not set).
pub fn overlay(parent: &Value, child: &Value) -> Value {
    merge_diff(parent, &respelled_like(child, parent))
}

/// The JSON pointers a merge patch sets (its leaves: scalars, arrays, nulls
/// for removals, and objects only when empty).
pub fn overlay_paths(patch: &Value) -> Vec<String> {
    fn walk(v: &Value, at: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(map) if !map.is_empty() => {
                for (k, child) in map {
                    let key = k.replace('~', "~0").replace('/', "~1");
                    walk(child, &format!("{at}/{key}"), out);
                }
            }
            _ => out.push(at.to_string()),
        }
    }
    let mut out = Vec::new();
    if patch.as_object().is_some_and(|m| !m.is_empty()) {
        walk(patch, "", &mut out);
    }
    out
}

/// Whether one pointer is the other or lies inside it.
fn overlaps(a: &str, b: &str) -> bool {
    a == b || a.starts_with(&format!("{b}/")) || b.starts_with(&format!("{a}/"))
}

/// What moving a child onto a newer parent version would do.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RebasePlan {
    /// The child's new effective manifest.
    pub manifest: Value,
    /// The child's overlay, unchanged, now on the new parent.
    pub overlay: Value,
    /// Places the parent changed that the child's overlay also sets: the
    /// child's value wins.
    pub conflicts: Vec<String>,
    /// Places the parent changed that reach the child.
    pub inherited: Vec<String>,
}

/// Re-applies the child's overlay (relative to `old_parent`) on `new_parent`.
pub fn rebase(old_parent: &Value, new_parent: &Value, child: &Value) -> RebasePlan {
    let overlay = merge_diff(old_parent, child);
    let parent_change = merge_diff(old_parent, new_parent);
    let own = overlay_paths(&overlay);
    let mut conflicts = Vec::new();
    let mut inherited = Vec::new();
    for path in overlay_paths(&parent_change) {
        if own.iter().any(|o| overlaps(o, &path)) {
            conflicts.push(path);
        } else {
            inherited.push(path);
        }
    }
    RebasePlan {
        manifest: merge(new_parent, &overlay),
        overlay,
        conflicts,
        inherited,
    }
}

/// The note a rebase version gets, listing its conflicts.
pub fn rebase_note(parent: &str, from: &str, to: &str, conflicts: &[String]) -> String {
    let mut note = format!("Rebased on {parent} {to} (was {from})");
    if !conflicts.is_empty() {
        note.push_str(&format!(
            "; kept this recipe's values where {parent} also changed: {}",
            conflicts.join(", ")
        ));
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_child_change_survives_a_parent_change_to_another_key() {
        let old_parent = json!({"a": 1, "b": {"x": 1, "y": 1}});
        let child = json!({"a": 1, "b": {"x": 5, "y": 1}});
        let new_parent = json!({"a": 2, "b": {"x": 1, "y": 1}, "c": true});
        let plan = rebase(&old_parent, &new_parent, &child);
        assert_eq!(
            plan.manifest,
            json!({"a": 2, "b": {"x": 5, "y": 1}, "c": true})
        );
        assert!(plan.conflicts.is_empty());
        assert_eq!(plan.inherited, vec!["/a", "/c"]);
    }

    #[test]
    fn a_conflict_on_the_same_key_keeps_the_child_value_and_is_listed() {
        let old_parent = json!({"evaluation": {"threshold": 0.2}, "k": 1});
        let child = json!({"evaluation": {"threshold": 0.12}, "k": 1});
        let new_parent = json!({"evaluation": {"threshold": 0.15}, "k": 2});
        let plan = rebase(&old_parent, &new_parent, &child);
        assert_eq!(plan.manifest["evaluation"]["threshold"], json!(0.12));
        assert_eq!(plan.manifest["k"], json!(2));
        assert_eq!(plan.conflicts, vec!["/evaluation/threshold"]);
        let note = rebase_note("Base", "1.0.0", "1.1.0", &plan.conflicts);
        assert!(note.contains("/evaluation/threshold"), "{note}");
    }

    #[test]
    fn a_respelled_number_is_not_an_override() {
        let parent = json!({"t": 4.0, "m": {"x": 1, "y": "a"}});
        let child = json!({"t": 4, "m": {"x": 1.0, "y": "b"}});
        assert_eq!(overlay(&parent, &child), json!({"m": {"y": "b"}}));
    }

    #[test]
    fn overlay_paths_are_leaf_pointers() {
        let p = json!({"a": {"b": 1, "c": null}, "d/e": [1], "f": {}});
        assert_eq!(overlay_paths(&p), vec!["/a/b", "/a/c", "/d~1e", "/f"]);
        assert!(overlay_paths(&json!({})).is_empty());
    }
}
