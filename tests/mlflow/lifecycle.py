"""A registered version made by a run of nexml model 'fc' follows that
model's gated promotion. Arguments: the recipe, then the stage 'fc' is in
now. At 'staging' it logs and registers two versions (the first by a run of
'fc', the second by a run of no model) and finds MLflow's client refused
when it moves the first; at 'production' (after `nexml model promote`) it
only looks."""

import sys

import mlflow
from mlflow.exceptions import MlflowException
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

NAME = "fc-registered"
recipe, stage = sys.argv[1], sys.argv[2]
client = mlflow.MlflowClient()
mlflow.set_experiment(recipe)


def refused(call, *args):
    try:
        call(*args)
    except MlflowException as e:
        assert "nexml model promote fc" in str(e), e
        return
    raise AssertionError(f"{call.__name__}{args} was not refused")


if stage == "staging":
    X, y = load_iris(return_X_y=True)
    fitted = LogisticRegression(max_iter=300).fit(X, y)
    for tags in ({"nexml.model": "fc"}, {}):
        with mlflow.start_run(tags=tags):
            mlflow.sklearn.log_model(
                fitted, name="model", registered_model_name=NAME, serialization_format="cloudpickle"
            )
    refused(client.set_registered_model_alias, NAME, "production", "1")
    refused(client.set_registered_model_alias, NAME, "Staging", "1")
    refused(client.transition_model_version_stage, NAME, "1", "Production")
    # A version of no nexml model takes any alias and stage, as in MLflow.
    client.set_registered_model_alias(NAME, "champion", "2")
    client.transition_model_version_stage(NAME, "2", "Archived")
    assert client.get_model_version(NAME, "2").current_stage == "Archived"

shown = stage.capitalize()
assert client.get_model_version(NAME, "1").current_stage == shown
assert client.get_model_version_by_alias(NAME, stage).version == "1"
aliases = client.get_registered_model(NAME).aliases
other = "production" if stage == "staging" else "staging"
assert aliases.get(stage) == "1" and other not in aliases, aliases
assert aliases.get("champion") == "2", aliases
assert [v.version for v in client.get_latest_versions(NAME, [shown])] == ["1"]
print(client.get_model_version(NAME, "1").run_id)
