"""pyarrow's side of bench/parquet/run: generates the frame, times pyarrow, prints the comparison."""
import json
import os
import platform
import statistics
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def generate(path, rows):
    rng = np.random.default_rng(1)
    words = np.array([f"{k:06d}-{chr(97 + k % 26)}{k % 7}x{k % 3}"[:12].ljust(12, "z") for k in range(1000)])
    table = pa.table({
        "id": pa.array(np.arange(rows, dtype=np.int64)),
        **{f"f{k}": pa.array(rng.normal(size=rows)) for k in range(6)},
        "name": pa.array(words[rng.integers(0, 1000, size=rows)]),
        "at": pa.array(1_700_000_000_000_000 + np.sort(rng.integers(0, 86_400_000_000 * 30, size=rows)),
                       pa.timestamp("us", tz="UTC")),
        "flag": pa.array(rng.random(rows) < 0.3),
    })
    pq.write_table(table, path, compression="none")


def run(source, target, repeats):
    table = pq.read_table(source)
    writes, reads = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        pq.write_table(table, target, compression="snappy")
        writes.append(time.perf_counter() - start)
        start = time.perf_counter()
        rows = pq.read_table(target).num_rows
        reads.append(time.perf_counter() - start)
        assert rows == table.num_rows
    print(json.dumps({"rows": table.num_rows, "write": writes, "read": reads, "size": os.path.getsize(target)}))


def report(kite, pyarrow):
    kite, pyarrow = json.loads(kite), json.loads(pyarrow)
    print(f"bench/parquet: {kite['rows']:,} rows, SNAPPY, best of {len(kite['write'])} runs; "
          f"{platform.machine()}, {os.cpu_count()} cores, pyarrow {pa.__version__}")
    print(f"{'':8}{'kite':>10}{'pyarrow':>10}{'kite/pyarrow':>14}")
    for what in ("write", "read"):
        k, p = min(kite[what]), min(pyarrow[what])
        print(f"{what:8}{k:9.3f}s{p:9.3f}s{k / p:13.2f}x")
    print(f"{'size':8}{kite['size'] / 1e6:8.1f}MB{pyarrow['size'] / 1e6:8.1f}MB{kite['size'] / pyarrow['size']:13.2f}x")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "generate":
        generate(sys.argv[2], int(sys.argv[3]))
    elif command == "run":
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif command == "report":
        report(sys.argv[2], sys.argv[3])
