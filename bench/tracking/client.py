"""The tracking benchmark's client: the real `mlflow` Python client against one tracking server (Kite's or MLflow's),
then the same requests from a minimal keep-alive HTTP/1.1 client, which shows the server's own time without the
mlflow client's per-call overhead (several milliseconds of Python per call).

usage: client.py TRACKING_URI SINGLE_METRICS BATCH_METRICS SEARCH_RUNS REPEATS
Prints JSON: seconds for each measured step (best of REPEATS for the batch and the search).
"""
import json
import os
import socket
import sys
import time
from urllib.parse import urlparse

os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
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


class RawClient:
    """HTTP/1.1 over one keep-alive socket: whole requests in one send, responses read by Content-Length into one
    buffer. `post` returns the body's bytes; parsing them is left to the caller, outside the timed region, so the
    times are the servers' own (and the socket's)."""

    def __init__(self, uri):
        parts = urlparse(uri)
        self.host = parts.netloc
        self.socket = socket.create_connection((parts.hostname, parts.port))
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray()

    def post(self, path, payload):
        body = json.dumps(payload).encode()
        head = f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        self.socket.sendall(head.encode() + body)
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self.buffer += self.socket.recv(1 << 20)
        header = bytes(self.buffer[:end])
        del self.buffer[:end + 4]
        status = int(header.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in header.split(b"\r\n") if line.lower().startswith(b"content-length:"))
        while len(self.buffer) < length:
            self.buffer += self.socket.recv(1 << 20)
        answer = bytes(self.buffer[:length])
        del self.buffer[:length]
        assert status == 200, (status, answer[:300])
        return answer


raw = RawClient(uri)
api = "/api/2.0/mlflow"
run = json.loads(raw.post(f"{api}/runs/create", {"experiment_id": experiment}))["run"]["info"]["run_id"]
now = int(time.time() * 1000)
start = time.perf_counter()
for step in range(singles):
    raw.post(f"{api}/runs/log-metric", {"run_id": run, "key": "loss", "value": 1.0 / (step + 1), "timestamp": now, "step": step})
result["raw_log_metric"] = time.perf_counter() - start
times = []
for repeat in range(repeats):
    metrics = [{"key": f"m{i % 50}", "value": i * 0.5, "timestamp": now, "step": repeat * batch + i} for i in range(batch)]
    start = time.perf_counter()
    raw.post(f"{api}/runs/log-batch", {"run_id": run, "metrics": metrics})
    times.append(time.perf_counter() - start)
result["raw_log_batch"] = min(times)
times = []
for _ in range(repeats):
    start = time.perf_counter()
    answer = raw.post(f"{api}/runs/search", {
        "experiment_ids": [experiment], "filter": "metrics.auc > 0.5 AND params.model = 'gbdt' AND tags.team = 'risk'",
        "order_by": ["metrics.auc DESC"], "max_results": 1000})
    times.append(time.perf_counter() - start)
result["raw_search_runs"] = min(times)
assert len(json.loads(answer)["runs"]) == len(found)
print(json.dumps(result))
