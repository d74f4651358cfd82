//! The trainers against the seeded baseline manifests: gates met with a
//! margin, losses that fall, byte-identical reruns, failing quality checks,
//! and a report every line of which the app can parse.

use super::*;
use serde_json::json;
use std::collections::BTreeMap;

fn manifest(family: ModelFamily) -> Value {
    let text = match family {
        ModelFamily::Forecasting => {
            include_str!("../../../../seeds/baselines/forecasting/manifest.json")
        }
        ModelFamily::Pricing => include_str!("../../../../seeds/baselines/pricing/manifest.json"),
        ModelFamily::NextBestAction => {
            include_str!("../../../../seeds/baselines/next_best_action/manifest.json")
        }
        ModelFamily::LocationScoring => {
            include_str!("../../../../seeds/baselines/location_scoring/manifest.json")
        }
    };
    serde_json::from_str(text).expect("baseline manifest is JSON")
}

fn run(
    stage: StageKind,
    family: ModelFamily,
    manifest: &Value,
    seed: u64,
    model: Option<&Value>,
) -> (Result<StageOutput, TrainerError>, String) {
    let input = StageInput {
        family,
        manifest,
        seed,
        model,
    };
    let mut out = Vec::new();
    let result = run_stage(stage, &input, &mut out);
    (result, String::from_utf8(out).expect("the report is UTF-8"))
}

/// Training then evaluation; the model and both reports.
fn train_and_evaluate(family: ModelFamily, manifest: &Value, seed: u64) -> (Value, String, String) {
    let (trained, train_text) = run(StageKind::Training, family, manifest, seed, None);
    let model = trained
        .unwrap_or_else(|e| panic!("{family} training: {e}"))
        .model
        .expect("training returns a model");
    let (evaluated, eval_text) = run(StageKind::Evaluation, family, manifest, seed, Some(&model));
    evaluated.unwrap_or_else(|e| panic!("{family} evaluation: {e}\n{eval_text}"));
    (model, train_text, eval_text)
}

#[derive(Debug, PartialEq)]
enum Line {
    Param(String, String),
    Metric(String, f64, Option<u64>),
    Tag(String, String),
    Log,
}

/// The forms the app parses.
fn parse(line: &str) -> Result<Line, String> {
    let pair = |rest: &str| -> Result<(String, String), String> {
        let (k, v) = rest.split_once('=').ok_or("no '='")?;
        if k.is_empty()
            || k.contains(char::is_whitespace)
            || v.is_empty()
            || v.contains(char::is_whitespace)
        {
            return Err("bad key or value".into());
        }
        Ok((k.to_string(), v.to_string()))
    };
    if let Some(rest) = line.strip_prefix("nexml:param ") {
        let (k, v) = pair(rest)?;
        return Ok(Line::Param(k, v));
    }
    if let Some(rest) = line.strip_prefix("nexml:tag ") {
        let (k, v) = pair(rest)?;
        return Ok(Line::Tag(k, v));
    }
    if let Some(rest) = line.strip_prefix("nexml:metric ") {
        let mut parts = rest.split(' ');
        let (k, v) = pair(parts.next().ok_or("empty")?)?;
        let value: f64 = v.parse().map_err(|_| format!("{v} is not a number"))?;
        if !value.is_finite() {
            return Err("not finite".into());
        }
        let step = match parts.next() {
            None => None,
            Some(s) => Some(
                s.strip_prefix("step=")
                    .and_then(|n| n.parse::<u64>().ok())
                    .ok_or(format!("bad step {s}"))?,
            ),
        };
        if parts.next().is_some() {
            return Err("trailing text".into());
        }
        return Ok(Line::Metric(k, value, step));
    }
    if line.starts_with("nexml:") || line.trim().is_empty() {
        return Err("unknown nexml: line or empty line".into());
    }
    Ok(Line::Log)
}

fn lines(text: &str) -> Vec<Line> {
    text.lines()
        .map(|l| parse(l).unwrap_or_else(|e| panic!("unparsable line {l:?}: {e}")))
        .collect()
}

fn finals(text: &str) -> BTreeMap<String, f64> {
    lines(text)
        .into_iter()
        .filter_map(|l| match l {
            Line::Metric(k, v, None) => Some((k, v)),
            _ => None,
        })
        .collect()
}

fn steps(text: &str, key: &str) -> Vec<f64> {
    lines(text)
        .into_iter()
        .filter_map(|l| match l {
            Line::Metric(k, v, Some(_)) if k == key => Some(v),
            _ => None,
        })
        .collect()
}

/// The manifest's gates, as (name, threshold, lower is better).
fn gates(manifest: &Value) -> Vec<(String, f64, bool)> {
    manifest["evaluation"]["metrics"]
        .as_array()
        .expect("evaluation.metrics")
        .iter()
        .map(|m| {
            (
                m["name"].as_str().expect("name").to_string(),
                m["threshold"].as_f64().expect("threshold"),
                m["direction"].as_str() == Some("lower_is_better"),
            )
        })
        .collect()
}

/// Whether `value` meets the gate, with `margin` (a share of the room
/// between the threshold and the metric's bound) to spare.
fn meets(value: f64, threshold: f64, lower: bool, margin: f64) -> bool {
    if lower {
        value <= threshold - margin * threshold.abs()
    } else {
        let room = threshold.abs().min((1.0 - threshold).abs().max(1e-9));
        value >= threshold + margin * room
    }
}

#[test]
fn names_parse() {
    for kind in StageKind::ALL {
        assert_eq!(StageKind::parse(kind.as_str()), Some(kind));
    }
    for &family in ModelFamily::ALL {
        assert_eq!(family.as_str().parse::<ModelFamily>().ok(), Some(family));
    }
    assert_eq!(
        "Next-Best-Action".parse::<ModelFamily>().ok(),
        Some(ModelFamily::NextBestAction)
    );
    assert_eq!(StageKind::parse("train"), None);
    assert_eq!("churn".parse::<ModelFamily>().ok(), None);
}

#[test]
fn baselines_meet_every_gate_with_margin_at_seed_42() {
    for &family in ModelFamily::ALL {
        let manifest = manifest(family);
        let (_, _, eval_text) = train_and_evaluate(family, &manifest, 42);
        let got = finals(&eval_text);
        for (name, threshold, lower) in gates(&manifest) {
            let value = *got
                .get(&name)
                .unwrap_or_else(|| panic!("{family}: no final {name}\n{eval_text}"));
            assert!(
                meets(value, threshold, lower, 0.1),
                "{family}: {name} = {value} vs threshold {threshold}\n{eval_text}"
            );
        }
    }
}

#[test]
fn baselines_meet_every_gate_at_other_seeds() {
    for seed in [1, 2, 3, 2024] {
        for &family in ModelFamily::ALL {
            let manifest = manifest(family);
            let (_, _, eval_text) = train_and_evaluate(family, &manifest, seed);
            let got = finals(&eval_text);
            for (name, threshold, lower) in gates(&manifest) {
                let value = got[&name];
                assert!(
                    meets(value, threshold, lower, 0.0),
                    "{family} seed {seed}: {name} = {value} vs {threshold}"
                );
            }
        }
    }
}

#[test]
fn training_loss_falls_over_dozens_of_steps() {
    for &family in ModelFamily::ALL {
        let manifest = manifest(family);
        let (result, text) = run(StageKind::Training, family, &manifest, 42, None);
        result.unwrap_or_else(|e| panic!("{family}: {e}"));
        let train = steps(&text, "train_loss");
        let val = steps(&text, "val_loss");
        assert!(
            train.len() >= 24 && train.len() <= 500,
            "{family}: {} steps",
            train.len()
        );
        assert_eq!(train.len(), val.len(), "{family}");
        let (first, last) = (train[0], train[train.len() - 1]);
        assert!(last < first, "{family}: train_loss {first} -> {last}");
        let logs = lines(&text).iter().filter(|l| **l == Line::Log).count();
        assert!(logs <= 300, "{family}: {logs} log lines");
    }
}

fn all_stages(family: ModelFamily, manifest: &Value, seed: u64) -> String {
    let mut model: Option<Value> = None;
    let mut text = String::new();
    for kind in StageKind::ALL {
        let (result, out) = run(kind, family, manifest, seed, model.as_ref());
        let output = result.unwrap_or_else(|e| panic!("{family} {kind}: {e}\n{out}"));
        model = output.model.or(model);
        text.push_str(&out);
    }
    text
}

#[test]
fn same_seed_same_bytes_other_seed_other_numbers() {
    for &family in ModelFamily::ALL {
        let manifest = manifest(family);
        let a = all_stages(family, &manifest, 7);
        let b = all_stages(family, &manifest, 7);
        assert_eq!(a, b, "{family}");
        let c = all_stages(family, &manifest, 8);
        let metrics = |t: &str| -> Vec<String> {
            t.lines()
                .filter(|l| l.starts_with("nexml:metric"))
                .map(String::from)
                .collect()
        };
        assert_ne!(metrics(&a), metrics(&c), "{family}");
    }
}

#[test]
fn every_line_of_every_stage_parses() {
    for &family in ModelFamily::ALL {
        let manifest = manifest(family);
        let text = all_stages(family, &manifest, 42);
        let parsed = lines(&text);
        assert!(
            parsed
                .iter()
                .any(|l| matches!(l, Line::Tag(k, _) if k == "trainer"))
        );
        assert!(parsed.iter().any(|l| matches!(l, Line::Param(..))));
        assert!(text.contains("deployment: dry run, nothing published"));
        assert!(
            text.contains("quality: ") && text.contains("checks passed"),
            "{family}"
        );
    }
}

/// A manifest whose quality stage has one extra check the data breaks.
fn with_check(family: ModelFamily, check: Value) -> Value {
    let mut m = manifest(family);
    let stages = m["pipeline"]["stages"].as_array_mut().expect("stages");
    let quality = stages
        .iter_mut()
        .find(|s| s["type"] == "quality")
        .expect("a quality stage");
    quality["config"]["checks"]
        .as_array_mut()
        .expect("checks")
        .push(check);
    m
}

#[test]
fn quality_fails_on_a_check_the_data_breaks() {
    let cases = [
        (
            ModelFamily::Forecasting,
            json!({ "check": "range", "column": "units_sold", "max": 5 }),
        ),
        (
            ModelFamily::Pricing,
            json!({ "check": "expression", "expr": "unit_price >= 2 * unit_cost" }),
        ),
        (
            ModelFamily::NextBestAction,
            json!({ "check": "positive_rate", "min": 0.5, "max": 0.9 }),
        ),
        (
            ModelFamily::LocationScoring,
            json!({ "check": "not_null", "columns": ["annual_revenue"] }),
        ),
    ];
    for (family, check) in cases {
        let (ok, text) = run(StageKind::Quality, family, &manifest(family), 42, None);
        ok.unwrap_or_else(|e| panic!("{family} baseline quality: {e}\n{text}"));
        let (result, text) = run(
            StageKind::Quality,
            family,
            &with_check(family, check),
            42,
            None,
        );
        let err = result.expect_err("the broken check fails the stage");
        let message = err.to_string();
        assert!(
            matches!(err, TrainerError::Quality { .. }),
            "{family}: {message}"
        );
        assert!(message.starts_with("quality stage '"), "{message}");
        assert!(!message.contains('\n'));
        assert!(text.contains("quality: FAIL"), "{text}");
    }
    // With fail_on_error false the same failure is a warning.
    let mut m = with_check(
        ModelFamily::Forecasting,
        json!({ "check": "range", "column": "units_sold", "max": 5 }),
    );
    m["pipeline"]["stages"][0]["config"]["fail_on_error"] = json!(false);
    let (result, text) = run(StageKind::Quality, ModelFamily::Forecasting, &m, 42, None);
    assert!(result.is_ok(), "{text}");
    assert!(text.contains("reported as warnings"));
}

#[test]
fn evaluation_refits_without_a_model_and_checks_the_one_it_gets() {
    let family = ModelFamily::LocationScoring;
    let m = manifest(family);
    let (trained, _) = run(StageKind::Training, family, &m, 42, None);
    let model = trained.unwrap().model.unwrap();
    let (given, given_text) = run(StageKind::Evaluation, family, &m, 42, Some(&model));
    let (refit, refit_text) = run(StageKind::Evaluation, family, &m, 42, None);
    assert_eq!(given.unwrap().model, refit.unwrap().model);
    assert_eq!(finals(&given_text), finals(&refit_text));
    assert!(refit_text.contains("no fitted model given"));
    assert!(
        !refit_text.contains("train_loss"),
        "training steps leak into evaluation"
    );

    let mut no_training = m.clone();
    for stage in no_training["pipeline"]["stages"].as_array_mut().unwrap() {
        if stage["type"] == "training" {
            stage["enabled"] = json!(false);
        }
    }
    let (result, _) = run(StageKind::Evaluation, family, &no_training, 42, None);
    assert!(matches!(result, Err(TrainerError::NoModel { .. })));

    let other = json!({ "family": "pricing", "trainer": "log_log_elasticity" });
    let (result, _) = run(StageKind::Evaluation, family, &m, 42, Some(&other));
    let message = result.unwrap_err().to_string();
    assert!(message.contains("it is a pricing model"), "{message}");
    let broken = json!({ "family": "location_scoring" });
    let (result, _) = run(StageKind::Evaluation, family, &m, 42, Some(&broken));
    assert!(matches!(result, Err(TrainerError::Model { .. })));
}

#[test]
fn unusable_settings_are_errors_that_say_where() {
    let mut m = manifest(ModelFamily::NextBestAction);
    m["pipeline"]["stages"][2]["config"]["hyperparameters"]["learning_rate"] = json!("fast");
    let (result, _) = run(
        StageKind::Training,
        ModelFamily::NextBestAction,
        &m,
        1,
        None,
    );
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("train_propensity_model") && message.contains("learning_rate"),
        "{message}"
    );
}

#[test]
fn stages_pass_the_model_on() {
    let family = ModelFamily::Pricing;
    let m = manifest(family);
    let model = json!({ "family": "pricing", "trainer": "x" });
    for kind in [
        StageKind::Quality,
        StageKind::FeaturePrep,
        StageKind::Deployment,
    ] {
        let (result, _) = run(kind, family, &m, 3, Some(&model));
        assert_eq!(result.unwrap().model.as_ref(), Some(&model), "{kind}");
    }
}
