"""Entity rows and checks for the batch prediction test.

  entities LABELS OUT            the last 240 rows of the example's labels as entity rows (row_id, customer_id,
                                 merchant_id, amount) in row groups of 60, so a batch job has 4 chunks
  compare URL ENTITIES DIR...    posts the entity rows to `kite serve`'s predict endpoint (URL) in one request and
                                 checks that every output folder DIR holds each row exactly once (pyarrow, Hive
                                 partitions) with the served probability and prediction, bit for bit — and, for
                                 a DIR written with --explain, the served explanation's contributions in its
                                 shap_<input> columns, which with shap_expected_value add up to the log-odds of
                                 the probability (1e-9); prints "equal ROWS" (and "explained ROWS" per such DIR)
  dates DIR COLUMN               checks that each row of DIR is filed under date=YYYY-MM-DD of its COLUMN (UTC);
                                 prints "dated ROWS rows on DAYS days"
  partitions DIR COLUMN          checks that each file of DIR is under COLUMN=value (percent-encoded) of each of
                                 its rows, and that pyarrow reads DIR given the column's type (as a user must: it
                                 guesses int32 for numbers in paths); prints "partitioned ROWS rows in FILES files"
  repeat LABELS ROWS CHUNK OUT   ROWS entity rows cycling through the labels (customer_id, merchant_id, amount)
                                 in row groups of CHUNK rows
  rss COMMAND…                   runs COMMAND and prints its exit status and peak resident memory: "rss STATUS KB"
  keys SOURCE AT DIR             checks that DIR's predictions hold exactly the customers with a row in SOURCE
                                 (customer_stats.parquet) at or before AT, once each; prints "keys N"
  online URL DIR                 reads every customer of DIR from the feature server at URL (customer_risk's
                                 probability and prediction) and checks they equal DIR's; prints "online N"
"""
import datetime
import glob
import json
import math
import os
import sys
import urllib.parse
import urllib.request

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

if sys.argv[1] == "entities":
    labels = pq.read_table(sys.argv[2])
    labels = labels.slice(labels.num_rows - 240)
    table = pa.table({"row_id": pa.array(range(240), pa.int64()), "customer_id": labels["customer_id"],
                      "merchant_id": labels["merchant_id"], "amount": labels["amount"], "seen_at": labels["event_timestamp"]})
    pq.write_table(table, sys.argv[3], row_group_size=60)
elif sys.argv[1] == "dates":
    # Each row's file is under date=YYYY-MM-DD of its time column (UTC).
    table = ds.dataset(sys.argv[2], format="parquet", partitioning="hive").to_table().to_pydict()
    for date, time in zip(table["date"], table[sys.argv[3]]):
        assert date == time.astimezone(datetime.timezone.utc).date().isoformat(), f"{time} under date={date}"
    print(f"dated {len(table['date'])} rows on {len(set(table['date']))} days")
elif sys.argv[1] == "partitions":
    folder, column = sys.argv[2], sys.argv[3]
    files = sorted(glob.glob(f"{folder}/{column}=*/*.parquet"))
    for path in files:
        value = urllib.parse.unquote(os.path.basename(os.path.dirname(path)).split("=", 1)[1])
        values = set(pq.read_table(path, columns=[column])[column].to_pylist())
        assert values == {None if value == "__null__" else type(next(iter(values)))(value)}, f"{path}: {values}"
    field = pq.read_schema(files[0]).field(column)
    table = ds.dataset(folder, format="parquet", partitioning=ds.partitioning(pa.schema([field]), flavor="hive")).to_table()
    print(f"partitioned {table.num_rows} rows in {len(files)} files")
elif sys.argv[1] == "compare":
    url, entities, folders = sys.argv[2], pq.read_table(sys.argv[3]).to_pydict(), sys.argv[4:]
    body = {"entities": {"customer_id": entities["customer_id"], "merchant_id": entities["merchant_id"]},
            "request": {"amount": entities["amount"]}, "explain": True}
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    served = json.load(urllib.request.urlopen(request))["predictions"]
    for folder in folders:
        table = ds.dataset(folder, format="parquet", partitioning="hive").to_table().to_pydict()
        rows = sorted(zip(table["row_id"], table["probability"], table["prediction"]))
        assert [r[0] for r in rows] == entities["row_id"], f"{folder}: rows {[r[0] for r in rows][:10]}…"
        for (row, probability, prediction), answer in zip(rows, served):
            assert probability == answer["probability"], f"{folder} row {row}: batch {probability!r}, served {answer['probability']!r}"
            assert prediction == answer["prediction"], f"{folder} row {row}: batch {prediction}, served {answer['prediction']}"
        if "shap_expected_value" in table:
            order = sorted(range(len(table["row_id"])), key=lambda i: table["row_id"][i])
            for i, answer in zip(order, served):
                explanation = answer["explanation"]
                assert table["shap_expected_value"][i] == explanation["expected_value"], f"{folder}: expected value"
                total = explanation["expected_value"]
                for name, value in explanation["contributions"].items():
                    assert table["shap_" + name][i] == value, f"{folder} row {table['row_id'][i]} {name}: {table['shap_' + name][i]} != {value}"
                    total += value
                p = answer["probability"]
                if 1e-12 < p < 1 - 1e-12:
                    assert abs(total - math.log(p / (1 - p))) <= 1e-9 * max(1, abs(total)), f"additivity: {total} vs {p}"
            print(f"explained {len(served)}")
    print(f"equal {len(served)}")
elif sys.argv[1] == "repeat":
    labels, rows = pq.read_table(sys.argv[2]), int(sys.argv[3])
    picked = [i % labels.num_rows for i in range(rows)]
    table = pa.table({"row_id": pa.array(range(rows), pa.int64()), "customer_id": labels["customer_id"].take(picked),
                      "merchant_id": labels["merchant_id"].take(picked), "amount": labels["amount"].take(picked)})
    pq.write_table(table, sys.argv[5], row_group_size=int(sys.argv[4]))
elif sys.argv[1] == "rss":
    import resource
    import subprocess
    status = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL).returncode
    print(f"rss {status} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
elif sys.argv[1] == "keys":
    source, at, folder = pq.read_table(sys.argv[2]).to_pydict(), datetime.datetime.fromisoformat(sys.argv[3]), sys.argv[4]
    expected = sorted({c for c, t in zip(source["customer_id"], source["event_timestamp"]) if t.replace(tzinfo=datetime.timezone.utc) <= at})
    scored = sorted(ds.dataset(folder, format="parquet", partitioning="hive").to_table()["customer_id"].to_pylist())
    assert scored == expected, f"scored {len(scored)} keys, expected {len(expected)}: {scored[:5]}… vs {expected[:5]}…"
    print(f"keys {len(scored)}")
elif sys.argv[1] == "online":
    url, table = sys.argv[2], ds.dataset(sys.argv[3], format="parquet", partitioning="hive").to_table().to_pydict()
    body = {"features": ["customer_risk:probability", "customer_risk:prediction"], "entities": {"customer_id": table["customer_id"]}}
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    answer = json.load(urllib.request.urlopen(request))
    names = answer["metadata"]["feature_names"]
    columns = {name: result["values"] for name, result in zip(names, answer["results"])}
    assert columns["probability"] == table["probability"], f"online {columns['probability'][:3]}, batch {table['probability'][:3]}"
    assert columns["prediction"] == table["prediction"], f"online {columns['prediction'][:3]}, batch {table['prediction'][:3]}"
    print(f"online {len(table['customer_id'])}")
