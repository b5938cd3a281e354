"""The A/B analysis benchmark's data (its peer analysis is Tests/peers/ab_peer.py's, which the tests check).

  generate STORE ROWS UNITS KEY     a prediction log of ROWS rows (the columns `kite serve` writes) in
                                    STORE/predictions/model=fraud/date=…/, each row a unit's exposure to variant
                                    control or treatment (5% forced, 5% shadow), and outcomes of two metrics
                                    (converted, a proportion; revenue, a mean) in STORE/outcomes/experiment=KEY/
"""
import os
import sys

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


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "generate":
        generate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
