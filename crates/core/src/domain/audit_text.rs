//! What an audit row changed, in a few words, for the histories people read
//! (a model's lifecycle history, `model show`). The row's details hold the
//! whole change; a history line names it so no change reads as empty.

use serde_json::Value;

/// One line saying what the row with `action` and `details` changed:
/// `draft → staging`, `owner alice → bob`, `version 1.2.0 (minor): note`.
/// Details this does not know are shown as their fields, never dropped.
pub fn describe(action: &str, details: &Value) -> String {
    let text = |k: &str| details.get(k).and_then(Value::as_str);
    let mut what = match (details.get("from"), details.get("to")) {
        (Some(Value::Object(_)), Some(Value::Object(_))) => fields_changed(details),
        (Some(from), Some(to)) => format!("{} → {}", scalar(from), scalar(to)),
        _ => match (action, text("version")) {
            ("create", Some(v)) => created_version(v, details),
            (_, Some(v)) => format!("version {v}"),
            _ => match details.get("run").and_then(Value::as_i64) {
                Some(run) => format!("run {run}"),
                None => as_fields(details),
            },
        },
    };
    if let Some(gate) = details.get("gate") {
        what.push_str(&gate_said(gate));
    }
    if let Some(by) = text("approved_by") {
        what.push_str(&format!(", approved by {by} (imported)"));
    }
    what
}

/// `owner alice → bob, name a → b`: each field the change moved.
fn fields_changed(details: &Value) -> String {
    let (Some(Value::Object(from)), Some(Value::Object(to))) =
        (details.get("from"), details.get("to"))
    else {
        return String::new();
    };
    let moved: Vec<String> = to
        .iter()
        .filter(|(k, v)| from.get(*k) != Some(*v))
        .map(|(k, v)| {
            let was = from.get(k).map_or("-".to_string(), scalar);
            format!("{k} {was} → {}", scalar(v))
        })
        .collect();
    if moved.is_empty() {
        "nothing changed".into()
    } else {
        moved.join(", ")
    }
}

/// `version 1.2.0 (minor): the note`.
fn created_version(version: &str, details: &Value) -> String {
    let mut out = format!("version {version}");
    if let Some(bump) = details.get("bump").and_then(Value::as_str) {
        out.push_str(&format!(" ({bump})"));
    }
    match details.get("note").and_then(Value::as_str) {
        Some(note) if !note.is_empty() => out.push_str(&format!(": {note}")),
        _ => {}
    }
    out
}

/// How a production move passed its gate: met by a run, or forced.
fn gate_said(gate: &Value) -> String {
    let run = gate.get("run").and_then(Value::as_i64);
    if gate.get("forced").and_then(Value::as_bool) == Some(true) {
        let reason = gate.get("reason").and_then(Value::as_str).unwrap_or("");
        format!(", forced: {reason}")
    } else {
        run.map_or(String::new(), |r| format!(", gate met by run {r}"))
    }
}

/// `key value` pairs of details this module has no words for.
fn as_fields(details: &Value) -> String {
    match details {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k} {}", scalar(v)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => String::new(),
        other => scalar(other),
    }
}

/// A value as text: strings bare, lists comma-separated, the rest as JSON.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        Value::Array(items) if items.is_empty() => "[]".into(),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_owner_change_names_both_owners_and_only_what_moved() {
        let d = json!({
            "from": {"name": "m", "owner": "alice"},
            "to": {"name": "m", "owner": "bob"},
        });
        assert_eq!(describe("update", &d), "owner alice → bob");
        let both = json!({
            "from": {"name": "a", "owner": "alice"},
            "to": {"name": "b", "owner": "bob"},
        });
        assert_eq!(describe("update", &both), "name a → b, owner alice → bob");
        let none = json!({"from": {"name": "a"}, "to": {"name": "a"}});
        assert_eq!(describe("update", &none), "nothing changed");
    }

    #[test]
    fn moves_versions_gates_and_links_are_named() {
        let moved = json!({"from": "draft", "to": "staging", "version": "1.0.0"});
        assert_eq!(describe("status", &moved), "draft → staging");
        let forced = json!({"from": "staging", "to": "production",
            "gate": {"forced": true, "reason": "demo", "run": 4}});
        assert_eq!(
            describe("status", &forced),
            "staging → production, forced: demo"
        );
        let met = json!({"from": "staging", "to": "production", "gate": {"run": 9, "met": true}});
        assert_eq!(
            describe("status", &met),
            "staging → production, gate met by run 9"
        );
        let created = json!({"recipe_id": 1, "version": "1.1.0", "bump": "minor", "note": "lr"});
        assert_eq!(describe("create", &created), "version 1.1.0 (minor): lr");
        let approved = json!({"recipe_id": 1, "version": "1.1.0"});
        assert_eq!(describe("approve", &approved), "version 1.1.0");
        assert_eq!(describe("produced", &json!({"run": 12})), "run 12");
        assert_eq!(
            describe("put", &json!({"rows": 3, "tags": ["a", "b"]})),
            "rows 3, tags a,b"
        );
    }
}
