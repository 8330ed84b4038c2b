#!/usr/bin/env bash
# dump-account.sh: write an offline copy of what putonly reads from an AWS
# account, using only read-only AWS CLI commands (get-*, list-*). Scan it
# later with `putonly scan --from-dump OUTDIR`; putonly never needs the
# credentials this script runs with.
#
# Usage:
#   scripts/dump-account.sh [--profile NAME] [--region REGION]
#                           [--endpoint-url URL] [--no-s3control] OUTDIR
#
# Needs the AWS CLI (v1 or v2) and jq. OUTDIR must not exist or be empty.
# The usual AWS CLI settings apply (AWS_PROFILE, AWS_REGION or
# AWS_DEFAULT_REGION, AWS_ENDPOINT_URL, credentials in the environment or
# the shared files). With --endpoint-url (or AWS_ENDPOINT_URL) every call
# goes to that endpoint, e.g. a local emulator.
#
# Layout (docs/dump-format.md has the details). Every file is the raw JSON
# the AWS CLI printed, except manifest.json, which this script writes:
#
#   manifest.json                          format, account, time, tools,
#                                          S3 Control status, failures
#   sts/caller-identity.json               sts get-caller-identity
#   iam/authorization-details.json         iam get-account-authorization-details
#   iam/roles.json                         iam list-roles (session durations)
#   iam/oidc-providers.json                iam list-open-id-connect-providers
#   iam/oidc-providers/<n>.json            get-open-id-connect-provider for the
#                                          n-th ARN of the list (from 0)
#   iam/users/<user>/access-keys.json      iam list-access-keys
#   iam/users/<user>/access-key-last-used/<key id>.json
#   iam/users/<user>/login-profile.json    iam get-login-profile
#   iam/users/<user>/mfa-devices.json      iam list-mfa-devices
#   s3/buckets.json                        s3api list-buckets
#   s3/buckets/<bucket>/location.json      s3api get-bucket-location
#   s3/buckets/<bucket>/{policy,public-access-block,ownership-controls,
#                        encryption,versioning,acl}.json
#   s3control/public-access-block.json     s3control get-public-access-block
#   s3control/regions/<region>/access-points.json
#   s3control/regions/<region>/access-points/<name>/{access-point,policy}.json
#
# Outcome of each command, beside the file it would have written (X.json):
#   X.json    the command succeeded (an empty answer is written as {})
#   X.absent  the answer was "not configured" (NoSuchBucketPolicy, a user
#             without login profile, ...): a fact, not a failure; holds the
#             CLI's message
#   X.error   the command failed (access denied, throttling, ...); holds
#             the CLI's message; the failure is also listed in the manifest
# A failing command never stops the dump; putonly reports what is missing.
#
# S3 Control: the CLI sends S3 Control calls to ACCOUNT_ID.<endpoint host>.
# Against AWS that is the right host. With a custom endpoint (an emulator)
# that name does not exist and looking it up would send the account id to a
# DNS server, so this script never lets the CLI resolve it: for an http://
# endpoint, the S3 Control calls use the endpoint itself as HTTP proxy, so
# the CLI connects to the endpoint and sends the full URL in the request
# line (RFC 9112 absolute form, which servers must accept) without
# resolving the prefixed name; for any other custom endpoint, S3 Control is
# skipped and recorded as not collected. --no-s3control skips it always.
#
# IAM documents: the CLI would URL-decode every IAM policy document and
# re-serialise it (its own layout, duplicate keys reduced to the last one).
# The plugin in awscli-plugin/ beside this script stops that, so the dump
# keeps each document as the string IAM returned; it is loaded through a
# temporary copy of the CLI config (profiles keep working) that is removed
# on exit. The manifest says which of the two the dump holds.

set -euo pipefail

readonly FORMAT_VERSION=1
readonly SCRIPT_NAME="dump-account.sh"

usage() {
    sed -n '7,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

die() {
    echo "dump-account.sh: $*" >&2
    exit 2
}

# --- arguments -------------------------------------------------------------

PROFILE=""
REGION_ARG=""
ENDPOINT_ARG=""
S3CONTROL=1
OUTDIR=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --profile) [[ $# -ge 2 ]] || usage; PROFILE=$2; shift 2 ;;
        --region) [[ $# -ge 2 ]] || usage; REGION_ARG=$2; shift 2 ;;
        --endpoint-url) [[ $# -ge 2 ]] || usage; ENDPOINT_ARG=$2; shift 2 ;;
        --no-s3control) S3CONTROL=0; shift ;;
        -h | --help) usage ;;
        -*) die "unknown option \`$1\`" ;;
        *) [[ -z "$OUTDIR" ]] || usage; OUTDIR=$1; shift ;;
    esac
done
[[ -n "$OUTDIR" ]] || usage

command -v aws >/dev/null || die "the AWS CLI (\`aws\`) is not on PATH"
command -v jq >/dev/null || die "\`jq\` is not on PATH"
if [[ -e "$OUTDIR" ]] && [[ -n "$(ls -A "$OUTDIR")" ]]; then
    die "\`$OUTDIR\` exists and is not empty"
fi
mkdir -p "$OUTDIR"

# The CLI must print JSON, never page, never prompt.
export AWS_PAGER=""
export AWS_CLI_AUTO_PROMPT=off

# Scratch space, removed on exit (it holds the temporary CLI config).
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# --- IAM documents as IAM sent them -------------------------------------------

# The AWS CLI URL-decodes IAM policy documents and re-parses them with
# Python's json.loads before printing them: the author's layout is lost, and
# so is every duplicate key but the last. The plugin beside this script
# turns that off, so the dump holds each document as the string IAM returned
# (docs/dump-format.md). It is loaded through a copy of the user's CLI config
# with one more `[plugins]` entry, so profiles and settings keep working.
PLUGIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/awscli-plugin"
readonly PLUGIN_MODULE=putonly_raw_iam_documents
IAM_DOCUMENTS=decoded-by-cli

# Points the CLI at a copy of its config file that loads the plugin; true
# when the CLI then starts with it.
use_raw_documents_plugin() {
    [[ -f "$PLUGIN_DIR/$PLUGIN_MODULE.py" ]] || return 1
    local home=${HOME:-}
    local user_config=${AWS_CONFIG_FILE:-${home:+$home/.aws/config}}
    [[ -z "$home" ]] || user_config=${user_config/#\~/$home}
    local config="$WORK/aws-config"
    if [[ -n "$user_config" && -r "$user_config" ]]; then
        cat "$user_config" >"$config"
    else
        : >"$config"
    fi
    chmod 600 "$config"

    # The CLI's own writer adds the entry (into an existing [plugins]
    # section, if the user has one). CLI v1 imports plugins from the module
    # search path; v2 only from `cli_legacy_plugin_path`, a path list.
    local env=(AWS_CONFIG_FILE="$config" PYTHONPATH="$PLUGIN_DIR${PYTHONPATH:+:$PYTHONPATH}")
    env "${env[@]}" aws configure set "plugins.$PLUGIN_MODULE" "$PLUGIN_MODULE" || return 1
    if [[ "$(aws --version 2>&1)" == aws-cli/2.* ]]; then
        local paths
        paths=$(env "${env[@]}" aws configure get plugins.cli_legacy_plugin_path 2>/dev/null || true)
        env "${env[@]}" aws configure set plugins.cli_legacy_plugin_path \
            "${paths:+$paths:}$PLUGIN_DIR" || return 1
    fi
    # Every command loads the plugins first: a plugin that fails to load
    # would fail them all.
    env "${env[@]}" aws --version >/dev/null 2>&1 || return 1
    export "${env[@]}"
}

if use_raw_documents_plugin; then
    IAM_DOCUMENTS=as-returned
else
    echo "dump-account.sh: warning: could not load \`$PLUGIN_MODULE\` into the AWS CLI;" \
        "IAM documents will be re-serialised by the CLI (duplicate keys lost)" >&2
fi

# Options added to every call.
COMMON=(--output json)
[[ -z "$PROFILE" ]] || COMMON+=(--profile "$PROFILE")
[[ -z "$ENDPOINT_ARG" ]] || COMMON+=(--endpoint-url "$ENDPOINT_ARG")

# Reads a setting of the selected profile from the local config files.
configured() {
    local args=(configure get "$1")
    [[ -z "$PROFILE" ]] || args+=(--profile "$PROFILE")
    aws "${args[@]}" 2>/dev/null || true
}

# The region for account-wide calls.
REGION=${REGION_ARG:-${AWS_REGION:-${AWS_DEFAULT_REGION:-}}}
[[ -n "$REGION" ]] || REGION=$(configured region)
[[ -n "$REGION" ]] || REGION=us-east-1

# The endpoint S3 Control calls would use, wherever it is configured.
S3CONTROL_ENDPOINT=$ENDPOINT_ARG
if [[ -z "$S3CONTROL_ENDPOINT" && "${AWS_IGNORE_CONFIGURED_ENDPOINT_URLS:-}" != "true" ]]; then
    S3CONTROL_ENDPOINT=${AWS_ENDPOINT_URL_S3_CONTROL:-${AWS_ENDPOINT_URL:-}}
    [[ -n "$S3CONTROL_ENDPOINT" ]] || S3CONTROL_ENDPOINT=$(configured endpoint_url)
fi

# --- bookkeeping -------------------------------------------------------------

: >"$WORK/failures.jsonl"

# Records a failed command for the manifest.
record_failure() {
    local file=$1 command=$2 error=$3
    jq -n -c --arg file "$file" --arg command "$command" --arg error "$error" \
        '{file: $file, command: $command, error: $error}' >>"$WORK/failures.jsonl"
}

# The error code in the CLI's message ("An error occurred (Code) when ...").
error_code() {
    sed -n 's/.*An error occurred (\([A-Za-z0-9_.:-]*\)).*/\1/p' "$1" | head -n 1
}

# collect FILE "ABSENT CODES" [env NAME=VALUE...] SERVICE OPERATION ARGS...
#
# Runs one read-only CLI command and stores its outcome as FILE (relative
# to OUTDIR, ending in .json), FILE's .absent or FILE's .error.
collect() {
    local rel=$1 absent_codes=$2
    shift 2
    local prefix=()
    while [[ "$1" == *=* ]]; do
        prefix+=("$1")
        shift
    done
    local service=$1 operation=$2
    case "$operation" in
        get-* | list-*) ;;
        *) die "refusing to run \`aws $service $operation\`: not a read operation" ;;
    esac

    local out="$OUTDIR/$rel"
    local base="${out%.json}"
    mkdir -p "$(dirname "$out")"
    local status=0
    env ${prefix[@]+"${prefix[@]}"} aws "$@" "${COMMON[@]}" >"$WORK/out" 2>"$WORK/err" || status=$?
    if [[ $status -eq 0 ]]; then
        if [[ -s "$WORK/out" ]]; then mv "$WORK/out" "$out"; else echo '{}' >"$out"; fi
        return 0
    fi

    local code
    code=$(error_code "$WORK/err")
    # Trim the blank line the CLI prints before its message.
    sed -e '/^[[:space:]]*$/d' "$WORK/err" >"$WORK/msg"
    [[ -s "$WORK/msg" ]] || echo "exit status $status and no message" >"$WORK/msg"
    if [[ -n "$code" && " $absent_codes " == *" $code "* ]]; then
        mv "$WORK/msg" "$base.absent"
    else
        mv "$WORK/msg" "$base.error"
        record_failure "$rel" "aws $*" "$(cat "$base.error")"
    fi
    return 0
}

# True when NAME is safe as one path segment (IAM, S3 and key names are).
safe_name() {
    [[ "$1" =~ ^[A-Za-z0-9_+=,.@-]+$ && "$1" != "." && "$1" != ".." ]]
}

# Lines of a jq filter over a file that was collected (nothing otherwise).
each() {
    local file="$OUTDIR/$1"
    [[ -f "$file" ]] || return 0
    jq -r "$2" "$file"
}

# --- identity ------------------------------------------------------------------

collect sts/caller-identity.json "" sts get-caller-identity --region "$REGION"
ACCOUNT_ID=$(each sts/caller-identity.json '.Account // empty')

# --- IAM -------------------------------------------------------------------

# The CLI follows every page itself.
collect iam/authorization-details.json "" iam get-account-authorization-details --region "$REGION"
# A document printed as a JSON object was decoded by the CLI after all.
decoded=$(each iam/authorization-details.json '[
    (.UserDetailList[]?.UserPolicyList[]?.PolicyDocument),
    (.GroupDetailList[]?.GroupPolicyList[]?.PolicyDocument),
    (.RoleDetailList[]? | .AssumeRolePolicyDocument, .RolePolicyList[]?.PolicyDocument),
    (.Policies[]?.PolicyVersionList[]?.Document)
] | map(select(type == "object")) | length')
if [[ "$IAM_DOCUMENTS" == as-returned && "${decoded:-0}" != 0 ]]; then
    IAM_DOCUMENTS=decoded-by-cli
    echo "dump-account.sh: warning: the AWS CLI decoded $decoded IAM documents despite" \
        "\`$PLUGIN_MODULE\`; they are re-serialised (duplicate keys lost)" >&2
fi
collect iam/roles.json "" iam list-roles --region "$REGION"

collect iam/oidc-providers.json "" iam list-open-id-connect-providers --region "$REGION"
n=0
while IFS= read -r arn; do
    collect "iam/oidc-providers/$n.json" "" \
        iam get-open-id-connect-provider --open-id-connect-provider-arn "$arn" --region "$REGION"
    n=$((n + 1))
done < <(each iam/oidc-providers.json '.OpenIDConnectProviderList[]?.Arn')

while IFS= read -r user; do
    if ! safe_name "$user"; then
        record_failure "iam/users/$user" "-" "user name is not safe as a file name; not collected"
        continue
    fi
    dir="iam/users/$user"
    collect "$dir/access-keys.json" "" iam list-access-keys --user-name "$user" --region "$REGION"
    while IFS= read -r key; do
        if ! safe_name "$key"; then
            record_failure "$dir/access-key-last-used/$key" "-" "access key id is not safe as a file name; not collected"
            continue
        fi
        collect "$dir/access-key-last-used/$key.json" "" \
            iam get-access-key-last-used --access-key-id "$key" --region "$REGION"
    done < <(each "$dir/access-keys.json" '.AccessKeyMetadata[]?.AccessKeyId')
    collect "$dir/login-profile.json" "NoSuchEntity" iam get-login-profile --user-name "$user" --region "$REGION"
    collect "$dir/mfa-devices.json" "" iam list-mfa-devices --user-name "$user" --region "$REGION"
done < <(each iam/authorization-details.json '.UserDetailList[]?.UserName')

# --- S3 ---------------------------------------------------------------------

collect s3/buckets.json "" s3api list-buckets --region "$REGION"
BUCKET_REGIONS=()
while IFS= read -r bucket; do
    if ! safe_name "$bucket"; then
        record_failure "s3/buckets/$bucket" "-" "bucket name is not safe as a file name; not collected"
        continue
    fi
    dir="s3/buckets/$bucket"
    collect "$dir/location.json" "" s3api get-bucket-location --bucket "$bucket" --region "$REGION"
    # An empty location is us-east-1; EU is the old name of eu-west-1.
    region=$(each "$dir/location.json" '.LocationConstraint // "us-east-1" | if . == "" then "us-east-1" elif . == "EU" then "eu-west-1" else . end')
    [[ "$region" =~ ^[a-z0-9-]+$ ]] || region=$REGION
    BUCKET_REGIONS+=("$region")
    r=(--bucket "$bucket" --region "$region")
    collect "$dir/policy.json" "NoSuchBucketPolicy" s3api get-bucket-policy "${r[@]}"
    collect "$dir/public-access-block.json" "NoSuchPublicAccessBlockConfiguration" \
        s3api get-public-access-block "${r[@]}"
    collect "$dir/ownership-controls.json" "OwnershipControlsNotFoundError" \
        s3api get-bucket-ownership-controls "${r[@]}"
    collect "$dir/encryption.json" "ServerSideEncryptionConfigurationNotFoundError" \
        s3api get-bucket-encryption "${r[@]}"
    collect "$dir/versioning.json" "" s3api get-bucket-versioning "${r[@]}"
    collect "$dir/acl.json" "" s3api get-bucket-acl "${r[@]}"
done < <(each s3/buckets.json '.Buckets[]?.Name')

# --- S3 Control ----------------------------------------------------------------

S3CONTROL_ENV=()
S3CONTROL_REASON=""
if [[ $S3CONTROL -eq 0 ]]; then
    S3CONTROL_REASON="skipped with --no-s3control"
elif [[ -z "$ACCOUNT_ID" ]]; then
    S3CONTROL_REASON="the account id is unknown (sts get-caller-identity failed)"
elif [[ -n "$S3CONTROL_ENDPOINT" ]]; then
    if [[ "$S3CONTROL_ENDPOINT" == http://* ]]; then
        # See the header: connect to the endpoint, never resolve the
        # account-prefixed name. NO_PROXY must not exempt the endpoint.
        S3CONTROL_ENV=("HTTP_PROXY=$S3CONTROL_ENDPOINT" "http_proxy=$S3CONTROL_ENDPOINT"
            "NO_PROXY=" "no_proxy=")
    else
        S3CONTROL_REASON="custom endpoint \`$S3CONTROL_ENDPOINT\` is not http://; S3 Control would look up \`$ACCOUNT_ID.<endpoint host>\`"
    fi
fi

AP_REGIONS=()
if [[ -z "$S3CONTROL_REASON" ]]; then
    s3c=(--account-id "$ACCOUNT_ID")
    # Name the endpoint explicitly when it came from the environment or
    # the profile (--endpoint-url is already in every call).
    if [[ -n "$S3CONTROL_ENDPOINT" && -z "$ENDPOINT_ARG" ]]; then
        s3c+=(--endpoint-url "$S3CONTROL_ENDPOINT")
    fi
    collect s3control/public-access-block.json "NoSuchPublicAccessBlockConfiguration" \
        ${S3CONTROL_ENV[@]+"${S3CONTROL_ENV[@]}"} s3control get-public-access-block "${s3c[@]}" --region "$REGION"

    # Access points are regional: list them in the home region and where
    # the buckets are, as the live scan does.
    # TODO(#2): access points in other regions (on other accounts' buckets)
    # are not listed.
    mapfile -t AP_REGIONS < <(printf '%s\n' "$REGION" ${BUCKET_REGIONS[@]+"${BUCKET_REGIONS[@]}"} | sort -u)
    for region in "${AP_REGIONS[@]}"; do
        dir="s3control/regions/$region"
        collect "$dir/access-points.json" "" ${S3CONTROL_ENV[@]+"${S3CONTROL_ENV[@]}"} \
            s3control list-access-points "${s3c[@]}" --region "$region"
        while IFS= read -r name; do
            if ! safe_name "$name"; then
                record_failure "$dir/access-points/$name" "-" "access point name is not safe as a file name; not collected"
                continue
            fi
            collect "$dir/access-points/$name/access-point.json" "" ${S3CONTROL_ENV[@]+"${S3CONTROL_ENV[@]}"} \
                s3control get-access-point --name "$name" "${s3c[@]}" --region "$region"
            collect "$dir/access-points/$name/policy.json" "NoSuchAccessPointPolicy" \
                ${S3CONTROL_ENV[@]+"${S3CONTROL_ENV[@]}"} \
                s3control get-access-point-policy --name "$name" "${s3c[@]}" --region "$region"
        done < <(each "$dir/access-points.json" '.AccessPointList[]?.Name')
    done
fi

# --- manifest --------------------------------------------------------------

jq -n \
    --argjson format_version "$FORMAT_VERSION" \
    --arg account_id "$ACCOUNT_ID" \
    --arg collected_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --arg aws_cli "$(aws --version 2>&1 | head -n 1)" \
    --arg jq "$(jq --version 2>&1)" \
    --arg script "$SCRIPT_NAME $FORMAT_VERSION" \
    --arg region "$REGION" \
    --arg endpoint_url "$S3CONTROL_ENDPOINT" \
    --arg iam_documents "$IAM_DOCUMENTS" \
    --arg s3control_reason "$S3CONTROL_REASON" \
    --arg s3control_route "$([[ ${#S3CONTROL_ENV[@]} -gt 0 ]] && echo endpoint-as-proxy || echo direct)" \
    --argjson s3control_regions "$(printf '%s\n' ${AP_REGIONS[@]+"${AP_REGIONS[@]}"} | jq -R . | jq -s 'map(select(. != ""))')" \
    --slurpfile failures "$WORK/failures.jsonl" \
    '{
        format: "putonly-aws-cli-dump",
        format_version: $format_version,
        account_id: (if $account_id == "" then null else $account_id end),
        collected_at: $collected_at,
        region: $region,
        endpoint_url: (if $endpoint_url == "" then null else $endpoint_url end),
        iam_documents: $iam_documents,
        tools: {script: $script, aws_cli: $aws_cli, jq: $jq},
        s3control: (if $s3control_reason == ""
            then {collected: true, route: $s3control_route, regions: $s3control_regions}
            else {collected: false, reason: $s3control_reason} end),
        failures: $failures
    }' >"$OUTDIR/manifest.json"

failed=$(jq '.failures | length' "$OUTDIR/manifest.json")
echo "dump-account.sh: wrote \`$OUTDIR\` ($failed failed commands)" >&2
