"""The FastAPI + uvicorn app the serving benchmark compares Kite with, written as a team would write it: features
read from Redis with redis-py (one pipeline of two HGETALLs per request), the fraud example's on-demand features
computed in Python, and a LightGBM booster trained on the same training set with the same parameters. `/explain`
takes a whole row and answers LightGBM's pred_contrib, the way such an app would explain a prediction.

  REDIS_PORT=… MODEL=lightgbm.txt uvicorn fastapi_app:app --workers N
"""
import os

import lightgbm
import numpy as np
import redis
from fastapi import FastAPI
from pydantic import BaseModel

FEATURES = ["spend_1d", "spend_7d", "txn_count_7d", "avg_amount_7d", "fraud_rate_30d", "amount_vs_avg_7d", "is_large", "amount"]
store = redis.Redis(host="127.0.0.1", port=int(os.environ["REDIS_PORT"]))
booster = lightgbm.Booster(model_file=os.environ["MODEL"])
app = FastAPI()


class Transaction(BaseModel):
    customer_id: int
    merchant_id: int
    amount: float


def number(values, key):
    value = values.get(key)
    return float(value) if value is not None else float("nan")


@app.post("/predict")
def predict(transaction: Transaction):
    pipeline = store.pipeline(transaction=False)
    pipeline.hgetall(f"bench:c:{transaction.customer_id}")
    pipeline.hgetall(f"bench:m:{transaction.merchant_id}")
    customer, merchant = pipeline.execute()
    customer = {key.decode(): value for key, value in customer.items()}
    merchant = {key.decode(): value for key, value in merchant.items()}
    average = number(customer, "avg_amount_7d")
    base = transaction.amount if np.isnan(average) else average
    row = [
        number(customer, "spend_1d"), number(customer, "spend_7d"), number(customer, "txn_count_7d"), average,
        number(merchant, "fraud_rate_30d"), transaction.amount / base, float(transaction.amount > 3 * base), transaction.amount,
    ]
    probability = float(booster.predict(np.array([row]))[0])
    return {"probability": probability, "prediction": int(probability >= 0.5)}


class Row(BaseModel):
    spend_1d: float
    spend_7d: float
    txn_count_7d: float
    avg_amount_7d: float
    fraud_rate_30d: float
    amount_vs_avg_7d: float
    is_large: float
    amount: float


@app.post("/explain")
def explain(row: Row):
    values = np.array([[getattr(row, name) for name in FEATURES]])
    probability = float(booster.predict(values)[0])
    contributions = booster.predict(values, pred_contrib=True)[0]
    return {"probability": probability, "expected_value": float(contributions[-1]),
            "contributions": {name: float(value) for name, value in zip(FEATURES, contributions)}}
