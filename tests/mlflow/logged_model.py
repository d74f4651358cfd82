"""MLflow 3's logged models through MLflow's own client, as a training
script makes them (what every flavor's `log_model` calls): created in a
run, its files uploaded, params and tags added, finalized, searched,
deleted; and one made outside any run, its files kept and read back.
Prints the run id, then the model id."""

import os
import sys
import tempfile

import mlflow
from mlflow.entities import LoggedModelStatus
from mlflow.tracking import MlflowClient

mlflow.set_experiment(sys.argv[1])
client = MlflowClient()
with mlflow.start_run(run_name="with-a-model") as run:
    experiment_id = run.info.experiment_id
    model = client.create_logged_model(
        experiment_id,
        name="forecaster",
        source_run_id=run.info.run_id,
        params={"alpha": "0.5"},
        tags={"stage": "candidate"},
        model_type="lightgbm",
    )
    assert model.status == LoggedModelStatus.PENDING, model.status
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "MLmodel"), "w") as f:
            f.write("flavors: {}\n")
        os.makedirs(os.path.join(tmp, "data"))
        with open(os.path.join(tmp, "data", "model.txt"), "w") as f:
            f.write("tree 0\n")
        client.log_model_artifacts(model.model_id, tmp)
    client.log_model_params(model.model_id, {"beta": "2"})
    client.set_logged_model_tags(model.model_id, {"owner": "ana"})
    client.delete_logged_model_tag(model.model_id, "stage")
    client.finalize_logged_model(model.model_id, LoggedModelStatus.READY)

got = client.get_logged_model(model.model_id)
assert got.status == LoggedModelStatus.READY, got.status
assert (got.name, got.model_type, got.source_run_id) == ("forecaster", "lightgbm", run.info.run_id), got
assert got.params == {"alpha": "0.5", "beta": "2"}, got.params
assert got.tags == {"owner": "ana"}, got.tags
with tempfile.TemporaryDirectory() as tmp:
    local = mlflow.artifacts.download_artifacts(got.artifact_location, dst_path=tmp)
    with open(os.path.join(local, "data", "model.txt")) as f:
        assert f.read() == "tree 0\n"
found = client.search_logged_models([experiment_id])
assert model.model_id in [m.model_id for m in found], found
client.delete_logged_model(model.model_id)
assert model.model_id not in [m.model_id for m in client.search_logged_models([experiment_id])]
try:
    client.get_logged_model(model.model_id)
    raise AssertionError("a deleted model was still found")
except mlflow.exceptions.MlflowException as e:
    assert "not found" in str(e), e

# Outside any run (MLflow 3 allows it): the files go up and come back.
external = client.create_logged_model(experiment_id, name="external")
assert not external.source_run_id, external.source_run_id
with tempfile.TemporaryDirectory() as tmp:
    os.makedirs(os.path.join(tmp, "weights"))
    with open(os.path.join(tmp, "weights", "w.bin"), "wb") as f:
        f.write(b"\x00\x01 weights")
    client.log_model_artifacts(external.model_id, tmp)
client.finalize_logged_model(external.model_id, LoggedModelStatus.READY)
with tempfile.TemporaryDirectory() as tmp:
    local = mlflow.artifacts.download_artifacts(
        client.get_logged_model(external.model_id).artifact_location, dst_path=tmp
    )
    with open(os.path.join(local, "weights", "w.bin"), "rb") as f:
        assert f.read() == b"\x00\x01 weights"
listed = [f.path for f in client.list_logged_model_artifacts(external.model_id)]
assert listed == ["weights"], listed
# MLflow's own routes for a model's files, as its UI reads them.
import requests

files_of = f"{mlflow.get_tracking_uri()}/api/2.0/mlflow/logged-models/{external.model_id}/artifacts"
inside = requests.get(f"{files_of}/directories", params={"artifact_directory_path": "weights"})
assert [f["path"] for f in inside.json()["files"]] == ["weights/w.bin"], inside.text
got_file = requests.get(f"{files_of}/files", params={"artifact_file_path": "weights/w.bin"})
assert got_file.content == b"\x00\x01 weights", got_file.content

# A run that read one model and produced another, as MLflow 3 links them.
from mlflow.entities import LoggedModelInput, LoggedModelOutput

with mlflow.start_run(run_name="fine-tune") as tuned:
    client.log_inputs(tuned.info.run_id, models=[LoggedModelInput(external.model_id)])
    client.log_outputs(tuned.info.run_id, [LoggedModelOutput(external.model_id, 3)])
got_links = client.get_run(tuned.info.run_id)
assert [m.model_id for m in got_links.inputs.model_inputs] == [external.model_id], got_links.inputs
assert got_links.outputs.model_outputs == [LoggedModelOutput(external.model_id, 3)], got_links.outputs


# Metrics measured on a dataset against each model: kept beside the model,
# then searched by them, by the dataset, and ordered by them.
second = client.create_logged_model(experiment_id, name="second")
# Unnamed, models are told apart, as MLflow names them at random.
unnamed = [client.create_logged_model(experiment_id).name for _ in range(2)]
assert unnamed[0] != unnamed[1] and all(n.startswith("model-") for n in unnamed), unnamed
with mlflow.start_run(run_name="scoring") as scoring:
    for m, rmse in ((external, 0.4), (second, 0.9)):
        client.log_metric(
            scoring.info.run_id, "rmse", rmse, step=1,
            model_id=m.model_id, dataset_name="holdout", dataset_digest="d1",
        )
scored = client.get_logged_model(external.model_id).metrics
assert [(p.key, p.value, p.step, p.dataset_name, p.run_id) for p in scored] == [
    ("rmse", 0.4, 1, "holdout", scoring.info.run_id)
], scored
best = client.search_logged_models([experiment_id], filter_string="metrics.rmse < 0.5")
assert [m.name for m in best] == ["external"], [m.name for m in best]
ranked = client.search_logged_models(
    [experiment_id],
    datasets=[{"dataset_name": "holdout"}],
    order_by=[{"field_name": "metrics.rmse", "ascending": False}],
)
assert [m.name for m in ranked] == ["second", "external"], [m.name for m in ranked]
named = client.search_logged_models([experiment_id], filter_string="name = 'second'")
assert [m.model_id for m in named] == [second.model_id], named

print(run.info.run_id)
print(model.model_id)
