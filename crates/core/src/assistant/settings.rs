//! Any setting of the manifest by its own name: "lern rate 0.03",
//! "give the training job 64gb and 16 cpus", "shadow for 3 days", "stop
//! excluding test accounts", "double n_estimators", "max replicas +50%",
//! "dont show more than 2 offers per response".
//!
//! Grounded in the manifest: every number or yes/no under the pipeline's
//! stage configs, the deployment, the requirements and the validation is a
//! setting, named by the words of its key (and its parents' or stage's for
//! context). A clause's words are matched to those names (plurals, typos,
//! a few synonyms); a value is read with its unit and converted to the
//! key's (hours to minutes, weeks to days, 15% to 0.15 where the setting
//! is a fraction); or the current value is moved (double, halve, +50%, by
//! N, one more); or a yes/no follows the clause's negation. What matches
//! two settings equally is asked about, never guessed.

use super::draft::{Decline, Draft};
use super::lexicon::{
    LOWER_VERBS, NEGATION_WORDS, RAISE_VERBS, REPLACED_VALUE_CUES, SCALE_WORDS, SMALLER_WORDS,
};
use super::numbers::parse_number;
use super::text::{Tokens, edit_distance, jnum, num, phrase_ends_at};
use serde_json::Value;

/// A setting the manifest has.
#[derive(Debug, Clone)]
struct Setting {
    path: Vec<String>,
    /// Words of its key, the ones a request must name.
    words: Vec<String>,
    /// Words of its parents and stage: they settle ties.
    context: Vec<String>,
    value: Value,
}

/// Key words that only give a unit or join: not needed to name a setting.
const QUIET: &[&str] = &[
    "pct", "days", "day", "minutes", "hours", "weeks", "gb", "ms", "km", "m", "per", "n", "the",
    "of", "to", "in", "at", "or", "and", "above", "below", "if", "on", "for", "a", "by", "with",
    "from",
];

/// Words too common to name a setting on their own.
const COMMON: &[&str] = &[
    "runs",
    "model",
    "price",
    "prices",
    // vocabulary: a word of a request
    "train",
    "training",
    "data",
    "value",
    "values",
    "target",
    "items",
    "limit",
    "count",
    "score",
    "level",
    "source",
    "output",
    "forecast",
    "forecasts",
    "forecasting",
];

/// Synonyms that say a key word only loosely: with them alone, the
/// setting's section must be named too ("competitor prices older than…").
const LOOSE_SYNONYMS: &[(&str, &str)] = &[
    ("older", "age"),
    ("drop", "decrease"),
    ("cut", "decrease"),
    ("once", "contacts"),
];

/// Words people use for a key word.
const SYNONYMS: &[(&str, &str)] = &[
    ("trees", "estimators"),
    ("tree", "estimators"),
    ("rounds", "stopping"),
    ("ram", "memory"),
    ("cores", "cpu"),
    ("drop", "decrease"),
    ("cut", "decrease"),
    ("dedup", "dedupe"),
    ("once", "contacts"),
    ("retry", "retries"),
    ("history", "history"),
    ("lr", "learning"),
    ("ref", "reference"),
    ("older", "age"),
    ("depth", "depth"),
];

/// The edit, when the clause names settings of this manifest and what to
/// do with them; None when it names none (other handlers then read it).
pub fn edit(t: &Tokens, m: &Value) -> Option<Result<Draft, Decline>> {
    if owned_elsewhere(t, m) {
        return None;
    }
    let words = clause_words(&t.raw);
    let switching = on_or_off(&words);
    let settings: Vec<Setting> = settings_of(m)
        .into_iter()
        .filter(|s| switching || !s.value.is_boolean())
        .collect();
    let (mut named, tied) = named_settings(&words, &settings);
    if let Some((a, b)) = tied {
        return Some(Err(which_one(a, b)));
    }
    let stage_switch =
        |s: &Setting| s.path.len() == 4 && s.path[0] == "pipeline" && s.path[3] == "enabled";
    let names_stage = has(&words, &["stage", "step"]);
    let specific = named.iter().any(|(_, s)| !stage_switch(s));
    named.retain(|(_, s)| !stage_switch(s) || (names_stage && !specific));
    if named.is_empty() {
        return None;
    }
    let values: Vec<Given> = values_in(&words)
        .into_iter()
        .filter(|v| !replaced_value(&words, v.at))
        .collect();
    let mut d = Draft::new(m);
    let pairs = pair_up(&named, &values, &words);
    // "max price increase 20% and also 5%": a value no setting takes is a
    // question, not a guess.
    let taken: Vec<usize> = pairs.iter().filter_map(|(_, v)| v.map(|v| v.at)).collect();
    let spare: Vec<&String> = values
        .iter()
        .filter(|v| !taken.contains(&v.at))
        .map(|v| &words[v.at])
        .collect();
    if !spare.is_empty() && !taken.is_empty() {
        let named: Vec<String> = pairs
            .iter()
            .map(|(s, _)| s.path.last().cloned().unwrap_or_default().replace('_', " "))
            .collect();
        return Some(Err(Decline::new(format!(
            "More values than settings: {} for {}. Which value goes with which?",
            values
                .iter()
                .map(|v| words[v.at].as_str())
                .collect::<Vec<_>>()
                .join(", "),
            named.join(", ")
        ))));
    }
    // "retain 52 runs of published forecasts": a setting named in passing
    // ("forecast horizon weeks") that gets no value and no move, beside one
    // that gets the value, was not asked about.
    let any_valued = pairs.iter().any(|(_, v)| v.is_some());
    let pairs: Vec<_> = pairs
        .into_iter()
        .filter(|(s, v)| {
            let number = s.value.as_f64();
            !(any_valued
                && v.is_none()
                && number.is_some_and(|n| number_for(s, n, None, &words).is_none()))
        })
        .collect();
    for (setting, value) in pairs {
        if let Err(e) = apply(&mut d, setting, value, &words) {
            return Some(Err(e));
        }
    }
    if d.ops.is_empty() && d.unchanged.is_empty() {
        return None;
    }
    Some(Ok(d))
}

/// "is uplift on?", "how many trees?": the settings a question names, with
/// their values now; None when it names none.
pub fn describe_named(t: &Tokens, m: &Value) -> Option<String> {
    let words = clause_words(&t.raw);
    let settings = settings_of(m);
    let (named, _) = named_settings(&words, &settings);
    if named.is_empty() {
        return None;
    }
    let lines: Vec<String> = named
        .iter()
        .map(|(_, s)| {
            let label = match s.path.last().map(String::as_str) {
                Some("enabled") => s.words.join(" "),
                _ => s.path.last().cloned().unwrap_or_default().replace('_', " "),
            };
            format!("{label}: {} ({})", show(&s.value), s.path.join("."))
        })
        .collect();
    Some(lines.join("\n"))
}

/// Metrics, alerts, drift, features, schedules and validation strategies
/// have their own handlers, which know their rules.
fn owned_elsewhere(t: &Tokens, m: &Value) -> bool {
    // "add population_3km to the demographics set".
    super::features::kind(t, super::lexicon::start(t), Some(m)).is_some()
        || (t.has("drift") && !names_a_drift_setting(t, m))
        || t.has_any(&[
            "alert",
            "alerts",
            "alerting",
            "feature",
            "features",
            "schedule",
            "cron",
            "daily",
            "weekly",
            "monthly",
            "nightly",
            "quarterly",
            "realtime",
            "batch",
            "strategy",
            "rolling",
            "expanding",
            "fresher",
            "stale",
            "staleness",
            "rename",
            "tag",
            "owner",
            "horizon",
        ])
        || !super::recipe::metric_mentions(t, Some(m)).is_empty()
        || t.has_any(&[
            "retrain",
            "retraining",
            "monday",
            "mondays",
            "tuesday",
            "tuesdays",
            "wednesday",
            "wednesdays",
            "thursday",
            "thursdays",
            "friday",
            "fridays",
            "saturday",
            "saturdays",
            "sunday",
            "sundays",
            "weekdays",
            "weekends",
        ])
        || t.toks.iter().any(|x| {
            let w = x.text.as_str();
            (w.ends_with("am") || w.ends_with("pm")) && w.starts_with(|c: char| c.is_ascii_digit())
        })
}

/// "drift bins 20": a setting of drift monitoring other than its threshold
/// and columns (which the drift handler owns), named by all its words.
fn names_a_drift_setting(t: &Tokens, m: &Value) -> bool {
    settings_of(m)
        .iter()
        .filter(|s| {
            s.path
                .starts_with(&["monitoring".to_string(), "drift".to_string()])
        })
        .any(|s| {
            s.words
                .iter()
                .filter(|w| !QUIET.contains(&w.as_str()))
                .all(|w| t.toks.iter().any(|x| says(&x.text, w)))
        })
}

/// Does the clause turn something on or off (a yes/no setting's only
/// change)?
fn on_or_off(words: &[String]) -> bool {
    negated(words)
        || has(
            words,
            &["enable", "activate", "on", "start", "turn", "use", "allow"],
        )
}

/// The clause's words, lowercased, symbols that carry meaning kept apart
/// ("+50%" stays whole; "w/" and punctuation go).
fn clause_words(raw: &str) -> Vec<String> {
    raw.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '/'))
        .map(|w| {
            // ".05" keeps its point; "runs." and "endpoint:" lose theirs.
            let w = w.trim_end_matches(['.', ':', '!', '?', '"', '\'']);
            match w.strip_prefix('.') {
                Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => w,
                _ => w.trim_start_matches(['.', ':', '"', '\'']),
            }
        })
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace(['\'', '’'], ""))
        .collect()
}

fn settings_of(m: &Value) -> Vec<Setting> {
    let mut out = Vec::new();
    for section in ["requirements", "deployment"] {
        if let Some(v) = m.get(section) {
            collect(v, &mut vec![section.to_string()], &[], &mut out);
        }
    }
    // The drift threshold and freshness limit have handlers of their own.
    for part in ["drift", "performance"] {
        if let Some(v) = m.pointer(&format!("/monitoring/{part}")) {
            let mut found = Vec::new();
            collect(
                v,
                &mut vec!["monitoring".into(), part.into()],
                &[part.into()],
                &mut found,
            );
            out.extend(found.into_iter().filter(|s| {
                !matches!(
                    s.path.last().map(String::as_str),
                    Some("threshold" | "enabled")
                )
            }));
        }
    }
    if let Some(v) = m.pointer("/evaluation/validation") {
        collect(
            v,
            &mut vec!["evaluation".into(), "validation".into()],
            &["validation".into()],
            &mut out,
        );
    }
    if let Some(stages) = m.pointer("/pipeline/stages").and_then(Value::as_array) {
        for (i, stage) in stages.iter().enumerate() {
            let name_words: Vec<String> = stage["name"]
                .as_str()
                .unwrap_or("")
                .split('_')
                .map(str::to_string)
                .collect();
            let mut context = name_words.clone();
            context.push("stage".into());
            if let Some(kind) = stage["type"].as_str() {
                context.push(kind.to_string());
            }
            let mut path = vec!["pipeline".into(), "stages".into(), i.to_string()];
            if let Some(enabled) = stage.get("enabled") {
                out.push(Setting {
                    path: [path.clone(), vec!["enabled".into()]].concat(),
                    words: name_words.clone(),
                    context: context.clone(),
                    value: enabled.clone(),
                });
            }
            if let Some(config) = stage.get("config") {
                path.push("config".into());
                collect(config, &mut path, &context, &mut out);
            }
        }
    }
    out
}

fn collect(v: &Value, path: &mut Vec<String>, context: &[String], out: &mut Vec<Setting>) {
    let Value::Object(map) = v else { return };
    // Words a sibling's text gives ("method": "shap" beside "top_k"): they
    // say which object a setting is in.
    let siblings: Vec<String> = map
        .values()
        .filter_map(Value::as_str)
        .filter(|v| v.len() <= 24 && !v.contains(' '))
        .flat_map(|v| v.split('_').map(str::to_lowercase).collect::<Vec<_>>())
        .collect();
    let context = &[context.to_vec(), siblings].concat();
    for (key, child) in map {
        path.push(key.clone());
        let key_words: Vec<String> = key.split('_').map(str::to_string).collect();
        match child {
            Value::Number(_) | Value::Bool(_) => {
                // "enabled" is named by what it enables: its parent key.
                let (words, extra) = match key.as_str() {
                    "enabled" => (parent_words(path), context.to_vec()),
                    _ => (
                        key_words.clone(),
                        [context.to_vec(), parent_words(path)].concat(),
                    ),
                };
                out.push(Setting {
                    path: path.clone(),
                    words,
                    context: extra,
                    value: child.clone(),
                });
            }
            Value::Object(_) => {
                let inner: Vec<String> = [context.to_vec(), key_words].concat();
                collect(child, path, &inner, out);
            }
            _ => {}
        }
        path.pop();
    }
}

fn parent_words(path: &[String]) -> Vec<String> {
    path.len()
        .checked_sub(2)
        .and_then(|i| path.get(i))
        .map(|p| p.split('_').map(str::to_string).collect())
        .unwrap_or_default()
}

/// Does the clause word `w` say the key word `k`?
fn says(w: &str, k: &str) -> bool {
    if w == k || w.strip_suffix('s') == Some(k) || k.strip_suffix('s') == Some(w) {
        return true;
    }
    if SYNONYMS.iter().any(|(a, b)| *a == w && *b == k) {
        return true;
    }
    // "promos" for promotion, "cpus" for cpu: a shared stem of four letters.
    let stem = w.trim_end_matches('s');
    if stem.len() >= 4 && k.starts_with(stem) {
        return true;
    }
    // "lern" for learning: a misspelt beginning of four letters or more.
    if w.len() >= 4
        && k.len() > w.len() + 1
        && k.is_char_boundary(w.len() + 1)
        && edit_distance(w, &k[..w.len() + 1]) <= 1
        && w.chars().next() == k.chars().next()
    {
        return true;
    }
    // Typos: one letter in a word of five or more.
    w.len() >= 5 && k.len() >= 5 && edit_distance(w, k) <= 1
        || w.len() >= 8 && k.len() >= 8 && edit_distance(w, k) <= 2
}

/// Words of the clause, an identifier also as its parts ("num_leavs").
fn spoken(words: &[String]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        out.push((i, w.clone()));
        if w.contains('_') {
            out.extend(w.split('_').map(|p| (i, p.to_string())));
        }
    }
    out
}

/// Settings the clause names, each with where it is named, best first;
/// settings named equally well are all kept (an ambiguity to ask about).
/// Two settings the words fit equally well: a question with both as choices,
/// never a guess that saves.
fn which_one(a: &Setting, b: &Setting) -> Decline {
    let name = |s: &Setting| s.path.join(".");
    // Said with its section, so the suggestion names one setting alone:
    // "reference price window days", "drift reference window days".
    let key = |s: &Setting| {
        let parts: Vec<&str> = s
            .path
            .iter()
            .map(String::as_str)
            .filter(|p| !p.chars().all(|c| c.is_ascii_digit()))
            .filter(|p| !matches!(*p, "pipeline" | "stages" | "config"))
            .collect();
        parts[parts.len().saturating_sub(2)..]
            .join(" ")
            .replace('_', " ")
    };
    Decline::new(format!(
        "That could be either of two settings: {} (now {}) or {} (now {}). Which one?",
        name(a),
        show(&a.value),
        name(b),
        show(&b.value)
    ))
    .suggest([
        format!("set {} to …", key(a)),
        format!("set {} to …", key(b)),
    ])
}

/// The settings the words name, in the order they are said, and two that
/// the words fit equally well, if any (the caller asks which).
type Named<'a> = (
    Vec<(usize, &'a Setting)>,
    Option<(&'a Setting, &'a Setting)>,
);

fn named_settings<'a>(words: &[String], settings: &'a [Setting]) -> Named<'a> {
    let said = Said::new(words);
    let mut scored = Vec::new();
    let mut unit_only: Vec<(usize, &Setting)> = Vec::new();
    for s in settings {
        match naming(&said, s, settings) {
            Some(Naming::Words(c)) => scored.push(c),
            Some(Naming::Unit(at, s)) => unit_only.push((at, s)),
            None => {}
        }
    }
    let (mut kept, passed_over, mut tied) = best_named(scored);
    prefer_fuller(&said, &mut kept, &passed_over, &mut tied);
    ask_on_a_shared_word(&kept, settings, &mut tied);
    kept.sort_by_key(|k| k.at);
    let mut named: Vec<(usize, &Setting)> = kept.into_iter().map(|c| (c.at, c.setting)).collect();
    let values = values_in(words);
    let claimed: Vec<usize> = pair_up(&named, &values, words)
        .iter()
        .filter_map(|(_, v)| v.map(|v| v.at))
        .collect();
    named.extend(
        unit_only
            .into_iter()
            .filter(|(at, _)| !claimed.contains(at)),
    );
    named.sort_by_key(|(at, _)| *at);
    (named, tied)
}

/// What a request says, as the settings are matched against it.
struct Said<'w> {
    words: &'w [String],
    spoken: Vec<(usize, String)>,
    /// "max", "up to", "older": a key's "max" is implied.
    max: bool,
    min: bool,
    /// A rate said ("per month", "weekly").
    period: Option<&'static str>,
}

impl<'w> Said<'w> {
    fn new(words: &'w [String]) -> Self {
        let max = words.iter().any(|w| {
            matches!(
                w.as_str(),
                "max" | "maximum" | "cap" | "most" | "more" | "over" | "older"
            )
        }) || words.windows(2).any(|w| w[0] == "up" && w[1] == "to");
        let min = words
            .iter()
            .any(|w| matches!(w.as_str(), "min" | "minimum" | "least" | "fewer" | "under"));
        let period = rate(words).or_else(|| {
            words.iter().find_map(|w| {
                matches!(w.as_str(), "daily" | "weekly" | "monthly")
                    .then(|| period(w))
                    .flatten()
            })
        });
        Said {
            words,
            spoken: spoken(words),
            max,
            min,
            period,
        }
    }
}

/// "per month" is no setting "per day" (a rate, not "156 weeks").
fn rate(list: &[String]) -> Option<&'static str> {
    list.windows(2).find_map(|w| {
        matches!(w[0].as_str(), "per" | "a" | "each" | "every" | "an")
            .then(|| period(&w[1]))
            .flatten()
    })
}

/// A setting the words name: where, how well (its score, then the words
/// of its context said), and the places of its own words.
#[derive(Clone)]
struct Candidate<'a> {
    at: usize,
    score: usize,
    context: usize,
    places: Vec<usize>,
    setting: &'a Setting,
}

impl Candidate<'_> {
    fn rank(&self) -> (usize, usize) {
        (self.score, self.context)
    }
}

enum Naming<'a> {
    Words(Candidate<'a>),
    /// Named by a unit only it has ("64gb"), at that word.
    Unit(usize, &'a Setting),
}

/// Whether and how well the words name one setting.
fn naming<'a>(said: &Said, s: &'a Setting, settings: &[Setting]) -> Option<Naming<'a>> {
    let words = said.words;
    let key_period = rate(&s.words);
    if matches!((said.period, key_period), (Some(a), Some(b)) if a != b) {
        return None;
    }
    let needed: Vec<&String> = s
        .words
        .iter()
        .filter(|k| !QUIET.contains(&k.as_str()))
        .collect();
    if needed.is_empty() {
        return None;
    }
    let mut hits = 0;
    let mut first: Option<usize> = None;
    let mut places: Vec<usize> = Vec::new();
    // Hits on the key's own words, not a synonym ("older" for age).
    let mut plain = 0;
    let mut exact = 0;
    for k in &needed {
        let implied = (k.as_str() == "max" && said.max) || (k.as_str() == "min" && said.min);
        let at = said
            .spoken
            .iter()
            .find(|(_, w)| says(w, k))
            .map(|(i, _)| *i);
        if let Some(i) = at {
            first = Some(first.map_or(i, |f: usize| f.min(i)));
            places.push(i);
            if !LOOSE_SYNONYMS
                .iter()
                .any(|(a, b)| *b == k.as_str() && words[i] == *a)
            {
                plain += 1;
            }
            // "increase" said for increase, not a misspelt "decrease".
            if said
                .spoken
                .iter()
                .any(|(_, w)| w == *k || w.strip_suffix('s') == Some(k.as_str()))
            {
                exact += 1;
            }
        }
        if at.is_some() || implied {
            hits += 1;
        }
    }
    // The whole key typed as one identifier, typos and all.
    let joined = s.words.join("_");
    // Or its start, cut short ("n_est" for n_estimators, "min_data" for
    // min_data_in_leaf).
    let typed = words.iter().position(|w| {
        w.contains('_')
            && (*w == joined
                || edit_distance(w, &joined) <= 2
                || (w.len() >= 4 && joined.starts_with(w.as_str())))
    });
    // Words beside the key's own: one already naming the key
    // ("price" in "min distinct price points") settles nothing.
    let context = s
        .context
        .iter()
        .filter(|c| {
            said.spoken
                .iter()
                .any(|(i, w)| !places.contains(i) && says(w, c))
        })
        .count();
    // Every word of a short name; two thirds of a long one; one of two
    // when the stage or section is named too ("the quality checks
    // shouldn't fail").
    // A word no other setting has names this one alone ("canary").
    let distinctive = needed.iter().any(|k| {
        k.len() >= 5
            && !COMMON.contains(&k.as_str())
            && said.spoken.iter().any(|(_, w)| says(w, k))
            && settings
                .iter()
                .filter(|o| o.words.iter().any(|ow| ow == *k))
                .count()
                == 1
    });
    // Named only through synonyms: the setting's section must be said too.
    let loose = plain == 0 && context == 0;
    let enough = !loose
        && match needed.len() {
            1 => hits == 1,
            2 => hits == 2 || (hits == 1 && (context > 0 || distinctive) && first.is_some()),
            n => hits * 3 >= n * 2 && hits >= 2,
        };
    // "64gb": a unit only one kind of setting has names it.
    let by_unit = s.words.last().and_then(|unit| {
        matches!(unit.as_str(), "gb" | "ms" | "km")
            .then(|| {
                words.iter().position(|w| {
                    w.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.') == unit
                        && w.starts_with(|c: char| c.is_ascii_digit())
                })
            })
            .flatten()
    });
    if let Some(at) = typed.or(first.filter(|_| enough)) {
        let score = (hits + usize::from(typed.is_some()) * 10) * 4 + exact;
        return Some(Naming::Words(Candidate {
            at,
            score,
            context,
            places,
            setting: s,
        }));
    }
    // Named by its unit alone: only where no named setting takes the value.
    by_unit.map(|at| Naming::Unit(at, s))
}

/// Two settings the words fit equally well.
type Tie<'a> = Option<(&'a Setting, &'a Setting)>;

/// The candidates no better one covers, those passed over, and two that
/// tie (a setting named only by words another names better is dropped:
/// "max_price_decrease_pct" over "max_price_increase_pct" for "never cut a
/// price by more than 5%").
fn best_named(mut scored: Vec<Candidate<'_>>) -> (Vec<Candidate<'_>>, Vec<Candidate<'_>>, Tie<'_>) {
    scored.sort_by_key(|c| std::cmp::Reverse(c.rank()));
    let mut kept: Vec<Candidate> = Vec::new();
    let mut passed_over: Vec<Candidate> = Vec::new();
    let mut tied = None;
    for s in scored {
        let same_words = |k: &Candidate| !s.places.is_empty() && s.places == k.places;
        let beaten = kept.iter().any(|k| {
            k.rank() > s.rank()
                && (k.at == s.at
                    || (!s.places.is_empty() && s.places.iter().all(|p| k.places.contains(p))))
        });
        if let Some(k) = kept.iter().find(|k| k.rank() == s.rank() && same_words(k)) {
            tied.get_or_insert((k.setting, s.setting));
        }
        if !beaten {
            kept.push(s);
        } else {
            passed_over.push(s);
        }
    }
    (kept, passed_over, tied)
}

/// "shap top k": the best named only in part (include_shap_top_k), and
/// another named in full whose section the rest of the words name
/// (explanations.top_k, method shap). One that explains more of the words
/// than the best does ("reference price window days": window_days in its
/// reference_price section, over price_ratio_to_reference) takes its place;
/// one that explains as much is a tie: ask.
fn prefer_fuller<'a>(
    said: &Said,
    kept: &mut [Candidate<'a>],
    passed_over: &[Candidate<'a>],
    tied: &mut Tie<'a>,
) {
    let said_in_full = |s: &Setting| {
        s.words
            .iter()
            .filter(|k| !QUIET.contains(&k.as_str()))
            .all(|k| said.spoken.iter().any(|(_, w)| says(w, k)))
    };
    let explained = |s: &Setting, places: &[usize]| {
        let mut all = places.to_vec();
        all.extend(
            said.spoken
                .iter()
                .filter(|(_, w)| s.context.iter().any(|c| says(w, c)))
                .map(|(i, _)| *i),
        );
        all.sort_unstable();
        all.dedup();
        all
    };
    for k in kept.iter_mut() {
        if said_in_full(k.setting) {
            continue;
        }
        let fuller = passed_over.iter().find_map(|o| {
            let covered = explained(o.setting, &o.places);
            (said_in_full(o.setting) && k.places.iter().all(|p| covered.contains(p)))
                .then_some((o, covered.len() > k.places.len()))
        });
        match fuller {
            Some((o, true)) => *k = o.clone(),
            Some((o, false)) => {
                tied.get_or_insert((k.setting, o.setting));
            }
            None => {}
        }
    }
}

/// One plain word that other settings' keys have too ("the window", "the
/// radius"), with nothing beside it to say which: ask.
fn ask_on_a_shared_word<'a>(kept: &[Candidate<'a>], settings: &'a [Setting], tied: &mut Tie<'a>) {
    for k in kept {
        let needed: Vec<&String> = k
            .setting
            .words
            .iter()
            .filter(|w| !QUIET.contains(&w.as_str()))
            .collect();
        let [word] = needed.as_slice() else { continue };
        let other = settings
            .iter()
            .find(|o| o.path != k.setting.path && o.words.contains(word));
        if let Some(other) = other
            && k.context == 0
            && k.score < 40
        {
            tied.get_or_insert((k.setting, other));
        }
    }
}

/// The period a word names: day, week, month or year.
fn period(word: &str) -> Option<&'static str> {
    match word {
        "day" | "days" | "daily" | "d" | "24h" => Some("day"),
        "week" | "weeks" | "weekly" | "7d" => Some("week"),
        "month" | "months" | "monthly" | "30d" => Some("month"),
        "year" | "years" | "yearly" | "annual" => Some("year"),
        _ => None,
    }
}

/// A value the clause gives: a number with its unit, where it is.
#[derive(Debug, Clone, Copy)]
struct Given {
    at: usize,
    value: f64,
    percent: bool,
    /// Hours per unit for a duration, else None.
    hours: Option<f64>,
    /// "+50%", "+2": relative to the current value.
    plus: bool,
    scale: Scale,
}

/// A unit glued to a number that scales it, by the setting it is for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scale {
    One,
    Thousand,
    /// Millions, except for a setting in metres ("dedup radius 50m").
    MOrMetre,
    Kilometre,
}

/// The value a request replaces: after "not", "instead of" ("8% not 10"),
/// or after "from" when "to" and a new one follow ("from 8 weeks to 12").
fn replaced_value(words: &[String], at: usize) -> bool {
    let ends_before = |cue: &str| phrase_ends_at(|i| words[i].as_str(), at, cue);
    if REPLACED_VALUE_CUES.iter().any(|c| ends_before(c)) {
        return true;
    }
    ends_before("from")
        && words[at + 1..]
            .windows(2)
            .any(|w| w[0] == "to" && w[1].starts_with(|c: char| c.is_ascii_digit()))
}

fn values_in(words: &[String]) -> Vec<Given> {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let plus = w.starts_with('+');
        let bare = w.trim_start_matches(['+', '$']);
        if bare.contains(':') {
            continue;
        }
        // "six", "once", "15%", "0.9": a value as a whole word.
        let whole_word = match bare {
            "once" => Some((1.0, false)),
            _ => parse_number(bare).filter(|_| {
                bare.ends_with(|c: char| c.is_ascii_digit() || c == '%')
                    || !bare.starts_with(|c: char| c.is_ascii_digit())
            }),
        };
        // "64gb", "10km", "50m", "450k", "4h": digits, then a unit.
        let cut = bare.find(|c: char| c.is_alphabetic()).unwrap_or(bare.len());
        let (digits, glued) = bare.split_at(cut);
        let (value, percent, unit) = match whole_word {
            Some((v, p)) => (v, p, words.get(i + 1).map(String::as_str).unwrap_or("")),
            None => match parse_number(digits) {
                Some((v, p)) if !digits.is_empty() => (v, p, glued),
                _ => continue,
            },
        };
        // "10 percent" is 10%.
        let (value, percent) = match unit {
            "percent" | "pct" if !percent => (value / 100.0, true),
            _ => (value, percent),
        };
        let hours = match unit {
            "h" | "hr" | "hrs" | "hour" | "hours" => Some(1.0),
            "d" | "day" | "days" => Some(24.0),
            "w" | "wk" | "wks" | "week" | "weeks" => Some(168.0),
            "min" | "mins" | "minute" | "minutes" => Some(1.0 / 60.0),
            _ => None,
        };
        let scale = match unit {
            "k" => Scale::Thousand,
            "m" => Scale::MOrMetre,
            "km" => Scale::Kilometre,
            _ => Scale::One,
        };
        out.push(Given {
            at: i,
            value,
            percent,
            hours,
            plus,
            scale,
        });
    }
    out
}

/// Each named setting with the value meant for it: the nearest value
/// after its name, else before it (for "16 cpus").
fn pair_up<'a>(
    named: &[(usize, &'a Setting)],
    values: &[Given],
    words: &[String],
) -> Vec<(&'a Setting, Option<Given>)> {
    let mut used = vec![false; values.len()];
    // A number right before a setting's word is its own ("18 months
    // open"), whatever setting came first.
    let mut picks: Vec<Option<usize>> = named
        .iter()
        .map(|(at, _)| {
            let v = (0..values.len()).find(|&v| !used[v] && values[v].at + 1 == *at)?;
            used[v] = true;
            Some(v)
        })
        .collect();
    for (k, (at, _)) in named.iter().enumerate() {
        if picks[k].is_some() {
            continue;
        }
        let next_name = named.get(k + 1).map_or(words.len(), |n| n.0);
        let after = (0..values.len())
            .find(|&v| !used[v] && values[v].at >= *at && values[v].at < next_name);
        let before = (0..values.len())
            .rev()
            .find(|&v| !used[v] && values[v].at < *at);
        picks[k] = after.or(before);
        if let Some(v) = picks[k] {
            used[v] = true;
        }
    }
    named
        .iter()
        .zip(picks)
        .map(|((_, s), pick)| (*s, pick.map(|v| values[v])))
        .collect()
}

fn has(words: &[String], any: &[&str]) -> bool {
    words.iter().any(|w| any.contains(&w.as_str()))
}

fn negated(words: &[String]) -> bool {
    has(words, NEGATION_WORDS)
}

/// Sets one setting from the clause.
fn apply(
    d: &mut Draft,
    s: &Setting,
    given: Option<Given>,
    words: &[String],
) -> Result<(), Decline> {
    let path: Vec<&str> = s.path.iter().map(String::as_str).collect();
    let name = s.path.last().cloned().unwrap_or_default();
    let label = match name.as_str() {
        "enabled" => format!("{} enabled", s.words.join(" ")),
        _ => name.replace('_', " "),
    };
    let new = match &s.value {
        Value::Bool(_) => {
            if given.is_some() {
                return Err(Decline::new(format!(
                    "{label} is yes or no; say turn it on or off."
                )));
            }
            Value::Bool(!negated(words))
        }
        Value::Number(n) => {
            let current = n.as_f64().unwrap_or(0.0);
            let Some(v) = number_for(s, current, given, words) else {
                return Err(Decline::new(format!(
                    "What should {label} be? It is now {}.",
                    num(current)
                )));
            };
            if v < 0.0 || !v.is_finite() {
                return Err(Decline::new(format!("{label} cannot be {}.", num(v))));
            }
            let share = ["_rate", "_fraction", "rate", "fraction"]
                .iter()
                .any(|end| name.ends_with(end));
            if share && current <= 1.0 && !(v > 0.0 && v <= 1.0) {
                return Err(Decline::new(format!(
                    "{label} is a fraction between 0 and 1 (now {}); {} is out of range. Did you mean {}?",
                    num(current),
                    num(v),
                    num(v / 100.0)
                )));
            }
            let whole = n.is_i64() || n.is_u64();
            if whole && v.fract().abs() > 1e-9 {
                return Err(Decline::new(format!(
                    "{label} is a whole number; {} is not.",
                    num(v)
                )));
            }
            jnum(if whole { v.round() } else { v })
        }
        _ => return Ok(()),
    };
    let old = s.value.clone();
    if d.set(&path, new.clone())? {
        d.line(format!("{label}: {} -> {}", show(&old), show(&new)));
    } else {
        d.same(format!("{label} is already {}", show(&new)));
    }
    Ok(())
}

fn show(v: &Value) -> String {
    match v {
        Value::Bool(true) => "on".into(),
        Value::Bool(false) => "off".into(),
        Value::Number(n) => num(n.as_f64().unwrap_or(0.0)),
        other => other.to_string(),
    }
}

/// The number a setting gets: moved from `current`, or the value given in
/// the setting's unit.
fn number_for(s: &Setting, current: f64, given: Option<Given>, words: &[String]) -> Option<f64> {
    let key = s.path.last().map(String::as_str).unwrap_or("");
    // "double it", "cut it in half", "2x longer": the value scaled, unless
    // another value is given.
    if let Some((at, by)) = factor(words)
        && given.is_none_or(|g| g.at == at)
    {
        return Some((current * by * 1e9).round() / 1e9);
    }
    if words
        .windows(2)
        .any(|w| w[0] == "one" && matches!(w[1].as_str(), "more" | "extra"))
    {
        return Some(current + 1.0);
    }
    if words
        .windows(2)
        .any(|w| w[0] == "one" && matches!(w[1].as_str(), "less" | "fewer"))
    {
        return Some(current - 1.0);
    }
    if given.is_none() && negated(words) && key == "retries" {
        return Some(0.0);
    }
    let mut g = given?;
    let timed = time_unit_of(key).is_some();
    // "3 days" is no value for a setting that is not a duration; "0.9 min"
    // for "min_match_confidence" is the minimum, not minutes.
    if g.hours.is_some() && !timed {
        let min_named =
            words.get(g.at + 1).is_some_and(|w| w == "min") && key.split('_').any(|k| k == "min");
        if !min_named {
            return None;
        }
        g.hours = None;
    }
    // "2 points" of a fraction is 0.02.
    let points = words
        .get(g.at + 1)
        .is_some_and(|w| w.starts_with("point") || w == "pts");
    let amount = match points && current <= 1.0 {
        true => g.value / 100.0,
        false => in_unit(key, current, g),
    };
    // "by 10%" moves the value; "by more than 5%" bounds it.
    let by = words.iter().position(|w| w == "by").is_some_and(|b| {
        b < g.at
            && !matches!(
                words.get(b + 1).map(String::as_str),
                Some("more" | "over" | "at")
            )
    });
    // "less" and "more" move a setting ("more replicas by 2"), not a
    // threshold (`relative`), where they would misread "more strict".
    let down = has(words, LOWER_VERBS) || has(words, &["less"]);
    let up = has(words, RAISE_VERBS) || has(words, &["more"]);
    // "add 50ms to the latency budget": an amount added to the value.
    let added =
        words.first().is_some_and(|w| w == "add") && words.iter().skip(g.at + 1).any(|w| w == "to");
    let relative = g.plus || added || (by && (up || down));
    // "5%" is no value for a count ("max skus changed per day"), though
    // "+50%" moves one.
    let proportion = current <= 1.0
        || ["pct", "percent", "fraction", "share", "rate", "ratio"]
            .iter()
            .any(|w| key.split('_').any(|k| k == *w));
    if !relative {
        return (!g.percent || proportion).then_some(amount);
    }
    let sign = if down && !g.plus { -1.0 } else { 1.0 };
    let moved = if g.percent {
        current * (1.0 + sign * g.value)
    } else {
        current + sign * amount
    };
    Some((moved * 1e9).round() / 1e9)
}

/// Where a request scales a value and by what: "double", "twice",
/// "triple", "halve", "in half", "2x", "x3", "3 times longer". Said with a
/// verb or word that lowers ("cut it 2x", "2x smaller"), it divides.
fn factor(words: &[String]) -> Option<(usize, f64)> {
    let (at, by) = words.iter().enumerate().find_map(|(i, w)| {
        let before = |cue: &str| i > 0 && words[i - 1] == cue;
        let by = match w.as_str() {
            "double" | "doubled" | "twice" => 2.0,
            "triple" | "tripled" | "thrice" => 3.0,
            "halve" | "halved" => 0.5,
            "half" if before("in") || before("by") => 0.5,
            // "retry 3 times" is a count; "3 times longer" scales.
            "times"
                if i > 0
                    && words
                        .get(i + 1)
                        .is_some_and(|n| SCALE_WORDS.contains(&n.as_str())) =>
            {
                return parse_number(&words[i - 1]).map(|(n, _)| (i - 1, n));
            }
            _ => {
                let n = w.strip_suffix('x').or_else(|| w.strip_prefix('x'))?;
                n.parse::<f64>().ok().filter(|n| *n > 0.0)?
            }
        };
        Some((i, by))
    })?;
    let lowers = has(words, LOWER_VERBS) || has(words, SMALLER_WORDS);
    Some((at, if lowers && by > 1.0 { 1.0 / by } else { by }))
}

/// The hours in one unit of a duration setting: "max_runtime_minutes",
/// "min_months_open" (a unit word anywhere in the key), or None.
fn time_unit_of(key: &str) -> Option<f64> {
    key.split('_').find_map(|w| match w {
        "minutes" => Some(1.0 / 60.0),
        "hours" => Some(1.0),
        "days" => Some(24.0),
        "weeks" => Some(168.0),
        "months" => Some(730.5),
        _ => None,
    })
}

/// A given value in the unit of `key`.
fn in_unit(key: &str, current: f64, g: Given) -> f64 {
    let hours = |h: f64| h / time_unit_of(key).unwrap_or(1.0);
    if let Some(per) = g.hours {
        return (hours(g.value * per) * 1e9).round() / 1e9;
    }
    let metres = key.ends_with("_m");
    match g.scale {
        Scale::Thousand => return g.value * 1e3,
        Scale::MOrMetre if !metres => return g.value * 1e6,
        Scale::Kilometre if metres => return g.value * 1e3,
        _ => {}
    }
    // A percentage of a fraction is the fraction; of a count, the count.
    if g.percent {
        return if current <= 1.0 {
            g.value
        } else {
            g.value * 100.0
        };
    }
    g.value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest() -> Value {
        json!({
            "requirements": {"min_history_days": 728},
            "evaluation": {"validation": {"block_size_km": 25, "buffer_km": 5}},
            "pipeline": {"stages": [
                {"name": "sales_data_quality", "type": "quality", "enabled": true, "config": {"fail_on_error": true, "dedupe_radius_m": 25}},
                {"name": "train_global_lightgbm", "type": "training", "enabled": true, "config": {
                    "hyperparameters": {"num_leaves": 127, "learning_rate": 0.05, "n_estimators": 1500},
                    "early_stopping_rounds": 100}},
                {"name": "backtest", "type": "evaluation", "enabled": true, "config": {}},
                {"name": "publish", "type": "deployment", "enabled": true, "config": {
                    "clip_negative_forecasts": true,
                    "guardrails": {"max_price_decrease_pct": 0.15, "max_price_increase_pct": 0.1},
                    "rollout": {"shadow_days": 7, "canary_traffic_pct": 10}}}
            ]},
            "deployment": {"resources": {"cpu": 8, "memory_gb": 32, "max_runtime_minutes": 180, "retries": 2,
                "min_replicas": 3, "max_replicas": 12}}
        })
    }

    fn changed(request: &str) -> Vec<(String, Value)> {
        let m = manifest();
        let d = edit(&Tokens::new(request), &m)
            .unwrap_or_else(|| panic!("{request}: no setting named"))
            .unwrap_or_else(|e| panic!("{request}: {}", e.text));
        let mut out = Vec::new();
        for op in &d.ops {
            let path = op.path().to_string();
            out.push((
                path.clone(),
                d.doc.pointer(&path).cloned().unwrap_or(Value::Null),
            ));
        }
        out
    }

    fn one(path: &str, v: Value) -> Vec<(String, Value)> {
        vec![(path.to_string(), v)]
    }

    #[test]
    fn settings_are_found_by_their_names_and_set_in_their_units() {
        let lr = "/pipeline/stages/1/config/hyperparameters/learning_rate";
        let cases = [
            ("lern rate 0.03 pls", one(lr, json!(0.03))),
            ("halve the learning rate", one(lr, json!(0.025))),
            (
                "double n_estimators",
                one(
                    "/pipeline/stages/1/config/hyperparameters/n_estimators",
                    json!(3000),
                ),
            ),
            (
                "set num_leavs to 255",
                one(
                    "/pipeline/stages/1/config/hyperparameters/num_leaves",
                    json!(255),
                ),
            ),
            (
                "cap the runtime at 4h",
                one("/deployment/resources/max_runtime_minutes", json!(240)),
            ),
            (
                "require at least 156 weeks of history",
                one("/requirements/min_history_days", json!(1092)),
            ),
            (
                "turn off the backtest stage",
                one("/pipeline/stages/2/enabled", json!(false)),
            ),
            (
                "dont retry failed runs",
                one("/deployment/resources/retries", json!(0)),
            ),
            (
                "don't clip negative forecasts when publishing",
                one(
                    "/pipeline/stages/3/config/clip_negative_forecasts",
                    json!(false),
                ),
            ),
            (
                "don't let prices drop more than 10%",
                one(
                    "/pipeline/stages/3/config/guardrails/max_price_decrease_pct",
                    json!(0.1),
                ),
            ),
            (
                "shorten the shadow period by 2 days",
                one("/pipeline/stages/3/config/rollout/shadow_days", json!(5)),
            ),
            (
                "canary at 20%",
                one(
                    "/pipeline/stages/3/config/rollout/canary_traffic_pct",
                    json!(20),
                ),
            ),
            (
                "max replicas +50%",
                one("/deployment/resources/max_replicas", json!(18)),
            ),
            (
                "keep at least 4 replicas up",
                one("/deployment/resources/min_replicas", json!(4)),
            ),
            (
                "dedup radius 50m",
                one("/pipeline/stages/0/config/dedupe_radius_m", json!(50)),
            ),
            (
                "dedup radius 1km",
                one("/pipeline/stages/0/config/dedupe_radius_m", json!(1000)),
            ),
            (
                "never cut a price by more than 5%",
                one(
                    "/pipeline/stages/3/config/guardrails/max_price_decrease_pct",
                    json!(0.05),
                ),
            ),
            (
                "the quality checks shouldn't fail the whole run",
                one("/pipeline/stages/0/config/fail_on_error", json!(false)),
            ),
        ];
        for (request, want) in cases {
            assert_eq!(changed(request), want, "{request}");
        }
        assert_eq!(
            changed("block size 10km and buffer 2km"),
            vec![
                (
                    "/evaluation/validation/block_size_km".to_string(),
                    json!(10)
                ),
                ("/evaluation/validation/buffer_km".to_string(), json!(2)),
            ]
        );
        assert_eq!(
            changed("give the training job 64gb and 16 cpus"),
            vec![
                ("/deployment/resources/memory_gb".to_string(), json!(64)),
                ("/deployment/resources/cpu".to_string(), json!(16)),
            ]
        );
    }

    #[test]
    fn clauses_naming_no_setting_are_left_to_the_other_handlers() {
        let m = manifest();
        for request in ["set mape to 0.3", "add is_payday_week to calendar", "hello"] {
            assert!(edit(&Tokens::new(request), &m).is_none(), "{request}");
        }
    }
}
