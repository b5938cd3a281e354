"""Test peer for Kite's S3 tests: boto3 against the moto server in KITE_TEST_S3_ENDPOINT.

  create-bucket NAME
"""
import os
import sys

import boto3


def client():
    return boto3.client("s3", endpoint_url=os.environ["KITE_TEST_S3_ENDPOINT"], aws_access_key_id="testing",
                        aws_secret_access_key="testing", region_name="us-east-1")


if __name__ == "__main__":
    if sys.argv[1] == "create-bucket":
        client().create_bucket(Bucket=sys.argv[2])
    else:
        raise SystemExit(f"unknown command {sys.argv[1]}")
