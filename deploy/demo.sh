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
"${bin}/ulna-server" serve --data-dir "${data}" --listen 127.0.0.1:0 --mode "${mode}" >"${log}" 2>&1 &
server_pid=$!
trap 'kill ${server_pid} 2>/dev/null || true; wait ${server_pid} 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "${log}" 2>/dev/null && break
  kill -0 ${server_pid} 2>/dev/null || { cat "${log}"; exit 1; }
  sleep 0.1
done
address=$(sed -n 's/^ulna-server: listening on //p' "${log}")
"${bin}/ulnactl" --data-dir "${data}" --server "${address}" alerts list --since 2000-01-01 --limit 25

if [ -f "${scenario}/labels.json" ]; then
  echo
  echo "== 3. score the alerts against the scenario's labels"
  "${bin}/ulnactl" eval --labels "${scenario}/labels.json" --alerts "${data}/alerts.ndjson"
fi
echo
echo "Alerts as ECS NDJSON: ${data}/alerts.ndjson ($(wc -l <"${data}/alerts.ndjson") lines)"
