"""Traffic and outcomes for the A/B command test.

  traffic URL COUNT ROWS_OUT      POST COUNT one-row predictions (customer ids 0…COUNT-1, whole rows of the model's
                                  inputs) to URL; writes {customer_id: [variant, request id]} as JSON to ROWS_OUT
  outcomes VARIANTS_JSON OUT      a Parquet file of outcomes: customer_id, metric is_fraud, value (seeded 0/1, more
                                  often 1 for treatment) and the request id of the prediction it labels
  analyze STORE MODEL KEY A,B     what a user would otherwise write (and bench/ab/analysis times): pandas reads
                                  the offline store's prediction log and outcomes (only the columns it needs), takes
                                  each unit's first exposure (forced and shadow rows left out), joins each metric's
                                  totals, and gbstats compares variant B with A (Welch t-test, relative; Bayesian);
                                  prints its seconds, then the results as JSON
  compare KITE_JSON PEER_JSON     checks that `kite ab status --json` equals the analysis above to 1e-9
"""
import json
import os
import random
import sys
import time
import urllib.request

def analyze(store, model, key, variants):
    import pandas as pd
    from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
    from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
    from gbstats.gbstats import check_srm
    from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic

    began = time.perf_counter()
    log = pd.read_parquet(os.path.join(store, "predictions", f"model={model}"),
                          columns=["experiment", "variant", "forced", "shadow", "timestamp", "unit"])
    log = log[(log.experiment == key) & ~log.forced & ~log.shadow & log.variant.isin(variants)]
    first = log.sort_values("timestamp", kind="stable").drop_duplicates("unit")[["unit", "variant"]]
    outcomes = pd.read_parquet(os.path.join(store, "outcomes", f"experiment={key}"), columns=["unit", "metric", "value"])
    totals = outcomes.pivot_table(index="unit", columns="metric", values="value", aggfunc="sum")
    joined = first.merge(totals, left_on="unit", right_index=True, how="left").fillna(0)
    results = {"units": {}, "metrics": []}
    counts = joined.groupby("variant").size()
    results["units"] = {v: int(counts.get(v, 0)) for v in variants}
    results["sample_ratio_p_value"] = check_srm([results["units"][v] for v in variants], [1 / len(variants)] * len(variants))
    for metric in sorted(totals.columns):
        sums = joined.groupby("variant")[metric].agg(["count", "sum", lambda s: (s * s).sum()])
        sums.columns = ["n", "sum", "sum_squares"]
        binary = outcomes.loc[outcomes.metric == metric].groupby("unit").value.sum().isin([0, 1]).all()
        stats = {}
        for variant in variants:
            row = sums.loc[variant]
            stats[variant] = (ProportionStatistic(n=int(row.n), sum=float(row["sum"])) if binary else
                              SampleMeanStatistic(n=int(row.n), sum=float(row["sum"]), sum_squares=float(row.sum_squares)))
        control, treatment = stats[variants[0]], stats[variants[1]]
        t = TwoSidedTTest(control, treatment, FrequentistConfig(difference_type="relative")).compute_result()
        b = EffectBayesianABTest(control, treatment, EffectBayesianConfig(difference_type="relative")).compute_result()
        results["metrics"].append({
            "metric": metric, "control_mean": control.mean, "treatment_mean": treatment.mean,
            "expected": float(t.expected), "ci": [float(v) for v in t.ci], "p_value": float(t.p_value),
            "chance_to_win": float(b.chance_to_win),
        })
    print(f"{time.perf_counter() - began:.3f}")
    print(json.dumps(results))


def compare(kite_file, peer_file):
    kite, peer = json.load(open(kite_file)), json.load(open(peer_file))

    def close(a, b, what):
        if abs(a - b) > 1e-9 * max(1.0, abs(b)):
            sys.exit(f"{what}: Kite {a!r} != gbstats {b!r}")

    if kite["units"] != peer["units"]:
        sys.exit(f"units: Kite {kite['units']} != pandas {peer['units']}")
    close(kite["sample_ratio_p_value"], peer["sample_ratio_p_value"], "SRM p-value")
    by_name = {m["metric"]: m for m in kite["metrics"]}
    for expected in peer["metrics"]:
        got = by_name[expected["metric"]]
        control, treatment = got["variants"]
        close(control["mean"], expected["control_mean"], f"{expected['metric']} control mean")
        close(treatment["mean"], expected["treatment_mean"], f"{expected['metric']} treatment mean")
        f = treatment["frequentist"]
        close(f["lift"], expected["expected"], f"{expected['metric']} lift")
        close(f["p_value"], expected["p_value"], f"{expected['metric']} p-value")
        close(f["ci"][0], expected["ci"][0], f"{expected['metric']} CI low")
        close(f["ci"][1], expected["ci"][1], f"{expected['metric']} CI high")
        close(treatment["bayesian"]["chance_to_win"], expected["chance_to_win"], f"{expected['metric']} chance to win")
    print("equal to 1e-9")


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
elif sys.argv[1] == "analyze":
    analyze(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split(","))
elif sys.argv[1] == "compare":
    compare(sys.argv[2], sys.argv[3])
