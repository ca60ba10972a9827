#!/usr/bin/env bash
# Proxy throughput on loopback: wrk against (a) the lbkit standalone jar (servlet engine; and lb-netty's
# engine, `--engine netty`, with and without a sticky cookie), (b) Jetty 12's own
# ProxyServlet (ee10) with round robin, (c) Spring Cloud Gateway with its default load balancer and
# (d) with lbkit (the examples/spring-cloud-gateway application, one lb://whoami route), (e) HAProxy
# with the article's backend settings (when `haproxy` is installed), each in front of the same 3 fast
# backends on 127.0.0.2-4. Same connections and duration for all, runs interleaved with the order
# rotated each round (a b c, b c a, ...), req/s, p50/p99 latency, the proxy's CPU time per request
# (from /proc/PID/stat around its own runs) and KB allocated per request (JVMs, from JFR, recording
# from JVM start so that starting it never makes a JVM recompile).
# Writes proxy-results.md and puts it at the end of RESULTS.md (run.sh keeps it there too).
#
# Needs: Linux (/proc), a JDK 17+ (java, jcmd and jfr on PATH, or JAVA/JCMD/JFR set), wrk (Debian/Ubuntu: sudo apt-get install wrk), curl, python3; haproxy optional
# (sudo apt-get install haproxy). Run by developers, not CI. Environment:
#   ROUNDS=3 DURATION=10s CONNECTIONS=32 WRK_THREADS=1 WARMUP=20s  (defaults; the warm-ups let the JITs settle)
#   GATEWAY_WARMUP=120s  the Spring Cloud Gateway rows' warm-up: their JIT keeps compiling for ~2 minutes
#                  under load, and with 20 s their CPU per request was still falling in the measured rounds
#   SKIP_BUILD=1   use the existing jars (STANDALONE_JAR=..., BENCH_JAR=... to point at others)
#   BEFORE_JAR=path/to/older/lb-standalone.jar   also measure that jar (row "lbkit before"), for a
#                  before/after of a proxy-path change in the same run
#   BEFORE_ARGS="--engine netty"   extra flags for the BEFORE_JAR (e.g. to compare the Netty engine)
#   ONLY="lbkit lbkit-netty haproxy"   measure only these targets (lbkit, lbkit-before, lbkit-netty,
#                  lbkit-netty-sticky, jetty, gateway-default, gateway-lbkit, haproxy); the rest are not started
# On a 2-core machine wrk, the proxy and the backends share the cores: the figures compare the
# proxies under the same handicap, they are not the proxies' absolute capacity.
set -euo pipefail
cd "$(dirname "$0")"
. ./bench-common.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-1}
WARMUP=${WARMUP:-20s}
GATEWAY_WARMUP=${GATEWAY_WARMUP:-120s}
BACKEND_PORT=18181
LBKIT=127.0.0.1:18190
LBKIT_BEFORE=127.0.0.1:18193
JETTY=127.0.0.1:18191
HAPROXY=127.0.0.1:18192
SCG_DEFAULT=127.0.0.1:18194
SCG_LBKIT=127.0.0.1:18195
LBKIT_NETTY=127.0.0.1:18196
LBKIT_NETTY_STICKY=127.0.0.1:18197
ONLY=${ONLY:-}
BACKENDS="127.0.0.2:$BACKEND_PORT,127.0.0.3:$BACKEND_PORT,127.0.0.4:$BACKEND_PORT"
BENCH_JAR=${BENCH_JAR:-target/benchmarks.jar}
STANDALONE_JAR=${STANDALONE_JAR:-../lb-standalone/target/lb-standalone.jar}
GATEWAY_JAR=../examples/spring-cloud-gateway/target/spring-cloud-gateway-example.jar
OUT=target/proxy-bench
JAVA=${JAVA:-java}
JCMD=${JCMD:-jcmd}
JFR=${JFR:-jfr}

command -v wrk >/dev/null || { echo "proxy-bench.sh: wrk is missing; install it with: sudo apt-get install wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "proxy-bench.sh: curl is missing (sudo apt-get install curl)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "proxy-bench.sh: python3 is missing" >&2; exit 1; }
for tool in "$JCMD" "$JFR"; do # checked now, not after minutes of warm-up
  command -v "$tool" >/dev/null || { echo "proxy-bench.sh: $tool is missing (a full JDK has it; or set JCMD/JFR)" >&2; exit 1; }
done
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  (cd .. && ./mvnw -B -q -pl lb-core,lb-servlet,lb-standalone,lb-spring,examples/spring-cloud-gateway,lb-benchmarks -am \
    package -DskipTests)
fi

rm -rf "$OUT" && mkdir -p "$OUT"
kill_on_exit

# Allocation per request: JFR's per-thread allocation counters (1 s period, nothing else recorded),
# recording from JVM start: JFR.start on a running JVM makes it recompile, which slowed the first
# measured round. The events inside the measured window count (see the report below).
cat >"$OUT/alloc.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">1 s</setting></event>
</configuration>
JFC
JFR_AT_START=(-XX:StartFlightRecording=name=alloc,settings="$OUT/alloc.jfc")
cpu_ticks() { # pid: user and system CPU time of the whole process so far, in clock ticks (fields 14 and 15)
  awk '{ print $14, $15 }' "/proc/$1/stat"
}

wait_http() { # url, name (a gateway may take minutes to start on a busy machine)
  local deadline=$((SECONDS + 300))
  while ((SECONDS < deadline)); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "proxy-bench.sh: $2 did not answer at $1; see $OUT/$2.log" >&2
  exit 1
}

"$JAVA" -cp "$BENCH_JAR" io.lbkit.benchmarks.proxy.ProxyBenchServers backends "$BACKEND_PORT" 127.0.0.2 127.0.0.3 127.0.0.4 \
  >"$OUT/backends.log" 2>&1 & PIDS+=($!)
wait_http "http://127.0.0.2:$BACKEND_PORT/" backends

wanted() { [[ -z "$ONLY" || " $ONLY " == *" $1 "* ]]; }
TARGETS=()
declare -A JVM # target -> pid of a JVM, for the allocation figures
declare -A PID # target -> pid of the proxy process, for its CPU time
standalone() { # target, jar, listen address, extra flags...
  local t=$1 jar=$2 listen=$3
  shift 3
  "$JAVA" "${JFR_AT_START[@]}" -jar "$jar" --listen "$listen" --backend "$BACKENDS" --log-level warn "$@" \
    >"$OUT/$t.log" 2>&1 & PIDS+=($!)
  JVM[$t]=$!
  TARGETS+=("$t")
}
wanted lbkit && standalone lbkit "$STANDALONE_JAR" "$LBKIT" --engine servlet
if [[ -n "${BEFORE_JAR:-}" ]] && wanted lbkit-before; then
  [[ -f "$BEFORE_JAR" ]] || { echo "proxy-bench.sh: BEFORE_JAR $BEFORE_JAR does not exist" >&2; exit 1; }
  # shellcheck disable=SC2086 # BEFORE_ARGS is a list of flags
  standalone lbkit-before "$BEFORE_JAR" "$LBKIT_BEFORE" ${BEFORE_ARGS:-}
fi
wanted lbkit-netty && standalone lbkit-netty "$STANDALONE_JAR" "$LBKIT_NETTY" --engine netty
# sticky: wrk sends no cookie, so every answer gets a Set-Cookie (the costlier half of stickiness)
wanted lbkit-netty-sticky && standalone lbkit-netty-sticky "$STANDALONE_JAR" "$LBKIT_NETTY_STICKY" --engine netty \
  --cookie SRVID --cookie-key proxy-bench-key
if wanted jetty; then
  "$JAVA" "${JFR_AT_START[@]}" -cp "$BENCH_JAR" io.lbkit.benchmarks.proxy.ProxyBenchServers jetty-proxy "$JETTY" ${BACKENDS//,/ } \
    >"$OUT/jetty.log" 2>&1 & PIDS+=($!)
  JVM[jetty]=$!
  TARGETS+=(jetty)
fi
# Spring Cloud Gateway (Netty): one lb://whoami route to the same 3 backends, balanced by Spring Cloud
# LoadBalancer's default (round robin over the simple discovery client's list) or by lbkit (round
# robin); the example application with a configuration of its own (spring.config.location replaces
# its application.yml). With no lbkit.services, lb-spring's beans stay out of the route's way.
gateway_config() { # file, listen address, extra yaml
  cat >"$1" <<YML
server:
  address: ${2%:*}
  port: ${2#*:}
spring:
  main.banner-mode: "off"
  cloud.gateway.server.webflux.routes:
    - id: whoami
      uri: lb://whoami
      predicates: [ "Path=/**" ]
logging.level.root: WARN
$3
YML
}
gateway_config "$OUT/gateway-default.yml" "$SCG_DEFAULT" "spring.cloud.discovery.client.simple.instances.whoami:
$(for b in ${BACKENDS//,/ }; do echo "  - uri: http://$b"; done)"
gateway_config "$OUT/gateway-lbkit.yml" "$SCG_LBKIT" "lbkit.services.whoami.backend: $BACKENDS"
for g in gateway-default gateway-lbkit; do
  wanted "$g" || continue
  "$JAVA" "${JFR_AT_START[@]}" -jar "$GATEWAY_JAR" --spring.config.location="file:$OUT/$g.yml" >"$OUT/$g.log" 2>&1 & PIDS+=($!)
  JVM[$g]=$!
  TARGETS+=("$g")
done
if ! wanted haproxy; then
  :
elif command -v haproxy >/dev/null; then
  # the article's backend, with the servers given statically (no DNS in a throughput test)
  haproxy_config "$OUT/haproxy.cfg" "$HAPROXY" "$BACKEND_PORT"
  haproxy -f "$OUT/haproxy.cfg" -db >"$OUT/haproxy.log" 2>&1 & PIDS+=($!)
  PID[haproxy]=$!
  TARGETS+=(haproxy)
else
  echo "proxy-bench.sh: haproxy not installed (sudo apt-get install haproxy); measuring the JVM proxies only" >&2
fi
declare -A ADDR=([lbkit]=$LBKIT [lbkit-before]=$LBKIT_BEFORE [jetty]=$JETTY [haproxy]=$HAPROXY
  [gateway-default]=$SCG_DEFAULT [gateway-lbkit]=$SCG_LBKIT [lbkit-netty]=$LBKIT_NETTY
  [lbkit-netty-sticky]=$LBKIT_NETTY_STICKY)
for t in "${!JVM[@]}"; do PID[$t]=${JVM[$t]}; done
for t in "${TARGETS[@]}"; do wait_http "http://${ADDR[$t]}/" "$t"; done

# warm up the backends' JVM on its own first: until its JIT settles it, not the proxy, limits every target
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$WARMUP" "http://127.0.0.2:$BACKEND_PORT/" >/dev/null
for t in "${TARGETS[@]}"; do # warm up each (JIT) before any measured round
  warmup=$WARMUP
  [[ $t == gateway-* ]] && warmup=$GATEWAY_WARMUP
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$warmup" "http://${ADDR[$t]}/" >/dev/null
done
date +%s.%N >"$OUT/measured-from" # JFR's events count from here to measured-to
# each round starts with a different target: throughput drifts on a shared VM, and a fixed order
# would hand the same position (and the same drift) to the same proxy every round
for round in $(seq 1 "$ROUNDS"); do
  n=${#TARGETS[@]}
  for ((k = 0; k < n; k++)); do
    t=${TARGETS[$(((round - 1 + k) % n))]}
    echo "== round $round: $t"
    read -r user_before sys_before < <(cpu_ticks "${PID[$t]}")
    wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://${ADDR[$t]}/" >"$OUT/$t-$round.txt" \
      || { echo "proxy-bench.sh: wrk against $t failed; see $OUT/$t-$round.txt and $OUT/$t.log" >&2; exit 1; }
    read -r user_after sys_after < <(cpu_ticks "${PID[$t]}")
    echo "$((user_after - user_before)) $((sys_after - sys_before))" >>"$OUT/$t-cpu-ticks"
    grep -E "Requests/sec|^ +(50|99)%|Non-2xx|Socket errors" "$OUT/$t-$round.txt" || true
  done
done

date +%s.%N >"$OUT/measured-to"

for t in "${!JVM[@]}"; do
  "$JCMD" "${JVM[$t]}" JFR.dump name=alloc filename="$OUT/$t-alloc.jfr" >/dev/null
  "$JFR" print --json --events jdk.ThreadAllocationStatistics "$OUT/$t-alloc.jfr" >"$OUT/$t-alloc.json"
done

python3 - "$OUT" "$ROUNDS" "$DURATION" "$CONNECTIONS" "$WRK_THREADS" "$(getconf CLK_TCK)" "${TARGETS[@]}" \
  >"$OUT/proxy-results.md" <<'PY'
import datetime, json, re, statistics, sys
out, rounds, duration, conns, threads, clk_tck, *targets = sys.argv[1:]
label = {"lbkit": "lbkit standalone (servlet engine)", "lbkit-before": "lbkit standalone, before (BEFORE_JAR)",
         "lbkit-netty": "lbkit standalone, Netty engine",
         "lbkit-netty-sticky": "lbkit standalone, Netty engine, sticky cookie (Set-Cookie on every answer)",
         "jetty": "Jetty 12 ProxyServlet (ee10), round robin",
         "gateway-default": "Spring Cloud Gateway, default load balancer (round robin)",
         "gateway-lbkit": "Spring Cloud Gateway with lbkit (lb-spring, round robin)", "haproxy": "HAProxy"}
measured_from = float(open(f"{out}/measured-from").read())
measured_to = float(open(f"{out}/measured-to").read())
def epoch(text):  # JFR's "2026-01-02T03:04:05.123456789Z"
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$", text)
    base = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return base.timestamp() + float(m.group(2) or 0)
def ms(text):
    v, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
def alloc_per_request(t, requests):
    try:
        events = json.load(open(f"{out}/{t}-alloc.json"))["recording"]["events"]
    except FileNotFoundError:
        return None  # not a JVM (HAProxy)
    # per thread: its counter at the last event before the measured window (0 for a thread started
    # inside it) to the first event after it (its last value for a thread that ended inside it)
    before, after, last, counted = {}, {}, {}, set()
    for e in sorted(events, key=lambda e: e["values"]["startTime"]):
        v = e["values"]
        if not v.get("thread"):
            continue  # a thread JFR no longer names (it ended before the chunk was written)
        tid, allocated, at = v["thread"]["javaThreadId"], v["allocated"], epoch(v["startTime"])
        if at <= measured_from:
            before[tid] = allocated
        elif at >= measured_to:
            after.setdefault(tid, allocated)
        if at < measured_to:
            counted.add(tid)  # a thread first seen after the window is not counted
        last[tid] = allocated
    return sum(after.get(tid, last[tid]) - before.get(tid, 0) for tid in counted) / requests
rows = {}
for t in targets:
    rps, p50, p99, errors = [], [], [], 0
    for r in range(1, int(rounds) + 1):
        text = open(f"{out}/{t}-{r}.txt").read()
        rps.append(float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)))
        p50.append(ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1)))
        p99.append(ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)))
        m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        errors += int(m.group(1)) if m else 0
        m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
        errors += sum(map(int, m.groups())) if m else 0
    requests = sum(int(re.search(r"(\d+) requests in", open(f"{out}/{t}-{r}.txt").read()).group(1))
                   for r in range(1, int(rounds) + 1))
    ticks = [tuple(map(int, l.split())) for l in open(f"{out}/{t}-cpu-ticks") if l.strip()]
    cpu_us = tuple(sum(x[i] for x in ticks) * 1e6 / int(clk_tck) / requests for i in (0, 1))  # user, system
    rows[t] = (rps, p50, p99, errors, alloc_per_request(t, requests), cpu_us)
# ratios per round (the proxies of one round ran back to back), then the median: robust to drift
def ratio(t, to="lbkit"):
    if to not in rows:
        return float("nan")  # ONLY left the reference out
    return statistics.median(a / b for a, b in zip(rows[t][0], rows[to][0]))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
ncpu = sum(1 for l in open("/proc/cpuinfo") if l.startswith("processor"))
print("## Proxy throughput (proxy-bench.sh)\n")
print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; {cpu} x {ncpu}; loopback; 3 backends (Jetty, fixed"
      f" 40-byte body) on 127.0.0.2-4; `wrk -t{threads} -c{conns} -d{duration} --latency`, {rounds} interleaved rounds"
      " per proxy after a warm-up, each round starting with the next proxy; medians over the rounds (range in brackets);"
      " req/s vs lbkit is the median of the per-round ratios. wrk, proxy and backends share the"
      " machine's cores. req/s vs HAProxy likewise. CPU: the proxy process's user + system time (/proc/PID/stat, all its threads) during its"
      " own measured runs / requests it served. Allocation: JFR per-thread counters over the measured rounds /"
      " requests served (JVMs only; JFR records from JVM start).\n")
print("| proxy | req/s | p50 ms | p99 ms | errors | req/s vs lbkit | req/s vs HAProxy"
      " | proxy CPU µs / request (user / sys) | KB allocated / request |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for t in targets:
    rps, p50, p99, errors, alloc, (user_us, sys_us) = rows[t]
    med = statistics.median(rps)
    print(f"| {label[t]} | {med:,.0f} [{min(rps):,.0f}-{max(rps):,.0f}] | {statistics.median(p50):.2f} | {statistics.median(p99):.2f}"
          f" | {errors} | {ratio(t):.2f} | {ratio(t, 'haproxy'):.2f} | {user_us + sys_us:.1f} ({user_us:.1f} / {sys_us:.1f})"
          f" | {'-' if alloc is None else f'{alloc / 1024:.2f}'} |")
print()
if "gateway-default" in rows and "gateway-lbkit" in rows:
    r = ratio("gateway-lbkit", "gateway-default")
    per_round = ", ".join(f"{a / b:.2f}" for a, b in zip(rows["gateway-lbkit"][0], rows["gateway-default"][0]))
    print(f"Spring Cloud Gateway with lbkit vs its default load balancer: {r:.2f}x the req/s (median of the"
          f" per-round ratios {per_round}; target: at least 0.97).\n")
PY
mv "$OUT/proxy-results.md" proxy-results.md # only a complete table replaces the last one
cat proxy-results.md
# RESULTS.md: replace an earlier proxy section, keep the rest
if [[ -f RESULTS.md ]]; then
  python3 - <<'PY'
text = open("RESULTS.md").read()
start = text.find("## Proxy throughput")
if start >= 0:
    end = text.find("\n## ", start + 1)
    text = text[:start] + (text[end + 1:] if end >= 0 else "")
open("RESULTS.md", "w").write(text.rstrip() + "\n\n" + open("proxy-results.md").read())
PY
fi
echo "== wrote $(pwd)/proxy-results.md and appended it to RESULTS.md"
