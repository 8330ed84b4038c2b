#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader of putonly's inputs, for a
# bounded time per target.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#
#   SECONDS  how long each target runs (default 60)
#   TARGET   which targets (default: all of them, `cargo fuzz list`)
#
# Targets (fuzz/fuzz_targets/):
#   config           putonly.toml (Config::parse), then a scan with it
#   snapshot         a snapshot or drift baseline (snapshot::parse), its
#                    round trip, a scan and a drift comparison
#   auth_details     an authorization-details file (auth_details::parse),
#                    then a scan
#   dump             a whole AWS CLI dump directory held in memory
#                    (dump::parse_files; input format in fuzz_targets/dump.rs),
#                    then a scan
#   policy_document  a policy document as sources receive it (JSON string,
#                    URL-encoded, double-encoded, or object), parsed by the
#                    engine and compared as drift does
#   parse_evaluate   the policy engine: any text parsed and evaluated
#
# Each target asserts that nothing panics and that errors carry the file
# and, for JSON and TOML syntax, a line and column inside the input. An
# input that takes more than 10 s (a hang) or more than 2 GB (memory
# without bound) is a failure too.
#
# For each target the script prints the executions, executions per second,
# peak RSS and the result, and exits non-zero if any target failed. Each
# target starts from its seeds, fuzz/seeds/TARGET (small inputs from the
# test fixtures, examples/guide-account, the shared policy cases and
# snapshots of them; never changed by the script), and its kept corpus,
# fuzz/corpus/TARGET, where inputs that reach new code are added. A failing
# input is written to fuzz/artifacts/TARGET/, and is reproduced with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none -O TARGET fuzz/artifacts/TARGET/crash-...
# After the runs, unless FUZZ_CMIN=0, each corpus is minimised (`cargo fuzz
# cmin`, by edge coverage) and then trimmed to FUZZ_CORPUS_KB (default
# 640) KB by dropping its largest inputs, so that the committed corpora
# stay small (a whole dump is a large input); commit the corpora that grew.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). The toolchain is
# stable, so the script sets RUSTC_BOOTSTRAP=1 to let cargo-fuzz pass its
# -Z flags; it builds without a sanitizer (`--sanitizer none`: putonly has
# no unsafe code, and a panic is what the targets look for) and optimised.
# The fuzz crate is its own workspace, built into fuzz/target unless
# FUZZ_TARGET_DIR says otherwise (the first build compiles the AWS SDK with
# coverage instrumentation: expect 10-15 minutes). It is not part of the
# main build or of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed: cargo install cargo-fuzz --locked" >&2
  exit 2
fi

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$PWD/fuzz/target}
flags=(--sanitizer none -O)

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

# The largest input each target is given: above the largest seed, and
# above AWS's policy size limits (documents far beyond them are built by
# tests/hostile_input.rs instead).
max_len() {
  case $1 in
    dump) echo 131072 ;;
    snapshot | auth_details) echo 65536 ;;
    policy_document) echo 32768 ;;
    *) echo 8192 ;;
  esac
}

cargo fuzz build "${flags[@]}"

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
declare -A execs rate rss result
failed=0
for target in "${targets[@]}"; do
  corpus=fuzz/corpus/$target
  artifacts=fuzz/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  log=$logs/$target.log
  echo "== $target: ${seconds}s" >&2
  status=0
  seeds=()
  [ -d "fuzz/seeds/$target" ] && seeds=("fuzz/seeds/$target")
  cargo fuzz run "${flags[@]}" "$target" "$corpus" "${seeds[@]}" -- \
    -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    >"$log" 2>&1 || status=$?
  fuzz_stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
  execs[$target]=$(fuzz_stat number_of_executed_units)
  rate[$target]=$(fuzz_stat average_exec_per_sec)
  rss[$target]=$(fuzz_stat peak_rss_mb)
  if [ "$status" -eq 0 ]; then
    result[$target]="ok"
  else
    failed=1
    what=$(grep -m 1 -oE 'ERROR: libFuzzer: [a-z -]+|panicked at [^:]+:[0-9]+' "$log" || true)
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    result[$target]="FAILED: ${what:-exit $status} ${input}"
    # The panic or libFuzzer's error, without the input's bytes.
    grep -E -A 3 'panicked at|ERROR: libFuzzer' "$log" | head -n 12 >&2 || true
  fi
done

# Drops the largest inputs of a corpus until it fits the budget. Merging
# has already kept the smallest input for each edge; the seeds, which reach
# the deep paths, are not in the corpus directory and stay.
trim() {
  local budget=$((${FUZZ_CORPUS_KB:-640} * 1024)) total=0 size file
  while read -r size file; do
    total=$((total + size))
    if [ "$total" -gt "$budget" ]; then rm -f -- "$file"; fi
  done < <(find "$1" -type f -printf '%s %p\n' | sort -n)
}

if [ "${FUZZ_CMIN:-1}" != 0 ]; then
  for target in "${targets[@]}"; do
    echo "== minimising fuzz/corpus/$target" >&2
    if cargo fuzz cmin "${flags[@]}" "$target" "fuzz/corpus/$target" \
      -- -max_len="$(max_len "$target")" -use_counters=0 >"$logs/cmin.log" 2>&1; then
      trim "fuzz/corpus/$target"
    else
      echo "cmin of $target failed:" >&2
      tail -n 20 "$logs/cmin.log" >&2
    fi
  done
fi

printf '%-16s %6s %12s %9s %9s %8s %9s  %s\n' \
  target seconds executions exec/s "peak RSS" inputs "corpus" result
for target in "${targets[@]}"; do
  corpus=fuzz/corpus/$target
  printf '%-16s %6s %12s %9s %6s MB %8s %6s KB  %s\n' "$target" "$seconds" \
    "${execs[$target]:-?}" "${rate[$target]:-?}" "${rss[$target]:-?}" \
    "$(find "$corpus" -type f | wc -l)" "$(($(du -sb "$corpus" | cut -f1) / 1024))" \
    "${result[$target]}"
done
exit "$failed"
