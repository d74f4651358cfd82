//! Deciding what a request is: a question, a new recipe, an edit of the
//! current one, something to refuse, or not understood. Also detects the
//! model family a request talks about.

use super::draft::Decline;
use super::lexicon::{
    ADD_VERBS, ALERT_WORDS, CHANGE_WORDS, CREATE_VERBS, DEPLOYMENT_MODE_WORDS,
    DEPLOYMENT_QUESTION_WORDS, DRIFT_WORDS, ENDPOINT_WORDS, FAMILY_WORDS, FEATURE_QUESTION_WORDS,
    FRESHNESS_WORDS, HEALTH_WORDS, HELP_PHRASES, IMPERATIVE_VERBS, METRIC_WORDS, MODEL_NOUNS,
    MONITORING_WORDS, NEGATED_OPENERS, OVERVIEW_WORDS, QUESTION_WORDS, REMOVE_VERBS, SETTING_VERBS,
    SWITCH_OFF_WORDS, TELL_ME_OPENERS, TELL_ME_PHRASES, VALIDATION_QUESTION_WORDS,
    VALIDATION_WORDS, WIPE_VERBS, start, verb_at,
};
use super::text::{FILLER, Tokens, resolve_name, snake};
use super::{Context, Intent, recipe, schedule, suggest};
use crate::domain::ModelFamily;

/// The question a request asks, by the first topic it names, in this
/// order (what changed, alerting and health, monitoring, validation,
/// metrics, inputs, deployment, the recipe as a whole).
const QUESTION_TOPICS: &[(Intent, &[&[&str]])] = &[
    (Intent::AskChanges, &[CHANGE_WORDS]),
    (Intent::AskAlerting, &[ALERT_WORDS, HEALTH_WORDS]),
    (
        Intent::AskMonitoring,
        &[DRIFT_WORDS, MONITORING_WORDS, FRESHNESS_WORDS],
    ),
    (
        Intent::AskValidation,
        &[VALIDATION_WORDS, VALIDATION_QUESTION_WORDS],
    ),
    (Intent::AskMetrics, &[METRIC_WORDS]),
    (Intent::AskFeatures, &[FEATURE_QUESTION_WORDS]),
    (
        Intent::AskDeployment,
        &[
            DEPLOYMENT_MODE_WORDS,
            ENDPOINT_WORDS,
            DEPLOYMENT_QUESTION_WORDS,
        ],
    ),
    (Intent::AskOverview, &[OVERVIEW_WORDS]),
];

/// The edit of a topic named by its words, in this order, once alerts,
/// drift and features have been ruled out.
const EDIT_TOPICS: &[(Intent, &[&[&str]])] = &[
    (Intent::SetFreshness, &[FRESHNESS_WORDS]),
    (Intent::SetValidation, &[VALIDATION_WORDS]),
    (
        Intent::SetDeploymentMode,
        &[DEPLOYMENT_MODE_WORDS, ENDPOINT_WORDS],
    ),
];

/// Where a request goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Help,
    Ask(Intent),
    Create,
    Edit(Intent),
    Decline(Decline),
    Unknown,
}

/// "guarantee a 20% margin", "make auc 1.0 guaranteed": an outcome, not a
/// setting; saving a threshold would only look like doing it.
pub fn promised_outcome(t: &Tokens, ctx: &Context) -> Option<Decline> {
    t.has_any(super::lexicon::PROMISE_WORDS).then(|| {
        Decline::new("No recipe setting can guarantee a result. I can set the thresholds a model must meet to pass evaluation, or the alerts that say when it stops meeting them.")
            .suggest(suggest::starters(ctx))
    })
}

/// "give me the admin password": a secret, which no recipe holds and the
/// chat never gives ("drift on credential stuffing score" asks for none).
pub fn asks_for_a_secret(t: &Tokens) -> Option<Decline> {
    let asked = t.has_any(super::lexicon::REVEAL_WORDS) && t.has_any(super::lexicon::SECRET_WORDS);
    asked.then(|| {
        Decline::new("I can't help with passwords, keys or other credentials: a recipe holds none, and the chat gives none out.")
    })
}

pub fn classify(t: &Tokens, ctx: &Context) -> Route {
    if is_help(t) {
        return Route::Help;
    }
    if t.word_count() == 0 {
        return Route::Unknown;
    }
    let s = start(t);
    if s >= t.len() {
        return Route::Unknown;
    }
    if let Some(d) = destructive(t, s, ctx) {
        return Route::Decline(d);
    }

    // "don't make it realtime": a change is only made when asked for
    // positively (drift and alerts understand "do not monitor"/"stop").
    let negated = verb_at(t, s, NEGATED_OPENERS).is_some();
    if negated && !t.has_any(DRIFT_WORDS) && !t.has_any(ALERT_WORDS) {
        return Route::Decline(
            Decline::new("I only make changes that are asked for directly, so nothing changes. Say what the recipe should do instead.")
                .suggest(suggest::starters(ctx)),
        );
    }
    // A creation cue wins even in question form ("how do I build a pricing model?").
    if create_cue(t, s, ctx.manifest.is_some()) {
        return Route::Create;
    }
    if is_question(t, s) {
        return match ask_topic(t, ctx) {
            Some(i) => Route::Ask(i),
            None => Route::Unknown,
        };
    }
    if let Some(i) = edit_kind(t, s, ctx) {
        return Route::Edit(i);
    }
    // With a recipe open, naming a family is no ask for a new recipe
    // ("forecast next week's units", "promote forecast-model-v3"): that
    // takes a creation cue ("new", "create", ...), read above.
    if ctx.manifest.is_none() && family_only(t) {
        return Route::Create;
    }
    if let Some(r) = remove_by_name(t, s, ctx) {
        return r;
    }
    Route::Unknown
}

fn is_help(t: &Tokens) -> bool {
    let words: Vec<&str> = t
        .toks
        .iter()
        .filter(|x| !x.punct)
        .map(|x| x.text.as_str())
        .collect();
    let joined = words.join(" ");
    let trimmed = joined
        .trim_start_matches("please ")
        .trim_end_matches(" please");
    HELP_PHRASES.contains(&trimmed) || (t.word_count() == 0 && t.asks)
}

/// "delete everything", "wipe the manifest", "remove all": never proposed.
pub fn destructive(t: &Tokens, s: usize, ctx: &Context) -> Option<Decline> {
    let verb = (s..t.len()).find(|&i| verb_at(t, i, WIPE_VERBS).is_some())?;
    let rest: Vec<&str> = (verb + 1..t.len())
        .filter(|&i| !t.toks[i].punct && !t.toks[i].quoted)
        .map(|i| t.word(i))
        .filter(|w| {
            !matches!(
                *w,
                "the"
                    | "this"
                    | "that"
                    | "my"
                    | "our"
                    | "current"
                    | "whole"
                    | "entire"
                    | "please"
                    | "of"
                    | "it"
            )
        })
        .collect();
    let wipes_all = (verb + 1..t.len()).any(|i| {
        !t.toks[i].quoted
            && matches!(
                t.word(i),
                "everything" | "all" | "entire" | "whole" | "anything"
            )
    });
    // "delete 'x'" names something: it is looked up, not refused wholesale.
    let names_something = (verb + 1..t.len()).any(|i| t.toks[i].quoted);
    let whole_thing = !names_something
        && matches!(
            rest.as_slice(),
            [] | ["recipe"]
                | ["manifest"]
                | ["model"]
                | ["it", ..]
                | ["recipes"]
                | ["models"]
                | ["database"]
                | ["db"]
                | ["data"]
        )
        && t.word_count() <= 6;
    if !(wipes_all || whole_thing) {
        return None;
    }
    let mut d = Decline::new(
        "I won't do that: I only propose targeted, reviewable changes to one recipe, never wholesale deletions. Deleting or archiving a recipe is done from the recipe itself, not from chat.",
    );
    if ctx.manifest.is_some() {
        d = d.suggest(suggest::remove_examples(ctx));
    }
    Some(d)
}

/// Is the request a question (by its first word or its question mark)?
pub fn asks_something(t: &Tokens) -> bool {
    is_question(t, start(t))
}

fn is_question(t: &Tokens, s: usize) -> bool {
    let first = t.word(s);
    if verb_at(t, s, ADD_VERBS).is_some()
        || verb_at(t, s, REMOVE_VERBS).is_some()
        || IMPERATIVE_VERBS.contains(&first)
    {
        return false;
    }
    // "tell me when mape ..." asks for an alert, not an answer.
    if verb_at(t, s, TELL_ME_OPENERS).is_some() {
        return false;
    }
    QUESTION_WORDS.contains(&first) || t.asks
}

/// Which question is asked, from its topic words.
pub fn ask_topic(t: &Tokens, ctx: &Context) -> Option<Intent> {
    // A question naming a metric of this recipe is about metrics, after
    // the topics before metrics in the table.
    let names_metric = || !recipe::metric_mentions(t, ctx.manifest).is_empty();
    QUESTION_TOPICS.iter().find_map(|(intent, vocabularies)| {
        let named = vocabularies.iter().any(|words| t.has_any(words))
            || (*intent == Intent::AskMetrics && names_metric());
        named.then_some(*intent)
    })
}

/// "create a forecasting model", "I need a pricing recipe", "new NBA recipe",
/// "forecast weekly demand for our stores".
fn create_cue(t: &Tokens, s: usize, recipe_open: bool) -> bool {
    for i in 0..t.len() {
        let Some(n) = verb_at(t, i, CREATE_VERBS) else {
            continue;
        };
        let is_new = t.word(i) == "new";
        // "does this new recipe alert?" is a question, not a request.
        if is_new && QUESTION_WORDS.contains(&t.word(s)) {
            continue;
        }
        // "drop the yearly lag, new stores have no year of sales": with a
        // recipe open, "new" opening a later clause gives a reason.
        let names_a_model =
            MODEL_NOUNS.contains(&t.toks.get(i + n).map_or("", |x| x.stem.as_str()));
        if is_new && recipe_open && i > s && t.toks[i - 1].punct && !names_a_model {
            continue;
        }
        let mut j = i + n;
        let mut article = is_new;
        // Up to six words on, before the clause ends, a model noun or a family name.
        while j < t.len() && j < i + n + 7 && !t.toks[j].punct {
            let w = t.word(j);
            if matches!(w, "a" | "an" | "new" | "another" | "me" | "us" | "one") {
                article = true;
            } else if article
                && (MODEL_NOUNS.contains(&t.toks[j].stem.as_str())
                    || family_phrase_at(t, j).is_some())
            {
                return true;
            } else if matches!(
                w,
                "feature"
                    | "features"
                    | "alert"
                    | "alerts"
                    | "metric"
                    | "set"
                    | "rule"
                    | "to"
                    | "it"
                    | "the"
                    | "this"
            ) {
                break;
            }
            j += 1;
        }
    }
    // "forecast weekly demand", "predict hotel prices": a modelling verb
    // first, and a family it points at.
    const MODELLING: &[&str] = &[
        "forecast",
        "predict",
        "optimize",
        "optimise",
        "score",
        "rank",
        "recommend",
        "estimate",
    ];
    // With a recipe open, it must name a model too: "forecast next week's
    // units for store 12" asks for a forecast, which no recipe change makes.
    let names_a_model = || (0..t.len()).any(|i| MODEL_NOUNS.contains(&t.toks[i].stem.as_str()));
    MODELLING.contains(&t.word(s))
        && matches!(detect_family(t), FamilyGuess::One(_))
        && (!recipe_open || names_a_model())
}

/// A request that is only a family and maybe a noun: "pricing recipe for hotels".
fn family_only(t: &Tokens) -> bool {
    let FamilyGuess::One(_) = detect_family(t) else {
        return false;
    };
    let strong = (0..t.len()).any(|i| family_phrase_at(t, i).is_some_and(|(_, w, _)| w >= 3));
    let noun = (0..t.len()).any(|i| MODEL_NOUNS.contains(&t.toks[i].stem.as_str()));
    // "elasticity price delta 2%": a value for a setting, not a new recipe.
    let gives_a_value = !super::numbers::numbers_in(t, 0, t.len()).is_empty();
    strong && (noun || (t.word_count() <= 4 && !gives_a_value))
}

/// The edit a request asks for, by its topic words.
fn edit_kind(t: &Tokens, s: usize, ctx: &Context) -> Option<Intent> {
    // A removal verb counts only before the topic word: "alert me when auc
    // drops below 0.7" adds an alert.
    let removing_before = |topic: usize| {
        (s..topic).any(|i| {
            verb_at(t, i, REMOVE_VERBS).is_some() || verb_at(t, i, SWITCH_OFF_WORDS).is_some()
        })
    };
    let alert_at = [ALERT_WORDS, TELL_ME_PHRASES]
        .iter()
        .filter_map(|words| t.find_any(words, 0))
        .map(|(i, _)| i)
        .min()
        .or_else(|| (t.find_phrase("tell me when", s) == Some(s)).then_some(s));
    if let Some(at) = alert_at {
        return Some(if removing_before(at) {
            Intent::RemoveAlert
        } else {
            Intent::AddAlert
        });
    }
    if t.has_any(DRIFT_WORDS) || names_drift_test(t) {
        return Some(Intent::ConfigureDrift);
    }
    if let Some(i) = super::features::kind(t, s, ctx.manifest) {
        return Some(i);
    }
    if let Some((intent, _)) = EDIT_TOPICS
        .iter()
        .find(|(_, vocabularies)| vocabularies.iter().any(|words| t.has_any(words)))
    {
        return Some(*intent);
    }
    if schedule::mentions_schedule(t, s, t.len()) || t.has("run") || t.has("runs") {
        return Some(Intent::SetSchedule);
    }
    let metrics = recipe::metric_mentions(t, ctx.manifest);
    let has_number = !super::numbers::numbers_in(t, 0, t.len()).is_empty();
    // "mape under 0.2" or "set mape to 0.2" asks for a threshold; "the mape
    // is 0.4 today" only reports a value and must not become a change.
    let asks = super::numbers::comparison_in(t, 0, t.len()).is_some()
        || t.word_count() <= 3
        || t.has_any(SETTING_VERBS);
    if (!metrics.is_empty() || t.has("threshold")) && has_number && asks {
        return Some(Intent::SetMetricThreshold);
    }
    None
}

/// A drift test named ("ks threshold 0.12", "switch to psi"): drift is
/// what nexml measures with them. The z test is left out: "z score" also
/// names a transformation of a feature.
fn names_drift_test(t: &Tokens) -> bool {
    use crate::drift::StatTest;
    StatTest::SPOKEN
        .iter()
        .any(|(words, test)| *test != StatTest::Z && t.has(words))
}

/// "remove holiday_flag", "delete 'nonexistent'": find what the name is.
fn remove_by_name(t: &Tokens, s: usize, ctx: &Context) -> Option<Route> {
    let n = verb_at(t, s, REMOVE_VERBS)?;
    let m = ctx.manifest?;
    let names: Vec<&super::text::Token> = t.toks[s + n..]
        .iter()
        .filter(|x| !x.punct && (x.quoted || !FILLER.contains(&x.text.as_str())))
        .collect();
    let first = names.first()?;
    // "drop is_holiday_week and weeks_to_next_holiday": features it has,
    // named one by one, not one name of all the words.
    let features = recipe::all_features(m);
    if !first.quoted && !super::names::mentioned(&t.raw, &features).is_empty() {
        return Some(Route::Edit(Intent::RemoveFeature));
    }
    let wanted = if first.quoted {
        first.orig.clone()
    } else {
        names
            .iter()
            .map(|x| x.text.as_str())
            .collect::<Vec<_>>()
            .join("_")
    };
    let sets: Vec<String> = recipe::feature_sets(m)
        .into_iter()
        .map(|f| f.name)
        .collect();
    let set_refs: Vec<&str> = sets.iter().map(String::as_str).collect();
    let alerts = recipe::alert_names(m);
    if features
        .iter()
        .any(|f| *f == wanted || snake(f) == snake(&wanted))
    {
        return Some(Route::Edit(Intent::RemoveFeature));
    }
    if resolve_name(&wanted, &set_refs).is_some_and(|(_, loose)| !loose) {
        return Some(Route::Edit(Intent::RemoveFeatureSet));
    }
    if alerts
        .iter()
        .any(|a| *a == wanted || snake(a) == snake(&wanted))
    {
        return Some(Route::Edit(Intent::RemoveAlert));
    }
    let feature_refs: Vec<&str> = features.iter().map(String::as_str).collect();
    let near: Vec<String> = super::text::similar_names(&wanted, &feature_refs, 3)
        .into_iter()
        .map(|f| format!("remove the feature {f}"))
        .collect();
    Some(Route::Decline(
        Decline::new(format!(
            "There is nothing called '{wanted}' in this recipe, so there is nothing to remove.\nFeature sets: {}.\nAlert rules: {}.",
            sets.join(", "),
            if alerts.is_empty() { "none".to_string() } else { alerts.join(", ") }
        ))
        .suggest(if near.is_empty() { suggest::remove_examples(ctx) } else { near }),
    ))
}

/// What a request says about the model family.
#[derive(Debug, Clone, PartialEq)]
pub enum FamilyGuess {
    None,
    One(ModelFamily),
    /// Two or more families are named equally strongly.
    Ambiguous(Vec<ModelFamily>),
}

/// The family phrase starting at token `i`: (family, weight, words).
pub fn family_phrase_at(t: &Tokens, i: usize) -> Option<(ModelFamily, u32, usize)> {
    if t.toks.get(i).is_none_or(|x| x.quoted) {
        return None;
    }
    FAMILY_WORDS
        .iter()
        .filter(|(p, _, _)| t.find_phrase(p, i) == Some(i))
        .max_by_key(|(p, _, w)| (p.split(' ').count(), *w))
        .map(|&(p, f, w)| (f, w, p.split(' ').count()))
}

/// The families a request names outright ("pricing", "forecasting"),
/// not only hints at ("price", "demand"), in the order of `ModelFamily::ALL`.
pub fn families_named(t: &Tokens) -> Vec<ModelFamily> {
    let named: Vec<ModelFamily> = (0..t.len())
        .filter_map(|i| family_phrase_at(t, i))
        .filter(|(_, weight, _)| *weight >= 3)
        .map(|(f, _, _)| f)
        .collect();
    ModelFamily::ALL
        .iter()
        .copied()
        .filter(|f| named.contains(f))
        .collect()
}

/// Adds up the family words of a request.
pub fn detect_family(t: &Tokens) -> FamilyGuess {
    // A family's identifier ("next_best_action") decides; plain words are weighed below.
    for tok in &t.toks {
        if tok.text.contains('_')
            && let Ok(f) = tok.text.parse::<ModelFamily>()
        {
            return FamilyGuess::One(f);
        }
    }
    let mut score = [0u32; 4];
    let mut i = 0;
    while i < t.len() {
        match family_phrase_at(t, i) {
            Some((f, w, n)) => {
                if let Some(k) = ModelFamily::ALL.iter().position(|x| *x == f) {
                    score[k] += w;
                }
                i += n;
            }
            None => i += 1,
        }
    }
    let best = score.iter().copied().max().unwrap_or(0);
    if best == 0 {
        return FamilyGuess::None;
    }
    let top: Vec<ModelFamily> = ModelFamily::ALL
        .iter()
        .zip(score)
        .filter(|(_, s)| *s == best)
        .map(|(f, _)| *f)
        .collect();
    match top.as_slice() {
        [one] => FamilyGuess::One(*one),
        _ => FamilyGuess::Ambiguous(top),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fam(s: &str) -> FamilyGuess {
        detect_family(&Tokens::new(s))
    }

    #[test]
    fn families_are_detected_from_names_and_domain_words() {
        use ModelFamily::*;
        assert_eq!(
            fam("create a forecasting model for weekly retail sales"),
            FamilyGuess::One(Forecasting)
        );
        assert_eq!(
            fam("I need a pricing recipe for hotels"),
            FamilyGuess::One(Pricing)
        );
        assert_eq!(
            fam("a next-best-action model for bank offers"),
            FamilyGuess::One(NextBestAction)
        );
        assert_eq!(
            fam("score candidate sites for new stores"),
            FamilyGuess::One(LocationScoring)
        );
        assert_eq!(
            fam("model for next_best_action"),
            FamilyGuess::One(NextBestAction)
        );
        assert_eq!(fam("build something"), FamilyGuess::None);
        assert!(matches!(
            fam("a pricing forecast"),
            FamilyGuess::Ambiguous(_)
        ));
    }

    #[test]
    fn polite_openers_are_skipped() {
        let t = Tokens::new("Could you please, go ahead and add x");
        assert_eq!(t.word(start(&t)), "add");
    }
}
