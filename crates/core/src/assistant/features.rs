//! Adding and removing features and feature sets in `requirements.feature_sets`.

use super::Intent;
use super::draft::{Decline, Draft};
use super::lexicon::{ADD_VERBS, REMOVE_VERBS, start, verb_at};
use super::names::named_by_words;
use super::recipe;
use super::text::{
    FILLER, Tokens, also_in, is_identifier, is_or_are, join_and, resolve_name, similar_names, snake,
};
use serde_json::{Value, json};

/// Verbs that add a feature or create a feature set.
const ADDING: &[&str] = &["create", "new", "make"];
const INTO: &[&str] = &["to", "into", "in", "under", "within", "onto"];
const OUT_OF: &[&str] = &["from", "in", "out of", "off"];
const SET_WORDS: &[&str] = &["set", "group", "featureset"];
const LIST_START: &[&str] = &["with", "containing", "including", "having", "holding", "of"];

/// Which feature edit a request asks for, if it is one.
pub fn kind(t: &Tokens, s: usize, m: Option<&Value>) -> Option<Intent> {
    let feature_word = (0..t.len()).any(|i| {
        let x = &t.toks[i];
        !x.quoted && matches!(x.stem.as_str(), "feature" | "featureset")
    });
    if !feature_word {
        // "add is_holiday to calendar": an add into an existing feature set.
        let m = m?;
        let p = parse(t)?;
        let (_, _, adding) = find_verb(t, s)?;
        let names = set_names(m);
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let target = p.target?;
        // A loose match ("the price group") counts when a set is said.
        let says_set = t.toks.iter().any(|x| SET_WORDS.contains(&x.stem.as_str()));
        return (adding
            && !p.items.is_empty()
            && resolve_name(&target, &refs).is_some_and(|(_, loose)| !loose || says_set))
        .then_some(Intent::AddFeature);
    }
    let (verb, n, adding) = find_verb(t, s)?;
    let end = object_end(t, verb + n, adding);
    let is_set =
        (verb + n..end).any(|i| !t.toks[i].quoted && SET_WORDS.contains(&t.toks[i].stem.as_str()));
    Some(match (adding, is_set) {
        (true, true) => Intent::AddFeatureSet,
        (true, false) => Intent::AddFeature,
        (false, true) => Intent::RemoveFeatureSet,
        (false, false) => Intent::RemoveFeature,
    })
}

/// The first add or remove verb: (position, words, adding?).
fn find_verb(t: &Tokens, s: usize) -> Option<(usize, usize, bool)> {
    (s..t.len()).find_map(|i| {
        if let Some(n) = verb_at(t, i, REMOVE_VERBS) {
            Some((i, n, false))
        } else {
            verb_at(t, i, ADD_VERBS)
                .or_else(|| verb_at(t, i, ADDING))
                .map(|n| (i, n, true))
        }
    })
}

/// Where the object of the verb ends: at the preposition naming the set, or
/// at the start of a feature list.
fn object_end(t: &Tokens, from: usize, adding: bool) -> usize {
    let preps = if adding { INTO } else { OUT_OF };
    (from..t.len())
        .find(|&i| {
            let x = &t.toks[i];
            !x.quoted
                && (preps.iter().any(|p| t.find_phrase(p, i) == Some(i))
                    || (adding && (LIST_START.contains(&x.text.as_str()) || x.text == ":")))
        })
        .unwrap_or(t.len())
}

/// Names in tokens `from..to`, split at commas and "and": consecutive words
/// join with `_` ("holiday flag" -> "holiday_flag"), quoted names stay as typed.
pub fn name_groups(t: &Tokens, from: usize, to: usize, skip: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = word_groups(t, from, to, skip)
        .into_iter()
        .map(|g| g.join("_"))
        .collect();
    out.dedup();
    out
}

/// Like `name_groups`, keeping each group's words apart.
pub fn word_groups(t: &Tokens, from: usize, to: usize, skip: &[&str]) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let close = |cur: &mut Vec<String>, groups: &mut Vec<Vec<String>>| {
        if !cur.is_empty() {
            groups.push(std::mem::take(cur));
        }
    };
    for i in from..to.min(t.len()) {
        let x = &t.toks[i];
        if x.quoted {
            close(&mut cur, &mut groups);
            groups.push(vec![x.orig.clone()]);
            continue;
        }
        let w = x.text.as_str();
        if x.punct || matches!(w, "and" | "&" | "plus" | "or") {
            close(&mut cur, &mut groups);
        } else if FILLER.contains(&w) || skip.contains(&w) || skip.contains(&x.stem.as_str()) {
            continue;
        } else if is_identifier(w) {
            cur.push(w.to_string());
        }
    }
    close(&mut cur, &mut groups);
    groups
}

struct Parsed {
    /// Names in the object position (features, or the set's name).
    items: Vec<String>,
    /// The same, word by word ("calendar feature is_x" -> ["calendar", "is_x"]).
    item_words: Vec<Vec<String>>,
    /// The set named after the preposition, if any.
    target: Option<String>,
    /// Features listed after "with" / ":" (new feature sets).
    listed: Vec<String>,
}

fn parse(t: &Tokens) -> Option<Parsed> {
    let s = start(t);
    let (verb, n, adding) = find_verb(t, s)?;
    let from = verb + n;
    let end = object_end(t, from, adding);
    let items = name_groups(t, from, end, SET_WORDS);
    let item_words = word_groups(t, from, end, SET_WORDS);
    let mut target = None;
    let mut listed = Vec::new();
    if end < t.len() {
        let x = &t.toks[end];
        let is_list = adding && (LIST_START.contains(&x.text.as_str()) || x.text == ":");
        if is_list {
            listed = name_groups(t, end + 1, t.len(), &["feature"]);
        } else {
            let words = if t.find_phrase("out of", end) == Some(end) {
                2
            } else {
                1
            };
            // The set's name runs to a feature list or the end.
            let stop = (end + words..t.len())
                .find(|&i| LIST_START.contains(&t.word(i)) || t.word(i) == ":")
                .unwrap_or(t.len());
            // "from the features, legal said no": a reason after a comma
            // names no set.
            let named_until = (end + words..stop)
                .find(|&i| t.word(i) == ",")
                .unwrap_or(stop);
            target = name_groups(t, end + words, named_until, SET_WORDS)
                .into_iter()
                .next();
            if stop < t.len() {
                listed = name_groups(t, stop + 1, t.len(), &["feature"]);
            }
        }
    }
    Some(Parsed {
        items,
        item_words,
        target,
        listed,
    })
}

pub fn edit(intent: Intent, t: &Tokens, m: &Value) -> Result<Draft, Decline> {
    let Some(p) = parse(t) else {
        return Err(Decline::new("I couldn't tell whether to add or remove.").suggest(examples(m)));
    };
    match intent {
        Intent::AddFeature => add_features(p, m),
        Intent::RemoveFeature => {
            // Features that exist, wherever and however they are named.
            let known = super::names::mentioned(&t.raw, &recipe::all_features(m));
            let p = match known.is_empty() {
                true => p,
                false => Parsed { items: known, ..p },
            };
            remove_features(p, m)
        }
        Intent::AddFeatureSet => add_set(p, m),
        _ => {
            if let Some(ask) = set_or_input(t, &p, m) {
                return Err(ask);
            }
            remove_sets(p, m)
        }
    }
}

/// "get rid of customer_profile" where that is both a feature set and a
/// lineage input: which one is meant is asked, unless the request says
/// "set", "group" or "features".
fn set_or_input(t: &Tokens, p: &Parsed, m: &Value) -> Option<Decline> {
    if t.has_any(&["set", "sets", "group", "groups", "feature", "features"]) {
        return None;
    }
    let inputs: Vec<&str> = m
        .pointer("/lineage/inputs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| i["name"].as_str())
        .collect();
    let both = p
        .items
        .iter()
        .chain(p.target.iter())
        .find(|w| inputs.contains(&w.as_str()))?;
    Some(
        Decline::new(format!(
            "'{both}' is both a feature set and a lineage input. Which should go?"
        ))
        .suggest([
            format!("remove the {both} feature set"),
            format!("remove the {both} lineage input"),
        ]),
    )
}

/// "don't use is_private_label", "we don't print it anymore so get rid of
/// is_in_circular": features the recipe has, named after a word that says
/// they are no longer used, removed.
pub fn not_used(t: &Tokens, m: &Value) -> Option<Result<Draft, Decline>> {
    let dropping = t.has_any(&["dont", "never"]) && t.has_any(&["use", "need", "want"])
        || t.find_phrase("get rid of", 0).is_some()
        || t.find_phrase("stop using", 0).is_some();
    let named = super::names::mentioned(&t.raw, &recipe::all_features(m));
    (dropping && !named.is_empty()).then(|| remove_named(named, m))
}

/// Removes features named however the request put them ("don't use X").
pub fn remove_named(names: Vec<String>, m: &Value) -> Result<Draft, Decline> {
    remove_features(
        Parsed {
            items: names,
            item_words: vec![],
            target: None,
            listed: vec![],
        },
        m,
    )
}

fn set_names(m: &Value) -> Vec<String> {
    recipe::feature_sets(m)
        .into_iter()
        .map(|s| s.name)
        .collect()
}

fn set_index(d: &Draft, name: &str) -> Option<usize> {
    recipe::feature_sets(&d.doc)
        .iter()
        .position(|s| s.name == name)
}

fn examples(m: &Value) -> Vec<String> {
    let sets = recipe::feature_sets(m);
    let mut out = Vec::new();
    if let Some(s) = sets.first() {
        out.push(format!(
            "add a feature new_feature_name to the {} feature set",
            s.name
        ));
        if let Some(f) = s.features.first() {
            out.push(format!("remove the feature {f}"));
        }
    }
    if let Some(s) = sets.last() {
        out.push(format!("remove the {} feature set", s.name));
    }
    out
}

/// Resolves a set name, or declines listing the real ones.
fn find_set(wanted: &str, m: &Value, d: &mut Draft) -> Result<String, Decline> {
    let names = set_names(m);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    match resolve_name(wanted, &refs).or_else(|| set_of_features_named(wanted, m)) {
        Some((name, loose)) => {
            if loose {
                d.note(format!("took '{wanted}' to mean the feature set '{name}'"));
            }
            Ok(name.to_string())
        }
        None => {
            let near = similar_names(wanted, &refs, 3);
            let mut dec = Decline::new(format!(
                "There is no feature set '{wanted}' in this recipe. Feature sets: {}.",
                names.join(", ")
            ));
            if !near.is_empty() {
                dec.text
                    .push_str(&format!("\nDid you mean {}?", join_and(&quote_all(&near))));
            }
            Err(dec)
        }
    }
}

/// "the lag features": the one set half or more of whose features (two at
/// least) are named by that word (`lag_1w_units`, `lag_2w_units`, ...).
fn set_of_features_named<'a>(wanted: &str, m: &'a Value) -> Option<(&'a str, bool)> {
    let prefix = format!("{}_", wanted.trim_end_matches('s'));
    let sets = m.pointer("/requirements/feature_sets")?.as_array()?;
    let named: Vec<&str> = sets
        .iter()
        .filter(|s| {
            let features = s["features"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            let so_named = features
                .iter()
                .filter(|f| f.as_str().is_some_and(|f| f.starts_with(&prefix)))
                .count();
            so_named >= 2 && so_named * 2 >= features.len()
        })
        .filter_map(|s| s["name"].as_str())
        .collect();
    match named.as_slice() {
        [one] => Some((one, true)),
        _ => None,
    }
}

fn quote_all(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| format!("'{n}'")).collect()
}

fn add_features(mut p: Parsed, m: &Value) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    let sets = recipe::feature_sets(m);
    // "add calendar feature is_black_friday": a leading set name is the target.
    if p.target.is_none()
        && let [words] = p.item_words.as_slice()
        && words.len() > 1
        && sets.iter().any(|s| s.name == words[0])
    {
        p.target = Some(words[0].clone());
        p.items = vec![words[1..].join("_")];
    }
    let items: Vec<String> = p.items.iter().map(|i| snake_unless_quoted(i)).collect();
    if items.is_empty() {
        return Err(Decline::new(
            "Which feature should I add? Name it, and the feature set it belongs to.",
        )
        .suggest(examples(m)));
    }
    let set = match &p.target {
        Some(wanted) => find_set(wanted, m, &mut d).map_err(|dec| {
            let first = items[0].clone();
            dec.suggest(
                sets.iter()
                    .take(2)
                    .map(|s| format!("add {first} to the {} feature set", s.name)),
            )
            .suggest([format!("add a feature set {} with {first}", snake(wanted))])
        })?,
        None if sets.len() == 1 => sets[0].name.clone(),
        None => {
            let first = items[0].clone();
            return Err(Decline::new(format!(
                "Which feature set should {} go into? Feature sets: {}.",
                join_and(&items),
                set_names(m).join(", ")
            ))
            .suggest(
                sets.iter()
                    .take(3)
                    .map(|s| format!("add {first} to the {} feature set", s.name)),
            ));
        }
    };
    let Some(idx) = set_index(&d, &set) else {
        return Err(Decline::new(format!(
            "internal error: feature set '{set}' vanished"
        )));
    };
    let idx_s = idx.to_string();
    let current: Vec<String> = sets
        .get(idx)
        .map(|s| s.features.clone())
        .unwrap_or_default();
    let mut added = Vec::new();
    for f in &items {
        if current.contains(f) {
            d.same(format!("{f} is already in the {set} feature set"));
            continue;
        }
        d.push(
            &["requirements", "feature_sets", &idx_s, "features"],
            json!(f),
        )?;
        added.push(f.clone());
        if let Some(other) = sets
            .iter()
            .find(|s| s.name != set && s.features.contains(f))
        {
            d.note(format!("{f} is also in the {} feature set", other.name));
        }
    }
    if !added.is_empty() {
        let total = current.len() + added.len();
        d.line(format!(
            "add feature{} {} to the {set} feature set (now {total} features)",
            plural(added.len()),
            join_and(&added)
        ));
    }
    Ok(d)
}

fn snake_unless_quoted(name: &str) -> String {
    // Quoted names are kept; names typed with spaces were joined with "_" already.
    if name.contains(' ') {
        snake(name)
    } else {
        name.to_string()
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn remove_features(p: Parsed, m: &Value) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    if p.items.is_empty() {
        return Err(Decline::new("Which feature should I remove?").suggest(examples(m)));
    }
    let only_set = match &p.target {
        Some(w) => Some(find_set(w, m, &mut d)?),
        None => None,
    };
    let all = recipe::all_features(m);
    let all_refs: Vec<&str> = all.iter().map(String::as_str).collect();
    for typed in &p.items {
        let sets = recipe::feature_sets(&d.doc);
        let in_scope: Vec<String> = sets
            .iter()
            .filter(|s| only_set.as_ref().is_none_or(|o| *o == s.name))
            .flat_map(|s| s.features.clone())
            .collect();
        // "the circular flag": the one feature those words make up.
        let wanted = match in_scope
            .iter()
            .any(|f| f == typed || snake(f) == snake(typed))
        {
            true => typed.clone(),
            false => match named_by_words(typed, &in_scope) {
                Some(named) => {
                    d.note(format!("read '{}' as {named}", typed.replace('_', " ")));
                    named
                }
                None => typed.clone(),
            },
        };
        let wanted = &wanted;
        let holders: Vec<(usize, String, String)> = sets
            .iter()
            .enumerate()
            .filter(|(_, s)| only_set.as_ref().is_none_or(|o| *o == s.name))
            .filter_map(|(i, s)| {
                s.features
                    .iter()
                    .find(|f| *f == wanted || snake(f) == snake(wanted))
                    .map(|f| (i, s.name.clone(), f.clone()))
            })
            .collect();
        if holders.is_empty() {
            let near = similar_names(wanted, &all_refs, 4);
            let place = match &only_set {
                Some(s) => format!("the {s} feature set"),
                None => "any feature set".to_string(),
            };
            let mut text = format!(
                "There is no feature '{wanted}' in {place}, so there is nothing to remove."
            );
            if !near.is_empty() {
                text.push_str(&format!("\nSimilar features: {}.", near.join(", ")));
            }
            text.push_str(&format!("\nFeature sets: {}.", set_names(m).join(", ")));
            return Err(Decline::new(text).suggest(
                near.iter()
                    .take(2)
                    .map(|n| format!("remove the feature {n}")),
            ));
        }
        for (i, set, f) in holders {
            let features = recipe::feature_sets(&d.doc)
                .get(i)
                .map(|s| s.features.clone())
                .unwrap_or_default();
            if features.len() <= 1 {
                return Err(Decline::new(format!(
                    "{f} is the only feature in the {set} feature set, and a feature set needs at least one. Remove the whole set instead."
                ))
                .suggest([format!("remove the {set} feature set")]));
            }
            let Some(pos) = features.iter().position(|x| *x == f) else {
                continue;
            };
            let (si, pi) = (i.to_string(), pos.to_string());
            d.remove(&["requirements", "feature_sets", &si, "features", &pi])?;
            d.line(format!(
                "remove feature {f} from the {set} feature set ({} left)",
                features.len() - 1
            ));
            monitoring_notes(&mut d, m, &[f]);
        }
    }
    Ok(d)
}

/// Points out monitoring that still reads removed features.
fn monitoring_notes(d: &mut Draft, m: &Value, removed: &[String]) {
    let drift = recipe::drift_columns(m);
    let watched = also_in(removed, &drift);
    if !watched.is_empty() {
        d.note(format!(
            "{} still monitored for drift (monitoring.drift.columns); say \"stop monitoring drift on {}\" to drop {}",
            is_or_are(&watched),
            watched.join(" and "),
            if watched.len() == 1 { "it" } else { "them" }
        ));
    }
}

fn add_set(p: Parsed, m: &Value) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    let Some(name) = p.items.first().map(|n| snake_unless_quoted(n)) else {
        return Err(Decline::new(
            "What should the new feature set be called, and which features go in it?",
        )
        .suggest(["add a feature set weather with temp_max and rain_mm"]));
    };
    let names = set_names(m);
    if names.iter().any(|n| snake(n) == snake(&name)) {
        return Err(Decline::new(format!(
            "There is already a feature set '{name}'. Add features to it instead."
        ))
        .suggest([format!(
            "add a feature new_feature_name to the {name} feature set"
        )]));
    }
    let mut features: Vec<String> = Vec::new();
    for f in p.items.iter().skip(1).chain(p.listed.iter()) {
        let f = snake_unless_quoted(f);
        if !features.contains(&f) {
            features.push(f);
        }
    }
    if features.is_empty() {
        return Err(Decline::new(format!(
            "A feature set needs at least one feature. Which features go in '{name}'?"
        ))
        .suggest([format!(
            "add a feature set {name} with feature_a and feature_b"
        )]));
    }
    d.push(
        &["requirements", "feature_sets"],
        json!({"name": name, "features": features}),
    )?;
    d.line(format!(
        "add feature set {name} with {} ({} feature{})",
        join_and(&features),
        features.len(),
        plural(features.len())
    ));
    let all = recipe::all_features(m);
    let dup = also_in(&features, &all);
    if !dup.is_empty() {
        d.note(format!("{} already in another feature set", join_and(&dup)));
    }
    Ok(d)
}

fn remove_sets(p: Parsed, m: &Value) -> Result<Draft, Decline> {
    let mut d = Draft::new(m);
    let mut wanted = p.items.clone();
    wanted.extend(p.target.iter().cloned());
    if wanted.is_empty() {
        return Err(Decline::new(format!(
            "Which feature set should I remove? Feature sets: {}.",
            set_names(m).join(", ")
        ))
        .suggest(examples(m)));
    }
    let mut names = Vec::new();
    for w in &wanted {
        let name = find_set(w, m, &mut d).map_err(|dec| dec.suggest(examples(m)))?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.len() >= set_names(m).len() {
        return Err(Decline::new(
            "That would remove every feature set, and a recipe needs at least one. Remove fewer sets.",
        ));
    }
    for name in &names {
        let Some(idx) = set_index(&d, name) else {
            continue;
        };
        let features = recipe::feature_sets(&d.doc)
            .get(idx)
            .map(|s| s.features.clone())
            .unwrap_or_default();
        d.remove(&["requirements", "feature_sets", &idx.to_string()])?;
        d.line(format!(
            "remove the {name} feature set and its {} feature{}: {}",
            features.len(),
            plural(features.len()),
            join_and(&features)
        ));
        monitoring_notes(&mut d, m, &features);
    }
    Ok(d)
}
