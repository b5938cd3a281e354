"""Traffic and outcomes for the A/B command test.

  traffic URL COUNT ROWS_OUT      POST COUNT one-row predictions (customer ids 0…COUNT-1, whole rows of the model's
                                  inputs) to URL; writes {customer_id: [variant, request id]} as JSON to ROWS_OUT
  outcomes VARIANTS_JSON OUT      a Parquet file of outcomes: customer_id, metric is_fraud, value (seeded 0/1, more
                                  often 1 for treatment) and the request id of the prediction it labels
"""
import json
import random
import sys
import urllib.request

if sys.argv[1] == "traffic":
    url, count, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    variants = {}
    for customer in range(count):
        row = {"customer_id": customer, "spend_1d": 10.0, "spend_7d": 70.0, "txn_count_7d": 3, "avg_amount_7d": 25.0,
               "fraud_rate_30d": 0.02, "amount_vs_avg_7d": 1.5, "is_large": False, "amount": 37.5}
        request = urllib.request.Request(url, json.dumps({"rows": [row]}).encode(), {"Content-Type": "application/json"})
        answer = json.load(urllib.request.urlopen(request))
        variants[str(customer)] = [answer["predictions"][0]["variant"], answer["id"]]
    open(out, "w").write(json.dumps(variants))
elif sys.argv[1] == "outcomes":
    import pyarrow as pa
    import pyarrow.parquet as pq

    variants, out = json.loads(open(sys.argv[2]).read()), sys.argv[3]
    rng = random.Random(5)
    ids = sorted(variants, key=int)
    values = [1.0 if rng.random() < (0.3 if variants[c][0] == "treatment" else 0.1) else 0.0 for c in ids]
    pq.write_table(pa.table({"customer_id": [int(c) for c in ids], "metric": ["is_fraud"] * len(ids), "value": values,
                             "request_id": [variants[c][1] for c in ids]}), out)
