"""Logging through MLflow's tracking client, the way training code logs:
for each run, create it, log its points in one `log_batch`, end it.

    python benches/mlflow_logging.py TRACKING_URI RUNS POINTS

Prints one line: the seconds the whole loop took (after the first run, a
warm-up that also creates the experiment) and the runs per second.
"""

import sys
import time

from mlflow.entities import Metric
from mlflow.tracking import MlflowClient


def main():
    uri, runs, points = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    client = MlflowClient(tracking_uri=uri)
    name = f"bench-logging-{time.time_ns()}"
    experiment_id = client.create_experiment(name)

    def one_run(i):
        run = client.create_run(experiment_id, run_name=f"run-{i}")
        now = int(time.time() * 1000)
        metrics = [
            Metric("loss" if k % 2 == 0 else "accuracy", 1.0 / (k + 1), now + k, k // 2)
            for k in range(points)
        ]
        client.log_batch(run.info.run_id, metrics=metrics)
        client.set_terminated(run.info.run_id)

    one_run(-1)
    start = time.perf_counter()
    for i in range(runs):
        one_run(i)
    took = time.perf_counter() - start
    print(f"{took:.2f} s for {runs} runs of {points} points ({runs / took:.1f} runs/s)")


if __name__ == "__main__":
    main()
