"""NannyML's confidence-based performance estimation (CBPE), as the reference for Kite's estimates.

    nannyml_peer.py cbpe REFERENCE.parquet ANALYSIS.parquet CHUNK_SIZE

REFERENCE has y_true, y_pred_proba and y_pred; ANALYSIS y_pred_proba and y_pred. Prints
{"needs_calibration": bool, "chunks": [{metric: estimated value}, ...]} for roc_auc, f1, precision, recall,
specificity and accuracy, one entry per chunk of CHUNK_SIZE analysis rows.
"""
import json
import sys
import warnings

import pandas as pd

warnings.filterwarnings("ignore")
METRICS = ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy"]

if __name__ == "__main__" and sys.argv[1] == "cbpe":
    import nannyml

    reference, analysis = pd.read_parquet(sys.argv[2]), pd.read_parquet(sys.argv[3])
    estimator = nannyml.CBPE(
        y_pred_proba="y_pred_proba", y_pred="y_pred", y_true="y_true", problem_type="classification_binary",
        metrics=METRICS, chunk_size=int(sys.argv[4]),
    )
    estimator.fit(reference)
    frame = estimator.estimate(analysis).filter(period="analysis").to_df()
    chunks = [{metric: float(frame[(metric, "value")].iloc[i]) for metric in METRICS} for i in range(len(frame))]
    print(json.dumps({"needs_calibration": bool(estimator.needs_calibration), "chunks": chunks}))
