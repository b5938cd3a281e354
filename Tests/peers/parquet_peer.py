"""Test peer for Kite's Parquet tests: reads and writes Parquet with pyarrow and DuckDB and prints values
in an exact, tagged form (see Sources/KiteTesting/PeerValue.swift).

  dump FILE [--engine pyarrow|duckdb] [--columns a,b]   print the header and every row
  write FILE VARIANT ROWS                               write the generated table with pyarrow's settings VARIANT
  aggregate FILE                                        print count, sums and null counts of every column (JSON)

FILE may be s3://bucket/key: it is then read or written through pyarrow's own S3 filesystem, pointed at the
endpoint in KITE_TEST_S3_ENDPOINT (moto) with the test credentials.
"""
import base64
import datetime
import decimal
import json
import math
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
EPOCH_DATE = datetime.date(1970, 1, 1)


def tag(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return ["b", "true" if value else "false"]
    if isinstance(value, int):
        return ["i", str(value)]
    if isinstance(value, float):
        return ["f", repr(value)]
    if isinstance(value, decimal.Decimal):
        return ["f", repr(float(value))]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ["x", base64.b64encode(bytes(value)).decode()]
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        delta = value - EPOCH
        return ["t", str((delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)]
    if isinstance(value, datetime.date):
        return ["d", str((value - EPOCH_DATE).days)]
    raise TypeError(f"cannot tag {type(value)}: {value!r}")


def timestamp_micros(column):
    """Timestamps of any unit as int64 microseconds (floor for nanoseconds), as Kite reads them."""
    scale = {"s": (1_000_000, 1), "ms": (1000, 1), "us": (1, 1), "ns": (1, 1000)}[column.type.unit]
    raw = column.cast(pa.int64()).to_pylist()
    return [None if v is None else ["t", str(v * scale[0] // scale[1])] for v in raw]


def filesystem(path):
    """pyarrow's S3 filesystem for s3:// paths (the endpoint from KITE_TEST_S3_ENDPOINT), else None."""
    if not path.startswith("s3://"):
        return path, None
    import os
    from pyarrow import fs
    endpoint = os.environ["KITE_TEST_S3_ENDPOINT"]
    scheme, host = endpoint.split("://", 1)
    s3 = fs.S3FileSystem(access_key="testing", secret_key="testing", region="us-east-1",
                         endpoint_override=host, scheme=scheme)
    return path[len("s3://"):], s3


def dump_pyarrow(path, columns):
    path, fs = filesystem(path)
    table = pq.read_table(path, columns=columns, filesystem=fs)
    print(json.dumps(table.column_names))
    tagged = []
    for column in table.columns:
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        if pa.types.is_timestamp(column.type):
            tagged.append(timestamp_micros(column))
        else:
            tagged.append([tag(v) for v in column.to_pylist()])
    for row in zip(*tagged) if tagged else []:
        print(json.dumps(list(row)))


def dump_duckdb(path, columns):
    import duckdb
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    select = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    relation = con.execute(f"SELECT {select} FROM read_parquet('{path}')")
    print(json.dumps([d[0] for d in relation.description]))
    for row in relation.fetchall():
        print(json.dumps([tag(v) for v in row]))


def generated_table(rows):
    """Every Kite type, with nulls, NaN, infinities, empty and non-ASCII strings; deterministic."""
    import random
    rng = random.Random(42)
    def maybe(v, i, every=7):
        return None if i % every == 3 else v
    ints = [maybe(rng.randint(-2**62, 2**62), i) for i in range(rows)]
    specials = [float("nan"), float("inf"), float("-inf"), -0.0, 5e-324, 1.7976931348623157e308]
    doubles = [maybe(specials[i % 6] if i % 11 == 0 else rng.gauss(0, 1e3), i, 5) for i in range(rows)]
    words = ["", "a", "héllo", "日本語", "comma,quote\"", "x" * 100] + [f"word{k}" for k in range(50)]
    return pa.table({
        "b": pa.array([maybe(i % 3 == 0, i) for i in range(rows)], pa.bool_()),
        "i32": pa.array([maybe(rng.randint(-2**31, 2**31 - 1), i) for i in range(rows)], pa.int32()),
        "i64": pa.array(ints, pa.int64()),
        "f32": pa.array([maybe(rng.uniform(-1e6, 1e6), i, 4) for i in range(rows)], pa.float32()),
        "f64": pa.array(doubles, pa.float64()),
        "s": pa.array([maybe(rng.choice(words), i, 6) for i in range(rows)], pa.string()),
        "bin": pa.array([maybe(bytes(rng.randrange(256) for _ in range(i % 9)), i, 8) for i in range(rows)], pa.binary()),
        "ts": pa.array([maybe(rng.randint(-2**40, 2**52), i, 9) for i in range(rows)], pa.timestamp("us", tz="UTC")),
        "day": pa.array([maybe(rng.randint(-100000, 100000), i, 10) for i in range(rows)], pa.date32()),
        "req": pa.array(list(range(rows)), pa.int64()),
    }, schema=pa.schema([
        ("b", pa.bool_()), ("i32", pa.int32()), ("i64", pa.int64()), ("f32", pa.float32()), ("f64", pa.float64()),
        ("s", pa.string()), ("bin", pa.binary()), ("ts", pa.timestamp("us", tz="UTC")), ("day", pa.date32()),
        pa.field("req", pa.int64(), nullable=False),
    ]))


def logical_table(rows):
    """Logical types other writers use: small and unsigned integers, decimals, timestamps of every unit."""
    import random
    rng = random.Random(5)
    def maybe(v, i):
        return None if i % 5 == 1 else v
    return pa.table({
        "i8": pa.array([maybe(rng.randint(-128, 127), i) for i in range(rows)], pa.int8()),
        "i16": pa.array([maybe(rng.randint(-2**15, 2**15 - 1), i) for i in range(rows)], pa.int16()),
        "u8": pa.array([maybe(rng.randint(0, 255), i) for i in range(rows)], pa.uint8()),
        "u16": pa.array([maybe(rng.randint(0, 2**16 - 1), i) for i in range(rows)], pa.uint16()),
        "u32": pa.array([maybe(rng.randint(0, 2**32 - 1), i) for i in range(rows)], pa.uint32()),
        "u64": pa.array([maybe(rng.randint(0, 2**63 - 1), i) for i in range(rows)], pa.uint64()),
        "dec9": pa.array([maybe(decimal.Decimal(rng.randint(-10**8, 10**8)) / 1000, i) for i in range(rows)], pa.decimal128(9, 3)),
        "dec18": pa.array([maybe(decimal.Decimal(rng.randint(-10**14, 10**14)) / 10**6, i) for i in range(rows)], pa.decimal128(18, 6)),
        "dec30": pa.array([maybe(decimal.Decimal(rng.randint(-10**14, 10**14)) / 100, i) for i in range(rows)], pa.decimal128(30, 2)),
        "ts_ms": pa.array([maybe(rng.randint(-2**40, 2**42), i) for i in range(rows)], pa.timestamp("ms", tz="UTC")),
        "ts_ns": pa.array([maybe(rng.randint(-2**60, 2**62), i) for i in range(rows)], pa.timestamp("ns")),
        "ts_naive": pa.array([maybe(rng.randint(0, 2**50), i) for i in range(rows)], pa.timestamp("us")),
        "big": pa.array([maybe("x" * rng.randint(0, 3000), i) for i in range(rows)], pa.large_string()),
    })


VARIANTS = {
    "default": {},
    "nodict": {"use_dictionary": False},
    "v2": {"data_page_version": "2.0"},
    "gzip": {"compression": "gzip"},
    "none": {"compression": "none"},
    "smallpages": {"data_page_size": 512, "row_group_size": 1000},
    # Dictionaries that fill up after a few pages: the rest of each chunk is stored plain.
    "fallback": {"dictionary_pagesize_limit": 200, "data_page_size": 512, "row_group_size": 1000, "write_batch_size": 16},
    "delta": {"use_dictionary": False, "column_encoding": {"i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED",
              "s": "DELTA_BYTE_ARRAY", "bin": "DELTA_LENGTH_BYTE_ARRAY", "f64": "BYTE_STREAM_SPLIT",
              "f32": "BYTE_STREAM_SPLIT"}},
    "checksums": {"write_page_checksum": True},
}


def write(path, variant, rows):
    if variant.startswith("logical"):
        options = {"store_decimal_as_integer": True} if variant == "logical-int" else {}
        pq.write_table(logical_table(int(rows)), path, coerce_timestamps=None, allow_truncated_timestamps=False, **options)
        return
    path, fs = filesystem(path)
    pq.write_table(generated_table(int(rows)), path, filesystem=fs, **VARIANTS[variant])


def v2_empty_values(path):
    """A data page v2 whose values are empty but marked compressed, as other writers store an all-null page:
    pyarrow writes such a page with is_compressed false, so this flips that flag (one byte; every size and offset
    stays). Readers must not hand the codec an empty block."""
    table = pa.table({"id": pa.array(range(10), type=pa.int64()), "empty": pa.array([None] * 10, type=pa.int64())})
    pq.write_table(table, path, data_page_version="2.0", compression="snappy", use_dictionary=False, write_statistics=False)
    offset = pq.ParquetFile(path).metadata.row_group(0).column(1).data_page_offset
    data = bytearray(open(path, "rb").read())
    # PageHeader: type, uncompressed size, compressed size (i32 fields), then field 8, DataPageHeaderV2, whose six
    # i32 fields are followed by field 7, is_compressed, as a compact-protocol boolean (0x12 false, 0x11 true).
    position = offset
    for _ in range(3):
        assert data[position] == 0x15
        position += 2 if data[position + 1] < 0x80 else 3
    assert data[position] == 0x5C
    position += 1
    for _ in range(6):
        assert data[position] == 0x15
        position += 2 if data[position + 1] < 0x80 else 3
    assert data[position] == 0x12, "expected is_compressed false"
    data[position] = 0x11
    open(path, "wb").write(data)


def summary(directory):
    """A dataset summary file (_metadata) whose column chunks point at part-0.parquet, as Spark and Dask write."""
    import os
    table = generated_table(10)
    collector = []
    pq.write_table(table, os.path.join(directory, "part-0.parquet"), metadata_collector=collector)
    collector[0].set_file_path("part-0.parquet")
    pq.write_metadata(table.schema, os.path.join(directory, "_metadata"), metadata_collector=collector)


def aggregate(path):
    table = pq.read_table(path)
    result = {"rows": table.num_rows}
    for name in table.column_names:
        column = table.column(name)
        entry = {"nulls": column.null_count}
        if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
            column = pc.cast(column, pa.int64() if pa.types.is_timestamp(column.type) else pa.int32())
        if pa.types.is_integer(column.type) or pa.types.is_floating(column.type) or pa.types.is_boolean(column.type):
            total = pc.sum(pc.cast(column, pa.float64() if not pa.types.is_integer(column.type) else pa.int64()))
            entry["sum"] = repr(total.as_py()) if total.as_py() is not None else None
        if pa.types.is_string(column.type):
            entry["bytes"] = int(pc.sum(pc.binary_length(column)).as_py() or 0)
        result[name] = entry
    print(json.dumps(result))


def pandas_entities(path):
    """Entities as a pandas user writes them: naive datetime64[ns] event times, one with sub-second digits."""
    import pandas as pd
    times = pd.to_datetime(["2023-11-14 23:00:00.123456", "2023-11-14 21:00:00.000000", "2023-11-14 23:00:00.000000"]).astype("datetime64[ns]")
    pd.DataFrame({"customer_id": [1, 2, 3], "event_timestamp": times, "label": [1, 0, 0]}).to_parquet(path, index=False)


def pandas_compare(entities, output):
    """Whether the output's columns named like the entities' equal them in pandas, dtypes included."""
    import pandas as pd
    given, written = pd.read_parquet(entities), pd.read_parquet(output)
    print(written["event_timestamp"].dtype, "equal" if written[given.columns].equals(given) else "different")


def main(argv):
    command = argv[1]
    if command == "dump":
        path = argv[2]
        engine = "pyarrow"
        columns = None
        rest = argv[3:]
        while rest:
            if rest[0] == "--engine":
                engine = rest[1]
            elif rest[0] == "--columns":
                columns = rest[1].split(",")
            rest = rest[2:]
        (dump_duckdb if engine == "duckdb" else dump_pyarrow)(path, columns)
    elif command == "write":
        write(argv[2], argv[3], argv[4])
    elif command == "v2-empty-values":
        v2_empty_values(argv[2])
    elif command == "summary":
        summary(argv[2])
    elif command == "aggregate":
        aggregate(argv[2])
    elif command == "pandas-entities":
        pandas_entities(argv[2])
    elif command == "pandas-compare":
        pandas_compare(argv[2], argv[3])
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
