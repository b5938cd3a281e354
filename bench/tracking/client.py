"""The tracking benchmark's client: the real `mlflow` Python client against one tracking server (Kite's or MLflow's).

usage: client.py TRACKING_URI SINGLE_METRICS BATCH_METRICS SEARCH_RUNS REPEATS
Prints JSON: seconds for each measured step (best of REPEATS for the batch and the search).
"""
import json
import os
import sys
import time

os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric, Param, RunTag  # noqa: E402

uri, singles, batch, runs, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
mlflow.set_tracking_uri(uri)
client = MlflowClient()
experiment = client.create_experiment("bench")
result = {}

# 1. Single log_metric calls, one HTTP request each, as training loops send them.
run = client.create_run(experiment).info.run_id
start = time.perf_counter()
for step in range(singles):
    client.log_metric(run, "loss", 1.0 / (step + 1), step=step)
result["log_metric"] = time.perf_counter() - start

# 2. One log_batch of BATCH_METRICS metrics (MLflow's limit is 1,000 per request).
times = []
for repeat in range(repeats):
    metrics = [Metric(f"m{i % 50}", i * 0.5, int(time.time() * 1000), repeat * batch + i) for i in range(batch)]
    start = time.perf_counter()
    client.log_batch(run, metrics=metrics)
    times.append(time.perf_counter() - start)
result["log_batch"] = min(times)

# 3. search_runs with a filter and an order over SEARCH_RUNS runs (set up first, not timed).
for i in range(runs):
    r = client.create_run(experiment, tags={"team": "risk" if i % 2 else "growth"}).info.run_id
    client.log_batch(r, metrics=[Metric("auc", (i % 100) / 100, 0, 0)], params=[Param("model", "gbdt" if i % 3 else "linear")])
times = []
for _ in range(repeats):
    start = time.perf_counter()
    found = client.search_runs(
        [experiment], filter_string="metrics.auc > 0.5 AND params.model = 'gbdt' AND tags.team = 'risk'",
        order_by=["metrics.auc DESC"], max_results=1000)
    times.append(time.perf_counter() - start)
result["search_runs"] = min(times)
result["search_found"] = len(found)
print(json.dumps(result))
