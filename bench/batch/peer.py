"""The peer's side of bench/batch/run: the Python pipeline a user would write to score entity rows in batch —
DuckDB's ASOF JOIN of the fraud example's two feature views (with their ttls), the on-demand features in SQL,
LightGBM's predict — on the same Parquet files as `kite batch-predict`.

usage: peer.py sample DATA ENTITIES ROWS TRAIN_ROWS   from DATA/labels.parquet: ENTITIES (ROWS rows in row groups
                                                      of 100,000, label kept as is_fraud) and DATA/train_labels.parquet
                                                      (TRAIN_ROWS rows, for both sides' training)
       peer.py train DATA MODEL                       fit LightGBM (Kite's parameters) on train_labels, joined the same way
       peer.py score DATA ENTITIES MODEL OUT          the timed pipeline: join, on-demand features, predict, write OUT
       peer.py report KITE_OUT PEER_OUT KITE_S PEER_S KITE_KB PEER_KB ROWS FEATURE_ROWS
"""
import json
import os
import platform
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

FEATURES = ["spend_1d", "spend_7d", "txn_count_7d", "avg_amount_7d", "fraud_rate_30d", "amount_vs_avg_7d", "is_large"]


def joined(con, data, entities):
    """The entity rows with the fraud model's 7 features as of each row's time, as `kite` joins them."""
    return con.sql(f"""
        SELECT e.*,
            CASE WHEN c.event_timestamp >= e.event_timestamp - INTERVAL 7 DAY THEN c.spend_1d END AS spend_1d,
            CASE WHEN c.event_timestamp >= e.event_timestamp - INTERVAL 7 DAY THEN c.spend_7d END AS spend_7d,
            CASE WHEN c.event_timestamp >= e.event_timestamp - INTERVAL 7 DAY THEN c.txn_count_7d END AS txn_count_7d,
            CASE WHEN c.event_timestamp >= e.event_timestamp - INTERVAL 7 DAY THEN c.avg_amount_7d END AS avg_amount_7d,
            CASE WHEN m.event_timestamp >= e.event_timestamp - INTERVAL 2 DAY THEN m.fraud_rate_30d END AS fraud_rate_30d
        FROM read_parquet('{entities}') e
        ASOF LEFT JOIN read_parquet('{data}/customer_stats.parquet') c
          ON e.customer_id = c.customer_id AND e.event_timestamp >= c.event_timestamp
        ASOF LEFT JOIN read_parquet('{data}/merchant_stats.parquet') m
          ON e.merchant_id = m.merchant_id AND e.event_timestamp >= m.event_timestamp
    """).to_arrow_table()


def matrix(table):
    amount = table["amount"].to_numpy(zero_copy_only=False)
    average = table["avg_amount_7d"].to_numpy(zero_copy_only=False).astype(float)
    base = np.where(np.isnan(average), amount, average)
    columns = [table[name].to_numpy(zero_copy_only=False).astype(float) for name in FEATURES[:5]]
    return np.column_stack(columns + [amount / base, (amount > 3 * base).astype(float)])


def connect():
    import duckdb
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


command = sys.argv[1]
if command == "sample":
    data, entities, rows, train_rows = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    labels = pq.read_table(f"{data}/labels.parquet")
    rng = np.random.default_rng(11)
    picked = np.sort(rng.choice(labels.num_rows, rows + train_rows, replace=False))
    rng.shuffle(picked)
    train, score = np.sort(picked[:train_rows]), np.sort(picked[train_rows:])
    pq.write_table(labels.take(train), f"{data}/train_labels.parquet")
    table = labels.take(score).select(["transaction_id", "customer_id", "merchant_id", "amount", "event_timestamp", "is_fraud"])
    pq.write_table(table, entities, row_group_size=100_000)
elif command == "train":
    import lightgbm as lgb
    data, model = sys.argv[2], sys.argv[3]
    table = joined(connect(), data, f"{data}/train_labels.parquet")
    params = {"objective": "binary", "num_leaves": 31, "learning_rate": 0.1, "min_data_in_leaf": 20, "max_bin": 255,
              "seed": 7, "verbose": -1}
    booster = lgb.train(params, lgb.Dataset(matrix(table), table["is_fraud"].to_numpy(zero_copy_only=False).astype(float)),
                        num_boost_round=100)
    booster.save_model(model)
elif command == "score":
    import lightgbm as lgb
    data, entities, model, out = sys.argv[2:6]
    table = joined(connect(), data, entities)
    probability = lgb.Booster(model_file=model).predict(matrix(table))
    result = table.select(["transaction_id", "customer_id", "merchant_id", "amount", "event_timestamp", "is_fraud"])
    result = result.append_column("probability", pa.array(probability)).append_column(
        "prediction", pa.array((probability >= 0.5).astype(np.int64)))
    pq.write_table(result, out)
elif command == "report":
    from sklearn.metrics import roc_auc_score
    kite_out, peer_out = sys.argv[2], sys.argv[3]
    kite_s, peer_s, kite_kb, peer_kb = (float(x) for x in sys.argv[4:8])
    rows, feature_rows = int(sys.argv[8]), int(sys.argv[9])
    kite = ds.dataset(kite_out, format="parquet", partitioning="hive").to_table().sort_by("transaction_id")
    peer = pq.read_table(peer_out).sort_by("transaction_id")
    same_rows = kite["transaction_id"].to_pylist() == peer["transaction_id"].to_pylist()
    auc = [roc_auc_score(t["is_fraud"].to_numpy(zero_copy_only=False), t["probability"].to_numpy(zero_copy_only=False))
           for t in (kite, peer)]
    print(f"bench/batch: {rows:,} entity rows scored with the fraud GBDT (100 trees), 7 features joined point in time "
          f"from {feature_rows:,} feature rows; {platform.machine()}, {os.cpu_count()} cores")
    print(f"{'':24}{'time':>9}{'peak memory':>14}{'AUC':>9}")
    print(f"{'kite batch-predict':24}{kite_s:8.2f}s{kite_kb / 1024:11.0f} MB{auc[0]:9.4f}")
    print(f"{'duckdb + lightgbm':24}{peer_s:8.2f}s{peer_kb / 1024:11.0f} MB{auc[1]:9.4f}")
    print(f"peer/kite {peer_s / kite_s:.2f}x; memory kite/peer {kite_kb / peer_kb:.2f}; the same rows scored: {same_rows}")
