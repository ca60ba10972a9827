#!/usr/bin/env bash
# Soak: the standalone jar in demo mode under constant load (the JDK's HTTP client, 16 connections,
# half with a cookie jar) for MINUTES while the replicas scale every 3 s between 1 and 5 and, every
# 40 s, a replica is killed (revived 10 s later), a replica stalls for 6 s and the nameserver is
# silent for 12 s (io.lbkit.benchmarks.soak.Soak drives it through the demo's /demo/scale,
# /demo/replica and /demo/dns). Prints requests, failures by cause and by what was going on, and the
# balancer's heap after GC, threads and open fds at the start and the end.
#
# Needs: Linux (/proc), a JDK 17+ (java and jcmd on PATH, or JAVA/JCMD set), curl. Run by
# developers, not CI. Environment:
#   MINUTES=10 CONNECTIONS=16 SEED=42   (defaults; MINUTES=1 for a short run)
#   LISTEN=127.0.0.1:18290 DEMO_PORT=18291   where the balancer and the demo's replicas listen
#   SKIP_BUILD=1   use the existing jars
#   LB_ARGS="..."  more flags for the balancer (default: --check http --timeout-server 3s, so a
#                  stalled replica is taken out by its health check and its requests end in 3 s)
# Exit status: 0 when no request failed, 3 when some did, 1 for a set-up problem.
set -euo pipefail
cd "$(dirname "$0")"

MINUTES=${MINUTES:-10}
CONNECTIONS=${CONNECTIONS:-16}
SEED=${SEED:-42}
LISTEN=${LISTEN:-127.0.0.1:18290}
DEMO_PORT=${DEMO_PORT:-18291}
LB_ARGS=${LB_ARGS:---check http --timeout-server 3s}
JAVA=${JAVA:-java}
JCMD=${JCMD:-jcmd}
BENCH_JAR=target/benchmarks.jar
STANDALONE_JAR=../lb-standalone/target/lb-standalone.jar
OUT=target/soak

die() { echo "soak.sh: $*" >&2; exit 1; }
command -v "$JAVA" >/dev/null || die "$JAVA is missing (a JDK 17+, or set JAVA)"
command -v "$JCMD" >/dev/null || die "$JCMD is missing (a full JDK has it, or set JCMD)"
command -v curl >/dev/null || die "curl is missing (sudo apt-get install curl)"
[[ -d /proc/self/fd ]] || die "/proc is needed (Linux)"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  (cd .. && ./mvnw -B -q -pl lb-standalone,lb-benchmarks -am package -DskipTests) || die "the build failed"
fi
[[ -f "$STANDALONE_JAR" ]] || die "$STANDALONE_JAR is missing (run without SKIP_BUILD=1)"
[[ -f "$BENCH_JAR" ]] || die "$BENCH_JAR is missing (run without SKIP_BUILD=1)"
if curl -s -o /dev/null "http://$LISTEN/"; then
  die "something already answers on $LISTEN (another soak or demo?); set LISTEN"
fi

rm -rf "$OUT" && mkdir -p "$OUT"
LB_PID=
cleanup() { [[ -n "$LB_PID" ]] && kill "$LB_PID" 2>/dev/null && wait "$LB_PID" 2>/dev/null; true; }
trap cleanup EXIT

# shellcheck disable=SC2086 # LB_ARGS is a list of flags
"$JAVA" -Xmx256m -jar "$STANDALONE_JAR" --demo --listen "$LISTEN" --demo-port "$DEMO_PORT" $LB_ARGS \
  >"$OUT/lbkit.out" 2>"$OUT/lbkit.log" &
LB_PID=$!
for _ in $(seq 1 150); do
  grep -q "lbkit listening on" "$OUT/lbkit.out" 2>/dev/null && break
  kill -0 "$LB_PID" 2>/dev/null || die "the balancer exited at start-up: $(tail -3 "$OUT/lbkit.log")"
  sleep 0.2
done
grep -q "lbkit listening on" "$OUT/lbkit.out" || die "the balancer is not listening after 30 s; see $OUT/lbkit.log"

echo "soak.sh: $(git -C .. describe --always --dirty 2>/dev/null || echo "?") $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $("$JAVA" -version 2>&1 | head -1)"
echo "soak.sh: balancer: java -Xmx256m -jar lb-standalone.jar --demo --listen $LISTEN --demo-port $DEMO_PORT $LB_ARGS (log: lb-benchmarks/$OUT/lbkit.log)"
set +e
JCMD="$JCMD" "$JAVA" -cp "$BENCH_JAR" io.lbkit.benchmarks.soak.Soak --url "http://$LISTEN" --pid "$LB_PID" \
  --minutes "$MINUTES" --connections "$CONNECTIONS" --seed "$SEED" | tee "$OUT/soak.txt"
status=${PIPESTATUS[0]}
set -e
echo "soak.sh: balancer warnings: $(grep -c ' WARN ' "$OUT/lbkit.log" || true) (lb-benchmarks/$OUT/lbkit.log)"
exit "$status"
