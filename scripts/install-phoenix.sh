#!/usr/bin/env bash
# Installs Arize Phoenix (the `arize-phoenix` Python package, pinned) into a virtualenv at
# `.venv-phoenix/` in the repository root (gitignored), which the Phoenix end-to-end test
# (tests/tests/phoenix_e2e.rs) runs. Idempotent: does nothing when `.venv-phoenix/bin/phoenix`
# already reports the pinned version.
#
# Notes:
#   * Needs python3 (3.10+) with the venv module, and network access to PyPI. When
#     `python3 -m venv` is unavailable (Debian's python3 without python3-venv), installs
#     python3-venv with apt-get (root or sudo).
#   * Override the location with PHOENIX_VENV (the test reads the same variable).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="20.26.1"
VENV="${PHOENIX_VENV:-$PWD/.venv-phoenix}"

installed_version() {
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("arize-phoenix"))' 2>/dev/null || true
}

if [ -x "$VENV/bin/phoenix" ] && [ "$(installed_version)" = "$VERSION" ]; then
  echo "arize-phoenix $VERSION already installed in $VENV"
  exit 0
fi

command -v python3 >/dev/null 2>&1 || { echo "install-phoenix.sh: python3 is required" >&2; exit 1; }

if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-phoenix.sh: python3 -m venv is missing; run as root (or install sudo) to install python3-venv" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv
fi

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --disable-pip-version-check --quiet --upgrade pip
"$VENV/bin/python" -m pip install --disable-pip-version-check --quiet "arize-phoenix==$VERSION"

[ -x "$VENV/bin/phoenix" ] || { echo "phoenix not found in $VENV/bin after install" >&2; exit 1; }
echo "installed: arize-phoenix $(installed_version) in $VENV"
