#!/usr/bin/env bash
# Builds lbkit and this example, starts the standalone demo (its DNS server and whoami replicas),
# then Spring Cloud Gateway on http://127.0.0.1:10088 balancing lb://whoami with lbkit.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/../.."

./mvnw -q -DskipTests package -pl lb-standalone,examples/spring-cloud-gateway -am

log=$(mktemp -t lbkit-demo.XXXXXX)
java -jar lb-standalone/target/lb-standalone.jar --demo >"$log" 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null || true; rm -f "$log"' EXIT

# the demo prints "DNS server     127.0.0.1:<port>" once its replicas answer
for _ in $(seq 1 300); do
  dns=$(sed -n 's/^  DNS server *\(127\.0\.0\.1:[0-9]*\).*/\1/p' "$log")
  [ -n "$dns" ] && break
  kill -0 $demo 2>/dev/null || { cat "$log"; echo "the demo did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$dns" ] || { cat "$log"; echo "the demo printed no DNS server" >&2; exit 1; }
echo "demo: DNS server $dns, whoami replicas on 127.0.0.2-4:18080 (its own balancer: http://127.0.0.1:10087/)"

java -jar examples/spring-cloud-gateway/target/spring-cloud-gateway-example.jar \
  --lbkit.services.whoami.nameserver="$dns" "$@"
