"""bench/online's Python side: data generation, Feast's repository and materialization, and the report.

  peer.py generate OUT.parquet ROWS KEYS          rows of KEYS entities x 10 float features, hourly per entity
  peer.py feast-repo REPO DATA.parquet REDIS_PORT  a Feast repository on that Redis, applied
  peer.py feast-materialize REPO START END         Feast's materialize into Redis; prints seconds
  peer.py wrk-lua OUT.lua KEYS                     wrk's script: POST /get-online-features, a random entity
  peer.py report RESULTS.json                      the table and the ratios
"""
import json
import sys
import time
from pathlib import Path

FEATURES = [f"f{i}" for i in range(10)]


def generate(out, rows, keys):
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, keys = int(rows), int(keys)
    rng = np.random.default_rng(7)
    index = np.arange(rows)
    base = np.datetime64("2026-01-01T00:00:00", "us")
    times = base + (index // keys).astype("timedelta64[h]") + rng.integers(0, 3_600_000_000, rows).astype("timedelta64[us]")
    columns = {"user_id": (index % keys).astype("int64"), "event_timestamp": pa.array(times, pa.timestamp("us", tz="UTC"))}
    for name in FEATURES:
        columns[name] = rng.random(rows)
    pq.write_table(pa.table(columns), out, row_group_size=131_072)


def feast_repo(repo, data, redis_port):
    Path(repo).mkdir(parents=True, exist_ok=True)
    Path(repo, "feature_store.yaml").write_text(
        f"""project: bench
registry: {repo}/registry.db
provider: local
online_store:
  type: redis
  connection_string: "127.0.0.1:{redis_port}"
offline_store:
  type: file
entity_key_serialization_version: 3
"""
    )
    Path(repo, "definitions.py").write_text(
        f"""from datetime import timedelta
from feast import Entity, FeatureView, Field, FileSource, ValueType
from feast.types import Float64

user = Entity(name="user", join_keys=["user_id"], value_type=ValueType.INT64)
source = FileSource(name="stats_source", path="{data}", timestamp_field="event_timestamp")
stats = FeatureView(name="stats", entities=[user], ttl=timedelta(days=3650), source=source, online=True,
                    schema=[{", ".join(f'Field(name="{name}", dtype=Float64)' for name in FEATURES)}])
"""
    )
    from feast import FeatureStore

    sys.path.insert(0, repo)
    import definitions  # noqa: E402

    FeatureStore(repo_path=repo).apply([definitions.user, definitions.stats])


def feast_materialize(repo, start, end):
    from datetime import datetime

    from feast import FeatureStore

    store = FeatureStore(repo_path=repo)
    began = time.perf_counter()
    store.materialize(datetime.fromisoformat(start.replace("Z", "+00:00")), datetime.fromisoformat(end.replace("Z", "+00:00")))
    print(f"{time.perf_counter() - began:.3f}")


def wrk_lua(out, keys):
    features = ", ".join(f'"stats:{name}"' for name in FEATURES)
    Path(out).write_text(
        f"""wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local id = math.random(0, {int(keys) - 1})
  return wrk.format(nil, nil, nil, '{{"features": [{features}], "entities": {{"user_id": [' .. id .. ']}}}}')
end
"""
    )


def report(path):
    r = json.loads(Path(path).read_text())
    print(f"bench/online: {r['rows']:,} offline rows, {r['keys']:,} entities x 10 float features; {r['machine']}")
    print(f"materialize into Redis: kite {r['kite_materialize']:.2f} s (peak {r['kite_materialize_mb']} MB), "
          f"feast {r['feast_materialize']:.2f} s: {r['feast_materialize'] / r['kite_materialize']:.1f}x")
    print(f"{'':24}{'32 connections: req/s':>22}{'p50':>10}{'p99':>10}{'1 connection: p50':>20}{'p99':>10}")
    for name in ["kite_embedded", "kite_redis", "feast_redis"]:
        loaded, single = r[name]["loaded"], r[name]["single"]
        print(f"  {name:22}{loaded['rps']:>22.0f}{loaded['p50']:>10}{loaded['p99']:>10}{single['p50']:>20}{single['p99']:>10}")
    feast = r["feast_redis"]["loaded"]["rps"]
    print(f"throughput kite (redis) / feast (redis): {r['kite_redis']['loaded']['rps'] / feast:.1f}x; "
          f"kite (embedded) / feast: {r['kite_embedded']['loaded']['rps'] / feast:.1f}x")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"generate": generate, "feast-repo": feast_repo, "feast-materialize": feast_materialize, "wrk-lua": wrk_lua, "report": report}[command](*args)
