"""LightGBM on scikit-learn's make_classification / make_regression data, for Kite's GBDT tests.

usage: lightgbm_peer.py binary|binary_weighted|binary_categorical|multiclass|regression|regression_l1|huber[+weights] SEED ROWS FEATURES ROUNDS
The data gets a constant column and 10% missing values (NaN) in column 0. Prints JSON: the train/test features and
labels (80/20 split) and LightGBM's test metric (AUC for binary, log loss for multiclass (3 classes; accuracy too),
RMSE for regression and huber, MAE for regression_l1; the regression targets get a few large outliers;
binary_weighted: 10% positives, scale_pos_weight 4, and the mean predicted probability too) with the same parameters
Kite uses (num_leaves 31, learning_rate 0.1, min_data_in_leaf 20, max_bin 255). With "+weights" every row gets a
sample weight (uniform in [0.2, 3), larger for rows whose first feature is positive), LightGBM trains with them
and the test metric is weighted (scikit-learn's sample_weight); "train_w" and "test_w" hold them.
binary_categorical: FEATURES numeric columns plus four categorical ones (3, 12, 40 and 150 codes, each code with
its own effect; 5% missing), the last four columns, given to LightGBM as categorical_feature with its defaults.
"""
import json
import sys

import lightgbm as lgb
import numpy as np
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import accuracy_score, log_loss, mean_absolute_error, roc_auc_score, root_mean_squared_error

objective, seed, rows, features, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
weighted = objective.endswith("+weights")
objective = objective.removesuffix("+weights")
if objective == "binary_categorical":
    rng0 = np.random.default_rng(seed)
    numeric = rng0.normal(size=(rows, features))
    codes = [rng0.integers(0, k, rows) for k in (3, 12, 40, 150)]
    effects = [rng0.normal(0, 1, k) for k in (3, 12, 40, 150)]
    score = numeric[:, 0] - 0.5 * numeric[:, 1] + sum(e[c] for e, c in zip(effects, codes)) + rng0.normal(0, 1, rows)
    x = np.column_stack([numeric] + [c.astype(float) for c in codes])
    for column in range(features, features + 4):
        x[rng0.random(rows) < 0.05, column] = np.nan
    y = (score > np.median(score)).astype(float)
elif objective in ("binary", "binary_weighted", "multiclass"):
    x, y = make_classification(n_samples=rows, n_features=features, n_informative=max(2, features // 2),
                               n_classes=3 if objective == "multiclass" else 2,
                               weights=[0.9] if objective == "binary_weighted" else None, random_state=seed)
else:
    x, y = make_regression(n_samples=rows, n_features=features, n_informative=max(2, features // 2), noise=10.0, random_state=seed)
rng = np.random.default_rng(seed)
if objective in ("regression_l1", "huber"):
    y = y + np.where(rng.random(rows) < 0.02, rng.normal(0, 500, rows), 0)
if objective != "binary_categorical":
    x[:, -1] = 3.0
    x[rng.random(rows) < 0.1, 0] = np.nan
split = int(rows * 0.8)
w = rng.uniform(0.2, 3, rows) * np.where(np.nan_to_num(x[:, 1]) > 0, 2.0, 1.0) if weighted else np.ones(rows)
sw = {"sample_weight": w[split:]} if weighted else {}
params = {"objective": objective, "num_leaves": 31, "learning_rate": 0.1, "min_data_in_leaf": 20, "max_bin": 255,
          "verbose": -1, "deterministic": True, "num_threads": 2, "seed": seed}
if objective == "multiclass":
    params["num_class"] = 3
if objective == "binary_weighted":
    params.update({"objective": "binary", "scale_pos_weight": 4.0})
categorical = list(range(features, features + 4)) if objective == "binary_categorical" else "auto"
if objective == "binary_categorical":
    params["objective"] = "binary"
model = lgb.train(params, lgb.Dataset(x[:split], y[:split], weight=w[:split] if weighted else None, categorical_feature=categorical),
                  num_boost_round=rounds)
predicted = model.predict(x[split:])
extra = {}
if objective in ("binary", "binary_weighted", "binary_categorical"):
    metric = roc_auc_score(y[split:], predicted, **sw)
    extra["mean_probability"] = float(predicted.mean())
elif objective == "multiclass":
    metric = log_loss(y[split:], predicted, **sw)
    extra["accuracy"] = accuracy_score(y[split:], predicted.argmax(axis=1), **sw)
elif objective == "regression_l1":
    metric = mean_absolute_error(y[split:], predicted, **sw)
else:
    metric = root_mean_squared_error(y[split:], predicted, **sw)
if weighted:
    extra.update({"train_w": w[:split].tolist(), "test_w": w[split:].tolist()})
clean = lambda a: [None if np.isnan(v) else float(v) for v in a.ravel()]
print(json.dumps({"train_x": clean(x[:split]), "train_y": y[:split].astype(float).tolist(), "test_x": clean(x[split:]),
                  "test_y": y[split:].astype(float).tolist(), "metric": metric, **extra}))
