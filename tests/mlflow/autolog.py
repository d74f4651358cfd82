"""scikit-learn's autolog with its defaults, into whatever
MLFLOW_TRACKING_URI names: the fit's params, its training metrics and the
fitted model (MLflow 3's logged model) are logged with no call of ours.
Prints the run id, then the model id."""

import sys

import mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

mlflow.set_experiment(sys.argv[1])
mlflow.sklearn.autolog()
X, y = load_iris(return_X_y=True)
with mlflow.start_run() as run:
    LogisticRegression(max_iter=300).fit(X, y)

client = mlflow.MlflowClient()
got = client.get_run(run.info.run_id)
assert got.info.status == "FINISHED", got.info.status
assert got.data.metrics["training_score"] > 0.9, got.data.metrics
assert got.data.params["max_iter"] == "300", got.data.params
models = [m for m in client.search_logged_models([run.info.experiment_id]) if m.source_run_id == run.info.run_id]
assert [m.status.to_proto() for m in models] == [2], models  # LOGGED_MODEL_READY
model = mlflow.sklearn.load_model(f"models:/{models[0].model_id}")
assert (model.predict(X[:5]) == y[:5]).all()
print(run.info.run_id)
print(models[0].model_id)
