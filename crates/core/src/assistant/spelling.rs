//! Typos mended against what this recipe has: "accuarcy >= 92%", "wape alrt
//! … raise its thrshold". A word is mended only when it is no word the
//! recipe or the assistant knows, and one known word alone is a letter or
//! two away from it.

use super::lexicon::NAMING_WORDS;
use super::recipe;
use super::text::typo_distance;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::OnceLock;

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
    "instead",
    "primary",
    "rather",
];

/// English words (SCOWL, four letters or more; see data/english_words.NOTICE):
/// a word spelt right is never mended, however close it is to a word of the
/// trade ("retail" is not "retain", "match" is not "batch").
const ENGLISH: &str = include_str!("../../data/english_words.txt");

fn is_english(word: &str) -> bool {
    static WORDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    WORDS
        .get_or_init(|| ENGLISH.lines().collect())
        .contains(word)
}

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

/// "tighten mape 5 points", "loosen rmse 10%": a move said without "by" is
/// still by that much. Only where the verb can mean nothing else: tighten
/// and loosen with any amount; raise and lower with points (with a bare
/// number, "lower mape 0.3" may mean "to 0.3").
pub fn implied_by(request: &str) -> String {
    use super::lexicon::{LOOSEN_VERBS, LOWER_VERBS, RAISE_VERBS, TIGHTEN_VERBS};
    let words: Vec<&str> = request.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let says = |w: &str| lower.iter().any(|x| x == w);
    if ["by", "to", "at", "=", "from"].iter().any(|w| says(w)) {
        return request.to_string();
    }
    let Some(verb) = lower.iter().position(|w| {
        [TIGHTEN_VERBS, LOOSEN_VERBS, RAISE_VERBS, LOWER_VERBS]
            .iter()
            .any(|list| list.contains(&w.as_str()))
    }) else {
        return request.to_string();
    };
    let is_amount = |w: &str| w.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    let Some(at) = (verb + 2..lower.len()).find(|&i| is_amount(&lower[i])) else {
        return request.to_string();
    };
    let in_points = lower
        .get(at + 1)
        .is_some_and(|u| matches!(u.as_str(), "points" | "point" | "pts" | "pt" | "pp"))
        || lower[at].ends_with("pts")
        || lower[at].ends_with("pp");
    let either_way = TIGHTEN_VERBS.contains(&lower[verb].as_str())
        || LOOSEN_VERBS.contains(&lower[verb].as_str());
    if !(either_way || in_points) {
        return request.to_string();
    }
    let mut out: Vec<&str> = words[..at].to_vec();
    out.push("by");
    out.extend(&words[at..]);
    out.join(" ")
}

/// "run it tuesdays 5am instead of monday 4am", "retain 52 runs instead of
/// 26": what it was, said beside what it should be, is dropped, so no
/// handler takes the old value for a new one. Only before a number, a day
/// or a time: "use mape instead of wape" says something.
pub fn without_old_value(request: &str) -> String {
    let request = &without_switched_from(&without_leave_alone(request));
    let lower = request.to_lowercase();
    let Some((at, cue)) = ["instead of ", "rather than ", "not the current "]
        .iter()
        .find_map(|cue| lower.find(cue).map(|at| (at, cue.len())))
    else {
        return request.to_string();
    };
    let rest = &lower[at + cue..];
    let mut said = rest.split_whitespace();
    let first = match said.next().unwrap_or("") {
        "the" | "a" => said.next().unwrap_or(""),
        w => w,
    };
    let first = first.trim_end_matches([',', '.', ';']);
    let old_value = first.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        || super::schedule::is_day_word(first)
        || matches!(first, "critical" | "warning" | "info");
    if !old_value {
        return request.to_string();
    }
    // To the end of the clause: a comma, a semicolon or a full stop that
    // is not a decimal point.
    let bytes = rest.as_bytes();
    let end = (0..bytes.len())
        .find(|&i| {
            matches!(bytes[i], b',' | b';' | b'.')
                && !bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
        })
        .map(|i| at + cue + i)
        .unwrap_or(request.len());
    format!("{}{}", request[..at].trim_end(), &request[end..])
}

/// Tells, word by word (split at spaces), whether a word is inside quotes:
/// a quote opens at a word's start and closes at a word's end, and an
/// apostrophe inside a word ("don't") does neither.
struct Quotes {
    open: bool,
}

impl Quotes {
    fn new() -> Quotes {
        Quotes { open: false }
    }

    /// Is `token` quoted text? Call once per word, in order.
    fn quoted(&mut self, token: &str) -> bool {
        let opens = token.starts_with(['"', '\'', '`']);
        let inside = self.open || opens;
        let marks = token
            .chars()
            .filter(|c| matches!(c, '"' | '\'' | '`'))
            .count();
        if marks % 2 == 1 && inside {
            self.open = !self.open;
        }
        inside
    }
}

/// "the demand history feats", "product attrs": shorthand said in full
/// (outside quotes), and an old value given with an arrow dropped ("retries
/// 2 -> 3", "label window 7->14 days"): the new value is the one after it.
pub fn in_full(request: &str) -> String {
    let mut quotes = Quotes::new();
    let words: Vec<String> = request
        .split(' ')
        .map(|token| {
            let in_quote = quotes.quoted(token);
            if in_quote {
                return token.to_string();
            }
            let bare = token.trim_end_matches([',', '.', ';', ')']);
            match super::lexicon::SHORTHAND
                .iter()
                .find(|(short, _)| bare.eq_ignore_ascii_case(short))
            {
                Some((_, full)) => token.replacen(bare, full, 1),
                None => token.to_string(),
            }
        })
        .collect();
    without_arrowed_old_value(&words.join(" "))
}

/// "2 -> 3", "4->8", "5% → 2%", "from 8 weeks to 12 weeks": only the new value.
fn without_arrowed_old_value(request: &str) -> String {
    let arrows = ["->", "→", "=>"];
    let Some((at, arrow)) = arrows
        .iter()
        .find_map(|a| request.find(a).map(|at| (at, a.len())))
    else {
        return request.to_string();
    };
    let before = request[..at].trim_end();
    // The old value: the last word before the arrow, with its unit when the
    // unit follows the number ("8 weeks -> 12 weeks").
    let mut start = before.rfind(' ').map_or(0, |i| i + 1);
    let is_value = |w: &str| w.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if !is_value(&before[start..]) {
        let head = before[..start].trim_end();
        let prev = head.rfind(' ').map_or(0, |i| i + 1);
        if !is_value(&head[prev..]) {
            return request.to_string();
        }
        start = prev;
    }
    let after = request[at + arrow..].trim_start();
    format!("{}{}", &before[..start], after)
}

/// "the revenue mape one should only be a warning": "one" standing for
/// a thing named before it is no number; it is dropped.
pub fn pronoun_one(request: &str) -> String {
    let words: Vec<&str> = request.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let stands_for = |i: usize| {
        lower[i] == "one"
            && i > 0
            && lower[i - 1].chars().all(|c| c.is_alphabetic() || c == '_')
            && !matches!(
                lower[i - 1].as_str(),
                "by" | "to"
                    | "at"
                    | "of"
                    | "only"
                    | "just"
                    | "than"
                    | "least"
                    | "most"
                    | "every"
                    | "per"
                    | "in"
                    | "is"
                    | "be"
                    | "and"
                    | "or"
                    | "the"
                    | "a"
                    | "no"
            )
            && lower.get(i + 1).is_some_and(|next| {
                matches!(
                    next.as_str(),
                    "should"
                        | "is"
                        | "needs"
                        | "must"
                        | "has"
                        | "gets"
                        | "can"
                        | "could"
                        | "would"
                        | "will"
                        | "ought"
                )
            })
    };
    if !(0..words.len()).any(stands_for) {
        return request.to_string();
    }
    (0..words.len())
        .filter(|&i| !stands_for(i))
        .map(|i| words[i])
        .collect::<Vec<_>>()
        .join(" ")
}

/// "rmse thresh -10%", "psi limit +20%": a signed percentage is a move
/// relative to the current value, said as one the relative reading knows
/// ("lower rmse thresh by 10%"). One clause only, and never beside a verb
/// that already says which way.
pub fn signed_percent(request: &str) -> String {
    use super::lexicon::{LOOSEN_VERBS, LOWER_VERBS, RAISE_VERBS, TIGHTEN_VERBS};
    let words: Vec<&str> = request.split_whitespace().collect();
    let signed = |w: &str| {
        let (up, rest) = match (w.strip_prefix('+'), w.strip_prefix('-')) {
            (Some(rest), _) => (true, rest),
            (_, Some(rest)) => (false, rest),
            _ => return None,
        };
        let number = rest.strip_suffix('%')?;
        number
            .parse::<f64>()
            .is_ok()
            .then(|| (up, number.to_string()))
    };
    let found: Vec<usize> = (0..words.len())
        .filter(|&i| signed(words[i]).is_some())
        .collect();
    let [at] = found[..] else {
        return request.to_string();
    };
    let has_verb = words.iter().any(|w| {
        let w = w.to_lowercase();
        [RAISE_VERBS, LOWER_VERBS, TIGHTEN_VERBS, LOOSEN_VERBS]
            .iter()
            .any(|list| list.contains(&w.as_str()))
    });
    let compound = words
        .iter()
        .any(|w| w.eq_ignore_ascii_case("and") || w.ends_with(',') || *w == "&");
    let Some((up, number)) = signed(words[at]) else {
        return request.to_string();
    };
    let verb = if up { "raise" } else { "lower" };
    // "+50% on the drift threshold": the target follows.
    let target_follows = at == 0
        && words
            .get(1)
            .is_some_and(|w| matches!(w.to_lowercase().as_str(), "on" | "to" | "for"))
        && words.len() > 2;
    if !has_verb && !compound && target_follows {
        return format!("{verb} {} by {number}%", words[2..].join(" "));
    }
    if has_verb || compound || at == 0 {
        return request.to_string();
    }
    let mut out = vec![verb.to_string()];
    out.extend(words[..at].iter().map(|w| w.to_string()));
    out.push(format!("by {number}%"));
    out.extend(words[at + 1..].iter().map(|w| w.to_string()));
    out.join(" ")
}

/// "halve the bias threshold", "double the qini threshold": a move by a
/// factor, said as a move by a percentage the relative reading knows.
pub fn factor_as_percent(request: &str) -> String {
    let words: Vec<&str> = request.split_whitespace().collect();
    let Some((verb, by)) = words.first().and_then(|w| match w.to_lowercase().as_str() {
        "halve" => Some(("lower", "50%")),
        "double" => Some(("raise", "100%")),
        "triple" => Some(("raise", "200%")),
        _ => None,
    }) else {
        return request.to_string();
    };
    // Settings know halving themselves; a threshold moves through the
    // relative reading, one clause at a time.
    let one_threshold = words.iter().any(|w| w.eq_ignore_ascii_case("threshold"))
        && !words
            .iter()
            .any(|w| w.eq_ignore_ascii_case("and") || w.ends_with(','));
    if words.len() < 2
        || !one_threshold
        || words[1].eq_ignore_ascii_case("check")
        || words
            .iter()
            .any(|w| w.starts_with(|c: char| c.is_ascii_digit()))
    {
        return request.to_string();
    }
    format!("{verb} {} by {by}", words[1..].join(" "))
}

/// "(just the check, leave the alert)": a parenthesis that says what to
/// leave alone asks for nothing; it is dropped so no handler reads it as a
/// change.
pub fn without_leave_alone(request: &str) -> String {
    let Some(open) = request.find('(') else {
        return request.to_string();
    };
    let Some(close) = request[open..].find(')').map(|i| open + i) else {
        return request.to_string();
    };
    let inside = request[open + 1..close].to_lowercase();
    let leaves = inside
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| matches!(w, "leave" | "keep" | "untouched" | "unchanged"));
    if !leaves {
        return request.to_string();
    }
    format!("{}{}", request[..open].trim_end(), &request[close + 1..])
}

/// "switch drift stat from psi to ks": what it switches from is dropped, so
/// only what it switches to is read.
fn without_switched_from(request: &str) -> String {
    let words: Vec<&str> = request.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let switching = lower
        .first()
        .is_some_and(|w| matches!(w.as_str(), "switch" | "change" | "move" | "go"));
    let from = lower.iter().position(|w| w == "from");
    match from {
        Some(i) if switching && lower.get(i + 2).is_some_and(|w| w == "to") => {
            let mut out: Vec<&str> = words[..i].to_vec();
            out.extend(&words[i + 2..]);
            out.join(" ")
        }
        _ => request.to_string(),
    }
}

/// `request` with its misspelt words mended, and what was mended. Quoted
/// text and a name being given are the user's own: never mended.
pub fn mend(request: &str, m: Option<&Value>) -> (String, Vec<(String, String)>) {
    let known = vocabulary(m);
    let metrics: Vec<String> = m
        .map(|m| {
            super::recipe::metrics(m)
                .into_iter()
                .map(|x| x.name)
                .collect()
        })
        .unwrap_or_default();
    let mut mended = Vec::new();
    let mut quotes = Quotes::new();
    let mut naming = false;
    // After "client", the words typed with a capital (and "&") are the
    // client's name: "client Bell & Ross", not "client churn mpae".
    let mut client = false;
    let out: Vec<String> = request
        .split(' ')
        .map(|token| {
            let in_quote = quotes.quoted(token);
            let word = token.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
            let lower = word.to_lowercase();
            let in_name = naming;
            if NAMING_WORDS.contains(&lower.as_str()) {
                naming = true;
            } else if token.ends_with([',', ';', '.', ':']) {
                naming = false;
            }
            let in_client = client && (token == "&" || word.starts_with(char::is_uppercase));
            client = lower == "client" || (in_client && !token.ends_with([',', ';', '.', ':']));
            if in_quote || in_name || in_client {
                return token.to_string();
            }
            let fix = if lower.contains('_') {
                nearest_name(&lower, &known)
            } else if needs_mending(&lower, &known) {
                nearest(&lower, &known)
            } else {
                None
            }
            .or_else(|| metric_slip(&lower, &metrics, &known));
            match fix {
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

/// One of this recipe's metrics typed with two letters swapped or one
/// dropped ("wpae", "mea", "log_los"): names too short for the general
/// mending. Only a word nobody knows, and only when one metric fits.
fn metric_slip(typed: &str, metrics: &[String], known: &[String]) -> Option<String> {
    if typed.len() < 3
        || is_english(typed)
        || known.binary_search_by(|k| k.as_str().cmp(typed)).is_ok()
    {
        return None;
    }
    let fits: Vec<&String> = metrics
        .iter()
        .filter(|m| swapped_once(typed, m) || (m.len() >= 6 && dropped_once(typed, m)))
        .collect();
    match fits[..] {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// `typed` is `name` with two neighbouring letters swapped.
fn swapped_once(typed: &str, name: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (typed.chars().collect(), name.chars().collect());
    if a.len() != b.len() {
        return false;
    }
    let differ: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    matches!(differ[..], [i, j] if j == i + 1 && a[i] == b[j] && a[j] == b[i])
}

/// `typed` is `name` with one letter left out.
fn dropped_once(typed: &str, name: &str) -> bool {
    name.len() == typed.len() + 1
        && name
            .char_indices()
            .any(|(i, c)| format!("{}{}", &name[..i], &name[i + c.len_utf8()..]) == typed)
}

/// A word is a typo worth mending only when nobody knows it: not English,
/// not the recipe's, not the assistant's. Identifiers (digits, `_`) are
/// names the user may be making up, and a short word is mended only when
/// it lost its vowels ("alrt").
fn needs_mending(lower: &str, known: &[String]) -> bool {
    let vowels = lower.chars().filter(|c| "aeiou".contains(*c)).count();
    !(lower.len() < 4
        || (lower.len() == 4 && vowels > 1)
        || lower.chars().any(|c| c.is_ascii_digit() || c == '_')
        || is_english(lower)
        || known.binary_search_by(|k| k.as_str().cmp(lower)).is_ok())
}

/// A name of this recipe typed with a slip ("competitor_prise_index"): the
/// one known name that differs in one part, by a letter or two, where the
/// part typed is no word the recipe uses. "competitor_max_price" beside
/// "competitor_min_price", or "lag_3w_units" beside "lag_2w_units", is a
/// new name, never mended.
fn nearest_name(typed: &str, known: &[String]) -> Option<String> {
    if typed.len() < 8 || known.binary_search_by(|k| k.as_str().cmp(typed)).is_ok() {
        return None;
    }
    let parts: Vec<&str> = typed.split('_').collect();
    let is_known = |w: &str| known.binary_search_by(|k| k.as_str().cmp(w)).is_ok();
    let close: Vec<&String> = known
        .iter()
        .filter(|k| k.contains('_'))
        .filter(|k| {
            let theirs: Vec<&str> = k.split('_').collect();
            if theirs.len() != parts.len() {
                return false;
            }
            let differ: Vec<(&str, &str)> = parts
                .iter()
                .zip(&theirs)
                .filter(|(a, b)| a != b)
                .map(|(a, b)| (*a, *b))
                .collect();
            match differ.as_slice() {
                [(mine, meant)] => {
                    let allowed = if meant.len() >= 8 { 2 } else { 1 };
                    !is_known(mine)
                        && !mine.chars().any(|c| c.is_ascii_digit())
                        && typo_distance(mine, meant) <= allowed
                }
                _ => false,
            }
        })
        .collect();
    match close.as_slice() {
        [one] => Some((*one).clone()),
        _ => None,
    }
}

/// The one known word a letter away (two, for a long word), if one alone is.
fn nearest(word: &str, known: &[String]) -> Option<String> {
    let allowed = if word.len() >= 8 { 2 } else { 1 };
    let mut best: Vec<(&String, usize)> = known
        .iter()
        .filter(|k| k.len() >= 5 && k.len().abs_diff(word.len()) <= allowed)
        .map(|k| (k, typo_distance(word, k)))
        .filter(|(_, d)| *d <= allowed)
        .collect();
    best.sort_by_key(|(_, d)| *d);
    match best.as_slice() {
        [(one, _)] => Some((*one).clone()),
        [(one, d), (_, d2), ..] if d < d2 => Some((*one).clone()),
        _ => None,
    }
}

/// "the auc drop alert" is "the auc_drop alert": two or three words that
/// spell, joined by `_`, an alert rule, feature set or metric of this
/// recipe are that name, so "drop" there is no verb.
pub fn join_names(request: &str, m: Option<&Value>) -> String {
    let Some(m) = m else {
        return request.to_string();
    };
    let mut names = recipe::alert_names(m);
    names.extend(recipe::feature_sets(m).into_iter().map(|s| s.name));
    names.extend(recipe::metrics(m).into_iter().map(|x| x.name));
    names.retain(|n| n.contains('_'));
    let words: Vec<&str> = request.split(' ').collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let joined = [3, 2].iter().find_map(|&n| {
            let parts = words.get(i..i + n)?;
            let bare: Vec<String> = parts.iter().map(|w| w.to_lowercase()).collect();
            let name = bare.join("_");
            names.contains(&name).then_some((n, name))
        });
        match joined {
            Some((n, name)) => {
                out.push(name);
                i += n;
            }
            None => {
                out.push(words[i].to_string());
                i += 1;
            }
        }
    }
    out.join(" ")
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
    fn a_signed_percentage_is_a_relative_move() {
        assert_eq!(
            signed_percent("rmse thresh -10%"),
            "lower rmse thresh by 10%"
        );
        assert_eq!(
            signed_percent("psi limit +20% pls"),
            "raise psi limit by 20% pls"
        );
        assert_eq!(
            signed_percent("latency budget +12.5%"),
            "raise latency budget by 12.5%"
        );
        // A verb says which way already; a clause pair is read clause by clause.
        assert_eq!(signed_percent("raise mape +5%"), "raise mape +5%");
        assert_eq!(
            signed_percent("mae -5% and rmse +5%"),
            "mae -5% and rmse +5%"
        );
        assert_eq!(signed_percent("set mape to 15%"), "set mape to 15%");
        assert_eq!(signed_percent("-10%"), "-10%");
        assert_eq!(
            signed_percent("🍕🍕 +5%"),
            "raise 🍕🍕 by 5%",
            "any text, no panic"
        );
    }

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
        // A client's name, typed with capitals, is theirs; the words after
        // "client" that are not its name are still mended.
        assert_eq!(fix("for client Bell & Ross"), "for client Bell & Ross");
        assert_eq!(
            fix("client churn alrt thrshold 0.3"),
            "client churn alert threshold 0.3"
        );
    }

    #[test]
    fn a_word_spelt_right_is_never_mended() {
        // "retail" is a letter from "retain", "prize" from "price": both are
        // words, so both are left as typed, wherever they come.
        let m = json!({"evaluation": {"metrics": [{"name": "retain_rate"}]}});
        let fix = |r: &str| mend(r, Some(&m)).0;
        assert_eq!(
            fix("forecast for retail sales"),
            "forecast for retail sales"
        );
        assert_eq!(fix("a prize draw"), "a prize draw");
        assert_eq!(fix("alter the alrt"), "alter the alert");
    }

    #[test]
    fn a_name_typed_with_a_slip_is_the_recipes_name_unless_its_digits_differ() {
        let m = json!({"requirements": {"feature_sets": [{"name": "pricing",
            "features": ["competitor_price_index", "lag_2w_units"]}]}});
        let fix = |r: &str| mend(r, Some(&m)).0;
        assert_eq!(
            fix("drift on competitor_prise_index"),
            "drift on competitor_price_index"
        );
        assert_eq!(
            fix("add lag_3w_units to pricing"),
            "add lag_3w_units to pricing"
        );
        assert_eq!(fix("montior it"), "monitor it");
    }

    #[test]
    fn quoted_text_and_given_names_are_the_users_own() {
        let m = json!({"monitoring": {"alerts": [{"name": "wape_degradation"}]}});
        let fix = |r: &str| mend(r, Some(&m)).0;
        assert_eq!(
            fix("note 'thrshold alrt' here"),
            "note 'thrshold alrt' here"
        );
        assert_eq!(
            fix("a recipe called Alrt Thrshold, with the thrshold at 3"),
            "a recipe called Alrt Thrshold, with the threshold at 3"
        );
    }

    #[test]
    fn a_move_said_without_by_is_by_that_much() {
        assert_eq!(
            implied_by("tighten revenue mape 5 points"),
            "tighten revenue mape by 5 points"
        );
        assert_eq!(implied_by("loosen rmse 10%"), "loosen rmse by 10%");
        assert_eq!(implied_by("raise wape 2 pts"), "raise wape by 2 pts");
        // A bare number after raise or lower may be the value wanted.
        assert_eq!(implied_by("lower mape 0.3"), "lower mape 0.3");
        assert_eq!(implied_by("tighten mape to 0.3"), "tighten mape to 0.3");
    }

    #[test]
    fn an_old_value_said_beside_the_new_is_dropped() {
        assert_eq!(
            without_old_value("run it tuesdays 5am utc instead of monday 4am"),
            "run it tuesdays 5am utc"
        );
        assert_eq!(
            without_old_value("retain 52 runs instead of 26, and tag it q4"),
            "retain 52 runs, and tag it q4"
        );
        assert_eq!(
            without_old_value("max staleness 240 hrs (just the check, leave the alert)"),
            "max staleness 240 hrs"
        );
        assert_eq!(
            without_old_value("drop two (store_format, store_region)"),
            "drop two (store_format, store_region)"
        );
        assert_eq!(
            without_old_value("switch drift stat from psi to ks"),
            "switch drift stat to ks"
        );
        assert_eq!(
            without_old_value("run on the 15th instead of the 1st"),
            "run on the 15th"
        );
        assert_eq!(
            without_old_value("make it a warning instead of critical"),
            "make it a warning"
        );
        assert_eq!(
            without_old_value("use mape instead of wape as primary"),
            "use mape instead of wape as primary"
        );
    }

    #[test]
    fn shorthand_is_said_in_full_and_an_arrowed_old_value_dropped() {
        assert_eq!(
            in_full("add x_y to the demand feats"),
            "add x_y to the demand features"
        );
        assert_eq!(in_full("note 'attrs' as is"), "note 'attrs' as is");
        assert_eq!(in_full("retries 2 -> 3"), "retries 3");
        assert_eq!(in_full("ratio 4->8"), "ratio 8");
        assert_eq!(in_full("window 8 weeks -> 12 weeks"), "window 12 weeks");
        assert_eq!(in_full("owner -> a@b.c"), "owner -> a@b.c");
    }

    #[test]
    fn a_move_by_a_factor_is_a_move_by_a_percentage() {
        assert_eq!(
            factor_as_percent("halve the bias threshold"),
            "lower the bias threshold by 50%"
        );
        assert_eq!(
            factor_as_percent("double the qini threshold"),
            "raise the qini threshold by 100%"
        );
        assert_eq!(factor_as_percent("double it to 4"), "double it to 4");
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
