//! Splitting a request into the asks it makes ("set mape to 0.3, move the
//! run to 5am, then add is_payday_week to calendar"): at commas, semicolons,
//! "and", "&", "also", "then", "but" and dashes, keeping together what only
//! continues a list ("drop is_holiday_week and weeks_to_next_holiday").

use super::lexicon::{ALERT_CONTINUATIONS, ALERT_WORDS, CLAUSE_OPENERS, CLAUSE_VERBS};
use super::numbers::parse_number;
use serde_json::Value;

/// The clauses of `request`, in order; one clause when it makes one ask.
pub fn split(request: &str, manifest: Option<&Value>) -> Vec<String> {
    let keys = manifest.map(key_words).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for piece in pieces(request) {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(previous) if !starts_an_ask(piece, &keys) || goes_on_alert(previous, piece) => {
                previous.push_str(" and ");
                previous.push_str(piece);
            }
            _ => out.push(piece.to_string()),
        }
    }
    out
}

/// "add an alert x, critical, when rmse > 5": the severity and condition
/// of the alert the previous piece asks for.
fn goes_on_alert(previous: &str, piece: &str) -> bool {
    let first = piece.split_whitespace().next().unwrap_or("").to_lowercase();
    let previous = previous.to_lowercase();
    ALERT_CONTINUATIONS.contains(&first.as_str())
        && previous
            .split_whitespace()
            .any(|w| ALERT_WORDS.contains(&w.trim_matches(|c: char| !c.is_alphanumeric())))
}

/// The request cut at every separator, the separators dropped.
fn pieces(request: &str) -> Vec<String> {
    let chars: Vec<char> = request.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let before = i.checked_sub(1).map(|k| chars[k]);
        let after = chars.get(i + 1).copied();
        let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
        // "1,000" and "0.95-1.05" are values, "2:30" a time: not separators.
        let cut = match c {
            ';' => true,
            ',' => !(digit(before) && digit(after)),
            '&' => true,
            // "add x to the set + watch it": a lone plus joins two asks.
            '+' | '-' | '–' | '—' => before == Some(' ') && after == Some(' '),
            _ => false,
        };
        if cut {
            out.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
        i += 1;
    }
    out.push(current);
    out.into_iter()
        .flat_map(|p| split_words(&p, &["and", "also", "then", "but", "plus"]))
        .collect()
}

/// `text` cut before each of `words` (as whole words), the word dropped;
/// "between train and test" stays whole.
fn split_words(text: &str, words: &[&str]) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut between = false;
    for w in text.split_whitespace() {
        let bare = w
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        let current = out.last_mut().map(|s| s.trim().is_empty()).unwrap_or(true);
        let joins_a_pair = between && bare == "and";
        between = (between && !joins_a_pair) || bare == "between";
        if words.contains(&bare.as_str()) && !joins_a_pair {
            if !current {
                out.push(String::new());
            }
            continue;
        }
        if let Some(last) = out.last_mut() {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(w);
        }
    }
    out
}

/// Does `piece` make an ask of its own, rather than continue the previous
/// one's list ("… and weeks_to_next_holiday")? It does when it starts with
/// a verb, or names a setting and gives it a value ("mape 0.3").
fn starts_an_ask(piece: &str, keys: &[String]) -> bool {
    let words: Vec<String> = piece
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '_' && c != '\'')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let Some(first) = words.iter().find(|w| !CLAUSE_OPENERS.contains(&w.as_str())) else {
        return false;
    };
    if CLAUSE_VERBS.contains(&first.as_str()) {
        return true;
    }
    // "the stale feed alert should match": a wish, wherever its verb is.
    if words.len() >= 3
        && words
            .iter()
            .any(|w| matches!(w.as_str(), "should" | "must" | "match" | "agree"))
    {
        return true;
    }
    let has_value = piece
        .split_whitespace()
        .any(|w| parse_number(w.trim_matches(|c: char| c == '(' || c == ')')).is_some())
        || words.iter().any(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || c == '$')
                || matches!(
                    w.as_str(),
                    "daily" | "weekly" | "monthly" | "quarterly" | "nightly"
                )
        });
    has_value && words.iter().any(|w| names_a_setting(w, keys))
}

/// Is `word` (or its singular, or the unit after its digits: "64gb") a word
/// of the manifest's keys?
fn names_a_setting(word: &str, keys: &[String]) -> bool {
    let known = |w: &str| w.len() > 1 && keys.iter().any(|k| k == w);
    let unit = word.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    known(word)
        || word.strip_suffix('s').is_some_and(known)
        || (unit != word && known(unit))
        || (word.contains('_') && word.split('_').all(known))
}

/// Every word of every key, metric and alert name in the manifest.
fn key_words(manifest: &Value) -> Vec<String> {
    let mut out = Vec::new();
    super::recipe::key_words(manifest, &mut out);
    for list in ["/evaluation/metrics", "/monitoring/alerts"] {
        for item in manifest
            .pointer(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = item["name"].as_str() {
                out.extend(name.split('_').map(str::to_string));
                out.push(name.to_string());
            }
        }
    }
    for (alias, known) in crate::domain::metrics::typed_forms() {
        out.extend(alias.split(' ').map(str::to_string));
        out.push(known.name.to_string());
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest() -> Value {
        json!({
            "evaluation": {"metrics": [{"name": "wape", "threshold": 0.25}, {"name": "mape", "threshold": 0.35}]},
            "deployment": {"resources": {"cpu": 8, "memory_gb": 32, "max_runtime_minutes": 180}},
            "monitoring": {"alerts": [{"name": "wape_degradation", "threshold": 0.3}]}
        })
    }

    #[test]
    fn asks_are_split_and_lists_kept_together() {
        let m = manifest();
        let cases: &[(&str, &[&str])] = &[
            (
                "set mape to 0.3, move the run to 5am, then add is_payday_week to calendar",
                &[
                    "set mape to 0.3",
                    "move the run to 5am",
                    "add is_payday_week to calendar",
                ],
            ),
            (
                "drop is_holiday_week and weeks_to_next_holiday, then stop tracking lag_1w_units drift",
                &[
                    "drop is_holiday_week and weeks_to_next_holiday",
                    "stop tracking lag_1w_units drift",
                ],
            ),
            ("wape 0.2, mape 0.3", &["wape 0.2", "mape 0.3"]),
            (
                "set the gap between train and test to 5 days and mape to 0.3",
                &[
                    "set the gap between train and test to 5 days",
                    "mape to 0.3",
                ],
            ),
            (
                "set bias to .04 & wape to .22",
                &["set bias to .04", "wape to .22"],
            ),
            (
                "add a feature set weather with temp_max and rain_mm",
                &["add a feature set weather with temp_max and rain_mm"],
            ),
            ("band 0.95-1.05", &["band 0.95-1.05"]),
            (
                "run it twice a day, 2:30 and 14:30",
                &["run it twice a day and 2:30 and 14:30"],
            ),
            (
                "stop paging on revenue mape - make it a warning",
                &["stop paging on revenue mape", "make it a warning"],
            ),
            (
                "max runtime 2h, 16 cpus, 64gb",
                &["max runtime 2h", "16 cpus", "64gb"],
            ),
        ];
        for (request, want) in cases {
            assert_eq!(split(request, Some(&m)), *want, "{request}");
        }
    }
}
