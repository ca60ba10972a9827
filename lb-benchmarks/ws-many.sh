#!/usr/bin/env bash
# N concurrent WebSocket tunnels (default 1,000) through the lbkit standalone jar, for each engine in
# ENGINES: opens them one after the other with raw-socket clients (io.lbkit.benchmarks.ws.WsBench,
# one echo each), keeps them open and reads the standalone's process: tunnels open (stats page),
# heap used after a full GC (jcmd GC.run, GC.heap_info), threads and file descriptors (/proc), before
# the first tunnel and with all of them open. Backends: lb-testkit's WhoamiServer echo on
# 127.0.0.2-3 (a thread per socket, in their own JVM). CI runs 1,000 through the filter in Jetty and
# Tomcat (lb-servlet's ManyTunnelsTest).
# Writes ws-many-results.md; results.py puts it into RESULTS.md.
#
# Needs: Linux (/proc), a JDK 17+ (java and jcmd on PATH), curl. Environment:
#   N=1000 ENGINES="servlet netty" XMX=256m SKIP_BUILD=1 (use the existing jars)
# An engine whose handshake fails (no tunnels yet) is skipped with a message.
set -euo pipefail
cd "$(dirname "$0")"
. ./bench-common.sh

N=${N:-1000}
ENGINES=${ENGINES:-servlet netty}
XMX=${XMX:-256m}
BACKEND_PORT=18281
LBKIT=127.0.0.1:18290
BACKENDS="127.0.0.2:$BACKEND_PORT,127.0.0.3:$BACKEND_PORT"
BENCH_JAR=target/benchmarks.jar
STANDALONE_JAR=../lb-standalone/target/lb-standalone.jar
OUT=target/ws-many
JAVA=${JAVA:-java}
JCMD=${JCMD:-jcmd}

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  (cd .. && ./mvnw -B -q -pl lb-benchmarks,lb-standalone -am package -DskipTests -Djacoco.skip=true)
fi
mkdir -p "$OUT"
kill_on_exit


heap_after_gc_mib() { # pid
  "$JCMD" "$1" GC.run >/dev/null
  "$JCMD" "$1" GC.heap_info | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); print int(v / 1024); exit } }'
}
threads() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
tunnels() {
  curl -sf "http://$LBKIT/lb-stats?format=prometheus" | awk '/^lbkit_server_tunnels\{/ { s += $2; n++ } END { print n ? s : "-" }' \
    || echo -
}

"$JAVA" -cp "$BENCH_JAR" io.lbkit.benchmarks.ws.WsBench backends "$BACKEND_PORT" 127.0.0.2 127.0.0.3 \
  >"$OUT/backends.log" 2>&1 & PIDS+=($!)
wait_port "127.0.0.2:$BACKEND_PORT" backends "$!" || { echo "ws-many.sh: the backends did not start; see $OUT" >&2; exit 1; }

ROWS=()
for engine in $ENGINES; do
  LB=
  for stats in "--stats-uri=/lb-stats" ""; do # an engine without a stats page yet: tunnels counted as "-"
    "$JAVA" -Xmx"$XMX" -jar "$STANDALONE_JAR" --listen "$LBKIT" --backend "$BACKENDS" --engine "$engine" \
      $stats --log-level warn >"$OUT/lbkit-$engine.log" 2>&1 &
    LB=$!
    wait_port "$LBKIT" "lbkit ($engine)" "$LB" && break
    kill "$LB" 2>/dev/null || true; wait "$LB" 2>/dev/null || true; LB=
  done
  if [[ -z "$LB" ]]; then
    echo "ws-many.sh: engine $engine: the standalone did not start: $(tail -1 "$OUT/lbkit-$engine.log"); skipped" >&2
    continue
  fi
  if ! "$JAVA" -cp "$BENCH_JAR" io.lbkit.benchmarks.ws.WsBench latency "$LBKIT" 1 1 16 >"$OUT/probe-$engine.txt" 2>&1 \
      || [[ "$(awk '{ print $4 }' "$OUT/probe-$engine.txt")" != 0 ]]; then
    echo "ws-many.sh: engine $engine: the WebSocket handshake through lbkit failed (no tunnels in this engine?); skipped" >&2
    kill "$LB"; wait "$LB" 2>/dev/null || true
    continue
  fi
  heap0=$(heap_after_gc_mib "$LB"); threads0=$(threads "$LB"); fds0=$(fds "$LB")
  rm -f "$OUT/many.in"; mkfifo "$OUT/many.in"
  start=$(date +%s.%N)
  "$JAVA" -cp "$BENCH_JAR" io.lbkit.benchmarks.ws.WsBench many "$LBKIT" "$N" <"$OUT/many.in" >"$OUT/many-$engine.txt" 2>&1 &
  CLIENT=$!
  exec 4>"$OUT/many.in" # holds the client's stdin open
  for _ in $(seq 1 600); do
    grep -q '^open' "$OUT/many-$engine.txt" 2>/dev/null && break
    kill -0 "$CLIENT" 2>/dev/null || break
    sleep 0.5
  done
  if ! grep -q "^open $N" "$OUT/many-$engine.txt"; then
    echo "ws-many.sh: engine $engine: the client failed: $(tail -3 "$OUT/many-$engine.txt")" >&2
    exec 4>&-; kill "$LB"; wait 2>/dev/null || true
    continue
  fi
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  open=$(tunnels); heap1=$(heap_after_gc_mib "$LB"); threads1=$(threads "$LB"); fds1=$(fds "$LB")
  exec 4>&- # the client closes its sockets
  wait "$CLIENT" || true
  for _ in $(seq 1 60); do [[ "$(tunnels)" == [0-] ]] && break; sleep 0.5; done
  after=$(tunnels); heap2=$(heap_after_gc_mib "$LB"); threads2=$(threads "$LB")
  echo "$engine: $open tunnels open in ${secs}s; heap after GC $heap0 -> $heap1 MiB ($heap2 after closing, $after open);" \
    "threads $threads0 -> $threads1 ($threads2); fds $fds0 -> $fds1"
  ROWS+=("| $engine | $N | $open | $(printf '%.1f' "$secs") | $heap0 | $heap1 | $(( (heap1 - heap0) * 1024 / N )) | $heap2 | $threads0 → $threads1 | $fds0 → $fds1 |")
  kill "$LB"; wait "$LB" 2>/dev/null || true
done

{
  echo "## $N concurrent WebSocket tunnels through the standalone (ws-many.sh)"
  echo
  echo "Run $(date -u +%Y-%m-%d) on $(nproc) cores (load average $(cut -d' ' -f1-3 /proc/loadavg) at the end: opening times are"
  echo "indicative only), Java $("$JAVA" -version 2>&1 | head -1 | awk -F'"' '{ print $2 }'), lbkit -Xmx$XMX;"
  echo "raw-socket clients opening the tunnels one after the other (one echo each) and keeping them open;"
  echo "two WhoamiServer echo backends (a thread per socket, another JVM). Heap: used after a full GC (jcmd)."
  echo
  echo "| engine | tunnels asked | open (stats) | seconds to open | heap before, MiB | heap with all open, MiB | KiB per tunnel | heap after closing, MiB | threads | fds |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"
  for r in "${ROWS[@]}"; do echo "$r"; done
} >ws-many-results.md
cat ws-many-results.md
python3 results.py --splice ws-many-results.md
echo "== wrote $(pwd)/ws-many-results.md and put it into RESULTS.md"
