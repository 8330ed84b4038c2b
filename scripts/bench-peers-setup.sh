#!/usr/bin/env bash
# bench-peers-setup.sh: install the peers that `scripts/bench.sh --peers`
# runs (Cloudsplaining, Parliament, Prowler), at the versions pinned in
# scripts/peers-requirements.txt, each into a venv of its own under DIR
# (default .bench-peers/, which git ignores; never the emulator's .venv).
# Prints each install's time. A peer whose install fails is reported and
# left out; the benchmark then skips it.
#
# Usage: scripts/bench-peers-setup.sh [--dir DIR] [--python PYTHON] [NAME...]
#   NAME: install only these peers (cloudsplaining, parliament, prowler).
#
# Prowler is large (about 2.3 GB installed, a few minutes to install).
# pip reaches the package registry; nothing else here touches the network,
# and the benchmark runs every peer in a network namespace of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=.bench-peers python=python3 only=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --dir) dir=$2; shift ;;
        --python) python=$2; shift ;;
        -*) echo "usage: $0 [--dir DIR] [--python PYTHON] [NAME...]" >&2; exit 2 ;;
        *) only+=("$1") ;;
    esac
    shift
done

mapfile -t pins < <(grep -Ev '^[[:space:]]*(#|$)' scripts/peers-requirements.txt)
for name in "${only[@]}"; do
    printf '%s\n' "${pins[@]}" | grep -q "^$name[=<>~!]" ||
        { echo "$name is not a peer of scripts/peers-requirements.txt" >&2; exit 2; }
done
failed=0
for pin in "${pins[@]}"; do
    name=${pin%%[=<>~!]*}
    if [[ ${#only[@]} -gt 0 && ! " ${only[*]} " == *" $name "* ]]; then
        continue
    fi
    started=$(date +%s)
    if "$python" -m venv "$dir/$name" &&
        "$dir/$name/bin/pip" install --quiet --disable-pip-version-check "$pin" >"$dir/$name.install.log" 2>&1; then
        echo "$pin: installed in $(( $(date +%s) - started )) s ($(du -sh "$dir/$name" | cut -f1))"
    else
        echo "$pin: install failed after $(( $(date +%s) - started )) s; see $dir/$name.install.log" >&2
        rm -rf "${dir:?}/$name"
        failed=1
    fi
done
exit "$failed"
