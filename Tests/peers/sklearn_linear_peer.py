"""scikit-learn's LogisticRegression (l2, lbfgs, tight tolerance) and Ridge on standardized make_classification /
make_regression data, for Kite's linear model tests.

usage: sklearn_linear_peer.py SEED ROWS FEATURES C ALPHA L1_RATIO [weighted]
Prints JSON: the standardized features, labels, targets and scikit-learn's coefficients, intercepts and the first
ten predicted probabilities; with L1_RATIO, also the elastic-net logistic regression's (saga, tight tolerance).
With `weighted`, every model is fitted with sample_weight (uniform in [0.1, 4)), printed as "w".
"""
import json
import sys

import numpy as np

from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

seed, rows, features, c, alpha = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
l1_ratio = float(sys.argv[6])
weighted = len(sys.argv) > 7 and sys.argv[7] == "weighted"
x, y = make_classification(n_samples=rows, n_features=features, n_informative=max(2, features // 2), random_state=seed)
x = StandardScaler().fit_transform(x)
w = np.random.default_rng(seed).uniform(0.1, 4, rows) if weighted else None
logistic = LogisticRegression(C=c, tol=1e-12, max_iter=100000).fit(x, y, sample_weight=w)
xr, yr = make_regression(n_samples=rows, n_features=features, noise=5.0, random_state=seed)
xr = StandardScaler().fit_transform(xr)
ridge = Ridge(alpha=alpha).fit(xr, yr, sample_weight=w)
elastic = LogisticRegression(C=c, l1_ratio=l1_ratio, solver="saga", tol=1e-12, max_iter=10000000).fit(x, y, sample_weight=w)
print(json.dumps({
    "x": x.ravel().tolist(), "y": y.astype(float).tolist(), "xr": xr.ravel().tolist(), "yr": yr.tolist(),
    "logistic_coef": logistic.coef_[0].tolist(), "logistic_intercept": float(logistic.intercept_[0]),
    "logistic_proba": logistic.predict_proba(x[:10])[:, 1].tolist(),
    "ridge_coef": ridge.coef_.tolist(), "ridge_intercept": float(ridge.intercept_),
    "elastic_coef": elastic.coef_[0].tolist(), "elastic_intercept": float(elastic.intercept_[0]),
    "w": w.tolist() if weighted else None,
}))
