#!/usr/bin/env bash
# Detection benchmark: replays each labelled scenario through ulna-server in both modes
# (elastic, ulna), scores the alerts with ulna-eval and prints the side-by-side tables that
# docs/DETECTION.md records.
#   bench/detection.sh [BUILD_DIR] [SCENARIOS_DIR] [SCENARIO...]
# Defaults: build, ../shared/scenarios, dev1 dev2. Outputs stay in $OUT (default a temp dir).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
scenarios="${2:-$root/../shared/scenarios}"
shift $(( $# > 2 ? 2 : $# ))
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(dev1 dev2)
out="${OUT:-$(mktemp -d -t ulna-detection.XXXXXX)}"
mkdir -p "$out"

for bin in ulna-server ulna-eval; do
  [[ -x "$build/bin/$bin" ]] || { echo "missing $build/bin/$bin (build it first)" >&2; exit 1; }
done

for name in "${names[@]}"; do
  for mode in elastic ulna; do
    echo "replaying $name in $mode mode..." >&2
    "$build/bin/ulna-server" replay --input "$scenarios/$name/events.ndjson.gz" \
      --alerts "$out/$name.$mode.alerts.ndjson" --mode "$mode" > "$out/$name.$mode.replay.log" 2>&1
    "$build/bin/ulna-eval" --labels "$scenarios/$name/labels.json" \
      --alerts "$out/$name.$mode.alerts.ndjson" --json > "$out/$name.$mode.eval.json"
  done
done

python3 - "$out" "${names[@]}" <<'PY'
import json, sys
out, names = sys.argv[1], sys.argv[2:]
r = {(n, m): json.load(open(f"{out}/{n}.{m}.eval.json")) for n in names for m in ("elastic", "ulna")}
def frac(t): return f"{t['detected']}/{t['total']}"
print("| scenario | mode | recall | false / host-day | alerts (true / related / false) | "
      "false in training | fleet_new | host_new | host_known | false alerts on benign hard cases "
      "| median delay (min) |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for n in names:
    for m in ("elastic", "ulna"):
        e = r[(n, m)]
        nov = e["by_novelty"]
        cases = ", ".join(f"{k} {v['false_alerts']}" for k, v in e["benign_cases"].items()
                          if v["false_alerts"]) or "none"
        delay = "n/a" if e["median_delay_minutes"] is None else f"{e['median_delay_minutes']:.1f}"
        print(f"| {n} | {m} | {e['recall']:.3f} ({e['detected']}/{e['injections']}) | "
              f"{e['false_per_host_day']:.4f} | {e['alerts']} ({e['true']} / {e['related']} / "
              f"{e['false']}) | {e['false_in_training']} | "
              + " | ".join(frac(nov[k]) if k in nov else "-" for k in ("fleet_new", "host_new", "host_known"))
              + f" | {cases} | {delay} |")
print()
for key, title in (("by_technique", "technique"), ("by_scenario", "attack kind")):
    cols = [(n, m) for n in names for m in ("elastic", "ulna")]
    print(f"| {title} | " + " | ".join(f"{n} {m}" for n, m in cols) + " |")
    print("|---|" + "---|" * len(cols))
    keys = sorted({k for c in cols for k in r[c][key]})
    for k in keys:
        print(f"| {k} | " + " | ".join(frac(r[c][key][k]) if k in r[c][key] else "-" for c in cols) + " |")
    print()
print("| benign hard case | " + " | ".join(f"{n} {m}" for n in names for m in ("elastic", "ulna")) + " |")
print("|---|" + "---|" * (2 * len(names)))
cases = sorted({k for c in r.values() for k in c["benign_cases"]})
for k in cases:
    cells = []
    for n in names:
        for m in ("elastic", "ulna"):
            v = r[(n, m)]["benign_cases"].get(k)
            cells.append("-" if v is None else f"{v['false_alerts']} alerts, {v['labels_hit']}/{v['labels']} hit")
    print(f"| {k} | " + " | ".join(cells) + " |")
PY
echo "outputs in $out" >&2
