"""Test peer for Kite's point-in-time join: DuckDB's ASOF JOIN over the same Parquet files, with the same rules
(ttl, greatest created time breaks ties, then the later row), printing rows in the tagged form of
Sources/KiteTesting/PeerValue.swift, in entity-row order.

  asof ENTITIES FEATURES TTL_MICROS KEY,KEY TS CREATED FEATURE,FEATURE
"""
import json
import sys

import duckdb

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from parquet_peer import tag  # noqa: E402


def asof(entities, features, ttl, keys, ts, created, columns):
    keys = keys.split(",")
    columns = columns.split(",")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    on = " AND ".join(f'e."{k}" = f."{k}"' for k in keys)
    partition = ", ".join(f'"{k}"' for k in keys)
    within = "TRUE" if int(ttl) == 0 else f"f.\"{ts}\" >= e.event_timestamp - to_microseconds({int(ttl)})"
    picked = ", ".join(f'CASE WHEN {within} THEN f."{c}" END AS "{c}"' for c in columns)
    query = f"""
        WITH f AS (
            SELECT * FROM read_parquet('{features}', file_row_number = true)
            QUALIFY row_number() OVER (PARTITION BY {partition}, "{ts}"
                                       ORDER BY "{created}" DESC, file_row_number DESC) = 1
        )
        SELECT e.* EXCLUDE (file_row_number), {picked}
        FROM read_parquet('{entities}', file_row_number = true) e
        ASOF LEFT JOIN f ON {on} AND e.event_timestamp >= f."{ts}"
        ORDER BY e.file_row_number
    """
    relation = con.execute(query)
    print(json.dumps([d[0] for d in relation.description]))
    for row in relation.fetchall():
        print(json.dumps([tag(v) for v in row]))


if __name__ == "__main__":
    if sys.argv[1] == "asof":
        asof(*sys.argv[2:9])
    else:
        raise SystemExit(f"unknown command {sys.argv[1]}")
