#!/usr/bin/env bash
# Package test: builds the .deb packages with deploy/package-deb.sh from this build tree and
# checks, without installing anything, that each holds its binaries, systemd unit, conffile
# and maintainer scripts, that Depends names the runtime libraries, and that the packaged
# (stripped) binaries still run.
# usage: package_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1"
build="$2"
out="$(mktemp -d /tmp/ulna-package-test-XXXXXX)"
trap 'rm -rf "$out"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_in() {  # expect_in HAYSTACK NEEDLE WHAT
  grep -qF -- "$2" <<<"$1" || fail "$3: '$2' not found"
}

"$src/deploy/package-deb.sh" --build-dir "$build" --out "$out" --version 9.8.7 >"$out/build.log"
arch="$(dpkg --print-architecture)"
agent="$out/ulna-agent_9.8.7_${arch}.deb"
server="$out/ulna-server_9.8.7_${arch}.deb"
[[ -f "$agent" ]] || { echo "FAIL: $agent not built"; cat "$out/build.log"; exit 1; }
[[ -f "$server" ]] || { echo "FAIL: $server not built"; cat "$out/build.log"; exit 1; }

# ---- ulna-agent ----
info="$(dpkg-deb --info "$agent")"
expect_in "$info" "Package: ulna-agent" "agent control"
expect_in "$info" "Version: 9.8.7" "agent control"
depends="$(dpkg-deb --field "$agent" Depends)"
expect_in "$depends" "libc6" "agent Depends"
expect_in "$depends" "libbpf" "agent Depends"
expect_in "$depends" "libgrpc++" "agent Depends"
contents="$(dpkg-deb --contents "$agent")"
for path in ./usr/bin/ulna-agent ./lib/systemd/system/ulna-agent.service ./etc/default/ulna-agent; do
  expect_in "$contents" "$path" "agent contents"
done
expect_in "$(dpkg-deb --info "$agent" conffiles)" "/etc/default/ulna-agent" "agent conffiles"
postinst="$(dpkg-deb --info "$agent" postinst)"
expect_in "$postinst" "install -d -m 0700 /etc/ulna-agent /var/lib/ulna-agent" "agent postinst"
expect_in "$postinst" "systemctl enable ulna-agent.service" "agent postinst"
dpkg-deb -x "$agent" "$out/agent-root"
unit="$(cat "$out/agent-root/lib/systemd/system/ulna-agent.service")"
expect_in "$unit" "ExecStart=/usr/bin/ulna-agent run --server \${ULNA_SERVER} --credentials /etc/ulna-agent" "agent unit"
expect_in "$unit" "EnvironmentFile=-/etc/default/ulna-agent" "agent unit"
expect_in "$unit" "ConditionPathExists=/etc/ulna-agent/agent.pem" "agent unit"
# The stripped binary still runs: no subcommand prints the usage and exits 2.
set +e
usage="$("$out/agent-root/usr/bin/ulna-agent" 2>&1)"
rc=$?
set -e
[[ $rc -eq 2 ]] || fail "packaged ulna-agent exited $rc, want 2"
expect_in "$usage" "ulna-agent run --server HOST:PORT --credentials DIR" "packaged ulna-agent usage"

# ---- ulna-server ----
info="$(dpkg-deb --info "$server")"
expect_in "$info" "Package: ulna-server" "server control"
depends="$(dpkg-deb --field "$server" Depends)"
expect_in "$depends" "librocksdb" "server Depends"
expect_in "$depends" "libgrpc++" "server Depends"
expect_in "$depends" "adduser" "server Depends"
contents="$(dpkg-deb --contents "$server")"
for path in ./usr/bin/ulna-server ./usr/lib/ulna-server/ulna-server-serve ./usr/bin/ulnactl \
  ./lib/systemd/system/ulna-server.service ./etc/ulna/server.conf; do
  expect_in "$contents" "$path" "server contents"
done
if [[ -x "$build/bin/ulna-eval" ]]; then expect_in "$contents" "./usr/bin/ulna-eval" "server contents"; fi
expect_in "$(dpkg-deb --info "$server" conffiles)" "/etc/ulna/server.conf" "server conffiles"
dpkg-deb -x "$server" "$out/server-root"
expect_in "$(cat "$out/server-root/lib/systemd/system/ulna-server.service")" \
  "ExecStart=/usr/bin/ulna-server serve --config /etc/ulna/server.conf --data-dir /var/lib/ulna-server" \
  "server unit"
set +e
usage="$("$out/server-root/usr/bin/ulna-server" 2>&1)"
set -e
expect_in "$usage" "ulna-server serve" "packaged ulna-server usage"
# `serve` finds the gRPC server where the package puts it: a bad flag is its answer, not "not
# installed".
set +e
serve_answer="$("$out/server-root/usr/bin/ulna-server" serve --no-such-flag 2>&1)"
set -e
expect_in "$serve_answer" "--no-such-flag" "packaged ulna-server serve"

if [[ $failures -gt 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "packages OK: $(basename "$agent") $(basename "$server")"
