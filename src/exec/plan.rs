//! What a run executes: the command given, else the stages its manifest's
//! pipeline names for the run's type, each with its own timeout.

use crate::domain::RunType;
use crate::trainers::StageKind;
use serde_json::Value;
use std::time::Duration;

/// One process to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The stage's name, or "command".
    pub name: String,
    /// The stage's type (quality, training, ...), for built-in trainers.
    pub kind: String,
    pub program: Program,
    pub timeout: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Program {
    /// Argument vector as given.
    Argv(Vec<String>),
    /// A shell command line (`sh -c`).
    Shell(String),
    /// nexml's own trainer for this family and stage type.
    BuiltIn { family: String },
}

/// Why a manifest's pipeline cannot be executed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("pipeline.stages[{index}] ('{name}'): {reason}")]
    Stage {
        index: usize,
        name: String,
        reason: String,
    },
    #[error("the recipe's pipeline has no enabled stage a {0} run executes")]
    Nothing(RunType),
}

/// Stage types each run type executes: training runs build and score a
/// model; eval and backtest runs check the data and score. Deployment
/// stages are never run by a run.
fn executes(run_type: RunType, kind: &str) -> bool {
    use StageKind::*;
    let Some(kind) = StageKind::parse(kind) else {
        return false;
    };
    match run_type {
        RunType::Train => matches!(kind, Quality | FeaturePrep | Training | Evaluation),
        RunType::Eval | RunType::Backtest => matches!(kind, Quality | FeaturePrep | Evaluation),
    }
}

/// The steps of a run: `command` when given, else the manifest's stages.
pub fn plan(
    manifest: &Value,
    family: &str,
    run_type: RunType,
    command: &[String],
) -> Result<Vec<Step>, PlanError> {
    if !command.is_empty() {
        return Ok(vec![Step {
            name: "command".into(),
            kind: "command".into(),
            program: Program::Argv(command.to_vec()),
            timeout: None,
        }]);
    }
    let stages = manifest
        .pointer("/pipeline/stages")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut steps = Vec::new();
    for (index, stage) in stages.iter().enumerate() {
        let name = stage
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        let fail = |reason: String| PlanError::Stage {
            index,
            name: name.clone(),
            reason,
        };
        let kind = stage
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let enabled = stage
            .get("enabled")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if !enabled || !executes(run_type, kind) {
            continue;
        }
        let program = match stage.get("command") {
            None | Some(Value::Null) => Program::BuiltIn {
                family: family.to_string(),
            },
            Some(Value::String(line)) if !line.trim().is_empty() => Program::Shell(line.clone()),
            Some(Value::Array(items)) if !items.is_empty() => Program::Argv(
                items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| fail("command items must be strings".into()))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Some(_) => {
                return Err(fail(
                    "command must be a shell line or a non-empty list of arguments".into(),
                ));
            }
        };
        let timeout = match stage.get("timeout_minutes") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_f64() {
                // Saturating: a huge one (a manifest stored before the
                // schema bounded it) is "no timeout", never a panic.
                Some(m) if m > 0.0 && m.is_finite() => {
                    Some(Duration::try_from_secs_f64(m * 60.0).unwrap_or(Duration::MAX))
                }
                _ => {
                    return Err(fail(format!(
                        "timeout_minutes must be a positive number, not {v}"
                    )));
                }
            },
        };
        steps.push(Step {
            name,
            kind: kind.to_string(),
            program,
            timeout,
        });
    }
    if steps.is_empty() {
        return Err(PlanError::Nothing(run_type));
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest() -> Value {
        json!({"pipeline": {"stages": [
            {"name": "dq", "type": "quality"},
            {"name": "fe", "type": "feature_prep", "enabled": false},
            {"name": "fit", "type": "training", "command": "python train.py", "timeout_minutes": 0.5},
            {"name": "score", "type": "evaluation", "command": ["python", "eval.py"]},
            {"name": "ship", "type": "deployment"}
        ]}})
    }

    #[test]
    fn a_training_run_executes_its_enabled_stages_but_deployment() {
        let steps = plan(&manifest(), "pricing", RunType::Train, &[]).expect("a plan");
        let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["dq", "fit", "score"]);
        assert_eq!(
            steps[0].program,
            Program::BuiltIn {
                family: "pricing".into()
            }
        );
        assert_eq!(steps[1].program, Program::Shell("python train.py".into()));
        assert_eq!(steps[1].timeout, Some(Duration::from_secs(30)));
        assert_eq!(
            steps[2].program,
            Program::Argv(vec!["python".into(), "eval.py".into()])
        );
    }

    #[test]
    fn an_eval_run_skips_training() {
        let steps = plan(&manifest(), "pricing", RunType::Eval, &[]).expect("a plan");
        let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["dq", "score"]);
    }

    #[test]
    fn a_command_replaces_the_stages() {
        let steps = plan(
            &manifest(),
            "pricing",
            RunType::Train,
            &["make".into(), "train".into()],
        )
        .expect("a plan");
        assert_eq!(steps.len(), 1);
        assert_eq!(
            steps[0].program,
            Program::Argv(vec!["make".into(), "train".into()])
        );
    }

    #[test]
    fn bad_stage_settings_name_the_stage() {
        let m = json!({"pipeline": {"stages": [
            {"name": "fit", "type": "training", "timeout_minutes": -1}
        ]}});
        let err = plan(&m, "pricing", RunType::Train, &[]).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "pipeline.stages[0] ('fit'): timeout_minutes must be a positive number, not -1"
        );
        // Far too long is saturated, not a panic.
        let m = json!({"pipeline": {"stages": [
            {"name": "fit", "type": "training", "timeout_minutes": 1e300}
        ]}});
        let steps = plan(&m, "pricing", RunType::Train, &[]).expect("a plan");
        assert_eq!(steps[0].timeout, Some(Duration::MAX));
        let m = json!({"pipeline": {"stages": [{"name": "ship", "type": "deployment"}]}});
        assert_eq!(
            plan(&m, "pricing", RunType::Eval, &[])
                .expect_err("nothing")
                .to_string(),
            "the recipe's pipeline has no enabled stage a eval run executes"
        );
    }
}
