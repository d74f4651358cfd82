//! New recipes: pick the family, clone its baseline, and fill in what the
//! request says (name, industry, grain, horizon, schedule, mode, thresholds).

use super::Context;
use super::draft::{Decline, Draft};
use super::edits::{self, describe_validation, metric_examples};
use super::intent::{FamilyGuess, detect_family};
use super::lexicon::{CLIENT_NAME_ENDS, INDUSTRY_NAME_ENDS, INDUSTRY_NAME_WORDS, NAME_CUES};
use super::numbers::{duration_hours, numbers_in};
use super::recipe;
use super::schedule;
use super::suggest::QUICK_PROMPTS;
use super::text::{Tokens, join_and, num, show, stem};
use crate::domain::ModelFamily;
use serde_json::{Value, json};

/// A new recipe before validation: the baseline, the draft over it, and the
/// text around the summary.
pub struct NewRecipeDraft {
    pub family: ModelFamily,
    pub name: String,
    pub baseline: Value,
    pub draft: Draft,
    pub intro: String,
    pub outro: String,
    pub suggestions: Vec<String>,
}

pub fn family_label(f: ModelFamily) -> &'static str {
    match f {
        ModelFamily::Forecasting => "Forecasting",
        ModelFamily::Pricing => "Pricing",
        ModelFamily::NextBestAction => "Next Best Action",
        ModelFamily::LocationScoring => "Location Scoring",
    }
}

pub fn family_prompt(f: ModelFamily) -> &'static str {
    match f {
        ModelFamily::Forecasting => QUICK_PROMPTS[0],
        ModelFamily::Pricing => QUICK_PROMPTS[1],
        ModelFamily::NextBestAction => QUICK_PROMPTS[2],
        ModelFamily::LocationScoring => QUICK_PROMPTS[3],
    }
}

/// Words that name an industry, or a business of one ("bank" is in
/// banking, "hotels" in hospitality). A word that is itself an industry's
/// name is kept ("telco" stays telco, "qsr" qsr): nothing said about a new
/// recipe is rewritten; a business is named by its industry.
const INDUSTRIES: &[(&str, Option<&str>)] = &[
    ("online retail", None),
    ("e commerce", Some("ecommerce")),
    ("ecommerce", None),
    ("retail", None),
    ("retailer", Some("retail")),
    ("grocery", None),
    ("supermarket", Some("grocery")),
    ("hotel", Some("hospitality")),
    ("hospitality", None),
    ("airline", None),
    ("travel", None),
    ("bank", Some("banking")),
    ("banking", None),
    ("insurance", None),
    ("insurer", Some("insurance")),
    ("telecom", None),
    ("telco", None),
    ("restaurant", Some("restaurants")),
    ("qsr", None),
    ("fashion", None),
    ("apparel", None),
    ("pharmacy", None),
    ("healthcare", None),
    ("automotive", None),
    ("energy", None),
    ("utility", Some("utilities")),
    ("consumer goods", None),
    ("cpg", None),
    ("logistics", None),
    ("convenience", None),
    ("fuel", None),
];

/// Words that start the schedule part of a request.
const SCHEDULE_START: &[&str] = &[
    "run",
    "runs",
    "running", // vocabulary: a word of a request
    "ran",
    "scheduled",
    "schedule",
    "refresh",
    "refreshed",
    "refreshing",
    "retrain",
    "retrained",
    "retraining",
    "every",
    "nightly",
    "cron",
    "execute",
    "executed",
];

/// Words that end a clause of a creation request.
const CLAUSE_END: &[&str] = &[
    "with", "using", "that", "which", "called", "named", "so", "where", "and", "to", "at", "on",
    "by",
];

/// Where the schedule part of the request is: from its first cue (and any
/// frequency word right before it) to the end of the clause.
fn schedule_span(t: &Tokens) -> Option<(usize, usize)> {
    let begin = (0..t.len()).find(|&i| {
        !t.toks[i].quoted
            && (SCHEDULE_START.contains(&t.word(i))
                || (t.word(i) == "at" && schedule::mentions_schedule(t, i, i + 2)))
    })?;
    let mut from = begin;
    while from > 0
        && matches!(
            t.word(from - 1),
            "daily" | "weekly" | "monthly" | "hourly" | "nightly" | "a" | "an"
        )
    {
        from -= 1;
    }
    let to = (begin + 1..t.len())
        .find(|&i| {
            t.toks[i].punct || matches!(t.word(i), "with" | "using" | "for" | "called" | "named")
        })
        .unwrap_or(t.len());
    Some((from, to))
}

/// The words after the first "for": what the model is for ("weekly retail sales").
fn subject(t: &Tokens, sched: Option<(usize, usize)>) -> Vec<String> {
    let Some(f) = t.find_phrase("for", 0) else {
        return vec![];
    };
    let mut out = Vec::new();
    for i in f + 1..t.len() {
        let x = &t.toks[i];
        let in_sched = sched.is_some_and(|(a, b)| i >= a && i < b);
        if x.punct
            || x.quoted
            || in_sched
            || CLAUSE_END.contains(&x.text.as_str())
            || !numbers_in(t, i, i + 1).is_empty()
            || matches!(
                x.text.as_str(),
                "realtime" | "batch" | "real" | "online" | "horizon"
            )
        {
            break;
        }
        if matches!(
            x.text.as_str(),
            // "for client Loom & Co": the client's name is the subject.
            "a" | "an" | "the" | "our" | "my" | "their" | "all" | "client"
        ) {
            continue;
        }
        out.push(x.orig.clone());
    }
    out
}

fn title(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) if w.chars().all(|c| c.is_lowercase() || !c.is_alphabetic()) => {
                    first.to_uppercase().collect::<String>() + c.as_str()
                }
                _ => w.clone(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "called Hotel Pricing EU" / "named 'X'" / a quoted name alone ("a pricing
/// recipe 'Hotel EU' pls"): the name as typed. A quoted path is not a name.
fn given_name(t: &Tokens) -> Option<String> {
    let described = stated_description(t);
    let Some((i, skip)) = t.find_any(NAME_CUES, 0) else {
        return t
            .toks
            .iter()
            .find(|x| {
                x.quoted
                    && !x.orig.starts_with('/')
                    && x.orig.chars().any(char::is_alphabetic)
                    && described.as_deref() != Some(x.orig.as_str())
            })
            .map(|x| x.orig.clone());
    };
    let first = t.toks.get(i + skip)?;
    if first.quoted {
        return Some(first.orig.clone());
    }
    let words: Vec<String> = t.toks[i + skip..]
        .iter()
        .take_while(|x| {
            !x.punct
                && !CLAUSE_END.contains(&x.text.as_str())
                && x.text != "for"
                && !SCHEDULE_START.contains(&x.text.as_str())
        })
        .map(|x| x.orig.clone())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// `description "Scores candidate sites"`: the quoted text right after
/// "description" (or "described as").
fn stated_description(t: &Tokens) -> Option<String> {
    let (i, skip) = t.find_any(&["description", "described as"], 0)?;
    t.toks
        .get(i + skip)
        .filter(|x| x.quoted)
        .map(|x| x.orig.clone())
}

/// "for client Acme Bank": the client a client-level recipe is made for,
/// as typed.
fn stated_client(t: &Tokens) -> Option<String> {
    let at = (0..t.len()).find(|&i| t.word(i) == "client" && !t.toks[i].quoted)?;
    let words: Vec<&str> = t.toks[at + 1..]
        .iter()
        .take_while(|x| !x.punct && !CLIENT_NAME_ENDS.contains(&x.text.as_str()))
        .map(|x| x.orig.as_str())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// "for the electronics industry": an industry no word list knows, named
/// by the word before "industry".
fn stated_industry(t: &Tokens) -> Option<String> {
    let at = (0..t.len()).find(|&i| t.word(i) == "industry")?;
    let is_name = |i: usize| {
        let word = t.word(i);
        !t.toks[i].punct
            && word.chars().all(char::is_alphabetic)
            && !CLAUSE_END.contains(&word)
            && !INDUSTRY_NAME_ENDS.contains(&word)
            && !matches!(
                word,
                "the"
                    | "a"
                    | "an"
                    | "this"
                    | "that"
                    | "same"
                    | "any"
                    | "general"
                    | "is"
                    | "our"
                    | "their"
                    | "my"
                    | "your"
                    | "its"
                    | "whole"
                    | "entire"
            )
    };
    // "grocery industry"; or, leading its clause, "industry fuel retail".
    if at > 0 && is_name(at - 1) {
        return Some(t.word(at - 1).to_string());
    }
    let leads = at == 0 || t.toks[at - 1].punct;
    let words = (at + 1..t.len())
        .take_while(|&i| is_name(i))
        .take(INDUSTRY_NAME_WORDS)
        .count();
    (leads && words > 0).then(|| as_typed(t, at + 1, words).to_lowercase())
}

/// `n` words from `from`, as typed, joined by spaces.
fn as_typed(t: &Tokens, from: usize, n: usize) -> String {
    let words: Vec<&str> = t.toks[from..from + n]
        .iter()
        .map(|w| w.orig.as_str())
        .collect();
    words.join(" ")
}

fn suggested_name(family: ModelFamily, subject: &[String]) -> String {
    let label = family_label(family);
    if subject.is_empty() {
        return format!("Custom {label} v1");
    }
    let subj = title(subject);
    // "Hotel Pricing" already says the family.
    let label_words: Vec<String> = label.split(' ').map(|w| stem(&w.to_lowercase())).collect();
    let says_family = subject
        .iter()
        .any(|w| label_words.contains(&stem(&w.to_lowercase())));
    if says_family {
        format!("{subj} v1")
    } else {
        format!("{subj} {label} v1")
    }
}

const UNITS: &[(&str, &str)] = &[
    ("hourly", "hour"),
    ("daily", "day"),
    ("weekly", "week"),
    ("monthly", "month"),
];

fn adjective(unit: &str) -> &'static str {
    UNITS
        .iter()
        .find(|(_, u)| *u == unit)
        .map(|&(a, _)| a)
        .unwrap_or("different")
}

fn unit_days(unit: &str) -> Option<f64> {
    match unit {
        "hour" => Some(1.0 / 24.0),
        "day" => Some(1.0),
        "week" => Some(7.0),
        "month" => Some(30.4375),
        _ => None,
    }
}

/// The time unit the request wants the grain in ("weekly", "per day").
fn grain_unit(t: &Tokens, sched: Option<(usize, usize)>) -> Option<&'static str> {
    (0..t.len())
        .filter(|&i| !sched.is_some_and(|(a, b)| i >= a && i < b))
        .find_map(|i| {
            let w = t.word(i);
            if let Some(&(_, u)) = UNITS.iter().find(|(adj, _)| *adj == w) {
                return Some(u);
            }
            let before = if i > 0 { t.word(i - 1) } else { "" };
            let after = t.word(i + 1);
            let unit = UNITS
                .iter()
                .find(|(_, u)| *u == t.toks[i].stem)
                .map(|&(_, u)| u)?;
            (matches!(before, "per" | "by" | "each") || matches!(after, "level" | "grain"))
                .then_some(unit)
        })
}

/// The time component of a grain ("store_id x sku_id x week" -> "week").
fn grain_time(grain: &str) -> Option<(usize, &'static str)> {
    grain.split(" x ").enumerate().find_map(|(i, part)| {
        UNITS
            .iter()
            .find(|(_, u)| part.trim() == *u)
            .map(|&(_, u)| (i, u))
    })
}

/// "12 week horizon", "3 months ahead", "next 8 weeks", "horizon of 12":
/// (value, unit if said).
fn horizon_in(t: &Tokens) -> Option<(f64, Option<&'static str>)> {
    let cue = t.find_any(&["horizon", "ahead", "next", "out"], 0)?.0;
    let lo = cue.saturating_sub(3);
    let hi = (cue + 4).min(t.len());
    // "48h ahead", "14d horizon": the number and its unit in one word.
    let joined = (lo..hi).find_map(|i| {
        let w = t.word(i);
        let split = w.find(|c: char| !c.is_ascii_digit()).filter(|&k| k > 0)?;
        let unit = match &w[split..] {
            "h" | "hr" | "hrs" => "hour",
            "d" => "day",
            "w" | "wk" | "wks" => "week",
            "mo" => "month",
            _ => return None,
        };
        w[..split].parse::<f64>().ok().map(|v| (v, Some(unit)))
    });
    let Some(n) = numbers_in(t, lo, hi).into_iter().find(|n| !n.percent) else {
        return joined;
    };
    let unit = [t.word(n.at + 1), t.word(n.at.wrapping_sub(1))]
        .into_iter()
        .find_map(|w| UNITS.iter().find(|(_, u)| stem(w) == *u).map(|&(_, u)| u));
    Some((n.value, unit))
}

pub fn propose(t: &Tokens, ctx: &Context) -> Result<NewRecipeDraft, Decline> {
    let (family, from_context) = family_for(t, ctx)?;
    let Some(baseline) = ctx
        .baselines
        .iter()
        .find(|(f, _)| *f == family)
        .map(|(_, m)| (*m).clone())
    else {
        return Err(Decline::new(format!(
            "There is no {family} baseline to start from; seed the baselines first."
        )));
    };
    let baseline_name = crate::domain::manifest::name_of(&baseline)
        .map(|n| format!(" ('{n}')"))
        .unwrap_or_default();
    let sched = schedule_span(t);
    let subj = subject(t, sched);
    let name = given_name(t).unwrap_or_else(|| suggested_name(family, &subj));

    let mut d = Draft::new(&baseline);
    if from_context {
        d.note(format!(
            "no family was named, so this uses the current recipe's family ({family})"
        ));
    }
    d.set(&["metadata", "name"], json!(name))?;
    d.line(format!("name: {name}"));
    if let Some(client) = stated_client(t)
        && d.set(&["metadata", "client"], json!(client))?
    {
        d.line(format!("client: {client}"));
    }

    if let Some(description) = stated_description(t)
        && d.set(&["metadata", "description"], json!(description))?
    {
        d.line(format!("description: {description}"));
    }

    set_industry(&mut d, t, &baseline)?;

    let grain_u = set_grain(&mut d, t, sched, &baseline, family)?;

    if let Some(horizon) = horizon_in(t) {
        set_horizon(&mut d, horizon, &baseline, grain_u)?;
    }

    let mode_said = t.has_any(super::lexicon::DEPLOYMENT_MODE_WORDS);
    let (sf, st) = sched.unwrap_or((t.len(), t.len()));
    if mode_said {
        edits::apply_mode(&mut d, t, sf, st, Some(&name))?;
    } else if sched.is_some() {
        edits::apply_schedule(&mut d, t, sf, st)?;
    }

    set_staleness(&mut d, t)?;
    set_drift_threshold(&mut d, t)?;

    if !recipe::metric_mentions(t, Some(&baseline)).is_empty()
        && let Err(e) = edits::apply_metric_thresholds(&mut d, t)
    {
        d.note(format!("thresholds left as in the baseline: {}", e.text));
    }

    let m = d.doc.clone();
    let intro = format!(
        "New {} recipe '{name}', cloned from the {family} baseline{baseline_name}. Changes from the baseline:",
        family_label(family).to_lowercase()
    );
    let outro = summary(&m);
    let mut suggestions = metric_examples(&m);
    if let Some(f) = recipe::all_features(&m).first() {
        suggestions.push(format!("monitor drift on {f} with PSI above 0.2"));
    }
    suggestions.push("run it daily at 6am".to_string());
    Ok(NewRecipeDraft {
        family,
        name,
        baseline,
        draft: d,
        intro,
        outro,
        suggestions,
    })
}

/// "with max staleness 6 hours", "a 24h staleness limit", "data goes stale
/// after 48h": the freshness limit, from the duration next to the word.
fn set_staleness(d: &mut Draft, t: &Tokens) -> Result<(), Decline> {
    let Some(at) = (0..t.len()).find(|&i| {
        matches!(
            t.word(i),
            "stale" | "staleness" | "fresh" | "fresher" | "freshness"
        )
    }) else {
        return Ok(());
    };
    let after = duration_hours(t, at + 1, at + 5);
    let Some(hours) = after.or_else(|| duration_hours(t, at.saturating_sub(3), at)) else {
        return Ok(());
    };
    let baseline = d.doc.clone();
    super::monitoring::limit_staleness(d, &baseline, hours)
}

/// "with drift threshold 0.15": the drift threshold, the number right
/// after "drift threshold".
fn set_drift_threshold(d: &mut Draft, t: &Tokens) -> Result<(), Decline> {
    let Some(at) = (0..t.len().saturating_sub(1))
        .find(|&i| t.word(i) == "drift" && t.word(i + 1) == "threshold")
    else {
        return Ok(());
    };
    let Some(n) = numbers_in(t, at + 2, at + 5).into_iter().next() else {
        return Ok(());
    };
    let baseline = d.doc.clone();
    super::monitoring::drift_threshold(d, &baseline, n.value)
}

/// The family a request names, else the open recipe's (`true`: taken from it).
fn family_for(t: &Tokens, ctx: &Context) -> Result<(ModelFamily, bool), Decline> {
    match detect_family(t) {
        FamilyGuess::One(f) => Ok((f, false)),
        FamilyGuess::Ambiguous(fams) => {
            let names: Vec<String> = fams.iter().map(|f| f.as_str().to_string()).collect();
            Err(Decline::new(format!(
                "That could be more than one kind of model: {}. Which family should the new recipe start from?",
                join_and(&names)
            ))
            .suggest(fams.iter().map(|f| family_prompt(*f))))
        }
        FamilyGuess::None => match ctx.manifest.and_then(recipe::family) {
            Some(f) => Ok((f, true)),
            None => Err(Decline::new(
                "Which kind of model? I can start a recipe from one of four baselines: forecasting, pricing, next best action or location scoring.",
            )
            .suggest(QUICK_PROMPTS.iter().take(4).copied())),
        },
    }
}

/// The industry a request states, by a known name or in its own words.
fn set_industry(d: &mut Draft, t: &Tokens, baseline: &Value) -> Result<(), Decline> {
    let known_industry = (0..t.len()).find_map(|i| {
        INDUSTRIES
            .iter()
            .find(|(p, _)| t.find_phrase(p, i) == Some(i))
            .map(|(p, industry)| match industry {
                Some(industry) => industry.to_string(),
                None => p.to_string(),
            })
    });
    if let Some(ind) = stated_industry(t).or(known_industry) {
        let before = baseline
            .pointer("/metadata/industry")
            .map(show)
            .unwrap_or_else(|| "none".into());
        if d.set(&["metadata", "industry"], json!(ind))? {
            d.line(format!("industry: {before} -> {ind}"));
        }
    }
    Ok(())
}

/// The grain's time unit as asked ("a daily forecast"), else the
/// baseline's; the unit the grain has after.
fn set_grain(
    d: &mut Draft,
    t: &Tokens,
    sched: Option<(usize, usize)>,
    baseline: &Value,
    family: ModelFamily,
) -> Result<Option<&'static str>, Decline> {
    let grain = baseline
        .pointer("/requirements/grain")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut grain_u = grain_time(&grain).map(|(_, u)| u);
    if let Some(unit) = grain_unit(t, sched) {
        match grain_time(&grain) {
            Some((_, old)) if old == unit => {}
            Some((idx, old)) => {
                let parts: Vec<String> = grain
                    .split(" x ")
                    .enumerate()
                    .map(|(i, p)| {
                        if i == idx {
                            unit.to_string()
                        } else {
                            p.trim().to_string()
                        }
                    })
                    .collect();
                let new_grain = parts.join(" x ");
                d.set(&["requirements", "grain"], json!(new_grain))?;
                d.line(format!("grain: {grain} -> {new_grain}"));
                d.note(format!(
                    "the baseline's pipeline settings assume a {} grain (lags, windows, column names); review them for a {} grain",
                    adjective(old),
                    adjective(unit)
                ));
                grain_u = Some(unit);
            }
            None => d.note(format!(
                "the {family} grain ({grain}) has no time unit, so it is kept"
            )),
        }
    }
    Ok(grain_u)
}

/// The validation horizon in periods of the grain, and the training
/// stage's horizon with it.
fn set_horizon(
    d: &mut Draft,
    (value, unit): (f64, Option<&'static str>),
    baseline: &Value,
    grain_u: Option<&'static str>,
) -> Result<(), Decline> {
    let periods = match (unit, grain_u) {
        (Some(u), Some(g)) if u != g => {
            let p = (value * unit_days(u).unwrap_or(1.0) / unit_days(g).unwrap_or(1.0)).round();
            d.note(format!("{} {u}s is about {} {g}s", num(value), num(p)));
            p
        }
        _ => value,
    };
    if periods < 1.0 || periods.fract() != 0.0 {
        return Err(Decline::new(format!(
            "The horizon must be a whole number of periods (1 or more), not {}.",
            num(periods)
        )));
    }
    let before = baseline
        .pointer("/evaluation/validation/horizon")
        .map(show)
        .unwrap_or_else(|| "none".into());
    if d.set(
        &["evaluation", "validation", "horizon"],
        json!(periods as i64),
    )? {
        d.line(format!(
            "validation horizon: {before} -> {}",
            periods as i64
        ));
    }
    if let Some(g) = grain_u {
        set_training_horizon(d, g, periods as i64)?;
    }
    Ok(())
}

/// What the new recipe holds, after its changes: metrics, validation,
/// feature sets and deployment.
pub fn summary(m: &Value) -> String {
    let metrics: Vec<String> = recipe::metrics(m)
        .iter()
        .map(|x| {
            format!(
                "{} {} {}{}",
                x.name,
                if x.lower_is_better { "<=" } else { ">=" },
                x.threshold.map(num).unwrap_or_default(),
                if x.primary { " (primary)" } else { "" }
            )
        })
        .collect();
    let sets: Vec<String> = recipe::feature_sets(m)
        .iter()
        .map(|s| format!("{} ({})", s.name, s.features.len()))
        .collect();
    let deploy = match m.pointer("/deployment/mode").and_then(Value::as_str) {
        Some("batch") => format!(
            "batch, {}",
            m.pointer("/deployment/schedule")
                .and_then(Value::as_str)
                .map(schedule::describe)
                .unwrap_or_default()
        ),
        Some(mode) => format!(
            "{mode}, endpoint {}",
            m.pointer("/deployment/endpoint/path")
                .map(show)
                .unwrap_or_default()
        ),
        None => "unset".into(),
    };
    format!(
        "\nKey metrics: {}.\nValidation: {}.\nFeature sets: {}.\nDeployment: {deploy}.\nReview the manifest, then save it to create the recipe.",
        metrics.join(", "),
        describe_validation(m.pointer("/evaluation/validation").unwrap_or(&Value::Null)),
        sets.join(", ")
    )
}

/// Keeps a training stage's `forecast_horizon_<unit>s` in step with the horizon.
fn set_training_horizon(d: &mut Draft, unit: &str, periods: i64) -> Result<(), Decline> {
    let key = format!("forecast_horizon_{unit}s");
    let stages = d
        .get(&["pipeline", "stages"])
        .and_then(Value::as_array)
        .map(|a| a.len())
        .unwrap_or(0);
    for i in 0..stages {
        let is = i.to_string();
        if d.get(&["pipeline", "stages", &is, "config", &key])
            .is_some()
        {
            let stage = d
                .get(&["pipeline", "stages", &is, "name"])
                .map(show)
                .unwrap_or_default();
            if d.set(&["pipeline", "stages", &is, "config", &key], json!(periods))? {
                d.line(format!("{stage} stage: {key} -> {periods}"));
            }
        }
    }
    Ok(())
}
