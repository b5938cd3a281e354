"""Feast's side of bench/pit-join/run: get_historical_features with the file offline store, Parquet to Parquet,
over the same files (run in its own virtual environment, since Feast pins its own dependencies)."""
import json
import os
import sys
import tempfile
import time
from datetime import timedelta


def main(entities_path, features_path, out_path, repeats):
    import pandas as pd
    from feast import Entity, FeatureStore, FeatureView, Field, FileSource
    from feast.types import Float64

    repo = tempfile.mkdtemp(prefix="kite-bench-feast-")
    with open(os.path.join(repo, "feature_store.yaml"), "w") as f:
        f.write("project: bench\nregistry: registry.db\nprovider: local\n"
                "online_store:\n  type: sqlite\n  path: online.db\noffline_store:\n  type: file\n"
                "entity_key_serialization_version: 3\n")
    entity = Entity(name="entity", join_keys=["entity_id"])
    source = FileSource(path=os.path.abspath(features_path), timestamp_field="event_timestamp")
    view = FeatureView(name="view", entities=[entity], ttl=timedelta(days=1), source=source,
                       schema=[Field(name=f"f{k}", dtype=Float64) for k in range(5)])
    store = FeatureStore(repo_path=repo)
    store.apply([entity, view])
    times = []
    for _ in range(int(repeats)):
        start = time.perf_counter()
        entity_df = pd.read_parquet(entities_path)
        job = store.get_historical_features(entity_df=entity_df, features=[f"view:f{k}" for k in range(5)])
        job.to_df().to_parquet(out_path)
        times.append(time.perf_counter() - start)
    print(json.dumps({"join": times}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
