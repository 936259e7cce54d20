#!/usr/bin/env bash
# Sets up everything and runs every test: unit (no root), integration (processes over loopback)
# and end-to-end eBPF tests (root; they skip loudly when not root).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/build.sh
if [ "$(id -u)" -ne 0 ]; then
  echo "###########################################################################" >&2
  echo "# test: NOT ROOT — the eBPF end-to-end tests will be SKIPPED.             #" >&2
  echo "###########################################################################" >&2
fi
# Tests that create namespaces or load eBPF are marked RUN_SERIAL in CMake; the rest run two at
# a time (the machine has two cores).
ctest --test-dir build --output-on-failure -j2 --timeout 600
