//! Promotion gates: a model goes to production only when its newest
//! scoring run meets every threshold of its recipe version's evaluation.

use super::metrics::evaluation_metrics;
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// A threshold a run did not meet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shortfall {
    pub metric: String,
    pub threshold: f64,
    pub higher_is_better: bool,
    /// The run's value; `None` when it did not report the metric.
    pub value: Option<f64>,
}

impl fmt::Display for Shortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (want, worse) = if self.higher_is_better {
            ("at least", "<")
        } else {
            ("at most", ">")
        };
        match self.value {
            Some(v) => write!(
                f,
                "{} {v} {worse} {} (must be {want} {})",
                self.metric, self.threshold, self.threshold
            ),
            None => write!(
                f,
                "{} not reported (must be {want} {})",
                self.metric, self.threshold
            ),
        }
    }
}

/// The thresholds of a manifest's `evaluation.metrics` that `metrics`
/// (a run's final metrics) does not meet.
pub fn shortfalls(manifest: &Value, metrics: &Value) -> Vec<Shortfall> {
    evaluation_metrics(manifest)
        .into_iter()
        .filter(|t| !t.name.is_empty())
        .filter_map(|t| {
            let threshold = t.threshold?;
            let higher_is_better = t.direction.higher_is_better();
            let value = metrics.get(&t.name).and_then(Value::as_f64);
            let met = value.is_some_and(|v| {
                if higher_is_better {
                    v >= threshold
                } else {
                    v <= threshold
                }
            });
            (!met).then_some(Shortfall {
                metric: t.name,
                threshold,
                higher_is_better,
                value,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest() -> Value {
        json!({"evaluation": {"metrics": [
            {"name": "wape", "threshold": 0.25, "direction": "lower_is_better"},
            {"name": "auc", "threshold": 0.7, "direction": "higher_is_better"},
            {"name": "bias", "threshold": 0.05, "direction": "lower_is_better"}
        ]}})
    }

    #[test]
    fn every_unmet_threshold_is_listed_with_the_runs_value() {
        let got = shortfalls(&manifest(), &json!({"wape": 0.31, "auc": 0.7}));
        let lines: Vec<String> = got.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "wape 0.31 > 0.25 (must be at most 0.25)",
                "bias not reported (must be at most 0.05)"
            ]
        );
    }

    #[test]
    fn a_run_meeting_every_threshold_has_no_shortfall() {
        assert!(
            shortfalls(&manifest(), &json!({"wape": 0.25, "auc": 0.9, "bias": 0.0})).is_empty()
        );
        assert!(shortfalls(&json!({}), &json!({})).is_empty());
    }
}
