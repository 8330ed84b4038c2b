#!/usr/bin/env bash
# bench-peers.sh: the peers part of `scripts/bench.sh --peers` (issue #7).
# bench.sh calls it after its own figures, in the same run, on the account
# it seeded and with the emulator still up; it is not meant to be run alone.
#
# On that account it runs, when installed (scripts/bench-peers-setup.sh):
#   - the AWS CLI's `iam get-account-authorization-details` (all pages
#     merged, the file Cloudsplaining's `download` writes), timed: the input
#     of the two offline peers;
#   - Cloudsplaining `scan` on that file (offline);
#   - Parliament on the account's policy documents (offline): the IAM
#     documents through its --auth-details-file, then the bucket policies
#     (from putonly's snapshot of the same account), which that mode does
#     not read, as a directory. Role trust policies are left out: Parliament
#     reads every document as an identity or resource policy and reports
#     each trust policy as malformed (no Resource), which says nothing;
#   - Prowler's IAM and S3 checks against the emulator (live);
# and prints wall time, peak memory (/usr/bin/time -v) and the requests the
# emulator received (its request log, counted over each run) beside
# putonly's, with the ratios peer / putonly. It asserts nothing; it exits
# non-zero only when it could not run. A peer that is not installed, or that
# fails, is reported as such.
#
# Network: it refuses to run unless its network namespace has no interface
# but `lo` (bench.sh --peers runs in one made by `unshare -n`), so Prowler
# reaches the emulator and nothing else. The offline peers run in a further
# namespace of their own with no interface up at all. No peer is given any
# endpoint but the emulator's loopback URL; their update checks and
# telemetry have nowhere to go.
#
# Usage: bench-peers.sh --work DIR --endpoint URL --record FILE
#          --snapshot FILE --peers-dir DIR
#          --putonly-live "WALL RSS REQUESTS FINDINGS"
#          --putonly-offline "WALL RSS FINDINGS"
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    echo "usage: $0 --work DIR --endpoint URL --record FILE --snapshot FILE --peers-dir DIR" \
        "--putonly-live \"WALL RSS REQUESTS FINDINGS\" --putonly-offline \"WALL RSS FINDINGS\"" >&2
    exit 2
}
work= endpoint= record= snapshot= peers_dir= live= offline=
while [[ $# -gt 0 ]]; do
    [[ $# -ge 2 ]] || usage
    case "$1" in
        --work) work=$2 ;;
        --endpoint) endpoint=$2 ;;
        --record) record=$2 ;;
        --snapshot) snapshot=$2 ;;
        --peers-dir) peers_dir=$2 ;;
        --putonly-live) live=$2 ;;
        --putonly-offline) offline=$2 ;;
        *) usage ;;
    esac
    shift 2
done
[[ -n "$work" && -n "$endpoint" && -n "$record" && -n "$snapshot" && -n "$peers_dir" && -n "$live" && -n "$offline" ]] || usage
read -r live_wall live_rss live_requests live_findings <<<"$live"
read -r offline_wall offline_rss offline_findings <<<"$offline"

# The guarantee this script rests on: nothing but loopback to reach.
links=$(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort -u | paste -sd ' ')
if [[ "$links" != lo ]]; then
    echo "bench-peers.sh: refusing to run peers with network interfaces other than lo ($links);" \
        "run it through scripts/bench.sh --peers" >&2
    exit 2
fi
[[ "$endpoint" =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || { echo "bench-peers.sh: refusing endpoint $endpoint: loopback only" >&2; exit 2; }
[[ -f "$record" && -f "$snapshot" ]] || { echo "bench-peers.sh: no request log or snapshot in $work" >&2; exit 2; }
command -v aws >/dev/null || { echo "bench-peers.sh: no AWS CLI on PATH (the emulator's venv has one)" >&2; exit 2; }
unshare -n true 2>/dev/null || { echo "bench-peers.sh: unshare -n does not work here (needs root or user namespaces)" >&2; exit 2; }

out=$work/peers
mkdir -p "$out"
load_before=$(cut -d' ' -f1 /proc/loadavg)
rows=()
requests() { wc -l <"$record"; }
# cpu_seconds TIMEFILE: user + system seconds of a /usr/bin/time -v report:
# the tool's own work, without the emulator's (another process), or -.
cpu_seconds() {
    [[ -f "$1" ]] || { echo -; return; }
    awk -F': ' '/User time|System time/ { s += $2; n++ } END { if (n == 2) printf "%.2f", s; else print "-" }' "$1"
}
live_cpu=$(cpu_seconds "$work/live.time") offline_cpu=$(cpu_seconds "$work/offline.time")

# run NAME OKSTATUSES CMD...: runs CMD under /usr/bin/time -v; sets wall
# (s), cpu (s), rss (MB), requests (lines the emulator logged meanwhile),
# ok (whether its exit status was one of OKSTATUSES).
# Longest a peer may run, in seconds (Prowler takes about 100 to 200 s
# on the benchmark account).
PEER_TIMEOUT=${PEER_TIMEOUT:-1200}

run() {
    local name=$1 ok_statuses=$2; shift 2
    local before status=0
    before=$(requests)
    # A peer that hangs is stopped (status 124) rather than holding up the
    # benchmark; its figures are then those of the time it was given.
    /usr/bin/time -v -o "$out/$name.time" timeout --kill-after=10 "$PEER_TIMEOUT" "$@" \
        >"$out/$name.out" 2>"$out/$name.err" || status=$?
    [[ $status -eq 124 ]] && echo "$name: stopped after ${PEER_TIMEOUT} s (PEER_TIMEOUT)" >&2
    requests=$(( $(requests) - before ))
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$out/$name.time")
    rss=$(awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$out/$name.time")
    cpu=$(cpu_seconds "$out/$name.time")
    ok=false
    [[ " $ok_statuses " == *" $status "* ]] && ok=true
    $ok || echo "$name: exit status $status; see $out/$name.err" >&2
}

# ratio PEER PUTONLY: PEER / PUTONLY, or - when either is not a number.
ratio() {
    awk -v p="$1" -v q="$2" 'BEGIN {
        if (p !~ /^[0-9.]+$/ || q !~ /^[0-9.]+$/ || q + 0 == 0) { print "-"; exit }
        r = p / q; printf(r >= 10 ? "%.0fx" : r >= 0.1 ? "%.1fx" : "%.3fx", r) }'
}

# row LABEL WALL CPU RSS REQUESTS FINDINGS BASELINE: a table row, with
# ratios against putonly's live or offline figures.
format='%-36s %7s %7s %7s %8s %8s   %-7s %6s %6s %6s %8s'
row() {
    local label=$1 w=$2 c=$3 m=$4 r=$5 f=$6 base=$7 bw bc bm br
    if [[ "$base" == live ]]; then
        bw=$live_wall bc=$live_cpu bm=$live_rss br=$live_requests
    else
        bw=$offline_wall bc=$offline_cpu bm=$offline_rss br=-
    fi
    # shellcheck disable=SC2059
    rows+=("$(printf "$format" "$label" "$w" "$c" "$m" "$r" "$f" "$base" \
        "$(ratio "$w" "$bw")" "$(ratio "$c" "$bc")" "$(ratio "$m" "$bm")" "$(ratio "$r" "$br")")")
}
sum() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }
failed_row() { rows+=("$(printf '%-36s %s' "$1" "$2")"); }

installed() { [[ -x "$peers_dir/$1/bin/$1" ]]; }
offline_peers=false
installed cloudsplaining && offline_peers=true
installed parliament && offline_peers=true

# --- Authorization details (the AWS CLI, as an administrator would) --------
auth=$out/authorization-details.json
if $offline_peers; then
    # moto 5.2.5 leaves PolicyName and PolicyId out of the Policies of its
    # answer (AWS has both; Cloudsplaining needs them): they are taken from
    # the same emulator's ListPolicies, by ARN, never made up.
    run authdetails "0" bash -c '
        aws iam get-account-authorization-details --endpoint-url "$1" --output json >"$2.raw" &&
        aws iam list-policies --scope Local --endpoint-url "$1" --output json >"$2.policies" &&
        jq --slurpfile listed "$2.policies" "
            (\$listed[0].Policies | map({(.Arn): {PolicyName, PolicyId}}) | add // {}) as \$ids
            | .Policies |= map(. + (\$ids[.Arn] // {}))" "$2.raw" >"$2"' fetch "$endpoint" "$auth"
    if $ok; then
        auth_wall=$wall auth_cpu=$cpu auth_rss=$rss auth_requests=$requests
        row "authorization details (aws CLI)" "$wall" "$cpu" "$rss" "$requests" - live
    else
        failed_row "authorization details (aws CLI)" "failed: the offline peers are skipped"
        offline_peers=false
    fi
fi

# --- Cloudsplaining: offline, on the authorization details -----------------
if ! installed cloudsplaining; then
    failed_row "cloudsplaining" "not installed (scripts/bench-peers-setup.sh)"
elif $offline_peers; then
    mkdir -p "$out/cloudsplaining"
    run cloudsplaining "0" unshare -n "$peers_dir/cloudsplaining/bin/cloudsplaining" scan \
        --input-file "$auth" --output "$out/cloudsplaining" --skip-open-report
    if $ok; then
        # Policy documents (Cloudsplaining merges identical ones) with a
        # finding in any of its risk categories.
        found=$(jq '[(.inline_policies, .customer_managed_policies, .aws_managed_policies)[]
            | select([.PrivilegeEscalation, .DataExfiltration, .ResourceExposure,
                      .InfrastructureModification, .CredentialsExposure, .ServiceWildcard]
                     | map(.findings // [] | length) | add > 0)] | length' \
            "$out/cloudsplaining/iam-findings-authorization-details.json" 2>/dev/null || echo "?")
        row "cloudsplaining scan" "$wall" "$cpu" "$rss" - "$found" offline
        row "  authorization details + scan" "$(sum "$auth_wall" "$wall")" "$(sum "$auth_cpu" "$cpu")" \
            "$(( auth_rss > rss ? auth_rss : rss ))" "$auth_requests" "$found" live
    else
        failed_row "cloudsplaining scan" "failed (see $out/cloudsplaining.err)"
    fi
fi

# --- Parliament: offline, every policy document ----------------------------
if ! installed parliament; then
    failed_row "parliament" "not installed (scripts/bench-peers-setup.sh)"
elif $offline_peers; then
    # Parliament exits 1 when it has findings.
    run parliament-iam "0 1" unshare -n "$peers_dir/parliament/bin/parliament" \
        --auth-details-file "$auth" --json
    if $ok; then
        iam_found=$(wc -l <"$out/parliament-iam.out")
        row "parliament, IAM documents" "$wall" "$cpu" "$rss" - "$iam_found" offline
        iam_wall=$wall iam_cpu=$cpu iam_rss=$rss
    else
        failed_row "parliament, IAM documents" "failed (see $out/parliament-iam.err)"
    fi
    # One file per bucket policy, as putonly's snapshot holds it.
    docs=$out/bucket-policies
    mkdir -p "$docs"
    python3 - "$snapshot" "$docs" <<'PY'
import json, pathlib, sys
snapshot, docs = (pathlib.Path(a) for a in sys.argv[1:])
buckets = json.loads(snapshot.read_text())["buckets"].get("value") or []
for bucket in buckets:
    if bucket["policy"]["status"] == "present":
        (docs / f"bucket-{bucket['name']}.json").write_text("\n".join(bucket["policy"]["value"]))
PY
    documents=$(find "$docs" -name '*.json' | wc -l)
    run parliament-buckets "0 1" unshare -n "$peers_dir/parliament/bin/parliament" \
        --directory "$docs" --include_policy_extension .json --json
    if $ok; then
        row "parliament, $documents bucket policies" "$wall" "$cpu" "$rss" - "$(wc -l <"$out/parliament-buckets.out")" offline
        if [[ -n "${iam_wall:-}" ]]; then
            row "  both" "$(sum "$iam_wall" "$wall")" "$(sum "$iam_cpu" "$cpu")" \
                "$(( iam_rss > rss ? iam_rss : rss ))" - "$(( iam_found + $(wc -l <"$out/parliament-buckets.out") ))" offline
        fi
    else
        failed_row "parliament, bucket policies" "failed (see $out/parliament-buckets.err)"
    fi
fi

# --- Prowler: live, its IAM and S3 checks, against the emulator ------------
if ! installed prowler; then
    failed_row "prowler" "not installed (scripts/bench-peers-setup.sh)"
else
    # AWS_ENDPOINT_URL sends every boto3 client to the emulator; S3 uses
    # path-style addressing for an IP endpoint. --region keeps it to the
    # region the account lives in; -z: failed checks are not an error.
    run prowler "0" env AWS_ENDPOINT_URL="$endpoint" \
        "$peers_dir/prowler/bin/prowler" aws --service iam s3 --region us-east-1 \
        --output-directory "$out/prowler" --output-formats json-ocsf \
        --no-banner --no-color --ignore-exit-code-3
    if $ok; then
        found=$(cat "$out"/prowler/*.ocsf.json 2>/dev/null | jq -s '[.[][] | select(.status_code == "FAIL")] | length' 2>/dev/null || echo "?")
        row "prowler iam s3 (live)" "$wall" "$cpu" "$rss" "$requests" "$found" live
    else
        failed_row "prowler iam s3 (live)" "failed (see $out/prowler.err)"
    fi
fi

version() { "$peers_dir/$1/bin/python" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null ||
    echo "not installed"; }

sed 's/[[:space:]]*$//' <<EOF

peers on the same account, same run (ratios: peer / putonly's live or offline scan)
$(printf "$format" "" "wall s" "cpu s" "peak MB" requests findings vs time cpu memory requests)
$(printf "$format" "putonly live scan" "$live_wall" "$live_cpu" "$live_rss" "$live_requests" "$live_findings")
$(printf "$format" "putonly offline scan (snapshot)" "$offline_wall" "$offline_cpu" "$offline_rss" - "$offline_findings")
$(printf '%s\n' "${rows[@]}")
cpu: user + system time of the tool's own processes (the emulator's not included)
requests: HTTP requests the emulator logged during the run (retries included)
findings: putonly's findings; Cloudsplaining's flagged policy documents (identical
  documents merged); Parliament's findings; Prowler's FAIL results
load average (1 min): $load_before before the peers, $(cut -d' ' -f1 /proc/loadavg) after, on $(nproc) cores
versions: cloudsplaining $(version cloudsplaining), parliament $(version parliament), prowler $(version prowler)
what each covers:
  putonly         put-only confinement of the configured connectors (who else can write
                  where they write), plus its IAM and S3 account rules
  cloudsplaining  IAM identity policies only: actions allowed without resource
                  constraints (privilege escalation, exfiltration, exposure)
  parliament      lints each identity and bucket policy on its own (grammar, unknown
                  actions, resource mismatches); no account context, no effective access
  prowler         its IAM and S3 configuration checks (credentials, MFA, password
                  policy, bucket settings and policies), read from the live API
EOF
