"""A training script that knows only MLflow: it logs into whatever
MLFLOW_TRACKING_URI names (here `nexml serve`). Prints the run id."""

import math
import os
import sys
import tempfile

import mlflow
from mlflow.entities import Dataset, DatasetInput, InputTag
from mlflow.tracking import MlflowClient

experiment = sys.argv[1]
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 1000

mlflow.set_experiment(experiment)
with mlflow.start_run(run_name="mlflow-script") as run:
    mlflow.log_param("lr", 0.01)
    mlflow.log_params({"epochs": 10, "optimizer": "adam"})
    mlflow.set_tag("team", "forecasting")
    for step in range(steps):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    mlflow.log_metrics({"wape": 0.12, "mape": 0.2}, step=steps)
    # A diverging step logs values that are not numbers; training goes on.
    mlflow.log_metric("grad_norm", 2.0, step=0)
    mlflow.log_metric("grad_norm", float("inf"), step=1)
    mlflow.log_metric("grad_norm", float("nan"), step=2)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "notes.txt")
        with open(path, "w") as f:
            f.write("trained by an unchanged MLflow script\n")
        mlflow.log_artifact(path)
        mlflow.log_artifact(path, artifact_path="reports")
    run_id = run.info.run_id

client = MlflowClient()
found = client.search_runs(
    [run.info.experiment_id], filter_string="metrics.wape < 0.2", order_by=["metrics.wape ASC"]
)
assert any(r.info.run_id == run_id for r in found), "search_runs did not find the run"
# Beyond MLflow's own server: `or` and parentheses, through the same client.
either = client.search_runs(
    [run.info.experiment_id],
    filter_string="(metrics.wape > 0.5 or params.optimizer = 'adam') and tags.team = 'forecasting'",
)
assert [r.info.run_id for r in either] == [run_id], [r.info.run_id for r in either]
got = client.get_run(run_id)
assert got.info.status == "FINISHED", got.info.status
assert got.data.params["lr"] == "0.01", got.data.params
history = client.get_metric_history(run_id, "loss")
assert len(history) == steps, len(history)
# The latest value as MLflow reports it: its own step and logging time, and
# the user MLflow's client named.
found_run = next(r for r in found if r.info.run_id == run_id)
latest = next(m for m in found_run.data._metric_objs if m.key == "loss")
last = max(history, key=lambda m: m.step)
assert (latest.value, latest.step, latest.timestamp) == (last.value, last.step, last.timestamp), (latest, last)
assert got.info.user_id == got.data.tags["mlflow.user"] == "mlflow-ana", (got.info.user_id, got.data.tags)
grad = [m.value for m in client.get_metric_history(run_id, "grad_norm")]
assert grad[:2] == [2.0, math.inf] and math.isnan(grad[2]) and len(grad) == 3, grad
assert math.isnan(got.data.metrics["grad_norm"]), got.data.metrics
client.log_inputs(
    run_id,
    datasets=[
        DatasetInput(
            Dataset("store_sales", "d41d8cd9", "local", '{"uri": "sales.csv"}'),
            tags=[InputTag("mlflow.data.context", "training")],
        )
    ],
)
read = client.get_run(run_id).inputs.dataset_inputs
assert [(d.dataset.name, d.tags[0].value) for d in read] == [("store_sales", "training")], read
client.delete_run(run_id)
assert client.get_run(run_id).info.lifecycle_stage == "deleted"
assert all(r.info.run_id != run_id for r in client.search_runs([run.info.experiment_id]))
client.restore_run(run_id)
assert any(r.info.run_id == run_id for r in client.search_runs([run.info.experiment_id]))
client.set_experiment_tag(run.info.experiment_id, "owner", "ana")
assert client.get_experiment(run.info.experiment_id).tags["owner"] == "ana"
with tempfile.TemporaryDirectory() as tmp:
    whole = client.download_artifacts(run_id, ".", tmp)
    got_files = sorted(
        os.path.relpath(os.path.join(d, f), whole) for d, _, fs in os.walk(whole) for f in fs
    )
    assert got_files == ["notes.txt", os.path.join("reports", "notes.txt")], got_files
names = sorted(a.path for a in client.list_artifacts(run_id))
assert names == ["notes.txt", "reports"], names
print(run_id)
