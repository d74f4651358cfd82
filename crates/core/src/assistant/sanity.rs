//! What a data scientist knows before saving a change: which way each
//! metric is good, and which metrics a model family can report. A draft
//! that contradicts either is questioned, not proposed ("alert when mape <
//! 0.25" would fire while the model is good; AUC means nothing for a
//! regression).

use super::draft::{Decline, Draft};
use super::numbers::comparison_in;
use super::recipe;
use super::text::Tokens;
use crate::domain::ModelFamily;
use crate::domain::metrics::{self as catalogue, MetricKind};
use serde_json::Value;

/// Is lower better for `metric` (as this manifest states it, else as
/// usually meant)? None for a metric nothing is known about.
pub fn lower_is_better(metric: &str, manifest: &Value) -> Option<bool> {
    if let Some(m) = recipe::metrics(manifest)
        .into_iter()
        .find(|m| m.name == metric)
    {
        return Some(m.lower_is_better);
    }
    catalogue::lookup(metric).map(|k| k.direction.lower_is_better())
}

/// Does `metric` make sense for a model of `family`?
pub fn fits_family(metric: &str, family: ModelFamily) -> bool {
    let classifies = family == ModelFamily::NextBestAction;
    match catalogue::lookup(metric).map(|k| k.kind) {
        Some(MetricKind::Classification) => classifies,
        Some(MetricKind::Regression) => !classifies,
        Some(MetricKind::Pricing) => family == ModelFamily::Pricing,
        Some(MetricKind::Monitoring) | None => true,
    }
}

/// The draft questioned when it contradicts what the metrics mean.
pub fn check(t: &Tokens, before: &Value, draft: &Draft) -> Result<(), Decline> {
    new_metrics_fit(before, &draft.doc)?;
    alerts_fire_when_bad(before, &draft.doc)?;
    thresholds_keep_their_direction(t, before, &draft.doc)
}

fn new_metrics_fit(before: &Value, after: &Value) -> Result<(), Decline> {
    let Some(family) = recipe::family(after) else {
        return Ok(());
    };
    let had: Vec<String> = recipe::metrics(before)
        .into_iter()
        .map(|m| m.name)
        .collect();
    let mut added: Vec<String> = recipe::metrics(after)
        .into_iter()
        .map(|m| m.name)
        .filter(|n| !had.contains(n))
        .collect();
    let watched = recipe::monitored_metrics(before);
    added.extend(
        recipe::monitored_metrics(after)
            .into_iter()
            .filter(|n| !watched.contains(n)),
    );
    for name in added {
        if !fits_family(&name, family) {
            let fitting: Vec<&str> = catalogue::evaluation()
                .map(|k| k.name)
                .filter(|n| fits_family(n, family))
                .collect();
            return Err(Decline::new(format!(
                "{name} does not fit a {} recipe: it measures {}, and this model predicts {}. Metrics that fit: {}. Which one did you mean?",
                family.as_str().replace('_', " "),
                if catalogue::lookup(&name).is_some_and(|k| k.kind == MetricKind::Classification) {
                    "a classifier"
                } else {
                    "a predicted quantity"
                },
                if family == ModelFamily::NextBestAction {
                    "the chance of a response"
                } else {
                    "a quantity"
                },
                fitting.join(", ")
            )));
        }
    }
    Ok(())
}

fn alerts_fire_when_bad(before: &Value, after: &Value) -> Result<(), Decline> {
    let old: Vec<&Value> = recipe::alerts(before);
    for alert in recipe::alerts(after) {
        if old.contains(&alert) {
            continue;
        }
        let (Some(metric), Some(cmp)) = (alert["metric"].as_str(), alert["comparison"].as_str())
        else {
            continue;
        };
        let Some(lower) = lower_is_better(metric, after) else {
            continue;
        };
        let fires_high = cmp.starts_with('>');
        if fires_high != lower {
            let good = if lower { "low" } else { "high" };
            return Err(Decline::new(format!(
                "An alert when {metric} {cmp} {} would fire while the model is doing well ({metric} is better {good}). Did you mean {metric} {} {}?",
                alert["threshold"],
                if lower { ">" } else { "<" },
                alert["threshold"],
            )));
        }
    }
    Ok(())
}

/// "r2 should be at most 0.5": a bound on the wrong side of a metric.
fn thresholds_keep_their_direction(
    t: &Tokens,
    before: &Value,
    after: &Value,
) -> Result<(), Decline> {
    let Some((cmp, _)) = comparison_in(t, 0, t.len()) else {
        return Ok(());
    };
    for m in recipe::metrics(after) {
        let old = recipe::metrics(before)
            .into_iter()
            .find(|o| o.name == m.name)
            .and_then(|o| o.threshold);
        if old == m.threshold {
            continue;
        }
        // A lower-is-better metric is bounded above ("under"), and the
        // other way round.
        if cmp.is_upper() == m.lower_is_better {
            let (want, said) = match m.lower_is_better {
                true => ("at most", "at least"),
                false => ("at least", "at most"),
            };
            return Err(Decline::new(format!(
                "{} is better {}, so its threshold is a bound it must stay {want}; you asked for {said}. Should runs pass when {} is {want} {}?",
                m.name,
                if m.lower_is_better { "lower" } else { "higher" },
                m.name,
                m.threshold.map_or(String::new(), |v| v.to_string())
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_fit_the_families_that_can_report_them() {
        assert!(fits_family("auc", ModelFamily::NextBestAction));
        assert!(!fits_family("auc", ModelFamily::Forecasting));
        assert!(!fits_family("mape", ModelFamily::NextBestAction));
        assert!(fits_family("mape", ModelFamily::Pricing));
        assert!(!fits_family(
            "positive_elasticity_share",
            ModelFamily::LocationScoring
        ));
        assert!(fits_family("some_custom_metric", ModelFamily::Forecasting));
    }
}
