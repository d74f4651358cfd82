//! Built-in trainers, so the four seeded baseline recipes run out of the box.
//!
//! The app runs each enabled stage of a recipe's pipeline as its own process
//! and calls [`run_stage`] there. Everything here is pure: each stage
//! generates the same deterministic synthetic data from the run's seed
//! (shaped like the recipe's `example.json`), fits small real models, and
//! writes its report as lines (`nexml:param`, `nexml:metric`, `nexml:tag`
//! and plain log lines) to the writer it is given.
//!
//! | family | model | evaluation |
//! |---|---|---|
//! | forecasting | additive Holt-Winters, smoothing fitted by coordinate search; seasonal naive as benchmark | expanding-window backtest: wape, mape, bias |
//! | pricing | log-log elasticity regression by gradient steps (steepest descent) | later 28-day windows: mae, rmse, weekly revenue mape, positive elasticity share |
//! | next_best_action | softmax regression over offers (Adam, L2), T-learner uplift | held-out customers: auc, log_loss, accuracy, qini |
//! | location_scoring | ridge on log revenue, penalty chosen along a path | held-out spatial blocks: mae, rmse, r2, mape |
//!
//! A stage that fits nothing hands the input model on unchanged, so a stage's
//! output always holds the run's latest model.

mod forecasting;
mod linalg;
mod location_scoring;
mod next_best_action;
mod pricing;
mod quality;
mod report;
mod rng;
mod settings;
mod table;

#[cfg(test)]
mod tests;

use crate::domain::ModelFamily;
use report::Report;
use serde_json::Value;
use settings::Settings;
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

/// What every family's stages share: whose data, from which seed, under
/// which manifest.
#[derive(Debug, Clone, Copy)]
struct Job<'a> {
    family: ModelFamily,
    manifest: &'a Value,
    seed: u64,
}

impl Job<'_> {
    fn data_error(&self, stage: StageKind, detail: impl fmt::Display) -> TrainerError {
        TrainerError::Data {
            family: self.family,
            stage,
            detail: detail.to_string(),
        }
    }

    /// A metric from `drift::performance`, the definitions monitoring uses,
    /// so a trained model's scores and its monitored ones agree.
    fn metric(
        &self,
        stage: StageKind,
        metric: &'static str,
        value: Result<f64, crate::drift::performance::MetricError>,
    ) -> Result<f64, TrainerError> {
        value.map_err(|source| TrainerError::Metric {
            family: self.family,
            stage,
            metric,
            source,
        })
    }

    fn model_error(&self, detail: impl fmt::Display) -> TrainerError {
        TrainerError::Model {
            family: self.family,
            detail: detail.to_string(),
        }
    }

    /// The given model as the family's model type, after checking it is
    /// this family's.
    fn parse_model<T: serde::de::DeserializeOwned>(
        &self,
        model: &Value,
    ) -> Result<T, TrainerError> {
        match model.get("family").and_then(Value::as_str) {
            Some(f) if f == self.family.as_str() => {}
            Some(f) => return Err(self.model_error(format!("it is a {f} model"))),
            None => return Err(self.model_error("it has no 'family' field")),
        }
        serde_json::from_value(model.clone()).map_err(|e| self.model_error(e))
    }
}

/// One family's stages.
trait Trainer {
    fn quality(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError>;
    fn feature_prep(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError>;
    fn train(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<Value, TrainerError>;
    fn evaluate(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        model: &Value,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError>;
}

fn trainer(family: ModelFamily) -> &'static dyn Trainer {
    match family {
        ModelFamily::Forecasting => &forecasting::Forecasting,
        ModelFamily::Pricing => &pricing::Pricing,
        ModelFamily::NextBestAction => &next_best_action::NextBestAction,
        ModelFamily::LocationScoring => &location_scoring::LocationScoring,
    }
}

/// Runs one stage of `input.family`'s pipeline, with the manifest's config
/// of the first enabled stage of that type, writing its report to `out`.
pub fn run_stage(
    stage: StageKind,
    input: &StageInput,
    out: &mut dyn std::io::Write,
) -> Result<StageOutput, TrainerError> {
    let mut report = Report::new(out);
    let job = Job {
        family: input.family,
        manifest: input.manifest,
        seed: input.seed,
    };
    let settings = settings::stage_or_empty(input.manifest, stage);
    let trainer = trainer(input.family);
    let passed_on = || StageOutput {
        model: input.model.cloned(),
    };
    report.tag("data", "synthetic")?;
    report.param("data_seed", input.seed)?;
    match stage {
        StageKind::Quality => {
            trainer.quality(&job, settings, &mut report)?;
            Ok(passed_on())
        }
        StageKind::FeaturePrep => {
            trainer.feature_prep(&job, settings, &mut report)?;
            Ok(passed_on())
        }
        StageKind::Training => {
            let model = trainer.train(&job, settings, &mut report)?;
            Ok(StageOutput { model: Some(model) })
        }
        StageKind::Evaluation => {
            let model = match input.model {
                Some(model) => model.clone(),
                None => refit(&job, trainer, &mut report)?,
            };
            trainer.evaluate(&job, settings, &model, &mut report)?;
            Ok(StageOutput { model: Some(model) })
        }
        StageKind::Deployment => {
            deploy(settings, input.model, &mut report)?;
            Ok(passed_on())
        }
    }
}

/// Evaluation without a model: fit one as the training stage would, its
/// step-by-step lines discarded (they belong to a training run, not to
/// this evaluation's report).
fn refit(
    job: &Job<'_>,
    trainer: &dyn Trainer,
    report: &mut Report<'_>,
) -> Result<Value, TrainerError> {
    if !settings::has_enabled_training(job.manifest) {
        return Err(TrainerError::NoModel { family: job.family });
    }
    let training = settings::stage_or_empty(job.manifest, StageKind::Training);
    report.line(format!(
        "evaluation: no fitted model given; fitting one as stage '{}' would",
        training.place
    ))?;
    let mut sink = std::io::sink();
    trainer.train(job, training, &mut Report::new(&mut sink))
}

fn deploy(
    stage: Settings<'_>,
    model: Option<&Value>,
    report: &mut Report<'_>,
) -> Result<(), TrainerError> {
    let text = |key: &str| model.and_then(|m| m.get(key)).and_then(Value::as_str);
    match (text("family"), text("trainer")) {
        (Some(family), Some(name)) => report.line(format!(
            "deployment: stage '{}' would publish the {family} model ({name})",
            stage.place
        ))?,
        _ => report.line(format!(
            "deployment: stage '{}' has no fitted model to publish",
            stage.place
        ))?,
    }
    report.line("deployment: dry run, nothing published")
}
