//! Changes relative to the current value ("tighten mape by 2 points",
//! "raise its threshold by 10%", "extend the stale alert by a week", "bring
//! mae down by $25k"): the target's current value is read from the
//! manifest and the request restated with the value it asks for, so the
//! handlers only ever see "set X to V".

use super::lexicon::{LOOSEN_VERBS, LOWER_VERBS, RAISE_VERBS, TIGHTEN_VERBS};
use super::numbers::{duration_hours, numbers_in};
use super::recipe::{self, is_fraction_metric, metric_mentions};
use super::sanity::lower_is_better;
use super::text::{Tokens, num};
use serde_json::Value;

/// Which way the request moves the value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Way {
    Up,
    Down,
    /// Stricter: down for a lower-is-better figure, up otherwise.
    Tighter,
    Looser,
}

/// The request restated with an absolute value, when it asks for a change
/// by an amount to a threshold this manifest has; None when it does not.
pub fn restate(t: &Tokens, m: &Value) -> Option<String> {
    let by = t.toks.iter().position(|x| x.text == "by")?;
    let way = way(t, by)?;
    // The target: an alert rule, the drift threshold, an evaluation metric.
    if let Some((index, alert)) = alert_named(t, m) {
        let current = alert["threshold"].as_f64()?;
        let metric = alert["metric"].as_str().unwrap_or("");
        let freshness = alert["source"] == "freshness";
        let lower = lower_is_better(metric, m).unwrap_or(true);
        let value = moved(
            t,
            by,
            current,
            way,
            lower,
            is_fraction_metric(metric),
            freshness,
        )?;
        let name = alert["name"].as_str().unwrap_or("");
        let _ = index;
        let unit = if freshness { " hours" } else { "" };
        return Some(format!("{name} alert at {}{unit}", num(value)));
    }
    if t.has("drift") && t.has("threshold") {
        let current = m.pointer("/monitoring/drift/threshold")?.as_f64()?;
        let value = moved(t, by, current, way, true, false, false)?;
        return Some(format!("set the drift threshold to {}", num(value)));
    }
    let metric = metric_mentions(t, Some(m))
        .into_iter()
        .find(|x| x.at < by)?
        .name;
    let known = recipe::metrics(m).into_iter().find(|x| x.name == metric)?;
    let current = known.threshold?;
    let value = moved(
        t,
        by,
        current,
        way,
        known.lower_is_better,
        is_fraction_metric(&metric),
        false,
    )?;
    Some(format!("set the {metric} threshold to {}", num(value)))
}

fn way(t: &Tokens, by: usize) -> Option<Way> {
    (0..by).find_map(|i| match t.word(i) {
        w if RAISE_VERBS.contains(&w) => Some(Way::Up),
        w if LOWER_VERBS.contains(&w) => Some(Way::Down),
        w if TIGHTEN_VERBS.contains(&w) => Some(Way::Tighter),
        w if LOOSEN_VERBS.contains(&w) => Some(Way::Looser),
        _ => None,
    })
}

/// The alert rule a request names, or the only one on the metric or data
/// named right before "alert".
fn alert_named<'a>(t: &Tokens, m: &'a Value) -> Option<(usize, &'a Value)> {
    let alerts = recipe::alerts(m);
    let names = recipe::alert_names(m);
    // Named in words only beside "alert": "log loss" alone is the metric.
    let at = t.toks.iter().position(|x| x.text == "alert");
    let typed = |n: &String| t.toks.iter().any(|x| x.text == *n);
    if let [one] = super::names::mentioned(&t.raw, &names).as_slice()
        && (at.is_some() || typed(one))
    {
        let i = names.iter().position(|n| n == one)?;
        return Some((i, alerts[i]));
    }
    let at = at?;
    let metric = metric_mentions(t, Some(m))
        .into_iter()
        .find(|x| x.at + x.len == at)?
        .name;
    let hits: Vec<usize> = (0..alerts.len())
        .filter(|&i| alerts[i]["metric"] == metric.as_str())
        .collect();
    match hits.as_slice() {
        [one] => Some((*one, alerts[*one])),
        _ => None,
    }
}

/// `current` moved by the amount after "by": "10%" scales it, "2 points"
/// of a fraction metric is 0.02, a duration is in hours, else the number.
fn moved(
    t: &Tokens,
    by: usize,
    current: f64,
    way: Way,
    lower_is_better: bool,
    fraction: bool,
    hours: bool,
) -> Option<f64> {
    let up = match way {
        Way::Up => true,
        Way::Down => false,
        Way::Tighter => !lower_is_better,
        Way::Looser => lower_is_better,
    };
    let sign = if up { 1.0 } else { -1.0 };
    let value = if hours {
        current + sign * duration_hours(t, by + 1, t.len())?
    } else {
        let n = *numbers_in(t, by + 1, t.len()).first()?;
        let points = t.word(n.at + 1).starts_with("point") || t.word(n.at + 1) == "pts";
        if n.percent && !points {
            current * (1.0 + sign * n.value)
        } else if points && fraction {
            current + sign * if n.percent { n.value } else { n.value / 100.0 }
        } else {
            current + sign * n.value
        }
    };
    // Decimal steps land on the decimal they mean (0.35 - 0.02 is 0.33).
    let rounded = (value * 1e9).round() / 1e9;
    (rounded.is_finite() && rounded >= 0.0).then_some(rounded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest() -> Value {
        json!({
            "evaluation": {"metrics": [
                {"name": "mape", "threshold": 0.35, "direction": "lower_is_better"},
                {"name": "r2", "threshold": 0.6, "direction": "higher_is_better"},
                {"name": "mae", "threshold": 350000, "direction": "lower_is_better"}
            ]},
            "monitoring": {
                "drift": {"threshold": 0.25},
                "alerts": [
                    {"name": "wape_degradation", "source": "metric", "metric": "wape", "comparison": ">", "threshold": 0.3},
                    {"name": "stale_site_snapshot", "source": "freshness", "metric": "staleness_hours", "comparison": ">", "threshold": 840}
                ]
            }
        })
    }

    #[test]
    fn amounts_become_the_values_they_lead_to() {
        let m = manifest();
        let cases = [
            (
                "tighten the mape threshold by 2 points",
                Some("set the mape threshold to 0.33"),
            ),
            (
                "raise the r2 bar by 5 points",
                Some("set the r2 threshold to 0.65"),
            ),
            ("tighten r2 by 0.05", Some("set the r2 threshold to 0.65")),
            (
                "bring mae down by $25k",
                Some("set the mae threshold to 325000"),
            ),
            ("cut mae by 10%", Some("set the mae threshold to 315000")),
            (
                "wape alert is noisy, raise its threshold by 10%",
                Some("wape_degradation alert at 0.33"),
            ),
            (
                "extend the stale_site_snapshot alert by a week",
                Some("stale_site_snapshot alert at 1008 hours"),
            ),
            (
                "bump the drift threshold by 0.05",
                Some("set the drift threshold to 0.3"),
            ),
            ("set mape to 0.3", None),
            ("mape by the way is fine", None),
        ];
        for (request, want) in cases {
            assert_eq!(
                restate(&Tokens::new(request), &m).as_deref(),
                want,
                "{request}"
            );
        }
    }
}
