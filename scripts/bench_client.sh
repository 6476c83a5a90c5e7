#!/usr/bin/env bash
# Instructions per call of async-openai's client against a loopback fake server, plain, through an
# annotated function and through client.traced() (tests/examples/client_overhead.rs), counted by
# callgrind as the difference between N and 2N calls (start-up cancels out). Needs valgrind.
#   bash scripts/bench_client.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-40}
cargo build -q --release -p genai-o11y-tests --example client_overhead
bin="${CARGO_TARGET_DIR:-target}/release/examples/client_overhead"
count() {
  local f; f=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$f" "$bin" "$1" "$2" >/dev/null 2>&1
  callgrind_annotate "$f" 2>/dev/null | grep -m1 'PROGRAM TOTALS' | awk '{print $1}' | tr -d ,
  rm -f "$f"
}
declare -A per
for mode in plain annotated traced; do
  a=$(count "$mode" "$n"); b=$(count "$mode" $((2 * n)))
  per[$mode]=$(((b - a) / n))
done
python3 - "${per[plain]}" "${per[annotated]}" "${per[traced]}" <<'PY'
import sys
plain, annotated, traced = map(int, sys.argv[1:])
print(f"client instructions per call: plain {plain} | annotated {annotated} ({annotated / plain:.3f}x) | traced {traced} ({traced / plain:.3f}x); traced / annotated {traced / annotated:.3f}x; telemetry: annotated +{annotated - plain}, traced +{traced - plain}")
PY
