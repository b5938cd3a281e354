"""An Open Inference Protocol client — Triton's `tritonclient.http`, unchanged — against `kite serve`'s /v2 API.

usage: tritonclient_peer.py HOST:PORT MODEL ROWS_JSON

ROWS_JSON holds {"name": [values...]} for every model input. Checks server and model health, reads the model's
metadata, and infers twice: with tritonclient's defaults (binary tensor data both ways) and with JSON data.
Prints JSON: the metadata's input names, the model version, and each inference's outputs.
"""
import json
import sys

import numpy as np
import tritonclient.http as httpclient

url, model, rows_path = sys.argv[1:]
rows = json.loads(open(rows_path).read())
client = httpclient.InferenceServerClient(url=url)
assert client.is_server_live() and client.is_server_ready() and client.is_model_ready(model)
metadata = client.get_model_metadata(model)
numpy_types = {"FP64": np.float64, "FP32": np.float32, "INT64": np.int64, "INT32": np.int32, "BOOL": np.bool_, "BYTES": np.object_}


def infer(binary):
    inputs = []
    for tensor in metadata["inputs"]:
        values = rows[tensor["name"]]
        if tensor["datatype"] == "FP64":
            values = [float("nan") if v is None else v for v in values]
        array = np.array(values, dtype=numpy_types[tensor["datatype"]])
        item = httpclient.InferInput(tensor["name"], list(array.shape), tensor["datatype"])
        item.set_data_from_numpy(array, binary_data=binary)
        inputs.append(item)
    outputs = None if binary else [httpclient.InferRequestedOutput(o["name"], binary_data=False) for o in metadata["outputs"]]
    result = client.infer(model, inputs, outputs=outputs, request_id="peer")
    answer = result.get_response()
    return {
        "version": answer["model_version"],
        "outputs": {o["name"]: result.as_numpy(o["name"]).tolist() for o in answer["outputs"]},
    }


print(json.dumps({"inputs": [t["name"] for t in metadata["inputs"]], "binary": infer(True), "json": infer(False)}))
