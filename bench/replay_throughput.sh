#!/usr/bin/env bash
# Replay throughput benchmark: runs `ulna-server replay` (in MODE) RUNS times on a scenario
# archive as shipped (.ndjson.gz) and on a decompressed plain copy in a temp dir (never the
# repo), and prints the median events/s (from the wall clock of the whole process and from the
# replay's own summary), the median CPU seconds used, and the peak RSS, then the CPU a process
# start costs (`ulna-server help`) and the single-core limits of bin/parse_bench — the table
# docs/BENCHMARKS.md records.
# With BASELINE_BUILD_DIR, its ulna-server runs alternately with BUILD_DIR's (A B A B ...), so
# that both see the same drift of a shared machine, and both rows are printed.
#   bench/replay_throughput.sh [BUILD_DIR] [SCENARIO_DIR] [RUNS] [MODE] [BASELINE_BUILD_DIR]
# Defaults: build, ../shared/scenarios/dev1, 5, elastic, none.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
scenario="${2:-$root/../shared/scenarios/dev1}"
runs="${3:-5}"
mode="${4:-elastic}"
baseline="${5:-}"
servers=("$build/bin/ulna-server")
labels=("")
if [[ -n "$baseline" ]]; then
  servers=("$baseline/bin/ulna-server" "$build/bin/ulna-server")
  labels=("baseline " "build ")
fi
for server in "${servers[@]}"; do
  [[ -x "$server" ]] || { echo "missing $server (build it first)" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }

work="$(mktemp -d -t ulna-replay-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
gz="$scenario/events.ndjson.gz"
plain="$work/events.ndjson"
zcat "$gz" > "$plain"

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $scenario ($(stat -c %s "$gz") bytes gz, $(stat -c %s "$plain") bytes plain)"
printf '%-21s %8s %14s %14s %10s %10s\n' input events "events/s wall" "events/s rep" "cpu s" \
  "peak RSS"
for input in "$gz" "$plain"; do
  label="$([[ $input == *.gz ]] && echo ndjson.gz || echo ndjson)"
  for s in "${!servers[@]}"; do
    : > "$work/walls.$s"; : > "$work/reported.$s"; : > "$work/cpu.$s"; : > "$work/rss.$s"
  done
  events=0
  for _ in $(seq "$runs"); do
    for s in "${!servers[@]}"; do
      # The wall clock is bash's, read in µs around the run (time(1) reports it in 10 ms steps,
      # ~3 % of a dev1 replay); time(1) gives the CPU seconds and the peak RSS.
      started="$EPOCHREALTIME"
      /usr/bin/time -v -o "$work/time" "${servers[$s]}" replay --input "$input" \
        --alerts "$work/alerts.ndjson" --mode "$mode" > "$work/log" 2>&1
      ended="$EPOCHREALTIME"
      # "replay: L lines, E events in S s (R events/s)"
      events="$(awk '/^replay:/ {print $4}' "$work/log")"
      awk '/^replay:/ {gsub(/[(]/, "", $9); print $9}' "$work/log" >> "$work/reported.$s"
      wall="$(awk -v a="$started" -v b="$ended" 'BEGIN {print b - a}')"
      awk -v e="$events" -v w="$wall" 'BEGIN {print e / w}' >> "$work/walls.$s"
      awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$work/time" >> "$work/cpu.$s"
      awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time" >> "$work/rss.$s"
    done
  done
  for s in "${!servers[@]}"; do
    printf '%-21s %8s %14.0f %14.0f %10.2f %7.0f MB\n' "${labels[$s]}$label" "$events" \
      "$(median < "$work/walls.$s")" "$(median < "$work/reported.$s")" \
      "$(median < "$work/cpu.$s")" "$(median < "$work/rss.$s" | awk '{print $1 / 1024}')"
  done
done

# Process start and exit alone (what the wall column has and the reported one has not): CPU of
# 20 `ulna-server help` in a row, per start (time(1) counts in 10 ms ticks; one run is ~50 ms).
for s in "${!servers[@]}"; do
  : > "$work/start.$s"
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%U %S' -o "$work/time" bash -c \
      'for _ in $(seq 20); do "$0" help > /dev/null 2>&1 || true; done' "${servers[$s]}"
    awk '{print ($1 + $2) * 1000 / 20}' "$work/time" >> "$work/start.$s"
  done
  printf '%-21s %.0f ms CPU a process start (ulna-server help)\n' "${labels[$s]}start" \
    "$(median < "$work/start.$s")"
done

if [[ -x "$build/bin/parse_bench" ]]; then
  echo "single-core limits (bin/parse_bench, the same archive):"
  ULNA_SHARED="$(dirname "$(dirname "$scenario")")" "$build/bin/parse_bench" \
    --benchmark_filter='Inflate|ParseEcs|LineReaderGz|BatchEncodeDecode' 2>/dev/null |
    awk '/^BM_/'
fi
