//! Which stage runs, what it is given and hands on, and why it failed.

use crate::domain::ModelFamily;
use serde_json::Value;
use std::fmt;

/// Which stage of a pipeline is run (the manifest's stage `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StageKind {
    Quality,
    FeaturePrep,
    Training,
    Evaluation,
    Deployment,
}

impl StageKind {
    pub const ALL: [StageKind; 5] = [
        StageKind::Quality,
        StageKind::FeaturePrep,
        StageKind::Training,
        StageKind::Evaluation,
        StageKind::Deployment,
    ];

    /// The manifest's name of the stage type: `quality`, `feature_prep`,
    /// `training`, `evaluation`, `deployment`.
    pub fn parse(s: &str) -> Option<StageKind> {
        StageKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::Quality => "quality",
            StageKind::FeaturePrep => "feature_prep",
            StageKind::Training => "training",
            StageKind::Evaluation => "evaluation",
            StageKind::Deployment => "deployment",
        }
    }
}

impl fmt::Display for StageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one stage left for the next ones (the app stores it as a JSON file
/// in the run's directory between processes).
#[derive(Debug, Clone, Copy)]
pub struct StageInput<'a> {
    pub family: ModelFamily,
    /// The recipe's manifest: stage configs, evaluation metrics and plan.
    pub manifest: &'a Value,
    /// Seeds the synthetic data; the same seed gives the same bytes.
    pub seed: u64,
    /// The model an earlier stage fitted, if any.
    pub model: Option<&'a Value>,
}

/// What a stage hands on: the fitted model (training returns it;
/// evaluation reads it from the input, or fits again when there is none).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StageOutput {
    pub model: Option<Value>,
}

/// Why a stage failed. Messages are one line and say what and where.
#[derive(Debug, thiserror::Error)]
pub enum TrainerError {
    #[error("quality stage '{stage}': {failed} of {checks} checks failed; first: {first}")]
    Quality {
        stage: String,
        checks: usize,
        failed: usize,
        first: String,
    },
    #[error("manifest {place}: {detail}")]
    Config { place: String, detail: String },
    #[error(
        "{family} evaluation: no fitted model was given and the pipeline has no enabled training stage to fit one"
    )]
    NoModel { family: ModelFamily },
    #[error("{family} evaluation: the given model cannot be used: {detail}")]
    Model { family: ModelFamily, detail: String },
    #[error("{family} {stage}: {detail}")]
    Data {
        family: ModelFamily,
        stage: StageKind,
        detail: String,
    },
    #[error("{family} {stage}: metric {metric}: {source}")]
    Metric {
        family: ModelFamily,
        stage: StageKind,
        metric: &'static str,
        #[source]
        source: crate::drift::performance::MetricError,
    },
    #[error("cannot write the stage's report: {0}")]
    Write(#[source] std::io::Error),
}
