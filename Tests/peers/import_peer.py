"""Trains a LightGBM or XGBoost model on generated data and writes what Kite's import must reproduce.

usage: import_peer.py lightgbm|lightgbm-zero|xgboost binary|multiclass|regression|regression_l1|huber SEED ROWS EXPLAINED OUTDIR

Ten features; columns 0 and 3 have 10% missing values (NaN) and, for LightGBM, columns 8 and 9 are categorical
(codes 0..29 and 0..99 in training). Trains 100 rounds (LightGBM: num_leaves 31; XGBoost: max_depth 6) on 20,000
rows, saves the model (OUTDIR/model.txt, or model.json and model.ubj) and scores ROWS fresh rows that also hold missing values,
negative, fractional and unseen category codes. lightgbm-zero trains with zero_as_missing (columns 1 and 2 then
hold exact zeros, and fresh rows values within and just beyond LightGBM's zero threshold). Writes little-endian float64 files: x.f64 (ROWS × 10, row-major),
raw.f64 (raw scores, ROWS × outputs), predicted.f64 (the library's predict: probabilities, ROWS × outputs for
multiclass), contributions.f64 (pred_contrib / pred_contribs of the first EXPLAINED rows: row, output, 10 features then
the expected value). Prints JSON: {"outputs": K, "contribution_rows": EXPLAINED}.
"""
import json
import sys

import numpy as np

library, objective, seed, rows, explained, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
rng = np.random.default_rng(seed)
FEATURES, TRAIN = 10, 20_000


def features(n, fresh):
    x = rng.normal(size=(n, FEATURES))
    x[:, 8] = rng.integers(0, 30, n)
    x[:, 9] = rng.integers(0, 100, n)
    for column in (0, 3):
        x[rng.random(n) < 0.1, column] = np.nan
    if library == "lightgbm-zero":
        for column in (1, 2):
            x[rng.random(n) < 0.15, column] = 0.0
        if fresh:
            x[rng.random(n) < 0.02, 1] = 1e-36
            x[rng.random(n) < 0.02, 1] = -1e-36
            x[rng.random(n) < 0.02, 2] = 2e-35
    if fresh:
        x[rng.random(n) < 0.05, 8] = np.nan
        x[rng.random(n) < 0.03, 8] = -1
        x[rng.random(n) < 0.02, 9] = -0.5
        x[rng.random(n) < 0.01, 9] = 1e12
        x[rng.random(n) < 0.02, 9] = 2.5
        x[rng.random(n) < 0.02, 9] = 150
    return x


x = features(TRAIN, False)
signal = np.nan_to_num(x[:, 0]) + 0.5 * x[:, 1] - np.abs(x[:, 2]) + np.where(x[:, 8] % 3 == 0, 1.0, -0.5) + 0.02 * x[:, 9]
if objective == "binary":
    y = (signal + rng.normal(size=TRAIN) > 0).astype(float)
elif objective == "multiclass":
    y = np.digitize(signal + rng.normal(size=TRAIN), [-1.0, 0.5]).astype(float)
else:
    y = 10 * signal + rng.normal(scale=3, size=TRAIN)
    if objective != "regression":
        y += np.where(rng.random(TRAIN) < 0.02, rng.normal(0, 200, TRAIN), 0)
test = features(rows, True)
outputs = 3 if objective == "multiclass" else 1
n_contrib = min(rows, explained)

if library.startswith("lightgbm"):
    import lightgbm as lgb

    params = {"objective": objective, "num_leaves": 31, "learning_rate": 0.1, "verbose": -1, "deterministic": True,
              "num_threads": 2, "seed": seed, "min_data_per_group": 20, "cat_smooth": 5}
    if objective == "multiclass":
        params["num_class"] = 3
    if library == "lightgbm-zero":
        params["zero_as_missing"] = True
    booster = lgb.train(params, lgb.Dataset(x, y, categorical_feature=[8, 9]), num_boost_round=100)
    booster.save_model(out + "/model.txt")
    raw = booster.predict(test, raw_score=True)
    predicted = booster.predict(test)
    contributions = booster.predict(test[:n_contrib], pred_contrib=True)
else:
    import xgboost as xgb

    names = [f"x{i}" for i in range(FEATURES)]
    params = {"objective": {"binary": "binary:logistic", "multiclass": "multi:softprob", "regression": "reg:squarederror",
                            "regression_l1": "reg:absoluteerror", "huber": "reg:pseudohubererror"}[objective],
              "max_depth": 6, "eta": 0.1, "nthread": 2, "seed": seed}
    if objective == "multiclass":
        params["num_class"] = 3
    booster = xgb.train(params, xgb.DMatrix(x, y, feature_names=names), num_boost_round=100)
    booster.save_model(out + "/model.json")
    booster.save_model(out + "/model.ubj")
    matrix = xgb.DMatrix(test, feature_names=names)
    raw = booster.predict(matrix, output_margin=True)
    predicted = booster.predict(matrix)
    contributions = booster.predict(xgb.DMatrix(test[:n_contrib], feature_names=names), pred_contribs=True)

np.ascontiguousarray(test, dtype="<f8").tofile(out + "/x.f64")
np.ascontiguousarray(raw, dtype="<f8").tofile(out + "/raw.f64")
np.ascontiguousarray(predicted, dtype="<f8").tofile(out + "/predicted.f64")
np.ascontiguousarray(contributions, dtype="<f8").tofile(out + "/contributions.f64")
print(json.dumps({"outputs": outputs, "contribution_rows": n_contrib}))
