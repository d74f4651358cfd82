//! Typos mended against what this recipe has: "accuarcy >= 92%", "wape alrt
//! … raise its thrshold". A word is mended only when it is no word the
//! recipe or the assistant knows, and one known word alone is a letter or
//! two away from it.

use super::recipe;
use super::text::edit_distance;
use serde_json::Value;

/// The words requests are made of, beside the manifest's own.
const KEYWORDS: &[&str] = &[
    "alert",
    "alerts",
    "alerting",
    "threshold",
    "thresholds",
    "feature",
    "features",
    "drift",
    "schedule",
    "monitor",
    "monitoring",
    "validation",
    "horizon",
    "severity",
    "critical",
    "warning",
    "metric",
    "metrics",
    "weekly",
    "daily",
    "monthly",
    "nightly",
    "quarterly",
    "accuracy",
    "precision",
    "recall",
    "remove",
    "delete",
    "increase",
    "decrease",
    "raise",
    "lower",
    "tighten",
    "loosen",
    "replicas",
    "learning",
    "estimators",
    "freshness",
    "stale",
    "staleness",
    "baseline",
    "recipe",
    "forecast",
    "forecasting",
    "pricing",
    "location",
    "scoring",
    "action",
    "latency",
    "budget",
    "endpoint",
    "realtime",
    "batch",
    "retrain",
    "window",
    "reference",
    "rename",
    "owner",
    "industry",
    "production",
    "prod",
];

/// Everyday words a letter or two from a word of the trade ("match" and
/// batch, "watch" and batch, "site" and sites): never mended.
const EVERYDAY: &[&str] = &[
    "match", "watch", "catch", "latch", "patch", "site", "sites", "weather", "whether", "later",
    "alter", "rate", "rates", "date", "dates", "data", "state", "store", "stores", "score",
    "total", "model", "models", "mode", "stage", "stale", "scale", "value", "values", "there",
    "three", "where", "these", "those", "their", "every", "early", "hours", "house", "would",
    "could", "should", "while", "white", "which", "price", "prices", "drive", "count", "level",
    "close", "closed", "since", "check", "share", "shape", "other", "order", "after", "never",
    "fewer", "newer", "lower", "power", "again", "agree", "above", "about", "below", "train",
    "sales", "tests", "times", "items", "limit", "point", "points", "print", "noise", "noisy",
    "spike", "field", "month", "months", "north", "south", "week", "weeks", "make", "take", "same",
    "name", "page", "keep", "kept", "happy", "trigger", "enough", "anyone", "anymore", "start",
    "stop", "change", "changes", "money", "people", "offer", "offers", "daily", "matter", "better",
    "faster", "slower", "higher", "larger", "smaller", "bigger", "longer", "shorter", "older",
    "newest", "oldest", "latest", "least", "most", "more", "less", "much", "many", "fresh", "drop",
    "drops", "dropped", "raise", "rise", "rises", "fall", "falls", "please", "thanks", "hello",
    "there", "think", "thing", "things", "right", "wrong", "model",
];

/// "bring mape down to 30%" is "set mape to 30%"; "take X down by 2
/// points" is "lower X by 2 points": idioms said as the plain request.
pub fn plain_idioms(request: &str) -> String {
    let words: Vec<&str> = request.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let Some(verb) = lower
        .iter()
        .position(|w| matches!(w.as_str(), "bring" | "take" | "get" | "push" | "pull"))
    else {
        return request.to_string();
    };
    let Some(turn) = (verb + 1..lower.len()).find(|&i| matches!(lower[i].as_str(), "down" | "up"))
    else {
        return request.to_string();
    };
    let Some(prep) = lower
        .get(turn + 1)
        .filter(|p| matches!(p.as_str(), "to" | "by"))
    else {
        return request.to_string();
    };
    let new_verb = match (prep.as_str(), lower[turn].as_str()) {
        ("to", _) => "set",
        (_, "down") => "lower",
        _ => "raise",
    };
    let mut out: Vec<&str> = words[..verb].to_vec();
    out.push(new_verb);
    out.extend(&words[verb + 1..turn]);
    out.extend(&words[turn + 1..]);
    out.join(" ")
}

/// `request` with its misspelt words mended, and what was mended.
pub fn mend(request: &str, m: Option<&Value>) -> (String, Vec<(String, String)>) {
    let known = vocabulary(m);
    let mut mended = Vec::new();
    let out: Vec<String> = request
        .split(' ')
        .map(|token| {
            let word = token.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
            let lower = word.to_lowercase();
            // Identifiers are names the user may be making up: left as typed.
            // A short word is mended only when it lost its vowels ("alrt").
            let vowels = lower.chars().filter(|c| "aeiou".contains(*c)).count();
            if lower.len() < 4
                || (lower.len() == 4 && vowels > 1)
                || lower.chars().any(|c| c.is_ascii_digit() || c == '_')
                || EVERYDAY.contains(&lower.as_str())
                || known.contains(&lower)
            {
                return token.to_string();
            }
            match nearest(&lower, &known) {
                Some(fix) => {
                    mended.push((word.to_string(), fix.clone()));
                    token.replacen(word, &fix, 1)
                }
                None => token.to_string(),
            }
        })
        .collect();
    (out.join(" "), mended)
}

/// The one known word a letter away (two, for a long word), if one alone is.
fn nearest(word: &str, known: &[String]) -> Option<String> {
    let allowed = if word.len() >= 8 { 2 } else { 1 };
    let mut best: Vec<(&String, usize)> = known
        .iter()
        .filter(|k| k.len() >= 5 && k.len().abs_diff(word.len()) <= allowed)
        .map(|k| (k, edit_distance(word, k)))
        .filter(|(_, d)| *d <= allowed)
        .collect();
    best.sort_by_key(|(_, d)| *d);
    match best.as_slice() {
        [(one, _)] => Some((*one).clone()),
        [(one, d), (_, d2), ..] if d < d2 => Some((*one).clone()),
        _ => None,
    }
}

fn vocabulary(m: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
    for (alias, known) in crate::domain::metrics::typed_forms() {
        out.extend(alias.split(' ').map(str::to_string));
        out.push(known.name.to_string());
    }
    if let Some(m) = m {
        out.extend(recipe::metrics(m).into_iter().map(|x| x.name));
        out.extend(recipe::alert_names(m));
        out.extend(recipe::known_columns(m));
        out.extend(recipe::feature_sets(m).into_iter().map(|s| s.name));
        recipe::key_words(m, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typos_are_mended_and_words_left_alone() {
        let m = json!({
            "evaluation": {"metrics": [{"name": "wape"}, {"name": "accuracy"}]},
            "monitoring": {"alerts": [{"name": "wape_degradation", "threshold": 0.3}]}
        });
        let fix = |r: &str| mend(r, Some(&m)).0;
        assert_eq!(fix("accuarcy >= 92%"), "accuracy >= 92%");
        assert_eq!(
            fix("wape alrt is too trigger happy, raise its thrshold by 10%"),
            "wape alert is too trigger happy, raise its threshold by 10%"
        );
        assert_eq!(fix("please make it better"), "please make it better");
        assert_eq!(fix("set wape to 0.2"), "set wape to 0.2");
    }

    #[test]
    fn idioms_become_plain_requests() {
        assert_eq!(plain_idioms("bring mape down to 30%"), "set mape to 30%");
        assert_eq!(
            plain_idioms("take the max price increase down by 2 points"),
            "lower the max price increase by 2 points"
        );
        assert_eq!(plain_idioms("get rid of is_x"), "get rid of is_x");
    }
}
