#!/usr/bin/python3
"""S3 round trip through Swift's s3api/s3token:  s3check.py ACCESS SECRET
Bucket create, object put/get, list, delete object and bucket. Region 'gra' as OVHcloud's S3."""
import sys

import boto3
from botocore.config import Config

s3 = boto3.client('s3', endpoint_url='http://127.0.0.1:8080', region_name='gra',
                  aws_access_key_id=sys.argv[1], aws_secret_access_key=sys.argv[2],
                  config=Config(s3={'addressing_style': 'path'}, signature_version='s3v4'))
s3.create_bucket(Bucket='smk-bucket')
s3.put_object(Bucket='smk-bucket', Key='hello.txt', Body=b'hello s3')
assert s3.get_object(Bucket='smk-bucket', Key='hello.txt')['Body'].read() == b'hello s3'
names = [b['Name'] for b in s3.list_buckets()['Buckets']]
assert 'smk-bucket' in names, names
s3.delete_object(Bucket='smk-bucket', Key='hello.txt')
s3.delete_bucket(Bucket='smk-bucket')
print('bucket smk-bucket: put/get/list/delete ok')
