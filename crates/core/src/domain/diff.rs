//! Differences between manifests: RFC 6902 patches, RFC 7386 merge patches,
//! and the text diff of their pretty-printed forms.

use super::canonical::{canonical, canonical_edit};
use serde_json::{Map, Value};

/// The RFC 6902 patch that turns `from` into `to`.
pub fn json_patch(from: &Value, to: &Value) -> json_patch::Patch {
    json_patch::diff(from, to)
}

/// Applies an RFC 6902 patch to a copy of `doc`.
pub fn apply_patch(doc: &Value, patch: &json_patch::Patch) -> Result<Value, String> {
    let mut out = doc.clone();
    json_patch::patch(&mut out, patch).map_err(|e| format!("patch does not apply: {e}"))?;
    Ok(out)
}

/// Applies an RFC 7386 merge patch to a copy of `doc`.
pub fn merge(doc: &Value, merge_patch: &Value) -> Value {
    let mut out = doc.clone();
    json_patch::merge(&mut out, merge_patch);
    out
}

/// The RFC 7386 merge patch that turns `from` into `to`: only the keys that
/// differ, `null` for removed keys, whole values where an object is not on both
/// sides. `merge(from, merge_diff(from, to)) == to` whenever `to` holds no nulls
/// (a merge patch cannot set a null).
pub fn merge_diff(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            let mut out = Map::new();
            for (k, va) in a {
                match b.get(k) {
                    None => {
                        out.insert(k.clone(), Value::Null);
                    }
                    Some(vb) if vb != va => {
                        out.insert(k.clone(), merge_diff(va, vb));
                    }
                    Some(_) => {}
                }
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    out.insert(k.clone(), vb.clone());
                }
            }
            Value::Object(out)
        }
        _ => to.clone(),
    }
}

/// The JSON pointers a patch touches, in order, with the operation's name.
pub fn changed_paths(patch: &json_patch::Patch) -> Vec<(String, String)> {
    use json_patch::PatchOperation::*;
    patch
        .0
        .iter()
        .map(|op| match op {
            Add(o) => ("add".to_string(), o.path.to_string()),
            Remove(o) => ("remove".to_string(), o.path.to_string()),
            Replace(o) => ("replace".to_string(), o.path.to_string()),
            Move(o) => ("move".to_string(), o.path.to_string()),
            Copy(o) => ("copy".to_string(), o.path.to_string()),
            Test(o) => ("test".to_string(), o.path.to_string()),
        })
        .collect()
}

/// Pretty-printed JSON with two-space indentation, as shown to users and diffed.
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// The two manifests of a diff in their canonical form, `to` spelled like
/// `from` where a number's value is unchanged: a diff shows changes, not
/// key orders or number spellings.
pub fn comparable(from: &Value, to: &Value) -> (Value, Value) {
    let from = canonical(from);
    let to = canonical_edit(to, &from);
    (from, to)
}

/// A unified text diff of the pretty-printed manifests, in their
/// canonical form.
pub fn unified_text_diff(from: &Value, to: &Value, from_label: &str, to_label: &str) -> String {
    let (from, to) = comparable(from, to);
    let a = pretty(&from) + "\n";
    let b = pretty(&to) + "\n";
    similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header(from_label, to_label)
        .to_string()
}

/// How a line of a diff changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineChange {
    Same,
    Removed,
    Added,
    /// A removed and an added line facing each other.
    Changed,
}

/// One row of a side-by-side diff; a unified view shows `Changed` as a
/// removed then an added line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DiffRow {
    pub change: LineChange,
    /// (1-based line number, text) on each side.
    pub old: Option<(usize, String)>,
    pub new: Option<(usize, String)>,
}

/// The rows of the line diff of two manifests, pretty-printed in their
/// canonical form.
pub fn diff_rows(from: &Value, to: &Value) -> Vec<DiffRow> {
    let (from, to) = comparable(from, to);
    let a = pretty(&from);
    let b = pretty(&to);
    let diff = similar::TextDiff::from_lines(&a, &b);
    let mut rows = Vec::new();
    for op in diff.ops() {
        let old: Vec<(usize, String)> = op
            .old_range()
            .map(|i| (i + 1, a.lines().nth(i).unwrap_or_default().to_string()))
            .collect();
        let new: Vec<(usize, String)> = op
            .new_range()
            .map(|i| (i + 1, b.lines().nth(i).unwrap_or_default().to_string()))
            .collect();
        match op.tag() {
            similar::DiffTag::Equal => {
                rows.extend(old.into_iter().zip(new).map(|(o, n)| DiffRow {
                    change: LineChange::Same,
                    old: Some(o),
                    new: Some(n),
                }))
            }
            similar::DiffTag::Delete => rows.extend(old.into_iter().map(|o| DiffRow {
                change: LineChange::Removed,
                old: Some(o),
                new: None,
            })),
            similar::DiffTag::Insert => rows.extend(new.into_iter().map(|n| DiffRow {
                change: LineChange::Added,
                old: None,
                new: Some(n),
            })),
            similar::DiffTag::Replace => {
                let len = old.len().max(new.len());
                for i in 0..len {
                    let (o, n) = (old.get(i).cloned(), new.get(i).cloned());
                    let change = match (&o, &n) {
                        (Some(_), Some(_)) => LineChange::Changed,
                        (Some(_), None) => LineChange::Removed,
                        _ => LineChange::Added,
                    };
                    rows.push(DiffRow {
                        change,
                        old: o,
                        new: n,
                    });
                }
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// RFC 7386 appendix A: every example (original, patch, result).
    #[test]
    fn rfc7386_appendix_examples() {
        let cases = [
            (json!({"a":"b"}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"b"}), json!({"b":"c"}), json!({"a":"b","b":"c"})),
            (json!({"a":"b"}), json!({"a":null}), json!({})),
            (
                json!({"a":"b","b":"c"}),
                json!({"a":null}),
                json!({"b":"c"}),
            ),
            (json!({"a":["b"]}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"c"}), json!({"a":["b"]}), json!({"a":["b"]})),
            (
                json!({"a":{"b":"c"}}),
                json!({"a":{"b":"d","c":null}}),
                json!({"a":{"b":"d"}}),
            ),
            (json!({"a":[{"b":"c"}]}), json!({"a":[1]}), json!({"a":[1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a":"b"}), json!(["c"]), json!(["c"])),
            (json!({"a":"foo"}), json!(null), json!(null)),
            (json!({"a":"foo"}), json!("bar"), json!("bar")),
            (json!({"e":null}), json!({"a":1}), json!({"e":null,"a":1})),
            (json!([1, 2]), json!({"a":"b","c":null}), json!({"a":"b"})),
            (
                json!({}),
                json!({"a":{"bb":{"ccc":null}}}),
                json!({"a":{"bb":{}}}),
            ),
        ];
        for (original, patch, result) in cases {
            assert_eq!(merge(&original, &patch), result, "{original} + {patch}");
        }
    }

    #[test]
    fn changed_paths_are_json_pointers() {
        let a = json!({"evaluation": {"metrics": [{"name": "mape", "threshold": 0.2}]}});
        let b = json!({"evaluation": {"metrics": [{"name": "mape", "threshold": 0.12}]}, "x": 1});
        let paths = changed_paths(&json_patch(&a, &b));
        assert!(paths.contains(&("replace".into(), "/evaluation/metrics/0/threshold".into())));
        assert!(paths.contains(&("add".into(), "/x".into())));
    }

    #[test]
    fn diff_rows_pair_changed_lines_and_number_both_sides() {
        let a = json!({"a": 1, "b": 2, "c": 3});
        let b = json!({"a": 1, "b": 20, "c": 3, "d": 4});
        let rows = diff_rows(&a, &b);
        let changed: Vec<_> = rows
            .iter()
            .filter(|r| r.change != LineChange::Same)
            .collect();
        assert!(changed.iter().any(|r| r.change == LineChange::Changed
            && r.old.as_ref().unwrap().1.contains("\"b\": 2")
            && r.new.as_ref().unwrap().1.contains("\"b\": 20")));
        assert!(
            changed
                .iter()
                .any(|r| r.new.as_ref().is_some_and(|n| n.1.contains("\"d\": 4")))
        );
        assert_eq!(rows.last().unwrap().new.as_ref().unwrap().0, 6);
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<bool>().prop_map(Value::from),
            (-1000i64..1000).prop_map(Value::from),
            "[a-z]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("[a-e]{1,2}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn json_patch_of_a_and_b_applied_to_a_gives_b(a in arb_json(), b in arb_json()) {
            let patch = json_patch(&a, &b);
            prop_assert_eq!(apply_patch(&a, &patch).unwrap(), b);
        }

        #[test]
        fn merge_of_merge_diff_gives_target(a in arb_json(), b in arb_json()) {
            prop_assert_eq!(merge(&a, &merge_diff(&a, &b)), b);
        }
    }
}
