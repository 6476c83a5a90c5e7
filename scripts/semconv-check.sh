#!/usr/bin/env bash
# The official registry judges what this crate emits: OpenTelemetry weaver's live check (through
# ../shared/tools/semconv-check, or $SEMCONV_CHECK) runs while tests/src/bin/every_operation.rs
# makes every operation once and exports it over OTLP/gRPC, in both convention modes:
#   default: core semantic conventions v1.41.1;
#   latest:  the newest semantic-conventions-genai main, OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental.
# Any violation fails, except names under genai_o11y.* and the names allowed below, each one a
# deviation documented in the README ("Convention modes", "What the official checker allows").
# Skipped with a message when the checker is not on this machine (it is not published: a user's
# machine lacks it).
set -euo pipefail
cd "$(dirname "$0")/.."
check=${SEMCONV_CHECK:-../shared/tools/semconv-check}
if [ ! -x "$check" ]; then
  echo "semconv-check.sh: skipped: the official checker ($check) is not on this machine"
  exit 0
fi

# Both modes: the guardrail names of the open proposal (semantic-conventions-genai PR #427).
both=(
  gen_ai.guardrail.component.name gen_ai.guardrail.result.type gen_ai.guardrail.result.value gen_ai.guardrail.result.reason
  gen_ai.guardrail.source gen_ai.guardrail.risk.category gen_ai.guardrail.risk.score
  gen_ai.guardrail.policy.id gen_ai.guardrail.policy.version gen_ai.guardrail.policy.rule.id
  gen_ai.guardrail.content.input.value gen_ai.guardrail.content.output.value
)
# v1.41 has no memory operations, no prompt version, and no tool, agent or workflow duration: the
# latest conventions' names are written in both modes.
default=(
  gen_ai.memory.store.id gen_ai.memory.record.id gen_ai.memory.record.count gen_ai.memory.query.text gen_ai.memory.records
  gen_ai.prompt.version
  gen_ai.execute_tool.duration gen_ai.invoke_agent.duration gen_ai.invoke_workflow.duration
)
# Core attributes (core v1.44's session and user registries) that the GenAI registry depends on
# but does not reference, so weaver's live check does not index them.
latest=(session.id user.id)

allow() { for n in "$@"; do printf -- '--allow\n%s\n' "$n"; done; }

cargo build -q -p genai-o11y-tests --bin every_operation --bin mcp_tool_server
# Where cargo put them (CARGO_TARGET_DIR, when set, moves the target directory).
bin=$(realpath "${CARGO_TARGET_DIR:-target}")/debug
status=0
for mode in default latest; do
  case $mode in default) names=("${both[@]}" "${default[@]}") ;; latest) names=("${both[@]}" "${latest[@]}") ;; esac
  mapfile -t args < <(allow "${names[@]}")
  echo "== semconv-check $mode (allowed: ${names[*]})"
  # The program's own log lines go to a file: the checker's findings are what this prints.
  if ! "$check" "$mode" "${args[@]}" -- "$bin/every_operation" 2>"$bin/../every_operation.$mode.log"; then
    echo "semconv-check $mode failed (the program's log: $bin/../every_operation.$mode.log)" >&2
    status=1
  fi
done
exit $status
