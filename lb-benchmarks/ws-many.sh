#!/usr/bin/env bash
# 1,000 concurrent WebSocket tunnels through the filter in Jetty and Tomcat (CI runs 200):
# TunnelTest#manyConcurrentTunnels with -Dlbkit.tunnels=N. Prints the heap used with all of them open.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000}"
./mvnw -B -o -pl lb-servlet -am test -Djacoco.skip=true -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest='TunnelTest#manyConcurrentTunnels' -Dlbkit.tunnels="$N" | grep -E 'tunnels open|Tests run:|FAIL|BUILD'
