#!/usr/bin/env bash
# The main job on embedded defaults, end to end: builds ULNA, replays a recorded fleet
# (../shared/scenarios/dev1, 60 hosts, 14 days) through ingest -> RocksDB -> the anomaly job ->
# alerts into a local data folder, then starts ulna-server on that folder and lists the alerts
# over the gRPC API with ulnactl, as an operator would.
#   deploy/demo.sh [SCENARIO_DIR] [--mode ulna|elastic]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scenario="${root}/../shared/scenarios/dev1"
mode=ulna
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) mode="$2"; shift 2 ;;
    *) scenario="$1"; shift ;;
  esac
done

deploy/build.sh
bin="${root}/build/bin"
data="${root}/ulna-data"
rm -rf "${data}"
mkdir -p "${data}"

echo
echo "== 1. replay ${scenario} (mode ${mode}) into ${data}/db"
"${bin}/ulna-server" replay --input "${scenario}/events.ndjson.gz" --mode "${mode}" \
  --state-dir "${data}/db" --alerts "${data}/alerts.ndjson"

echo
echo "== 2. start ulna-server on ${data} and ask it for the alerts over gRPC (TLS + admin token)"
log="${data}/server.log"
"${bin}/ulna-server" serve --data-dir "${data}" --listen 127.0.0.1:0 --mode "${mode}" \
  --metrics-port 0 >"${log}" 2>&1 &
server_pid=$!
trap 'kill ${server_pid} 2>/dev/null || true; wait ${server_pid} 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "${log}" 2>/dev/null && break
  kill -0 ${server_pid} 2>/dev/null || { cat "${log}"; exit 1; }
  sleep 0.1
done
address=$(sed -n 's/^ulna-server: listening on //p' "${log}")
"${bin}/ulnactl" --data-dir "${data}" --server "${address}" alerts list --since 2000-01-01 --limit 25

metrics=$(sed -n 's|^ulna-server: metrics on ||p' "${log}")

echo
echo "== 3. a live agent on this machine: enroll it, stream its network events to the server"
if [ "$(id -u)" -eq 0 ] && "${bin}/ulna-agent" probe >/dev/null 2>&1; then
  "${bin}/ulna-server" enroll-agent --data-dir "${data}" --host-name "$(hostname)" \
    --out "${data}/agent"
  # Loopback is included so that the demo's own traffic (below) is seen without leaving the
  # machine; by default the agent skips loopback peers in the kernel.
  "${bin}/ulna-agent" run --server "${address}" --credentials "${data}/agent" \
    --spool-dir "${data}/agent/spool" --include-loopback --batch-max-delay 1s --duration 8 \
    --stats 2>"${data}/agent.log" &
  agent_pid=$!
  sleep 3
  for _ in 1 2 3; do curl -s -o /dev/null "${metrics}" || true; sleep 0.5; done
  wait ${agent_pid} || true
  grep -E "hook set|acked|events" "${data}/agent.log" | head -8 || true
  echo "server side:"
  curl -s "${metrics}" | grep -E "^ulna_ingest_(streams|batches|events_stored)_total" || true
else
  echo "(skipped: the agent needs root and eBPF; run deploy/demo.sh as root)"
fi

if [ -f "${scenario}/labels.json" ]; then
  echo
  echo "== 4. score the replayed alerts against the scenario's labels"
  "${bin}/ulnactl" eval --labels "${scenario}/labels.json" --alerts "${data}/alerts.ndjson"
fi
echo
echo "Alerts as ECS NDJSON: ${data}/alerts.ndjson ($(wc -l <"${data}/alerts.ndjson") lines)"
