"""Start moto's server mode on a loopback port for putonly's tests.

Usage: launch.py PORT [--fault METHOD PATH QUERY_KEY STATUS CODE]...
                      [--flaky TIMES METHOD PATH QUERY_KEY STATUS CODE]... [--record FILE]
                      [--many-accounts]
                      [--enforce-iam]

moto 5.2.5 names the XML root element of some REST-XML answers after the
operation plus ``Response``, where AWS uses another name and the AWS SDK for
Rust rejects anything else:

- S3 Control: ``ListAccessPointsResponse`` where AWS sends
  ``ListAccessPointsResult`` (every operation without a payload member);
- S3 GetBucketVersioning: ``GetBucketVersioningResponse`` where AWS sends
  ``VersioningConfiguration``.

This launcher patches moto's REST-XML serializer for exactly these cases,
then runs the ordinary moto server in this process, bound to 127.0.0.1.

ListBuckets: AWS includes each bucket's ``BucketRegion`` when the request
has at least one parameter (``max-buckets``, ``prefix``, ``bucket-region``,
``continuation-token``); moto 5.2.5 never does. The launcher adds it in that
case, so that the scanner's saving of a GetBucketLocation per bucket is
exercised as on AWS. ``POST /putonly/bucket-regions`` with the body ``off``
goes back to moto's answer without regions (``on`` undoes it), so tests can
also exercise a ListBuckets that gives none (other S3-compatible services).

Credential report: moto builds the report afresh at every
GetCredentialReport, where AWS serves the one it made for up to four hours.
``POST /putonly/credential-report`` with the body ``keep`` makes each
account's next report the one served from then on, as AWS would, so tests
can show what a scan makes of users and keys changed since; ``fresh`` goes
back to moto's behaviour.

Faults: each ``--fault`` makes requests with that method, path and query
key (``-`` for none) fail with that HTTP status and S3-style error code,
before moto sees them, so tests can show how one failed call is recorded.
A query key ``Action=NAME`` matches a query-protocol call (IAM, STS) by its
action, in the query string or the form body; its error is answered in the
query protocol's ``ErrorResponse``. ``--flaky TIMES ...`` is the same fault
for the first TIMES matching requests only, after which moto answers: the
throttling, 5xx and dropped connections a retrying client must survive. The
status ``reset`` drops the connection without an answer instead.

Recording: with ``--record FILE`` every request is appended to FILE as one
JSON line (method, path, query, the form ``Action`` of query-protocol APIs,
the service of the signature's credential scope, User-Agent), before any
fault or moto sees it, so tests can check what a client sent.

Many accounts: moto lets anyone assume any role ARN, existing or not, and
the credentials it hands out act in the role's account, unless
MOTO_ACCOUNT_ID pins every request to one account. With ``--many-accounts``
MOTO_ACCOUNT_ID only names the account of credentials moto does not know
(the dummy ones), so assumed roles act in their own accounts; and an
``sts:AssumeRole`` of a role that does not exist in its account is answered
``AccessDenied``, as AWS answers it, so tests can show how an account whose
audit role is missing is reported. Sessions named ``putonly-seed`` (the
seeder, standing in for each account's administrator) are exempt.

IAM enforcement: with ``--enforce-iam`` moto judges requests by the IAM
action AWS documents for them. moto's own enforcement is off at start (seed
first, with any credentials); ``POST /moto-api/reset-auth`` with the body
``0`` turns it on, after which every IAM, STS, S3 and S3 Control request
must be signed with an IAM user's access key and be allowed by that user's
policies (only identity policies are read; ``sts:GetCallerIdentity`` is
always allowed, as on AWS). moto 5.2.5 checks the wrong action for four of
the scanner's reads, and writes the errors of its IAM, STS and S3 Control
checks in a shape whose code the AWS SDKs do not find; this option
corrects both (``_AWS_ACTIONS``, ``_aws_shaped``).

The caller sets MOTO_ACCOUNT_ID and the dummy AWS variables; this script
never opens a connection itself.
"""

import argparse
import io
import json
import re
import socket
import struct
import threading
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from moto.core import serialize
from moto.iam.access_control import IAMRequest
from moto.moto_server import werkzeug_app
from moto.s3 import responses as s3_responses
from moto.s3control.responses import S3ControlResponse
from moto.server import main as moto_main
from werkzeug.exceptions import HTTPException


# Root elements AWS uses where moto's default differs, by (service, operation).
_ROOTS = {("s3", "GetBucketVersioning"): "VersioningConfiguration"}


def _aws_root(service: str, operation: str, shape) -> str | None:
    """The root element AWS uses, when moto would write another one."""
    if shape is not None and (
        "payload" in shape.serialization or "resultWrapper" in shape.serialization
    ):
        return None
    if service == "s3control":
        return f"{operation}Result"
    return _ROOTS.get((service, operation))


def _patch_root_elements() -> None:
    # The XML layer names the root; the REST layer above it has already put
    # headers aside and passes only the body down.
    original = serialize.BaseXMLSerializer._serialized_result_to_response

    def patched(self, resp, result, shape, serialized_result):
        service = self.operation_model.service_model.service_name
        root = _aws_root(service, self.operation_model.name, shape)
        if root is None:
            return original(self, resp, result, shape, serialized_result)
        body = {root: serialized_result}
        self._serialize_namespace_attribute(body[root])
        resp["body"] = self._serialize_body(body)
        resp["headers"]["Content-Type"] = self.CONTENT_TYPE
        return resp

    serialize.BaseXMLSerializer._serialized_result_to_response = patched


# The IAM action AWS checks for a request, where moto 5.2.5 checks another,
# by (service, moto's request key): for S3 the query key of a bucket GET,
# for S3 Control the operation. From the S3 User Guide's "Required
# permissions for Amazon S3 API operations"
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html),
# each operation's API reference page, and the Service Authorization
# Reference's "Actions, resources, and condition keys for Amazon S3"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html),
# which has no action `s3:GetPublicAccessBlock`. They are the actions of
# `iam_action` in src/source/aws/operations.rs; tests/least_privilege.rs
# removes each from the published policy in turn. moto checks instead:
# `s3:ListBucket` for the first three (its map has no entry for their query
# keys) and `s3:GetPublicAccessBlock`, an action that does not exist, for
# S3 Control's GetPublicAccessBlock.
_AWS_ACTIONS = {
    ("s3", "publicAccessBlock"): "GetBucketPublicAccessBlock",
    ("s3", "ownershipControls"): "GetBucketOwnershipControls",
    ("s3", "encryption"): "GetEncryptionConfiguration",
    ("s3control", "GetPublicAccessBlock"): "GetAccountPublicAccessBlock",
}


def _aws_shaped(error: HTTPException) -> HTTPException:
    """An error of moto's IAM checks in AWS's query-protocol shape: moto
    wraps it in ``<Errors>``, where AWS (and the SDKs' parsers) have
    ``<Error>`` right under ``<ErrorResponse>``; the SDKs would not see its
    code (``AccessDenied``, ``InvalidClientTokenId``)."""
    code = getattr(error, "error_type", None)
    if code is None:
        return error
    message = escape(getattr(error, "message", ""))
    error.description = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type>'
        f"<Code>{escape(code)}</Code><Message>{message}</Message></Error>"
        "<RequestId>putonly-iam</RequestId></ErrorResponse>"
    )
    return error


def _reshaping(raise_error):
    def reshaped(self, *args):
        try:
            raise_error(self, *args)
        except HTTPException as error:
            raise _aws_shaped(error) from None

    return reshaped


class _S3ControlRequest(IAMRequest):
    """An S3 Control request judged by the action AWS checks for it."""

    def __init__(self, *, action, **kwargs):
        action = _AWS_ACTIONS.get(("s3control", action), action)
        super().__init__(action=action, **kwargs)


def _correct_iam_actions() -> None:
    bucket_get = s3_responses.ACTION_MAP["BUCKET"]["GET"]
    for (service, key), action in _AWS_ACTIONS.items():
        if service == "s3":
            bucket_get[key] = action

    # S3 Control requests are signed for the service `s3`, so moto checks
    # `s3:` + the operation's name.
    def authorize(self, resource="*"):
        self._authenticate_and_authorize_action(_S3ControlRequest, resource)

    S3ControlResponse._authenticate_and_authorize_normal_action = authorize
    # IAM, STS and S3 Control requests (S3 has its own request class and
    # error shape, which the SDKs read).
    for name in (
        "_raise_access_denied",
        "_raise_invalid_access_key",
        "_raise_signature_does_not_match",
    ):
        setattr(IAMRequest, name, _reshaping(getattr(IAMRequest, name)))


class _Fault:
    """One injected fault, and how many more times it fires (None: always)."""

    def __init__(self, method, path, query_key, status, code, times=None):
        self.method, self.path, self.query_key = method, path, query_key
        self.status, self.code = status, code
        self.remaining = times

    def matches(self, environ, query) -> bool:
        if self.method != environ.get("REQUEST_METHOD"):
            return False
        # Path-style S3 requests from the Rust SDK end the bucket with `/`.
        if environ.get("PATH_INFO", "").rstrip("/") != self.path.rstrip("/"):
            return False
        if self.query_key == "-":
            return True
        if self.query_key.startswith("Action="):
            return query.get("Action") == [self.query_key.removeprefix("Action=")]
        return self.query_key in query

    def take(self) -> bool:
        """Whether the fault fires for this request (counts it down)."""
        if self.remaining is None:
            return True
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True


def _query(environ) -> dict:
    """Query string and, for a form POST, the body's fields; the body is put
    back for moto."""
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        query.update(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
    return query


def _error_body(fault) -> bytes:
    error = f"<Code>{fault.code}</Code><Message>injected by the test</Message>"
    if fault.path.startswith("/v20180820/") or fault.query_key.startswith("Action="):
        # S3 Control and the query protocol wrap their errors; S3 does not.
        kind = "Sender" if fault.status.startswith("4") else "Receiver"
        xml = (
            f"<ErrorResponse><Error><Type>{kind}</Type>{error}</Error>"
            "<RequestId>putonly-fault</RequestId></ErrorResponse>"
        )
    else:
        xml = f"<Error>{error}<RequestId>putonly-fault</RequestId></Error>"
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml).encode()


def _reset(environ):
    """Drops the client's connection, answering nothing."""
    connection = environ.get("werkzeug.socket")
    if connection is not None:
        # No lingering: closing sends a reset; shutting down ends the
        # server's keep-alive loop on this connection.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.shutdown(socket.SHUT_RDWR)
    # The server treats this as a dropped connection and closes the socket.
    raise ConnectionResetError("injected by the test")


def _install_faults(faults) -> None:
    original = werkzeug_app.DomainDispatcherApplication.__call__
    lock = threading.Lock()

    def dispatch(self, environ, start_response):
        query = _query(environ)
        with lock:
            fired = next((f for f in faults if f.matches(environ, query) and f.take()), None)
        if fired is None:
            return original(self, environ, start_response)
        print(f"fault {fired.status} {fired.code} for {environ.get('PATH_INFO')}", flush=True)
        if fired.status == "reset":
            _reset(environ)
        body = _error_body(fired)
        start_response(
            f"{fired.status} Injected",
            [
                ("Content-Type", "application/xml"),
                ("Content-Length", str(len(body))),
                ("x-amz-request-id", "putonly-fault"),
            ],
        )
        return [body]

    werkzeug_app.DomainDispatcherApplication.__call__ = dispatch


def _install_many_accounts() -> None:
    import os

    from moto.iam import models as iam_models
    from moto.iam.models import iam_backends

    # moto reads MOTO_ACCOUNT_ID before the credentials; keep it only as
    # the account of unknown credentials.
    default = os.environ.pop("MOTO_ACCOUNT_ID", None)
    if default:
        iam_models.DEFAULT_ACCOUNT_ID = default

    original = werkzeug_app.DomainDispatcherApplication.__call__
    role_arn = re.compile(r"^arn:([^:]+):iam::([0-9]{12}):role/(?:.*/)?([^/]+)$")

    def exists(arn: str) -> bool:
        match = role_arn.match(arn)
        if match is None:
            return False
        partition, account, name = match.groups()
        if account not in iam_backends:
            return False
        backend = iam_backends[account][partition]
        return any(role.name == name for role in backend.roles.values())

    def dispatch(self, environ, start_response):
        query = _query(environ)
        if (
            query.get("Action") == ["AssumeRole"]
            and query.get("RoleSessionName") != ["putonly-seed"]
            and not exists(query.get("RoleArn", [""])[0])
        ):
            arn = query.get("RoleArn", [""])[0]
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type>'
                "<Code>AccessDenied</Code><Message>User: arn:aws:iam::caller is not authorized "
                f"to perform: sts:AssumeRole on resource: {arn}</Message></Error>"
                "<RequestId>putonly-strict-assume</RequestId></ErrorResponse>"
            ).encode()
            print(f"assume-role denied for {arn}", flush=True)
            start_response(
                "403 Forbidden",
                [
                    ("Content-Type", "text/xml"),
                    ("Content-Length", str(len(body))),
                    ("x-amzn-RequestId", "putonly-strict-assume"),
                ],
            )
            return [body]
        return original(self, environ, start_response)

    werkzeug_app.DomainDispatcherApplication.__call__ = dispatch


def _install_recorder(path: str) -> None:
    original = werkzeug_app.DomainDispatcherApplication.__call__
    scope = re.compile(r"Credential=[^/]*/[^/]*/[^/]*/([^/]*)/")

    def record(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        # Put the body back for moto.
        environ["wsgi.input"] = io.BytesIO(body)
        action = None
        if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
            form = parse_qs(body.decode("utf-8", "replace"))
            action = form.get("Action", [None])[0]
        service = scope.search(environ.get("HTTP_AUTHORIZATION", ""))
        line = {
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", ""),
            "query": environ.get("QUERY_STRING", ""),
            "action": action,
            "service": service.group(1) if service else None,
            "user_agent": environ.get("HTTP_USER_AGENT", ""),
        }
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
        return original(self, environ, start_response)

    werkzeug_app.DomainDispatcherApplication.__call__ = record


_LIST_BUCKETS_PARAMETERS = ("max-buckets", "prefix", "bucket-region", "continuation-token")
_BUCKET_REGIONS = {"on": True}
_CONTROL_PATH = "/putonly/bucket-regions"


def _include_bucket_regions() -> None:
    original = s3_responses.S3Response.all_buckets

    def all_buckets(self):
        asked = any(self._get_param(name) is not None for name in _LIST_BUCKETS_PARAMETERS)
        if not (asked and _BUCKET_REGIONS["on"]):
            return original(self)
        serialized = self.serialized

        def with_regions(action_result):
            result = action_result.result
            if isinstance(result, dict):
                for bucket in result.get("Buckets", []):
                    known = self.backend.buckets.get(bucket.get("Name"))
                    if known is not None:
                        bucket["BucketRegion"] = known.region_name
            return serialized(action_result)

        self.serialized = with_regions
        try:
            return original(self)
        finally:
            del self.serialized

    s3_responses.S3Response.all_buckets = all_buckets

    def switch(word):
        _BUCKET_REGIONS["on"] = word == "on"

    _install_control(_CONTROL_PATH, ("on", "off"), switch)


def _install_control(path, words, act) -> None:
    """Answers ``POST path`` whose body is one of ``words`` by calling
    ``act(word)``; any other request goes on to moto."""
    dispatch_original = werkzeug_app.DomainDispatcherApplication.__call__

    def dispatch(self, environ, start_response):
        if environ.get("PATH_INFO") != path or environ.get("REQUEST_METHOD") != "POST":
            return dispatch_original(self, environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode().strip()
        if body not in words:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [f"body must be one of {', '.join(words)}".encode()]
        act(body)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body.encode()]

    werkzeug_app.DomainDispatcherApplication.__call__ = dispatch


_KEPT_REPORTS: dict = {"keep": False, "reports": {}}
_REPORT_PATH = "/putonly/credential-report"


def _keep_credential_reports() -> None:
    from moto.iam import models as iam_models

    original = iam_models.IAMBackend.get_credential_report

    def get_credential_report(self):
        if not _KEPT_REPORTS["keep"]:
            return original(self)
        reports = _KEPT_REPORTS["reports"]
        if self.account_id not in reports:
            reports[self.account_id] = original(self)
        return reports[self.account_id]

    iam_models.IAMBackend.get_credential_report = get_credential_report

    def switch(word):
        _KEPT_REPORTS["keep"] = word == "keep"
        _KEPT_REPORTS["reports"].clear()

    _install_control(_REPORT_PATH, ("keep", "fresh"), switch)


def main() -> None:
    parser = argparse.ArgumentParser(description="moto on 127.0.0.1 for putonly's tests")
    parser.add_argument("port", type=int)
    parser.add_argument("--fault", nargs=5, action="append", default=[])
    parser.add_argument("--flaky", nargs=6, action="append", default=[])
    parser.add_argument("--record")
    parser.add_argument("--many-accounts", action="store_true")
    parser.add_argument("--enforce-iam", action="store_true")
    args = parser.parse_args()
    _patch_root_elements()
    _include_bucket_regions()
    _keep_credential_reports()
    if args.enforce_iam:
        _correct_iam_actions()
    faults = [_Fault(*fault) for fault in args.fault]
    faults += [_Fault(*fault, times=int(times)) for times, *fault in args.flaky]
    if faults:
        _install_faults(faults)
    if args.many_accounts:
        _install_many_accounts()
    # Installed last, so it sees every request first.
    if args.record:
        _install_recorder(args.record)
    moto_main(["-H", "127.0.0.1", "-p", str(args.port)])


if __name__ == "__main__":
    main()
