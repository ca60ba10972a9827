#!/usr/bin/env bash
# Runs the lbkit benchmark suite (JMH, always with -prof gc) and writes lb-benchmarks/RESULTS.md.
#
# Run by developers, not CI (CI only runs the smoke test in `./mvnw verify`). Needs a JDK 17+ and
# python3 (for results.py, which turns JMH's JSON into the Markdown table).
#
# The default settings fit a 2-core machine in about 10 minutes (12 with BEFORE_JAR): 2 forks x (4 x 0.5 s warmup +
# 10 x 0.5 s measurement) per benchmark, 30 benchmark/parameter/thread combinations. Many short
# iterations rather than a few long ones, so that the best iteration is a usable figure on a busy
# machine.
# Environment:
#   SKIP_BUILD=1   use the existing target/benchmarks.jar
#   QUICK=1        1 fork, short iterations: a 2-minute check of the pipeline, not a result
#   JMH_OPTS=...   replaces the iteration settings (e.g. "-f 3 -wi 5 -i 10")
#   JAVA=...       the java binary (default: java on PATH)
#   BEFORE_JAR=... a benchmarks.jar built from an earlier lb-core: lbkit's RoundRobinSelect (1 and 2
#                  threads), StickySelect and SnapshotRebuild also run against it, and RESULTS.md gets a before/after table from this same run
set -euo pipefail
cd "$(dirname "$0")"

JAVA=${JAVA:-java}
JAR=target/benchmarks.jar
OUT=target/jmh-results
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  (cd .. && ./mvnw -B -q -pl lb-core,lb-spring,lb-benchmarks -am package -DskipTests)
fi
command -v python3 >/dev/null || { echo "run.sh: python3 is needed to write RESULTS.md (apt-get install python3)" >&2; exit 1; }

if [[ -n "${JMH_OPTS:-}" ]]; then
  read -r -a SETTINGS <<<"$JMH_OPTS"
elif [[ "${QUICK:-0}" == 1 ]]; then
  SETTINGS=(-f 1 -wi 2 -w 300ms -i 3 -r 300ms)
else
  SETTINGS=(-f 2 -wi 4 -w 500ms -i 10 -r 500ms)
fi

rm -rf "$OUT" && mkdir -p "$OUT"
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
started=$(date -u +%s)

run() { # name, include regex, threads[, jar]
  echo "== $1: $2 at $3 thread(s)"
  "$JAVA" -jar "${4:-$JAR}" "$2" -t "$3" "${SETTINGS[@]}" -prof gc -foe true -rf json -rff "$OUT/$1.json" | tee "$OUT/$1.log" \
    | grep --line-buffered -E '^(# Benchmark:|# Parameters:|Result |  [0-9])' || true
}
run round-robin-1t '\.RoundRobinSelect\.' 1
run round-robin-2t '\.RoundRobinSelect\.' 2
run single-thread '\.(StickySelect|StickTableSelect|LeastConnSelect|SpringChoose|SpringStickyChoose|CookieCodec|SnapshotRebuild)\.' 1
BEFORE=()
if [[ -n "${BEFORE_JAR:-}" ]]; then
  run before-rr-1t '\.RoundRobinSelect\.lbkit$' 1 "$BEFORE_JAR"
  run before-rr-2t '\.RoundRobinSelect\.lbkit$' 2 "$BEFORE_JAR"
  run before '\.(StickySelect|SnapshotRebuild)\.' 1 "$BEFORE_JAR"
  BEFORE=(--before "$OUT"/before*.json)
fi

load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
python3 results.py --load-before "$load_before" --load-after "$load_after" \
  --minutes "$(( ($(date -u +%s) - started + 59) / 60 ))" --settings "${SETTINGS[*]}" \
  --notes results-notes.md --proxy proxy-results.md --ws ws-results.md ws-many-results.md --reliability reliability-results.md --peers peers-results.md "$OUT"/round-robin-*.json "$OUT"/single-thread.json "${BEFORE[@]}" > RESULTS.md
echo "== wrote $(pwd)/RESULTS.md"
