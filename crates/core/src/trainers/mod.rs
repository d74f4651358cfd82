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
mod job;
mod linalg;
mod location_scoring;
mod next_best_action;
mod pricing;
mod quality;
mod report;
mod rng;
mod settings;
mod stage;
mod table;

#[cfg(test)]
mod tests;

pub use stage::{StageInput, StageKind, StageOutput, TrainerError};

use crate::domain::ModelFamily;
use job::{Job, Trainer};
use report::Report;
use serde_json::Value;
use settings::Settings;

/// Runs one stage of `input.family`'s pipeline, with the manifest's config
/// of the first enabled stage of that type, writing its report to `out`.
pub fn run_stage(
    stage: StageKind,
    input: &StageInput,
    out: &mut dyn std::io::Write,
) -> Result<StageOutput, TrainerError> {
    match input.family {
        ModelFamily::Forecasting => run(&forecasting::Forecasting, stage, input, out),
        ModelFamily::Pricing => run(&pricing::Pricing, stage, input, out),
        ModelFamily::NextBestAction => run(&next_best_action::NextBestAction, stage, input, out),
        ModelFamily::LocationScoring => run(&location_scoring::LocationScoring, stage, input, out),
    }
}

/// [`run_stage`] with the family's trainer.
fn run<T: Trainer>(
    trainer: &T,
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
            Ok(StageOutput {
                model: Some(job.model_json(model)?),
            })
        }
        StageKind::Evaluation => {
            let model = match input.model {
                Some(model) => model.clone(),
                None => refit(&job, trainer, &mut report)?,
            };
            trainer.evaluate(&job, settings, &job.parse_model(&model)?, &mut report)?;
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
fn refit<T: Trainer>(
    job: &Job<'_>,
    trainer: &T,
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
    let model = trainer.train(job, training, &mut Report::new(&mut sink))?;
    job.model_json(model)
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
