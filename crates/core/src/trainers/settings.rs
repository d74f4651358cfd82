//! Reading a manifest's stage configs and validation plan. A setting that is
//! absent takes the trainer's default; one that is present but unusable
//! (a learning rate of "fast", zero folds) is an error naming where it is.

use super::stage::{StageKind, TrainerError};
use serde_json::Value;

static NULL: Value = Value::Null;

/// One object of the manifest, named for error messages: a pipeline stage
/// (by its `name`) or `evaluation.validation`.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    pub place: &'a str,
    pub value: &'a Value,
}

/// The manifest's stage of `kind`: the first enabled one, else the first
/// one (the app may run a disabled stage on request). Its `config` object
/// is what the settings read.
pub fn stage(manifest: &Value, kind: StageKind) -> Option<Settings<'_>> {
    let stages = manifest.pointer("/pipeline/stages")?.as_array()?;
    let of_kind = |s: &&Value| s.get("type").and_then(Value::as_str) == Some(kind.as_str());
    let enabled = |s: &&Value| s.get("enabled").and_then(Value::as_bool).unwrap_or(true);
    let found = stages
        .iter()
        .filter(of_kind)
        .find(enabled)
        .or_else(|| stages.iter().find(of_kind))?;
    Some(Settings {
        place: found
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(kind.as_str()),
        value: found.get("config").unwrap_or(&NULL),
    })
}

/// The stage's settings, or empty ones named for the kind when the
/// manifest has no such stage.
pub fn stage_or_empty(manifest: &Value, kind: StageKind) -> Settings<'_> {
    stage(manifest, kind).unwrap_or(Settings {
        place: kind.as_str(),
        value: &NULL,
    })
}

/// Whether the pipeline has an enabled training stage.
pub fn has_enabled_training(manifest: &Value) -> bool {
    manifest
        .pointer("/pipeline/stages")
        .and_then(Value::as_array)
        .is_some_and(|stages| {
            stages.iter().any(|s| {
                s.get("type").and_then(Value::as_str) == Some("training")
                    && s.get("enabled").and_then(Value::as_bool).unwrap_or(true)
            })
        })
}

/// The manifest's `evaluation.validation` plan.
pub fn validation(manifest: &Value) -> Settings<'_> {
    Settings {
        place: "evaluation.validation",
        value: manifest.pointer("/evaluation/validation").unwrap_or(&NULL),
    }
}

impl<'a> Settings<'a> {
    fn error(&self, key: &str, detail: impl std::fmt::Display) -> TrainerError {
        TrainerError::Config {
            place: self.place.to_string(),
            detail: format!("{key}: {detail}"),
        }
    }

    pub fn get(&self, pointer: &str) -> Option<&'a Value> {
        self.value.pointer(pointer).filter(|v| !v.is_null())
    }

    /// A number at `pointer` ("/hyperparameters/learning_rate").
    pub fn num(&self, pointer: &str) -> Result<Option<f64>, TrainerError> {
        match self.get(pointer) {
            None => Ok(None),
            Some(v) => match v.as_f64().filter(|x| x.is_finite()) {
                Some(x) => Ok(Some(x)),
                None => Err(self.error(key(pointer), format!("expected a number, found {v}"))),
            },
        }
    }

    /// The first of `pointers` present, else `default`; it must lie in
    /// `lo..=hi`.
    pub fn num_in(
        &self,
        pointers: &[&str],
        default: f64,
        lo: f64,
        hi: f64,
    ) -> Result<f64, TrainerError> {
        for pointer in pointers {
            if let Some(x) = self.num(pointer)? {
                if !(lo..=hi).contains(&x) {
                    return Err(self.error(key(pointer), format!("{x} is outside {lo}..={hi}")));
                }
                return Ok(x);
            }
        }
        Ok(default)
    }

    /// A whole number in `lo..=hi` at the first of `pointers` present.
    pub fn count_in(
        &self,
        pointers: &[&str],
        default: usize,
        lo: usize,
        hi: usize,
    ) -> Result<usize, TrainerError> {
        for pointer in pointers {
            if let Some(v) = self.get(pointer) {
                return match v.as_u64() {
                    Some(n) if (lo as u64..=hi as u64).contains(&n) => Ok(n as usize),
                    _ => Err(self.error(
                        key(pointer),
                        format!("expected a whole number in {lo}..={hi}, found {v}"),
                    )),
                };
            }
        }
        Ok(default)
    }

    pub fn text(&self, pointer: &str) -> Option<&'a str> {
        self.get(pointer).and_then(Value::as_str)
    }

    pub fn flag(&self, pointer: &str, default: bool) -> bool {
        self.get(pointer)
            .and_then(Value::as_bool)
            .unwrap_or(default)
    }

    /// A list of whole numbers (lags, windows); absent gives `default`.
    pub fn counts(&self, pointer: &str, default: &[usize]) -> Result<Vec<usize>, TrainerError> {
        let Some(v) = self.get(pointer) else {
            return Ok(default.to_vec());
        };
        let bad = || {
            self.error(
                key(pointer),
                format!("expected a list of whole numbers, found {v}"),
            )
        };
        let items = v.as_array().ok_or_else(bad)?;
        items
            .iter()
            .map(|i| {
                i.as_u64()
                    .filter(|&n| n > 0)
                    .map(|n| n as usize)
                    .ok_or_else(bad)
            })
            .collect()
    }
}

/// The last segment of a pointer, for messages.
fn key(pointer: &str) -> &str {
    pointer.trim_start_matches('/')
}
