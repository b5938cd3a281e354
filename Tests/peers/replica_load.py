"""Prediction load through a proxy for the replica test.

usage: replica_load.py HOST:PORT STOP_FILE THREADS

Each thread sends POST /v1/models/fraud/predict (two entity rows, a unique request id each) over one keep-alive
connection until STOP_FILE exists (at most two minutes). Prints JSON: how many answers per status, each successful request's id and the model
version that answered, in the order they were answered.
"""
import http.client
import json
import os
import sys
import threading
import time

address, stop_file, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = address.split(":")
lock = threading.Lock()
statuses, answered, errors = {}, [], []
deadline = time.monotonic() + 120


def load(thread):
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    count = 0
    while time.monotonic() < deadline and not os.path.exists(stop_file):
        request_id = f"t{thread}-{count}"
        count += 1
        body = json.dumps({"id": request_id, "entities": {"customer_id": [thread + 1, count % 40 + 1], "merchant_id": [1, 2]},
                           "request": {"amount": [10.0 + count, 250.0]}})
        try:
            connection.request("POST", "/v1/models/fraud/predict", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            text = response.read()
            status = response.status
        except Exception as error:  # a broken connection is a failed request too
            status = type(error).__name__
            connection.close()
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
        with lock:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if status == 200:
                answer = json.loads(text)
                answered.append([answer["id"], answer["model_version"], time.monotonic()])
                if len(answered) == 20:
                    open(stop_file + ".started", "w").close()  # the test waits for this before moving the alias
            elif len(errors) < 5:
                errors.append(f"{status}: {text[:200] if isinstance(status, int) else ''}")


workers = [threading.Thread(target=load, args=(index,)) for index in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
answered.sort(key=lambda item: item[2])
print(json.dumps({"statuses": statuses, "answered": [item[:2] for item in answered], "errors": errors}))
