#!/usr/bin/env bash
# Fuzz the policy engine (parsing and evaluation) for a bounded time.
#
# Usage: scripts/fuzz.sh [SECONDS]   (default 60)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). The toolchain is stable, so
# the script sets RUSTC_BOOTSTRAP=1 to let cargo-fuzz pass its -Z flags
# (sanitizer coverage and AddressSanitizer) to the stable compiler. The
# seed corpus is fuzz/corpus/parse_evaluate (policies from the fixtures);
# inputs the fuzzer finds are written beside them, and a crashing input to
# fuzz/artifacts/. The fuzz crate is its own workspace, built into
# fuzz/target unless CARGO_TARGET_DIR says otherwise; it is not part of the
# main build or of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
  exit 2
fi

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$PWD/fuzz/target}
cargo fuzz run parse_evaluate fuzz/corpus/parse_evaluate -- \
  -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1
