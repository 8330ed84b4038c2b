"""Seed a local AWS emulator with putonly's test scenarios, through the AWS API.

Usage: seed.py SCENARIO [SCENARIO ...] --endpoint http://127.0.0.1:PORT
                [--account-id 111122223333] [--no-noise]

Scenarios (see shared/cases/scenarios.md): S1, S2, S3, S4b to S4g (one per
variant), S5 (and S5-restricted, with RestrictPublicBuckets on), S6, S7, S8,
and `example` (the guide's setup, both paths). They compose: each step
creates what is missing and leaves what exists, so `S1 S8` is the guide's
user with S8's extra key and console password; where two scenarios write the
same document (the trust policy of S2, S3 and S7), the later one on the
command line wins. Unrelated noise (other users, groups, roles, policies and
buckets) is added unless --no-noise is given.

An --account-id other than the emulator's own (111122223333) is seeded
through a role assumed in that account: moto's credentials then act there.

Change steps, for the drift tests, are named and run like scenarios, on an
account already seeded (always with --no-noise):
  audit-role            the role `putonly-audit` that scans of many accounts
                        assume, trusting account 111122223333
  static-user           S1's user (the guide's inline policy, one key), for
                        an account of another scenario
  widen-role-s3-star    the role's managed policy gets a new default
                        version with `s3:*` instead of `s3:PutObject`
  drop-sub              S3's trust without its `sub` condition
  trust-audience-only   the guide's trust (S2's: audience only)
  group-s3-full         a group with `s3:*` on `*` (AmazonS3FullAccess-like),
                        with the user in it
  guide-bucket-policy   the guide's bucket policy on rec-bucket
  rotate-key            a new access key for the user, the old ones deleted
  reformat-documents    every document of S3 + static-user +
                        guide-bucket-policy put again with statements
                        reordered, other white space and key order, Sids
                        added or removed: the same meaning

Prints one JSON object on stdout: the account id, the exact text of every
policy document it put (keyed `user/NAME/inline/POLICY`,
`group/NAME/inline/POLICY`, `role/NAME/trust`, `role/NAME/inline/POLICY`,
`policy/NAME`, `bucket/NAME/policy`, `access-point/NAME/policy`), and the
access key ids per user.

Only loopback endpoints are accepted. S3 Control requests, to which botocore
prepends the account id as a host label, are rewritten back to the
endpoint's host before they are signed, so no name is ever resolved.
"""

import argparse
import json
import sys
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

BUCKET = "rec-bucket"
BUCKET_REGION = "us-west-1"
USER = "videsk-connector"
ROLE = "videsk-connector-oidc"
AUDIENCE = "cloud-connector@bridge-fed-connector.iam.gserviceaccount.com"
VENDOR_ID = "104857600000000000001"
ISSUER = "https://accounts.google.com"
THUMBPRINT = "1c58a3a8518e8759bf075b76b750d4f2df264fcd"
ACCESS_POINT = "rec-ap"

# The guide's identity policy for both paths, as the guide prints it.
GUIDE_PUT_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::rec-bucket/*"
    }
  ]
}"""

# The guide's "security suggestion" bucket policy, with its indentation.
GUIDE_BUCKET_POLICY = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowPrefixedWrites",
            "Effect": "Allow",
            "Principal": {
                "AWS": "arn:aws:iam::ACCOUNT:user/videsk-connector"
            },
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::rec-bucket/uploads/*"
        },
        {
            "Sid": "DenyNonPrefixedWrites",
            "Effect": "Deny",
            "Principal": {
                "AWS": "arn:aws:iam::ACCOUNT:user/videsk-connector"
            },
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::rec-bucket/*",
            "Condition": {
                "StringNotLikeIfExists": {
                    "s3:prefix": [
                        "uploads/*"
                    ]
                }
            }
        }
    ]
}"""

TRUST_AUDIENCE_ONLY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::ACCOUNT:oidc-provider/accounts.google.com"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "accounts.google.com:aud": "AUDIENCE"
        }
      }
    }
  ]
}""".replace("AUDIENCE", AUDIENCE)

TRUST_PINNED = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::ACCOUNT:oidc-provider/accounts.google.com"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "accounts.google.com:sub": "VENDOR",
          "accounts.google.com:aud": "VENDOR"
        }
      }
    }
  ]
}""".replace("VENDOR", VENDOR_ID)

# S7: two "StringEquals" keys in one Condition object. A JSON reader that
# keeps the last key drops the `sub` pin without a word; the text must reach
# the inventory exactly as written, duplicates included.
TRUST_DUPLICATE_KEYS = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::ACCOUNT:oidc-provider/accounts.google.com"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "accounts.google.com:sub": "VENDOR"
        },
        "StringEquals": {
          "accounts.google.com:aud": "AUDIENCE"
        }
      }
    }
  ]
}""".replace("VENDOR", VENDOR_ID).replace("AUDIENCE", AUDIENCE)

UPLOADS_PUT_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "PutRecordingsUnderUploads",
      "Effect": "Allow",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::rec-bucket/uploads/*"
    }
  ]
}"""


# S4: what over-privileged connectors are given instead of UPLOADS_PUT_POLICY.
S4_POLICIES = {
    "b": ("videsk-s3-everything", """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "EverythingInS3",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": "*"
    }
  ]
}"""),
    "c": ("videsk-put-anything", """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "PutWildcard",
      "Effect": "Allow",
      "Action": "s3:Put*",
      "Resource": "arn:aws:s3:::rec-bucket/*"
    }
  ]
}"""),
    "d": ("videsk-put-bucket-wildcard", """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "PutBucketWildcard",
      "Effect": "Allow",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::rec-bucket*"
    }
  ]
}"""),
    "e": ("videsk-all-but-delete", """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllButDelete",
      "Effect": "Allow",
      "NotAction": "s3:DeleteObject",
      "Resource": "*"
    }
  ]
}"""),
}

# S4f: the rights of AWS's AmazonS3FullAccess, as a customer-managed policy.
S3_FULL_ACCESS = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "s3:*",
        "s3-object-lambda:*"
      ],
      "Resource": "*"
    }
  ]
}"""

# S4g: the connector may create access keys for itself.
SELF_ACCESS_KEYS = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "RotateOwnKeys",
      "Effect": "Allow",
      "Action": "iam:CreateAccessKey",
      "Resource": "arn:aws:iam::ACCOUNT:user/videsk-connector"
    }
  ]
}"""

# S5: the public may put objects under public/.
PUBLIC_WRITES_BUCKET_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "PublicDropBox",
      "Effect": "Allow",
      "Principal": "*",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::rec-bucket/public/*"
    }
  ]
}"""

ETL_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "EtlEverythingInS3",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": "*"
    }
  ]
}"""

# S6: the access point admits the connector under uploads/ only. moto puts
# every access point in us-east-1 (its ARN says so), whatever the bucket's
# region; the policy names the access point as moto reports it.
ACCESS_POINT_UPLOADS_ONLY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ConnectorUploadsOnly",
      "Effect": "Allow",
      "Principal": {
        "AWS": "arn:aws:iam::ACCOUNT:user/videsk-connector"
      },
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:us-east-1:ACCOUNT:accesspoint/rec-ap/object/uploads/*"
    }
  ]
}"""


def _pretty(document):
    return json.dumps(document, indent=2, ensure_ascii=False)


class Seeder:
    """Idempotent helpers over boto3 clients bound to one loopback endpoint."""

    def __init__(self, endpoint, account_id):
        parts = urlsplit(endpoint)
        if parts.hostname not in ("127.0.0.1", "::1") or parts.scheme != "http":
            sys.exit(f"refusing non-loopback endpoint `{endpoint}`")
        self.endpoint = endpoint
        self.host = parts.netloc
        self.account = account_id
        self.session = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )
        self.config = Config(
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": "path"},
            connect_timeout=5,
            read_timeout=30,
        )
        if self.client("sts").get_caller_identity()["Account"] != account_id:
            self._enter(account_id)
        self.iam = self.client("iam")
        self.s3 = self.client("s3")
        self.s3control = self.client("s3control")
        self.s3control.meta.events.register("before-sign.s3-control", self._keep_host)
        answered = self.client("sts").get_caller_identity()["Account"]
        if answered != account_id:
            sys.exit(f"the emulator serves account {answered}, not {account_id}")
        self.documents = {}
        self.keys = {}

    def _enter(self, account_id):
        """Seeds another account than the emulator's own: moto lets a role
        of any account be assumed, and its credentials act in that account."""
        answer = self.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/putonly-seed",
            RoleSessionName="putonly-seed",
        )["Credentials"]
        self.session = boto3.session.Session(
            aws_access_key_id=answer["AccessKeyId"],
            aws_secret_access_key=answer["SecretAccessKey"],
            aws_session_token=answer["SessionToken"],
            region_name="us-east-1",
        )

    def client(self, service, region="us-east-1"):
        return self.session.client(
            service, endpoint_url=self.endpoint, region_name=region, config=self.config
        )

    def _keep_host(self, request, **_kwargs):
        # botocore puts the account id in front of the host; undo it so the
        # request goes to the loopback endpoint without a name lookup.
        parts = urlsplit(request.url)
        if parts.netloc not in (self.host, f"{self.account}.{self.host}"):
            raise RuntimeError(f"s3control request to unexpected host `{parts.netloc}`")
        request.url = urlunsplit(parts._replace(netloc=self.host))

    def text(self, template):
        return template.replace("ACCOUNT", self.account)

    def arn(self, kind, name):
        return f"arn:aws:iam::{self.account}:{kind}/{name}"

    # IAM

    def user(self, name, path="/"):
        try:
            self.iam.create_user(UserName=name, Path=path)
        except ClientError as err:
            if err.response["Error"]["Code"] != "EntityAlreadyExists":
                raise
        self.keys.setdefault(name, [])

    def user_inline(self, user, policy, text):
        self.iam.put_user_policy(UserName=user, PolicyName=policy, PolicyDocument=text)
        self.documents[f"user/{user}/inline/{policy}"] = text

    def access_keys(self, user, count):
        existing = self.iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
        for _ in range(count - len(existing)):
            self.iam.create_access_key(UserName=user)
        listed = self.iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
        self.keys[user] = sorted(k["AccessKeyId"] for k in listed)

    def login_profile(self, user):
        try:
            self.iam.create_login_profile(
                UserName=user, Password="Correct-Horse-9!", PasswordResetRequired=False
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "EntityAlreadyExists":
                raise

    def managed_policy(self, name, text, path="/"):
        arn = f"arn:aws:iam::{self.account}:policy{path}{name}"
        try:
            self.iam.create_policy(PolicyName=name, Path=path, PolicyDocument=text)
        except ClientError as err:
            if err.response["Error"]["Code"] != "EntityAlreadyExists":
                raise
            self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=text, SetAsDefault=True)
        self.documents[f"policy/{name}"] = text
        return arn

    def role(self, name, trust, path="/", **extra):
        try:
            self.iam.create_role(
                RoleName=name, Path=path, AssumeRolePolicyDocument=trust, **extra
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "EntityAlreadyExists":
                raise
            self.iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
        self.documents[f"role/{name}/trust"] = trust

    def role_inline(self, role, policy, text):
        self.iam.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=text)
        self.documents[f"role/{role}/inline/{policy}"] = text

    def group(self, name):
        try:
            self.iam.create_group(GroupName=name)
        except ClientError as err:
            if err.response["Error"]["Code"] != "EntityAlreadyExists":
                raise

    def google_provider(self):
        arn = self.arn("oidc-provider", "accounts.google.com")
        try:
            self.iam.create_open_id_connect_provider(
                Url=ISSUER, ClientIDList=[AUDIENCE], ThumbprintList=[THUMBPRINT]
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "EntityAlreadyExists":
                raise
        return arn

    # S3 and S3 Control

    def bucket(self, name, region):
        client = self.client("s3", region)
        args = {"Bucket": name}
        if region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            client.create_bucket(**args)
        except ClientError as err:
            if err.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                raise
        return client

    def aws_bucket_defaults(self, name, region):
        """A bucket as AWS creates one today: BPA on, owner enforced, SSE-S3."""
        client = self.bucket(name, region)
        client.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=all_blocked()
        )
        client.put_bucket_ownership_controls(
            Bucket=name,
            OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        )
        client.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )

    def bucket_policy(self, name, text):
        self.s3.put_bucket_policy(Bucket=name, Policy=text)
        self.documents[f"bucket/{name}/policy"] = text

    def access_point(self, name, bucket, policy=None):
        try:
            self.s3control.create_access_point(AccountId=self.account, Name=name, Bucket=bucket)
        except ClientError as err:
            if err.response["Error"]["Code"] != "AccessPointAlreadyOwnedByYou":
                raise
        if policy is not None:
            self.s3control.put_access_point_policy(
                AccountId=self.account, Name=name, Policy=policy
            )
            self.documents[f"access-point/{name}/policy"] = policy

    def account_public_access_block(self, config=None):
        self.s3control.put_public_access_block(
            AccountId=self.account, PublicAccessBlockConfiguration=config or all_blocked()
        )

    def bucket_public_access_block(self, name, region, config):
        self.client("s3", region).put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=config
        )


def all_blocked():
    return {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }


def none_blocked(restrict_public_buckets=False):
    return {
        "BlockPublicAcls": False,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": restrict_public_buckets,
    }


# Building blocks shared by scenarios.


def guide_bucket(seeder):
    seeder.aws_bucket_defaults(BUCKET, BUCKET_REGION)


def guide_user(seeder):
    seeder.user(USER)
    seeder.user_inline(USER, "videsk-put-recordings", GUIDE_PUT_POLICY)


def oidc_role(seeder, trust, policy_text):
    seeder.google_provider()
    seeder.role(ROLE, seeder.text(trust))
    arn = seeder.managed_policy("videsk-connector-put", policy_text)
    seeder.iam.attach_role_policy(RoleName=ROLE, PolicyArn=arn)


# Scenarios.


def s1(seeder):
    guide_bucket(seeder)
    guide_user(seeder)
    seeder.access_keys(USER, 1)
    seeder.bucket_policy(BUCKET, seeder.text(GUIDE_BUCKET_POLICY))
    seeder.access_point(ACCESS_POINT, BUCKET)


def s2(seeder):
    guide_bucket(seeder)
    oidc_role(seeder, TRUST_AUDIENCE_ONLY, GUIDE_PUT_POLICY)


def s3(seeder):
    guide_bucket(seeder)
    oidc_role(seeder, TRUST_PINNED, UPLOADS_PUT_POLICY)


def s7(seeder):
    # Sent as raw text: boto3 passes the string through untouched.
    guide_bucket(seeder)
    oidc_role(seeder, TRUST_DUPLICATE_KEYS, UPLOADS_PUT_POLICY)


def s4(variant):
    """The connector user with more than it needs, one variant per run."""

    def seed(seeder):
        guide_bucket(seeder)
        seeder.user(USER)
        if variant in S4_POLICIES:
            name, text = S4_POLICIES[variant]
            seeder.user_inline(USER, name, text)
            if variant == "d":
                # The bucket that `rec-bucket*` also reaches.
                seeder.aws_bucket_defaults("rec-bucket-backups", BUCKET_REGION)
            return
        seeder.user_inline(USER, "videsk-put-recordings", UPLOADS_PUT_POLICY)
        if variant == "f":
            arn = seeder.managed_policy("s3-full-access", S3_FULL_ACCESS)
            seeder.group("storage-admins")
            seeder.iam.attach_group_policy(GroupName="storage-admins", PolicyArn=arn)
            seeder.iam.add_user_to_group(GroupName="storage-admins", UserName=USER)
        elif variant == "g":
            arn = seeder.managed_policy("videsk-rotate-keys", seeder.text(SELF_ACCESS_KEYS))
            seeder.iam.attach_user_policy(UserName=USER, PolicyArn=arn)

    return seed


def s5(restrict_public_buckets):
    """S3 plus another writer and a public write grant."""

    def seed(seeder):
        s3(seeder)
        seeder.user("etl")
        seeder.user_inline("etl", "etl-s3", ETL_POLICY)
        # Block Public Access off at both levels before the public grant.
        seeder.account_public_access_block(none_blocked())
        seeder.bucket_public_access_block(BUCKET, BUCKET_REGION, none_blocked())
        seeder.bucket_policy(BUCKET, PUBLIC_WRITES_BUCKET_POLICY)
        if restrict_public_buckets:
            seeder.bucket_public_access_block(BUCKET, BUCKET_REGION, none_blocked(True))

    return seed


def s6(seeder):
    guide_bucket(seeder)
    guide_user(seeder)
    seeder.access_point(ACCESS_POINT, BUCKET, policy=seeder.text(ACCESS_POINT_UPLOADS_ONLY))


def s8(seeder):
    # moto stamps a key with the time it is created and offers no way to
    # backdate it; the tests age the key in the collected inventory instead.
    guide_bucket(seeder)
    guide_user(seeder)
    seeder.access_keys(USER, 2)
    seeder.login_profile(USER)


def example(seeder):
    s1(seeder)
    s2(seeder)
    seeder.account_public_access_block()


def noise(seeder):
    """Unrelated principals and buckets that any real account has."""
    seeder.user("alice")
    seeder.access_keys("alice", 1)
    seeder.login_profile("alice")
    serial = seeder.iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")[
        "VirtualMFADevice"
    ]["SerialNumber"]
    seeder.iam.enable_mfa_device(
        UserName="alice", SerialNumber=serial, AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )

    read_logs = seeder.managed_policy(
        "dev-read-logs",
        _pretty({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::app-logs", "arn:aws:s3:::app-logs/*"],
            }],
        }),
        path="/team/",
    )
    boundary = seeder.managed_policy(
        "developer-boundary",
        _pretty({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }),
    )
    seeder.managed_policy(
        "unused-legacy",
        _pretty({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}],
        }),
    )

    seeder.group("developers")
    seeder.iam.attach_group_policy(GroupName="developers", PolicyArn=read_logs)
    text = _pretty({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}],
    })
    seeder.iam.put_group_policy(GroupName="developers", PolicyName="no-delete", PolicyDocument=text)
    seeder.documents["group/developers/inline/no-delete"] = text
    seeder.group("auditors")

    seeder.user("bob", path="/staff/")
    seeder.iam.add_user_to_group(GroupName="developers", UserName="bob")
    # moto 5.2.5 has no user permissions boundaries; roles carry one below.
    seeder.user("carol")
    seeder.iam.add_user_to_group(GroupName="developers", UserName="carol")
    seeder.iam.add_user_to_group(GroupName="auditors", UserName="carol")
    seeder.iam.attach_user_policy(UserName="carol", PolicyArn=read_logs)

    seeder.role(
        "ci-deployer",
        _pretty({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{seeder.account}:root"},
                "Action": "sts:AssumeRole",
            }],
        }),
        MaxSessionDuration=7200,
        PermissionsBoundary=boundary,
    )
    seeder.iam.attach_role_policy(RoleName="ci-deployer", PolicyArn=read_logs)
    seeder.role(
        "lambda-exec",
        _pretty({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }],
        }),
        path="/service-role/",
    )
    # Spaces, `+` and non-ASCII text: the document must round-trip exactly.
    seeder.role_inline(
        "lambda-exec",
        "write-reports",
        _pretty({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "Reports",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::analytics-eu/reports 2024+/*",
                "Condition": {"StringLike": {"aws:UserAgent": "café+batch %20 job"}},
            }],
        }),
    )

    seeder.bucket("app-logs", "us-east-1")
    eu = seeder.bucket("analytics-eu", "eu-west-1")
    eu.put_bucket_versioning(
        Bucket="analytics-eu", VersioningConfiguration={"Status": "Enabled"}
    )
    eu.put_bucket_encryption(
        Bucket="analytics-eu",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    seeder.access_point(
        "logs-ap",
        "app-logs",
        policy=_pretty({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": seeder.arn("user", "alice")},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:us-east-1:{seeder.account}:accesspoint/logs-ap/object/*",
            }],
        }),
    )


SCENARIOS = {
    "S1": s1,
    "S2": s2,
    "S3": s3,
    **{f"S4{variant}": s4(variant) for variant in "bcdefg"},
    "S5": s5(False),
    "S5-restricted": s5(True),
    "S6": s6,
    "S7": s7,
    "S8": s8,
    "example": example,
}


# Change steps for the drift tests: each changes one thing through the API.


def audit_role(seeder):
    """The role a many-account scan assumes (`putonly-audit`), trusting the
    emulator's own account, where the scanner's credentials live."""
    trust = _pretty(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    seeder.role("putonly-audit", trust)


def static_user(seeder):
    guide_user(seeder)
    seeder.access_keys(USER, 1)


def widen_role_s3_star(seeder):
    text = UPLOADS_PUT_POLICY.replace('"s3:PutObject"', '"s3:*"')
    seeder.managed_policy("videsk-connector-put", text)


def drop_sub(seeder):
    trust = json.loads(seeder.text(TRUST_PINNED))
    del trust["Statement"][0]["Condition"]["StringEquals"]["accounts.google.com:sub"]
    seeder.role(ROLE, _pretty(trust))


def trust_audience_only(seeder):
    seeder.role(ROLE, seeder.text(TRUST_AUDIENCE_ONLY))


def group_s3_full(seeder):
    arn = seeder.managed_policy(
        "s3-full-access",
        _pretty({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"],
                           "Resource": "*"}],
        }),
    )
    seeder.group("storage-admins")
    seeder.iam.attach_group_policy(GroupName="storage-admins", PolicyArn=arn)
    seeder.iam.add_user_to_group(GroupName="storage-admins", UserName=USER)


def guide_bucket_policy(seeder):
    seeder.bucket_policy(BUCKET, seeder.text(GUIDE_BUCKET_POLICY))


def rotate_key(seeder):
    old = seeder.iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]
    seeder.iam.create_access_key(UserName=USER)
    for key in old:
        seeder.iam.delete_access_key(UserName=USER, AccessKeyId=key["AccessKeyId"])
    seeder.access_keys(USER, 1)


def _reversed_keys(value):
    """The same JSON with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {k: _reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(v) for v in value]
    return value


def reformat_documents(seeder):
    # The trust: keys reversed, compact, a Sid added.
    trust = json.loads(seeder.text(TRUST_PINNED))
    trust["Statement"][0]["Sid"] = "VendorOnly"
    seeder.role(ROLE, json.dumps(_reversed_keys(trust), separators=(",", ":")))
    # The role's policy: its Sid dropped, the action as a list, tabs.
    policy = json.loads(UPLOADS_PUT_POLICY)
    del policy["Statement"][0]["Sid"]
    policy["Statement"][0]["Action"] = ["s3:PutObject"]
    seeder.managed_policy("videsk-connector-put", json.dumps(policy, indent="\t"))
    # The user's policy: keys reversed, one space of indentation.
    user = _reversed_keys(json.loads(GUIDE_PUT_POLICY))
    seeder.user_inline(USER, "videsk-put-recordings", json.dumps(user, indent=1))
    # The bucket policy: statements in the other order, Sids renamed.
    bucket = json.loads(seeder.text(GUIDE_BUCKET_POLICY))
    bucket["Statement"].reverse()
    for statement in bucket["Statement"]:
        statement["Sid"] = statement["Sid"] + "V2"
    seeder.bucket_policy(BUCKET, json.dumps(bucket, indent=8))


STEPS = {
    "audit-role": audit_role,
    "static-user": static_user,
    "widen-role-s3-star": widen_role_s3_star,
    "drop-sub": drop_sub,
    "trust-audience-only": trust_audience_only,
    "group-s3-full": group_s3_full,
    "guide-bucket-policy": guide_bucket_policy,
    "rotate-key": rotate_key,
    "reformat-documents": reformat_documents,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="+", choices=sorted(SCENARIOS | STEPS))
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--account-id", default="111122223333")
    parser.add_argument("--no-noise", action="store_true")
    args = parser.parse_args()

    seeder = Seeder(args.endpoint, args.account_id)
    for name in args.scenarios:
        (SCENARIOS | STEPS)[name](seeder)
    if not args.no_noise:
        noise(seeder)

    json.dump(
        {"account_id": seeder.account, "documents": seeder.documents, "access_keys": seeder.keys},
        sys.stdout,
        indent=2,
        sort_keys=True,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
