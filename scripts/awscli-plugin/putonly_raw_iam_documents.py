"""AWS CLI plugin: print IAM policy documents exactly as IAM returned them.

IAM returns every policy document (inline, managed, trust) as a URL-encoded
string. botocore registers `json_decode_policies` on `after-call.iam`, which
decodes each one and parses it with `json.loads`, so the CLI prints nested
JSON objects: the author's layout is gone, and a key that appears twice
keeps only its last value. putonly needs the text itself (to point at a
statement's line, and to report duplicate keys), so this plugin removes
that handler and the CLI prints the string IAM sent.

`scripts/dump-account.sh` loads it through a temporary AWS config file (a
copy of the user's, with a `[plugins]` entry for this module) and puts this
directory on the module search path. It changes only how IAM answers are
printed; it sends nothing and changes no request.
"""

import botocore.handlers


def awscli_initialize(events):
    """Called by the AWS CLI with its event emitter, before any command."""
    events.unregister("after-call.iam", botocore.handlers.json_decode_policies)
