#!/usr/bin/env bash
# bench.sh: the benchmark of issue #7. Starts the emulator (moto, through
# tests/emulator/launch.py) on a free loopback port, seeds the benchmark
# account (scripts/bench-seed.py: 2,000 roles, a tenth trusting Google
# without conditions, a few percent over-privileged; 300 users; 300 buckets
# with policies), then prints wall time, peak memory (/usr/bin/time -v) and
# API calls of:
#   - a live scan of that account (release build);
#   - an offline scan of it: by default the snapshot the live scan wrote
#     (`scan --snapshot`); with --dump, a dump written by
#     scripts/dump-account.sh (one AWS CLI process per call: slow, minutes);
#   - with --org "10 100 1000", offline scans of synthetic organisations of
#     that many copies of the account's snapshot (scripts/bench-org.sh);
#   - with --peers, the peers installed by scripts/bench-peers-setup.sh
#     (Cloudsplaining, Parliament, Prowler) on the same account in the same
#     run, with the ratios (scripts/bench-peers.sh); the whole run then
#     happens in a network namespace of its own (`unshare -n`) with only
#     loopback in it;
# and the targets of the issue beside them. It prints figures only: it
# asserts nothing, and its exit code says only whether it could run.
#
# Usage: scripts/bench.sh [--dump] [--no-build] [--keep] [--roles N]
#                         [--users N] [--buckets N] [--concurrency N]
#                         [--org "COUNTS"] [--peers] [--peers-dir DIR]
#
# --keep leaves the work directory (snapshot, reports, logs) in place and
# prints its path, e.g. to profile the offline scan of the snapshot.
#
# Everything stays on 127.0.0.1: cleared environment, dummy credentials,
# AWS_EC2_METADATA_DISABLED=true, no AWS config files. The emulator is
# stopped by its process id when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

args=("$@")
dump=false build=true keep=false roles=2000 users=300 buckets=300 concurrency=16 org=
peers=false peers_dir=$repo/.bench-peers
while [[ $# -gt 0 ]]; do
    case "$1" in
        --dump) dump=true ;;
        --no-build) build=false ;;
        --keep) keep=true ;;
        --roles) roles=$2; shift ;;
        --users) users=$2; shift ;;
        --buckets) buckets=$2; shift ;;
        --concurrency) concurrency=$2; shift ;;
        --org) org=$2; shift ;;
        --peers) peers=true ;;
        --peers-dir) peers_dir=$(realpath "$2"); shift ;;
        *) echo "usage: $0 [--dump] [--no-build] [--keep] [--roles N] [--users N] [--buckets N] [--concurrency N] [--org \"COUNTS\"] [--peers] [--peers-dir DIR]" >&2; exit 2 ;;
    esac
    shift
done

venv=${PUTONLY_VENV:-$repo/.venv}
[[ -x "$venv/bin/python" ]] || { echo "no emulator environment in $venv (scripts/test.sh creates it)" >&2; exit 2; }
target=${CARGO_TARGET_DIR:-$repo/target}
bin=$target/release/putonly
if $build; then
    cargo build --release --quiet
fi
[[ -x "$bin" ]] || { echo "no release build at $bin" >&2; exit 2; }

# With --peers the whole run, emulator included, moves into a network
# namespace of its own with only loopback up (after the build, which may
# need the registry), so that no peer can reach anything but the emulator.
if $peers && [[ "${PUTONLY_BENCH_NETNS:-}" != 1 ]]; then
    unshare -n true 2>/dev/null || { echo "--peers needs unshare -n (root or user namespaces)" >&2; exit 2; }
    exec unshare -n -- env PUTONLY_BENCH_NETNS=1 bash -c 'ip link set lo up && exec bash "$@"' \
        bench "$repo/scripts/bench.sh" "${args[@]}" --no-build
fi

work=$(mktemp -d)
# With --peers the emulator logs every request, so that each tool's
# requests are counted the same way.
record=()
$peers && record=(--record "$work/requests.jsonl")
emulator_pid=
cleanup() {
    if [[ -n "$emulator_pid" ]]; then
        kill "$emulator_pid" 2>/dev/null || true
        for _ in $(seq 20); do kill -0 "$emulator_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    if $keep; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# A cleared environment: nothing inherited can send a request elsewhere.
# An array, not a function, so that a command started in the background
# with it has its own process id in $! (env execs the command).
loopback=(env -i PATH="$venv/bin:$PATH" HOME="$work"
    MOTO_ACCOUNT_ID=111122223333
    AWS_EC2_METADATA_DISABLED=true
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
    AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
    PYTHONDONTWRITEBYTECODE=1 PUTONLY_LOG=putonly=info)

port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint=http://127.0.0.1:$port
"${loopback[@]}" "$venv/bin/python" tests/emulator/launch.py "$port" "${record[@]}" >"$work/moto.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 300); do
    curl -fs -o /dev/null "$endpoint/moto-api/" && break
    sleep 0.1
done
curl -fs -o /dev/null "$endpoint/moto-api/" || { echo "the emulator did not start: $(tail -5 "$work/moto.log")" >&2; exit 2; }

echo "seeding $roles roles, $users users, $buckets buckets into $endpoint ..." >&2
seeded=$("${loopback[@]}" "$venv/bin/python" scripts/bench-seed.py "$endpoint" \
    --roles "$roles" --users "$users" --buckets "$buckets")
echo "seeded: $seeded" >&2

# Runs a command under /usr/bin/time -v; sets wall (s), rss (MB), calls.
measure() {
    local name=$1; shift
    "${loopback[@]}" /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" || true
    local clock
    clock=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$work/$name.time")
    wall=$(awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$clock")
    rss=$(awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$work/$name.time")
    # The log line `live collection done api_calls=N http_attempts=N`,
    # without colours.
    local done_line
    done_line=$(sed 's/\x1b\[[0-9;]*m//g' "$work/$name.err" | grep 'live collection done' | tail -n 1 || true)
    calls=$(sed -n 's/.*api_calls=\([0-9]*\).*/\1/p' <<<"$done_line")
    attempts=$(sed -n 's/.*http_attempts=\([0-9]*\).*/\1/p' <<<"$done_line")
    findings=$(jq '.findings | length' "$work/$name.out" 2>/dev/null || echo "?")
}

scan=("$bin" scan --config examples/putonly.toml --format json --fail-on critical)

measure live "${scan[@]}" --endpoint-url "$endpoint" --concurrency "$concurrency" \
    --snapshot-out "$work/snapshot.json"
live=("$wall" "$rss" "${calls:-?}" "${attempts:-?}" "$findings")

if $dump; then
    started=$(date +%s.%N)
    "${loopback[@]}" bash scripts/dump-account.sh --endpoint-url "$endpoint" --region us-east-1 "$work/dump" 2>"$work/dump.err"
    dump_seconds=$(echo "$(date +%s.%N) - $started" | bc)
    measure offline "${scan[@]}" --from-dump "$work/dump" --no-snapshot-out
    offline_input="dump (scripts/dump-account.sh, written in ${dump_seconds%.*} s)"
else
    measure offline "${scan[@]}" --snapshot "$work/snapshot.json" --no-snapshot-out
    offline_input="snapshot of the live scan ($(du -h "$work/snapshot.json" | cut -f1))"
fi
offline=("$wall" "$rss" "-" "-" "$findings")

cat <<EOF

putonly benchmark: $roles roles, $users users, $buckets buckets (moto on loopback, $(nproc) cores)
                  wall s   peak MB   API calls   HTTP attempts   findings
live scan       $(printf '%8s  %8s  %10s  %14s  %9s' "${live[@]}")
  target        $(printf '%8s  %8s  %10s' 6 120 2000)
offline scan    $(printf '%8s  %8s  %10s  %14s  %9s' "${offline[@]}")
  target        $(printf '%8s  %8s' 0.3 100)
offline input: $offline_input
concurrency: $concurrency; the emulator's own time is part of the live figure
EOF

# Where the live scan's time went: its phase milestones, with timestamps.
echo
echo "live scan phases (log milestones):"
sed 's/\x1b\[[0-9;]*m//g' "$work/live.err" | grep -E 'collected|collection done|scan finished|snapshot written' | sed 's/^/  /' || true

if $peers; then
    # putonly's requests as the emulator logged them (its SDK's user agent),
    # so that the ratios compare like with like.
    requests=$(grep -c '"user_agent": "aws-sdk-rust' "$work/requests.jsonl" || true)
    "${loopback[@]}" PEER_TIMEOUT="${PEER_TIMEOUT:-1200}" bash scripts/bench-peers.sh \
        --work "$work" --endpoint "$endpoint" \
        --record "$work/requests.jsonl" --snapshot "$work/snapshot.json" --peers-dir "$peers_dir" \
        --putonly-live "${live[0]} ${live[1]} $requests ${live[4]}" \
        --putonly-offline "${offline[0]} ${offline[1]} ${offline[4]}"
fi

if [[ -n "$org" ]]; then
    bash scripts/bench-org.sh "$work/snapshot.json" --counts "$org" --no-build
fi
