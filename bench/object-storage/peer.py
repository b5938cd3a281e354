"""boto3's side of bench/object-storage/run: upload_file and download_file with default transfer settings."""
import json
import sys
import time

import boto3

endpoint, bucket, path, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
                  region_name="us-east-1")
s3.create_bucket(Bucket=bucket)
uploads, downloads = [], []
for _ in range(repeats):
    start = time.perf_counter()
    s3.upload_file(path, bucket, "bench.bin")
    uploads.append(time.perf_counter() - start)
    start = time.perf_counter()
    s3.download_file(bucket, "bench.bin", path + ".boto")
    downloads.append(time.perf_counter() - start)
print(json.dumps({"upload": uploads, "download": downloads}))
