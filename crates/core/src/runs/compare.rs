//! Runs side by side: every param and final metric any of them has, one
//! row each, with each metric's change from the first run.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What one run brings to a comparison.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Side {
    pub id: i64,
    pub params: BTreeMap<String, String>,
    pub metrics: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub runs: Vec<i64>,
    /// Param rows; `differs` when the runs do not all agree.
    pub params: Vec<ParamRow>,
    pub metrics: Vec<MetricRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamRow {
    pub key: String,
    pub values: Vec<Option<String>>,
    pub differs: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRow {
    pub key: String,
    pub values: Vec<Option<f64>>,
    /// Each value minus the first run's (`None` where either is missing).
    pub deltas: Vec<Option<f64>>,
}

pub fn compare(sides: &[Side]) -> Comparison {
    let param_keys: BTreeSet<&String> = sides.iter().flat_map(|s| s.params.keys()).collect();
    let metric_keys: BTreeSet<&String> = sides.iter().flat_map(|s| s.metrics.keys()).collect();
    let params = param_keys
        .into_iter()
        .map(|key| {
            let values: Vec<Option<String>> =
                sides.iter().map(|s| s.params.get(key).cloned()).collect();
            let differs = values.windows(2).any(|w| w[0] != w[1]);
            ParamRow {
                key: key.clone(),
                values,
                differs,
            }
        })
        .collect();
    let metrics = metric_keys
        .into_iter()
        .map(|key| {
            let values: Vec<Option<f64>> =
                sides.iter().map(|s| s.metrics.get(key).copied()).collect();
            let base = values.first().copied().flatten();
            let deltas = values
                .iter()
                .map(|v| match (v, base) {
                    (Some(v), Some(b)) => Some(v - b),
                    _ => None,
                })
                .collect();
            MetricRow {
                key: key.clone(),
                values,
                deltas,
            }
        })
        .collect();
    Comparison {
        runs: sides.iter().map(|s| s.id).collect(),
        params,
        metrics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(id: i64, params: &[(&str, &str)], metrics: &[(&str, f64)]) -> Side {
        Side {
            id,
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            metrics: metrics.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn rows_cover_every_key_with_deltas_from_the_first_run() {
        let c = compare(&[
            side(1, &[("lr", "0.1"), ("depth", "4")], &[("rmse", 0.5)]),
            side(
                2,
                &[("lr", "0.01"), ("depth", "4")],
                &[("rmse", 0.4), ("mae", 0.3)],
            ),
        ]);
        assert_eq!(c.runs, [1, 2]);
        assert_eq!(c.params[0].key, "depth");
        assert!(!c.params[0].differs);
        assert_eq!(
            c.params[1].values,
            [Some("0.1".into()), Some("0.01".into())]
        );
        assert!(c.params[1].differs);
        let rmse = c.metrics.iter().find(|m| m.key == "rmse").unwrap();
        assert_eq!(rmse.deltas[0], Some(0.0));
        assert!((rmse.deltas[1].unwrap() + 0.1).abs() < 1e-12);
        let mae = c.metrics.iter().find(|m| m.key == "mae").unwrap();
        assert_eq!(mae.values, [None, Some(0.3)]);
        assert_eq!(mae.deltas, [None, None]);
    }
}
