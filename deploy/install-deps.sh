#!/usr/bin/env bash
# Installs everything ULNA needs to build, test and run on Debian 12, from Debian's packages.
# Idempotent: packages already present are skipped without touching apt's lists.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang-format
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libsimdjson-dev zlib1g-dev libisal-dev libjemalloc-dev libssl-dev openssl
  libbpf-dev bpftool clang llvm
  libgtest-dev libgmock-dev libbenchmark-dev
  iproute2 ncat socat curl python3 procps time
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#PACKAGES[@]} packages present"
fi
