"""Checks for the Airflow export test.

  syntax FILE...            each file parses as Python
  same-scores A B           the Parquet datasets in folders A and B (Hive partitions) hold the same rows (sorted by
                            transaction_id) with the same probabilities and predictions; prints "same ROWS"
"""
import ast
import sys

if sys.argv[1] == "syntax":
    for path in sys.argv[2:]:
        ast.parse(open(path).read(), path)
    print("ok")
elif sys.argv[1] == "same-scores":
    import pyarrow.dataset as ds

    def rows(folder):
        table = ds.dataset(folder, format="parquet", partitioning="hive").to_table().to_pydict()
        return sorted(zip(table["transaction_id"], table["probability"], table["prediction"]))

    a, b = rows(sys.argv[2]), rows(sys.argv[3])
    assert len(a) == len(b) and a, f"{len(a)} rows in {sys.argv[2]}, {len(b)} in {sys.argv[3]}"
    for x, y in zip(a, b):
        assert x == y, f"{x} != {y}"
    print(f"same {len(a)}")
