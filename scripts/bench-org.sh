#!/usr/bin/env bash
# bench-org.sh: the organisation benchmark of issue #7. From one putonly
# snapshot (by default the benchmark account's, written by
# `scripts/bench.sh --keep`), writes synthetic organisations of N accounts
# (copies of the snapshot, each with its own account id, 999900000001 and
# up: synthetic ids, no real account's) and prints wall time and peak
# memory (/usr/bin/time -v) of an offline scan of each
# (`scan --snapshots DIR --format json`), so that memory can be seen to stay
# flat as the account count grows. It prints figures only: it asserts
# nothing, and its exit code says only whether it could run.
#
# Usage: scripts/bench-org.sh SNAPSHOT [--counts "10 100 1000"] [--no-build]
#                             [--account-concurrency N] [--keep]
#
# Nothing here touches the network. The organisation of the largest count
# takes the snapshot's size times the count on disk, in a temporary
# directory removed at the end (unless --keep).
set -euo pipefail
cd "$(dirname "$0")/.."

snapshot=${1:-}
[[ -f "$snapshot" ]] || { echo "usage: $0 SNAPSHOT [--counts \"10 100 1000\"] [--no-build] [--account-concurrency N] [--keep]" >&2; exit 2; }
shift
counts="10 100 1000" build=true keep=false account_concurrency=2
while [[ $# -gt 0 ]]; do
    case "$1" in
        --counts) counts=$2; shift ;;
        --no-build) build=false ;;
        --keep) keep=true ;;
        --account-concurrency) account_concurrency=$2; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

target=${CARGO_TARGET_DIR:-$PWD/target}
bin=$target/release/putonly
if $build; then
    cargo build --release --quiet
fi
[[ -x "$bin" ]] || { echo "no release build at $bin" >&2; exit 2; }

work=$(mktemp -d)
cleanup() { if $keep; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT

account=$(jq -r .account_id "$snapshot")
# Connectors that live in the account (its first user, role and bucket),
# so that every account is checked as a connector's home is: with the
# example config's connectors, absent from the benchmark account, only the
# account-wide rules would run.
user=$(jq -r '.users[0].name' "$snapshot")
role=$(jq -r '.roles[0].name' "$snapshot")
bucket=$(jq -r '.buckets.value[0].name' "$snapshot")
cat >"$work/putonly.toml" <<TOML
[[connector]]
name = "static"
mode = "static"
principal = "$user"
bucket = "$bucket"
prefix = "uploads/"
allowed_actions = ["s3:PutObject"]

[[connector]]
name = "oidc"
mode = "oidc"
principal = "$role"
bucket = "$bucket"
prefix = "uploads/"
allowed_actions = ["s3:PutObject"]

[connector.oidc]
issuer = "accounts.google.com"
audience = "cloud-connector@bridge-fed-connector.iam.gserviceaccount.com"
TOML
largest=$(tr ' ' '\n' <<<"$counts" | sort -n | tail -n 1)
echo "writing $largest copies of $snapshot (account $account) ..." >&2
mkdir -p "$work/all"
for i in $(seq 1 "$largest"); do
    id=$(printf '9999%08d' "$i")
    sed "s/$account/$id/g" "$snapshot" >"$work/all/$id.json"
done

# One account alone, for comparison.
env -i PATH="$PATH" /usr/bin/time -v -o "$work/single.time" \
    "$bin" scan --snapshot "$snapshot" --config "$work/putonly.toml" --format json \
    --fail-on critical --no-snapshot-out --output "$work/single.json" 2>"$work/single.err" || true
single_wall=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$work/single.time")
single_rss=$(awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$work/single.time")
echo "one account alone (scan --snapshot): $single_wall, $single_rss MB, $(jq '.findings | length' "$work/single.json") findings" >&2

printf '\nputonly organisation benchmark: offline scans of %s copies of %s (%s), %s cores, --account-concurrency %s\n' \
    "$counts" "$(basename "$snapshot")" "$(du -h "$snapshot" | cut -f1)" "$(nproc)" "$account_concurrency"
printf '%10s  %8s  %8s  %12s  %10s  %10s\n' accounts "wall s" "peak MB" "report MB" findings "ms/account"
for count in $counts; do
    dir=$work/org-$count
    mkdir -p "$dir"
    # The first COUNT accounts, linked, not copied.
    find "$work/all" -name '*.json' | sort | sed -n "1,${count}p" | xargs -I{} ln {} "$dir/"
    env -i PATH="$PATH" /usr/bin/time -v -o "$work/$count.time" \
        "$bin" scan --snapshots "$dir" --config "$work/putonly.toml" --format json \
        --fail-on critical --account-concurrency "$account_concurrency" \
        --output "$work/$count.json" 2>"$work/$count.err" || true
    clock=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$work/$count.time")
    wall=$(awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$clock")
    rss=$(awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$work/$count.time")
    size=$(du -m "$work/$count.json" | cut -f1)
    findings=$(jq '.summary.total' "$work/$count.json" 2>/dev/null || echo "?")
    per=$(awk -v w="$wall" -v n="$count" 'BEGIN { printf "%.1f", 1000 * w / n }')
    printf '%10s  %8s  %8s  %12s  %10s  %10s\n' "$count" "$wall" "$rss" "$size" "$findings" "$per"
    rm -f "$work/$count.json"
done
echo "target: 1,000 accounts in at most 60 s, memory flat in the account count"
