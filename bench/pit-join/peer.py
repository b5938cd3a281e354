"""The peers' side of bench/pit-join/run: generates the files, runs DuckDB's ASOF JOIN, prints the comparison."""
import json
import os
import platform
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DAY_US = 86_400_000_000
START = 1_700_000_000_000_000


def generate(entities_path, features_path):
    rng = np.random.default_rng(4)
    entities = pa.table({
        "entity_id": pa.array(rng.integers(0, 10_000, 100_000), pa.int64()),
        "event_timestamp": pa.array(START + rng.integers(0, 30 * DAY_US, 100_000), pa.timestamp("us", tz="UTC")),
        "label": pa.array(rng.integers(0, 2, 100_000), pa.int64()),
    })
    features = pa.table({
        "entity_id": pa.array(rng.integers(0, 10_000, 2_000_000), pa.int64()),
        "event_timestamp": pa.array(START - DAY_US + rng.integers(0, 31 * DAY_US, 2_000_000), pa.timestamp("us", tz="UTC")),
        **{f"f{k}": pa.array(rng.normal(size=2_000_000)) for k in range(5)},
    })
    pq.write_table(entities, entities_path)
    pq.write_table(features, features_path)


def duckdb_join(entities, features, out, repeats):
    import duckdb
    times = []
    for _ in range(int(repeats)):
        start = time.perf_counter()
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        picked = ", ".join(f"CASE WHEN f.event_timestamp >= e.event_timestamp - INTERVAL 1 DAY THEN f.f{k} END AS f{k}"
                           for k in range(5))
        con.execute(f"""
            COPY (
                SELECT e.entity_id, e.event_timestamp AS ts, e.label, {picked}
                FROM read_parquet('{entities}', file_row_number = true) e
                ASOF LEFT JOIN read_parquet('{features}') f
                  ON e.entity_id = f.entity_id AND e.event_timestamp >= f.event_timestamp
                ORDER BY e.file_row_number
            ) TO '{out}' (FORMAT parquet)
        """)
        times.append(time.perf_counter() - start)
    print(json.dumps({"join": times}))


def report(kite, duck, feast, kite_out, duck_out):
    (kite, kite_kb), (duck, duck_kb), (feast, feast_kb) = [
        (json.loads(s.split("|")[0]), int(s.split("|")[1])) for s in (kite, duck, feast)]
    k, d, f = min(kite["join"]), min(duck["join"]), min(feast["join"])
    a, b = pq.read_table(kite_out), pq.read_table(duck_out)
    same = a.num_rows == b.num_rows and all(
        a.column(f"f{i}").to_pylist() == b.column(f"f{i}").to_pylist() for i in range(5))
    print(f"bench/pit-join: 100,000 entity rows x 2,000,000 feature rows, 1-day ttl, Parquet to Parquet; "
          f"best of {len(kite['join'])}; {platform.machine()}, {os.cpu_count()} cores")
    print(f"{'':8}{'time':>9}{'peak memory':>14}")
    print(f"{'kite':8}{k:8.3f}s{kite_kb / 1024:11.0f} MB")
    print(f"{'duckdb':8}{d:8.3f}s{duck_kb / 1024:11.0f} MB")
    print(f"{'feast':8}{f:8.3f}s{feast_kb / 1024:11.0f} MB")
    print(f"kite/duckdb {k / d:.2f}x; feast/kite {f / k:.1f}x; kite and duckdb outputs identical: {same}")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "generate":
        generate(*sys.argv[2:4])
    elif command == "duckdb":
        duckdb_join(*sys.argv[2:6])
    elif command == "report":
        report(*sys.argv[2:7])
