#!/usr/bin/env bash
# Instructions per call of the `overhead` bench variants, counted by callgrind: deterministic on
# this noisy VM, where wall-clock ratios drift by ±10%. Complements the criterion figures
# (scripts/bench_ratios.py). Needs valgrind (apt-get install -y valgrind).
#   bash scripts/bench_instructions.sh                       # disabled and enabled: uninstrumented, hand-written, annotated
#   bash scripts/bench_instructions.sh GROUP BASE VARIANT...  # e.g. features annotated pricing_on capture_off capture_on
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -q -p genai-o11y-tests --bench overhead --no-run 2>/dev/null
bin=$(realpath "$(ls -t "${CARGO_TARGET_DIR:-target}"/release/deps/overhead-* | grep -v '\.d$' | head -1)")
out=$(mktemp -d)
per_call() {
  local v=$1 f="$out/cg.$1"
  valgrind --tool=callgrind --callgrind-out-file="$f" "$bin" --bench --profile-time 2 "$group/$v\$" >/dev/null 2>&1
  local total calls
  total=$(callgrind_annotate "$f" --inclusive=yes 2>/dev/null | grep -E '\?\?\?:overhead::run ' | head -1 | awk '{print $1}' | tr -d ,)
  calls=$(callgrind_annotate "$f" --tree=caller --threshold=100 2>/dev/null | grep -B1 -E '\* .*overhead::run ' | head -1 | sed -E 's/.*\(([0-9,]+)x\).*/\1/' | tr -d ,)
  echo $((total / calls))
}
report() {
  group=$1; shift
  local results=()
  for v in "$@"; do results+=("$v=$(per_call "$v")"); done
  python3 - "$group" "${results[@]}" <<'PY'
import sys
group, pairs = sys.argv[1], [a.split("=") for a in sys.argv[2:]]
base_name, base = pairs[0][0], int(pairs[0][1])
parts = [f"{base_name} {base}"] + [f"{n} {int(v)} ({int(v) / base:.3f}x)" for n, v in pairs[1:]]
print(f"{group:9} instructions per call: " + " | ".join(parts))
PY
}
if [ $# -eq 0 ]; then
  report disabled hand_written annotated uninstrumented
  report enabled hand_written annotated uninstrumented
else
  report "$@"
fi
rm -rf "$out"
