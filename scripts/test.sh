#!/usr/bin/env bash
# Runs every test of putonly: unit tests, rule fixtures, the policy corpus,
# and the integration tests against a local AWS emulator (moto in server
# mode, started by the tests themselves on a free loopback port).
#
# The emulator's Python environment is created on first use in .venv (or
# wherever PUTONLY_VENV points). Nothing here talks to real AWS.
set -euo pipefail
cd "$(dirname "$0")/.."

# Never let an SDK or CLI fall back to the instance metadata service.
export AWS_EC2_METADATA_DISABLED=true

venv=${PUTONLY_VENV:-$PWD/.venv}
if [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/aws" ]; then
  echo "creating the emulator environment in $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/emulator/requirements.txt
fi
export PUTONLY_VENV=$venv

cargo test --locked "$@"
