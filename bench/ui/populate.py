"""Fills a running Kite tracking server for the UI benchmark, through MLflow's REST API, on several threads.

    populate.py BASE_URL RUNS MODELS VERSIONS_PER_MODEL

RUNS runs in one experiment ("ui-bench"), each with 4 params and 4 metrics (one with a 20-step curve in every
100th run); MODELS registered models with VERSIONS_PER_MODEL versions each, version 1 aliased champion. Prints the
experiment id, the name of the first model and the id of a run with a curve.
"""
import concurrent.futures
import json
import sys
import threading
import urllib.request

base, runs, models, versions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
local = threading.local()


def call(path, body, method="POST"):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method=method)
    return json.loads(urllib.request.urlopen(request).read() or b"{}")


experiment = call("/api/2.0/mlflow/experiments/create", {"name": "ui-bench"})["experiment_id"]


def make_run(i):
    run = call("/api/2.0/mlflow/runs/create", {"experiment_id": experiment, "run_name": f"run-{i}", "start_time": 1_700_000_000_000 + i})
    run_id = run["run"]["info"]["run_id"]
    metrics = [{"key": k, "value": v, "timestamp": 1_700_000_000_000, "step": 0}
               for k, v in (("auc", 0.5 + (i % 997) / 2000), ("log_loss", 0.3 + (i % 101) / 1000), ("accuracy", 0.9), ("f1", 0.4))]
    if i % 100 == 0:
        metrics += [{"key": "valid_loss", "value": 1 / (s + 1), "timestamp": 1_700_000_000_000, "step": s} for s in range(20)]
    params = [{"key": "learner", "value": "gbdt"}, {"key": "num_leaves", "value": str(15 + i % 50)},
              {"key": "learning_rate", "value": "0.1"}, {"key": "seed", "value": str(i)}]
    call("/api/2.0/mlflow/runs/log-batch", {"run_id": run_id, "metrics": metrics, "params": params})
    return run_id


with concurrent.futures.ThreadPoolExecutor(8) as pool:
    ids = list(pool.map(make_run, range(runs), chunksize=64))
for m in range(models):
    name = f"model-{m:03d}"
    call("/api/2.0/mlflow/registered-models/create", {"name": name})
    for v in range(versions):
        call("/api/2.0/mlflow/model-versions/create", {"name": name, "source": f"runs:/{ids[(m * versions + v) % len(ids)]}/model",
                                                       "run_id": ids[(m * versions + v) % len(ids)]})
    call("/api/2.0/mlflow/registered-models/alias", {"name": name, "alias": "champion", "version": "1"})
print(json.dumps({"experiment": experiment, "model": "model-000", "run": ids[0]}))
