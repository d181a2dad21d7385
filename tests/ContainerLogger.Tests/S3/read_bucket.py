#!/usr/bin/python3
"""Reads every object of a bucket with boto3 (a client that is not ours) for the s3 driver's end-to-end tests.

usage: read_bucket.py ENDPOINT BUCKET OUTDIR [CA_FILE]
Writes each object's body to OUTDIR/<n> and prints one JSON line per object: key, etag, size, file.
"""
import json
import os
import sys

import boto3
from botocore.config import Config

endpoint, bucket, outdir = sys.argv[1:4]
ca = sys.argv[4] if len(sys.argv) > 4 else None
s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    aws_access_key_id="S3RVER",
    aws_secret_access_key="S3RVER",
    region_name="us-east-1",
    verify=ca if ca else True,
    config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
)
os.makedirs(outdir, exist_ok=True)
n = 0
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    for item in page.get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        path = os.path.join(outdir, str(n))
        with open(path, "wb") as f:
            f.write(body)
        print(json.dumps({"key": item["Key"], "etag": item["ETag"], "size": item["Size"], "file": path}))
        n += 1
