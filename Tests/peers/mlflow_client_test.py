"""The real `mlflow` client against `kite server`: starts the server in a project folder on a free port, runs the
tracking and registry workflow a user runs, asserts the results, then stops the server with SIGTERM.

usage: mlflow_client_test.py KITE_BINARY PROJECT_DIR
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

kite, project = sys.argv[1], sys.argv[2]
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
log = open(os.path.join(project, "server.log"), "w")
server = subprocess.Popen([kite, "server", "--port", str(port)], cwd=project, stdout=log, stderr=subprocess.STDOUT)
uri = f"http://127.0.0.1:{port}"
for _ in range(200):
    try:
        urllib.request.urlopen(uri + "/health", timeout=1)
        break
    except Exception:
        time.sleep(0.05)
else:
    server.kill()
    sys.exit("kite server did not start")

os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
# mlflow's telemetry thread writes os.environ while requests iterates it (a KeyError now and then): off in tests.
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
import mlflow  # noqa: E402
import numpy as np  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

try:
    mlflow.set_tracking_uri(uri)
    client = MlflowClient()
    experiment = mlflow.set_experiment("fraud-detection")
    assert experiment.name == "fraud-detection" and experiment.experiment_id == "1", experiment
    assert client.get_experiment("0").name == "Default"

    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.9, 0.1], [0.1, 0.7], [0.8, 0.3]])
    y = np.array([0, 1, 0, 1, 0, 1])
    model = LogisticRegression().fit(X, y)
    with tempfile.TemporaryDirectory() as folder:
        note = os.path.join(folder, "notes.txt")
        with open(note, "w") as f:
            f.write("trained on six rows\n")
        with mlflow.start_run(run_name="parent") as parent:
            mlflow.log_param("C", 1.0)
            mlflow.log_params({"penalty": "l2", "solver": "lbfgs"})
            for step, loss in enumerate([0.9, 0.5, 0.3]):
                mlflow.log_metric("loss", loss, step=step)
            mlflow.log_metrics({"auc": 0.97, "accuracy": 0.91})
            mlflow.set_tag("team", "risk")
            mlflow.log_artifact(note)
            mlflow.log_dict({"features": ["amount", "hour"]}, "config/features.json")
            for fold in range(2):
                with mlflow.start_run(run_name=f"fold-{fold}", nested=True):
                    mlflow.log_metric("auc", 0.9 + fold / 100)
            info = mlflow.sklearn.log_model(model, name="model", registered_model_name="fraud")
        parent_id = parent.info.run_id

    run = client.get_run(parent_id)
    assert run.info.status == "FINISHED" and run.info.end_time is not None, run.info
    assert run.data.params == {"C": "1.0", "penalty": "l2", "solver": "lbfgs"}, run.data.params
    assert run.data.metrics["loss"] == 0.3 and run.data.metrics["auc"] == 0.97, run.data.metrics
    assert run.data.tags["team"] == "risk" and run.data.tags["mlflow.runName"] == "parent"
    history = client.get_metric_history(parent_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 0.9), (1, 0.5), (2, 0.3)], history
    files = sorted(f.path for f in client.list_artifacts(parent_id))
    assert files == ["config", "notes.txt"], files
    assert [f.path for f in client.list_artifacts(parent_id, "config")] == ["config/features.json"]
    assert mlflow.artifacts.load_dict(run.info.artifact_uri + "/config/features.json") == {"features": ["amount", "hour"]}
    local = mlflow.artifacts.download_artifacts(run_id=parent_id, artifact_path="notes.txt")
    assert open(local).read() == "trained on six rows\n"

    children = mlflow.search_runs(filter_string=f"tags.mlflow.parentRunId = '{parent_id}'", output_format="list")
    assert sorted(r.info.run_name for r in children) == ["fold-0", "fold-1"], children

    client.set_registered_model_alias("fraud", "champion", "1")
    version = client.get_model_version_by_alias("fraud", "champion")
    assert version.version == "1" and version.aliases == ["champion"] and version.status == "READY", version
    assert version.source == f"models:/{info.model_id}", (version.source, info.model_id)
    loaded = mlflow.pyfunc.load_model("models:/fraud@champion")
    assert list(loaded.predict(X)) == list(model.predict(X))
    assert client.get_registered_model("fraud").aliases == {"champion": "1"}
    second = client.create_model_version("fraud", source=info.model_uri, run_id=parent_id)
    assert second.version == "2"
    client.set_registered_model_alias("fraud", "champion", "2")
    assert client.get_model_version_by_alias("fraud", "champion").version == "2"
    assert [m.name for m in client.search_registered_models(filter_string="name LIKE 'fra%'")] == ["fraud"]
    assert sorted(v.version for v in client.search_model_versions("name = 'fraud'")) == ["1", "2"]

    ranked = mlflow.search_runs(
        experiment_ids=["1"], filter_string="metrics.auc > 0.9 AND attributes.status = 'FINISHED'",
        order_by=["metrics.auc DESC"], output_format="list")
    assert [r.info.run_name for r in ranked] == ["parent", "fold-1"], [r.info.run_name for r in ranked]
    frame = mlflow.search_runs(experiment_ids=["1"], filter_string="params.penalty = 'l2'")
    assert list(frame["run_id"]) == [parent_id] and frame["metrics.auc"][0] == 0.97

    def error_code(call):
        try:
            call()
        except MlflowException as error:
            return error.error_code
        return None

    assert error_code(lambda: client.get_run("0123456789abcdef")) == "RESOURCE_DOES_NOT_EXIST"
    assert error_code(lambda: client.create_experiment("fraud-detection")) == "RESOURCE_ALREADY_EXISTS"
    assert error_code(lambda: client.search_runs(["1"], filter_string="metrics.auc >>> 1")) == "INVALID_PARAMETER_VALUE"
    assert error_code(lambda: client.set_registered_model_alias("fraud", "latest", "1")) == "INVALID_PARAMETER_VALUE"
    assert error_code(lambda: client.log_param(parent_id, "C", "2.0")) == "INVALID_PARAMETER_VALUE"
finally:
    server.send_signal(signal.SIGTERM)
    try:
        status = server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        sys.exit("kite server did not stop on SIGTERM")
if status != 0:
    sys.exit(f"kite server exited with {status} on SIGTERM")
print("ok")
