#!/usr/bin/env bash
# Installs Debian's `prometheus` package (the `prometheus` server and `promtool`), which the
# Prometheus end-to-end test (tests/tests/prometheus_e2e.rs) runs. Idempotent: does nothing when
# both binaries are already on PATH.
#
# Notes:
#   * Needs root (or sudo) and network access to the Debian mirror.
#   * The package also pulls in prometheus-node-exporter. Its services are NOT started in a
#     container without systemd (policy-rc.d denies it): expected and fine, the test starts its own
#     `prometheus` process on a free loopback port and stops it at the end.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  echo "prometheus and promtool already installed: $(promtool --version 2>&1 | head -1)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-prometheus.sh: run as root (or install sudo)" >&2
    exit 1
  fi
fi

$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y prometheus

command -v prometheus >/dev/null 2>&1 || { echo "prometheus not on PATH after install" >&2; exit 1; }
command -v promtool >/dev/null 2>&1 || { echo "promtool not on PATH after install" >&2; exit 1; }
echo "installed: $(promtool --version 2>&1 | head -1)"
