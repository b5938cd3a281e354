"""The A/B analysis benchmark's data and its Python peer.

  generate STORE ROWS UNITS KEY     a prediction log of ROWS rows (the columns `kite serve` writes) in
                                    STORE/predictions/model=fraud/date=…/, each row a unit's exposure to variant
                                    control or treatment (5% forced, 5% shadow), and outcomes of two metrics
                                    (converted, a proportion; revenue, a mean) in STORE/outcomes/experiment=KEY/
  analyze STORE KEY                 what a user would write: pandas reads the same files (only the columns it
                                    needs), takes each unit's first exposure, joins the outcomes, and gbstats
                                    analyses each metric (Welch t-test, Bayesian); prints seconds then results JSON
  compare KITE_JSON PEER_JSON       checks that Kite's results (kite ab status --json) equal the peer's to 1e-9
"""
import json
import os
import sys
import time

import numpy as np


def generate(store, rows, units, key):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(7)
    days, files_per_day = 10, 4
    per_file = rows // (days * files_per_day)
    start = np.datetime64("2026-11-01T00:00:00", "us").astype(np.int64)
    treatment_of = rng.random(units) < 0.5  # each unit's assigned variant
    request = 0
    for day in range(days):
        folder = os.path.join(store, "predictions", "model=fraud", f"date=2026-11-{day + 1:02d}")
        os.makedirs(folder, exist_ok=True)
        for part in range(files_per_day):
            unit = rng.integers(0, units, per_file)
            kind = rng.random(per_file)
            forced, shadow = kind < 0.05, (kind >= 0.05) & (kind < 0.10)
            variant = np.where(treatment_of[unit], "treatment", "control").astype(object)
            variant[forced] = np.where(rng.random(forced.sum()) < 0.5, "treatment", "control")
            variant[shadow] = "shadow v3"
            offset = np.sort(rng.integers(0, 86_400_000_000 // files_per_day, per_file))
            times = start + day * 86_400_000_000 + part * (86_400_000_000 // files_per_day) + offset
            probability = rng.random(per_file)
            table = pa.table({
                "request_id": pa.array([f"req-{request + i:09d}" for i in range(per_file)]),
                "timestamp": pa.array(times, pa.timestamp("us", tz="UTC")),
                "model_version": pa.array(np.where(variant == "treatment", 2, 1), pa.int64()),
                "entities": pa.array([f'{{"customer_id":{u}}}' for u in unit]),
                "prediction": pa.array((probability > 0.5).astype(np.int64)),
                "probability": pa.array(probability),
                "latency_us": pa.array(rng.integers(200, 3_000, per_file)),
                "experiment": pa.array([key] * per_file),
                "variant": pa.array(variant, pa.string()),
                "forced": pa.array(forced),
                "shadow": pa.array(shadow),
                "unit": pa.array(unit.astype(str)),
                "amount": pa.array(rng.gamma(2.0, 40.0, per_file)),
            })
            pq.write_table(table, os.path.join(folder, f"part-{times[0]}-{part:08x}.parquet"))
            request += per_file
    # Outcomes: a third of the units convert (the treatment a little more), converters have revenue.
    converted = rng.random(units) < np.where(treatment_of, 0.34, 0.33)
    buyers = np.flatnonzero(converted)
    revenue = rng.gamma(2.0, np.where(treatment_of[buyers], 31.0, 30.0))
    folder = os.path.join(store, "outcomes", f"experiment={key}")
    os.makedirs(folder, exist_ok=True)
    ids = np.concatenate([buyers, buyers]).astype(str)
    pq.write_table(pa.table({
        "unit": pa.array(ids),
        "metric": pa.array(["converted"] * len(buyers) + ["revenue"] * len(buyers)),
        "value": pa.array(np.concatenate([np.ones(len(buyers)), revenue])),
        "received": pa.array(np.full(2 * len(buyers), start + 20 * 86_400_000_000), pa.timestamp("us", tz="UTC")),
        "request_id": pa.array([None] * (2 * len(buyers)), pa.string()),
    }), os.path.join(folder, "part-0.parquet"))


def analyze(store, key):
    import pandas as pd
    from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
    from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
    from gbstats.gbstats import check_srm
    from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic

    began = time.perf_counter()
    log = pd.read_parquet(os.path.join(store, "predictions", "model=fraud"),
                          columns=["experiment", "variant", "forced", "shadow", "timestamp", "unit"])
    log = log[(log.experiment == key) & ~log.forced & ~log.shadow & log.variant.isin(["control", "treatment"])]
    first = log.sort_values("timestamp", kind="stable").drop_duplicates("unit")[["unit", "variant"]]
    outcomes = pd.read_parquet(os.path.join(store, "outcomes", f"experiment={key}"), columns=["unit", "metric", "value"])
    totals = outcomes.pivot_table(index="unit", columns="metric", values="value", aggfunc="sum")
    joined = first.merge(totals, left_on="unit", right_index=True, how="left").fillna(0)
    results = {"units": {}, "metrics": []}
    counts = joined.groupby("variant").size()
    results["units"] = {v: int(counts.get(v, 0)) for v in ["control", "treatment"]}
    results["sample_ratio_p_value"] = check_srm([results["units"]["control"], results["units"]["treatment"]], [0.5, 0.5])
    for metric in sorted(totals.columns):
        sums = joined.groupby("variant")[metric].agg(["count", "sum", lambda s: (s * s).sum()])
        sums.columns = ["n", "sum", "sum_squares"]
        binary = outcomes.loc[outcomes.metric == metric].groupby("unit").value.sum().isin([0, 1]).all()
        stats = {}
        for variant in ["control", "treatment"]:
            row = sums.loc[variant]
            stats[variant] = (ProportionStatistic(n=int(row.n), sum=float(row["sum"])) if binary else
                              SampleMeanStatistic(n=int(row.n), sum=float(row["sum"]), sum_squares=float(row.sum_squares)))
        t = TwoSidedTTest(stats["control"], stats["treatment"], FrequentistConfig(difference_type="relative")).compute_result()
        b = EffectBayesianABTest(stats["control"], stats["treatment"], EffectBayesianConfig(difference_type="relative")).compute_result()
        results["metrics"].append({
            "metric": metric, "control_mean": stats["control"].mean, "treatment_mean": stats["treatment"].mean,
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


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "generate":
        generate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif command == "analyze":
        analyze(sys.argv[2], sys.argv[3])
    elif command == "compare":
        compare(sys.argv[2], sys.argv[3])
