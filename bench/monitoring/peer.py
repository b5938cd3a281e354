"""The monitoring benchmark's Python side: the data, Evidently's DataDriftPreset and a scipy loop on it, the report.

    peer.py generate FOLDER ROWS                  reference.parquet and current.parquet: ROWS rows x 22 columns each
    peer.py evidently REFERENCE CURRENT OUT.json  Evidently's DataDriftPreset; writes {column: value} and its seconds
    peer.py scipy REFERENCE CURRENT OUT.json      the same tests written as a loop over scipy's functions
    peer.py report KITE.json EVIDENTLY.json SCIPY.json KITE_S EVIDENTLY_S SCIPY_S ROWS
"""
import json
import sys
import time

import numpy as np
import pandas as pd

NUMERIC = [f"x{i}" for i in range(16)]
CATEGORICAL = [f"c{i}" for i in range(6)]


def generate(folder, rows):
    rng = np.random.default_rng(42)
    for name, shift in (("reference", 0.0), ("current", 1.0)):
        data = {}
        for i, column in enumerate(NUMERIC):
            drift = shift * (0.15 if i % 3 == 0 else 0.0)
            values = rng.normal(i + drift, 1 + i / 8, rows)
            data[column] = np.round(values * 100) if i % 4 == 3 else values  # some integer-valued columns
        for i, column in enumerate(CATEGORICAL):
            levels = [f"level-{k}" for k in range(4 + 3 * i)]
            weights = np.linspace(1, 2 + shift * (i % 2), len(levels))
            data[column] = rng.choice(levels, rows, p=weights / weights.sum())
        pd.DataFrame(data).to_parquet(f"{folder}/{name}.parquet", index=False)


def evidently(reference_path, current_path, out):
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    began = time.perf_counter()
    reference, current = pd.read_parquet(reference_path), pd.read_parquet(current_path)
    definition = DataDefinition(numerical_columns=NUMERIC, categorical_columns=CATEGORICAL)
    snapshot = Report([DataDriftPreset()]).run(
        Dataset.from_pandas(current, data_definition=definition), Dataset.from_pandas(reference, data_definition=definition)
    )
    values = {}
    for metric in snapshot.dict()["metrics"]:
        if metric["config"]["type"].endswith("ValueDrift"):
            values[metric["config"]["column"]] = float(metric["value"])
    json.dump({"seconds": time.perf_counter() - began, "values": values}, open(out, "w"))


def scipy_loop(reference_path, current_path, out):
    from scipy import stats
    from scipy.spatial import distance

    began = time.perf_counter()
    reference, current = pd.read_parquet(reference_path), pd.read_parquet(current_path)
    values = {}
    for column in NUMERIC:  # more than 1,000 reference rows and five values: normed Wasserstein
        r, c = reference[column].dropna(), current[column].dropna()
        values[column] = stats.wasserstein_distance(r, c) / max(float(np.std(r)), 0.001)
    for column in CATEGORICAL:  # Jensen-Shannon of the category shares
        r, c = reference[column].dropna(), current[column].dropna()
        keys = sorted(set(r.unique()) | set(c.unique()))
        rc, cc = r.value_counts(), c.value_counts()
        values[column] = float(distance.jensenshannon([rc.get(k, 0) / len(r) for k in keys], [cc.get(k, 0) / len(c) for k in keys]))
    json.dump({"seconds": time.perf_counter() - began, "values": values}, open(out, "w"))


def report(kite_path, evidently_path, scipy_path, kite_s, evidently_s, scipy_s, rows):
    kite = {c["column"]: c["value"] for c in json.load(open(kite_path))["columns"]}
    ev, sp = json.load(open(evidently_path)), json.load(open(scipy_path))
    worst = max(abs(kite[c] - v) / max(1, abs(v)) for c, v in ev["values"].items())
    worst_scipy = max(abs(kite[c] - v) / max(1, abs(v)) for c, v in sp["values"].items())
    kite_s, evidently_s, scipy_s = float(kite_s), float(evidently_s), float(scipy_s)
    print(f"drift of 22 columns, 2 x {int(rows):,} rows (16 numerical: normed Wasserstein; 6 categorical: Jensen-Shannon)")
    print(f"  largest difference from Evidently {worst:.1e}, from scipy {worst_scipy:.1e} (relative above 1)")
    print(f"  {'':28}{'process (s)':>12}{'in-process (s)':>16}")
    print(f"  {'kite monitor drift':28}{kite_s:12.3f}{'':>16}")
    print(f"  {'Evidently DataDriftPreset':28}{evidently_s:12.3f}{ev['seconds']:16.3f}")
    print(f"  {'scipy loop':28}{scipy_s:12.3f}{sp['seconds']:16.3f}")
    print(f"  Kite is {evidently_s / kite_s:.1f}x faster than Evidently ({ev['seconds'] / kite_s:.1f}x its in-process time), "
          f"{scipy_s / kite_s:.1f}x the scipy loop's process ({sp['seconds'] / kite_s:.1f}x its in-process time)")


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    if command == "generate":
        generate(arguments[0], int(arguments[1]))
    elif command == "evidently":
        evidently(*arguments)
    elif command == "scipy":
        scipy_loop(*arguments)
    elif command == "report":
        report(*arguments)
