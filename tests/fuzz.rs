//! Fuzz targets, run as property tests (this machine's toolchain is stable,
//! so cargo-fuzz's sanitizers are out of reach): every parser that takes
//! outside input is fed arbitrary and mutated input and must answer with a
//! value or a clear error, never a panic, and the laws between diff, merge
//! and rebase hold.
//!
//! `NEXML_FUZZ_CASES` sets the cases per target (default 256; CI runs 4000,
//! long runs are recorded in docs/fuzzing.md). A failure prints the input,
//! shrunk, and proptest keeps it in `tests/fuzz.proptest-regressions`.
#![cfg(all(feature = "sqlite", feature = "postgres"))]

use nexml::assistant::{Context, Proposal, respond};
use nexml::config::Config;
use nexml::domain::ModelFamily;
use nexml::domain::diff::{apply_patch, json_patch, merge, merge_diff};
use nexml::domain::inheritance::rebase;
use nexml::domain::manifest::{DEFAULT_MAX_MANIFEST_BYTES, parse_and_validate, same, validate};
use nexml::seed::baseline_manifest_text;
use proptest::prelude::*;
use serde_json::Value;
use std::sync::OnceLock;

fn cases() -> u32 {
    std::env::var("NEXML_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        // Shrinking a failure must not take longer than finding it.
        max_shrink_iters: 2048,
        ..ProptestConfig::default()
    }
}

const FAMILIES: [ModelFamily; 4] = [
    ModelFamily::Forecasting,
    ModelFamily::Pricing,
    ModelFamily::NextBestAction,
    ModelFamily::LocationScoring,
];

fn baselines() -> &'static [(ModelFamily, Value)] {
    static B: OnceLock<Vec<(ModelFamily, Value)>> = OnceLock::new();
    B.get_or_init(|| {
        FAMILIES
            .iter()
            .map(|f| {
                let text = baseline_manifest_text(*f);
                (*f, serde_json::from_str(text).expect("a baseline is JSON"))
            })
            .collect()
    })
}

/// JSON of every kind, including what manifests never hold (deep nesting,
/// huge and tiny numbers, odd keys, nulls).
fn arb_json() -> impl Strategy<Value = Value> {
    json_tree(true)
}

/// JSON as manifests hold it: no `null` members, which a merge patch would
/// read as "remove" (`manifest::validate` refuses them).
fn arb_manifest_json() -> impl Strategy<Value = Value> {
    json_tree(false)
}

fn json_tree(nulls: bool) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(move |b| if nulls && b {
            Value::Null
        } else {
            Value::from(b)
        }),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_/~]{1,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A baseline manifest with one place replaced by arbitrary JSON.
fn spliced_manifest() -> impl Strategy<Value = Value> {
    (0..FAMILIES.len(), any::<prop::sample::Index>(), arb_json()).prop_map(
        |(family, place, value)| {
            let mut manifest = baselines()[family].1.clone();
            let pointers = pointers(&manifest);
            let at = place.get(&pointers).clone();
            if let Some(slot) = manifest.pointer_mut(&at) {
                *slot = value;
            }
            manifest
        },
    )
}

fn pointers(value: &Value) -> Vec<String> {
    fn walk(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    let key = k.replace('~', "~0").replace('/', "~1");
                    walk(child, format!("{at}/{key}"), out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
        out.push(at);
    }
    let mut out = Vec::new();
    walk(value, String::new(), &mut out);
    out
}

/// Text damaged the ways files are: bytes changed, cut short, inserted.
fn mutated(text: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, "\\PC{0,3}"), 1..6).prop_map(
        move |edits| {
            let mut chars: Vec<char> = text.chars().collect();
            for (place, kind, insert) in edits {
                if chars.is_empty() {
                    break;
                }
                let i = place.index(chars.len());
                match kind {
                    0 => {
                        chars.remove(i);
                    }
                    1 => chars.truncate(i),
                    _ => {
                        for (k, c) in insert.chars().enumerate() {
                            chars.insert(i + k, c);
                        }
                    }
                }
            }
            chars.into_iter().collect()
        },
    )
}

fn any_manifest_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,200}",
        mutated(baseline_manifest_text(ModelFamily::Forecasting)),
        mutated(baseline_manifest_text(ModelFamily::LocationScoring)),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// Manifest text: parsed and validated, or refused with problems placed
    /// inside the text; what passes validates again and equals itself.
    #[test]
    fn manifest_text(text in any_manifest_text()) {
        match parse_and_validate(&text, DEFAULT_MAX_MANIFEST_BYTES) {
            Ok(value) => {
                prop_assert!(validate(&value).is_ok());
                let again = serde_json::to_string_pretty(&value).unwrap();
                let reparsed = parse_and_validate(&again, DEFAULT_MAX_MANIFEST_BYTES).unwrap();
                prop_assert!(same(&value, &reparsed));
            }
            Err(invalid) => {
                prop_assert!(!invalid.problems.is_empty());
                let lines = text.lines().count().max(1);
                for p in &invalid.problems {
                    prop_assert!(!p.message.is_empty());
                    if let Some(line) = p.line {
                        prop_assert!(line >= 1 && line <= lines + 1, "line {} of {}", line, lines);
                    }
                }
            }
        }
    }

    /// Any JSON at any place of a manifest: validation answers and agrees
    /// with itself after a round trip through text.
    #[test]
    fn manifest_values(manifest in spliced_manifest()) {
        let verdict = validate(&manifest).is_ok();
        let text = serde_json::to_string(&manifest).unwrap();
        let again = parse_and_validate(&text, usize::MAX).is_ok();
        prop_assert_eq!(verdict, again);
    }

    /// Diff then apply is the identity; an overlay over its parent gives the
    /// child back; a rebase onto the same parent changes nothing and
    /// conflicts nowhere.
    #[test]
    fn merge_diff_and_rebase_laws(
        parent in arb_manifest_json(),
        child in arb_manifest_json(),
        newer in arb_manifest_json(),
    ) {
        prop_assert_eq!(apply_patch(&parent, &json_patch(&parent, &child)).unwrap(), child.clone());
        let overlay = merge_diff(&parent, &child);
        prop_assert_eq!(merge(&parent, &overlay), child.clone());
        let same_parent = rebase(&parent, &parent, &child);
        prop_assert_eq!(&same_parent.manifest, &child);
        prop_assert!(same_parent.conflicts.is_empty());
        let moved = rebase(&parent, &newer, &child);
        prop_assert_eq!(moved.manifest, merge(&newer, &overlay));
    }

    /// CSV for drift: read into a table (every column as long as the rows)
    /// or refused; two readable tables compare or are refused, never panic.
    #[test]
    fn drift_csv(
        reference in prop_oneof!["[a-c,\"\n\r0-9.e-]{0,120}", "\\PC{0,80}", mutated("a,b,c\n1,x,2.5\n2,y,\n3,x,NaN\n")],
        current in "[a-c,\n0-9.]{0,80}",
    ) {
        let read = |name: &str, text: &str| nexml::drift::read_csv(name, text.as_bytes());
        match read("reference.csv", &reference) {
            Ok(table) => {
                for column in table.columns() {
                    prop_assert_eq!(column.present_count() + column.missing_count(), table.rows());
                }
                if let Ok(current) = read("current.csv", &current) {
                    match nexml::drift::compare(&table, &current, &Default::default()) {
                        Ok(report) => prop_assert!(!nexml::drift::render_table(&report).is_empty()),
                        Err(e) => prop_assert!(!e.to_string().is_empty()),
                    }
                }
            }
            Err(e) => prop_assert!(e.to_string().starts_with("reference.csv: "), "{}", e),
        }
    }

    /// Config and key bindings: parsed, or refused with a line number.
    #[test]
    fn config_and_keymap(lines in prop::collection::vec(prop_oneof![
        Just("[keys.library]".to_string()),
        Just("[keys.editor]".to_string()),
        Just("[keys.nowhere]".to_string()),
        Just("[governance]".to_string()),
        Just("[limits]".to_string()),
        Just("distinct_approver = true".to_string()),
        Just("manifest_bytes = 5000".to_string()),
        Just("theme = \"light\"".to_string()),
        "(open|save|filter|quit|back|nothing) = \\[\"(ctrl-|alt-)?[a-z?:/]{1,3}\"(, \"enter\")?\\]",
        "\\PC{0,20}",
    ], 0..10)) {
        let text = lines.join("\n");
        if let Err(e) = Config::parse(&text) {
            let line: usize = e
                .split(':')
                .next()
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or_else(|| panic!("no line number in {e:?}"));
            prop_assert!(line >= 1 && line <= lines.len() + 1, "{}", e);
        }
    }

    /// The assistant: any text, on any family's recipe or none, answers, and
    /// a proposal it makes always applies and validates.
    #[test]
    fn chat_parser(text in prop_oneof![
        "\\PC{0,80}",
        "(set|raise|lower|add|remove|don't|stop|alert|monitor|mape|rmse|auc|psi|drift|daily|weekly|quarterly|every|3 months|by|to|under|above|0\\.1|12%|5 points|price|features|&|,|and|then| ){1,14}",
    ], family in 0..5usize) {
        let names = ["Forecasting Baseline v1", "Pricing Optimization Baseline v1", "Next Best Action Baseline v1", "Location Scoring Baseline v1"];
        let all: Vec<(ModelFamily, &Value)> = baselines().iter().map(|(f, v)| (*f, v)).collect();
        // A question before, so follow-ups ("make it …") are read too.
        let history = ["list the alerts on this recipe".to_string()];
        let ctx = Context {
            recipe_name: names.get(family).copied(),
            manifest: baselines().get(family).map(|(_, v)| v),
            versions: &[],
            monitoring: None,
            baselines: &all,
            history: &history,
            pending: None,
        };
        let reply = respond(&text, &ctx);
        match &reply.proposal {
            Some(Proposal::Edit { patch, .. }) => {
                let before = ctx.manifest.expect("an edit needs an open recipe");
                let after = apply_patch(before, patch).expect("an edit applies");
                prop_assert!(validate(&after).is_ok(), "{:?} proposed an invalid manifest", text);
            }
            Some(Proposal::NewRecipe { manifest, .. }) => {
                prop_assert!(validate(manifest).is_ok(), "{:?} proposed an invalid recipe", text);
            }
            None => {}
        }
    }

    /// The terminal neutralizer: nothing that drives a terminal gets through,
    /// twice is once, and cutting keeps within the width.
    #[test]
    fn text_neutralizer(text in "(\\PC|[\u{0}-\u{1f}\u{7f}-\u{9f}\u{202a}-\u{202e}\u{2066}-\u{2069}])*", cols in 0usize..40) {
        let clean = nexml::text::sanitize(&text);
        prop_assert!(!clean.chars().any(nexml::text::is_terminal_unsafe), "{:?}", clean);
        prop_assert_eq!(nexml::text::sanitize(&clean), clean.clone());
        let log = nexml::text::sanitize_log(&text);
        prop_assert!(!log.chars().any(|c| c != '\n' && nexml::text::is_terminal_unsafe(c)));
        prop_assert!(nexml::text::width(&nexml::text::truncate(&clean, cols)) <= cols);
    }
}
