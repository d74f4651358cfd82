//! Read-only views of a manifest that the parsers and answers share: the
//! names that exist (feature sets, features, metrics, alerts) and known
//! metric vocabulary.

use crate::domain::ModelFamily;
use crate::domain::metrics::{self as catalogue, evaluation_metrics};
use serde_json::Value;

/// A feature set's name and its features.
pub struct FeatureSet {
    pub name: String,
    pub features: Vec<String>,
}

/// An evaluation metric as the manifest states it.
pub struct Metric {
    pub name: String,
    pub threshold: Option<f64>,
    pub lower_is_better: bool,
    pub primary: bool,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub fn family(m: &Value) -> Option<ModelFamily> {
    m.pointer("/metadata/model_family")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

pub fn feature_sets(m: &Value) -> Vec<FeatureSet> {
    m.pointer("/requirements/feature_sets")
        .and_then(Value::as_array)
        .map(|sets| {
            sets.iter()
                .map(|s| FeatureSet {
                    name: s["name"].as_str().unwrap_or("").to_string(),
                    features: strings(s.get("features")),
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn all_features(m: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in feature_sets(m) {
        for f in s.features {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

pub fn metrics(m: &Value) -> Vec<Metric> {
    evaluation_metrics(m)
        .into_iter()
        .map(|x| Metric {
            name: x.name,
            threshold: x.threshold,
            lower_is_better: x.direction.lower_is_better(),
            primary: x.primary,
        })
        .collect()
}

pub fn monitored_metrics(m: &Value) -> Vec<String> {
    strings(m.pointer("/monitoring/performance/metrics"))
}

pub fn drift_columns(m: &Value) -> Vec<String> {
    strings(m.pointer("/monitoring/drift/columns"))
}

pub fn alerts(m: &Value) -> Vec<&Value> {
    m.pointer("/monitoring/alerts")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

pub fn alert_names(m: &Value) -> Vec<String> {
    alerts(m)
        .iter()
        .filter_map(|a| a["name"].as_str().map(str::to_string))
        .collect()
}

/// Every column name the manifest mentions: features, keys, label, lineage
/// columns, monitored columns. Used to warn about probable typos.
pub fn known_columns(m: &Value) -> Vec<String> {
    let mut out = all_features(m);
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for p in [
        "/requirements/label",
        "/requirements/timestamp_column",
        "/monitoring/performance/prediction_column",
        "/monitoring/performance/label_column",
        "/monitoring/freshness/timestamp_column",
    ] {
        if let Some(s) = m.pointer(p).and_then(Value::as_str) {
            add(s.to_string());
        }
    }
    for s in strings(m.pointer("/requirements/entity_keys")) {
        add(s);
    }
    for s in drift_columns(m) {
        add(s);
    }
    for section in ["inputs", "outputs"] {
        if let Some(list) = m
            .pointer(&format!("/lineage/{section}"))
            .and_then(Value::as_array)
        {
            for item in list {
                for c in strings(item.get("columns")) {
                    add(c);
                }
            }
        }
    }
    out
}

/// Every object key of the manifest, whole and word by word
/// ("memory_gb", "memory", "gb"): the words its settings are named by.
pub fn key_words(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                out.push(k.clone());
                out.extend(k.split('_').map(str::to_string));
                key_words(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| key_words(i, out)),
        _ => {}
    }
}

/// Metrics whose values are fractions, so "12" most likely means 12%.
pub fn is_fraction_metric(name: &str) -> bool {
    catalogue::is_fraction(name)
}

/// Default direction for a metric the manifest does not have yet.
pub fn lower_is_better_by_default(name: &str) -> Option<bool> {
    catalogue::lookup_evaluation(name).map(|k| k.direction.lower_is_better())
}

/// Cut text to a few words, for quoting descriptions.
pub fn first_sentence(s: &str) -> &str {
    match s.find(". ") {
        Some(i) => &s[..=i],
        None => s,
    }
}

/// A metric named in a request: manifest spelling and token span.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricMention {
    pub name: String,
    pub at: usize,
    pub len: usize,
}

/// Metrics named in the request, in order: the manifest's own names (typed
/// as `log_loss` or `log loss`) and the usual aliases.
pub fn metric_mentions(t: &super::text::Tokens, m: Option<&Value>) -> Vec<MetricMention> {
    let mut candidates: Vec<(String, String)> = Vec::new();
    if let Some(m) = m {
        for x in metrics(m) {
            candidates.push((x.name.clone(), x.name.clone()));
            candidates.push((x.name.replace('_', " "), x.name.clone()));
        }
        for x in monitored_metrics(m) {
            candidates.push((x.replace('_', " "), x.clone()));
            candidates.push((x.clone(), x));
        }
    }
    for (alias, known) in catalogue::typed_forms() {
        candidates.push((alias.to_string(), known.name.to_string()));
    }
    let mut found: Vec<MetricMention> = Vec::new();
    let mut i = 0;
    while i < t.len() {
        // The longest alias starting here wins ("roc auc" over "auc").
        let best = candidates
            .iter()
            .filter(|(alias, _)| !alias.is_empty() && t.find_phrase(alias, i) == Some(i))
            .filter(|(alias, _)| {
                // Exact words only: "metrics" must not match a metric "metric".
                alias
                    .split(' ')
                    .enumerate()
                    .all(|(k, w)| t.word(i + k) == w)
            })
            .max_by_key(|(alias, _)| alias.split(' ').count());
        match best {
            Some((alias, name)) => {
                let len = alias.split(' ').count();
                found.push(MetricMention {
                    name: name.clone(),
                    at: i,
                    len,
                });
                i += len;
            }
            None => i += 1,
        }
    }
    found
}
