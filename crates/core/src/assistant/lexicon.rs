//! The words requests are made of: openers to skip and the verbs and nouns
//! that name an operation, shared by every intent.

use super::text::Tokens;
use crate::domain::ModelFamily;

/// Openers that carry no meaning ("please", "could you").
pub const POLITE: &[&str] = &[
    "please",
    "pls",
    "kindly",
    "hey",
    "hi",
    "hello",
    "ok",
    "okay",
    "so",
    "now",
    "then",
    "also",
    "and",
    "assistant",
    "can you",
    "could you",
    "would you",
    "will you",
    "can we",
    "could we",
    "can i",
    "could i",
    "i want to",
    "i would like to",
    "id like to",
    "i wanna",
    "i need to",
    "we need to",
    "i want you to",
    "lets",
    "let us",
    "go ahead and",
    "help me",
    "just",
    "actually",
];

/// The words around a number that takes the last request's number back:
/// "actually 0.32", "no wait, 0.35", "hmm make that 6%".
/// Words that say which kind of setting a request changes: an ellipsis
/// ("and the mae alert to 375k too") that names one its previous request
/// did not is a new request, not that one again about something else.
pub const TARGET_KINDS: &[(&str, &str)] = &[
    ("alert", "alert"),
    ("alerts", "alert"),
    ("alrt", "alert"),
    ("rule", "alert"),
    ("rules", "alert"),
    ("gate", "threshold"),
    ("gates", "threshold"),
    ("threshold", "threshold"),
    ("thresh", "threshold"),
    ("drift", "drift"),
    ("schedule", "schedule"),
    ("guardrail", "guardrail"),
    ("guardrails", "guardrail"),
];

pub const CORRECTION_WORDS: &[&str] = &[
    "actually", "no", "nope", "wait", "hmm", "hm", "oh", "oops", "sorry", "make", "that", "it",
    "i", "meant", "rather", "instead", "er", "um", "ok", "okay", "mean", "sry", "pls", "please",
    "nah",
];

pub const ADD_VERBS: &[&str] = &[
    "add",
    "include",
    "append",
    "insert",
    "put",
    "introduce",
    "attach",
    "plus",
];

pub const REMOVE_VERBS: &[&str] = &[
    "remove",
    "delete",
    "drop",
    "exclude",
    "rm",
    "del",
    "erase",
    "discard",
    "eliminate",
    "get rid of",
    "take out",
    "stop using",
    "without",
];

pub const QUESTION_WORDS: &[&str] = &[
    "what",
    "whats",
    "which",
    "why",
    "how",
    "hows",
    "when",
    "whens",
    "where",
    "who",
    "whos",
    "show",
    "list",
    "describe",
    "explain",
    "tell",
    "summarize",
    "summarise",
    "summary",
    "is",
    "are",
    "does",
    "do",
    "did",
    "has",
    "have",
    "was",
    "were",
    "give",
    "display",
    "print",
    "view",
    "see",
    "overview",
    "status",
    "whats",
    "wheres",
];

pub const CREATE_VERBS: &[&str] = &[
    "create",
    "build",
    "make",
    "start",
    "develop",
    "design",
    "need",
    "want",
    "set up",
    "setup",
    "spin up",
    "scaffold",
    "draft",
    "generate",
    "bootstrap",
    "new",
    "give me",
    "get",
    "prepare",
];

pub const MODEL_NOUNS: &[&str] = &["model", "recipe", "forecaster", "pipeline", "manifest"];

// What a request is about, as people name it: one vocabulary for the
// questions about a part of the recipe and for the edits of it (the
// routing tables in `intent` say which question or edit each names).

/// Alert rules: asked about, added or removed.
pub const ALERT_WORDS: &[&str] = &["alert", "alerting", "notify", "notification"];

/// How a piece after a comma goes on describing the alert before it ("add
/// an alert x, critical, when rmse > 5"): its severity or its condition.
pub const ALERT_CONTINUATIONS: &[&str] = &["critical", "warning", "info", "when", "whenever", "if"];

/// Asking to be told of something: an alert to add ("page me when ...");
/// in a question only a turn of phrase ("let me know what ...").
pub const TELL_ME_PHRASES: &[&str] = &["page me", "warn me", "let me know", "email me"];

/// How the model is doing: asked about only ("why is it red?").
pub const HEALTH_WORDS: &[&str] = &[
    "firing",
    "fire",
    "fired",
    "triggered",
    "trigger",
    "wrong",
    "unhealthy",
    "healthy",
    "health",
    "degraded",
    "degrading",
    "failing",
    "broken",
    "problem",
    "issue",
    "red",
];

pub const DRIFT_WORDS: &[&str] = &["drift", "drifting"];

/// Monitoring as a whole: asked about only (its parts are edited by name).
pub const MONITORING_WORDS: &[&str] = &["monitor", "monitored", "monitoring", "tracked"];

pub const FRESHNESS_WORDS: &[&str] = &[
    "fresh",
    "fresher",
    "freshness",
    "stale",
    "staleness",
    "older than",
    "max age",
    "data age",
    "hours old",
    "days old",
];

pub const VALIDATION_WORDS: &[&str] = &[
    "validation",
    "validated",
    "validate",
    "cross validation",
    "cv",
    "fold",
    "holdout",
    "hold out",
    "rolling origin",
    "time series split",
    "spatial block",
    "kfold",
    "stratified",
    "walk forward",
    "expanding window",
    "backtest",
    "backtesting",
    "horizon",
];

/// Words only a question about validation uses ("how is it split?").
pub const VALIDATION_QUESTION_WORDS: &[&str] = &["split", "cross"];

/// How a model is served, by its mode's names.
pub const DEPLOYMENT_MODE_WORDS: &[&str] = &[
    "realtime",
    "real time",
    "online",
    "on demand",
    "batch",
    "offline",
];

/// What only a real-time deployment has.
pub const ENDPOINT_WORDS: &[&str] = &["endpoint", "latency", "streaming"];

/// Deployment and its schedule in a question (an edit of the schedule is
/// found by `schedule::mentions_schedule`).
pub const DEPLOYMENT_QUESTION_WORDS: &[&str] = &[
    "deploy",
    "deployed",
    "deployment",
    "schedule",
    "scheduled",
    "run",
    "runs",
    "running",
    "serve",
    "served",
    "serving",
    "cron",
    "when",
    "often",
    "frequency",
];

/// What changed between versions: asked about only.
pub const CHANGE_WORDS: &[&str] = &[
    "changed",
    "diff",
    "difference",
    "history",
    "since",
    "version",
    "compare",
    "previous",
    "changes",
];

/// Evaluation metrics and thresholds in a question (an edit names the
/// metric itself).
pub const METRIC_WORDS: &[&str] = &[
    "metric",
    "threshold",
    "kpi",
    "measure",
    "measured",
    "evaluate",
    "evaluated",
    "evaluation",
    "primary",
    "success",
    "accuracy",
];

/// Inputs and outputs in a question.
pub const FEATURE_QUESTION_WORDS: &[&str] = &[
    "feature", "input", "column", "data", "grain", "label", "target", "predict", "predicts",
    "source", "lineage", "output", "entity", "key", "need", "needs",
];

/// The recipe as a whole in a question.
pub const OVERVIEW_WORDS: &[&str] = &[
    "recipe",
    "model",
    "this",
    "it",
    "about",
    "describe",
    "summary",
    "summarize",
    "summarise",
    "overview",
    "owner",
    "family",
    "description",
    "purpose",
    "explain",
    "manifest",
    "name",
    "called",
];

/// Verbs that ask for a value to be set: "mape under 0.2" and "set mape
/// to 0.2" change a threshold, "the mape is 0.4 today" does not.
pub const SETTING_VERBS: &[&str] = &[
    "make",
    "set",
    "change",
    "lower",
    "raise",
    "tighten",
    "loosen",
    "increase",
    "decrease",
    "update",
    "require",
    "should",
    "must",
    "target",
    "want",
    "need",
    "keep",
    "threshold",
    "put",
    "reduce",
    "relax",
    "add",
];

/// Words that take a thing away when they come before it: "disable the
/// wape alert", "don't alert on bias", "no longer page me".
pub const SWITCH_OFF_WORDS: &[&str] = &[
    "disable",
    "mute",
    "stop",
    "silence",
    "dont",
    "never",
    "do not",
    "no longer",
    "no need",
];

/// Asking for something to be watched in production: a metric (computed
/// on each snapshot) or a column (watched for drift).
pub const WATCH_WORDS: &[&str] = &[
    "monitor",
    "monitoring",
    "monitored",
    "track",
    "tracking",
    "tracked",
    "watch",
    "watching",
];

/// "... anymore": what came before is to stop, wherever it is said.
pub const NO_MORE_WORDS: &[&str] = &["anymore", "any more"];

/// Moving a number up or down ("raise the budget by 50ms").
pub const RAISE_VERBS: &[&str] = &[
    "raise", "increase", "bump", "extend", "up", "add", "higher", "lengthen", "grow",
];
pub const LOWER_VERBS: &[&str] = &[
    "lower", "reduce", "cut", "decrease", "shorten", "drop", "down", "trim", "shrink",
];
/// Words after "N times" that make it a scale ("3 times longer"), not a
/// count ("retry 3 times").
pub const SCALE_WORDS: &[&str] = &[
    "longer", "more", "bigger", "larger", "higher", "greater", "as", "the", "smaller", "shorter",
    "fewer", "less", "lower",
];
/// Beside a factor, what makes it divide ("2x smaller", "2x faster").
pub const SMALLER_WORDS: &[&str] = &["smaller", "shorter", "fewer", "less", "lower", "faster"];
/// Making a threshold stricter or looser, whichever way that is for it.
pub const TIGHTEN_VERBS: &[&str] = &["tighten", "stricter"];
pub const LOOSEN_VERBS: &[&str] = &["loosen", "relax", "widen"];

/// Shorthand people type for the words the assistant reads: said in full
/// before anything else reads the request.
pub const SHORTHAND: &[(&str, &str)] = &[
    ("feats", "features"),
    ("feat", "feature"),
    ("attrs", "attributes"),
    ("attribs", "attributes"),
    ("thresh", "threshold"),
    ("thr", "threshold"),
    // "auc gate 0.78": the bar a run must pass.
    ("gate", "threshold"),
    // One thing, not a question: "the what-if quote endpoint".
    ("what-if", "what_if"),
    // "for insurance w/ a 30 day window".
    ("w/", "with"),
];

/// Words that ask for a secret: no recipe holds one, and the chat gives none.
pub const SECRET_WORDS: &[&str] = &[
    "password",
    "passwords",
    "passwd",
    "credential",
    "credentials",
    "secret key",
    "api key",
    "access key",
    "private key",
];

/// Words that ask for something to be handed over ("give me", "what's
/// the"): with a secret word, a request for the secret.
pub const REVEAL_WORDS: &[&str] = &[
    "give", "show", "tell", "send", "share", "reveal", "print", "get", "what", "whats", "where",
    "need", "want", "fetch", "dump", "leak",
];

/// Words that ask for an outcome no setting can promise.
pub const PROMISE_WORDS: &[&str] = &["guarantee", "guaranteed", "guarantees", "guaranteeing"];

/// Words that negate what follows: "don't retry", "no early stopping".
pub const NEGATION_WORDS: &[&str] = &[
    "dont", "never", "no", "not", "stop", "disable", "off", "without", "shouldnt", "skip",
];

/// Words that start an ask of their own, where a request is split into
/// clauses ("set mape to 0.3, move the run to 5am").
pub const CLAUSE_VERBS: &[&str] = &[
    "add", "set", "make", "change", "raise", "lower", "increase", "decrease", "bump", "cut",
    "drop", "remove", "delete", "stop", "start", "dont", "don't", "do", "never", "no", "turn",
    "switch", "enable", "disable", "move", "push", "run", "retrain", "schedule", "alert", "notify",
    "page", "monitor", "watch", "track", "keep", "give", "cap", "limit", "require", "use",
    "rename", "tag", "double", "halve", "triple", "tighten", "loosen", "relax", "extend",
    "shorten", "bring", "take", "put", "have", "get", "compare", "include", "exclude", "mark",
    "max", "min", "allow", "let",
];

/// Openers a clause may start with that say nothing about it.
pub const CLAUSE_OPENERS: &[&str] = &[
    "and", "also", "then", "but", "plus", "please", "pls", "ok", "so",
];

/// A question about the kinds of recipe there are ("what kinds of recipes
/// can i make?"), not about one.
pub const CATALOGUE_WORDS: &[&str] = &[
    "kinds",
    "kind of",
    "types",
    "type of",
    "families",
    "sorts",
    "options",
    "available",
];

/// A question setting things side by side ("pricing vs forecasting").
pub const CONTRAST_WORDS: &[&str] = &[
    "difference",
    "differences",
    "differ",
    "compare",
    "comparison",
    "vs",
    "versus",
    "between",
];

/// A request that starts with one of these asks for a change, not an
/// answer, even with a question mark.
pub const IMPERATIVE_VERBS: &[&str] = &[
    "set", "change", "use", "switch", "enable", "disable", "monitor", "alert", "create", "build",
    "make", "new", "setup", "develop", "design", "start", "run", "schedule", "turn", "increase",
    "decrease", "lower", "raise", "update", "track", "notify",
];

/// Openers asking to be told of something: an alert, not a question.
pub const TELL_ME_OPENERS: &[&str] = &["tell me when", "let me know"];

/// Openers that negate the whole request ("don't make it realtime"):
/// only drift and alerts take a change said that way.
pub const NEGATED_OPENERS: &[&str] = &["dont", "never", "do not"];

/// What asks for help rather than a change, the whole request.
pub const HELP_PHRASES: &[&str] = &[
    "help",
    "help me",
    "what can you do",
    "what can i do",
    "what can i ask",
    "what can i say",
    "what do you do",
    "how does this work",
    "how do i use this",
    "how do you work",
    "commands",
    "usage",
    "examples",
];

/// Verbs that, on the whole recipe, would wipe it: never proposed.
pub const WIPE_VERBS: &[&str] = &[
    "delete", "remove", "drop", "clear", "wipe", "erase", "reset", "purge", "nuke", "destroy",
    "empty", "trash", "scrap",
];

/// Words that point at a family, with a weight: the family's own name counts
/// three, a domain word one.
pub const FAMILY_WORDS: &[(&str, ModelFamily, u32)] = &[
    ("next best action", ModelFamily::NextBestAction, 3),
    ("next best offer", ModelFamily::NextBestAction, 3),
    ("nba", ModelFamily::NextBestAction, 3),
    ("propensity", ModelFamily::NextBestAction, 3),
    ("recommendation", ModelFamily::NextBestAction, 3),
    ("recommender", ModelFamily::NextBestAction, 3),
    ("personalization", ModelFamily::NextBestAction, 3),
    ("personalisation", ModelFamily::NextBestAction, 3),
    ("cross sell", ModelFamily::NextBestAction, 3),
    ("upsell", ModelFamily::NextBestAction, 3),
    ("offer", ModelFamily::NextBestAction, 1),
    ("customer", ModelFamily::NextBestAction, 1),
    ("campaign", ModelFamily::NextBestAction, 1),
    ("marketing", ModelFamily::NextBestAction, 1),
    ("churn", ModelFamily::NextBestAction, 1),
    ("retention", ModelFamily::NextBestAction, 1),
    ("location scoring", ModelFamily::LocationScoring, 3),
    ("location", ModelFamily::LocationScoring, 3),
    ("site selection", ModelFamily::LocationScoring, 3),
    ("site scoring", ModelFamily::LocationScoring, 3),
    ("site", ModelFamily::LocationScoring, 3),
    ("real estate", ModelFamily::LocationScoring, 3),
    ("trade area", ModelFamily::LocationScoring, 3),
    ("geospatial", ModelFamily::LocationScoring, 3),
    ("white space", ModelFamily::LocationScoring, 3),
    ("expansion", ModelFamily::LocationScoring, 1),
    ("branch", ModelFamily::LocationScoring, 1),
    ("store", ModelFamily::LocationScoring, 1),
    ("pricing", ModelFamily::Pricing, 3),
    ("price optimization", ModelFamily::Pricing, 3),
    ("price optimisation", ModelFamily::Pricing, 3),
    ("price elasticity", ModelFamily::Pricing, 3),
    ("elasticity", ModelFamily::Pricing, 3),
    ("markdown", ModelFamily::Pricing, 3),
    ("price", ModelFamily::Pricing, 1),
    ("margin", ModelFamily::Pricing, 1),
    ("discount", ModelFamily::Pricing, 1),
    ("forecasting", ModelFamily::Forecasting, 3),
    ("forecast", ModelFamily::Forecasting, 3),
    ("forecaster", ModelFamily::Forecasting, 3),
    ("time series", ModelFamily::Forecasting, 3),
    ("demand planning", ModelFamily::Forecasting, 3),
    // What people say they want to predict, without naming a family.
    ("unit sales", ModelFamily::Forecasting, 3),
    ("weekly sales", ModelFamily::Forecasting, 3),
    ("how many units", ModelFamily::Forecasting, 3),
    ("units sold", ModelFamily::Forecasting, 3),
    ("sell", ModelFamily::Forecasting, 1),
    ("how much to charge", ModelFamily::Pricing, 3),
    ("what to charge", ModelFamily::Pricing, 3),
    ("set prices", ModelFamily::Pricing, 3),
    ("which offer", ModelFamily::NextBestAction, 3),
    ("what to offer", ModelFamily::NextBestAction, 3),
    ("likely to respond", ModelFamily::NextBestAction, 3),
    ("likely to buy", ModelFamily::NextBestAction, 3),
    ("where to open", ModelFamily::LocationScoring, 3),
    ("new stores", ModelFamily::LocationScoring, 2),
    ("candidate sites", ModelFamily::LocationScoring, 3),
    ("demand", ModelFamily::Forecasting, 1),
    ("sale", ModelFamily::Forecasting, 1),
    ("volume", ModelFamily::Forecasting, 1),
    ("replenishment", ModelFamily::Forecasting, 1),
    ("inventory", ModelFamily::Forecasting, 1),
];

/// The index of the first word after polite openers.
pub fn start(t: &Tokens) -> usize {
    let mut i = 0;
    loop {
        while i < t.len() && t.toks[i].punct {
            i += 1;
        }
        let hit = POLITE
            .iter()
            .filter(|p| t.find_phrase(p, i) == Some(i))
            .map(|p| p.split(' ').count())
            .max();
        match hit {
            Some(n) => i += n,
            None => return i,
        }
    }
}

/// Is one of `verbs` the word at `i`?
pub fn verb_at(t: &Tokens, i: usize, verbs: &[&str]) -> Option<usize> {
    verbs
        .iter()
        .filter(|v| t.find_phrase(v, i) == Some(i))
        .map(|v| v.split(' ').count())
        .max()
}

/// Words that end an industry named after "industry" ("industry fuel
/// retail for client X", "industry grocery weekly at 6am"), as do
/// punctuation and its third word.
pub const INDUSTRY_NAME_ENDS: &[&str] = &[
    "for", "with", "and", "at", "on", "to", "in", "by", "of", "using", "weekly", "daily",
    "monthly", "nightly", "hourly", "every", "client", "owner", "grain", "horizon", "target",
    "label", "called", "named", "recipe", "model", "standard",
];
/// How many words an industry's name takes at most.
pub const INDUSTRY_NAME_WORDS: usize = 3;

/// Words after which the rest of the clause is a name the user gives.
pub const NAMING_WORDS: &[&str] = &["called", "named", "titled"];
/// Words in a name said in words that name no part of it ("the circular
/// flag" is `is_in_circular`).
pub const NAME_FILLER_WORDS: &[&str] = &[
    "the",
    "a",
    "an",
    "of",
    "in",
    "is",
    "flag",
    "indicator",
    "feature",
    "col",
    "column",
    "within",
];

/// What comes before a new recipe's name: "called X", "call it X".
pub const NAME_CUES: &[&str] = &["called", "named", "titled", "name it", "call it", "name"];
/// Words after "client" that end the client's name ("for client Acme as ...").
pub const CLIENT_NAME_ENDS: &[&str] = &[
    "as", "with", "using", "called", "named", "for", "at", "in", "on", "that", "which", "and",
    "to", "from", "by",
];

/// Words that say a request is about the validation ("the validation
/// horizon", "backtest horizon"), not a pipeline's setting of the same name.
pub const NAMES_THE_VALIDATION: &[&str] = &[
    "validation",
    "validate",
    "backtest",
    "backtesting",
    "cv",
    "evaluation",
    "eval",
];

/// Words right before the value being replaced ("8% not 10", "50 km
/// instead of 25"): no setting takes it.
pub const REPLACED_VALUE_CUES: &[&str] = &[
    "not",
    "was",
    "instead of",
    "insted of",
    "rather than",
    "previously",
];

/// Words that only lead to a metadata value ("owner is now x", "industry
/// to y"): not the value.
pub const OWNER_LEAD_INS: &[&str] = &[
    "now", "->", "=>", "to", "=", "is", "becomes", "should", "be",
];

/// Words between a new value and what it is for: "use psi for drift".
pub const JOINING_WORDS: &[&str] = &[
    "for", "with", "the", "a", "an", "use", "to", "on", "as", "in", "of",
];

/// Words between a cue and its value: "target = clicked", "timestamp col x".
pub const COLUMN_FILLER: &[&str] = &["=", "is", "col", "column", "of", "as", "the", "a", "at"];

/// Words that are never a column's name, whatever follows a cue.
pub const NOT_A_COLUMN: &[&str] = &[
    "and", "with", "for", "per", "by", "to", "in", "on", "metric", "variable", "value", "recipe",
    "model", "horizon", "grain", "history", "days", "weeks", "window",
];

/// What a new recipe's label, keys and timestamp column follow: "target
/// units_sold", "entity keys a and b", "timestamp col sale_date".
pub const LABEL_CUES: &[&str] = &["target column", "target", "label column", "label"];
/// Verbs a new recipe's label may follow: "predict annual_sales".
pub const PREDICT_CUES: &[&str] = &[
    "predict",
    "predicts",
    "predicting",
    "forecast",
    "forecasting",
];

pub const ENTITY_CUES: &[&str] = &[
    "entity keys",
    "entity key",
    "entity",
    "entities",
    "keyed by",
    "one score per",
    "one row per",
    "one prediction per",
];

pub const TIMESTAMP_CUES: &[&str] = &["timestamp", "time column", "date column"];
