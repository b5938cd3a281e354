"""Feast's own SDK reading online features through `kite serve` (a remote online store).

usage: feast_remote_peer.py SERVER_URL REPO_DIR SOURCE_PARQUET CUSTOMER_ID...

Makes a Feast repository in REPO_DIR whose online store is `{type: remote, path: SERVER_URL}`, declares the
fraud example's customer entity and customer_stats view the way a Feast user would, applies it, and prints
`get_online_features(...).to_dict()` for the customers as JSON.
"""
import json
import sys
from datetime import timedelta
from pathlib import Path

from feast import Entity, FeatureStore, FeatureView, Field, FileSource, ValueType
from feast.types import Float64, Int64

server, repo, source_path, *ids = sys.argv[1:]
Path(repo).mkdir(parents=True, exist_ok=True)
Path(repo, "feature_store.yaml").write_text(
    f"""project: fraud
registry: {repo}/registry.db
provider: local
online_store:
  type: remote
  path: {server}
entity_key_serialization_version: 3
"""
)
customer = Entity(name="customer", join_keys=["customer_id"], value_type=ValueType.INT64)
source = FileSource(name="customer_activity", path=source_path, timestamp_field="event_timestamp")
view = FeatureView(
    name="customer_stats",
    entities=[customer],
    ttl=timedelta(days=7),
    schema=[
        Field(name="spend_1d", dtype=Float64),
        Field(name="spend_7d", dtype=Float64),
        Field(name="txn_count_7d", dtype=Int64),
        Field(name="avg_amount_7d", dtype=Float64),
    ],
    source=source,
    online=True,
)
store = FeatureStore(repo_path=repo)
store.apply([customer, view])
answer = store.get_online_features(
    features=["customer_stats:spend_7d", "customer_stats:txn_count_7d", "customer_stats:avg_amount_7d"],
    entity_rows=[{"customer_id": int(i)} for i in ids],
).to_dict()
print(json.dumps(answer))
