//! Recipe manifests: parsing with line:column syntax errors and validation
//! against the JSON Schema shipped in `assets/`.

use serde_json::Value;
use std::fmt;
use std::sync::OnceLock;

/// The schema every manifest must satisfy.
pub const SCHEMA_TEXT: &str = include_str!("../../../../assets/manifest.schema.json");

/// The seven sections of a manifest, in their conventional order.
pub const SECTIONS: [&str; 7] = [
    "metadata",
    "requirements",
    "pipeline",
    "evaluation",
    "lineage",
    "deployment",
    "monitoring",
];

/// One problem with a manifest, located by `line:column` (syntax) or JSON pointer (schema).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ManifestProblem {
    /// `3:14` for a syntax error, `/evaluation/metrics/0/threshold` for a schema error.
    pub at: String,
    pub message: String,
    /// 1-based line of a syntax error, to jump to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl fmt::Display for ManifestProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.at.is_empty() { "/" } else { &self.at };
        write!(f, "{at}: {}", self.message)
    }
}

/// Every problem found in a manifest; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
pub struct InvalidManifest {
    pub problems: Vec<ManifestProblem>,
}

impl fmt::Display for InvalidManifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all: Vec<String> = self.problems.iter().map(|p| p.to_string()).collect();
        write!(f, "invalid manifest: {}", all.join("; "))
    }
}

/// The schema as JSON (its keys in the order written: the canonical order
/// of a manifest's keys, `canonical.rs`).
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    // The schema ships inside the binary and is checked by a unit test, so a
    // failure here is a build defect, not a user error.
    SCHEMA.get_or_init(|| serde_json::from_str(SCHEMA_TEXT).expect("bundled schema is JSON"))
}

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| jsonschema::validator_for(schema()).expect("bundled schema compiles"))
}

/// The largest manifest accepted unless configured (`[limits]
/// manifest_bytes`): a real one is a few kilobytes; a 50 MB one would be
/// stored twice per commit.
pub const DEFAULT_MAX_MANIFEST_BYTES: usize = 1024 * 1024;

/// Parses manifest text of at most `max_bytes`, checked before parsing; a
/// syntax error is reported as `line:column: message`.
pub fn parse(text: &str, max_bytes: usize) -> Result<Value, InvalidManifest> {
    if text.len() > max_bytes {
        return Err(too_big(text.len(), max_bytes, "1:1"));
    }
    serde_json::from_str::<Value>(text).map_err(|e| InvalidManifest {
        problems: vec![syntax_problem(&e)],
    })
}

/// Refuses a manifest whose compact JSON is over `max_bytes`: the size the
/// store keeps, whichever way the manifest arrived (file, editor, chat, import).
pub fn check_size(manifest: &Value, max_bytes: usize) -> Result<(), InvalidManifest> {
    let size = serde_json::to_vec(manifest).map_or(usize::MAX, |bytes| bytes.len());
    if size > max_bytes {
        return Err(too_big(size, max_bytes, ""));
    }
    Ok(())
}

fn too_big(size: usize, max_bytes: usize, at: &str) -> InvalidManifest {
    let position = (!at.is_empty()).then_some(1);
    InvalidManifest {
        problems: vec![ManifestProblem {
            at: at.into(),
            message: format!(
                "the manifest is {size} bytes; at most {max_bytes} are accepted (config: [limits] manifest_bytes)"
            ),
            line: position,
            column: position,
        }],
    }
}

fn syntax_problem(e: &serde_json::Error) -> ManifestProblem {
    let full = e.to_string();
    // serde_json appends " at line L column C"; we show the place first instead.
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    ManifestProblem {
        at: format!("{}:{}", e.line(), e.column()),
        message,
        line: Some(e.line()),
        column: Some(e.column()),
    }
}

/// Checks a manifest against the schema, returning every problem.
pub fn validate(manifest: &Value) -> Result<(), InvalidManifest> {
    let mut problems: Vec<ManifestProblem> = validator()
        .iter_errors(manifest)
        .map(|e| ManifestProblem {
            at: e.instance_path().to_string(),
            message: e.to_string(),
            line: None,
            column: None,
        })
        .collect();
    // Refused alike on both backends.
    forbidden_values(manifest, String::new(), &mut problems);
    if problems.is_empty() {
        return Ok(());
    }
    problems.sort_by(|a, b| a.at.cmp(&b.at));
    problems.dedup();
    Err(InvalidManifest { problems })
}

/// Values no manifest may hold: NUL characters (PostgreSQL cannot store
/// them in JSON), and `null` members, which an inheritance overlay (an
/// RFC 7386 merge patch) reads as "remove": a child's null would vanish.
fn forbidden_values(value: &Value, at: String, problems: &mut Vec<ManifestProblem>) {
    let problem = |at: String, message: &str| ManifestProblem {
        at,
        message: message.into(),
        line: None,
        column: None,
    };
    const NUL: &str = "NUL characters are not allowed";
    match value {
        Value::String(s) if s.contains('\0') => problems.push(problem(at, NUL)),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                forbidden_values(v, format!("{at}/{i}"), problems);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                if k.contains('\0') {
                    problems.push(problem(here.clone(), NUL));
                }
                if v.is_null() {
                    problems.push(problem(
                        here.clone(),
                        "null is not allowed (leave the key out instead)",
                    ));
                }
                forbidden_values(v, here, problems);
            }
        }
        _ => {}
    }
}

/// Whether two manifests say the same thing: numbers compare by value, so
/// `1.0` and `1` (as `jq` may rewrite them) are the same manifest.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => same_number(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Whether two numbers are one value spelled twice (`4` and `4.0`, `0.5`
/// and `5e-1`); integers beyond 2^53 are told apart exactly, since a float
/// cannot hold them.
pub fn same_number(x: &serde_json::Number, y: &serde_json::Number) -> bool {
    const EXACT: u64 = 1 << 53;
    let exact = |n: &serde_json::Number| {
        n.is_f64()
            || n.as_u64().is_some_and(|u| u <= EXACT)
            || n.as_i64().is_some_and(|i| i.unsigned_abs() <= EXACT)
    };
    x == y || (exact(x) && exact(y) && x.as_f64() == y.as_f64())
}

/// Parses and validates manifest text in one step.
pub fn parse_and_validate(text: &str, max_bytes: usize) -> Result<Value, InvalidManifest> {
    let value = parse(text, max_bytes)?;
    validate(&value)?;
    Ok(value)
}

/// The smallest valid manifest of a family: every section with placeholders
/// to replace, for a recipe started empty.
pub fn skeleton(family: super::ModelFamily) -> Value {
    serde_json::json!({
        "metadata": {"name": "", "model_family": family.as_str(), "description": "Describe what this model predicts and for whom."},
        "requirements": {
            "grain": "entity x day", "label": "label", "timestamp_column": "date", "min_history_days": 90,
            "feature_sets": [{"name": "core", "features": ["feature_1"]}]
        },
        "pipeline": {"stages": [{"name": "train", "type": "training"}]}, // vocabulary: a stage's name
        "evaluation": {
            "metrics": [{"name": "rmse", "threshold": 1.0, "direction": super::metrics::Direction::LowerIsBetter.as_str(), "primary": true}],
            "validation": {"strategy": "k_fold", "folds": 5}
        },
        "lineage": {
            "inputs": [{"name": "source", "source": "warehouse.schema.table"}],
            "outputs": [{"name": "predictions", "destination": "warehouse.schema.predictions"}]
        },
        "deployment": {"mode": "batch", "schedule": "0 6 * * *"},
        "monitoring": {
            "performance": {"prediction_column": "prediction", "label_column": "label", "metrics": ["rmse"]},
            "drift": {"enabled": false, "threshold": 0.2},
            "freshness": {"timestamp_column": "date", "max_staleness_hours": 36},
            "alerts": []
        }
    })
}

/// The `metadata.name` of a manifest, if present.
pub fn name_of(manifest: &Value) -> Option<&str> {
    manifest.pointer("/metadata/name").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_say_line_and_column() {
        let err = parse("{\n  \"a\": 1,\n  \"b\": \n}", DEFAULT_MAX_MANIFEST_BYTES).unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert_eq!(err.problems[0].at, "4:1");
        assert!(
            err.to_string()
                .starts_with("invalid manifest: 4:1: expected value")
        );
    }

    #[test]
    fn schema_compiles_and_empty_object_lists_every_missing_section() {
        let err = validate(&serde_json::json!({})).unwrap_err();
        let text = err.to_string();
        for section in SECTIONS {
            assert!(text.contains(section), "{section} not named in {text}");
        }
    }

    #[test]
    fn oversized_manifests_and_nul_characters_are_refused() {
        let big = format!("{{\"x\": \"{}\"}}", "a".repeat(DEFAULT_MAX_MANIFEST_BYTES));
        let err = parse(&big, DEFAULT_MAX_MANIFEST_BYTES).unwrap_err();
        assert!(err.to_string().contains("at most 1048576"), "{err}");
        // A limit set higher takes the same text; a compact value is measured too.
        let value = parse(&big, 2 * DEFAULT_MAX_MANIFEST_BYTES).unwrap();
        assert!(check_size(&value, 2 * DEFAULT_MAX_MANIFEST_BYTES).is_ok());
        let err = check_size(&value, DEFAULT_MAX_MANIFEST_BYTES).unwrap_err();
        assert!(err.to_string().contains("1048584 bytes"), "{err}");
        let text = include_str!("../../../../seeds/baselines/pricing/manifest.json");
        let mut manifest = parse(text, DEFAULT_MAX_MANIFEST_BYTES).unwrap();
        // A null member would read as "remove" in an inheritance overlay.
        let mut with_null = manifest.clone();
        with_null["metadata"]["owner_note"] = Value::Null;
        let err = validate(&with_null).unwrap_err();
        assert!(
            err.to_string()
                .contains("/metadata/owner_note: null is not allowed"),
            "{err}"
        );
        manifest["metadata"]["description"] = serde_json::json!("a\u{0}b");
        let err = validate(&manifest).unwrap_err();
        assert!(
            err.to_string()
                .contains("/metadata/description: NUL characters are not allowed"),
            "{err}"
        );
    }

    #[test]
    fn number_spellings_are_the_same_manifest() {
        let a: Value = serde_json::from_str(r#"{"t": 1.0, "l": [2, {"x": 0.5}]}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"l": [2.0, {"x": 5e-1}], "t": 1}"#).unwrap();
        assert_ne!(a, b);
        assert!(same(&a, &b));
        let c: Value = serde_json::from_str(r#"{"t": 1.5, "l": [2, {"x": 0.5}]}"#).unwrap();
        assert!(!same(&a, &c));
    }

    #[test]
    fn schema_errors_are_json_pointers() {
        let text = include_str!("../../../../seeds/baselines/pricing/manifest.json");
        let mut manifest = parse(text, DEFAULT_MAX_MANIFEST_BYTES).unwrap();
        validate(&manifest).unwrap();
        manifest["evaluation"]["metrics"][0]["direction"] = serde_json::json!("sideways");
        manifest["deployment"]["mode"] = serde_json::json!(42);
        let err = validate(&manifest).unwrap_err();
        let ats: Vec<&str> = err.problems.iter().map(|p| p.at.as_str()).collect();
        assert!(ats.contains(&"/evaluation/metrics/0/direction"), "{ats:?}");
        assert!(ats.contains(&"/deployment/mode"), "{ats:?}");
    }

    /// Numbers that become durations or counts of work are bounded, so a
    /// run never meets one it cannot turn into a time or a loop.
    #[test]
    fn durations_and_counts_are_range_checked() {
        let text = include_str!("../../../../seeds/baselines/pricing/manifest.json");
        let good = parse(text, DEFAULT_MAX_MANIFEST_BYTES).unwrap();
        for (pointer, bad) in [
            ("/pipeline/stages/0/timeout_minutes", "1e300"),
            ("/pipeline/stages/0/timeout_minutes", "0"),
            ("/requirements/min_history_days", "1e12"),
            ("/evaluation/validation/folds", "1000000"),
            ("/evaluation/validation/horizon", "99999"),
            ("/monitoring/freshness/max_staleness_hours", "1e300"),
        ] {
            let mut m = good.clone();
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            m.pointer_mut(parent).unwrap()[key] = serde_json::from_str(bad).unwrap();
            let err = validate(&m).expect_err(pointer).to_string();
            assert!(
                err.contains(&format!("{pointer}: ")),
                "{pointer} = {bad}: {err}"
            );
        }
        let mut m = good.clone();
        m["pipeline"]["stages"][0]["timeout_minutes"] = serde_json::json!(525600);
        validate(&m).expect("a year is allowed");
    }

    #[test]
    fn every_family_skeleton_is_valid_once_named() {
        for family in crate::domain::ModelFamily::ALL {
            let mut m = skeleton(*family);
            m["metadata"]["name"] = serde_json::json!("x");
            validate(&m).unwrap_or_else(|e| panic!("{family}: {e}"));
        }
    }
}
