//! Follow-ups that lean on what was just said: "make it 0.1 and critical"
//! after "what's the threshold on forecast_bias?", "delete the second one"
//! after "list the alerts", "drop visitor_home_distance_median_km from that
//! set" after "tell me about the mobility features". The thing referred to
//! is found in the user's previous message, grounded in this manifest, and
//! the request restated with it named.

use super::lexicon::{CORRECTION_WORDS, TARGET_KINDS};
use super::names::{mentioned, words};
use super::recipe;
use serde_json::Value;

/// What an earlier message was about.
#[derive(Debug, Clone, PartialEq)]
enum Referent {
    Alert(String),
    FeatureSet(String),
    /// A setting or metric, by the words that name it.
    Named(String),
    /// A list: the alerts, the drift columns, the feature sets.
    List(Topic),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Topic {
    Alerts,
    Drift,
    FeatureSets,
}

pub const PRONOUNS: &[&str] = &["it", "that", "this", "them", "its", "those"];
const ORDINALS: &[(&str, usize)] = &[
    ("first", 0),
    ("second", 1),
    ("third", 2),
    ("fourth", 3),
    ("fifth", 4),
    ("1st", 0),
    ("2nd", 1),
    ("3rd", 2),
    ("4th", 3),
];

/// The request with what it refers to named, when it refers to something
/// the previous message named; None when it stands on its own.
pub fn restate(request: &str, history: &[String], m: &Value) -> Option<String> {
    let previous = history.last()?;
    let said = words(request);
    let refers = said.iter().any(|w| PRONOUNS.contains(&w.as_str()))
        || said.iter().any(|w| ORDINALS.iter().any(|(o, _)| o == w))
        || said.windows(2).any(|w| w[0] == "in" && w[1] == "there");
    if !refers {
        return None;
    }
    // Drift is watched on columns: "watch it for drift" after "add
    // lag_3w_units to demand history" is about the column, not the set.
    let referent = if said.iter().any(|w| w == "drift") {
        column_named(previous, m).or_else(|| referent(previous, m))?
    } else {
        referent(previous, m)?
    };
    let named = match referent {
        Referent::List(topic) => ordinal(&said, topic, m)
            .or_else(|| (topic == Topic::Drift).then(|| "drift".to_string()))?,
        Referent::Alert(name) => format!("the {name} alert"),
        Referent::FeatureSet(name) => format!("the {name} feature set"),
        Referent::Named(name) => name,
    };
    Some(substitute(request, &named))
}

/// "and mape to 0.3 too" after "tighten wape to 0.22", "same for
/// daytime_population_5km" after "add population_3km to …", "and region as
/// well" after "remove age_band from …": the previous request again, with
/// each thing this one names in place of the thing of its kind there (a
/// metric for a metric, a column for a column, a number for a number).
pub fn elliptical(request: &str, history: &[String], m: &Value) -> Option<String> {
    let previous = history.last()?;
    let lower = request.trim().trim_end_matches(['.', '!']).to_lowercase();
    let mut said: Vec<&str> = lower.split_whitespace().collect();
    let leading = ["and", "also", "plus"];
    let trailing: [&[&str]; 3] = [&["too"], &["as", "well"], &["also"]];
    let mut cued = false;
    if said.len() >= 2 && said[0] == "same" && matches!(said[1], "for" | "with" | "on") {
        said.drain(..2);
        cued = true;
    } else if said.first().is_some_and(|w| leading.contains(w)) {
        said.remove(0);
        cued = true;
    }
    if let Some(end) = trailing.iter().find(|end| said.ends_with(end)) {
        said.truncate(said.len() - end.len());
        cued = true;
    }
    if !cued || said.is_empty() || said.len() > 6 {
        return None;
    }
    // "and X to the competition set" after "add Y to trade area
    // demographics": a set of its own named, so no ellipsis of that one.
    if names_another_set(&said, previous, m) {
        return None;
    }
    let mut before: Vec<String> = previous.split_whitespace().map(str::to_string).collect();
    let kind_of = |w: &str| {
        let bare = w
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        TARGET_KINDS
            .iter()
            .find(|(word, _)| *word == bare)
            .map(|(_, kind)| *kind)
    };
    let kinds_before: Vec<&str> = before.iter().filter_map(|w| kind_of(w)).collect();
    if said
        .iter()
        .filter_map(|w| kind_of(w))
        .any(|k| !kinds_before.contains(&k))
    {
        return None;
    }
    let kind = Kinds::of(m);
    let mut replaced = vec![false; before.len()];
    let mut swapped = 0;
    for word in said {
        let Some(k) = kind.of_word(word) else {
            continue;
        };
        let at = (0..before.len()).find(|&i| {
            !replaced[i]
                && kind.of_word(before[i].to_lowercase().trim_matches([',', '.', ';'])) == Some(k)
        })?;
        before[at] = word.to_string();
        replaced[at] = true;
        swapped += 1;
    }
    (swapped > 0).then(|| before.join(" "))
}

/// Does the follow-up name a feature set (its name in words or with `_`)
/// that the previous request did not?
fn names_another_set(said: &[&str], previous: &str, m: &Value) -> bool {
    let spaced = |s: &str| format!(" {} ", s.replace('_', " ").to_lowercase());
    let now = spaced(&said.join(" "));
    let before = spaced(previous);
    recipe::feature_sets(m).iter().any(|set| {
        let name = spaced(&set.name);
        name.trim() != "" && now.contains(&name) && !before.contains(&name)
    })
}

/// "actually 0.32", "no wait, 0.35", "hmm make that 6%" after "set mape
/// thresh to 0.3": the previous request again with the one number it gave
/// replaced (its unit kept when the correction gives none). Only a request
/// that is a number and words taking the last one back; only a previous
/// request with one number in it.
pub fn revalued(request: &str, history: &[String]) -> Option<String> {
    let previous = history.last()?;
    let mut number = None;
    for word in request.split_whitespace() {
        // A leading "." is a number's (".31"); a trailing one ends a sentence.
        let word = word
            .trim_end_matches([',', '.', '!', ';', ':', '?'])
            .trim_start_matches([',', '!', ';', ':', '?']);
        if starts_a_number(word) {
            if number.replace(word).is_some() {
                return None;
            }
        } else if !word.is_empty() && !CORRECTION_WORDS.contains(&word.to_lowercase().as_str()) {
            return None;
        }
    }
    let new = number?;
    let tokens: Vec<&str> = previous.split_whitespace().collect();
    let numbered: Vec<usize> = (0..tokens.len())
        .filter(|&i| starts_a_number(tokens[i].trim_end_matches([',', '.', ';'])))
        .collect();
    let [at] = numbered[..] else {
        return None;
    };
    let old = tokens[at];
    let digits = |w: &str| {
        w.find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(w.len())
    };
    let replaced = if digits(new) < new.len() {
        new.to_string()
    } else {
        format!("{new}{}", &old[digits(old)..])
    };
    let mut again: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
    again[at] = replaced;
    Some(again.join(" "))
}

/// "0.3", ".31", "8%", "40km": a word that begins with its number.
fn starts_a_number(word: &str) -> bool {
    let digits = word.trim_start_matches('.');
    digits.starts_with(|c: char| c.is_ascii_digit())
        && (digits.len() == word.len() || word.len() - digits.len() == 1)
}

/// What a word of a request is, for putting one in another's place.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Number,
    Metric,
    Column,
}

struct Kinds {
    metrics: Vec<String>,
    columns: Vec<String>,
}

impl Kinds {
    fn of(m: &Value) -> Kinds {
        let mut columns = recipe::known_columns(m);
        columns.extend(recipe::all_features(m));
        Kinds {
            metrics: recipe::metrics(m).into_iter().map(|x| x.name).collect(),
            columns,
        }
    }

    fn of_word(&self, w: &str) -> Option<Kind> {
        if w.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            Some(Kind::Number)
        } else if self.metrics.iter().any(|x| x == w) {
            Some(Kind::Metric)
        } else if self.columns.iter().any(|x| x == w)
            || (w.contains('_') && super::text::is_identifier(w))
        {
            Some(Kind::Column)
        } else {
            None
        }
    }
}

/// Does the request point back beyond doubt ("in there", "that set",
/// "the second one")?
pub fn points_back(request: &str) -> bool {
    let said = words(request);
    said.windows(2).any(|w| {
        matches!(
            (w[0].as_str(), w[1].as_str()),
            ("in" | "from", "there") | ("that" | "this", "set" | "one" | "alert" | "rule")
        ) || (w[0] == "the" && ORDINALS.iter().any(|(o, _)| *o == w[1]))
    })
}

/// A column `message` names: an identifier that is neither a feature set
/// nor an alert rule of the recipe.
fn column_named(message: &str, m: &Value) -> Option<Referent> {
    let sets: Vec<String> = recipe::feature_sets(m)
        .into_iter()
        .map(|s| s.name)
        .collect();
    let alerts = recipe::alert_names(m);
    let metrics: Vec<String> = recipe::metrics(m).into_iter().map(|x| x.name).collect();
    words(message)
        .into_iter()
        .find(|w| {
            w.contains('_') && !sets.contains(w) && !alerts.contains(w) && !metrics.contains(w)
        })
        .map(Referent::Named)
}

/// What `message` was about, most specific first.
fn referent(message: &str, m: &Value) -> Option<Referent> {
    let alerts = recipe::alert_names(m);
    if let Some(a) = mentioned(message, &alerts).into_iter().next() {
        return Some(Referent::Alert(a));
    }
    let sets: Vec<String> = recipe::feature_sets(m)
        .into_iter()
        .map(|s| s.name)
        .collect();
    if let Some(s) = mentioned(message, &sets).into_iter().next() {
        return Some(Referent::FeatureSet(s));
    }
    let said = words(message);
    let has = |w: &str| {
        said.iter()
            .any(|x| x == w || x.strip_suffix('s') == Some(w))
    };
    if has("alert") || has("rule") {
        return Some(Referent::List(Topic::Alerts));
    }
    if has("drift") {
        return Some(Referent::List(Topic::Drift));
    }
    if has("feature") && has("set") {
        return Some(Referent::List(Topic::FeatureSets));
    }
    // A setting or metric: the identifier typed, or the words after "the".
    if let Some(id) = said.iter().find(|w| w.contains('_')) {
        return Some(Referent::Named(id.clone()));
    }
    let metrics: Vec<String> = recipe::metrics(m).into_iter().map(|x| x.name).collect();
    if let Some(x) = mentioned(message, &metrics).into_iter().next() {
        return Some(Referent::Named(x));
    }
    let topic = said
        .iter()
        .skip_while(|w| *w != "the")
        .skip(1)
        .take_while(|w| !matches!(w.as_str(), "on" | "for" | "of" | "in" | "do" | "we"))
        .cloned()
        .collect::<Vec<_>>();
    if let Some(last) = said
        .iter()
        .position(|w| matches!(w.as_str(), "many" | "much"))
    {
        // "how many folds do we validate with?": the noun after "many".
        if let Some(noun) = said.get(last + 1) {
            return Some(Referent::Named(noun.clone()));
        }
    }
    (!topic.is_empty()).then(|| Referent::Named(topic.join(" ")))
}

/// "the second one" of a list the previous message asked for.
fn ordinal(said: &[String], topic: Topic, m: &Value) -> Option<String> {
    let (_, index) = ORDINALS.iter().find(|(o, _)| said.iter().any(|w| w == o))?;
    match topic {
        Topic::Alerts => recipe::alert_names(m)
            .get(*index)
            .map(|a| format!("the {a} alert")),
        Topic::Drift => recipe::drift_columns(m)
            .get(*index)
            .map(|c| format!("{c} for drift")),
        Topic::FeatureSets => recipe::feature_sets(m)
            .get(*index)
            .map(|s| format!("the {} feature set", s.name)),
    }
}

/// `request` with its pronoun (or "the second one", "that set", "in
/// there") replaced by `named`.
pub fn substitute(request: &str, named: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let tokens: Vec<&str> = request.split_whitespace().collect();
    let mut done = false;
    let mut i = 0;
    while i < tokens.len() {
        let bare = tokens[i]
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        let next = tokens.get(i + 1).map(|t| {
            t.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        });
        if !done && bare == "the" && ORDINALS.iter().any(|(o, _)| Some(*o) == next.as_deref()) {
            // "the second one"
            out.push(named.to_string());
            i += 2;
            if tokens
                .get(i)
                .is_some_and(|t| t.trim_matches(|c: char| !c.is_alphanumeric()) == "one")
            {
                i += 1;
            }
            done = true;
            continue;
        }
        if !done && bare == "in" && next.as_deref() == Some("there") {
            out.push(format!("for {named}{}", trail(tokens[i + 1])));
            i += 2;
            done = true;
            continue;
        }
        if !done && PRONOUNS.contains(&bare.as_str()) {
            out.push(format!("{named}{}", trail(tokens[i])));
            // "that set": the noun after the pronoun is in the name.
            if matches!(
                next.as_deref(),
                Some("set" | "one" | "alert" | "rule" | "metric")
            ) {
                i += 1;
            }
            i += 1;
            done = true;
            continue;
        }
        out.push(tokens[i].to_string());
        i += 1;
    }
    out.join(" ")
}

/// The punctuation after a word ("there," keeps its comma).
fn trail(token: &str) -> &str {
    let end = token.trim_end_matches(|c: char| !c.is_alphanumeric());
    &token[end.len()..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_number_alone_takes_the_last_requests_number_back() {
        let said = |previous: &str, now: &str| revalued(now, &[previous.to_string()]);
        assert_eq!(
            said("set mape thresh to 0.3", "actually 0.32").as_deref(),
            Some("set mape thresh to 0.32")
        );
        assert_eq!(
            said("cap increases at 8%", "hmm, make that 6%").as_deref(),
            Some("cap increases at 6%")
        );
        // The unit stays when the correction gives none.
        assert_eq!(
            said("set block size to 40km", "no, 30").as_deref(),
            Some("set block size to 30km")
        );
        assert_eq!(
            said("log_loss threshold .33", "actually .31.").as_deref(),
            Some("log_loss threshold .31")
        );
        // Anything more is a request of its own; two numbers are ambiguous.
        assert_eq!(said("set mape to 0.3", "set wape to 0.3"), None);
        assert_eq!(said("set mape to 0.3", "0.3 or 0.4"), None);
        assert_eq!(said("wape to 0.2 and mape to 0.3", "actually 0.25"), None);
        assert_eq!(revalued("actually 0.3", &[]), None);
    }

    /// A follow-up naming a set the last request did not is no ellipsis
    /// of it ("and X to the competition set" after "add Y to trade area
    /// demographics"); naming none, or the same one, it is.
    #[test]
    fn a_follow_up_naming_another_set_is_its_own_request() {
        let m = json!({"requirements": {"feature_sets": [
            {"name": "trade_area_demographics", "features": ["population_1km"]},
            {"name": "competition", "features": ["competitor_count_1km"]}
        ]}});
        let previous = ["add population_3km to trade area demographics".to_string()];
        assert_eq!(
            elliptical(
                "and competitor_count_5km to the competition set",
                &previous,
                &m
            ),
            None
        );
        assert_eq!(
            elliptical("and competitor_count_5km too", &previous, &m).as_deref(),
            Some("add competitor_count_5km to trade area demographics")
        );
    }

    fn manifest() -> Value {
        json!({
            "requirements": {"feature_sets": [
                {"name": "mobility", "features": ["foot_traffic_weekly_visits", "visitor_home_distance_median_km"]}
            ]},
            "evaluation": {"metrics": [{"name": "mape", "threshold": 0.3}]},
            "monitoring": {
                "drift": {"columns": ["price", "promo_depth_pct"]},
                "alerts": [{"name": "units_mae_degradation"}, {"name": "revenue_mape_breach"}, {"name": "forecast_bias"}]
            }
        })
    }

    #[test]
    fn what_was_just_said_is_named_in_the_follow_up() {
        let m = manifest();
        let cases = [
            (
                "what's the threshold on forecast_bias?",
                "make it 0.1 and critical",
                Some("make the forecast_bias alert 0.1 and critical"),
            ),
            (
                "list the alerts on this recipe",
                "delete the second one",
                Some("delete the revenue_mape_breach alert"),
            ),
            (
                "tell me about the mobility features",
                "drop visitor_home_distance_median_km from that set",
                Some("drop visitor_home_distance_median_km from the mobility feature set"),
            ),
            (
                "what does min_propensity do?",
                "ok set it to 3%",
                Some("ok set min_propensity to 3%"),
            ),
            (
                "how many folds do we validate with?",
                "bump that to 10",
                Some("bump folds to 10"),
            ),
            (
                "what's the latency budget on the quote endpoint?",
                "cut it to 100ms",
                Some("cut latency budget to 100ms"),
            ),
            (
                "which columns are checked for drift?",
                "promo_depth_pct is way too noisy in there, drop it",
                Some("promo_depth_pct is way too noisy for drift, drop it"),
            ),
            (
                "what's the threshold on forecast_bias?",
                "set mape to 0.2",
                None,
            ),
        ];
        for (before, request, want) in cases {
            let got = restate(request, &[before.to_string()], &m);
            assert_eq!(got.as_deref(), want, "{before} / {request}");
        }
        assert_eq!(restate("make it 0.1", &[], &m), None);
    }

    #[test]
    fn an_elliptical_follow_up_is_the_previous_request_with_its_thing_swapped() {
        let m = serde_json::json!({
            "evaluation": {"metrics": [{"name": "wape", "threshold": 0.25}, {"name": "mape", "threshold": 0.35}]},
            "requirements": {"feature_sets": [{"name": "profile", "features": ["age_band", "region"]}]}
        });
        let h = |prev: &str| vec![prev.to_string()];
        assert_eq!(
            elliptical("and mape to 0.3 too", &h("tighten wape to 0.22"), &m).as_deref(),
            Some("tighten mape to 0.3")
        );
        assert_eq!(
            elliptical(
                "and region as well",
                &h("remove age_band from the profile features"),
                &m
            )
            .as_deref(),
            Some("remove region from the profile features")
        );
        assert_eq!(
            elliptical("same for new_col_2", &h("add new_col_1 to profile"), &m).as_deref(),
            Some("add new_col_2 to profile")
        );
        // Nothing of its kind before: not a follow-up.
        assert_eq!(elliptical("and mape too", &h("rename it to X"), &m), None);
        assert_eq!(
            elliptical("set mape to 0.3", &h("tighten wape to 0.22"), &m),
            None
        );
    }
}
