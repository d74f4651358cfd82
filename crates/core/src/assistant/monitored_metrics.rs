//! Which evaluation metrics production monitoring computes on each
//! snapshot (`monitoring.performance.metrics`): "start monitoring
//! qini_coefficient", "track r2 in production too", "stop tracking bias".
//! Drift, alerts and thresholds are other edits: a request naming one of
//! them, or a number, is left to them.

use super::draft::{Decline, Draft};
use super::lexicon::{DRIFT_WORDS, NO_MORE_WORDS, SWITCH_OFF_WORDS, WATCH_WORDS, verb_at};
use super::recipe;
use super::text::Tokens;
use serde_json::{Value, json};

/// The edit, when the request asks to start or stop monitoring metrics this
/// recipe evaluates; None when it is about something else.
pub fn edit(t: &Tokens, m: &Value) -> Option<Result<Draft, Decline>> {
    let watch_at = t.find_any(WATCH_WORDS, 0)?.0;
    let elsewhere = t.has_any(DRIFT_WORDS)
        || t.has_any(super::lexicon::ALERT_WORDS)
        || t.has_any(&["threshold", "column", "feature"])
        || !super::numbers::numbers_in(t, 0, t.len()).is_empty();
    if elsewhere {
        return None;
    }
    let evaluated: Vec<String> = recipe::metrics(m).into_iter().map(|x| x.name).collect();
    let monitored = recipe::monitored_metrics(m);
    let named: Vec<String> = recipe::metric_mentions(t, Some(m))
        .into_iter()
        .map(|x| x.name)
        .filter(|n| evaluated.contains(n) || monitored.contains(n))
        .collect();
    if named.is_empty() {
        return None;
    }
    let stopping = t.has_any(NO_MORE_WORDS)
        || (0..=watch_at).any(|i| {
            verb_at(t, i, SWITCH_OFF_WORDS).is_some()
                || verb_at(t, i, super::lexicon::REMOVE_VERBS).is_some()
        });
    Some(if stopping {
        stop(m, &named, &monitored)
    } else {
        start(m, &named, &monitored)
    })
}

fn start(m: &Value, named: &[String], monitored: &[String]) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    for name in named {
        if monitored.contains(name) {
            d.same(format!("{name} is already monitored in production"));
        } else {
            d.push(&["monitoring", "performance", "metrics"], json!(name))?;
            d.line(format!(
                "monitor {name} in production: each snapshot computes it from predictions and labels"
            ));
        }
    }
    Ok(d)
}

fn stop(m: &Value, named: &[String], monitored: &[String]) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    let left: Vec<&String> = monitored.iter().filter(|x| !named.contains(x)).collect();
    if left.is_empty() {
        return Err(Decline::new(format!(
            "Production monitoring would compute no metric at all; it computes {} now. Name one to keep, or turn monitoring off.",
            monitored.join(", ")
        )));
    }
    // Removed from the end, so the earlier indices stay right.
    let mut at: Vec<(usize, &String)> = named
        .iter()
        .filter_map(|n| monitored.iter().position(|x| x == n).map(|i| (i, n)))
        .collect();
    at.sort_by_key(|(i, _)| std::cmp::Reverse(*i));
    for name in named.iter().filter(|n| !monitored.contains(n)) {
        d.same(format!("{name} is not monitored in production"));
    }
    for (i, name) in at {
        d.remove(&["monitoring", "performance", "metrics", &i.to_string()])?;
        d.line(format!("stop monitoring {name} in production"));
    }
    Ok(d)
}
