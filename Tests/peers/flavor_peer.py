"""LightGBM and XGBoost models for `kite models import` and for MLflow's lightgbm and xgboost flavors.

  log URL OUT       trains a LightGBM binary Booster and an XGBoost multiclass Booster on generated data (ten
                    features, NaNs in column 0), logs them with mlflow.lightgbm.log_model / mlflow.xgboost.log_model
                    (the default UBJSON) to the tracking server at URL, registering "lgb-flavor" and "xgb-flavor";
                    saves them as OUT/model.txt and OUT/model.json too, writes OUT/input.parquet (300 fresh rows,
                    columns named as the models' features) and OUT/expected.json (each library's predict)
  compare OUT KIND PREDICTED   checks KIND's (lightgbm or xgboost) predictions in PREDICTED (kite predict's
                    output: probability, or probability_<class>) against OUT/expected.json to 1e-12; prints
                    "equal ROWS"
  pandas OUT        trains a LightGBM binary Booster on a pandas DataFrame with two `category` columns (strings) and
                    saves OUT/pandas.txt; writes OUT/pandas.parquet (300 fresh rows with the categories as strings,
                    some unseen and some missing) and adds LightGBM's predictions to OUT/expected.json as "pandas"
  bad OUT           writes damaged and unsupported models: OUT/truncated.txt, OUT/edited.txt (a child index out of
                    range), OUT/poisson.txt (objective poisson), OUT/linear.txt (linear trees), OUT/gblinear.json
"""
import json
import os
import sys

import numpy as np

FEATURES = [f"f{i}" for i in range(10)]


def data(rng, n):
    x = rng.normal(size=(n, 10))
    x[rng.random(n) < 0.1, 0] = np.nan
    return x


if sys.argv[1] == "log":
    url, out = sys.argv[2], sys.argv[3]
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"  # its thread writes os.environ while requests reads it
    import lightgbm as lgb
    import mlflow
    import pandas as pd
    import xgboost as xgb

    rng = np.random.default_rng(5)
    x = data(rng, 5000)
    score = np.nan_to_num(x[:, 0]) + x[:, 1] - 0.5 * x[:, 2] + rng.normal(size=5000)
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_threads": 2}, lgb.Dataset(x, (score > 0).astype(float),
                        feature_name=FEATURES), num_boost_round=50)
    classes = np.digitize(score, [-1, 1]).astype(float)
    xgbooster = xgb.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 4, "nthread": 2},
                          xgb.DMatrix(x, classes, feature_names=FEATURES), num_boost_round=30)
    booster.save_model(out + "/model.txt")
    xgbooster.save_model(out + "/model.json")
    mlflow.set_tracking_uri(url)
    with mlflow.start_run():
        mlflow.lightgbm.log_model(booster, name="model", registered_model_name="lgb-flavor")
    with mlflow.start_run():
        mlflow.xgboost.log_model(xgbooster, name="model", registered_model_name="xgb-flavor")
    fresh = data(rng, 300)
    pd.DataFrame(fresh, columns=FEATURES).to_parquet(out + "/input.parquet")
    expected = {"lightgbm": booster.predict(fresh).tolist(),
                "xgboost": xgbooster.predict(xgb.DMatrix(fresh, feature_names=FEATURES)).astype(float).tolist()}
    json.dump(expected, open(out + "/expected.json", "w"))
    print("logged")
elif sys.argv[1] == "compare":
    import pyarrow.parquet as pq

    out, kind, predicted = sys.argv[2], sys.argv[3], pq.read_table(sys.argv[4]).to_pydict()
    expected = json.load(open(out + "/expected.json"))[kind]
    for row, want in enumerate(expected):
        got = [predicted[f"probability_{k}"][row] for k in range(3)] if kind == "xgboost" else [predicted["probability"][row]]
        want = want if kind == "xgboost" else [want]
        for g, w in zip(got, want):
            assert abs(g - w) <= 1e-12 * max(1, abs(w)), f"row {row}: kite {got}, {kind} {want}"
    print(f"equal {len(expected)}")
elif sys.argv[1] == "pandas":
    import lightgbm as lgb
    import pandas as pd

    out = sys.argv[2]
    rng = np.random.default_rng(8)

    def frame(n, fresh):
        colors = ["red", "green", "blue", "teal", "pink"] + (["purple"] if fresh else [])
        color = rng.choice(colors, n).astype(object)
        shape = rng.choice(["square", "circle"], n).astype(object)
        if fresh:
            color[rng.random(n) < 0.05] = None
        return pd.DataFrame({"a": rng.normal(size=n), "color": color, "b": rng.normal(size=n), "shape": shape})

    train = frame(4000, False)
    y = ((train.a > 0) ^ train.color.isin(["red", "teal"]) ^ (train["shape"] == "circle")).astype(int)
    for column in ("color", "shape"):
        train[column] = train[column].astype("category")
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_threads": 2}, lgb.Dataset(train, y), num_boost_round=30)
    booster.save_model(out + "/pandas.txt")
    fresh = frame(300, True)
    fresh.to_parquet(out + "/pandas.parquet")
    for column in ("color", "shape"):
        fresh[column] = pd.Categorical(fresh[column], categories=train[column].cat.categories)
    expected = json.load(open(out + "/expected.json"))
    expected["pandas"] = booster.predict(fresh).tolist()
    json.dump(expected, open(out + "/expected.json", "w"))
    print("pandas")
elif sys.argv[1] == "bad":
    import lightgbm as lgb
    import xgboost as xgb

    out = sys.argv[2]
    rng = np.random.default_rng(6)
    x = data(rng, 2000)
    y = (np.nan_to_num(x[:, 0]) + rng.normal(size=2000) > 0).astype(float)
    text = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(x, y), num_boost_round=5).model_to_string()
    open(out + "/truncated.txt", "w").write(text[: len(text) // 2])
    lines = text.split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("left_child="))
    lines[first] = "left_child=" + " ".join(["999"] + lines[first].split("=")[1].split()[1:])
    open(out + "/edited.txt", "w").write("\n".join(lines))
    lgb.train({"objective": "poisson", "verbose": -1}, lgb.Dataset(x, y), num_boost_round=3).save_model(out + "/poisson.txt")
    lgb.train({"objective": "binary", "linear_tree": True, "verbose": -1}, lgb.Dataset(np.nan_to_num(x), y),
              num_boost_round=3).save_model(out + "/linear.txt")
    xgb.train({"booster": "gblinear"}, xgb.DMatrix(x, y), num_boost_round=3).save_model(out + "/gblinear.json")
    print("bad")
