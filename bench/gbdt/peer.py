"""bench/gbdt's data and peers: make_classification 1,000,000 × 28 (n_informative 14, seed 7), split 80/20 into
Parquet files, then LightGBM and XGBoost (hist) with Kite's parameters (100 rounds, 31 leaves, learning rate 0.1,
255 bins, 2 threads).

usage: peer.py data OUT_DIR ROWS      write train.parquet and test.parquet (columns f0..f27 and y)
       peer.py train OUT_DIR          print JSON: each library's training seconds, test AUC and one-row latency
       peer.py imported OUT_DIR       train a LightGBM model to import (100 rounds × 31 leaves on 10 features, two of
                                      them categorical), write OUT_DIR/model.txt and 1,000 rows (rows.f64), and
                                      print JSON: LightGBM's one-row predict and pred_contrib latency in µs, through
                                      Python's Booster.predict and through the C API's single-row fast path (ctypes)
"""
import json
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

mode, folder = sys.argv[1], sys.argv[2]
if mode == "data":
    from sklearn.datasets import make_classification
    rows = int(sys.argv[3])
    x, y = make_classification(n_samples=rows, n_features=28, n_informative=14, random_state=7)
    split = int(rows * 0.8)
    for name, part in (("train", slice(0, split)), ("test", slice(split, rows))):
        table = pa.table({**{f"f{i}": x[part, i] for i in range(28)}, "y": y[part].astype(float)})
        pq.write_table(table, f"{folder}/{name}.parquet")
    sys.exit(0)
if mode == "imported":
    import ctypes

    import lightgbm as lgb
    from lightgbm.basic import _LIB, _c_str, _safe_call

    rng = np.random.default_rng(3)
    x = rng.normal(size=(50_000, 10))
    x[:, 8], x[:, 9] = rng.integers(0, 30, 50_000), rng.integers(0, 100, 50_000)
    x[rng.random(50_000) < 0.1, 0] = np.nan
    y = (np.nan_to_num(x[:, 0]) + x[:, 1] + np.where(x[:, 8] % 3 == 0, 1, -0.5) + rng.normal(size=50_000) > 0).astype(float)
    model = lgb.train({"objective": "binary", "num_leaves": 31, "verbose": -1, "num_threads": 1}, lgb.Dataset(x, y, categorical_feature=[8, 9]),
                      num_boost_round=100)
    model.save_model(f"{folder}/model.txt")
    rows = np.ascontiguousarray(x[:1000])
    rows.astype("<f8").tofile(f"{folder}/rows.f64")

    def per_row(call, repeats=3):
        call(0)
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            for i in range(1000):
                call(i)
            best = min(best, (time.perf_counter() - start) / 1000 * 1e6)
        return best

    result = {"python_predict_us": per_row(lambda i: model.predict(rows[i:i + 1], num_threads=1)),
              "python_contrib_us": per_row(lambda i: model.predict(rows[i:i + 1], pred_contrib=True, num_threads=1))}
    for kind, predict_type, width in (("c_predict_us", 0, 1), ("c_contrib_us", 3, 11)):
        handle = ctypes.c_void_p()
        _safe_call(_LIB.LGBM_BoosterPredictForMatSingleRowFastInit(
            model._handle, ctypes.c_int(predict_type), ctypes.c_int(0), ctypes.c_int(-1), ctypes.c_int(1), ctypes.c_int32(10),
            _c_str("num_threads=1"), ctypes.byref(handle)))
        out = np.zeros(width, dtype=np.float64)
        length = ctypes.c_int64(0)
        pointers = [rows[i].ctypes.data_as(ctypes.c_void_p) for i in range(1000)]
        out_pointer = out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        fast = _LIB.LGBM_BoosterPredictForMatSingleRowFast
        result[kind] = per_row(lambda i: fast(handle, pointers[i], ctypes.byref(length), out_pointer))
        _LIB.LGBM_FastConfigFree(handle)
    print(json.dumps(result))
    sys.exit(0)

from sklearn.metrics import roc_auc_score

train, test = pq.read_table(f"{folder}/train.parquet").to_pandas(), pq.read_table(f"{folder}/test.parquet").to_pandas()
features = [c for c in train.columns if c != "y"]
xtr, ytr, xte, yte = train[features].to_numpy(), train["y"].to_numpy(), test[features].to_numpy(), test["y"].to_numpy()
result = {}

import lightgbm as lgb
params = {"objective": "binary", "num_leaves": 31, "learning_rate": 0.1, "max_bin": 255, "num_threads": 2, "verbose": -1,
          "seed": 7, "deterministic": True}
start = time.perf_counter()
model = lgb.train(params, lgb.Dataset(xtr, ytr), num_boost_round=100)
seconds = time.perf_counter() - start
one = xte[:1]
model.predict(one)
start = time.perf_counter()
for i in range(1000):
    model.predict(xte[i:i + 1])
result["lightgbm"] = {"train_seconds": seconds, "auc": roc_auc_score(yte, model.predict(xte)),
                      "predict_one_us": (time.perf_counter() - start) / 1000 * 1e6}

import xgboost as xgb
start = time.perf_counter()
booster = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "max_bin": 255, "max_leaves": 31,
                     "grow_policy": "lossguide", "max_depth": 0, "eta": 0.1, "nthread": 2, "seed": 7},
                    xgb.DMatrix(xtr, label=ytr), num_boost_round=100)
seconds = time.perf_counter() - start
result["xgboost"] = {"train_seconds": seconds, "auc": roc_auc_score(yte, booster.predict(xgb.DMatrix(xte)))}
print(json.dumps(result))
