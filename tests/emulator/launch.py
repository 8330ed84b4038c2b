"""Start moto's server mode on a loopback port for putonly's tests.

Usage: launch.py PORT

moto 5.2.5 names the XML root element of some REST-XML answers after the
operation plus ``Response``, where AWS uses another name and the AWS SDK for
Rust rejects anything else:

- S3 Control: ``ListAccessPointsResponse`` where AWS sends
  ``ListAccessPointsResult`` (every operation without a payload member);
- S3 GetBucketVersioning: ``GetBucketVersioningResponse`` where AWS sends
  ``VersioningConfiguration``.

This launcher patches moto's REST-XML serializer for exactly these cases,
then runs the ordinary moto server in this process, bound to 127.0.0.1.

The caller sets MOTO_ACCOUNT_ID and the dummy AWS variables; this script
never opens a connection itself.
"""

import sys

from moto.core import serialize
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


def main() -> None:
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: launch.py PORT")
    _patch_root_elements()
    moto_main(["-H", "127.0.0.1", "-p", sys.argv[1]])


if __name__ == "__main__":
    main()
