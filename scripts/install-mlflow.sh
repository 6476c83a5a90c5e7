#!/usr/bin/env bash
# Installs MLflow (the `mlflow` Python package, pinned) into a virtualenv at `.venv-mlflow/` in
# the repository root (gitignored), which the MLflow end-to-end test (tests/tests/mlflow_e2e.rs)
# runs as `mlflow server`. Idempotent: does nothing when `.venv-mlflow/bin/mlflow` already
# reports the pinned version.
#
# Notes:
#   * Pinned to 3.17.2: 3.18.0 pins an `mlflow-tracing` release the package index does not have.
#   * Needs python3 (3.10+) with the venv module, and network access to PyPI. When
#     `python3 -m venv` is unavailable (Debian's python3 without python3-venv), installs
#     python3-venv with apt-get (root or sudo).
#   * Override the location with MLFLOW_VENV (the test reads the same variable).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="3.17.2"
VENV="${MLFLOW_VENV:-$PWD/.venv-mlflow}"

installed_version() {
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("mlflow"))' 2>/dev/null || true
}

if [ -x "$VENV/bin/mlflow" ] && [ "$(installed_version)" = "$VERSION" ]; then
  echo "mlflow $VERSION already installed in $VENV"
  exit 0
fi

command -v python3 >/dev/null 2>&1 || { echo "install-mlflow.sh: python3 is required" >&2; exit 1; }

if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-mlflow.sh: python3 -m venv is missing; run as root (or install sudo) to install python3-venv" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv
fi

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --disable-pip-version-check --quiet --upgrade pip
"$VENV/bin/python" -m pip install --disable-pip-version-check --quiet "mlflow==$VERSION"

[ -x "$VENV/bin/mlflow" ] || { echo "mlflow not found in $VENV/bin after install" >&2; exit 1; }
echo "installed: mlflow $(installed_version) in $VENV"
