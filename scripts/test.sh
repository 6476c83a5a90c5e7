#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need (a real Prometheus and
# promtool, from Debian's packages; a real Arize Phoenix and a real MLflow, from PyPI into
# .venv-phoenix/ and .venv-mlflow/; each only if missing), checks formatting and clippy lints,
# then runs every test of the workspace, and what the crate emits under the official registry's
# live check in both convention modes (skipped when the checker is not on the machine).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-prometheus.sh
bash scripts/install-phoenix.sh
bash scripts/install-mlflow.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
bash scripts/semconv-check.sh
