"""Helpers of bench/serving/run.

  lightgbm TRAINING_SET OUT_MODEL          train LightGBM (the example's GBDT parameters) on Kite's training set
  load-redis KITE_PORT REDIS_PORT          copy the online features Kite serves into plain Redis hashes
  wrk-lua KITE_LUA FASTAPI_LUA             wrk scripts: a random customer, merchant and amount per request
  explain-lua KITE_LUA FASTAPI_LUA         wrk scripts: a whole random row of the 8 inputs, explained
  report RESULTS_JSON                      print the table
"""
import json
import sys
import urllib.request

CUSTOMERS, MERCHANTS = 2000, 200  # the example's ids at 100,000 transactions: 0…1999 and 0…199
FEATURES = ["spend_1d", "spend_7d", "txn_count_7d", "avg_amount_7d", "fraud_rate_30d", "amount_vs_avg_7d", "is_large", "amount"]


def post(port, path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", json.dumps(body).encode(), {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))


command = sys.argv[1]
if command == "lightgbm":
    import lightgbm
    import pyarrow.parquet as pq

    table = pq.read_table(sys.argv[2]).to_pandas()
    table["is_large"] = table["is_large"].astype(float)
    data = lightgbm.Dataset(table[FEATURES].astype(float), label=table["is_fraud"].astype(int))
    parameters = {"objective": "binary", "num_leaves": 31, "learning_rate": 0.1, "min_data_in_leaf": 20, "seed": 7, "verbose": -1, "num_threads": 1}
    lightgbm.train(parameters, data, num_boost_round=100).save_model(sys.argv[3])
elif command == "load-redis":
    import redis

    kite_port, redis_port = sys.argv[2], int(sys.argv[3])
    store = redis.Redis(host="127.0.0.1", port=redis_port)
    for entity, key, features, count in [("customer_id", "c", ["customer_stats:*"], CUSTOMERS), ("merchant_id", "m", ["merchant_stats:fraud_rate_30d"], MERCHANTS)]:
        answer = post(kite_port, "/get-online-features", {"features": features, "entities": {entity: list(range(count))}})
        names = answer["metadata"]["feature_names"]
        results = answer["results"]
        for row in range(count):
            values = {names[i]: results[i]["values"][row] for i in range(1, len(names)) if results[i]["values"][row] is not None}
            if values:
                store.hset(f"bench:{key}:{row}", mapping=values)
elif command == "wrk-lua":
    common = f"""
math.randomseed(7)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local customer = math.random(0, {CUSTOMERS - 1})
  local merchant = math.random(0, {MERCHANTS - 1})
  local amount = math.random(100, 50000) / 100
  return wrk.format(nil, nil, nil, BODY)
end
"""
    kite = '\'{"entities": {"customer_id": [\' .. customer .. \'], "merchant_id": [\' .. merchant .. \']}, "request": {"amount": [\' .. amount .. \']}}\''
    fastapi = '\'{"customer_id": \' .. customer .. \', "merchant_id": \' .. merchant .. \', "amount": \' .. amount .. \'}\''
    open(sys.argv[2], "w").write(common.replace("BODY", kite))
    open(sys.argv[3], "w").write(common.replace("BODY", fastapi))
elif command == "explain-lua":
    values = ", ".join(f'"{name}": \' .. string.format("%.3f", math.random() * 50) .. \'' for name in FEATURES)
    common = f"""
math.randomseed(7)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  return wrk.format(nil, nil, nil, BODY)
end
"""
    open(sys.argv[2], "w").write(common.replace("BODY", "'{\"explain\": true, \"rows\": [{" + values + "}]}'"))
    open(sys.argv[3], "w").write(common.replace("BODY", "'{" + values + "}'"))
elif command == "report":
    import os
    import platform
    import statistics

    results = json.load(open(sys.argv[2]))
    rounds = {key: value if isinstance(value, list) else [value] for key, value in results.items() if key.startswith(("kite_", "fastapi_"))
              and isinstance(value, (list, dict))}

    def median(key):  # the load with the median req/s at 32 connections (the lower middle of an even count)
        ordered = sorted(rounds[key], key=lambda run: run["loaded"]["rps"])
        return ordered[(len(ordered) - 1) // 2]

    def cpu(run):  # the server's CPU time per request (all its processes), the steadier figure on a shared machine
        return f"{run['cpu_us']:.0f} µs" if "cpu_us" in run else "-"

    def cpu_median(key):
        values = sorted(run["loaded"]["cpu_us"] for run in rounds[key] if "cpu_us" in run["loaded"])
        return values[(len(values) - 1) // 2] if values else None

    count = max(len(runs) for runs in rounds.values())
    print(f"bench/serving: fraud GBDT (100 trees x 31 leaves, {len(FEATURES)} inputs), one transaction per request, wrk 2 threads x 32 connections, "
          f"{platform.machine()}, {os.cpu_count()} cores; Kite logs every prediction; the median of {count} loads per server")
    print(f"{'':38}{'32 connections':>50}{'1 connection':>30}   every load, req/s")
    print(f"{'':38}{'req/s':>10}{'p50':>10}{'p99':>10}{'non-2xx':>10}{'CPU/req':>10}{'req/s':>10}{'p50':>10}{'p99':>10}")
    for label, key in [("kite serve (embedded store)", "kite_embedded"), ("kite serve (Redis)", "kite_redis"),
                       ("kite serve (Redis, A/B + shadow)", "kite_redis_ab"),
                       ("FastAPI + uvicorn, 1 worker (Redis)", "fastapi_1"), ("FastAPI + uvicorn, 2 workers (Redis)", "fastapi_2")]:
        run = median(key)
        loaded, single = run["loaded"], run["single"]
        print(f"  {label:36}{loaded['rps']:10.0f}{loaded['p50']:>10}{loaded['p99']:>10}{loaded['non2xx']:10d}{cpu(loaded):>10}"
              f"{single['rps']:10.0f}{single['p50']:>10}{single['p99']:>10}   "
              + ", ".join(f"{each['loaded']['rps']:.0f}" for each in rounds[key]))
    if all("eight" in run for runs in rounds.values() for run in runs):
        print("at 8 connections (each median load's server, 5 s):")
        for label, key in [("kite serve (embedded store)", "kite_embedded"), ("kite serve (Redis)", "kite_redis"),
                           ("kite serve (Redis, A/B + shadow)", "kite_redis_ab"),
                           ("FastAPI + uvicorn, 1 worker (Redis)", "fastapi_1"), ("FastAPI + uvicorn, 2 workers (Redis)", "fastapi_2")]:
            eight = median(key)["eight"]
            print(f"  {label:36}{eight['rps']:10.0f}{eight['p50']:>10}{eight['p99']:>10}{eight['non2xx']:10d}")
    rps = {key: median(key)["loaded"]["rps"] for key in rounds}
    best = max(rps["fastapi_1"], rps["fastapi_2"])
    print(f"kite (Redis) / best FastAPI: {rps['kite_redis'] / best:.1f}x (/ 1 worker: {rps['kite_redis'] / rps['fastapi_1']:.1f}x); "
          f"kite (embedded) / best FastAPI: {rps['kite_embedded'] / best:.1f}x (/ 1 worker: {rps['kite_embedded'] / rps['fastapi_1']:.1f}x)")
    if all(cpu_median(key) for key in ("kite_redis", "fastapi_1", "fastapi_2")):
        kite_cpu = cpu_median("kite_redis")
        print(f"CPU per request (the median of each server's loads): kite (Redis) {kite_cpu:.0f} µs, FastAPI 1 worker "
              f"{cpu_median('fastapi_1'):.0f} µs ({cpu_median('fastapi_1') / kite_cpu:.1f}x), 2 workers {cpu_median('fastapi_2'):.0f} µs "
              f"({cpu_median('fastapi_2') / kite_cpu:.1f}x)")
    each = [ab["loaded"]["rps"] / plain["loaded"]["rps"] for plain, ab in zip(rounds["kite_redis"], rounds["kite_redis_ab"])]
    print(f"kite (Redis) with an A/B test and a shadow: {rps['kite_redis_ab'] / rps['kite_redis'] * 100:.0f}% of plain serving's throughput "
          f"(medians; each round: {', '.join(f'{ratio * 100:.0f}%' for ratio in each)}; bench/ab's goal: at least 90%)")
    if results.get("ab_pairs"):
        pairs = [ab / plain for plain, ab in results["ab_pairs"]]
        print(f"  in alternating pairs ({len(pairs)} x {results['pair_seconds']} s each, both servers up): "
              f"{statistics.median(pairs) * 100:.0f}% (median; each pair: {', '.join(f'{ratio * 100:.0f}%' for ratio in pairs)})")
    print(f"kite serve RSS after load: embedded {results['kite_embedded_rss_mb']} MB, Redis {results['kite_redis_rss_mb']} MB")
    if "kite_explain" in results:
        print("explained predictions: the FastAPI app's LightGBM model imported into Kite (kite models import); whole rows, "
              "contributions per input (Kite: TreeSHAP; FastAPI: LightGBM's pred_contrib)")
        for label, key in [("kite serve, \"explain\": true", "kite_explain"), ("FastAPI + uvicorn, 2 workers", "fastapi_explain")]:
            loaded, single = results[key]["loaded"], results[key]["single"]
            print(f"  {label:36}{loaded['rps']:10.0f}{loaded['p50']:>10}{loaded['p99']:>10}{loaded['non2xx']:10d}{cpu(loaded):>10}"
                  f"{single['rps']:10.0f}{single['p50']:>10}{single['p99']:>10}")
        print(f"kite / FastAPI, explained: {results['kite_explain']['loaded']['rps'] / results['fastapi_explain']['loaded']['rps']:.1f}x")
