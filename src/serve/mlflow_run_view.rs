//! A run as MLflow's client reads it (`runs/get`, `runs/search`), typed
//! and borrowed from the run's row and its page's data, so a page of 1,000
//! runs is written without building a tree of JSON values first.

use crate::store::Run;
use crate::store::tracking::RunsData;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The user MLflow's client says started a run.
const MLFLOW_USER_TAG: &str = "mlflow.user";

#[derive(Serialize)]
pub struct MlflowRun<'a> {
    pub info: RunInfo<'a>,
    data: RunData<'a>,
    inputs: RunInputs<'a>,
    outputs: RunOutputs<'a>,
}

#[derive(Serialize)]
pub struct RunInfo<'a> {
    run_id: String,
    run_uuid: String,
    run_name: Cow<'a, str>,
    experiment_id: String,
    user_id: &'a str,
    status: &'static str,
    start_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<i64>,
    artifact_uri: String,
    lifecycle_stage: &'static str,
}

#[derive(Serialize)]
struct RunData<'a> {
    metrics: Vec<Metric<'a>>,
    params: Vec<Pair<'a>>,
    tags: Vec<Pair<'a>>,
}

#[derive(Serialize)]
struct Pair<'a> {
    key: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct Metric<'a> {
    key: &'a str,
    value: MetricValue<'a>,
    timestamp: i64,
    step: i64,
}

/// A number, or a value that is not one spelt as MLflow spells it.
#[derive(Serialize, Clone, Copy)]
#[serde(untagged)]
enum MetricValue<'a> {
    Number(f64),
    Spelled(&'a str),
}

#[derive(Serialize)]
struct RunInputs<'a> {
    dataset_inputs: Vec<Value>,
    model_inputs: Vec<ModelInput<'a>>,
}

#[derive(Serialize)]
struct ModelInput<'a> {
    model_id: &'a str,
}

#[derive(Serialize)]
struct RunOutputs<'a> {
    model_outputs: Vec<ModelOutput<'a>>,
}

#[derive(Serialize)]
struct ModelOutput<'a> {
    model_id: &'a str,
    step: i64,
}

/// The run as MLflow's client reads it. The user is the one MLflow's
/// client named (its `mlflow.user` tag), as MLflow reports it; nexml's own
/// record of who did what is the audit log.
pub fn mlflow_run<'a>(run: &'a Run, data: &'a RunsData) -> MlflowRun<'a> {
    let pairs = |list: &'a [crate::store::RunKeyValue]| -> Vec<Pair<'a>> {
        of_run(list, run.id, |kv| kv.run_id)
            .iter()
            .map(|kv| Pair {
                key: &kv.key,
                value: &kv.value,
            })
            .collect()
    };
    let user = of_run(&data.tags, run.id, |kv| kv.run_id)
        .iter()
        .find(|kv| kv.key == MLFLOW_USER_TAG)
        .map_or(run.created_by.as_str(), |kv| kv.value.as_str());
    let run_name = if run.name.is_empty() {
        Cow::Owned(format!("run-{}", run.id))
    } else {
        Cow::Borrowed(run.name.as_str())
    };
    let deleted = data.deleted.binary_search(&run.id).is_ok();
    let info = RunInfo {
        run_id: run.id.to_string(),
        run_uuid: run.id.to_string(),
        run_name,
        experiment_id: run.experiment_id.to_string(),
        user_id: user,
        status: run.status.mlflow_name(),
        start_time: run.started_at.unwrap_or(run.created_at).timestamp_millis(),
        end_time: run.finished_at.map(|t| t.timestamp_millis()),
        artifact_uri: format!(
            "mlflow-artifacts:/{}/{}/artifacts",
            run.experiment_id, run.id
        ),
        lifecycle_stage: if deleted { "deleted" } else { "active" },
    };
    let parsed = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    let dataset_inputs = of_run(&data.inputs, run.id, |i| i.run_id)
        .iter()
        .map(|i| serde_json::json!({"tags": parsed(&i.tags_json), "dataset": parsed(&i.dataset_json)}))
        .collect();
    let links = of_run(&data.model_links, run.id, |l| l.run_id);
    let model_inputs = links
        .iter()
        .filter(|l| l.direction == "input")
        .map(|l| ModelInput {
            model_id: &l.model_id,
        })
        .collect();
    let model_outputs = links
        .iter()
        .filter(|l| l.direction == "output")
        .map(|l| ModelOutput {
            model_id: &l.model_id,
            step: l.step,
        })
        .collect();
    MlflowRun {
        info,
        data: RunData {
            metrics: latest_metrics(run, data),
            params: pairs(&data.params),
            tags: pairs(&data.tags),
        },
        inputs: RunInputs {
            dataset_inputs,
            model_inputs,
        },
        outputs: RunOutputs { model_outputs },
    }
}

/// Each metric's latest value, by step then time, whether a number or not.
fn latest_metrics<'a>(run: &'a Run, data: &'a RunsData) -> Vec<Metric<'a>> {
    let mut latest: BTreeMap<&str, (i64, DateTime<Utc>, MetricValue<'a>)> =
        of_run(&data.latest_metrics, run.id, |m| m.run_id)
            .iter()
            .map(|m| {
                let at = m.at.unwrap_or(run.updated_at);
                let value = MetricValue::Number(m.value);
                (m.key.as_str(), (m.step.unwrap_or(0), at, value))
            })
            .collect();
    for p in of_run(&data.nonfinite, run.id, |p| p.run_id) {
        let newer = latest
            .get(p.key.as_str())
            .is_none_or(|(step, at, _)| (p.step, p.at) >= (*step, *at));
        if newer {
            latest.insert(&p.key, (p.step, p.at, MetricValue::Spelled(&p.value)));
        }
    }
    latest
        .into_iter()
        .map(|(key, (step, at, value))| Metric {
            key,
            value,
            timestamp: at.timestamp_millis(),
            step,
        })
        .collect()
}

/// The items of one run in a list sorted by run.
fn of_run<T>(list: &[T], id: i64, run_of: impl Fn(&T) -> i64) -> &[T] {
    let start = list.partition_point(|x| run_of(x) < id);
    let end = list.partition_point(|x| run_of(x) <= id);
    &list[start..end]
}
