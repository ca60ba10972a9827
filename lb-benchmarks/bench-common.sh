# Shell functions shared by proxy-bench.sh, ws-bench.sh and ws-many.sh; sourced, not run.

# Kills every pid in PIDS (append a background process's pid with PIDS+=($!)) when the script exits.
kill_on_exit() {
  PIDS=()
  trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
}

wait_port() { # host:port, what, [pid: gives up once it exits]
  for _ in $(seq 1 120); do
    [[ -n "${3:-}" ]] && ! kill -0 "$3" 2>/dev/null && return 1
    (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null && return 0
    sleep 0.5
  done
  return 1
}

# Writes an HAProxy configuration to FILE: round robin over the three backends 127.0.0.2-4 on
# BACKEND_PORT, listening on BIND; EXTRA lines go into "defaults" (e.g. "timeout tunnel 1h").
haproxy_config() { # file, bind address, backend port, [extra defaults lines]
  cat >"$1" <<CFG
global
    maxconn 4096
defaults
    timeout connect 10s
    timeout client 30s
    timeout server 120s${4:+
    $4}
    mode http
    option forwardfor
frontend fe
    bind $2
    default_backend be_whoami_service
backend be_whoami_service
    balance roundrobin
    server whoami1 127.0.0.2:$3
    server whoami2 127.0.0.3:$3
    server whoami3 127.0.0.4:$3
CFG
}
