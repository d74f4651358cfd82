//! What every family's stages share (a `Job`) and what each family
//! implements (a `Trainer`).

use super::report::Report;
use super::settings::Settings;
use super::stage::{StageKind, TrainerError};
use crate::domain::ModelFamily;
use serde_json::Value;
use std::fmt;

/// What every family's stages share: whose data, from which seed, under
/// which manifest.
#[derive(Debug, Clone, Copy)]
pub(super) struct Job<'a> {
    pub(super) family: ModelFamily,
    pub(super) manifest: &'a Value,
    pub(super) seed: u64,
}

impl Job<'_> {
    pub(super) fn data_error(&self, stage: StageKind, detail: impl fmt::Display) -> TrainerError {
        TrainerError::Data {
            family: self.family,
            stage,
            detail: detail.to_string(),
        }
    }

    /// A metric from `drift::performance`, the definitions monitoring uses,
    /// so a trained model's scores and its monitored ones agree.
    pub(super) fn metric(
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

    pub(super) fn model_error(&self, detail: impl fmt::Display) -> TrainerError {
        TrainerError::Model {
            family: self.family,
            detail: detail.to_string(),
        }
    }

    /// A fitted model as the JSON the app keeps between stages.
    pub(super) fn model_json(&self, model: impl serde::Serialize) -> Result<Value, TrainerError> {
        serde_json::to_value(model).map_err(|e| self.data_error(StageKind::Training, e))
    }

    /// The given model as the family's model type, after checking it is
    /// this family's.
    pub(super) fn parse_model<T: serde::de::DeserializeOwned>(
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

/// One family's stages. Training hands on the family's own `Model`;
/// `run_stage` turns it into the JSON the app keeps between stages and
/// back, so no family writes that step again.
pub(super) trait Trainer {
    type Model: serde::Serialize + serde::de::DeserializeOwned;

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
    ) -> Result<Self::Model, TrainerError>;
    fn evaluate(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        model: &Self::Model,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError>;
}
