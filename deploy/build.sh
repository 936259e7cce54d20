#!/usr/bin/env bash
# Installs the dependencies (Debian packages) and builds every ULNA binary into build/bin/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "build: not root: skipping package installation (run deploy/install-deps.sh as root once)" >&2
else
  deploy/install-deps.sh
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build
