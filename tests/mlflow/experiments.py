"""MLflow's experiments through MLflow's own client, as a team moving from
MLflow writes them: a new experiment by name, a run with none set (MLflow's
Default), experiment tags, a filtered search, a rename, delete and restore.
The recipe's own experiment is argv[1]. Prints the new experiment's run id,
then the Default experiment's."""

import sys

import mlflow

recipe = sys.argv[1]
client = mlflow.MlflowClient()

# Line one of most scripts: an experiment nobody made yet.
made = mlflow.set_experiment("churn sweeps")
assert made.name == "churn sweeps" and made.lifecycle_stage == "active", made
with mlflow.start_run(run_name="lr 0.1") as run:
    mlflow.log_param("lr", "0.1")
    mlflow.log_metric("auc", 0.81, step=0)
    mlflow.log_metric("auc", 0.84, step=1)
got = client.get_run(run.info.run_id)
assert got.info.experiment_id == made.experiment_id, got.info
assert got.data.metrics == {"auc": 0.84}, got.data.metrics

# Again by the same name: the same experiment, not a second.
assert mlflow.set_experiment("churn sweeps").experiment_id == made.experiment_id
try:
    client.create_experiment("churn sweeps")
    raise AssertionError("a second experiment of one name was made")
except mlflow.exceptions.MlflowException as e:
    assert e.error_code == "RESOURCE_ALREADY_EXISTS", e.error_code

# No experiment set: MLflow's Default (0).
default = client.get_experiment("0")
assert default.name == "Default", default
unset = client.create_run("0")
client.log_metric(unset.info.run_id, "loss", 1.5)
client.set_terminated(unset.info.run_id)
assert client.get_run(unset.info.run_id).info.experiment_id == "0"
# The user MLflow's client names (it says "unknown" when it knows none).
assert client.get_run(unset.info.run_id).info.user_id == "unknown"

# Tags and a filtered search over the recipe's experiment and the new one.
client.set_experiment_tag(made.experiment_id, "team", "retention")
found = client.search_experiments(filter_string="tags.team = 'retention'")
assert [e.name for e in found] == ["churn sweeps"], [e.name for e in found]
named = client.search_experiments(filter_string=f"name = '{recipe}'")
assert [e.name for e in named] == [recipe], [e.name for e in named]
runs = client.search_runs([made.experiment_id], filter_string="metrics.auc > 0.8")
assert [r.info.run_id for r in runs] == [run.info.run_id], runs

# Renamed, deleted (hidden from the default search), restored.
client.rename_experiment(made.experiment_id, "churn sweeps 2026")
assert client.get_experiment(made.experiment_id).name == "churn sweeps 2026"
client.delete_experiment(made.experiment_id)
active = [e.name for e in client.search_experiments()]
assert "churn sweeps 2026" not in active, active
assert client.get_experiment(made.experiment_id).lifecycle_stage == "deleted"
client.restore_experiment(made.experiment_id)
assert "churn sweeps 2026" in [e.name for e in client.search_experiments()]

print(run.info.run_id)
print(unset.info.run_id)
