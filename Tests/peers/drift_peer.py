"""Evidently's data drift on two Parquet files, as the reference for Kite's `DriftAnalysis`; scipy's `kstwo`.

    drift_peer.py drift REFERENCE.parquet CURRENT.parquet SPEC_JSON
    drift_peer.py kstwo CASES_JSON      scipy.stats.kstwo.sf(x, n) for each [n, x] case (a JSON list)

SPEC_JSON: {"numerical": [...], "categorical": [...], "methods": {column: name}, "thresholds": {column: value},
"method": name or null, "drift_share": 0.5}. Prints {"columns": {column: {"method", "threshold", "value"}},
"count", "share"} from `Report([DataDriftPreset(...)])`, or {"error": message} when Evidently refuses the data.
"""
import json
import sys
import warnings

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

warnings.filterwarnings("ignore")


def drift(reference_path, current_path, spec_json):
    spec = json.loads(spec_json)
    columns = spec["numerical"] + spec["categorical"]
    reference = pd.read_parquet(reference_path, columns=columns)
    current = pd.read_parquet(current_path, columns=columns)
    definition = DataDefinition(numerical_columns=spec["numerical"], categorical_columns=spec["categorical"])
    preset = DataDriftPreset(
        columns=columns,
        drift_share=spec.get("drift_share", 0.5),
        method=spec.get("method"),
        per_column_method=spec.get("methods") or None,
        per_column_threshold=spec.get("thresholds") or None,
    )
    try:
        snapshot = Report([preset]).run(
            Dataset.from_pandas(current, data_definition=definition),
            Dataset.from_pandas(reference, data_definition=definition),
        )
    except ValueError as error:
        print(json.dumps({"error": str(error)}))
        return
    columns, count, share = {}, None, None
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            columns[config["column"]] = {"method": config["method"], "threshold": config["threshold"], "value": float(metric["value"])}
        elif config["type"].endswith("DriftedColumnsCount"):
            count, share = metric["value"]["count"], metric["value"]["share"]
    print(json.dumps({"columns": columns, "count": count, "share": share}))


if __name__ == "__main__":
    if sys.argv[1] == "drift":
        drift(*sys.argv[2:5])
    elif sys.argv[1] == "kstwo":
        from scipy.stats import kstwo

        print(json.dumps([float(kstwo.sf(x, n)) for n, x in json.loads(sys.argv[2])]))
