//! A proposed change under construction: RFC 6902 operations recorded while
//! they are applied to a working copy, so every later step sees the earlier
//! ones and the recorded patch is known to apply.

use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, PatchOperation, RemoveOperation, ReplaceOperation};
use serde_json::{Map, Value};

/// Why a request gets no proposal: the reason and what to try instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Decline {
    pub text: String,
    pub suggestions: Vec<String>,
}

impl Decline {
    pub fn new(text: impl Into<String>) -> Decline {
        Decline {
            text: text.into(),
            suggestions: vec![],
        }
    }

    pub fn suggest<S: Into<String>>(mut self, s: impl IntoIterator<Item = S>) -> Decline {
        self.suggestions.extend(s.into_iter().map(Into::into));
        self
    }
}

/// The working copy, the operations so far and their human summary.
#[derive(Debug, Clone)]
pub struct Draft {
    pub doc: Value,
    pub ops: Vec<PatchOperation>,
    /// One line per change, saying exactly what changes.
    pub summary: Vec<String>,
    /// Caveats worth reading before applying.
    pub notes: Vec<String>,
    /// Why nothing changes, when the request is already satisfied.
    pub unchanged: Vec<String>,
}

fn pointer(path: &[&str]) -> PointerBuf {
    PointerBuf::from_tokens(path.iter().copied())
}

/// Location of `path` for messages: "/evaluation/metrics/1/threshold".
pub fn show_path(path: &[&str]) -> String {
    pointer(path).to_string()
}

impl Draft {
    pub fn new(doc: &Value) -> Draft {
        Draft {
            doc: doc.clone(),
            ops: vec![],
            summary: vec![],
            notes: vec![],
            unchanged: vec![],
        }
    }

    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        self.doc.pointer(&show_path(path))
    }

    fn apply(&mut self, op: PatchOperation) -> Result<(), Decline> {
        json_patch::patch(&mut self.doc, std::slice::from_ref(&op))
            .map_err(|e| Decline::new(format!("internal error building the change: {e}")))?;
        self.ops.push(op);
        Ok(())
    }

    /// Sets a value, adding it (and any missing parent objects) or replacing
    /// it; records nothing when the value is already there.
    pub fn set(&mut self, path: &[&str], value: Value) -> Result<bool, Decline> {
        if self.get(path) == Some(&value) {
            return Ok(false);
        }
        if self.get(path).is_some() {
            self.apply(PatchOperation::Replace(ReplaceOperation {
                path: pointer(path),
                value,
            }))?;
            return Ok(true);
        }
        // Add at the deepest existing ancestor, wrapping the value in the
        // objects that are missing below it.
        let mut depth = path.len().saturating_sub(1);
        while depth > 0 && self.get(&path[..depth]).is_none() {
            depth -= 1;
        }
        let mut nested = value;
        for key in path[depth + 1..].iter().rev() {
            let mut m = Map::new();
            m.insert((*key).to_string(), nested);
            nested = Value::Object(m);
        }
        let at = &path[..(depth + 1).min(path.len())];
        self.apply(PatchOperation::Add(AddOperation {
            path: pointer(at),
            value: nested,
        }))?;
        Ok(true)
    }

    /// Appends to the array at `path`.
    pub fn push(&mut self, path: &[&str], value: Value) -> Result<(), Decline> {
        let mut p: Vec<&str> = path.to_vec();
        p.push("-");
        self.apply(PatchOperation::Add(AddOperation {
            path: pointer(&p),
            value,
        }))
    }

    pub fn remove(&mut self, path: &[&str]) -> Result<(), Decline> {
        self.apply(PatchOperation::Remove(RemoveOperation {
            path: pointer(path),
        }))
    }

    pub fn line(&mut self, s: impl Into<String>) {
        self.summary.push(s.into());
    }

    pub fn note(&mut self, s: impl Into<String>) {
        self.notes.push(s.into());
    }

    pub fn same(&mut self, s: impl Into<String>) {
        self.unchanged.push(s.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_adds_replaces_or_skips_and_creates_parents() {
        let mut d = Draft::new(&json!({"a": {"b": 1}, "l": [1]}));
        assert!(d.set(&["a", "b"], json!(2)).unwrap());
        assert!(!d.set(&["a", "b"], json!(2)).unwrap());
        assert!(d.set(&["x", "y", "z"], json!("v")).unwrap());
        d.push(&["l"], json!(2)).unwrap();
        d.remove(&["l", "0"]).unwrap();
        assert_eq!(
            d.doc,
            json!({"a": {"b": 2}, "l": [2], "x": {"y": {"z": "v"}}})
        );
        assert_eq!(d.ops.len(), 4);
        let mut replay = json!({"a": {"b": 1}, "l": [1]});
        json_patch::patch(&mut replay, &d.ops).unwrap();
        assert_eq!(replay, d.doc);
    }

    #[test]
    fn names_with_slashes_are_escaped() {
        assert_eq!(show_path(&["a/b", "c~d"]), "/a~1b/c~0d");
    }
}
