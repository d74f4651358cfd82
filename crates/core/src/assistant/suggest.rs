//! What to offer when a request is not understood: the nearest things the
//! assistant can do, phrased with the current recipe's real names.

use super::recipe;
use super::text::{FILLER, Tokens, edit_distance, nice, num, stem};
use super::{Context, Intent, Reply};
use serde_json::Value;

/// Prompts for an empty conversation: one per family (in `ModelFamily::ALL`
/// order), then common edits and questions.
pub const QUICK_PROMPTS: [&str; 10] = [
    "Create a forecasting model for weekly retail sales",
    "I need a pricing recipe for hotels",
    "Build a next best action model for bank customers",
    "Create a location scoring model for new store sites",
    "Make MAPE under 12%",
    "Run it daily at 6am",
    "Monitor drift on price and promo_flag with PSI above 0.2",
    "Alert me when mape goes above 0.15",
    "What metrics does this use?",
    "Why is this model alerting?",
];

/// The quick-start prompts for `manifest`: the four new-recipe ones, then
/// edits and questions that name its own metric and features (not the
/// generic ones, which may name columns it does not have).
pub fn quick_prompts_for(manifest: Option<&serde_json::Value>) -> Vec<String> {
    let mut out: Vec<String> = QUICK_PROMPTS[..4].iter().map(|p| p.to_string()).collect();
    // With no recipe open there is nothing to edit: new ones, or ask.
    let Some(m) = manifest else {
        out.push("What can you do?".into());
        return out;
    };
    let metrics = recipe::metrics(m);
    let metric = metrics.iter().find(|x| x.primary).or(metrics.first());
    let features: Vec<String> = recipe::feature_sets(m)
        .into_iter()
        .flat_map(|s| s.features)
        .take(2)
        .collect();
    if let Some(x) = metric
        && let Some(t) = x.threshold
    {
        let (better, worse) = if x.lower_is_better {
            (
                format!("under {}", num(nice(t * 0.8))),
                format!("goes above {}", num(nice(t * 1.25))),
            )
        } else {
            (
                format!("at least {}", num(nice(t * 1.05))),
                format!("drops below {}", num(nice(t * 0.9))),
            )
        };
        out.push(format!("Make {} {better}", x.name));
        out.push(format!("Alert me when {} {worse}", x.name));
    }
    // A realtime recipe has no run schedule, only a retraining one.
    let realtime = m
        .pointer("/deployment/mode")
        .and_then(serde_json::Value::as_str)
        == Some("realtime");
    out.push(
        if realtime {
            "Retrain daily at 6am"
        } else {
            "Run it daily at 6am"
        }
        .into(),
    );
    match features.as_slice() {
        [a, b, ..] => out.push(format!("Monitor drift on {a} and {b} with PSI above 0.2")),
        [a] => out.push(format!("Monitor drift on {a} with PSI above 0.2")),
        [] => {}
    }
    out.push("What metrics does this use?".into());
    out.push("Why is this model alerting?".into());
    out
}

struct Names {
    set: String,
    last_set: String,
    feature: String,
    metric: String,
    better: String,
    alert: Option<String>,
    version: Option<String>,
}

fn names(ctx: &Context) -> Option<Names> {
    let m = ctx.manifest?;
    let sets = recipe::feature_sets(m);
    let metric = recipe::metrics(m).into_iter().next();
    Some(Names {
        set: sets
            .first()
            .map(|s| s.name.clone())
            .unwrap_or_else(|| "calendar".into()),
        last_set: sets
            .last()
            .map(|s| s.name.clone())
            .unwrap_or_else(|| "calendar".into()),
        feature: sets
            .first()
            .and_then(|s| s.features.first().cloned())
            .unwrap_or_else(|| "price".into()),
        metric: metric
            .as_ref()
            .map(|x| x.name.clone())
            .unwrap_or_else(|| "mape".into()),
        better: metric
            .as_ref()
            .and_then(|x| {
                let t = x.threshold?;
                let v = if x.lower_is_better { t * 0.8 } else { t * 1.05 };
                Some(format!(
                    "{} {}",
                    if x.lower_is_better {
                        "under"
                    } else {
                        "at least"
                    },
                    num(nice(v))
                ))
            })
            .unwrap_or_else(|| "under 0.2".into()),
        alert: recipe::alert_names(m).into_iter().next(),
        version: ctx.versions.get(1).map(|v| v.number.clone()),
    })
}

/// Example requests with extra words that point at them.
fn catalog(ctx: &Context) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = QUICK_PROMPTS[..4]
        .iter()
        .map(|p| {
            (
                (*p).to_string(),
                "create new build start model recipe clone baseline",
            )
        })
        .collect();
    let Some(n) = names(ctx) else {
        out.push(("What can you do?".into(), "help commands usage"));
        return out;
    };
    out.extend([
        (
            format!("add a feature holiday_flag to the {} feature set", n.set),
            "add include column input variable signal",
        ),
        (
            format!("remove the feature {}", n.feature),
            "remove delete drop exclude column",
        ),
        (
            "add a feature set weather with temp_max and rain_mm".to_string(),
            "group new set",
        ),
        (
            format!("remove the {} feature set", n.last_set),
            "remove delete drop group",
        ),
        (
            format!("make {} {}", n.metric, n.better),
            "metric threshold target goal error accuracy tighten loosen kpi",
        ),
        (
            "use rolling origin validation with 6 folds".to_string(),
            "validation validate fold cross split backtest holdout strategy",
        ),
        (
            "make it realtime".to_string(),
            "realtime online endpoint api serve deploy live",
        ),
        ("switch to batch".to_string(), "batch offline deploy"),
        (
            "run it daily at 6am".to_string(),
            "schedule cron time daily weekly hourly nightly when",
        ),
        (
            format!("monitor drift on {} with PSI above 0.2", n.feature),
            "drift monitor psi shift distribution watch",
        ),
        (
            format!("alert me when {} goes above 0.3", n.metric),
            "alert notify warn page notification",
        ),
        (
            "data must be fresher than 12 hours".to_string(),
            "fresh stale staleness age old late delay",
        ),
        (
            "what metrics does this use?".to_string(),
            "metric kpi measure",
        ),
        (
            "what features does it use?".to_string(),
            "feature input column data",
        ),
        (
            "why is this model alerting?".to_string(),
            "alert why wrong broken health",
        ),
        ("when does it run?".to_string(), "run schedule deploy"),
    ]);
    if let Some(a) = n.alert {
        out.push((
            format!("remove the {a} alert"),
            "remove delete alert rule mute",
        ));
    }
    if let Some(v) = n.version {
        out.push((
            format!("what changed since {v}?"),
            "change diff version history compare",
        ));
    }
    out
}

fn word_score(w: &str, target: &str) -> f64 {
    if stem(w) == stem(target) {
        return 1.0;
    }
    let n = w.chars().count().min(target.chars().count());
    let d = edit_distance(w, target);
    if (n >= 4 && d <= 1) || (n >= 7 && d <= 2) {
        0.7
    } else {
        0.0
    }
}

/// The catalog entries nearest to the request, best first.
fn nearest(t: &Tokens, ctx: &Context, max: usize) -> Vec<String> {
    let words: Vec<&str> = t
        .toks
        .iter()
        .filter(|x| !x.punct && !FILLER.contains(&x.text.as_str()) && x.text.chars().count() > 1)
        .map(|x| x.text.as_str())
        .collect();
    let mut scored: Vec<(f64, usize, String)> = catalog(ctx)
        .into_iter()
        .enumerate()
        .map(|(i, (example, extra))| {
            let lower = example.to_lowercase();
            let targets: Vec<&str> = lower
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .chain(extra.split(' '))
                .filter(|w| w.len() > 1 && !FILLER.contains(w))
                .collect();
            let score: f64 = words
                .iter()
                .map(|w| targets.iter().map(|x| word_score(w, x)).fold(0.0, f64::max))
                .sum();
            (score, i, example)
        })
        .filter(|(s, _, _)| *s > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(max).map(|(_, _, e)| e).collect()
}

/// Requests to start from in the current context.
pub fn starters(ctx: &Context) -> Vec<String> {
    match names(ctx) {
        Some(n) => vec![
            "what metrics does this use?".to_string(),
            format!("make {} {}", n.metric, n.better),
            "run it daily at 6am".to_string(),
            format!("monitor drift on {} with PSI above 0.2", n.feature),
        ],
        None => QUICK_PROMPTS[..4]
            .iter()
            .map(|s| (*s).to_string())
            .collect(),
    }
}

/// Removal requests that would work on the current recipe.
pub fn remove_examples(ctx: &Context) -> Vec<String> {
    let Some(n) = names(ctx) else {
        return vec![];
    };
    let mut out = vec![
        format!("remove the feature {}", n.feature),
        format!("remove the {} feature set", n.last_set),
    ];
    if let Some(a) = n.alert {
        out.push(format!("remove the {a} alert"));
    }
    out
}

pub fn help_text(ctx: &Context) -> String {
    let mut s = String::from(
        "I work offline with fixed rules, and every change I propose is a patch you review before it is saved. I can:\n\
         - start a new recipe from a baseline: \"create a forecasting model for weekly retail sales\", \"I need a pricing recipe for hotels\"\n\
         - edit the current recipe: features and feature sets, metric thresholds (\"make MAPE under 12%\"), validation (\"use rolling origin validation with 6 folds\"), batch/realtime and the schedule (\"run it daily at 6am\"), drift monitoring, alert rules (\"alert me when mape goes above 0.15\"), data freshness (\"data must be fresher than 12 hours\")\n\
         - answer questions: \"what metrics does this use?\", \"what changed since 1.2.0?\", \"why is this model alerting?\"",
    );
    if ctx.manifest.is_none() {
        s.push_str("\nOpen a recipe to edit it or ask about it.");
    }
    s
}

/// The reply for a request that matched no rule.
pub fn unknown(t: &Tokens, ctx: &Context) -> Reply {
    let mut suggestions = nearest(t, ctx, 3);
    if suggestions.is_empty() {
        suggestions = starters(ctx);
    }
    let said = t.raw.trim();
    let text = if said.is_empty() {
        "Ask me to start a recipe, change the current one, or explain it. For example:".to_string()
    } else if let Some(absent) = ctx.manifest.and_then(|m| names_absent(t, m)) {
        format!("I didn't understand \"{said}\", so I'm not proposing any change: {absent}")
    } else {
        format!(
            "I didn't understand \"{said}\", so I'm not proposing any change. The closest things I can do are below; \"help\" lists everything."
        )
    };
    Reply {
        intent: Intent::Unknown,
        text,
        proposal: None,
        suggestions,
    }
}

/// "there is nothing called 'x' in this recipe (closest: …)", for the names
/// a request gives (words joined by `_`) that this recipe does not have.
fn names_absent(t: &Tokens, m: &Value) -> Option<String> {
    let mut known = super::recipe::known_columns(m);
    known.extend(super::recipe::feature_sets(m).into_iter().map(|s| s.name));
    known.extend(super::recipe::alert_names(m));
    known.extend(super::recipe::metrics(m).into_iter().map(|x| x.name));
    let mut keys = Vec::new();
    super::recipe::key_words(m, &mut keys);
    known.extend(keys.into_iter().filter(|k| k.contains('_')));
    let absent: Vec<&str> = t
        .toks
        .iter()
        .filter(|x| !x.quoted && x.text.contains('_') && !known.contains(&x.text))
        .map(|x| x.text.as_str())
        .collect();
    let first = absent.first()?;
    let refs: Vec<&str> = known.iter().map(String::as_str).collect();
    let near = super::text::similar_names(first, &refs, 3);
    Some(match near.as_slice() {
        [] => format!("there is nothing called '{first}' in this recipe."),
        _ => format!(
            "there is nothing called '{first}' in this recipe. The closest names: {}.",
            near.join(", ")
        ),
    })
}
