//! Edits of the monitoring section: drift columns, method and threshold;
//! alert rules; the data freshness limit.

use super::draft::{Decline, Draft};
use super::edits::worse;
use super::features::name_groups;
use super::lexicon::{NO_MORE_WORDS, REMOVE_VERBS, SWITCH_OFF_WORDS, WATCH_WORDS, verb_at};
use super::names::named_by_words;
use super::numbers::{Cmp, comparison_in, duration_hours, numbers_in};
use super::recipe::{self, is_fraction_metric, metric_mentions};
use super::text::{
    Tokens, is_or_are, jnum, join_and, not_in, num, resolve_name, show, similar_names, snake,
};
use crate::drift::StatTest;
use serde_json::{Value, json};

/// How people write the drift tests' names, from the one list drift keeps.
const METHODS: &[(&str, StatTest)] = StatTest::SPOKEN;

fn method_in(t: &Tokens) -> Option<(&'static str, usize)> {
    (0..t.len()).find_map(|i| {
        METHODS
            .iter()
            .filter(|(p, _)| t.find_phrase(p, i) == Some(i))
            .max_by_key(|(p, _)| p.split(' ').count())
            .map(|(_, m)| (m.name(), i))
    })
}

/// Words that end a list of column names.
fn ends_list(t: &Tokens, i: usize) -> bool {
    let w = t.word(i);
    matches!(
        w,
        "with"
            | "using"
            | "at"
            | "threshold"
            | "when"
            | "if"
            | "via"
            | "by"
            | "method"
            | "whenever"
    ) || method_in_at(t, i)
        // "... in production": where, not another column.
        || (w == "in" && matches!(t.word(i + 1), "prod" | "production" | "live" | "staging"))
        || comparison_in(t, i, i + 1).is_some()
        || !numbers_in(t, i, i + 1).is_empty()
}

fn method_in_at(t: &Tokens, i: usize) -> bool {
    METHODS.iter().any(|(p, _)| t.find_phrase(p, i) == Some(i))
}

/// Column names in a drift request: after "on/for/across/of" or before "for drift".
fn drift_columns_in(t: &Tokens, m: &Value) -> Vec<String> {
    const SKIP: &[&str] = &[
        "drift",
        "monitoring",
        "monitor",
        "track",
        "tracking",
        "watch",
        "check",
        "enable",
        "turn",
        "start",
        "stop",
        "remove",
        "delete",
        "drop",
        "exclude",
        "detection",
        "me",
        "please",
        "also",
        "additionally",
        "add",
        // Where, not what: "drift on price in prod".
        "prod",
        "production",
        "live",
    ];
    let drift_pos = t.find_phrase("drift", 0);
    let drift_at = drift_pos.unwrap_or(0);
    // "for now", "for a while": when, not what.
    let for_a_time = |i: usize| {
        t.word(i) == "for"
            && matches!(
                t.word(i + 1),
                "now" | "a" | "the" | "today" | "good" | "ever" | "this" | "awhile"
            )
    };
    let start = (drift_at..t.len()).find(|&i| {
        matches!(
            t.word(i),
            "on" | "for" | "across" | "in" | "of" | "columns" | "column"
        ) && !for_a_time(i)
    });
    let mut cols = Vec::new();
    if let Some(s) = start {
        let end = (s + 1..t.len())
            .find(|&i| ends_list(t, i))
            .unwrap_or(t.len());
        cols = name_groups(t, s + 1, end, SKIP);
    }
    if cols.is_empty() {
        // "monitor price and promo_flag for drift", "watch unit_cost".
        let names_end = drift_pos.unwrap_or(t.len());
        let verb = (0..names_end).find(|&i| {
            verb_at(t, i, WATCH_WORDS).is_some()
                || matches!(t.word(i), "check" | "add" | "include")
                || verb_at(t, i, REMOVE_VERBS).is_some()
        });
        if let Some(v) = verb {
            let end = (v + 1..names_end)
                .rev()
                .find(|&i| matches!(t.word(i), "for" | "on" | "from" | "to" | "in" | "into"))
                .unwrap_or(names_end);
            cols = name_groups(t, v + 1, end, SKIP);
        }
    }
    if cols.is_empty()
        && let Some(d) = drift_pos
        && t.word(d + 1) == ":"
    {
        // "drift: add distance_m": the topic first, then the change.
        // Adding only: the removal reading looks before "drift".
        let verb = (d + 2..t.len())
            .find(|&i| matches!(t.word(i), "add" | "include" | "watch" | "monitor"));
        if let Some(v) = verb {
            cols = name_groups(t, v + 1, t.len(), SKIP);
        }
    }
    if cols.iter().any(|c| c == "features" || c == "feature") || t.has("all features") {
        return recipe::all_features(m);
    }
    cols.into_iter()
        .map(|c| if c.contains(' ') { snake(&c) } else { c })
        .collect()
}

/// "monitor drift on price and promo_flag with PSI above 0.2", "disable drift
/// monitoring", "stop monitoring drift on store_region", "use ks for drift".
/// "watch competitor_min_price", "keep tracking unit_cost": a feature of
/// this recipe to watch in production is a column to watch for drift.
/// None when no feature is named, or a metric or alert is (other edits).
pub fn watch_feature(t: &Tokens, m: &Value) -> Option<Result<Draft, Decline>> {
    use super::lexicon::ALERT_WORDS;
    // Drift said outright is the drift edit's, with all else it says.
    let other_edit = t.has_any(ALERT_WORDS)
        || t.has_any(super::lexicon::DRIFT_WORDS)
        || StatTest::SPOKEN.iter().any(|(words, _)| t.has(words))
        || !metric_mentions(t, Some(m)).is_empty();
    if !t.has_any(WATCH_WORDS) || other_edit {
        return None;
    }
    let mut columns = recipe::all_features(m);
    columns.extend(recipe::drift_columns(m));
    let named = super::names::mentioned(&t.raw, &columns);
    if named.is_empty() {
        return None;
    }
    // Said again with only the features named ("in prod" is no column).
    let watch_at = t.find_any(WATCH_WORDS, 0).map_or(0, |(i, _)| i);
    let stopping = t.has_any(NO_MORE_WORDS)
        || (0..=watch_at).any(|i| {
            verb_at(t, i, SWITCH_OFF_WORDS).is_some() || verb_at(t, i, REMOVE_VERBS).is_some()
        });
    let verb = if stopping {
        "stop monitoring"
    } else {
        "monitor"
    };
    let restated = format!("{verb} drift on {}", named.join(" and "));
    Some(drift(&Tokens::new(&restated), m))
}

pub fn drift(t: &Tokens, m: &Value) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    let cur_enabled = m
        .pointer("/monitoring/drift/enabled")
        .and_then(Value::as_bool)
        == Some(true);
    let cur_cols = recipe::drift_columns(m);
    let mut cols = drift_columns_in(t, m);
    let negated = drift_negated(t);
    // A column to stop watching is one watched now, wherever it is named.
    let watched = super::names::mentioned(&t.raw, &cur_cols);
    if negated && !watched.is_empty() {
        cols = watched;
    }
    // "don't monitor store_region for drift": the negation reaches the
    // columns named, not drift monitoring as a whole.
    let removing = negated && !cols.is_empty();
    let disabling = cols.is_empty()
        && (negated
            || t.has_any(&["disable", "turn off", "switch off", "no drift"])
            || t.find_phrase("do not monitor", 0).is_some());
    if disabling {
        if d.set(&["monitoring", "drift", "enabled"], json!(false))? {
            d.line(
                "turn drift monitoring off (the column list is kept for when it is turned back on)",
            );
        } else {
            d.same("drift monitoring is already off");
        }
        return Ok(d);
    }
    let watch = Watch {
        cols: &cols,
        cur_cols: &cur_cols,
        cur_enabled,
    };
    match removing {
        true => unwatch_drift_columns(&mut d, &watch)?,
        false => watch_drift_columns(&mut d, t, m, &watch)?,
    }
    drift_method(&mut d, t, m)?;
    drift_window_and_threshold(&mut d, t, m)?;
    if d.ops.is_empty() && d.unchanged.is_empty() {
        d.same(format!(
            "drift monitoring is already on for {}",
            join_and(&cur_cols)
        ));
    }
    Ok(d)
}

/// The drift columns a request names, those watched now, and whether drift
/// monitoring is on.
struct Watch<'a> {
    cols: &'a [String],
    cur_cols: &'a [String],
    cur_enabled: bool,
}

/// Only a verb before "drift" removes: "monitor drift, alert if it drops"
/// does not.
fn drift_negated(t: &Tokens) -> bool {
    let drift_at = t.find_phrase("drift", 0).unwrap_or(t.len());
    (0..drift_at).any(|i| {
        verb_at(t, i, REMOVE_VERBS).is_some()
            || matches!(
                t.word(i),
                "stop" | "exclude" | "unmonitor" | "dont" | "never" | "pause" | "suspend"
            )
            || t.find_phrase("no longer", i) == Some(i)
            || t.find_phrase("do not", i) == Some(i)
    })
}

/// Stops watching the columns named, refusing one that is not watched.
fn unwatch_drift_columns(d: &mut Draft, w: &Watch) -> Result<(), Decline> {
    let (cols, cur_cols, cur_enabled) = (w.cols, w.cur_cols, w.cur_enabled);
    let mut new_cols = cur_cols.to_vec();
    let mut gone = Vec::new();
    // "foot_trafic": the one drift column those words make up.
    let cols: Vec<String> = cols
        .iter()
        .map(|c| match cur_cols.contains(c) {
            true => c.clone(),
            false => named_by_words(c, cur_cols).unwrap_or_else(|| c.clone()),
        })
        .collect();
    for c in &cols {
        match new_cols.iter().position(|x| x == c) {
            Some(i) => {
                new_cols.remove(i);
                gone.push(c.clone());
            }
            None => {
                return Err(Decline::new(format!(
                    "{c} is not monitored for drift. Drift columns: {}.",
                    cur_cols.join(", ")
                )));
            }
        }
    }
    if new_cols.is_empty() && cur_enabled {
        return Err(Decline::new(
            "That would leave no drift columns while drift monitoring is on; turn it off instead.",
        )
        .suggest(["disable drift monitoring"]));
    }
    if !gone.is_empty() {
        for c in &gone {
            let Some(i) = recipe::drift_columns(&d.doc).iter().position(|x| x == c) else {
                continue;
            };
            d.remove(&["monitoring", "drift", "columns", &i.to_string()])?;
        }
        d.line(format!(
            "stop monitoring drift on {} ({} columns left)",
            join_and(&gone),
            new_cols.len()
        ));
    }
    Ok(())
}

/// Watches the columns named, in addition to those watched or ("only",
/// "instead", drift off) in their place.
fn watch_drift_columns(d: &mut Draft, t: &Tokens, m: &Value, w: &Watch) -> Result<(), Decline> {
    let (cols, cur_cols, cur_enabled) = (w.cols, w.cur_cols, w.cur_enabled);
    let mut new_cols = cur_cols.to_vec();
    let only = t.has_any(&["only", "just", "instead", "replace"]);
    // "only"/"instead", or drift was off: the named columns are the list.
    if (only || !cur_enabled) && !cols.is_empty() {
        new_cols = cols.to_vec();
    } else {
        for c in cols {
            if !new_cols.contains(c) {
                new_cols.push(c.clone());
            }
        }
    }
    if new_cols.is_empty() {
        let feats = recipe::all_features(m);
        let ex: Vec<String> = feats.iter().take(2).cloned().collect();
        return Err(Decline::new(
            "Which columns should be checked for drift? Drift monitoring needs at least one.",
        )
        .suggest([format!(
            "monitor drift on {} with PSI above 0.2",
            ex.join(" and ")
        )]));
    }
    if d.set(&["monitoring", "drift", "enabled"], json!(true))? {
        d.line("turn drift monitoring on");
    }
    if new_cols != cur_cols {
        // Appending keeps the patch to the new names; anything else replaces the list.
        let appended =
            new_cols.len() > cur_cols.len() && new_cols[..cur_cols.len()] == cur_cols[..];
        if appended && m.pointer("/monitoring/drift/columns").is_some() {
            for c in &new_cols[cur_cols.len()..] {
                d.push(&["monitoring", "drift", "columns"], json!(c))?;
            }
        } else {
            d.set(&["monitoring", "drift", "columns"], json!(new_cols))?;
        }
        let added = not_in(&new_cols, cur_cols);
        let dropped = not_in(cur_cols, &new_cols);
        if !added.is_empty() {
            d.line(format!(
                "monitor drift on {} ({} columns in all)",
                join_and(&added),
                new_cols.len()
            ));
        }
        if !dropped.is_empty() {
            d.line(format!("stop monitoring drift on {}", join_and(&dropped)));
        }
    } else if !cols.is_empty() {
        d.same(format!("{} already monitored for drift", join_and(cols)));
    }
    let known = recipe::known_columns(m);
    let unknown = not_in(cols, &known);
    if !unknown.is_empty() {
        d.note(format!(
            "{} not named anywhere else in the manifest (features, keys, lineage columns); check the spelling",
            is_or_are(&unknown)
        ));
    }
    Ok(())
}

fn drift_method(d: &mut Draft, t: &Tokens, m: &Value) -> Result<(), Decline> {
    if let Some((method, _)) = method_in(t) {
        let before = m
            .pointer("/monitoring/drift/method")
            .map(show)
            .unwrap_or_else(|| "psi (default)".into());
        if d.set(&["monitoring", "drift", "method"], json!(method))? {
            d.line(format!("drift method: {before} -> {method}"));
        }
    }
    Ok(())
}

/// A duration is the reference window; another number, the threshold.
fn drift_window_and_threshold(d: &mut Draft, t: &Tokens, m: &Value) -> Result<(), Decline> {
    // "against the last 365 days": a duration is the reference window.
    let is_days = |at: usize| {
        let unit = |w: &str| {
            matches!(
                w,
                "d" | "day" | "days" | "w" | "wk" | "week" | "weeks" | "month" | "months"
            )
        };
        unit(t.word(at + 1)) || unit(t.word(at).trim_start_matches(|c: char| c.is_ascii_digit()))
    };
    let numbers = numbers_in(t, 0, t.len());
    // "psi with 10 bins": a count of bins is PSI's histogram, no threshold.
    let is_bins = |at: usize| matches!(t.word(at + 1), "bin" | "bins" | "bucket" | "buckets");
    if let Some(n) = numbers.iter().find(|n| is_bins(n.at)) {
        drift_bins(d, m, n.value)?;
    }
    if let Some(n) = numbers.iter().find(|n| is_days(n.at)) {
        let days = match duration_hours(t, n.at, n.at + 2) {
            Some(h) if !t.word(n.at + 1).starts_with("month") => h / 24.0,
            _ => n.value * 30.0,
        };
        let before = m
            .pointer("/monitoring/drift/reference_window_days")
            .map(show)
            .unwrap_or_else(|| "none".into());
        if d.set(
            &["monitoring", "drift", "reference_window_days"],
            jnum(days.round()),
        )? {
            d.line(format!(
                "drift reference window: {before} -> {} days",
                num(days.round())
            ));
        }
    }
    if let Some(n) = numbers.iter().find(|n| !is_days(n.at) && !is_bins(n.at)) {
        drift_threshold(d, m, n.value)?;
    }
    Ok(())
}

/// The drift threshold set to `value`, saying so (the edit and a new
/// recipe alike).
pub fn drift_threshold(d: &mut Draft, m: &Value, value: f64) -> Result<(), Decline> {
    if value < 0.0 {
        return Err(Decline::new("A drift threshold cannot be negative."));
    }
    let before = m
        .pointer("/monitoring/drift/threshold")
        .map(show)
        .unwrap_or_else(|| "none".into());
    if d.set(&["monitoring", "drift", "threshold"], jnum(value))? {
        d.line(format!(
            "drift threshold: {before} -> {} (a column drifts when its statistic exceeds it)",
            num(value)
        ));
    } else {
        d.same(format!("the drift threshold is already {}", num(value)));
    }
    Ok(())
}

/// PSI's histogram: a whole number of bins, at least 2.
fn drift_bins(d: &mut Draft, m: &Value, bins: f64) -> Result<(), Decline> {
    if bins.fract() != 0.0 || !(2.0..=1000.0).contains(&bins) {
        return Err(Decline::new(format!(
            "{} is not a number of bins: PSI takes a whole number from 2 to 1000.",
            num(bins)
        )));
    }
    let before = m
        .pointer("/monitoring/drift/bins")
        .map(show)
        .unwrap_or_else(|| "none".into());
    if d.set(&["monitoring", "drift", "bins"], jnum(bins))? {
        d.line(format!("drift bins: {before} -> {}", num(bins)));
    } else {
        d.same(format!("drift already uses {} bins", num(bins)));
    }
    Ok(())
}

/// The severity asked for: one said before "instead of" or "rather than"
/// and not right after "not" (those name the severity it had).
fn severity_in(t: &Tokens) -> &'static str {
    let end = t
        .find_any(&["instead of", "rather than"], 0)
        .map_or(t.len(), |(i, _)| i);
    let said = |words: &[&str]| {
        words.iter().any(|w| {
            let mut from = 0;
            while let Some(i) = t.find_phrase(w, from).filter(|i| *i < end) {
                if i == 0 || t.word(i - 1) != "not" {
                    return true;
                }
                from = i + 1;
            }
            false
        })
    };
    if said(&[
        "critical",
        "crit",
        "urgent",
        "sev1",
        "severe",
        "page",
        "paging",
        "emergency",
    ]) {
        "critical"
    } else if said(&["info", "informational", "fyi", "notice", "low priority"]) {
        "info"
    } else {
        "warning"
    }
}

/// Name given for a new rule: quoted, or after "called"/"named".
fn given_name(t: &Tokens) -> Option<String> {
    if let Some(q) = t.toks.iter().find(|x| x.quoted) {
        return Some(q.orig.clone());
    }
    if let Some((i, words)) = t.find_any(&["called", "named", "call it", "name it"], 0) {
        let n = t.toks.get(i + words)?;
        return (!n.punct).then(|| n.text.clone());
    }
    // "add an alert rmse_breach when …": a new identifier right after "alert".
    let at = t.toks.iter().position(|x| x.text == "alert")?;
    let n = t.toks.get(at + 1)?;
    let is_metric = metric_mentions(t, None).iter().any(|m| m.at == at + 1);
    (n.text.contains('_') && !n.punct && !is_metric).then(|| n.text.clone())
}

/// The existing rule a request retunes rather than adds: named ("the
/// stale_sales_feed alert"), or the only rule on the metric or data it
/// names ("mae alert at $450k", "the stale feed alert should match").
fn alert_meant(t: &Tokens, m: &Value) -> Option<usize> {
    let adding = t.has_any(&["add", "new", "create", "another", "extra"]);
    let names = recipe::alert_names(m);
    let named = super::names::mentioned(&t.raw, &names);
    if let [one] = named.as_slice() {
        return names.iter().position(|n| n == one);
    }
    // "the mae alert", "the stale feed alert": a rule named by what it
    // watches, the word before "alert"; "alert when mae …" asks for a new one.
    let alert_at = t.toks.iter().position(|x| x.text == "alert")?;
    if adding {
        return None;
    }
    let alerts = recipe::alerts(m);
    let only = |hit: &dyn Fn(&Value) -> bool| {
        let hits: Vec<usize> = (0..alerts.len()).filter(|&i| hit(alerts[i])).collect();
        match hits.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    };
    // "the alert on auc should only fire below 0.7": the rule on what
    // follows "on" or "for".
    if matches!(t.word(alert_at + 1), "on" | "for")
        && let Some(metric) = metric_mentions(t, Some(m))
            .into_iter()
            .find(|x| x.at == alert_at + 2)
    {
        return only(&|a| a["metric"] == json!(metric.name));
    }
    if alert_at == 0 {
        return None;
    }
    let before = t.word(alert_at - 1);
    let two_before = if alert_at >= 2 {
        t.word(alert_at - 2)
    } else {
        ""
    };
    // "the stale feed alert", "the stale snapshot alert".
    if FRESHNESS_WORDS.contains(&before)
        || before == "feed"
        || FRESHNESS_WORDS.contains(&two_before)
    {
        return only(&|a| a["source"] == "freshness");
    }
    // "the competitor_price_index drift alert", "the drift share alert": a
    // rule by what it watches, in one word or two.
    let watched = [
        match before {
            "drift" => two_before.to_string(),
            other => other.to_string(),
        },
        format!("{two_before}_{before}"),
    ];
    if let Some(i) = watched
        .iter()
        .find_map(|w| only(&|a| a["source"] != "metric" && a["metric"] == json!(w)))
    {
        return Some(i);
    }
    // "the mape breach alert": two words of one rule's name
    // (`revenue_mape_breach`).
    let part_of_name = format!("_{two_before}_{before}_");
    if !two_before.is_empty()
        && let Some(i) = only(&|a| {
            a["name"]
                .as_str()
                .is_some_and(|n| format!("_{n}_").contains(&part_of_name))
        })
    {
        return Some(i);
    }
    let metric = metric_mentions(t, Some(m))
        .into_iter()
        .find(|x| x.at + x.len == alert_at)?
        .name;
    only(&|a| a["metric"] == json!(metric))
}

/// The retuning of an existing rule the clause names ("have the wape alert
/// fire at 0.26", "make stale_site_snapshot match that"), if it names one.
pub fn retune(t: &Tokens, m: &Value) -> Option<Result<Draft, Decline>> {
    let names = recipe::alert_names(m);
    let typed = t.toks.iter().any(|x| names.contains(&x.text));
    // "dont alert on log loss anymore" removes the rule, elsewhere.
    let removing = (0..t.len()).any(|i| {
        verb_at(t, i, REMOVE_VERBS).is_some() || verb_at(t, i, SWITCH_OFF_WORDS).is_some()
    }) || t.has_any(NO_MORE_WORDS);
    if removing || !(typed || t.has("alert")) {
        return None;
    }
    alert_meant(t, m).map(|i| retune_alert(t, m, i))
}

/// "don't page anyone for r2", "stop paging on revenue mape": the rule on
/// that metric becomes a warning.
pub fn unpage(t: &Tokens, m: &Value) -> Option<Result<Draft, Decline>> {
    let negated =
        t.has_any(&["dont", "never", "stop", "no"]) || t.find_phrase("do not", 0).is_some();
    if !negated || !t.has_any(&["page", "paging", "paged"]) {
        return None;
    }
    let alerts = recipe::alerts(m);
    let names = recipe::alert_names(m);
    let index = match super::names::mentioned(&t.raw, &names).as_slice() {
        [one] => names.iter().position(|n| n == one),
        _ => {
            let metric = metric_mentions(t, Some(m)).into_iter().next()?.name;
            let hits: Vec<usize> = (0..alerts.len())
                .filter(|&i| alerts[i]["metric"] == json!(metric))
                .collect();
            match hits.as_slice() {
                [one] => Some(*one),
                _ => None,
            }
        }
    }?;
    Some(make_warning(m, index, alerts[index]))
}

fn make_warning(m: &Value, index: usize, alert: &Value) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    let name = alert["name"].as_str().unwrap_or("the rule").to_string();
    let at = index.to_string();
    if d.set(&["monitoring", "alerts", &at, "severity"], json!("warning"))? {
        d.line(format!(
            "alert rule {name}: severity warning, no page (was {})",
            show(&alert["severity"])
        ));
    } else {
        d.same(format!("the rule {name} is already a warning"));
    }
    Ok(d)
}

/// A new threshold (and severity, when one is named) for an existing rule.
fn retune_alert(t: &Tokens, m: &Value, index: usize) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    let alert = recipe::alerts(m)[index].clone();
    let name = alert["name"].as_str().unwrap_or("the alert").to_string();
    let metric = alert["metric"].as_str().unwrap_or("").to_string();
    let at = index.to_string();
    let threshold = match alert["source"].as_str() {
        Some("freshness") => duration_hours(t, 0, t.len()).or_else(|| {
            // "… should match": the freshness limit set just before.
            t.has_any(&["match", "agree", "same"])
                .then(|| {
                    m.pointer("/monitoring/freshness/max_staleness_hours")?
                        .as_f64()
                })
                .flatten()
        }),
        _ => numbers_in(t, 0, t.len()).first().map(|n| {
            if !n.percent && is_fraction_metric(&metric) && n.value > 1.0 && n.value <= 100.0 {
                n.value / 100.0
            } else {
                n.value
            }
        }),
    };
    let named_severity = t.has_any(&["critical", "warning", "info", "page", "paging"]);
    if threshold.is_none() && !named_severity {
        return Err(Decline::new(format!(
            "What should change in the rule {name}: its threshold (now {}) or its severity (now {})?",
            show(&alert["threshold"]),
            show(&alert["severity"])
        )));
    }
    if let Some(v) = threshold
        && d.set(&["monitoring", "alerts", &at, "threshold"], json!(v))?
    {
        d.line(format!(
            "alert rule {name}: fires when {metric} {} {} (was {})",
            alert["comparison"].as_str().unwrap_or(">"),
            num(v),
            show(&alert["threshold"])
        ));
    }
    if named_severity {
        let severity = severity_in(t);
        if d.set(&["monitoring", "alerts", &at, "severity"], json!(severity))? {
            d.line(format!(
                "alert rule {name}: severity {severity} (was {})",
                show(&alert["severity"])
            ));
        }
    }
    if d.ops.is_empty() {
        d.same(format!("the rule {name} is already set that way"));
    }
    Ok(d)
}

const FRESHNESS_WORDS: &[&str] = &[
    "stale",
    "staleness",
    "fresh",
    "freshness",
    "older",
    "old",
    "late",
    "delayed",
    "age",
    "hours old",
];

/// "alert me when mape goes above 0.15", "critical alert if drift share over 0.5",
/// "warn me when data is older than 2 days".
pub fn add_alert(t: &Tokens, m: &Value) -> Result<Draft, Decline> {
    if let Some(index) = alert_meant(t, m) {
        return retune_alert(t, m, index);
    }
    let mut d = Draft::new(m);
    let severity = severity_in(t);
    let cmp_found = comparison_in(t, 0, t.len());
    let (source, metric, default_cmp) = alert_target(&mut d, t, m)?;
    let cmp = cmp_found.map(|(c, _)| c).unwrap_or(default_cmp);
    let from = cmp_found.map(|(_, i)| i).unwrap_or(0);
    let threshold = alert_threshold(&mut d, t, source, &metric, from);
    let Some(threshold) = threshold else {
        return Err(Decline::new(format!(
            "At what value should the alert on {metric} fire? Give a threshold."
        ))
        .suggest([format!(
            "alert me when {} goes above {}",
            metric.replace('_', " "),
            threshold_hint(m, source, &metric)
        )]));
    };
    let existing = recipe::alerts(m);
    let duplicate = existing.iter().find(|a| {
        a["source"] == json!(source)
            && a["metric"] == json!(metric)
            && a["comparison"] == json!(cmp.symbol())
            && a["threshold"].as_f64() == Some(threshold)
            && a["severity"] == json!(severity)
    });
    if let Some(a) = duplicate {
        d.same(format!(
            "the rule {} already fires when {metric} {} {}",
            show(&a["name"]),
            cmp.symbol(),
            num(threshold)
        ));
        return Ok(d);
    }
    let name = new_alert_name(t, m, &metric, cmp, threshold)?;
    d.push(
        &["monitoring", "alerts"],
        json!({
            "name": name,
            "source": source,
            "metric": metric,
            "comparison": cmp.symbol(),
            "threshold": jnum(threshold),
            "severity": severity,
        }),
    )?;
    let what = match source {
        "freshness" => format!("the data is {} {} hours old", cmp.symbol(), num(threshold)),
        "drift" if metric == "drift_share" => format!(
            "the share of drift columns over the drift threshold is {} {}",
            cmp.symbol(),
            num(threshold)
        ),
        "drift" => format!("drift on {metric} is {} {}", cmp.symbol(), num(threshold)),
        _ => format!("{metric} {} {}", cmp.symbol(), num(threshold)),
    };
    d.line(format!(
        "add alert rule {name} ({severity}): fires when {what}"
    ));
    if source == "drift" && metric != "drift_share" && !recipe::drift_columns(m).contains(&metric) {
        d.note(format!(
            "{metric} is not a drift column, so this rule only fires once drift is monitored on it"
        ));
    }
    Ok(d)
}

/// What a new alert watches: data freshness, drift (a column or the share),
/// or a metric of the recipe; and which way is worse.
fn alert_target(
    d: &mut Draft,
    t: &Tokens,
    m: &Value,
) -> Result<(&'static str, String, Cmp), Decline> {
    if t.has_any(FRESHNESS_WORDS) {
        Ok(("freshness", "staleness_hours".into(), Cmp::Gt))
    } else if t.has("drift") || t.has("drifted") {
        let col = alert_drift_column(t);
        match col {
            Some(c) => Ok(("drift", c, Cmp::Gt)),
            None => Ok(("drift", "drift_share".into(), Cmp::Gt)),
        }
    } else if let Some(mm) = metric_mentions(t, Some(m)).first() {
        let metrics = recipe::metrics(m);
        let monitored = recipe::monitored_metrics(m);
        let known = metrics.iter().find(|x| x.name == mm.name);
        if known.is_none() && !monitored.contains(&mm.name) {
            let mut names: Vec<String> = monitored.clone();
            for x in &metrics {
                if !names.contains(&x.name) {
                    names.push(x.name.clone());
                }
            }
            return Err(Decline::new(format!(
                "{} is not a metric of this recipe, so an alert on it would never fire. Metrics: {}.",
                mm.name,
                names.join(", ")
            ))
            .suggest(names.first().map(|n| format!("alert me when {n} goes above 0.3"))));
        }
        if !monitored.contains(&mm.name) {
            d.note(format!(
                "{} is not in monitoring.performance.metrics, so snapshots may not carry it",
                mm.name
            ));
        }
        let lower = known.map(|x| x.lower_is_better).unwrap_or(true);
        Ok(("metric", mm.name.clone(), worse(lower)))
    } else {
        let metrics: Vec<String> = recipe::monitored_metrics(m);
        Err(Decline::new(
            "What should the alert watch? A performance metric, drift (a column or the drift share) or data freshness.",
        )
        .suggest(
            metrics
                .first()
                .map(|n| format!("alert me when {n} goes above 0.3"))
                .into_iter()
                .chain(["critical alert if drift share over 0.5".to_string(), "alert me when data is older than 48 hours".to_string()]),
        ))
    }
}

/// The value an alert fires at: hours for freshness, else the first number
/// after the comparison (a fraction metric's "12" read as 12%).
fn alert_threshold(
    d: &mut Draft,
    t: &Tokens,
    source: &str,
    metric: &str,
    from: usize,
) -> Option<f64> {
    if source == "freshness" {
        duration_hours(t, from, t.len())
    } else {
        let n = numbers_in(t, from, t.len())
            .first()
            .copied()
            .or_else(|| numbers_in(t, 0, t.len()).first().copied());
        n.map(|n| {
            if source == "metric"
                && !n.percent
                && is_fraction_metric(metric)
                && n.value > 1.0
                && n.value <= 100.0
            {
                d.note(format!("read {} as {}%", num(n.value), num(n.value)));
                n.value / 100.0
            } else {
                n.value
            }
        })
    }
}

/// The name a request gives the rule, refused if taken, else one made of
/// what it watches ("mape_above_0_3", then "_2").
fn new_alert_name(
    t: &Tokens,
    m: &Value,
    metric: &str,
    cmp: Cmp,
    threshold: f64,
) -> Result<String, Decline> {
    let names = recipe::alert_names(m);
    match given_name(t) {
        Some(n) => {
            if names.contains(&n) {
                return Err(Decline::new(format!(
                    "There is already an alert rule named '{n}'. Alert rules: {}.",
                    names.join(", ")
                )));
            }
            Ok(n)
        }
        None => {
            let base = format!(
                "{metric}_{}_{}",
                cmp.word(),
                num(threshold).replace('.', "_")
            );
            let mut name = base.clone();
            let mut k = 2;
            while names.contains(&name) {
                name = format!("{base}_{k}");
                k += 1;
            }
            Ok(name)
        }
    }
}

/// "drift on price", "price drift": the column a drift alert reads.
fn alert_drift_column(t: &Tokens) -> Option<String> {
    if t.has("drift share") || t.has("share") || t.has("drifted") || t.has("dataset drift") {
        return None;
    }
    let at = t.find_phrase("drift", 0)?;
    if matches!(t.word(at + 1), "on" | "of" | "in" | "for") {
        let c = t.toks.get(at + 2)?;
        if super::text::is_identifier(&c.text) && comparison_in(t, at + 2, at + 3).is_none() {
            return Some(c.text.clone());
        }
    }
    let before = t.toks.get(at.checked_sub(1)?)?;
    let filler = [
        "when", "if", "the", "on", "any", "feature", "whenever", "of", "for", "alert", "me",
    ];
    (super::text::is_identifier(&before.text) && !filler.contains(&before.text.as_str()))
        .then(|| before.text.clone())
}

fn threshold_hint(m: &Value, source: &str, metric: &str) -> String {
    match source {
        "freshness" => m
            .pointer("/monitoring/freshness/max_staleness_hours")
            .and_then(Value::as_f64)
            .map(|h| format!("{} hours", num(h)))
            .unwrap_or_else(|| "48 hours".into()),
        "drift" => "0.5".into(),
        _ => recipe::metrics(m)
            .iter()
            .find(|x| x.name == metric)
            .and_then(|x| x.threshold)
            .map(num)
            .unwrap_or_else(|| "0.3".into()),
    }
}

/// "remove the stale_sales_feed alert", "stop alerting on bias".
pub fn remove_alert(t: &Tokens, m: &Value) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    let names = recipe::alert_names(m);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    const SKIP: &[&str] = &[
        "alert",
        "alerting",
        "rule",
        "remove",
        "delete",
        "drop",
        "disable",
        "mute",
        "silence",
        "stop",
        "on",
        "for",
        "when",
        "me",
        "about",
        "notification",
        "notify",
        "please",
        "get",
        "rid",
        "take",
        "out",
        "erase",
        "discard",
    ];
    let groups = name_groups(t, 0, t.len(), SKIP);
    let mut target: Option<String> = None;
    for g in &groups {
        if let Some((n, loose)) = resolve_name(g, &refs) {
            if loose {
                d.note(format!("took '{g}' to mean the alert rule '{n}'"));
            }
            target = Some(n.to_string());
            break;
        }
    }
    if target.is_none() {
        // "stop alerting on bias": the rules reading that metric or column.
        let watched: Vec<String> = metric_mentions(t, Some(m))
            .into_iter()
            .map(|x| x.name)
            .chain(groups.iter().cloned())
            .collect();
        let hits: Vec<String> = recipe::alerts(m)
            .iter()
            .filter(|a| {
                a["metric"]
                    .as_str()
                    .is_some_and(|x| watched.iter().any(|w| w == x))
            })
            .filter_map(|a| a["name"].as_str().map(str::to_string))
            .collect();
        match hits.as_slice() {
            [one] => target = Some(one.clone()),
            [] => {}
            many => {
                return Err(Decline::new(format!(
                    "More than one alert rule matches: {}. Which one?",
                    many.join(", ")
                ))
                .suggest(many.iter().map(|n| format!("remove the {n} alert"))));
            }
        }
    }
    let Some(name) = target else {
        let wanted = groups.first().cloned().unwrap_or_default();
        let near = similar_names(&wanted, &refs, 3);
        let mut text = if wanted.is_empty() {
            "Which alert rule should I remove?".to_string()
        } else {
            format!("There is no alert rule '{wanted}' in this recipe.")
        };
        text.push_str(&format!(
            " Alert rules: {}.",
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        ));
        return Err(Decline::new(text).suggest(
            near.iter()
                .chain(refs.iter().take(if near.is_empty() { 2 } else { 0 }))
                .map(|n| format!("remove the {n} alert")),
        ));
    };
    let Some(idx) = recipe::alert_names(&d.doc).iter().position(|n| *n == name) else {
        return Err(Decline::new(format!(
            "internal error: alert '{name}' vanished"
        )));
    };
    let rule = recipe::alerts(m).get(idx).map(|a| {
        format!(
            "{} {} {} {}, {}",
            show(&a["source"]),
            show(&a["metric"]),
            show(&a["comparison"]),
            show(&a["threshold"]),
            show(&a["severity"])
        )
    });
    d.remove(&["monitoring", "alerts", &idx.to_string()])?;
    d.line(format!(
        "remove alert rule {name} ({})",
        rule.unwrap_or_default()
    ));
    Ok(d)
}

/// The freshness limit set to `hours`, saying so, and naming a freshness
/// rule that still fires at another limit (the edit and a new recipe alike).
pub fn limit_staleness(d: &mut Draft, m: &Value, hours: f64) -> Result<(), Decline> {
    let before = m
        .pointer("/monitoring/freshness/max_staleness_hours")
        .and_then(Value::as_f64);
    if hours <= 0.0 {
        return Err(Decline::new(
            "The freshness limit must be more than 0 hours.",
        ));
    }
    if d.set(
        &["monitoring", "freshness", "max_staleness_hours"],
        jnum(hours),
    )? {
        d.line(format!(
            "max staleness: {} -> {} hours (data older than that counts as stale)",
            before.map(num).unwrap_or_else(|| "none".into()),
            num(hours)
        ));
    } else {
        d.same(format!("the limit is already {} hours", num(hours)));
    }
    for a in recipe::alerts(m) {
        if a["source"] == json!("freshness")
            && let Some(th) = a["threshold"].as_f64()
            && th != hours
        {
            d.note(format!(
                "the alert rule {} still fires at {} hours; say \"alert me when data is older than {} hours\" for a matching rule",
                show(&a["name"]),
                num(th),
                num(hours)
            ));
        }
    }
    Ok(())
}

/// "data must be fresher than 12 hours", "max staleness 2 days".
pub fn freshness(t: &Tokens, m: &Value) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    let before = m
        .pointer("/monitoring/freshness/max_staleness_hours")
        .and_then(Value::as_f64);
    let Some(hours) = duration_hours(t, 0, t.len()) else {
        return Err(Decline::new(format!(
            "How fresh must the data be? The limit is now {}.",
            before
                .map(|h| format!("{} hours", num(h)))
                .unwrap_or_else(|| "not set".into())
        ))
        .suggest(["data must be fresher than 12 hours", "max staleness 2 days"]));
    };
    limit_staleness(&mut d, m, hours)?;
    let grain = m
        .pointer("/requirements/grain")
        .and_then(Value::as_str)
        .unwrap_or("");
    let period = if grain.contains("month") {
        Some((720.0, "monthly"))
    } else if grain.contains("week") {
        Some((168.0, "weekly"))
    } else {
        None
    };
    if let Some((p, label)) = period
        && hours < p
    {
        d.note(format!(
            "the grain is {label} ({grain}), so data loaded once a period will often be older than {} hours",
            num(hours)
        ));
    }
    Ok(d)
}
