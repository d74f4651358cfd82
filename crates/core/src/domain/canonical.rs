//! A manifest's one canonical form, whichever way it arrived (the editor, a
//! file, an import, the chat) and whichever backend kept it: PostgreSQL's
//! JSONB keeps no key order, and a tool may rewrite `4.0` as `4`.
//!
//! - Keys follow the schema's order (`assets/manifest.schema.json`):
//!   metadata, requirements, pipeline, evaluation, lineage, deployment,
//!   monitoring, and inside each the order the schema lists its properties
//!   in; keys the schema does not name come after those, alphabetically.
//! - A number whose value an edit leaves unchanged keeps the spelling of the
//!   version it was edited from (`4.0` stays `4.0` when a file says `4`), so
//!   a respelling is no change; a new number is spelled as serde_json reads
//!   it (`5e-1` is `0.5`).
//!
//! The store reads every version in this form and the service stores every
//! new one in it; diffs and exports compare and write it.

use super::manifest::{same_number, schema};
use serde_json::{Map, Value};

/// `manifest` with every object's keys in the canonical order.
pub fn canonical(manifest: &Value) -> Value {
    ordered(manifest, Some(schema()))
}

/// `edited`, an edit of `base`, in canonical form: keys in the canonical
/// order, and each number whose value `base` holds at the same place
/// spelled as there.
pub fn canonical_edit(edited: &Value, base: &Value) -> Value {
    respelled_like(&canonical(edited), base)
}

/// `value`, ordered by the part of the schema that describes it (`None`:
/// a part the schema leaves open, ordered alphabetically).
fn ordered(value: &Value, node: Option<&'static Value>) -> Value {
    let node = node.map(followed);
    match value {
        Value::Object(map) => {
            let listed = node
                .and_then(|n| n.get("properties"))
                .and_then(Value::as_object);
            let rank = |key: &str| {
                listed
                    .and_then(|l| l.keys().position(|p| p == key))
                    .unwrap_or(usize::MAX)
            };
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| (rank(a), *a).cmp(&(rank(b), *b)));
            let out: Map<String, Value> = keys
                .into_iter()
                .map(|k| (k.clone(), ordered(&map[k], member(node, k))))
                .collect();
            Value::Object(out)
        }
        Value::Array(items) => {
            let each = node.and_then(|n| n.get("items"));
            Value::Array(items.iter().map(|v| ordered(v, each)).collect())
        }
        other => other.clone(),
    }
}

/// The schema of an object's member `key`.
fn member(node: Option<&'static Value>, key: &str) -> Option<&'static Value> {
    let node = node?;
    node.get("properties")
        .and_then(|p| p.get(key))
        .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()))
}

/// A schema node, its `$ref` to a definition followed when it lists no
/// properties of its own.
fn followed(node: &'static Value) -> &'static Value {
    if node.get("properties").is_some() {
        return node;
    }
    node.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| schema().pointer(pointer))
        .unwrap_or(node)
}

/// `edited` with each number equal in value to `base`'s at the same place
/// spelled as in `base`; everything else as in `edited`, in its order.
pub fn respelled_like(edited: &Value, base: &Value) -> Value {
    match (edited, base) {
        (Value::Number(e), Value::Number(b)) if same_number(e, b) => base.clone(),
        (Value::Object(e), Value::Object(b)) => Value::Object(
            e.iter()
                .map(|(k, v)| {
                    let v = match b.get(k) {
                        Some(was) => respelled_like(v, was),
                        None => v.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        (Value::Array(e), Value::Array(b)) => Value::Array(
            e.iter()
                .enumerate()
                .map(|(i, v)| match b.get(i) {
                    Some(was) => respelled_like(v, was),
                    None => v.clone(),
                })
                .collect(),
        ),
        _ => edited.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::manifest::{DEFAULT_MAX_MANIFEST_BYTES, parse};
    use serde_json::json;

    fn pretty(v: &Value) -> String {
        serde_json::to_string_pretty(v).unwrap()
    }

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object().unwrap().keys().map(String::as_str).collect()
    }

    #[test]
    fn keys_follow_the_schema_then_the_alphabet_at_every_depth() {
        // JSONB's order: shorter keys first.
        let stored = json!({
            "lineage": {"outputs": [], "inputs": []},
            "pipeline": {"stages": [{"type": "training", "name": "fit", "config": {"b": 1, "a": 2}}]},
            "metadata": {"x_team": "ops", "tags": [], "name": "N", "owner": "o", "model_family": "pricing", "a_note": "n"},
            "monitoring": {}, "deployment": {}, "evaluation": {}, "requirements": {}
        });
        let c = canonical(&stored);
        assert_eq!(
            keys(&c),
            [
                "metadata",
                "requirements",
                "pipeline",
                "evaluation",
                "lineage",
                "deployment",
                "monitoring"
            ]
        );
        assert_eq!(
            keys(&c["metadata"]),
            ["name", "model_family", "owner", "tags", "a_note", "x_team"]
        );
        assert_eq!(
            keys(&c["pipeline"]["stages"][0]),
            ["name", "type", "config"]
        );
        assert_eq!(keys(&c["pipeline"]["stages"][0]["config"]), ["a", "b"]);
        assert_eq!(keys(&c["lineage"]), ["inputs", "outputs"]);
        // The same value, and canonical once is canonical for good.
        assert_eq!(c, stored);
        assert_eq!(pretty(&canonical(&c)), pretty(&c));
    }

    /// A shipped baseline keeps the order it is written in where the schema
    /// names the keys; a stage's free-form config reads alphabetically.
    #[test]
    fn a_baseline_keeps_its_written_order_where_the_schema_names_it() {
        let text = include_str!("../../../../seeds/baselines/forecasting/manifest.json");
        let written = parse(text, DEFAULT_MAX_MANIFEST_BYTES).unwrap();
        let c = canonical(&written);
        for section in ["", "/metadata", "/requirements", "/evaluation/metrics/0"] {
            let (a, b) = (
                c.pointer(section).unwrap(),
                written.pointer(section).unwrap(),
            );
            assert_eq!(keys(a), keys(b), "{section}");
        }
        let config = keys(&c["pipeline"]["stages"][2]["config"]);
        let mut sorted = config.clone();
        sorted.sort();
        assert_eq!(config, sorted);
        assert_ne!(config, keys(&written["pipeline"]["stages"][2]["config"]));
    }

    #[test]
    fn an_unchanged_number_keeps_the_spelling_it_had() {
        let base = json!({"t": 4.0, "l": [2, {"x": 0.5}], "n": 31});
        let edited = json!({"l": [2.0, {"x": 5e-1}, 7.0], "t": 4, "n": 32, "new": 1.0});
        let c = canonical_edit(&edited, &base);
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"l":[2,{"x":0.5},7.0],"n":32,"new":1.0,"t":4.0}"#
        );
        // Integers a float cannot hold are not the same number.
        let big = json!({"n": 9007199254740993u64});
        let near = json!({"n": 9007199254740992.0});
        assert_eq!(respelled_like(&big, &near), big);
    }
}
