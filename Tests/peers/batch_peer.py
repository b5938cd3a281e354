"""Entity rows and checks for the batch prediction test.

  entities LABELS OUT            the last 240 rows of the example's labels as entity rows (row_id, customer_id,
                                 merchant_id, amount) in row groups of 60, so a batch job has 4 chunks
  compare URL ENTITIES DIR...    posts the entity rows to `kite serve`'s predict endpoint (URL) in one request and
                                 checks that every output folder DIR holds each row exactly once (pyarrow, Hive
                                 partitions) with the served probability and prediction, bit for bit; prints
                                 "equal ROWS"
"""
import json
import sys
import urllib.request

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

if sys.argv[1] == "entities":
    labels = pq.read_table(sys.argv[2])
    labels = labels.slice(labels.num_rows - 240)
    table = pa.table({"row_id": pa.array(range(240), pa.int64()), "customer_id": labels["customer_id"],
                      "merchant_id": labels["merchant_id"], "amount": labels["amount"]})
    pq.write_table(table, sys.argv[3], row_group_size=60)
elif sys.argv[1] == "compare":
    url, entities, folders = sys.argv[2], pq.read_table(sys.argv[3]).to_pydict(), sys.argv[4:]
    body = {"entities": {"customer_id": entities["customer_id"], "merchant_id": entities["merchant_id"]},
            "request": {"amount": entities["amount"]}}
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    served = json.load(urllib.request.urlopen(request))["predictions"]
    for folder in folders:
        table = ds.dataset(folder, format="parquet", partitioning="hive").to_table().to_pydict()
        rows = sorted(zip(table["row_id"], table["probability"], table["prediction"]))
        assert [r[0] for r in rows] == entities["row_id"], f"{folder}: rows {[r[0] for r in rows][:10]}…"
        for (row, probability, prediction), answer in zip(rows, served):
            assert probability == answer["probability"], f"{folder} row {row}: batch {probability!r}, served {answer['probability']!r}"
            assert prediction == answer["prediction"], f"{folder} row {row}: batch {prediction}, served {answer['prediction']}"
    print(f"equal {len(served)}")
