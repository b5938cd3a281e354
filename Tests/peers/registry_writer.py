"""Writes to a Kite (or MLflow) tracking server as fast as one client can: COUNT runs, each with a metric and a
param. Prints 'ok COUNT'; exits 1 with the first failure's status and body."""
import json
import sys
import urllib.error
import urllib.request

port, count = int(sys.argv[1]), int(sys.argv[2])
base = f"http://127.0.0.1:{port}/api/2.0/mlflow"


def post(path, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        sys.exit(f"{path} answered {error.code}: {error.read().decode()}")


for index in range(count):
    run = post("/runs/create", {"experiment_id": "0", "run_name": f"w{index}"})["run"]["info"]["run_id"]
    post("/runs/log-batch", {"run_id": run, "metrics": [{"key": "auc", "value": index / count, "timestamp": 1, "step": 0}],
                             "params": [{"key": "i", "value": str(index)}]})
print(f"ok {count}")
