"""Start moto's server mode on a loopback port for putonly's tests.

Usage: launch.py PORT [--fault METHOD PATH QUERY_KEY STATUS CODE]... [--record FILE]

moto 5.2.5 names the XML root element of some REST-XML answers after the
operation plus ``Response``, where AWS uses another name and the AWS SDK for
Rust rejects anything else:

- S3 Control: ``ListAccessPointsResponse`` where AWS sends
  ``ListAccessPointsResult`` (every operation without a payload member);
- S3 GetBucketVersioning: ``GetBucketVersioningResponse`` where AWS sends
  ``VersioningConfiguration``.

This launcher patches moto's REST-XML serializer for exactly these cases,
then runs the ordinary moto server in this process, bound to 127.0.0.1.

Faults: each ``--fault`` makes requests with that method, path and query
key (``-`` for none) fail with that HTTP status and S3-style error code,
before moto sees them, so tests can show how one failed call is recorded.

Recording: with ``--record FILE`` every request is appended to FILE as one
JSON line (method, path, query, the form ``Action`` of query-protocol APIs,
the service of the signature's credential scope, User-Agent), before any
fault or moto sees it, so tests can check what a client sent.

The caller sets MOTO_ACCOUNT_ID and the dummy AWS variables; this script
never opens a connection itself.
"""

import argparse
import io
import json
import re
from urllib.parse import parse_qs

from moto.core import serialize
from moto.moto_server import werkzeug_app
from moto.server import main as moto_main


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


def _install_faults(faults) -> None:
    original = werkzeug_app.DomainDispatcherApplication.__call__

    def matches(fault, environ) -> bool:
        method, path, query_key, _status, _code = fault
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        return (
            environ.get("REQUEST_METHOD") == method
            # Path-style S3 requests from the Rust SDK end the bucket with `/`.
            and environ.get("PATH_INFO", "").rstrip("/") == path.rstrip("/")
            and (query_key == "-" or query_key in query)
        )

    def dispatch(self, environ, start_response):
        for fault in faults:
            if matches(fault, environ):
                _method, path, _key, status, code = fault
                error = f"<Code>{code}</Code><Message>injected by the test</Message>"
                if path.startswith("/v20180820/"):
                    # S3 Control wraps its errors; S3 does not.
                    xml = f"<ErrorResponse><Error>{error}</Error><RequestId>putonly-fault</RequestId></ErrorResponse>"
                else:
                    xml = f"<Error>{error}<RequestId>putonly-fault</RequestId></Error>"
                body = ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml).encode()
                start_response(
                    f"{status} Injected",
                    [
                        ("Content-Type", "application/xml"),
                        ("Content-Length", str(len(body))),
                        ("x-amz-request-id", "putonly-fault"),
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


def main() -> None:
    parser = argparse.ArgumentParser(description="moto on 127.0.0.1 for putonly's tests")
    parser.add_argument("port", type=int)
    parser.add_argument("--fault", nargs=5, action="append", default=[])
    parser.add_argument("--record")
    args = parser.parse_args()
    _patch_root_elements()
    if args.fault:
        _install_faults(args.fault)
    # Installed last, so it sees every request first.
    if args.record:
        _install_recorder(args.record)
    moto_main(["-H", "127.0.0.1", "-p", str(args.port)])


if __name__ == "__main__":
    main()
