//! The assistant against `tests/data/assistant_requests.jsonl`: 201 requests
//! written the way data scientists type them (compound, negated, relative,
//! misspelt, follow-ups, questions, nonsense), each with the manifest it
//! should leave behind or what it should do instead.
//!
//! Scored per request: right (the expected manifest, or a question, answer
//! or decline with nothing proposed), missed (nothing proposed when a change
//! was asked: safe), or wrong and valid (a proposal that would save the
//! wrong manifest: the failure that matters). The test prints the score and
//! every failure, and holds the line measured when it was written, so the
//! score can only go up. `cargo test -p nexml-core --test assistant_eval --
//! --nocapture` shows the report.

use nexml_core::assistant::{Context, Intent, Proposal, respond};
use nexml_core::domain::ModelFamily;
use serde_json::Value;
use std::path::PathBuf;

/// What was last measured on the first set (2026-12-06): the floor.
const RIGHT_AT_LEAST: usize = 193;
/// The fresh set's floor, as last measured (2026-12-06; its
/// first score, before any change made for it, was 152 right, 32 wrong).
const FRESH_RIGHT_AT_LEAST: usize = 231;
/// The second set: first scored 120 right, 9 wrong (2026-12-06); as last
/// measured (2026-12-07).
const HELDOUT_RIGHT_AT_LEAST: usize = 128;
const HELDOUT_WRONG_AT_MOST: usize = 4;
/// The third set's first score (2026-12-07), before any change of the
/// round, was 122 right, 19 missed, 9 wrong and valid; as last measured
/// (its failures were read during the round: it is no longer unseen).
const THIRD_RIGHT_AT_LEAST: usize = 130;
const THIRD_WRONG_AT_MOST: usize = 4;
/// The fourth set's first score (2026-12-07, on 3e2a4e7), before any change
/// made for it, was 112 right, 29 missed, 9 wrong and valid; as last
/// measured (its failures were read during the round).
const FOURTH_RIGHT_AT_LEAST: usize = 130;
const FOURTH_WRONG_AT_MOST: usize = 3;
/// The fifth set's first score (2026-12-07, on 3ac191c), before any change
/// made for it, was 121 right, 25 missed, 4 wrong and valid; as last
/// measured (its failures were read during the round).
const FIFTH_RIGHT_AT_LEAST: usize = 141;
const FIFTH_WRONG_AT_MOST: usize = 1;
/// The sixth set's first score (2026-12-07, on 941f90b), before any change
/// made for it: 112 right, 30 missed, 8 wrong and valid; as last measured
/// (its failures were read during the round that followed).
const SIXTH_RIGHT_AT_LEAST: usize = 119;
const SIXTH_WRONG_AT_MOST: usize = 1;
/// The seventh set's first score (2026-12-07, on 4c750ab), before any
/// change made for it: 101 right, 40 missed, 9 wrong and valid; as last
/// measured (its failures were read during the round that followed).
const SEVENTH_RIGHT_AT_LEAST: usize = 108;
const SEVENTH_WRONG_AT_MOST: usize = 0;
/// The eighth set's first score (2026-12-08, on 2dc1dac), before any
/// change made for it: 115 right, 21 missed, 14 wrong and valid; as last
/// measured (its wrong answers were read in the round that followed).
const EIGHTH_RIGHT_AT_LEAST: usize = 126;
const EIGHTH_WRONG_AT_MOST: usize = 2;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn baseline(family: &str) -> Value {
    let path = repo().join(format!("seeds/baselines/{family}/manifest.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("a baseline manifest")
}

/// The expected changes applied to `manifest`, as a data scientist means them.
fn apply_expected(manifest: &Value, changes: &[Value]) -> Value {
    let mut out = manifest.clone();
    for c in changes {
        let path = c["path"].as_str().expect("a path");
        let op = match c["op"].as_str() {
            Some("set") if out.pointer(path).is_some() => "replace",
            Some("set") | Some("add") => "add",
            Some("remove") => "remove",
            other => panic!("unknown op {other:?}"),
        };
        let mut patch = serde_json::json!([{"op": op, "path": path}]);
        if op != "remove" {
            patch[0]["value"] = c["value"].clone();
        }
        let patch: json_patch::Patch = serde_json::from_value(patch).expect("a patch");
        json_patch::patch(&mut out, &patch).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    out
}

/// Equal JSON, numbers compared by value (2.0 is 2).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            (x - y).abs() <= 1e-9 * x.abs().max(1.0)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// A partial proposal (some clauses listed as not done): every value it
/// changes is changed as asked, and nothing else moves. Safe, so missed.
fn only_asked(base: &Value, result: &Value, expected: &Value) -> bool {
    let done = json_patch::diff(base, result);
    !done.0.is_empty()
        && done.0.iter().all(|op| {
            let path = op.path().to_string();
            match op {
                json_patch::PatchOperation::Remove(_) => {
                    let (b, e) = (base.pointer(&path), expected.pointer(&path));
                    b.is_some() && b != e
                }
                _ => match (result.pointer(&path), expected.pointer(&path)) {
                    (Some(r), Some(e)) => same(r, e),
                    _ => false,
                },
            }
        })
}

#[derive(Debug, PartialEq)]
enum Verdict {
    Right,
    Missed,
    WrongAndValid,
}

fn score(case: &Value, baselines: &[(ModelFamily, Value)]) -> (Verdict, String) {
    let request = case["request"].as_str().expect("a request");
    let expect = &case["expect"];
    let kind = expect["kind"].as_str().expect("a kind");
    let family = case["recipe"].as_str();
    let manifest = family.map(baseline);
    let name = family.map(|f| format!("{f} baseline"));
    let refs: Vec<(ModelFamily, &Value)> = baselines.iter().map(|(f, m)| (*f, m)).collect();
    let history: Vec<String> = case["history"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h.as_str().map(str::to_string))
        .collect();
    let ctx = Context {
        recipe_name: name.as_deref(),
        manifest: manifest.as_ref(),
        versions: &[],
        monitoring: None,
        baselines: &refs,
        history: &history,
        pending: None,
    };
    let reply = respond(request, &ctx);
    let changes = expect["changes"].as_array().cloned().unwrap_or_default();
    let got = |reply_text: &str| format!("{:?}: {}", reply.intent, reply_text.replace('\n', " / "));
    let verdict = match (kind, &reply.proposal) {
        ("change", Some(Proposal::Edit { patch, .. })) => {
            let base = manifest.clone().expect("a change needs a recipe");
            let mut result = base.clone();
            let applied = json_patch::patch(&mut result, patch).is_ok();
            let expected = apply_expected(&base, &changes);
            match applied && same(&result, &expected) {
                true => Verdict::Right,
                false if applied && only_asked(&base, &result, &expected) => Verdict::Missed,
                false => Verdict::WrongAndValid,
            }
        }
        ("change", Some(Proposal::NewRecipe { .. })) => Verdict::WrongAndValid,
        ("change", None) => Verdict::Missed,
        (
            "create",
            Some(Proposal::NewRecipe {
                family, manifest, ..
            }),
        ) => {
            let family_ok = changes
                .iter()
                .all(|c| c["path"] != "/metadata/model_family" || c["value"] == family.as_str());
            let asked = |c: &&Value| c["op"] == "set" && c["path"] != "/metadata/model_family";
            let at = |c: &Value| manifest.pointer(c["path"].as_str().unwrap_or(""));
            let settings_ok = changes
                .iter()
                .filter(asked)
                .all(|c| at(c).is_some_and(|v| same(v, &c["value"])));
            // Left as the baseline has it, and said so: partial, not wrong.
            let base = baselines.iter().find(|(f, _)| f == family).map(|(_, m)| m);
            let untouched_or_right = changes.iter().filter(asked).all(|c| {
                let path = c["path"].as_str().unwrap_or("");
                at(c).is_some_and(|v| same(v, &c["value"]))
                    || base.is_some_and(|b| b.pointer(path) == manifest.pointer(path))
            });
            let said = reply.text.contains("I did not change");
            match (family_ok, settings_ok, untouched_or_right && said) {
                (true, true, _) => Verdict::Right,
                (true, false, true) => Verdict::Missed,
                _ => Verdict::WrongAndValid,
            }
        }
        ("create", Some(Proposal::Edit { .. })) => Verdict::WrongAndValid,
        ("create", None) => Verdict::Missed,
        (_, Some(_)) => Verdict::WrongAndValid,
        ("decline", None) => match reply.intent {
            Intent::Unknown | Intent::Declined | Intent::Help => Verdict::Right,
            _ => Verdict::Missed,
        },
        ("answer", None) => match reply.intent {
            Intent::Unknown | Intent::Declined => Verdict::Missed,
            _ => Verdict::Right,
        },
        // A question back, or a refusal: either saves nothing.
        (_, None) => Verdict::Right,
    };
    (verdict, got(&reply.text))
}

/// One set's score, printed with every failure.
struct Report {
    requests: usize,
    right: usize,
    wrong: Vec<String>,
}

fn evaluate(set: &str) -> Report {
    let text = std::fs::read_to_string(repo().join("tests/data").join(set))
        .unwrap_or_else(|e| panic!("the evaluation set {set}: {e}"));
    let baselines: Vec<(ModelFamily, Value)> = ModelFamily::ALL
        .iter()
        .map(|f| (*f, baseline(f.as_str())))
        .collect();
    let cases: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let mut right = 0;
    let mut wrong = Vec::new();
    let mut missed = Vec::new();
    for case in &cases {
        let (verdict, got) = score(case, &baselines);
        let line = format!(
            "{} [{}] {:?} -> {got}",
            case["id"].as_str().unwrap_or("?"),
            case["expect"]["kind"].as_str().unwrap_or("?"),
            case["request"].as_str().unwrap_or("")
        );
        match verdict {
            Verdict::Right => right += 1,
            Verdict::Missed => missed.push(line),
            Verdict::WrongAndValid => wrong.push(line),
        }
    }
    println!(
        "assistant on {set}: {right}/{} right ({:.1}%), {} missed, {} wrong and valid",
        cases.len(),
        100.0 * right as f64 / cases.len() as f64,
        missed.len(),
        wrong.len()
    );
    for line in &wrong {
        println!("WRONG  {line}");
    }
    for line in &missed {
        println!("MISSED {line}");
    }
    Report {
        requests: cases.len(),
        right,
        wrong,
    }
}

impl Report {
    /// The set is as large as it was written, and its score holds the line:
    /// at least `right` right, at most `wrong` wrong and valid.
    fn holds(&self, requests: usize, right: usize, wrong: usize) {
        assert!(
            self.requests >= requests,
            "the set has {} requests",
            self.requests
        );
        assert!(self.right >= right, "the score fell: {} right", self.right);
        assert!(
            self.wrong.len() <= wrong,
            "wrong-and-valid changes: {}",
            self.wrong.len()
        );
    }
}

/// No proposal may save a change that was not asked for.
#[test]
fn the_assistant_on_requests_written_as_people_write() {
    evaluate("assistant_requests.jsonl").holds(200, RIGHT_AT_LEAST, 0);
}

/// The fresh set (2026-12-06): written from the README, the schema and the
/// four baselines alone, by someone who had read neither this code nor the
/// first set. Its first score, before any change made for it, is recorded
/// in BENCHMARKS.md; this floor only rises, and nothing wrong is saved.
#[test]
fn the_assistant_on_a_set_written_without_reading_its_code() {
    evaluate("assistant_requests_fresh.jsonl").holds(150, FRESH_RIGHT_AT_LEAST, 0);
}

/// A second set, written by another session the same way, after the
/// changes for the fresh set: scored once, and held as first measured (the
/// floor and ceiling below). Its failures are the next round's work.
#[test]
fn the_assistant_on_a_second_set_scored_once() {
    evaluate("assistant_requests_heldout.jsonl").holds(
        100,
        HELDOUT_RIGHT_AT_LEAST,
        HELDOUT_WRONG_AT_MOST,
    );
}

/// A third set, written by another session from the README, the schema and
/// the baselines only, before this round's changes (2026-12-07); its first
/// score and the round's are recorded in BENCHMARKS.md.
#[test]
fn the_assistant_on_a_third_set() {
    evaluate("assistant_requests_third.jsonl").holds(
        150,
        THIRD_RIGHT_AT_LEAST,
        THIRD_WRONG_AT_MOST,
    );
}

/// A fourth set, written by another session from the README, the docs, the
/// schema and the baselines only, before this round (2026-12-07); its first
/// score and the round's are recorded in BENCHMARKS.md.
#[test]
fn the_assistant_on_a_fourth_set() {
    evaluate("assistant_requests_fourth.jsonl").holds(
        150,
        FOURTH_RIGHT_AT_LEAST,
        FOURTH_WRONG_AT_MOST,
    );
}

/// A fifth set, written by a helper session from the README, the docs, the
/// schema and the baselines only (2026-12-07), and scored before anything
/// was changed for it; its first score is recorded in BENCHMARKS.md.
#[test]
fn the_assistant_on_a_fifth_set() {
    evaluate("assistant_requests_fifth.jsonl").holds(
        150,
        FIFTH_RIGHT_AT_LEAST,
        FIFTH_WRONG_AT_MOST,
    );
}

/// A sixth set, written by a helper session from the README, the schema and
/// the four baselines only (2026-12-07), scored once before anything was
/// changed for it; that first score is recorded in BENCHMARKS.md.
#[test]
fn the_assistant_on_a_sixth_set() {
    evaluate("assistant_requests_sixth.jsonl").holds(
        150,
        SIXTH_RIGHT_AT_LEAST,
        SIXTH_WRONG_AT_MOST,
    );
}

/// A seventh set, written by a helper session from the README, docs/cli.md,
/// the schema and the four baselines only (2026-12-07), scored once before
/// anything was changed for it; that first score is recorded in
/// BENCHMARKS.md.
#[test]
fn the_assistant_on_a_seventh_set() {
    evaluate("assistant_requests_seventh.jsonl").holds(
        150,
        SEVENTH_RIGHT_AT_LEAST,
        SEVENTH_WRONG_AT_MOST,
    );
}

/// An eighth set (2026-12-08), written by a helper session that read the
/// four baselines and three lines of an earlier set for the format, and
/// no code of the assistant; scored once before anything was changed for
/// it. Its first score is the floor, and is recorded in BENCHMARKS.md.
#[test]
fn the_assistant_on_an_eighth_set() {
    evaluate("assistant_requests_eighth.jsonl").holds(
        150,
        EIGHTH_RIGHT_AT_LEAST,
        EIGHTH_WRONG_AT_MOST,
    );
}
