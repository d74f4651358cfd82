//! The metric catalogue: every metric nexml knows by name, which way it is
//! good, what kind of model reports it and whether it is a fraction; and a
//! manifest's `evaluation.metrics`, read once for the gates, the
//! monitoring screen and the assistant.

use serde_json::Value;

/// Which way a metric is good, as a manifest's `direction` states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    LowerIsBetter,
    HigherIsBetter,
}

impl Direction {
    /// The manifest's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::LowerIsBetter => "lower_is_better",
            Direction::HigherIsBetter => "higher_is_better",
        }
    }

    /// A manifest's `direction`: anything but `higher_is_better` (a missing
    /// one included) means lower is better, as the schema's default does.
    pub fn from_manifest(value: Option<&str>) -> Direction {
        if value == Some(Direction::HigherIsBetter.as_str()) {
            Direction::HigherIsBetter
        } else {
            Direction::LowerIsBetter
        }
    }

    pub fn from_lower_is_better(lower: bool) -> Direction {
        if lower {
            Direction::LowerIsBetter
        } else {
            Direction::HigherIsBetter
        }
    }

    pub fn lower_is_better(self) -> bool {
        self == Direction::LowerIsBetter
    }

    pub fn higher_is_better(self) -> bool {
        self == Direction::HigherIsBetter
    }
}

/// What a metric measures, so which models can report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricKind {
    /// Needs a predicted quantity.
    Regression,
    /// Needs a predicted class or probability.
    Classification,
    /// Only a pricing model reports it.
    Pricing,
    /// Watched by monitoring (data age, drift), never a training score.
    Monitoring,
}

/// One metric nexml knows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KnownMetric {
    /// The manifest's spelling.
    pub name: &'static str,
    /// How people type it in the chat (the name itself only when they type it so).
    pub typed: &'static [&'static str],
    pub direction: Direction,
    pub kind: MetricKind,
    /// Its values lie in 0..1, so "12" most likely means 12%.
    pub fraction: bool,
}

const fn known(
    name: &'static str,
    typed: &'static [&'static str],
    direction: Direction,
    kind: MetricKind,
    fraction: bool,
) -> KnownMetric {
    KnownMetric {
        name,
        typed,
        direction,
        kind,
        fraction,
    }
}

use Direction::{HigherIsBetter as Higher, LowerIsBetter as Lower};
use MetricKind::{Classification, Monitoring, Pricing, Regression};

/// The catalogue, in the order the assistant lists metrics.
pub const CATALOGUE: &[KnownMetric] = &[
    known("mape", &["mape"], Lower, Regression, true),
    known("wape", &["wape"], Lower, Regression, true),
    known("smape", &["smape"], Lower, Regression, true),
    known("mae", &["mae"], Lower, Regression, false),
    known("mse", &["mse"], Lower, Regression, false),
    known("rmse", &["rmse"], Lower, Regression, false),
    known("rmsle", &["rmsle"], Lower, Regression, false),
    known("bias", &["bias"], Lower, Regression, false),
    known("r2", &["r2", "r squared"], Higher, Regression, true),
    known(
        "auc",
        &["auc", "roc auc", "auroc"],
        Higher,
        Classification,
        true,
    ),
    known(
        "log_loss",
        &["log loss", "logloss", "cross entropy"],
        Lower,
        Classification,
        false,
    ),
    known("accuracy", &["accuracy"], Higher, Classification, true),
    known("precision", &["precision"], Higher, Classification, true),
    known("recall", &["recall"], Higher, Classification, true),
    known("f1", &["f1"], Higher, Classification, true),
    known(
        "qini_coefficient",
        &["qini", "qini coefficient"],
        Higher,
        Classification,
        false,
    ),
    known(
        "positive_elasticity_share",
        &["positive elasticity share"],
        Lower,
        Pricing,
        true,
    ),
    // Old data, drift and its share: less is always better.
    known("staleness_hours", &[], Lower, Monitoring, false),
    known("drift_share", &[], Lower, Monitoring, true),
    known("psi", &[], Lower, Monitoring, false),
    known("ks", &[], Lower, Monitoring, false),
    known("wasserstein", &[], Lower, Monitoring, false),
];

/// The catalogue's entry for a metric named as the manifest spells it.
pub fn lookup(name: &str) -> Option<&'static KnownMetric> {
    CATALOGUE.iter().find(|m| m.name == name)
}

/// The catalogue's entry for a metric a model is scored by (not a
/// monitoring measure).
pub fn lookup_evaluation(name: &str) -> Option<&'static KnownMetric> {
    lookup(name).filter(|m| m.kind != Monitoring)
}

/// The metrics a model can be scored by, in catalogue order.
pub fn evaluation() -> impl Iterator<Item = &'static KnownMetric> {
    CATALOGUE.iter().filter(|m| m.kind != Monitoring)
}

/// Every typed form with its metric, in catalogue order.
pub fn typed_forms() -> impl Iterator<Item = (&'static str, &'static KnownMetric)> {
    CATALOGUE
        .iter()
        .flat_map(|m| m.typed.iter().map(move |t| (*t, m)))
}

/// Whether the metric's values are fractions.
pub fn is_fraction(name: &str) -> bool {
    lookup(name).is_some_and(|m| m.fraction)
}

/// One entry of a manifest's `evaluation.metrics`.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationMetric {
    /// Empty when the entry has none (the schema requires one).
    pub name: String,
    pub threshold: Option<f64>,
    pub direction: Direction,
    pub primary: bool,
}

/// A manifest's `evaluation.metrics`, in order; none when it has none.
pub fn evaluation_metrics(manifest: &Value) -> Vec<EvaluationMetric> {
    manifest
        .pointer("/evaluation/metrics")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| EvaluationMetric {
                    name: x["name"].as_str().unwrap_or("").to_string(),
                    threshold: x["threshold"].as_f64(),
                    direction: Direction::from_manifest(x["direction"].as_str()),
                    primary: x["primary"].as_bool() == Some(true),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_unique_and_typed_forms_name_one_metric() {
        for (i, m) in CATALOGUE.iter().enumerate() {
            assert!(
                CATALOGUE[..i].iter().all(|o| o.name != m.name),
                "{}",
                m.name
            );
        }
        let forms: Vec<&str> = typed_forms().map(|(t, _)| t).collect();
        for (i, f) in forms.iter().enumerate() {
            assert!(!forms[..i].contains(f), "{f}");
        }
    }

    #[test]
    fn directions_read_as_the_schema_defaults_them() {
        assert_eq!(
            Direction::from_manifest(Some("higher_is_better")),
            Direction::HigherIsBetter
        );
        assert_eq!(
            Direction::from_manifest(Some("lower_is_better")),
            Direction::LowerIsBetter
        );
        assert_eq!(Direction::from_manifest(None), Direction::LowerIsBetter);
        for d in [Direction::LowerIsBetter, Direction::HigherIsBetter] {
            assert_eq!(Direction::from_manifest(Some(d.as_str())), d);
        }
    }

    #[test]
    fn evaluation_metrics_read_each_entry() {
        let m = json!({"evaluation": {"metrics": [
            {"name": "auc", "threshold": 0.7, "direction": "higher_is_better", "primary": true},
            {"name": "wape"}
        ]}});
        let got = evaluation_metrics(&m);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].direction, Direction::HigherIsBetter);
        assert!(got[0].primary);
        assert_eq!(got[1].threshold, None);
        assert_eq!(got[1].direction, Direction::LowerIsBetter);
        assert!(evaluation_metrics(&json!({})).is_empty());
        assert!(lookup_evaluation("psi").is_none());
        assert!(lookup("psi").is_some());
        assert!(is_fraction("r2") && !is_fraction("mae"));
    }
}
