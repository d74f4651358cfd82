//! Which evaluation metric is primary: "make mape the primary metric",
//! "primary metric should be auc", "use rmse as primary instead of mae".
//! Exactly one metric is primary; the one named becomes it.

use super::draft::{Decline, Draft};
use super::lexicon::REPLACED_VALUE_CUES;
use super::recipe::{self, metric_mentions};
use super::text::{Tokens, phrase_ends_at};
use serde_json::{Value, json};

/// The edit, when the request makes a metric of this recipe primary.
pub fn edit(t: &Tokens, m: &Value) -> Option<Result<Draft, Decline>> {
    t.find_any(&["primary", "headline", "main metric"], 0)?;
    if t.asks || matches!(t.word(0), "what" | "whats" | "which" | "is") {
        return None;
    }
    let metrics = recipe::metrics(m);
    let named: Vec<String> = metric_mentions(t, Some(m))
        .into_iter()
        // "instead of wape", "not mae", "from mae": what it was.
        .filter(|x| {
            let said_before = |cue: &str| phrase_ends_at(|i| t.word(i), x.at, cue);
            !(REPLACED_VALUE_CUES.iter().any(|c| said_before(c)) || said_before("from"))
        })
        .map(|x| x.name)
        .filter(|n| metrics.iter().any(|x| &x.name == n))
        .collect();
    let chosen = match named.as_slice() {
        [] => return None,
        [one] => one.clone(),
        [first, rest @ ..] if rest.iter().all(|n| n == first) => first.clone(),
        _ => {
            return Some(Err(Decline::new(format!(
                "Which metric should be primary: {}?",
                named.join(" or ")
            ))));
        }
    };
    let mut d = Draft::new(m);
    let was = metrics.iter().find(|x| x.primary).map(|x| x.name.clone());
    for (i, x) in metrics.iter().enumerate() {
        let at = i.to_string();
        let primary = x.name == chosen;
        let missing = d.get(&["evaluation", "metrics", &at, "primary"]).is_none();
        if (x.primary != primary || missing)
            && let Err(e) = d.set(&["evaluation", "metrics", &at, "primary"], json!(primary))
        {
            return Some(Err(e));
        }
    }
    match was {
        Some(w) if w == chosen => d.same(format!("{chosen} is already the primary metric")),
        Some(w) => d.line(format!("primary metric: {w} -> {chosen}")),
        None => d.line(format!("primary metric: none -> {chosen}")),
    }
    Some(Ok(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> Value {
        json!({"evaluation": {"metrics": [
            {"name": "wape", "threshold": 0.25, "primary": true},
            {"name": "mape", "threshold": 0.35, "primary": false}
        ]}})
    }

    fn primary_after(request: &str) -> Vec<bool> {
        let d = edit(&Tokens::new(request), &m())
            .expect("a primary edit")
            .expect("no refusal");
        d.doc["evaluation"]["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["primary"] == true)
            .collect()
    }

    #[test]
    fn the_metric_named_becomes_the_only_primary() {
        assert_eq!(primary_after("make mape the primary metric"), [false, true]);
        assert_eq!(
            primary_after("use mape as primary instead of wape"),
            [false, true]
        );
        assert!(edit(&Tokens::new("which metric is primary?"), &m()).is_none());
        assert!(edit(&Tokens::new("set mape to 0.3"), &m()).is_none());
    }
}
