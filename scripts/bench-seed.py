"""Seed a loopback emulator with the benchmark account of issue #7.

Usage: bench-seed.py ENDPOINT [--roles 2000] [--users 300] [--buckets 300]

- roles: a tenth trust Google (accounts.google.com) without conditions, the
  others the account or EC2; one in 25 is over-privileged (`s3:*` on `*`),
  the others may put objects into one bucket (inline policy), and every
  fifth one also has a customer-managed policy attached;
- users: each may put objects into one bucket, and has one access key;
- buckets: each has a policy letting one role put objects; nine in ten
  have Object Ownership `BucketOwnerEnforced` (ACLs disabled, what AWS gives
  every new bucket since April 2023), every tenth is an older bucket with
  ACLs enabled (no ownership controls).

One process, boto3: IAM from one thread, S3 from a few; the emulator is\nthe bottleneck. Only
ever talks to ENDPOINT, which must be a http://127.0.0.1 URL; the caller
sets dummy credentials and AWS_EC2_METADATA_DISABLED.
"""

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

ACCOUNT = "111122223333"
THREADS = 8


def document(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def trust(i):
    if i % 10 == 0:
        return document([{
            "Effect": "Allow",
            "Principal": {"Federated": "accounts.google.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
        }])
    if i % 2 == 0:
        return document([{
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }])
    return document([{
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "sts:AssumeRole",
    }])


def put_into(bucket):
    return document([{
        "Effect": "Allow",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    parser.add_argument("--roles", type=int, default=2000)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--buckets", type=int, default=300)
    args = parser.parse_args()
    if not args.endpoint.startswith("http://127.0.0.1:"):
        sys.exit(f"refusing to seed `{args.endpoint}`: loopback only")

    config = Config(retries={"max_attempts": 3}, max_pool_connections=THREADS * 2,
                    s3={"addressing_style": "path"})
    iam = boto3.client("iam", endpoint_url=args.endpoint, region_name="us-east-1",
                       config=config)
    s3 = boto3.client("s3", endpoint_url=args.endpoint, region_name="us-east-1",
                      config=config)
    started = time.monotonic()

    iam.create_open_id_connect_provider(
        Url="https://accounts.google.com",
        ClientIDList=["bench-client.apps.googleusercontent.com"],
        ThumbprintList=["1c58a3a8518e8759bf075b76b750d4f2df264fcd"],
    )
    shared = [
        iam.create_policy(PolicyName=f"bench-shared-{n}",
                          PolicyDocument=put_into(f"bench-bucket-{n}"))["Policy"]["Arn"]
        for n in range(10)
    ]

    def bucket(n):
        name = f"bench-bucket-{n}"
        s3.create_bucket(Bucket=name)
        s3.put_bucket_policy(Bucket=name, Policy=document([{
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/bench-role-{n}"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{name}/*",
        }]))
        if n % 10 != 0:
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={
                "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})

    def role(i):
        name = f"bench-role-{i}"
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(i))
        if i % 25 == 0:
            policy = document([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
        else:
            policy = put_into(f"bench-bucket-{i % args.buckets}")
        iam.put_role_policy(RoleName=name, PolicyName="put", PolicyDocument=policy)
        if i % 5 == 0:
            iam.attach_role_policy(RoleName=name, PolicyArn=shared[i % len(shared)])

    def user(u):
        name = f"bench-user-{u}"
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="put",
                            PolicyDocument=put_into(f"bench-bucket-{u % args.buckets}"))
        iam.create_access_key(UserName=name)

    # moto's IAM answers 500 now and then to concurrent writes: IAM is
    # seeded in this thread, S3 in a few others at the same time.
    with ThreadPoolExecutor(THREADS) as pool:
        buckets = pool.map(bucket, range(args.buckets))
        for i in range(args.roles):
            role(i)
        for u in range(args.users):
            user(u)
        list(buckets)

    print(json.dumps({
        "roles": args.roles,
        "users": args.users,
        "buckets": args.buckets,
        "seconds": round(time.monotonic() - started, 1),
    }))


if __name__ == "__main__":
    main()
