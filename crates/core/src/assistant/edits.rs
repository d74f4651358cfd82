//! Edits of the evaluation and deployment sections: metric thresholds, the
//! validation strategy, batch/realtime mode with its endpoint, the schedule.

use super::Context;
use super::draft::{Decline, Draft};
use super::lexicon::REPLACED_VALUE_CUES;
use super::numbers::{Cmp, comparison_in, numbers_in};
use super::recipe::{self, is_fraction_metric, lower_is_better_by_default, metric_mentions};
use super::schedule;
use super::text::{Tokens, jnum, nice, num, phrase_ends_at, show};
use crate::domain::ModelFamily;
use crate::domain::metrics::Direction;
use serde_json::{Value, json};

fn direction_word(lower: bool) -> &'static str {
    Direction::from_lower_is_better(lower).as_str()
}

fn pass_rule(name: &str, lower: bool, threshold: f64) -> String {
    format!(
        "runs pass when {name} {} {}",
        if lower { "<=" } else { ">=" },
        num(threshold)
    )
}

pub fn metric_examples(m: &Value) -> Vec<String> {
    recipe::metrics(m)
        .iter()
        .take(2)
        .filter_map(|x| {
            let t = x.threshold?;
            let (word, v) = if x.lower_is_better {
                ("under", t * 0.8)
            } else {
                ("at least", t * 1.05)
            };
            Some(format!("make {} {word} {}", x.name, num(nice(v))))
        })
        .collect()
}

/// "make MAPE under 12%", "AUC at least 0.8", "set the wape threshold to 0.2".
pub fn metric_threshold(t: &Tokens, m: &Value) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    apply_metric_thresholds(&mut d, t)?;
    Ok(d)
}

/// Applies every "metric + number" of a request to a draft (shared with new recipes).
pub fn apply_metric_thresholds(d: &mut Draft, t: &Tokens) -> Result<(), Decline> {
    let base = d.doc.clone();
    let m = &base;
    let mentions = metric_mentions(t, Some(m));
    let existing = recipe::metrics(m);
    // A metric the recipe lacks is only added when asked to ("add metric r2 at least 0.6").
    let adding = t.has_any(&["add", "include", "introduce", "new metric", "also evaluate"]);
    let names: Vec<String> = existing.iter().map(|x| x.name.clone()).collect();
    if mentions.is_empty() {
        return Err(no_metric_named(t, m, &names));
    }
    for (k, mention) in mentions.iter().enumerate() {
        let seg_end = mentions.get(k + 1).map(|n| n.at).unwrap_or(t.len());
        let seg_start = mention.at + mention.len;
        let prev_end = if k == 0 {
            0
        } else {
            mentions[k - 1].at + mentions[k - 1].len
        };
        // The number follows the metric ("mape under 12%") or, failing that,
        // comes before it ("0.12 for mape").
        let mut nums = numbers_in(t, seg_start, seg_end);
        let mut cmp = comparison_in(t, seg_start, seg_end).map(|(c, _)| c);
        if nums.is_empty() {
            nums = numbers_in(t, prev_end, mention.at);
            cmp = cmp.or(comparison_in(t, prev_end, mention.at).map(|(c, _)| c));
        }
        let name = &mention.name;
        let current = existing.iter().position(|x| x.name == *name);
        let Some(n) = nums.first() else {
            let now = current
                .and_then(|i| existing[i].threshold.map(|th| (i, th)))
                .map(|(i, th)| {
                    format!(
                        " It is now {}.",
                        pass_rule(name, existing[i].lower_is_better, th)
                    )
                })
                .unwrap_or_default();
            return Err(
                Decline::new(format!("What threshold should {name} have?{now}"))
                    .suggest(metric_examples(m)),
            );
        };
        let value = threshold_value(d, name, n)?;
        match current {
            Some(i) => {
                let x = &existing[i];
                let is = i.to_string();
                if d.set(&["evaluation", "metrics", &is, "threshold"], jnum(value))? {
                    d.line(format!(
                        "{name} threshold: {} -> {} ({}, kept: {})",
                        x.threshold.map(num).unwrap_or_else(|| "none".into()),
                        num(value),
                        direction_word(x.lower_is_better),
                        pass_rule(name, x.lower_is_better, value)
                    ));
                } else {
                    d.same(format!("{name} threshold is already {}", num(value)));
                }
                if let Some(c) = cmp
                    && c.is_upper() == x.lower_is_better
                {
                    d.note(format!(
                        "{name} is {}, so the direction stays as it is",
                        direction_word(x.lower_is_better)
                    ));
                }
            }
            None if !adding => {
                return Err(Decline::new(format!(
                    "{name} is not a metric of this recipe. Its metrics are {}.",
                    names.join(", ")
                ))
                .suggest(metric_examples(m).into_iter().chain([format!(
                    "add metric {name} {} {}",
                    if lower_is_better_by_default(name) == Some(false) {
                        "at least"
                    } else {
                        "at most"
                    },
                    num(value)
                )])));
            }
            None => add_metric(d, m, name, value, cmp, &names)?,
        }
    }
    Ok(())
}

/// "set the threshold of foo to 3": a request that names no metric of the
/// recipe, answered with the one it did name, if any, and the recipe's.
fn no_metric_named(t: &Tokens, m: &Value, names: &[String]) -> Decline {
    let named = t.find_phrase("threshold", 0).and_then(|i| {
        let after = matches!(t.word(i + 1), "of" | "for" | "on").then(|| i + 2);
        let cand = after.or_else(|| i.checked_sub(1))?;
        let w = t.toks.get(cand)?;
        (super::text::is_identifier(&w.text) && !matches!(w.text.as_str(), "the" | "a" | "metric"))
            .then(|| w.orig.clone())
    });
    let text = match named {
        Some(n) => format!(
            "There is no metric '{n}' in this recipe. Its metrics are {}.",
            names.join(", ")
        ),
        None => format!(
            "Which metric? This recipe's metrics are {}.",
            names.join(", ")
        ),
    };
    Decline::new(text).suggest(metric_examples(m))
}

/// The threshold a number gives a metric: a fraction metric takes "12" as
/// 12% (noted), refuses a value it cannot take, and asks about "1.5".
fn threshold_value(d: &mut Draft, name: &str, n: &super::numbers::Number) -> Result<f64, Decline> {
    let mut value = n.value;
    // "1.5" for a fraction: neither 1.5% nor a slip of 0.15 is sure.
    if !n.percent && is_fraction_metric(name) && value > 1.0 && value < 2.0 && value.fract() != 0.0
    {
        return Err(Decline::new(format!(
            "{} is more than 1, and {name} is a fraction between 0 and 1: say {}% or {} if that is what you mean.",
            num(value),
            num(value),
            num(value / 10.0)
        )));
    }
    if !n.percent && is_fraction_metric(name) && value > 1.0 && value <= 100.0 {
        d.note(format!(
            "read {} as {}% ({})",
            num(value),
            num(value),
            num(value / 100.0)
        ));
        value /= 100.0;
    }
    if is_fraction_metric(name) && name != "r2" && !(0.0..=1.0).contains(&value) {
        return Err(Decline::new(format!(
            "{} is not a sensible {name} threshold: {name} is a fraction between 0 and 1.",
            num(value)
        )));
    }
    if value < 0.0 && lower_is_better_by_default(name) == Some(true) && name != "bias" {
        return Err(Decline::new(format!(
            "{} is not a sensible {name} threshold: {name} is never negative.",
            num(value)
        )));
    }
    Ok(value)
}

/// Adds a metric the recipe lacks, in the direction said or its usual one.
fn add_metric(
    d: &mut Draft,
    m: &Value,
    name: &str,
    value: f64,
    cmp: Option<Cmp>,
    names: &[String],
) -> Result<(), Decline> {
    let lower = match cmp {
        Some(c) => !c.is_upper(),
        None => match lower_is_better_by_default(name) {
            Some(l) => l,
            None => {
                return Err(Decline::new(format!(
                    "{name} is not a metric of this recipe yet; say whether it should be at least or at most {}.",
                    num(value)
                )));
            }
        },
    };
    d.push(
        &["evaluation", "metrics"],
        json!({"name": name, "threshold": jnum(value), "direction": direction_word(lower), "primary": false}),
    )?;
    d.line(format!(
        "add metric {name} ({}, {}); it was not in the recipe before (metrics were {})",
        direction_word(lower),
        pass_rule(name, lower, value),
        names.join(", ")
    ));
    if !recipe::monitored_metrics(m).iter().any(|x| x == name) {
        d.note(format!(
            "{name} is not tracked in production monitoring (monitoring.performance.metrics)"
        ));
    }
    Ok(())
}

const STRATEGIES: &[(&str, &str)] = &[
    ("rolling origin", "rolling_origin"),
    ("rolling_origin", "rolling_origin"),
    ("rolling window", "rolling_origin"),
    ("walk forward", "rolling_origin"),
    ("sliding window", "rolling_origin"),
    ("time series split", "time_series_split"),
    ("time_series_split", "time_series_split"),
    ("timeseries split", "time_series_split"),
    ("time split", "time_series_split"),
    ("time based split", "time_series_split"),
    ("expanding window", "time_series_split"),
    ("stratified k fold", "stratified_k_fold"),
    ("stratified kfold", "stratified_k_fold"),
    ("stratified_k_fold", "stratified_k_fold"),
    ("stratified", "stratified_k_fold"),
    ("k fold", "k_fold"),
    ("kfold", "k_fold"),
    ("k_fold", "k_fold"),
    ("cross validation", "k_fold"),
    ("holdout", "holdout"),
    ("hold out", "holdout"),
    ("train test split", "holdout"),
    ("spatial block", "spatial_block"),
    ("spatial_block", "spatial_block"),
    ("spatial", "spatial_block"),
];

fn strategy_in(t: &Tokens) -> Option<&'static str> {
    // The earliest, then longest, phrase: "stratified k fold" over "k fold".
    (0..t.len()).find_map(|i| {
        STRATEGIES
            .iter()
            .filter(|(p, _)| t.find_phrase(p, i) == Some(i))
            .max_by_key(|(p, _)| p.split(' ').count())
            .map(|(_, s)| *s)
    })
}

/// An integer next to one of `words`: "6 folds", "6-fold", "folds to 6", "horizon of 12".
pub fn count_near(t: &Tokens, words: &[&str]) -> Option<(f64, usize)> {
    for i in 0..t.len() {
        if !words.contains(&t.toks[i].stem.as_str()) {
            continue;
        }
        // Before: "6 folds", "12 week horizon", "4 rolling origins".
        for back in 1..=2 {
            if let Some(j) = i.checked_sub(back) {
                if let Some(n) = numbers_in(t, j, j + 1).first()
                    && !n.percent
                {
                    return Some((n.value, j));
                }
                // A unit or a kind of fold may stand between; "4 rolling
                // origins with a 14 day horizon" has four origins.
                if !matches!(
                    t.word(j),
                    "week"
                        | "weeks"
                        | "day"
                        | "days"
                        | "month"
                        | "months"
                        | "period"
                        | "periods"
                        | "rolling"
                        | "expanding"
                        | "sliding"
                        | "blocked"
                        | "cv"
                ) {
                    break;
                }
            }
        }
        // After: "folds to 6", "horizon of 12 weeks".
        for j in i + 1..(i + 4).min(t.len()) {
            if let Some(n) = numbers_in(t, j, j + 1).first()
                && !n.percent
            {
                return Some((n.value, j));
            }
        }
    }
    None
}

/// "use rolling origin validation with 6 folds", "holdout 20%", "horizon 12".
/// Does a request (creating a recipe) say how to validate it: a strategy,
/// a holdout or a number of folds?
pub fn says_validation(t: &Tokens) -> bool {
    strategy_in(t).is_some() || t.has("holdout") || count_near(t, &["fold"]).is_some()
}

/// "set the holdout to 20%" where validation is k-fold with an out-of-time
/// holdout of its own: switching strategy or changing that holdout? Asked,
/// unless the request says to switch ("use a 20% holdout").
fn holdout_meant(t: &Tokens, strategy: Option<&str>, cur: &Value) -> Option<Decline> {
    let current = cur["strategy"].as_str().unwrap_or("");
    if strategy != Some("holdout") || current == "holdout" {
        return None;
    }
    if t.has_any(&["use", "switch", "instead", "move", "go", "strategy"]) {
        return None;
    }
    let own = cur
        .as_object()?
        .iter()
        .find(|(k, _)| k.contains("holdout"))?;
    Some(
        Decline::new(format!(
            "Validation is {current}, with {} = {} of its own. Switch the strategy to a holdout split, or change {}?",
            own.0,
            show(own.1),
            own.0
        ))
        .suggest([
            "use a 20% holdout split".to_string(),
            format!("set {} to 14", own.0.replace('_', " ")),
        ]),
    )
}

/// "set the horizon to 12" in a recipe whose pipeline has a horizon of its
/// own (a forecast's weeks ahead): the validation's or the model's? Asked,
/// unless the request says validation.
fn horizon_meant(t: &Tokens, m: &Value) -> Option<Decline> {
    if t.has_any(super::lexicon::NAMES_THE_VALIDATION) {
        return None;
    }
    let (path, value) = other_horizon(m, "")?;
    let key = path.rsplit('/').next().unwrap_or(&path).replace('_', " ");
    Some(
        Decline::new(format!(
            "Two horizons: the validation horizon (now {}) or {} (now {}). Which one?",
            show(&m["evaluation"]["validation"]["horizon"]),
            path.trim_start_matches('/'),
            show(&value)
        ))
        .suggest([
            "set the validation horizon to 12".to_string(),
            format!("set {key} to 12"),
        ]),
    )
}

/// A number whose key says "horizon", outside the validation: its path.
fn other_horizon(v: &Value, path: &str) -> Option<(String, Value)> {
    match v {
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            let here = format!("{path}/{k}");
            if k.contains("horizon") && x.is_number() && here != "/evaluation/validation/horizon" {
                return Some((here, x.clone()));
            }
            other_horizon(x, &here)
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| other_horizon(x, &format!("{path}/{i}"))),
        _ => None,
    }
}

pub fn validation(t: &Tokens, m: &Value) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    let cur = m
        .pointer("/evaluation/validation")
        .cloned()
        .unwrap_or(json!({}));
    let cur_strategy = cur["strategy"].as_str().unwrap_or("").to_string();
    let strategy = strategy_in(t);
    if let Some(ask) = holdout_meant(t, strategy, &cur) {
        return Err(ask);
    }
    let folds = count_near(t, &["fold", "split", "origin", "cutoff"]);
    let horizon = count_near(t, &["horizon", "ahead"]);
    if let Some(ask) = horizon.and_then(|_| horizon_meant(t, m)) {
        return Err(ask);
    }
    let used: Vec<usize> = folds
        .iter()
        .chain(horizon.iter())
        .map(|&(_, at)| at)
        .collect();
    let fraction = numbers_in(t, 0, t.len())
        .into_iter()
        .find(|n| !used.contains(&n.at) && (n.percent || n.value < 1.0));
    if strategy.is_none() && folds.is_none() && horizon.is_none() && fraction.is_none() {
        return Err(Decline::new(format!(
            "I couldn't tell what to change in validation. It is now {}.",
            describe_validation(&cur)
        ))
        .suggest([
            "use rolling origin validation with 6 folds",
            "use a 20% holdout",
            "set the validation horizon to 12",
        ]));
    }
    let effective = strategy.unwrap_or(&cur_strategy).to_string();
    if let Some(s) = strategy {
        if d.set(&["evaluation", "validation", "strategy"], json!(s))? {
            d.line(format!("validation strategy: {cur_strategy} -> {s}"));
            if cur.get("description").is_some() {
                d.remove(&["evaluation", "validation", "description"])?;
                d.line(format!(
                    "remove the validation description (it described {cur_strategy})"
                ));
            }
        } else {
            d.same(format!("validation is already {s}"));
        }
    }
    if effective == "holdout" {
        let frac = match fraction {
            Some(n) => n.value,
            None => match cur["holdout_fraction"].as_f64() {
                Some(f) => f,
                None => {
                    d.note("holds out 20% of rows; say e.g. \"use a 30% holdout\" to change it");
                    0.2
                }
            },
        };
        if !(frac > 0.0 && frac < 1.0) {
            return Err(Decline::new(format!(
                "A holdout fraction must be between 0 and 1 (exclusive), not {}.",
                num(frac)
            )));
        }
        let before = cur["holdout_fraction"].clone();
        if d.set(
            &["evaluation", "validation", "holdout_fraction"],
            jnum(frac),
        )? {
            d.line(format!(
                "holdout_fraction: {} -> {}",
                shown_or_none(&before),
                num(frac)
            ));
        }
        if folds.is_some() {
            d.note("a holdout split has no folds; the folds setting is not used");
        }
    } else {
        let n = match folds {
            Some((n, _)) => Some(n),
            None if cur.get("folds").is_none() => {
                d.note("uses 5 folds; say e.g. \"with 3 folds\" to change it");
                Some(5.0)
            }
            None => None,
        };
        if let Some(n) = n {
            if n < 1.0 || n.fract() != 0.0 || n > 100.0 {
                return Err(Decline::new(format!(
                    "The number of folds must be a whole number from 1 to 100, not {}.",
                    num(n)
                )));
            }
            let before = cur["folds"].clone();
            if d.set(&["evaluation", "validation", "folds"], json!(n as i64))? {
                d.line(format!("folds: {} -> {}", shown_or_none(&before), n as i64));
            } else {
                d.same(format!("folds are already {}", n as i64));
            }
        }
    }
    if let Some((h, _)) = horizon {
        if h < 1.0 || h.fract() != 0.0 {
            return Err(Decline::new(format!(
                "The horizon must be a whole number of periods (1 or more), not {}.",
                num(h)
            )));
        }
        let before = cur["horizon"].clone();
        if d.set(&["evaluation", "validation", "horizon"], json!(h as i64))? {
            d.line(format!(
                "validation horizon: {} -> {} periods of the grain ({})",
                shown_or_none(&before),
                h as i64,
                m.pointer("/requirements/grain")
                    .map(show)
                    .unwrap_or_default()
            ));
        } else {
            d.same(format!("the horizon is already {}", h as i64));
        }
    }
    let time_ordered = matches!(
        recipe::family(m),
        Some(ModelFamily::Forecasting | ModelFamily::Pricing)
    );
    if time_ordered
        && matches!(effective.as_str(), "k_fold" | "stratified_k_fold")
        && strategy.is_some()
    {
        d.note(format!(
            "{effective} ignores time order; for a time-indexed recipe, rolling_origin or time_series_split avoid training on the future"
        ));
    }
    Ok(d)
}

fn shown_or_none(v: &Value) -> String {
    if v.is_null() { "none".into() } else { show(v) }
}

pub fn describe_validation(v: &Value) -> String {
    let mut s = v["strategy"].as_str().unwrap_or("unset").to_string();
    if let Some(f) = v["folds"].as_i64() {
        s.push_str(&format!(", {f} folds"));
    }
    if let Some(f) = v["holdout_fraction"].as_f64() {
        s.push_str(&format!(", holdout fraction {}", num(f)));
    }
    if let Some(h) = v["horizon"].as_i64() {
        s.push_str(&format!(", horizon {h}"));
    }
    s
}

const REALTIME: &[&str] = &["realtime", "real time", "online", "on demand"];
const BATCH: &[&str] = &["batch", "offline", "scheduled"];
/// Modes people ask for that a recipe has not: said so, never guessed at.
const NOT_A_MODE: &[&str] = &["streaming", "stream", "edge", "embedded"];

/// The mode asked for: the one after "to" wins ("from batch to realtime").
fn mode_in(t: &Tokens) -> Result<Option<&'static str>, Decline> {
    // A mode word right after "not"/"no" ("not realtime") is not asked for.
    let at = |words: &[&str]| {
        t.find_any(words, 0).map(|(i, _)| i).filter(|&i| {
            !(i.saturating_sub(3)..i)
                .any(|j| matches!(t.word(j), "not" | "no" | "isnt" | "non" | "never" | "dont"))
        })
    };
    let (r, b) = (at(REALTIME), at(BATCH));
    match (r, b) {
        (Some(_), None) => Ok(Some("realtime")),
        (None, Some(_)) => Ok(Some("batch")),
        (None, None) => match at(NOT_A_MODE).filter(|&i| {
            // "to streaming", "mode: stream"; not "a budget for edge devices".
            (i.saturating_sub(2)..i)
                .any(|j| matches!(t.word(j), "to" | "as" | "into" | "mode" | ":"))
        }) {
            Some(i) => Err(Decline::new(format!(
                "A recipe deploys in batch (on a schedule) or realtime (an endpoint answering each request); '{}' is not a mode it has.",
                t.word(i)
            ))
            .suggest(["make it realtime", "switch to batch, daily at 2am"])),
            None => Ok(None),
        },
        (Some(r), Some(b)) => {
            let after_to = |i: usize| i > 0 && matches!(t.word(i - 1), "to" | "into");
            // "batch instead of realtime": the one replaced is not asked for.
            let replaced = |i: usize| {
                REPLACED_VALUE_CUES
                    .iter()
                    .any(|c| phrase_ends_at(|k| t.word(k), i, c))
            };
            if (after_to(r) && !after_to(b)) || (replaced(b) && !replaced(r)) {
                Ok(Some("realtime"))
            } else if (after_to(b) && !after_to(r)) || (replaced(r) && !replaced(b)) {
                Ok(Some("batch"))
            } else {
                Err(
                    Decline::new("Should it be batch or realtime? The request mentions both.")
                        .suggest(["make it realtime", "switch to batch, daily at 2am"]),
                )
            }
        }
    }
}

fn latency_in(t: &Tokens) -> Option<f64> {
    for i in 0..t.len() {
        let w = t.word(i);
        if let Some(n) = w.strip_suffix("ms").and_then(|b| b.parse::<f64>().ok()) {
            return Some(n);
        }
        if matches!(t.word(i + 1), "ms" | "milliseconds" | "millisecond")
            && let Ok(n) = w.parse::<f64>()
        {
            return Some(n);
        }
    }
    let i = t.find_phrase("latency", 0)?;
    numbers_in(t, i, (i + 5).min(t.len()))
        .first()
        .map(|n| n.value)
}

fn path_in(t: &Tokens) -> Option<String> {
    t.toks
        .iter()
        .find(|x| x.orig.starts_with('/') && x.orig.len() > 1)
        .map(|x| x.orig.clone())
}

/// A URL path for a recipe: "/v1/<recipe-name-slug>/predict".
pub fn default_endpoint(ctx_name: Option<&str>, m: &Value) -> String {
    let name = ctx_name
        .or_else(|| crate::domain::manifest::name_of(m))
        .unwrap_or("model");
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    format!(
        "/v1/{}/predict",
        if slug.is_empty() { "model" } else { slug }
    )
}

/// "make it realtime", "switch to batch daily at 2am", "set the endpoint to /v2/x".
pub fn deployment_mode(t: &Tokens, m: &Value, ctx: &Context) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    apply_mode(&mut d, t, 0, t.len(), ctx.recipe_name)?;
    if d.ops.is_empty() && d.unchanged.is_empty() {
        return Err(
            Decline::new("I couldn't tell how the deployment should change.").suggest([
                "make it realtime",
                "switch to batch",
                "set the latency budget to 100ms",
            ]),
        );
    }
    Ok(d)
}

/// Applies a mode/endpoint request to a draft (shared with new recipes);
/// `from..to` bounds where a schedule may be read.
pub fn apply_mode(
    d: &mut Draft,
    t: &Tokens,
    from: usize,
    to: usize,
    recipe_name: Option<&str>,
) -> Result<(), Decline> {
    let mode = mode_in(t)?;
    let cur_mode = d.get(&["deployment", "mode"]).map(show).unwrap_or_default();
    let path = path_in(t);
    let latency = latency_in(t);
    if let Some(l) = latency
        && (l < 1.0 || l.fract() != 0.0)
    {
        return Err(Decline::new(format!(
            "The latency budget must be a whole number of milliseconds (1 or more), not {}.",
            num(l)
        )));
    }
    if let Some(p) = &path
        && p.contains(char::is_whitespace)
    {
        return Err(Decline::new(format!("'{p}' is not a URL path.")));
    }
    if mode == Some("realtime") || path.is_some() || latency.is_some() {
        let has_endpoint = d.get(&["deployment", "endpoint"]).is_some();
        if mode == Some("realtime") {
            if d.set(&["deployment", "mode"], json!("realtime"))? {
                d.line(format!("deployment mode: {cur_mode} -> realtime"));
            } else {
                d.same("it is already realtime");
            }
        }
        if !has_endpoint {
            let p = path
                .clone()
                .unwrap_or_else(|| default_endpoint(recipe_name, &d.doc));
            let mut ep = json!({"path": p, "method": "POST"});
            if let Some(l) = latency {
                ep["latency_budget_ms"] = json!(l as i64);
            }
            d.set(&["deployment", "endpoint"], ep)?;
            d.line(format!(
                "add endpoint POST {p}{}",
                latency
                    .map(|l| format!(" with a {l} ms latency budget"))
                    .unwrap_or_default()
            ));
            if path.is_none() {
                d.note("the endpoint path is a default; say e.g. \"set the endpoint to /v1/my-model/score\" to change it");
            }
        } else {
            if let Some(p) = &path {
                let before = d
                    .get(&["deployment", "endpoint", "path"])
                    .map(show)
                    .unwrap_or_default();
                if d.set(&["deployment", "endpoint", "path"], json!(p))? {
                    d.line(format!("endpoint path: {before} -> {p}"));
                }
            }
            if let Some(l) = latency {
                let before = d
                    .get(&["deployment", "endpoint", "latency_budget_ms"])
                    .map(show)
                    .unwrap_or_else(|| "none".into());
                if d.set(
                    &["deployment", "endpoint", "latency_budget_ms"],
                    json!(l as i64),
                )? {
                    d.line(format!("latency budget: {before} -> {l} ms"));
                }
            }
            if mode == Some("realtime") && path.is_none() {
                let p = d
                    .get(&["deployment", "endpoint", "path"])
                    .map(show)
                    .unwrap_or_default();
                d.line(format!("serve through the existing endpoint {p}"));
            }
        }
        if mode == Some("realtime")
            && cur_mode != "realtime"
            && let Some(s) = d.get(&["deployment", "schedule"]).map(show)
        {
            d.note(format!(
                "the batch schedule {s} stays in the manifest but is not used while the recipe is realtime"
            ));
        }
    }
    if mode == Some("batch") {
        let current = d
            .get(&["deployment", "schedule"])
            .and_then(Value::as_str)
            .map(str::to_string);
        let parsed = schedule::parse(t, from, to, current.as_deref()).map_err(Decline::new)?;
        if d.set(&["deployment", "mode"], json!("batch"))? {
            d.line(format!("deployment mode: {cur_mode} -> batch"));
        } else {
            d.same("it is already batch");
        }
        match (parsed, current) {
            (Some(s), before) => {
                if d.set(&["deployment", "schedule"], json!(s.cron))? {
                    d.line(schedule_change("schedule", before.as_deref(), &s.cron));
                }
                for a in s.assumed {
                    d.note(format!("the schedule {a}"));
                }
            }
            (None, Some(_)) => {}
            (None, None) => {
                d.set(&["deployment", "schedule"], json!("0 2 * * *"))?;
                d.line(format!(
                    "schedule: {} (batch mode needs one)",
                    schedule::describe("0 2 * * *")
                ));
                d.note("the schedule is a default; say e.g. \"run it daily at 6am\" to change it");
            }
        }
        if cur_mode == "realtime" && d.get(&["deployment", "endpoint"]).is_some() {
            d.note("the endpoint stays in the manifest, documenting an on-demand option");
        }
    }
    Ok(())
}

/// The line for a schedule set: "schedule: <before> -> <after>", each said
/// in words ("none" when there was none).
fn schedule_change(label: &str, before: Option<&str>, cron: &str) -> String {
    format!(
        "{label}: {} -> {}",
        before
            .map(schedule::describe)
            .unwrap_or_else(|| "none".into()),
        schedule::describe(cron)
    )
}

fn is_retrain(t: &Tokens) -> bool {
    t.has_any(&["retrain", "retraining", "retrained", "train", "training"]) // vocabulary: words of a request
}

/// "run it daily at 6am", "every monday at 7", "hourly", "retrain weekly".
pub fn schedule(t: &Tokens, m: &Value) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    apply_schedule(&mut d, t, 0, t.len())?;
    Ok(d)
}

/// Applies a schedule read from `from..to` (shared with new recipes).
pub fn apply_schedule(d: &mut Draft, t: &Tokens, from: usize, to: usize) -> Result<bool, Decline> {
    let mode = d
        .get(&["deployment", "mode"])
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let has_retrain = d.get(&["deployment", "retrain_schedule"]).is_some();
    // A realtime recipe runs on requests: a schedule is for retraining, or
    // for serving in batch instead. Which one is asked, not guessed.
    if mode == "realtime" && has_retrain && !is_retrain(t) && !t.has("batch") {
        return Err(Decline::new(
            "This recipe serves in realtime, so it has no run schedule: do you mean when it retrains (\"retrain daily at 6am\"), or to serve in batch on that schedule (\"switch to batch, daily at 6am\")?",
        )
        .suggest(["retrain daily at 6am", "switch to batch, daily at 6am"]));
    }
    let retrain = is_retrain(t) || (mode == "realtime" && has_retrain);
    let key = if retrain {
        "retrain_schedule"
    } else {
        "schedule"
    };
    let current = d
        .get(&["deployment", key])
        .and_then(Value::as_str)
        .map(str::to_string);
    let parsed = match schedule::parse(t, from, to, current.as_deref()) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err(Decline::new(format!(
                "I couldn't read a schedule from that. It is now {}.",
                current
                    .as_deref()
                    .map(schedule::describe)
                    .unwrap_or_else(|| "not set".into())
            ))
            .suggest(["run it daily at 6am", "every monday at 7", "hourly"]));
        }
        Err(e) => return Err(Decline::new(format!("{e}.")).suggest(["run it daily at 6am"])),
    };
    let changed = d.set(&["deployment", key], json!(parsed.cron))?;
    let label = if retrain {
        "retraining schedule"
    } else {
        "schedule"
    };
    if changed {
        d.line(schedule_change(label, current.as_deref(), &parsed.cron));
        for a in parsed.assumed {
            d.note(format!("the {label} {a}"));
        }
    } else {
        d.same(format!(
            "the {label} is already {}",
            schedule::describe(&parsed.cron)
        ));
    }
    if mode == "realtime" && !retrain {
        d.note("the recipe is realtime, so this schedule only applies if it switches to batch (\"switch to batch\")");
    }
    Ok(changed)
}

/// Comparison implied by a metric's direction: an alert fires when it gets worse.
pub fn worse(lower_is_better: bool) -> Cmp {
    if lower_is_better { Cmp::Gt } else { Cmp::Lt }
}
