#!/usr/bin/env bash
# Runs every test of putonly: unit tests, rule fixtures, the policy corpus,
# the differential test of the policy engine against an independent
# simulator (Node.js), and the integration tests against a local AWS
# emulator (moto in server mode, started by the tests themselves on a free
# loopback port).
#
# The emulator's Python environment is created on first use in .venv (or
# wherever PUTONLY_VENV points). The independent SARIF validator (Microsoft's
# SARIF multitool, pinned in scripts/validators/package-lock.json) is
# installed with `npm ci` into scripts/validators/node_modules; the report
# tests fail without it. Snapshot tests never write new snapshots here
# (INSTA_UPDATE=no): a changed output fails until reviewed with
# `cargo insta review`. Nothing here talks to real AWS.
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

# The differential test runs the independent simulator (npm, pinned in
# tests/differential/package-lock.json) under Node.js. Installed on first
# use; once installed, nothing is fetched again.
simulator=tests/differential/node_modules/@cloud-copilot/iam-simulate/package.json
pinned=$(sed -n 's/.*"@cloud-copilot\/iam-simulate": "\(.*\)".*/\1/p' tests/differential/package.json)
if ! grep -q "\"version\": \"$pinned\"" "$simulator" 2>/dev/null; then
  if command -v npm >/dev/null; then
    echo "installing the differential test's simulator into tests/differential/node_modules" >&2
    npm ci --prefix tests/differential --ignore-scripts --no-audit --no-fund --loglevel=error
  else
    # The differential test then fails and says what is missing.
    echo "npm not found: the differential test will fail (it needs Node.js and npm)" >&2
  fi
fi

if ! command -v npm >/dev/null; then
  echo "scripts/test.sh: npm (Node.js) is needed to install the SARIF validator" >&2
  exit 2
fi
validators=scripts/validators
multitool=$validators/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
if [ ! -f "$multitool" ] || [ "$validators/package-lock.json" -nt "$multitool" ]; then
  echo "installing the SARIF validator in $validators/node_modules" >&2
  # --ignore-scripts: the package's only install script marks the binary
  # executable, which is done here instead.
  npm ci --prefix "$validators" --ignore-scripts --no-audit --no-fund --loglevel=error
  touch "$multitool"
fi
chmod u+x "$multitool"
export PUTONLY_SARIF_MULTITOOL=$PWD/$multitool
# The validator is a self-contained .NET program: no telemetry, and no
# dependence on the machine's ICU libraries.
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

export INSTA_UPDATE=no
# Supply chain: licenses, banned and duplicate crates, sources (offline;
# advisories need the network and run in the GitHub workflow).
if cargo deny --version >/dev/null 2>&1; then
  # cargo-deny reads the metadata of every platform's dependencies, which
  # a build for this one does not download.
  cargo fetch --locked --quiet
  cargo deny --offline check licenses bans sources
else
  echo "cargo-deny not installed: supply-chain check skipped (cargo install --locked cargo-deny)" >&2
fi

cargo test --locked "$@"
