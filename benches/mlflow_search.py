"""The MLflow side of `scripts/bench-search`: MLflow's own tracking store,
in process, searching the same runs nexml holds.

    python mlflow_search.py NEXML_SQLITE_FILE MLFLOW_DIR FILTER [ROUNDS]

Copies every run of a nexml SQLite database (its params, tags, metric
histories and latest values) into an MLflow 3.6 SQLite store in MLFLOW_DIR
(made once, reused after), then times `MlflowClient.search_runs` with
FILTER and `max_results=1000`, as a training notebook would call it: one
warm-up, then ROUNDS (5) rounds. Prints one line per round: seconds and
runs found.
"""

import os
import sqlite3
import sys
import time
import uuid

from mlflow.tracking import MlflowClient

EXPERIMENT = "bench-search"


def build(nexml_file, store_file, uri):
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment(EXPERIMENT)
    source = sqlite3.connect(nexml_file)
    target = sqlite3.connect(store_file)
    ids = {}
    runs = []
    for run_id, created_ms, status in source.execute(
        "SELECT id, CAST(strftime('%s', created_at) AS INTEGER) * 1000, status FROM ml_run ORDER BY id"
    ):
        ids[run_id] = uuid.UUID(int=run_id).hex
        state = {"finished": "FINISHED", "failed": "FAILED", "running": "RUNNING"}.get(status, "SCHEDULED")
        runs.append(
            (ids[run_id], f"run-{run_id}", "LOCAL", "bench", "", "bench", state,
             created_ms, created_ms, "", "active", f"file:///tmp/{run_id}", experiment)
        )
    target.executemany(
        "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, "
        "status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        runs,
    )
    target.executemany(
        "INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)",
        ((k, v, ids[r]) for r, k, v in source.execute("SELECT run_id, key, value FROM ml_run_param")),
    )
    target.executemany(
        "INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)",
        ((k, v, ids[r]) for r, k, v in source.execute("SELECT run_id, key, value FROM ml_run_tag")),
    )
    target.executemany(
        "INSERT OR IGNORE INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)",
        (
            (k, v, 0, ids[r], s)
            for r, k, s, v in source.execute("SELECT run_id, key, step, value FROM ml_run_metric")
        ),
    )
    target.executemany(
        "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, 0, 0, 0, ?)",
        ((k, v, ids[r]) for r, k, v in source.execute("SELECT run_id, key, value FROM ml_run_metric_last")),
    )
    target.commit()
    target.execute("ANALYZE")
    print(f"built an MLflow store of {len(runs)} runs", file=sys.stderr)


def main():
    nexml_file, directory, query, *rest = sys.argv[1:]
    rounds = int(rest[0]) if rest else 5
    os.makedirs(directory, exist_ok=True)
    store_file = os.path.join(directory, "mlflow.db")
    uri = f"sqlite:///{store_file}"
    fresh = not os.path.exists(store_file)
    client = MlflowClient(tracking_uri=uri)
    if fresh:
        build(nexml_file, store_file, uri)
    experiment = client.get_experiment_by_name(EXPERIMENT).experiment_id
    for i in range(rounds + 1):
        start = time.perf_counter()
        found = client.search_runs([experiment], query, max_results=1000)
        took = time.perf_counter() - start
        if i > 0:
            print(f"{took:.4f} {len(found)}")


if __name__ == "__main__":
    main()
