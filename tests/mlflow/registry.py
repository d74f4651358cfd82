"""MLflow's model registry through MLflow's own client: a model logged
with `registered_model_name`, an alias it loads by, a second version,
tags, searches, a rename, deletions. Prints the run id."""

import sys

import mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

NAME = "demand-forecaster"
mlflow.set_experiment(sys.argv[1])
X, y = load_iris(return_X_y=True)
with mlflow.start_run() as run:
    fitted = LogisticRegression(max_iter=300).fit(X, y)
    info = mlflow.sklearn.log_model(
        fitted, name="model", registered_model_name=NAME, serialization_format="cloudpickle"
    )
assert str(info.registered_model_version) == "1", info.registered_model_version
# The logged model lists the versions made of it, as MLflow's server tags it.
versions_tag = mlflow.MlflowClient().get_logged_model(info.model_id).tags["mlflow.modelVersions"]
# (MLflow's client adds its own entry after the server's.)
assert versions_tag.startswith(f'[{{"name": "{NAME}", "version": 1}}'), versions_tag

client = mlflow.MlflowClient()
client.set_registered_model_alias(NAME, "champion", "1")
assert client.get_model_version_by_alias(NAME, "champion").version == "1"
loaded = mlflow.sklearn.load_model(f"models:/{NAME}@champion")
assert (loaded.predict(X[:5]) == y[:5]).all()
second = mlflow.register_model(info.model_uri, NAME)
assert second.version == "2", second.version
client.set_registered_model_tag(NAME, "team", "forecasting")
client.set_model_version_tag(NAME, "2", "validated", "no")
client.update_model_version(NAME, "2", description="a retrain")
got = client.get_registered_model(NAME)
assert got.tags == {"team": "forecasting"} and got.aliases == {"champion": "1"}, (got.tags, got.aliases)
assert [m.name for m in client.search_registered_models(filter_string="name LIKE 'demand%'")] == [NAME]
versions = sorted(v.version for v in client.search_model_versions(f"name='{NAME}'"))
assert versions == ["1", "2"], versions
v2 = client.get_model_version(NAME, "2")
assert (v2.tags, v2.description, v2.run_id) == ({"validated": "no"}, "a retrain", run.info.run_id), v2
staged = client.transition_model_version_stage(NAME, "1", "Staging", archive_existing_versions=True)
assert staged.current_stage == "Staging", staged
assert [v.version for v in client.get_latest_versions(NAME, ["Staging"])] == ["1"]
client.delete_registered_model_alias(NAME, "champion")
assert client.get_registered_model(NAME).aliases == {}
client.rename_registered_model(NAME, "demand")
client.delete_model_version("demand", "2")
assert [v.version for v in client.search_model_versions("name='demand'")] == ["1"]
# A deleted version's number is never given again.
third = mlflow.register_model(info.model_uri, "demand")
assert third.version == "3", third.version
assert client.search_model_versions("name='nobody'") == []
client.delete_registered_model("demand")
assert client.search_registered_models() == []
print(run.info.run_id)
