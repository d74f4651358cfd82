//! Answers to questions about the current recipe, quoting the manifest, the
//! versions and the latest monitoring snapshot.

use super::draft::Decline;
use super::edits::describe_validation;
use super::recipe::{self, first_sentence, metric_mentions};
use super::schedule::describe;
use super::text::{Tokens, join_and, num, show};
use super::{Context, Intent, MonitoringInfo, VersionInfo};
use serde_json::Value;

type Answer = Result<(String, Vec<String>), Decline>;

pub fn answer(intent: Intent, t: &Tokens, ctx: &Context) -> Answer {
    // "the difference between pricing and forecasting recipes": about the
    // families, whatever recipe is open.
    let named = super::intent::families_named(t);
    if named.len() >= 2 && t.has_any(super::lexicon::CONTRAST_WORDS) {
        return Ok(families_side_by_side(&named, ctx));
    }
    // "the difference between wape and mape": the metrics, as the recipes
    // that use them describe them.
    if t.has_any(super::lexicon::CONTRAST_WORDS)
        && let Some(text) = metrics_side_by_side(t, ctx)
    {
        return Ok((text, vec![]));
    }
    // "which families are there?" even with a recipe open ("what kind of
    // model is this?" is about the open one).
    let about_one = t.has_any(&["this", "it", "its", "current"]);
    if named.is_empty()
        && ctx.manifest.is_some()
        && t.has_any(super::lexicon::CATALOGUE_WORDS)
        && !about_one
    {
        let nothing_open = Context {
            manifest: None,
            recipe_name: None,
            ..*ctx
        };
        return from_baselines(intent, t, &nothing_open);
    }
    match intent {
        Intent::AskChanges => changes(t, ctx),
        Intent::AskAlerting => alerting(ctx),
        _ => {
            let Some(m) = ctx.manifest else {
                return from_baselines(intent, t, ctx);
            };
            let label = super::conversation::recipe_label(ctx, m);
            Ok(about(intent, t, m, &label, ctx))
        }
    }
}

/// A question of `intent` about manifest `m` (a recipe, or a baseline).
fn about(
    intent: Intent,
    t: &Tokens,
    m: &Value,
    label: &str,
    ctx: &Context,
) -> (String, Vec<String>) {
    match intent {
        Intent::AskMetrics => metrics(t, m, label, ctx),
        Intent::AskFeatures => features(m, label),
        Intent::AskDeployment => deployment(m, label),
        Intent::AskMonitoring => monitoring(m, label),
        Intent::AskValidation => validation(m, label),
        _ => overview(m, label, ctx),
    }
}

/// Two or more metrics named, each with its direction and the description
/// the open recipe or a baseline gives it.
fn metrics_side_by_side(t: &Tokens, ctx: &Context) -> Option<String> {
    let mut names: Vec<String> = recipe::metric_mentions(t, ctx.manifest)
        .into_iter()
        .map(|x| x.name)
        .collect();
    names.dedup();
    if names.len() < 2 {
        return None;
    }
    let manifests: Vec<&Value> = ctx
        .manifest
        .into_iter()
        .chain(ctx.baselines.iter().map(|(_, m)| *m))
        .collect();
    let lines: Vec<String> = names
        .iter()
        .map(|name| {
            let described = manifests.iter().find_map(|m| {
                let known = recipe::metrics(m).into_iter().find(|x| &x.name == name)?;
                let description = m
                    .pointer("/evaluation/metrics")
                    .and_then(Value::as_array)?
                    .iter()
                    .find(|x| x["name"] == name.as_str())
                    .and_then(|x| x["description"].as_str())
                    .map(str::to_string);
                Some((known.lower_is_better, description))
            });
            match described {
                Some((lower, description)) => format!(
                    "{name} ({} is better): {}",
                    if lower { "lower" } else { "higher" },
                    description.unwrap_or_else(|| "no description in the recipes".into())
                ),
                None => format!("{name}: no recipe here uses it"),
            }
        })
        .collect();
    Some(lines.join("\n"))
}

/// A question with no recipe open, answered from the baselines: about the
/// family it names, or which family fits when it names none clearly.
fn from_baselines(intent: Intent, t: &Tokens, ctx: &Context) -> Answer {
    use super::create::family_prompt;
    use super::intent::{FamilyGuess, detect_family};
    let baseline = |f: crate::domain::ModelFamily| {
        ctx.baselines.iter().find(|(x, _)| *x == f).map(|(_, m)| *m)
    };
    let families: Vec<crate::domain::ModelFamily> = match detect_family(t) {
        FamilyGuess::One(f) => {
            let Some(m) = baseline(f) else {
                return Err(Decline::new(format!(
                    "There is no {f} baseline to answer from; seed the baselines first."
                )));
            };
            let label = format!("The {f} baseline");
            let (text, _) = about(intent, t, m, &label, ctx);
            let start =
                format!("{text}\nNo recipe is open: a new {f} recipe starts from this baseline.");
            return Ok((start, vec![family_prompt(f).to_string()]));
        }
        FamilyGuess::Ambiguous(fams) => fams,
        // "this", "it", "the recipe": a question about a recipe that is not
        // open is declined, not answered about every family.
        FamilyGuess::None if t.has_any(super::lexicon::CATALOGUE_WORDS) => {
            crate::domain::ModelFamily::ALL.to_vec()
        }
        FamilyGuess::None if t.has_any(&["this", "it", "its", "current", "recipe"]) => {
            return Err(Decline::new(
                "There is no current recipe to answer about. Open a recipe first, or start a new one.",
            )
            .suggest(super::suggest::QUICK_PROMPTS.iter().take(4).copied()));
        }
        FamilyGuess::None => crate::domain::ModelFamily::ALL.to_vec(),
    };
    // Which family fits: each candidate's baseline in a sentence.
    let lines: Vec<String> = families
        .iter()
        .map(|f| {
            let what = baseline(*f)
                .and_then(|m| m.pointer("/metadata/description"))
                .and_then(Value::as_str)
                .map(first_sentence)
                .unwrap_or_default();
            format!("- {f}: {what}")
        })
        .collect();
    let lead = if families.len() < crate::domain::ModelFamily::ALL.len() {
        "That fits more than one family:".to_string()
    } else if t.has_any(super::lexicon::CATALOGUE_WORDS) {
        format!(
            "There are {} families of recipe, each starting from its baseline:",
            families.len()
        )
    } else {
        "No recipe is open. Each family starts from a baseline:".to_string()
    };
    Ok((
        format!("{lead}\n{}", lines.join("\n")),
        families
            .iter()
            .map(|f| family_prompt(*f).to_string())
            .collect(),
    ))
}

/// Each family named, from its baseline: what it is for and what it is
/// judged by.
fn families_side_by_side(
    families: &[crate::domain::ModelFamily],
    ctx: &Context,
) -> (String, Vec<String>) {
    use super::create::family_prompt;
    let lines: Vec<String> = families
        .iter()
        .map(|f| {
            let Some((_, m)) = ctx.baselines.iter().find(|(x, _)| x == f) else {
                return format!("- {f}: no baseline seeded to describe it");
            };
            let what = m
                .pointer("/metadata/description")
                .and_then(Value::as_str)
                .map(first_sentence)
                .unwrap_or_default();
            let judged: Vec<String> = recipe::metrics(m)
                .iter()
                .filter(|x| x.primary)
                .map(metric_line)
                .collect();
            if judged.is_empty() {
                format!("- {f}: {what}")
            } else {
                format!("- {f}: {what} Judged by {}.", judged.join(", "))
            }
        })
        .collect();
    (
        format!(
            "They differ in what they predict and how they are judged:\n{}",
            lines.join("\n")
        ),
        families
            .iter()
            .map(|f| family_prompt(*f).to_string())
            .collect(),
    )
}

fn metric_line(x: &recipe::Metric) -> String {
    format!(
        "{} {} {}{} ({})",
        x.name,
        if x.lower_is_better { "<=" } else { ">=" },
        x.threshold.map(num).unwrap_or_else(|| "?".into()),
        if x.primary { ", primary" } else { "" },
        if x.lower_is_better {
            "lower is better"
        } else {
            "higher is better"
        }
    )
}

fn metrics(t: &Tokens, m: &Value, label: &str, ctx: &Context) -> (String, Vec<String>) {
    let all = recipe::metrics(m);
    let mut text = String::new();
    for mention in metric_mentions(t, Some(m)) {
        match all.iter().find(|x| x.name == mention.name) {
            Some(x) => text.push_str(&format!("{}: runs pass when {}.\n", x.name, metric_line(x))),
            None => text.push_str(&format!(
                "{} is not one of {label}'s metrics.\n",
                mention.name
            )),
        }
    }
    text.push_str(&format!(
        "{label} is evaluated on {} metric{}:",
        all.len(),
        if all.len() == 1 { "" } else { "s" }
    ));
    for x in &all {
        text.push_str(&format!("\n- {}", metric_line(x)));
    }
    let tracked = recipe::monitored_metrics(m);
    if !tracked.is_empty() {
        text.push_str(&format!("\nTracked in production: {}.", tracked.join(", ")));
    }
    if let Some(v) = m.pointer("/evaluation/validation") {
        text.push_str(&format!("\nValidation: {}.", describe_validation(v)));
    }
    if let Some(mon) = ctx.monitoring {
        let latest = numeric_entries(&mon.latest_performance);
        if !latest.is_empty() {
            let shown: Vec<String> = latest
                .iter()
                .map(|(k, v)| format!("{k} {}", num(*v)))
                .collect();
            text.push_str(&format!(
                "\nLatest monitored values ({}): {}.",
                mon.model_name,
                shown.join(", ")
            ));
        }
    }
    (text, super::edits::metric_examples(m))
}

fn features(m: &Value, label: &str) -> (String, Vec<String>) {
    let sets = recipe::feature_sets(m);
    let total: usize = sets.iter().map(|s| s.features.len()).sum();
    let get = |p: &str| m.pointer(p).map(show).unwrap_or_else(|| "?".into());
    let mut text = format!(
        "{label} predicts {} at grain {} (time column {}, at least {} days of history).",
        get("/requirements/label"),
        get("/requirements/grain"),
        get("/requirements/timestamp_column"),
        get("/requirements/min_history_days")
    );
    text.push_str(&format!(
        "\nFeature sets ({}, {total} features):",
        sets.len()
    ));
    for s in &sets {
        text.push_str(&format!(
            "\n- {} ({}): {}",
            s.name,
            s.features.len(),
            s.features.join(", ")
        ));
    }
    if let Some(inputs) = m.pointer("/lineage/inputs").and_then(Value::as_array) {
        let names: Vec<String> = inputs
            .iter()
            .map(|i| format!("{} ({})", show(&i["name"]), show(&i["source"])))
            .collect();
        text.push_str(&format!("\nInputs: {}.", names.join(", ")));
    }
    let mut sug = Vec::new();
    if let Some(s) = sets.first() {
        sug.push(format!(
            "add a feature new_feature_name to the {} feature set",
            s.name
        ));
    }
    if let Some(s) = sets.last() {
        sug.push(format!("remove the {} feature set", s.name));
    }
    (text, sug)
}

fn deployment(m: &Value, label: &str) -> (String, Vec<String>) {
    let mode = m
        .pointer("/deployment/mode")
        .and_then(Value::as_str)
        .unwrap_or("unset");
    let mut text = format!("{label} is deployed in {mode} mode.");
    if let Some(s) = m.pointer("/deployment/schedule").and_then(Value::as_str) {
        let used = if mode == "batch" {
            ""
        } else {
            " (used only in batch mode)"
        };
        text.push_str(&format!("\nSchedule: {}{used}.", describe(s)));
    }
    if let Some(s) = m
        .pointer("/deployment/retrain_schedule")
        .and_then(Value::as_str)
    {
        text.push_str(&format!("\nRetraining: {}.", describe(s)));
    }
    if let Some(ep) = m.pointer("/deployment/endpoint") {
        text.push_str(&format!(
            "\nEndpoint: {} {}{}{}.",
            ep.get("method").map(show).unwrap_or_else(|| "POST".into()),
            ep.get("path").map(show).unwrap_or_default(),
            ep.get("latency_budget_ms")
                .map(|l| format!(", p99 latency budget {} ms", show(l)))
                .unwrap_or_default(),
            if mode == "batch" {
                " (on-demand option)"
            } else {
                ""
            }
        ));
    }
    if let Some(r) = m
        .pointer("/deployment/resources")
        .and_then(Value::as_object)
    {
        let parts: Vec<String> = r.iter().map(|(k, v)| format!("{k} {}", show(v))).collect();
        text.push_str(&format!("\nResources: {}.", parts.join(", ")));
    }
    let sug = if mode == "batch" {
        vec![
            "run it daily at 6am".to_string(),
            "make it realtime".to_string(),
        ]
    } else {
        vec!["switch to batch, daily at 2am".to_string()]
    };
    (text, sug)
}

fn alert_line(a: &Value) -> String {
    format!(
        "{} ({}): {} {} {} {}",
        show(&a["name"]),
        show(&a["severity"]),
        show(&a["source"]),
        show(&a["metric"]),
        show(&a["comparison"]),
        show(&a["threshold"])
    )
}

fn monitoring(m: &Value, label: &str) -> (String, Vec<String>) {
    let get = |p: &str| m.pointer(p).map(show).unwrap_or_else(|| "?".into());
    let mut text = format!(
        "{label} tracks {} in production (prediction column {}, label column {}).",
        join_and(&recipe::monitored_metrics(m)),
        get("/monitoring/performance/prediction_column"),
        get("/monitoring/performance/label_column")
    );
    let enabled = m
        .pointer("/monitoring/drift/enabled")
        .and_then(Value::as_bool)
        == Some(true);
    if enabled {
        text.push_str(&format!(
            "\nDrift: on, {} above {} on {}.",
            m.pointer("/monitoring/drift/method")
                .map(show)
                .unwrap_or_else(|| "psi".into()),
            get("/monitoring/drift/threshold"),
            join_and(&recipe::drift_columns(m))
        ));
    } else {
        text.push_str("\nDrift: off.");
    }
    text.push_str(&format!(
        "\nFreshness: {} must be at most {} hours old.",
        get("/monitoring/freshness/timestamp_column"),
        get("/monitoring/freshness/max_staleness_hours")
    ));
    let alerts = recipe::alerts(m);
    text.push_str(&format!("\nAlert rules ({}):", alerts.len()));
    for a in &alerts {
        text.push_str(&format!("\n- {}", alert_line(a)));
    }
    (
        text,
        vec![
            "why is this model alerting?".to_string(),
            "data must be fresher than 12 hours".to_string(),
        ],
    )
}

fn validation(m: &Value, label: &str) -> (String, Vec<String>) {
    let v = m
        .pointer("/evaluation/validation")
        .cloned()
        .unwrap_or(Value::Null);
    let mut text = format!("{label} is validated with {}.", describe_validation(&v));
    if let Some(d) = v.get("description").and_then(Value::as_str) {
        text.push_str(&format!("\n{d}"));
    }
    if let Some(obj) = v.as_object() {
        let extra: Vec<String> = obj
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "strategy" | "folds" | "holdout_fraction" | "horizon" | "description"
                )
            })
            .map(|(k, x)| format!("{k} {}", show(x)))
            .collect();
        if !extra.is_empty() {
            text.push_str(&format!("\nAlso: {}.", extra.join(", ")));
        }
    }
    (
        text,
        vec!["use rolling origin validation with 6 folds".to_string()],
    )
}

fn overview(m: &Value, label: &str, ctx: &Context) -> (String, Vec<String>) {
    let get = |p: &str| m.pointer(p).map(show).unwrap_or_else(|| "?".into());
    let desc = m
        .pointer("/metadata/description")
        .and_then(Value::as_str)
        .map(first_sentence)
        .unwrap_or("");
    let mut text = format!(
        "{label} is a {} recipe. {desc}",
        get("/metadata/model_family")
    );
    if let Some(o) = m.pointer("/metadata/owner") {
        text.push_str(&format!("\nOwner: {}.", show(o)));
    }
    if let Some(i) = m.pointer("/metadata/industry") {
        text.push_str(&format!(" Industry: {}.", show(i)));
    }
    text.push_str(&format!(
        "\nPredicts {} per {}.",
        get("/requirements/label"),
        get("/requirements/grain")
    ));
    let sets = recipe::feature_sets(m);
    text.push_str(&format!(
        "\n{} feature sets, {} features; metrics: {}.",
        sets.len(),
        recipe::all_features(m).len(),
        recipe::metrics(m)
            .iter()
            .map(metric_line)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if let Some(stages) = m.pointer("/pipeline/stages").and_then(Value::as_array) {
        let names: Vec<String> = stages.iter().map(|s| show(&s["name"])).collect();
        text.push_str(&format!("\nPipeline: {}.", names.join(" -> ")));
    }
    text.push_str(&format!(
        "\nDeployment: {}{}.",
        get("/deployment/mode"),
        m.pointer("/deployment/schedule")
            .and_then(Value::as_str)
            .filter(|_| m.pointer("/deployment/mode").and_then(Value::as_str) == Some("batch"))
            .map(|s| format!(", {}", describe(s)))
            .unwrap_or_default()
    ));
    if let Some(v) = ctx.versions.first() {
        text.push_str(&format!(
            "\n{} version{}; latest {} by {}: {}",
            ctx.versions.len(),
            if ctx.versions.len() == 1 { "" } else { "s" },
            v.number,
            v.created_by,
            v.note
        ));
    }
    (
        text,
        vec![
            "what metrics does this use?".to_string(),
            "what features does it use?".to_string(),
            "when does it run?".to_string(),
        ],
    )
}

/// "1.2.0", "v1.2", "1.2": a version number said in the request.
fn version_in(t: &Tokens) -> Option<String> {
    t.toks.iter().find_map(|x| {
        let s = x.text.trim_start_matches('v');
        let parts: Vec<&str> = s.split('.').collect();
        (parts.len() >= 2
            && parts.len() <= 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())))
        .then(|| s.to_string())
    })
}

fn same_version(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let mut parts: Vec<String> = s
            .trim_start_matches('v')
            .split('.')
            .map(str::to_string)
            .collect();
        while parts.len() < 3 {
            parts.push("0".into());
        }
        parts
    };
    norm(a) == norm(b)
}

/// "what changed since 1.2.0?", "what changed in the last version?", "show the history".
fn changes(t: &Tokens, ctx: &Context) -> Answer {
    let vs = ctx.versions;
    if vs.is_empty() {
        return Err(Decline::new("There are no saved versions to compare."));
    }
    let list = || {
        vs.iter()
            .map(|v| v.number.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let current = ctx.manifest.unwrap_or(&vs[0].manifest);
    let (base, newer): (&VersionInfo, &[VersionInfo]) = match version_in(t) {
        Some(wanted) => {
            let Some(i) = vs.iter().position(|v| same_version(&v.number, &wanted)) else {
                return Err(Decline::new(format!(
                    "There is no version {wanted} of this recipe. Versions (newest first): {}.",
                    list()
                ))
                .suggest(
                    vs.get(1)
                        .map(|v| format!("what changed since {}?", v.number)),
                ));
            };
            (&vs[i], &vs[..i])
        }
        None if t.has_any(&["history", "versions"]) && !t.has("last") => {
            let mut text = format!(
                "{} version{} (newest first):",
                vs.len(),
                if vs.len() == 1 { "" } else { "s" }
            );
            for v in vs {
                text.push_str(&format!("\n- {} by {}: {}", v.number, v.created_by, v.note));
            }
            return Ok((
                text,
                vs.get(1)
                    .map(|v| format!("what changed since {}?", v.number))
                    .into_iter()
                    .collect(),
            ));
        }
        None => match vs.get(1) {
            Some(prev) => (prev, &vs[..1]),
            None => {
                return Ok((
                    format!(
                        "There is only one version ({} by {}: {}), so nothing has changed yet.",
                        vs[0].number, vs[0].created_by, vs[0].note
                    ),
                    vec![],
                ));
            }
        },
    };
    let patch = crate::domain::diff::json_patch(&base.manifest, current);
    let mut text = if newer.is_empty() {
        format!(
            "Nothing is newer than {}; it is the latest version.",
            base.number
        )
    } else {
        let mut s = format!("Since {} ({}):", base.number, base.note);
        for v in newer.iter().rev() {
            s.push_str(&format!("\n- {} by {}: {}", v.number, v.created_by, v.note));
        }
        s
    };
    if patch.0.is_empty() {
        text.push_str("\nThe manifest is the same.");
    } else {
        text.push_str(&format!("\nManifest changes ({}):", patch.0.len()));
        for line in describe_patch(&base.manifest, current, &patch)
            .iter()
            .take(12)
        {
            text.push_str(&format!("\n- {line}"));
        }
        if patch.0.len() > 12 {
            text.push_str(&format!("\n- ... and {} more", patch.0.len() - 12));
        }
    }
    Ok((text, vec![]))
}

/// A JSON pointer with array indices replaced by the element's name where
/// it has one: /evaluation/metrics/1/threshold -> evaluation.metrics[mape].threshold.
fn readable_path(doc: &Value, pointer: &str) -> String {
    let mut out = String::new();
    let mut cur = Some(doc);
    for raw in pointer.split('/').skip(1) {
        let key = raw.replace("~1", "/").replace("~0", "~");
        match cur {
            Some(Value::Array(a)) => {
                let named = key
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| a.get(i))
                    .and_then(|e| e.get("name"))
                    .and_then(Value::as_str);
                match named {
                    Some(n) => out.push_str(&format!("[{n}]")),
                    None => out.push_str(&format!("[{key}]")),
                }
                cur = key.parse::<usize>().ok().and_then(|i| a.get(i));
            }
            Some(v) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&key);
                cur = v.get(&key);
            }
            None => {
                out.push('.');
                out.push_str(&key);
            }
        }
    }
    out
}

fn describe_patch(from: &Value, to: &Value, patch: &json_patch::Patch) -> Vec<String> {
    use json_patch::PatchOperation::*;
    patch
        .0
        .iter()
        .map(|op| match op {
            Replace(o) => {
                let p = o.path.to_string();
                format!(
                    "{}: {} -> {}",
                    readable_path(from, &p),
                    from.pointer(&p).map(show).unwrap_or_default(),
                    show(&o.value)
                )
            }
            Add(o) => format!(
                "added {}: {}",
                readable_path(to, &o.path.to_string()),
                show(&o.value)
            ),
            Remove(o) => {
                let p = o.path.to_string();
                format!(
                    "removed {} (was {})",
                    readable_path(from, &p),
                    from.pointer(&p).map(show).unwrap_or_default()
                )
            }
            other => format!("{other:?}"),
        })
        .collect()
}

/// Numeric entries of an object, in order ({"mape": 0.1} -> [("mape", 0.1)]).
fn numeric_entries(v: &Value) -> Vec<(String, f64)> {
    v.as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, x)| {
                    x.as_f64()
                        .or_else(|| x.get("value").and_then(Value::as_f64))
                        .map(|f| (k.clone(), f))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Per-column drift scores from either snapshot shape: a report with a
/// `columns` array, or an object of column -> number or {psi|score|...}.
fn drift_scores(drift: &Value, method: &str) -> Vec<(String, f64)> {
    let pick = |x: &Value| -> Option<f64> {
        x.as_f64().or_else(|| {
            [method, "score", "statistic", "value", "psi", "ks_statistic"]
                .iter()
                .find_map(|k| x.get(*k).and_then(Value::as_f64))
        })
    };
    if let Some(cols) = drift.get("columns").and_then(Value::as_array) {
        return cols
            .iter()
            .filter_map(|c| Some((c.get("name")?.as_str()?.to_string(), pick(c)?)))
            .collect();
    }
    drift
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "drift_share"
                            | "dataset_drift"
                            | "drifted_columns"
                            | "reference_rows"
                            | "current_rows"
                    )
                })
                .filter_map(|(k, x)| pick(x).map(|v| (k.clone(), v)))
                .collect()
        })
        .unwrap_or_default()
}

fn staleness(f: &Value) -> Option<f64> {
    [
        "staleness_hours",
        "hours",
        "age_hours",
        "hours_since_update",
    ]
    .iter()
    .find_map(|k| f.get(*k).and_then(Value::as_f64))
}

/// The value an alert rule reads from a snapshot.
fn observed(rule: &Value, mon: &MonitoringInfo, m: &Value) -> Option<f64> {
    let metric = rule["metric"].as_str()?;
    match rule["source"].as_str()? {
        "metric" => mon.latest_performance.get(metric).and_then(|x| {
            x.as_f64()
                .or_else(|| x.get("value").and_then(Value::as_f64))
        }),
        "freshness" => staleness(&mon.freshness),
        _ => {
            let method = m
                .pointer("/monitoring/drift/method")
                .and_then(Value::as_str)
                .unwrap_or("psi");
            if metric == "drift_share" {
                if let Some(s) = mon.latest_drift.get("drift_share").and_then(Value::as_f64) {
                    return Some(s);
                }
                let th = m
                    .pointer("/monitoring/drift/threshold")
                    .and_then(Value::as_f64)?;
                let scores = drift_scores(&mon.latest_drift, method);
                if scores.is_empty() {
                    return None;
                }
                let over = scores.iter().filter(|(_, s)| *s > th).count();
                Some(over as f64 / scores.len() as f64)
            } else {
                drift_scores(&mon.latest_drift, method)
                    .into_iter()
                    .find(|(c, _)| c == metric)
                    .map(|(_, s)| s)
            }
        }
    }
}

fn fires(cmp: &str, value: f64, threshold: f64) -> bool {
    match cmp {
        ">" => value > threshold,
        ">=" => value >= threshold,
        "<" => value < threshold,
        "<=" => value <= threshold,
        _ => false,
    }
}

/// "why is this model alerting?": open alerts, then each rule checked
/// against the latest snapshot, then the most drifted columns.
fn alerting(ctx: &Context) -> Answer {
    let Some(mon) = ctx.monitoring else {
        let mut text = "There is no monitoring data for a model of this recipe yet, so nothing can be alerting.".to_string();
        if let Some(m) = ctx.manifest {
            let alerts = recipe::alerts(m);
            text.push_str(&format!(
                "\nOnce a model is monitored, these {} rules are checked:",
                alerts.len()
            ));
            for a in alerts {
                text.push_str(&format!("\n- {}", alert_line(a)));
            }
        }
        return Ok((text, vec![]));
    };
    let mut text = if mon.open_alerts.is_empty() {
        format!("{} has no open alerts.", mon.model_name)
    } else {
        let mut s = format!(
            "{} has {} open alert{}:",
            mon.model_name,
            mon.open_alerts.len(),
            if mon.open_alerts.len() == 1 { "" } else { "s" }
        );
        for a in &mon.open_alerts {
            s.push_str(&format!("\n- [{}] {}: {}", a.severity, a.rule, a.message));
        }
        s
    };
    let mut firing = Vec::new();
    if let Some(m) = ctx.manifest {
        let mut lines = Vec::new();
        for rule in recipe::alerts(m) {
            let (Some(th), Some(cmp)) = (rule["threshold"].as_f64(), rule["comparison"].as_str())
            else {
                continue;
            };
            let name = show(&rule["name"]);
            let metric = show(&rule["metric"]);
            match observed(rule, mon, m) {
                Some(v) if fires(cmp, v, th) => {
                    lines.push(format!(
                        "{name} ({}): {metric} is {} {cmp} {} -> firing",
                        show(&rule["severity"]),
                        num(round4(v)),
                        num(th)
                    ));
                    firing.push(name);
                }
                Some(v) => lines.push(format!(
                    "{name}: {metric} is {} (fires when {cmp} {}) -> ok",
                    num(round4(v)),
                    num(th)
                )),
                None => lines.push(format!("{name}: no {metric} value in the latest snapshot")),
            }
        }
        if !lines.is_empty() {
            text.push_str("\nRules checked against the latest snapshot:");
            for l in lines {
                text.push_str(&format!("\n- {l}"));
            }
        }
        let method = m
            .pointer("/monitoring/drift/method")
            .and_then(Value::as_str)
            .unwrap_or("psi");
        let th = m
            .pointer("/monitoring/drift/threshold")
            .and_then(Value::as_f64);
        let mut scores = drift_scores(&mon.latest_drift, method);
        scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        if let Some(th) = th {
            let over: Vec<String> = scores
                .iter()
                .filter(|(_, s)| *s > th)
                .map(|(c, s)| format!("{c} {}", num(round4(*s))))
                .collect();
            if !over.is_empty() {
                text.push_str(&format!(
                    "\nColumns drifting above {}: {}.",
                    num(th),
                    over.join(", ")
                ));
            }
        }
    }
    if let Some(h) = staleness(&mon.freshness) {
        text.push_str(&format!("\nData is {} hours old.", num(round4(h))));
    }
    if mon.open_alerts.is_empty() && firing.is_empty() {
        text.push_str("\nNothing is alerting right now.");
    }
    let mut sug = Vec::new();
    if let Some(v) = ctx.versions.get(1) {
        sug.push(format!("what changed since {}?", v.number));
    }
    sug.push("what is monitored for drift?".to_string());
    Ok((text, sug))
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
