#!/usr/bin/env bash
# Builds the Debian packages from an existing build tree, offline, with dpkg-deb:
#   ulna-agent_<version>_amd64.deb   ulna-agent, its systemd unit, /etc/default/ulna-agent
#   ulna-server_<version>_amd64.deb  ulna-server, ulnactl, ulna-eval (if built), its systemd
#                                    unit, /etc/ulna/server.conf
# Binaries are stripped. Depends: comes from dpkg-shlibdeps (the Debian packages that ship the shared libraries the
# binaries link), falling back to `dpkg -S` on the ldd output when dpkg-shlibdeps is missing.
#
# usage: deploy/package-deb.sh [--build-dir build] [--out DIR] [--version X.Y.Z]
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="$repo/build"
out_dir=""
version=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --out) out_dir="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "package-deb.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
build_dir="$(cd "$build_dir" && pwd)"
out_dir="${out_dir:-$build_dir/packages}"
if [[ -z "$version" ]]; then
  version="$(sed -n 's/^project(ulna VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")"
fi
[[ -n "$version" ]] || { echo "package-deb.sh: cannot tell the version; pass --version" >&2; exit 2; }
arch="$(dpkg --print-architecture)"
bin="$build_dir/bin"
for b in ulna-agent ulna-server ulna-server-serve ulnactl; do
  [[ -x "$bin/$b" ]] || { echo "package-deb.sh: $bin/$b is missing: build it first" >&2; exit 1; }
done
mkdir -p "$out_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The runtime package dependencies of the given binaries, as a Depends: value.
depends_of() {
  if command -v dpkg-shlibdeps >/dev/null; then
    local shlib="$work/shlibdeps"
    rm -rf "$shlib" && mkdir -p "$shlib/debian"
    printf 'Source: ulna\n\nPackage: ulna\nArchitecture: any\n' >"$shlib/debian/control"
    (cd "$shlib" && dpkg-shlibdeps -O "$@" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
  else
    ldd "$@" | awk '/=> \//{print $3}' | sort -u | while read -r lib; do
      dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
    done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g'
  fi
}

# build_package NAME ROOT DESCRIPTION DEPENDS: writes DEBIAN/control and runs dpkg-deb.
build_package() {
  local name="$1" root="$2" description="$3" depends="$4"
  local size
  size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
  cat >"$root/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: $arch
Maintainer: ULNA maintainers <ulna@localhost>
Section: net
Priority: optional
Installed-Size: $size
Depends: $depends
Description: $description
EOF
  dpkg-deb --root-owner-group -Zgzip --build "$root" "$out_dir/${name}_${version}_${arch}.deb" >/dev/null
  echo "$out_dir/${name}_${version}_${arch}.deb"
}

# ---- ulna-agent ----
agent="$work/ulna-agent"
install -D -m 0755 "$bin/ulna-agent" "$agent/usr/bin/ulna-agent"
strip --strip-unneeded "$agent/usr/bin/ulna-agent"
install -D -m 0644 "$repo/deploy/ulna-agent.service" "$agent/lib/systemd/system/ulna-agent.service"
install -D -m 0644 "$repo/docs/AGENT.md" "$agent/usr/share/doc/ulna-agent/AGENT.md"
install -d -m 0755 "$agent/etc/default" "$agent/DEBIAN"
cat >"$agent/etc/default/ulna-agent" <<'EOF'
# Settings for ulna-agent.service (`ulna-agent run`). The agent starts once /etc/ulna-agent
# holds agent.pem, agent.key and ca.pem from `ulna-server enroll-agent --out DIR`.
# The server's gRPC endpoint:
ULNA_SERVER=127.0.0.1:7443
# More flags, e.g. --server-name NAME --batch-max-events 1000 --batch-max-delay 1s
#                  --spool-max-mb 256 --include-loopback --dedup-window 60
ULNA_AGENT_OPTS=
EOF
echo "/etc/default/ulna-agent" >"$agent/DEBIAN/conffiles"
cat >"$agent/DEBIAN/postinst" <<'EOF'
#!/bin/sh
# Creates the credential and spool directories and enables the unit. The unit only starts
# once credentials are in place (ConditionPathExists), so nothing is started here without them.
set -e
if [ "$1" = "configure" ]; then
  install -d -m 0700 /etc/ulna-agent /var/lib/ulna-agent /var/lib/ulna-agent/spool
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || true
    systemctl enable ulna-agent.service >/dev/null 2>&1 || true
    if [ -f /etc/ulna-agent/agent.pem ]; then
      systemctl restart ulna-agent.service >/dev/null 2>&1 || true
    else
      echo "ulna-agent: enabled; copy the output of 'ulna-server enroll-agent' to /etc/ulna-agent and run 'systemctl start ulna-agent'"
    fi
  fi
fi
exit 0
EOF
cat >"$agent/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = "remove" ]; then
  systemctl disable --now ulna-agent.service >/dev/null 2>&1 || true
fi
exit 0
EOF
chmod 0755 "$agent/DEBIAN/postinst" "$agent/DEBIAN/prerm"
build_package ulna-agent "$agent" \
  "ULNA eBPF host sensor: processes using the network, streamed to the ULNA server" \
  "$(depends_of "$agent/usr/bin/ulna-agent")"

# ---- ulna-server ----
server="$work/ulna-server"
server_bins=(ulna-server ulnactl)
[[ -x "$bin/ulna-eval" ]] && server_bins+=(ulna-eval)
for b in "${server_bins[@]}"; do
  install -D -m 0755 "$bin/$b" "$server/usr/bin/$b"
  strip --strip-unneeded "$server/usr/bin/$b"  # debug info stays in the build tree
done
# `ulna-server serve` runs it (see server/main.cc); it is not a command of its own.
serve_path="$server/usr/lib/ulna-server/ulna-server-serve"
install -D -m 0755 "$bin/ulna-server-serve" "$serve_path"
strip --strip-unneeded "$serve_path"
install -D -m 0644 "$repo/deploy/ulna-server.service" \
  "$server/lib/systemd/system/ulna-server.service"
install -D -m 0644 "$repo/docs/API.md" "$server/usr/share/doc/ulna-server/API.md"
install -d -m 0755 "$server/etc/ulna" "$server/DEBIAN"
cat >"$server/etc/ulna/server.conf" <<'EOF'
# ulna-server settings (key = value; command-line flags override). The systemd unit sets the
# data directory to /var/lib/ulna-server.
listen = 127.0.0.1:7443
mode = elastic
bucket_span = 15m
query_delay = 1m
rule_interval = 15m
lookback = 45m
alert_threshold = 50
retention = 14d
EOF
echo "/etc/ulna/server.conf" >"$server/DEBIAN/conffiles"
cat >"$server/DEBIAN/postinst" <<'EOF'
#!/bin/sh
# Creates the service account and data directory, then enables and starts the server.
set -e
if [ "$1" = "configure" ]; then
  if ! getent passwd ulna >/dev/null; then
    adduser --system --group --home /var/lib/ulna-server --no-create-home ulna >/dev/null
  fi
  install -d -m 0700 -o ulna -g ulna /var/lib/ulna-server
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || true
    systemctl enable --now ulna-server.service >/dev/null 2>&1 || true
  fi
fi
exit 0
EOF
cat >"$server/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = "remove" ]; then
  systemctl disable --now ulna-server.service >/dev/null 2>&1 || true
fi
exit 0
EOF
chmod 0755 "$server/DEBIAN/postinst" "$server/DEBIAN/prerm"
server_paths=()
for b in "${server_bins[@]}"; do server_paths+=("$server/usr/bin/$b"); done
server_paths+=("$serve_path")
build_package ulna-server "$server" \
  "ULNA server: per-host baselines and the rare-process network anomaly job" \
  "$(depends_of "${server_paths[@]}"), adduser"
