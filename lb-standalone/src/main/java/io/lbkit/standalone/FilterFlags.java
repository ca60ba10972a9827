package io.lbkit.standalone;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Help text for the flags that are the filter's init-params. The flags themselves are generated
 * from the filter's parser ({@code LoadBalancerConfig.knownKeys()}), so a flag and an init-param
 * cannot drift apart; this table only adds a section, a value label and one line of help per name.
 * A name the parser knows but this table does not still becomes a flag (with a generic line), and
 * {@code FilterFlagsTest} fails until the table catches up.
 */
final class FilterFlags {
  /**
   * Help for one flag. A flag with a {@code bare} value may be given without one ({@code --check}
   * means {@code --check tcp}); null means a value is required.
   */
  record Help(String section, String label, String text, String bare) {}

  static final String BACKEND = "Backend and discovery";
  static final String DNS = "DNS resolver (when --backend is a name)";
  static final String CHECKS = "Health checks";
  static final String COOKIE = "Sticky cookie";
  static final String SESSION = "Persistence on the application's session (instead of --cookie)";
  static final String PROXY = "Proxying";
  static final String STATS = "Stats page";

  /** Section names in help order. */
  static final String[] SECTIONS = {BACKEND, DNS, CHECKS, COOKIE, SESSION, PROXY, STATS};

  private static final Map<String, Help> TABLE;

  static {
    Map<String, Help> t = new LinkedHashMap<>();
    t.put("backend", new Help(BACKEND, "servers",
        "Where the servers are: ip:port[,ip:port...], a DNS name host:port (A/AAAA), or an SRV name"
            + " _service._proto.name. Required (except with --demo).", null));
    t.put("name", new Help(BACKEND, "name", "Backend name, shown on the stats page and in logs (default: backend).", null));
    t.put("server-prefix", new Help(BACKEND, "prefix",
        "Server name prefix: slots are named prefix1..prefixN (HAProxy server-template name).", null));
    t.put("slots", new Help(BACKEND, "N",
        "Number of server slots filled from DNS (HAProxy server-template N); extra records are ignored.", null));
    t.put("balance", new Help(BACKEND, "algorithm", "Balancing algorithm: roundrobin (default) or leastconn (fewest requests in flight per weight).", null));

    t.put("nameserver", new Help(DNS, "host:port[,...]",
        "DNS server(s) to ask (default: the nameservers of /etc/resolv.conf).", null));
    t.put("resolve-prefer", new Help(DNS, "ipv4|ipv6|both",
        "Address family asked first for a plain name (default: ipv6, as HAProxy).", null));
    t.put("resolve-retries", new Help(DNS, "N", "Queries sent before a resolution counts as failed (default: 3).", null));
    t.put("timeout-resolve", new Help(DNS, "duration", "Interval between resolutions (default: 1s).", null));
    t.put("timeout-retry", new Help(DNS, "duration", "Wait before re-sending an unanswered query (default: 1s).", null));
    t.put("hold-valid", new Help(DNS, "duration", "How long a valid answer is trusted (default: 10s).", null));
    t.put("hold-nx", new Help(DNS, "duration", "How long the last good list survives NXDOMAIN (default: 30s).", null));
    t.put("hold-refused", new Help(DNS, "duration", "How long the last good list survives REFUSED (default: 30s).", null));
    t.put("hold-timeout", new Help(DNS, "duration",
        "How long the last good list survives an unanswered resolution (default: 30s).", null));
    t.put("hold-other", new Help(DNS, "duration",
        "How long the last good list survives other errors (SERVFAIL, empty, malformed; default: 30s).", null));
    t.put("hold-obsolete", new Help(DNS, "duration",
        "How long a server missing from the answers keeps its slot (default: 0s, as HAProxy).", null));
    t.put("accepted-payload-size", new Help(DNS, "bytes", "EDNS0 UDP payload size announced (default: 512).", null));
    t.put("respect-ttl", new Help(DNS, "on|off", "Also honour record TTLs (default: off, as HAProxy).", "on"));
    t.put("dns-failure", new Help(DNS, "keep|drop",
        "When DNS stays down past the hold timers: keep servers whose checks pass (default) or drop them (HAProxy).", null));

    t.put("check", new Help(CHECKS, "tcp|http|none",
        "Active health checks: tcp (TCP connect, HAProxy check), http (HAProxy option httpchk) or none;"
            + " a bare --check means tcp (default: off).", "tcp"));
    t.put("check-interval", new Help(CHECKS, "duration",
        "Time between checks of a server that is fully UP (HAProxy inter; default: 2s).", null));
    t.put("check-fastinter", new Help(CHECKS, "duration",
        "Time between checks while a server goes up or down (HAProxy fastinter; default: --check-interval).", null));
    t.put("check-downinter", new Help(CHECKS, "duration",
        "Time between checks of a server that is fully DOWN (HAProxy downinter; default: --check-interval).", null));
    t.put("check-timeout", new Help(CHECKS, "duration",
        "Once connected, how long an HTTP check waits for the status line (HAProxy timeout check).", null));
    t.put("check-method", new Help(CHECKS, "method", "HTTP check method (default: OPTIONS).", null));
    t.put("check-path", new Help(CHECKS, "path", "HTTP check request target (default: /).", null));
    t.put("check-version", new Help(CHECKS, "HTTP/1.0|HTTP/1.1", "HTTP check version (default: HTTP/1.0).", null));
    t.put("check-expect", new Help(CHECKS, "codes",
        "Status codes that pass an HTTP check: 200, 200-399, 200,204 (default: 200-399).", null));
    t.put("rise", new Help(CHECKS, "N", "Consecutive successful checks that bring a server UP (default: 2).", null));
    t.put("fall", new Help(CHECKS, "N", "Consecutive failed checks that take a server DOWN (default: 3).", null));
    t.put("observe", new Help(CHECKS, "layer4|none",
        "Passive checks: count failed requests (refused, reset, timeout) toward --fall (default: layer4).", null));
    t.put("error-limit", new Help(CHECKS, "N",
        "With --observe layer4: failed requests in a row that count as one failed check (default: 10).", null));

    t.put("cookie", new Help(COOKIE, "name", "Sticky cookie name, e.g. SRVID (default: none, no stickiness).", null));
    t.put("cookie-mode", new Help(COOKIE, "siphash|hmac|haproxy|prefix",
        "Cookie values: keyed SipHash (default), HMAC-SHA256, HAProxy's dynamic cookie, or prefix (a hash"
            + " prefixed to the application's own cookie, HAProxy cookie prefix).", null));
    t.put("cookie-key", new Help(COOKIE, "key[,key...]",
        "Secret key(s), comma-separated; the first signs, all are accepted (key rotation). Required with --cookie.", null));
    t.put("cookie-path", new Help(COOKIE, "path", "Cookie Path attribute (default: /).", null));
    t.put("cookie-domain", new Help(COOKIE, "domain", "Cookie Domain attribute (default: none).", null));
    t.put("cookie-max-age", new Help(COOKIE, "duration", "Cookie Max-Age (default: none, a session cookie).", null));
    t.put("cookie-httponly", new Help(COOKIE, "on|off", "Cookie HttpOnly attribute (default: on).", "on"));
    t.put("cookie-secure", new Help(COOKIE, "on|off", "Cookie Secure attribute (default: off).", "on"));
    t.put("cookie-samesite", new Help(COOKIE, "Lax|Strict|None", "Cookie SameSite attribute (default: Lax).", null));
    t.put("cookie-nocache", new Help(COOKIE, "on|off",
        "Mark responses that set the cookie as private to caches (default: off).", "on"));
    t.put("cookie-indirect", new Help(COOKIE, "on|off",
        "Strip the cookie from requests forwarded to the servers (default: on).", "on"));
    t.put("cookie-maxidle", new Help(COOKIE, "duration", "Ignore a cookie unused for longer (HAProxy maxidle).",
        null));
    t.put("cookie-maxlife", new Help(COOKIE, "duration",
        "Ignore a cookie first issued longer ago (HAProxy maxlife).", null));

    t.put("stick-on", new Help(SESSION, "cookie",
        "Stick table: remember which server issued this application cookie, e.g. JSESSIONID.", null));
    t.put("stick-table-size", new Help(SESSION, "N", "Stick table: maximum entries (default: 1000000).", null));
    t.put("stick-table-expire", new Help(SESSION, "duration", "Stick table: idle expiry (default: 30m).", null));
    t.put("route-suffix", new Help(SESSION, "route=server[,...]|learn",
        "Route on the session id's .route suffix (Tomcat jvmRoute): a map route=server, or learn.", null));
    t.put("route-cookie", new Help(SESSION, "cookie", "Route suffix: the session cookie (default: JSESSIONID).",
        null));

    t.put("mode", new Help(PROXY, "proxy|route", "proxy forwards requests (default); route only selects.", null));
    t.put("timeout-connect", new Help(PROXY, "duration", "Connect timeout to a server (default: 10s).", null));
    t.put("timeout-server", new Help(PROXY, "duration", "Inactivity timeout waiting for a server (default: 120s).", null));
    t.put("timeout-client", new Help(PROXY, "duration", "Inactivity timeout waiting for the client (default: 30s).", null));
    t.put("retries", new Help(PROXY, "N", "Connection attempts after the first failed one (default: 3).", null));
    t.put("redispatch", new Help(PROXY, "on|off", "Retry on another server (default: on).", "on"));
    t.put("forwardfor", new Help(PROXY, "on|off", "Append X-Forwarded-For (default: on).", "on"));
    t.put("preserve-host", new Help(PROXY, "on|off", "Forward the client's Host header (default: on).", "on"));

    t.put("stats-uri", new Help(STATS, "path", "Serve the stats page at this path, e.g. /my-stats (default: off).", null));
    t.put("stats-refresh", new Help(STATS, "duration", "Stats page refresh interval (default: 5s).", null));
    t.put("stats-auth", new Help(STATS, "user:password",
        "HTTP Basic protection for the stats page (it shows internal addresses).", null));
    TABLE = Collections.unmodifiableMap(t);
  }

  private FilterFlags() {}

  /** The help of {@code name}, or a generic line for a name this table does not know yet. */
  static Help help(String name) {
    Help h = TABLE.get(name);
    return h != null ? h : new Help(BACKEND, "value", "Filter init-parameter " + name + " (see docs/servlet.md).",
        null);
  }

  /** The names this table describes. */
  static Map<String, Help> table() {
    return TABLE;
  }
}
