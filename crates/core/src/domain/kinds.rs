//! The enumerated values of the data model, each stored as its lowercase name.

use std::fmt;
use std::str::FromStr;

/// A value that is not one of an enumeration's names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} '{value}' (expected one of: {expected})")]
pub struct UnknownKind {
    pub kind: &'static str,
    pub value: String,
    pub expected: String,
}

/// Declares an enum stored as text, with `ALL`, `as_str`, `Display`, `FromStr`,
/// `TryFrom<String>` (for row decoding) and serde as the same names.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $label:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stored names, in the order of `ALL`.
            pub const NAMES: &'static [&'static str] = &[$($text),+];
            pub const LABEL: &'static str = $label;

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value whose stored name is exactly `s` (no trimming or case folding).
            pub fn named(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownKind;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == wanted)
                    .ok_or_else(|| UnknownKind { kind: $label, value: s.to_string(), expected: Self::names() })
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownKind;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
    };
}

text_enum!(
    /// The four model families nexml has baselines for.
    ModelFamily, "model family", {
        Forecasting => "forecasting",
        Pricing => "pricing",
        NextBestAction => "next_best_action",
        LocationScoring => "location_scoring",
    }
);

text_enum!(
    /// Where a recipe sits in the inheritance chain baseline -> industry -> client.
    RecipeLevel, "recipe level", {
        Baseline => "baseline",
        Industry => "industry",
        Client => "client",
    }
);

text_enum!(RecipeStatus, "recipe status", {
    Draft => "draft",
    Approved => "approved",
    Archived => "archived",
});

text_enum!(ModelStatus, "model status", {
    Draft => "draft",
    Staging => "staging",
    Production => "production",
    Retired => "retired",
});

text_enum!(RunStatus, "run status", {
    Queued => "queued",
    Running => "running",
    Succeeded => "succeeded",
    Failed => "failed",
    Cancelled => "cancelled",
});

text_enum!(RunType, "run type", {
    Train => "train",
    Eval => "eval",
    Backtest => "backtest",
});

text_enum!(
    /// How a version number moves from its predecessor.
    Bump, "bump", {
        Initial => "initial",
        Patch => "patch",
        Minor => "minor",
        Major => "major",
    }
);

text_enum!(
    /// Where an alert stands: open -> acknowledged -> resolved (open -> resolved too).
    AlertState, "alert state", {
        Open => "open",
        Acknowledged => "acknowledged",
        Resolved => "resolved",
    }
);

text_enum!(
    /// What a monitoring rule watches.
    AlertSource, "alert source", {
        Metric => "metric",
        Drift => "drift",
        Freshness => "freshness",
    }
);

text_enum!(
    /// How bad a broken rule is.
    Severity, "severity", {
        Info => "info",
        Warning => "warning",
        Critical => "critical",
    }
);

text_enum!(
    /// How a rule compares the measured value with its threshold.
    Comparison, "comparison", {
        Above => ">",
        AtLeast => ">=",
        Below => "<",
        AtMost => "<=",
    }
);

text_enum!(
    /// Who wrote a chat message.
    ChatRole, "chat role", {
        User => "user",
        Assistant => "assistant",
    }
);

text_enum!(
    /// What became of a chat message's proposal (none: it carries none).
    ChatStatus, "chat status", {
        None => "none",
        Proposed => "proposed",
        Applied => "applied",
        Rejected => "rejected",
        Superseded => "superseded",
    }
);

impl ModelStatus {
    /// The stage of MLflow's registry a model's registered versions show
    /// (`current_stage`): MLflow's four stages are nexml's four statuses.
    pub fn mlflow_stage(self) -> &'static str {
        match self {
            ModelStatus::Draft => "None",
            ModelStatus::Staging => "Staging",
            ModelStatus::Production => "Production",
            ModelStatus::Retired => "Archived",
        }
    }
}

impl RunStatus {
    /// The status as MLflow's client spells it (`RunStatus` in its API).
    pub fn mlflow_name(self) -> &'static str {
        match self {
            RunStatus::Queued => "SCHEDULED",
            RunStatus::Running => "RUNNING",
            RunStatus::Succeeded => "FINISHED",
            RunStatus::Failed => "FAILED",
            RunStatus::Cancelled => "KILLED",
        }
    }

    /// The status an MLflow client sent, spelled exactly as MLflow does.
    pub fn from_mlflow(name: &str) -> Option<RunStatus> {
        RunStatus::ALL
            .iter()
            .copied()
            .find(|s| s.mlflow_name() == name)
    }

    /// Other words the filter language takes for a status: MLflow's names
    /// (any case) and the American spelling.
    const ALIASES: &'static [(&'static str, RunStatus)] = &[("canceled", RunStatus::Cancelled)];

    /// A status as written in a filter: nexml's name, MLflow's or an
    /// alias, in any case.
    pub fn from_filter_word(word: &str) -> Option<RunStatus> {
        let lower = word.to_ascii_lowercase();
        RunStatus::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == lower || s.mlflow_name().eq_ignore_ascii_case(&lower))
            .or_else(|| {
                RunStatus::ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == lower)
                    .map(|&(_, s)| s)
            })
    }

    /// Whether a run in this status has ended.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunStatus::Succeeded | RunStatus::Failed | RunStatus::Cancelled
        )
    }
}

impl RunType {
    /// Run types that score a model without training one.
    pub const SCORING: [RunType; 2] = [RunType::Eval, RunType::Backtest];

    /// A run type as written in a filter, in any case.
    pub fn from_filter_word(word: &str) -> Option<RunType> {
        let lower = word.to_ascii_lowercase();
        RunType::named(&lower)
    }
}

impl Comparison {
    /// Whether `value` breaks a rule "value <self> threshold".
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Above => value > threshold,
            Comparison::AtLeast => value >= threshold,
            Comparison::Below => value < threshold,
            Comparison::AtMost => value <= threshold,
        }
    }
}

impl RecipeLevel {
    /// The level a recipe's parent must have; `None` for a baseline.
    pub fn parent_level(self) -> Option<RecipeLevel> {
        match self {
            RecipeLevel::Baseline => None,
            RecipeLevel::Industry => Some(RecipeLevel::Baseline),
            RecipeLevel::Client => Some(RecipeLevel::Industry),
        }
    }

    /// A parent's tags for a clone at this level: a tag naming a level
    /// ("baseline" on the baseline) names the clone's level instead.
    pub fn retag(self, tags: &[String]) -> Vec<String> {
        let is_level = |t: &str| RecipeLevel::ALL.iter().any(|l| l.as_str() == t);
        let mut out: Vec<String> = tags.iter().filter(|t| !is_level(t)).cloned().collect();
        if out.len() < tags.len() {
            out.insert(0, self.as_str().to_string());
        }
        out
    }

    /// The level a clone of a recipe at this level gets; `None` below client.
    pub fn child_level(self) -> Option<RecipeLevel> {
        match self {
            RecipeLevel::Baseline => Some(RecipeLevel::Industry),
            RecipeLevel::Industry => Some(RecipeLevel::Client),
            RecipeLevel::Client => None,
        }
    }
}

/// Checks that a recipe at `level` may have a parent at `parent_level`.
pub fn check_parent_level(
    level: RecipeLevel,
    parent_level: Option<RecipeLevel>,
) -> Result<(), String> {
    match (level.parent_level(), parent_level) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err("a baseline recipe cannot have a parent".into()),
        (Some(want), None) => Err(format!(
            "{} {level} recipe needs a {want} parent (--parent)",
            article(level.as_str())
        )),
        (Some(want), Some(got)) if want == got => Ok(()),
        (Some(want), Some(got)) => Err(format!(
            "{} {level} recipe's parent must be {} {want} recipe, not {} {got} one",
            article(level.as_str()),
            article(want.as_str()),
            article(got.as_str())
        )),
    }
}

/// "a" or "an" before a word.
pub fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_accept_dashes() {
        for f in ModelFamily::ALL {
            assert_eq!(f.as_str().parse::<ModelFamily>().unwrap(), *f);
        }
        assert_eq!(
            "next-best-action".parse::<ModelFamily>().unwrap(),
            ModelFamily::NextBestAction
        );
    }

    #[test]
    fn run_statuses_read_mlflow_names_and_aliases() {
        for s in RunStatus::ALL {
            assert_eq!(RunStatus::from_mlflow(s.mlflow_name()), Some(*s));
            assert_eq!(RunStatus::from_filter_word(s.as_str()), Some(*s));
            assert_eq!(RunStatus::from_filter_word(s.mlflow_name()), Some(*s));
        }
        assert_eq!(RunStatus::from_mlflow("finished"), None);
        assert_eq!(
            RunStatus::from_filter_word("Canceled"),
            Some(RunStatus::Cancelled)
        );
        assert_eq!(
            RunStatus::from_filter_word("scheduled"),
            Some(RunStatus::Queued)
        );
        assert_eq!(RunStatus::from_filter_word("done"), None);
        assert_eq!(RunType::from_filter_word("EVAL"), Some(RunType::Eval));
        assert_eq!(RunType::from_filter_word(" eval"), None);
    }

    #[test]
    fn unknown_names_list_the_expected_ones() {
        let err = "gold".parse::<RecipeLevel>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown recipe level 'gold' (expected one of: baseline, industry, client)"
        );
    }

    #[test]
    fn parent_must_be_exactly_one_level_up() {
        assert!(check_parent_level(RecipeLevel::Baseline, None).is_ok());
        assert!(check_parent_level(RecipeLevel::Industry, Some(RecipeLevel::Baseline)).is_ok());
        assert!(check_parent_level(RecipeLevel::Client, Some(RecipeLevel::Industry)).is_ok());
        assert!(check_parent_level(RecipeLevel::Client, Some(RecipeLevel::Baseline)).is_err());
        assert!(check_parent_level(RecipeLevel::Industry, None).is_err());
        assert!(check_parent_level(RecipeLevel::Baseline, Some(RecipeLevel::Baseline)).is_err());
    }
}
