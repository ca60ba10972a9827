#!/usr/bin/env bash
# WebSocket echo through a tunnel: round-trip latency (p50, p99) and messages/s through the lbkit
# standalone jar (one row per engine in ENGINES), through HAProxy (`timeout tunnel`, when installed)
# and direct to one backend, in one run, the same 3 echo backends on 127.0.0.2-4 (lb-testkit's
# WhoamiServer; a thread per socket). The client (io.lbkit.benchmarks.ws.WsBench latency) opens
# CONNS sockets in parallel, each doing MSGS echo round trips of SIZE bytes. Rounds interleave the
# targets with the order rotated each round; each round's figures are also divided by the direct
# run of the same round (per-round ratios: min-max over the rounds).
# Writes ws-results.md and puts it into RESULTS.md (results.py; run.sh keeps it there too).
#
# Needs: Linux, a JDK 17+, python3; haproxy optional (sudo apt-get install haproxy). Environment:
#   ROUNDS=3 CONNS=16 MSGS=2000 SIZE=64 WARMUP_MSGS=2000 ENGINES="servlet netty" SKIP_BUILD=1
# An engine whose handshake fails (no tunnels in it yet) is skipped with a message. On a 2-core
# machine the client, the proxy and the backends share the cores: compare rows, not absolutes.
set -euo pipefail
cd "$(dirname "$0")"
. ./bench-common.sh

ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-16}
MSGS=${MSGS:-2000}
SIZE=${SIZE:-64}
WARMUP_MSGS=${WARMUP_MSGS:-2000}
ENGINES=${ENGINES:-servlet netty}
BACKEND_PORT=18381
HAPROXY=127.0.0.1:18392
DIRECT=127.0.0.2:$BACKEND_PORT
BACKENDS="127.0.0.2:$BACKEND_PORT,127.0.0.3:$BACKEND_PORT,127.0.0.4:$BACKEND_PORT"
BENCH_JAR=target/benchmarks.jar
STANDALONE_JAR=../lb-standalone/target/lb-standalone.jar
OUT=target/ws-bench
JAVA=${JAVA:-java}

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  (cd .. && ./mvnw -B -q -pl lb-benchmarks,lb-standalone -am package -DskipTests -Djacoco.skip=true)
fi
mkdir -p "$OUT"
kill_on_exit

client() { # address, messages per connection -> "p50_us p99_us msgs_per_s errors"
  "$JAVA" -cp "$BENCH_JAR" io.lbkit.benchmarks.ws.WsBench latency "$1" "$CONNS" "$2" "$SIZE"
}

"$JAVA" -cp "$BENCH_JAR" io.lbkit.benchmarks.ws.WsBench backends "$BACKEND_PORT" 127.0.0.2 127.0.0.3 127.0.0.4 \
  >"$OUT/backends.log" 2>&1 & PIDS+=($!)
wait_port "$DIRECT" backends "$!" || { echo "ws-bench.sh: the backends did not start; see $OUT/backends.log" >&2; exit 1; }

TARGETS=(direct)
declare -A ADDR=([direct]=$DIRECT [haproxy]=$HAPROXY)
port=18390
for engine in $ENGINES; do
  addr=127.0.0.1:$port; port=$((port + 1))
  [[ $port == 18392 ]] && port=18393 # HAProxy's
  "$JAVA" -jar "$STANDALONE_JAR" --listen "$addr" --backend "$BACKENDS" --engine "$engine" --log-level warn \
    >"$OUT/lbkit-$engine.log" 2>&1 & PIDS+=($!)
  if ! wait_port "$addr" "lbkit ($engine)" "$!"; then
    echo "ws-bench.sh: engine $engine: the standalone did not start: $(tail -1 "$OUT/lbkit-$engine.log"); skipped" >&2
    continue
  fi
  if ! probe=$("$JAVA" -cp "$BENCH_JAR" io.lbkit.benchmarks.ws.WsBench latency "$addr" 1 1 16 2>&1) \
      || [[ "$(echo "$probe" | awk '{ print $4 }')" != 0 ]]; then
    echo "ws-bench.sh: engine $engine: the WebSocket handshake through lbkit failed (no tunnels in this engine?); skipped" >&2
    continue
  fi
  TARGETS+=("lbkit-$engine"); ADDR[lbkit-$engine]=$addr
done
if command -v haproxy >/dev/null; then
  haproxy_config "$OUT/haproxy.cfg" "$HAPROXY" "$BACKEND_PORT" "timeout tunnel 1h"
  haproxy -f "$OUT/haproxy.cfg" -db >"$OUT/haproxy.log" 2>&1 & PIDS+=($!)
  wait_port "$HAPROXY" haproxy "$!" || { echo "ws-bench.sh: haproxy did not start; see $OUT/haproxy.log" >&2; exit 1; }
  TARGETS+=(haproxy)
else
  echo "ws-bench.sh: haproxy not installed (sudo apt-get install haproxy); measuring lbkit and direct only" >&2
fi

echo "== warm-up: $WARMUP_MSGS messages per connection on each target"
for t in "${TARGETS[@]}"; do client "${ADDR[$t]}" "$WARMUP_MSGS" >/dev/null; done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$OUT/rounds.txt"
n=${#TARGETS[@]}
for round in $(seq 1 "$ROUNDS"); do
  for i in $(seq 0 $((n - 1))); do
    t=${TARGETS[$(( (i + round - 1) % n ))]}
    r=$(client "${ADDR[$t]}" "$MSGS")
    echo "round $round $t $r" | tee -a "$OUT/rounds.txt"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

LOAD="$load_before → $load_after" ROUNDS=$ROUNDS CONNS=$CONNS MSGS=$MSGS SIZE=$SIZE \
  HAPROXY_VERSION="$(command -v haproxy >/dev/null && haproxy -v | head -1 | awk '{ print $3 }' || echo -)" \
  JAVA_VERSION="$("$JAVA" -version 2>&1 | head -1 | awk -F'"' '{ print $2 }')" \
  python3 - "$OUT/rounds.txt" >"$OUT/ws-results.md" <<'PY'
import collections, datetime, os, statistics, sys
rows = collections.defaultdict(dict)  # target -> round -> (p50, p99, msgs/s, errors)
order = []
for line in open(sys.argv[1]):
    _, rnd, target, p50, p99, rate, errors = line.split()
    rows[target][int(rnd)] = (float(p50), float(p99), float(rate), int(errors))
    if target not in order:
        order.append(target)
label = {"direct": "direct to one backend", "haproxy": f"HAProxy {os.environ['HAPROXY_VERSION']} (timeout tunnel)"}
e = os.environ
print("## WebSocket echo through a tunnel (ws-bench.sh)\n")
print(f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, Java {e['JAVA_VERSION']},"
      f" load average {e['LOAD']} (client, proxy and backends share the cores: compare rows, not absolutes);"
      f" {e['ROUNDS']} interleaved rounds, each {e['CONNS']} connections × {e['MSGS']} round trips of {e['SIZE']}-byte"
      " binary messages (raw-socket client, WsBench), 3 WhoamiServer echo backends; lbkit rows: the standalone"
      " jar's engines. Medians over the rounds; ratios: each round's figure over the direct run of the same round"
      " (min–max over the rounds).\n")
print("| target | p50 µs | p99 µs | messages/s | messages/s ÷ direct | p50 ÷ direct | errors |")
print("|---|---:|---:|---:|---:|---:|---:|")
def rng(v):
    return f"{min(v):.2f}–{max(v):.2f}" if v else "-"
for t in sorted(order, key=lambda t: (t != "direct", t.startswith("haproxy"), t)):
    rs = rows[t]
    med = [statistics.median(r[i] for r in rs.values()) for i in range(3)]
    ratio = [rs[k][2] / rows["direct"][k][2] for k in rs if k in rows["direct"] and rows["direct"][k][2] > 0]
    lat = [rs[k][0] / rows["direct"][k][0] for k in rs if k in rows["direct"] and rows["direct"][k][0] > 0]
    name = label.get(t, "lbkit standalone, --engine " + t.removeprefix("lbkit-"))
    print(f"| {name} | {med[0]:.0f} | {med[1]:.0f} | {med[2]:,.0f} | {rng(ratio)} | {rng(lat)} | {sum(r[3] for r in rs.values())} |")
PY
mv "$OUT/ws-results.md" ws-results.md
cat ws-results.md
python3 results.py --splice ws-results.md
echo "== wrote $(pwd)/ws-results.md and put it into RESULTS.md"
