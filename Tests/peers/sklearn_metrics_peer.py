"""scikit-learn's metrics on generated inputs with ties, for Kite's metric tests.

usage: sklearn_metrics_peer.py SEED ROWS [weighted]
Prints JSON: the inputs and scikit-learn's value of each metric (calibration error by calibration_curve's binning);
with `weighted`, every metric gets sample_weight (uniform in [0, 3), a few exactly 0), printed as "weights".
"""
import json
import sys

import numpy as np
from sklearn import metrics

seed, rows = int(sys.argv[1]), int(sys.argv[2])
weighted = len(sys.argv) > 3 and sys.argv[3] == "weighted"
rng = np.random.default_rng(seed)
labels = (rng.random(rows) < 0.3).astype(float)
# Scores rounded to two decimals (many ties), pulled towards the labels; some exactly 0 and 1 to exercise clipping.
scores = np.clip(np.round(0.35 * labels + 0.65 * rng.random(rows), 2), 0, 1)
scores[rng.integers(0, rows, 3)] = 0.0
scores[rng.integers(0, rows, 3)] = 1.0
targets = rng.normal(10, 3, rows)
predictions = targets + rng.normal(0, 1, rows)
predicted = (scores >= 0.5).astype(float)
# Four classes; probabilities from a rounded Dirichlet (ties in the argmax, some exactly 0), renormalized.
classes = rng.integers(0, 4, rows)
probabilities = np.round(rng.dirichlet([1, 1, 1, 1], rows) + 0.3 * np.eye(4)[classes], 1)
probabilities[rng.integers(0, rows, 3)] = [1.0, 0.0, 0.0, 0.0]
probabilities = probabilities / probabilities.sum(axis=1, keepdims=True)
argmax = probabilities.argmax(axis=1)
w = rng.uniform(0, 3, rows) if weighted else np.ones(rows)
if weighted:
    w[rng.integers(0, rows, 3)] = 0.0
sw = {"sample_weight": w} if weighted else {}

n_bins = 10
bins = np.linspace(0.0, 1.0, n_bins + 1)
ids = np.searchsorted(bins[1:-1], scores)
ece = 0.0
for b in range(n_bins):
    mask = ids == b
    if mask.any():
        weight = w[mask].sum()
        if weight > 0:
            ece += weight / w.sum() * abs((w[mask] * labels[mask]).sum() / weight - (w[mask] * scores[mask]).sum() / weight)

print(json.dumps({
    "classes": classes.astype(float).tolist(), "probabilities": probabilities.tolist(),
    "multiclass_accuracy": metrics.accuracy_score(classes, argmax, **sw),
    "multiclass_log_loss": metrics.log_loss(classes, probabilities, labels=[0, 1, 2, 3], **sw),
    "macro_f1": metrics.f1_score(classes, argmax, average="macro", zero_division=0, **sw),
    "weights": w.tolist() if weighted else None,
    "labels": labels.tolist(), "scores": scores.tolist(), "targets": targets.tolist(), "predictions": predictions.tolist(),
    "roc_auc": metrics.roc_auc_score(labels, scores, **sw),
    "log_loss": metrics.log_loss(labels, scores, **sw),
    "average_precision": metrics.average_precision_score(labels, scores, **sw),
    "accuracy": metrics.accuracy_score(labels, predicted, **sw),
    "precision": metrics.precision_score(labels, predicted, zero_division=0, **sw),
    "recall": metrics.recall_score(labels, predicted, zero_division=0, **sw),
    "f1": metrics.f1_score(labels, predicted, zero_division=0, **sw),
    "brier": metrics.brier_score_loss(labels, scores, **sw),
    "calibration_error": ece,
    "rmse": metrics.root_mean_squared_error(targets, predictions, **sw),
    "mae": metrics.mean_absolute_error(targets, predictions, **sw),
    "r2": metrics.r2_score(targets, predictions, **sw),
}))
