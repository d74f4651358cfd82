//! Three-way merge of manifests: what one person changed since the version
//! they started from (the base), replayed onto what others saved meanwhile
//! (theirs). Changes at different places combine; one place changed two
//! different ways is a conflict, named by its JSON pointer with its three
//! values, so a person can choose. Arrays merge item by item only when no
//! side changed their length (an inserted item shifts every index after it).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One place both sides changed, differently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathConflict {
    /// JSON pointer, e.g. `/evaluation/thresholds/rmse`.
    pub path: String,
    /// The value at the base (None: absent there).
    pub base: Option<Value>,
    /// The value this author saved (None: removed).
    pub mine: Option<Value>,
    /// The value the newest version holds (None: removed).
    pub theirs: Option<Value>,
}

/// Which side a conflict is settled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Mine,
    Theirs,
}

/// What merging did.
#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    /// The combined manifest; at each conflict it holds theirs.
    pub merged: Value,
    /// The places both sides changed differently, in document order.
    pub conflicts: Vec<PathConflict>,
    /// The places where this author's change was replayed onto theirs.
    pub replayed: Vec<String>,
}

impl Merge {
    pub fn is_clean(&self) -> bool {
        self.conflicts.is_empty()
    }
}

/// Merges `mine` and `theirs`, both made from `base`.
pub fn three_way(base: &Value, mine: &Value, theirs: &Value) -> Merge {
    let mut merge = Merge {
        merged: Value::Null,
        conflicts: Vec::new(),
        replayed: Vec::new(),
    };
    merge.merged = node(
        "",
        Some(base),
        Some(mine),
        Some(theirs),
        &mut merge.conflicts,
        &mut merge.replayed,
    )
    .unwrap_or(Value::Null);
    merge
}

fn node(
    path: &str,
    base: Option<&Value>,
    mine: Option<&Value>,
    theirs: Option<&Value>,
    conflicts: &mut Vec<PathConflict>,
    replayed: &mut Vec<String>,
) -> Option<Value> {
    if mine == theirs || mine == base {
        return theirs.cloned();
    }
    if theirs == base {
        replayed.push(path.to_string());
        return mine.cloned();
    }
    let empty = Value::Object(Map::new());
    match (base.unwrap_or(&empty), mine, theirs) {
        (Value::Object(b), Some(Value::Object(m)), Some(Value::Object(t))) => {
            let mut out = Map::new();
            let keys = t.keys().chain(m.keys().filter(|k| !t.contains_key(*k)));
            for key in keys {
                let at = format!("{path}/{}", escape(key));
                if let Some(v) = node(&at, b.get(key), m.get(key), t.get(key), conflicts, replayed)
                {
                    out.insert(key.clone(), v);
                }
            }
            Some(Value::Object(out))
        }
        (Value::Array(b), Some(Value::Array(m)), Some(Value::Array(t)))
            if b.len() == m.len() && m.len() == t.len() =>
        {
            let items = (0..t.len())
                .map(|i| {
                    let at = format!("{path}/{i}");
                    node(&at, b.get(i), m.get(i), t.get(i), conflicts, replayed)
                        .unwrap_or(Value::Null)
                })
                .collect();
            Some(Value::Array(items))
        }
        _ => {
            conflicts.push(PathConflict {
                path: path.to_string(),
                base: base.cloned(),
                mine: mine.cloned(),
                theirs: theirs.cloned(),
            });
            theirs.cloned()
        }
    }
}

/// A key as a JSON pointer token (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `merged` with each conflict settled by its side (`choices[i]` for
/// `conflicts[i]`; a missing choice keeps theirs).
pub fn settle(merged: &Value, conflicts: &[PathConflict], choices: &[Side]) -> Value {
    let mut out = merged.clone();
    for (conflict, side) in conflicts.iter().zip(choices) {
        let value = match side {
            Side::Mine => conflict.mine.clone(),
            Side::Theirs => conflict.theirs.clone(),
        };
        put(&mut out, &conflict.path, value);
    }
    out
}

/// Sets (or with None removes) the value at `path`; its parent exists in a
/// merge's result, since a merge only descends where all sides have one.
fn put(doc: &mut Value, path: &str, value: Option<Value>) {
    let Some((parent_path, last)) = path.rsplit_once('/') else {
        if let Some(v) = value {
            *doc = v;
        }
        return;
    };
    let Some(parent) = doc.pointer_mut(parent_path) else {
        return;
    };
    let key = unescape(last);
    match (parent, value) {
        (Value::Object(map), Some(v)) => {
            map.insert(key, v);
        }
        (Value::Object(map), None) => {
            map.remove(&key);
        }
        (Value::Array(items), v) => {
            if let Some(slot) = key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                *slot = v.unwrap_or(Value::Null);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_at_different_places_combine() {
        let base = json!({"a": 1, "b": {"x": 1, "y": 1}, "c": [1, 2]});
        let mine = json!({"a": 1, "b": {"x": 5, "y": 1}, "c": [1, 2]});
        let theirs = json!({"a": 2, "b": {"x": 1, "y": 1}, "c": [1, 2, 3], "d": true});
        let m = three_way(&base, &mine, &theirs);
        assert!(m.is_clean(), "{:?}", m.conflicts);
        assert_eq!(
            m.merged,
            json!({"a": 2, "b": {"x": 5, "y": 1}, "c": [1, 2, 3], "d": true})
        );
        // Theirs left /b alone, so all of mine there is replayed.
        assert_eq!(m.replayed, vec!["/b"]);
    }

    #[test]
    fn my_removal_and_addition_survive_their_other_change() {
        let base = json!({"a": 1, "b": 2});
        let mine = json!({"b": 2, "new": {"k": 1}});
        let theirs = json!({"a": 1, "b": 3});
        let m = three_way(&base, &mine, &theirs);
        assert!(m.is_clean());
        assert_eq!(m.merged, json!({"b": 3, "new": {"k": 1}}));
    }

    #[test]
    fn the_same_place_changed_two_ways_is_a_conflict_that_keeps_theirs() {
        let base = json!({"evaluation": {"rmse": 0.2}, "k": 1});
        let mine = json!({"evaluation": {"rmse": 0.1}, "k": 1});
        let theirs = json!({"evaluation": {"rmse": 0.3}, "k": 2});
        let m = three_way(&base, &mine, &theirs);
        assert_eq!(
            m.conflicts,
            vec![PathConflict {
                path: "/evaluation/rmse".into(),
                base: Some(json!(0.2)),
                mine: Some(json!(0.1)),
                theirs: Some(json!(0.3)),
            }]
        );
        assert_eq!(m.merged, json!({"evaluation": {"rmse": 0.3}, "k": 2}));
        let settled = settle(&m.merged, &m.conflicts, &[Side::Mine]);
        assert_eq!(settled, json!({"evaluation": {"rmse": 0.1}, "k": 2}));
    }

    #[test]
    fn the_same_change_on_both_sides_is_no_conflict() {
        let base = json!({"a": 1});
        let both = json!({"a": 2});
        let m = three_way(&base, &both, &both);
        assert!(m.is_clean());
        assert_eq!(m.merged, both);
        assert!(m.replayed.is_empty());
    }

    #[test]
    fn items_of_equal_length_arrays_merge_one_by_one() {
        let base = json!({"stages": [{"name": "a", "t": 1}, {"name": "b", "t": 1}]});
        let mine = json!({"stages": [{"name": "a", "t": 2}, {"name": "b", "t": 1}]});
        let theirs = json!({"stages": [{"name": "a", "t": 1}, {"name": "b", "t": 9}]});
        let m = three_way(&base, &mine, &theirs);
        assert!(m.is_clean());
        assert_eq!(
            m.merged,
            json!({"stages": [{"name": "a", "t": 2}, {"name": "b", "t": 9}]})
        );
    }

    #[test]
    fn arrays_whose_length_changed_on_both_sides_conflict_whole() {
        let base = json!({"f": ["a", "b"]});
        let mine = json!({"f": ["a", "b", "c"]});
        let theirs = json!({"f": ["a"]});
        let m = three_way(&base, &mine, &theirs);
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].path, "/f");
    }

    #[test]
    fn a_removal_against_an_edit_conflicts_and_settles_either_way() {
        let base = json!({"a": {"b": 1}, "z": 0});
        let mine = json!({"z": 0});
        let theirs = json!({"a": {"b": 2}, "z": 0});
        let m = three_way(&base, &mine, &theirs);
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].path, "/a");
        assert_eq!(m.conflicts[0].mine, None);
        assert_eq!(
            settle(&m.merged, &m.conflicts, &[Side::Mine]),
            json!({"z": 0})
        );
        assert_eq!(
            settle(&m.merged, &m.conflicts, &[Side::Theirs]),
            json!({"a": {"b": 2}, "z": 0})
        );
    }

    #[test]
    fn keys_with_slashes_and_tildes_are_escaped_and_settle() {
        let base = json!({"a/b": {"~c": 1}});
        let mine = json!({"a/b": {"~c": 2}});
        let theirs = json!({"a/b": {"~c": 3}});
        let m = three_way(&base, &mine, &theirs);
        assert_eq!(m.conflicts[0].path, "/a~1b/~0c");
        assert_eq!(
            settle(&m.merged, &m.conflicts, &[Side::Mine]),
            json!({"a/b": {"~c": 2}})
        );
    }

    #[test]
    fn both_adding_an_object_at_one_key_combine_its_keys() {
        let base = json!({});
        let mine = json!({"n": {"x": 1}});
        let theirs = json!({"n": {"y": 2}});
        let m = three_way(&base, &mine, &theirs);
        assert!(m.is_clean());
        assert_eq!(m.merged, json!({"n": {"y": 2, "x": 1}}));
    }
}
