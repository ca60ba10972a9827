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
  /** Help for one flag. {@code onOff} flags may be given without a value, meaning {@code on}. */
  record Help(String section, String label, String text, boolean onOff) {}

  static final String BACKEND = "Backend and discovery";
  static final String DNS = "DNS resolver (when --backend is a name)";
  static final String CHECKS = "Health checks";
  static final String COOKIE = "Sticky cookie";
  static final String PROXY = "Proxying";
  static final String STATS = "Stats page";

  /** Section names in help order. */
  static final String[] SECTIONS = {BACKEND, DNS, CHECKS, COOKIE, PROXY, STATS};

  private static final Map<String, Help> TABLE;

  static {
    Map<String, Help> t = new LinkedHashMap<>();
    t.put("backend", new Help(BACKEND, "servers",
        "Where the servers are: ip:port[,ip:port...], a DNS name host:port (A/AAAA), or an SRV name"
            + " _service._proto.name. Required (except with --demo).", false));
    t.put("name", new Help(BACKEND, "name", "Backend name, shown on the stats page and in logs (default: backend).",
        false));
    t.put("server-prefix", new Help(BACKEND, "prefix",
        "Server name prefix: slots are named prefix1..prefixN (HAProxy server-template name).", false));
    t.put("slots", new Help(BACKEND, "N",
        "Number of server slots filled from DNS (HAProxy server-template N); extra records are ignored.", false));
    t.put("balance", new Help(BACKEND, "algorithm", "Balancing algorithm: roundrobin (default).", false));

    t.put("nameserver", new Help(DNS, "host:port[,...]",
        "DNS server(s) to ask (default: the nameservers of /etc/resolv.conf).", false));
    t.put("resolve-prefer", new Help(DNS, "ipv4|ipv6|both",
        "Address family asked first for a plain name (default: ipv6, as HAProxy).", false));
    t.put("resolve-retries", new Help(DNS, "N", "Queries sent before a resolution counts as failed (default: 3).",
        false));
    t.put("timeout-resolve", new Help(DNS, "duration", "Interval between resolutions (default: 1s).", false));
    t.put("timeout-retry", new Help(DNS, "duration", "Wait before re-sending an unanswered query (default: 1s).",
        false));
    t.put("hold-valid", new Help(DNS, "duration", "How long a valid answer is trusted (default: 10s).", false));
    t.put("hold-nx", new Help(DNS, "duration", "How long the last good list survives NXDOMAIN (default: 30s).",
        false));
    t.put("hold-refused", new Help(DNS, "duration", "How long the last good list survives REFUSED (default: 30s).",
        false));
    t.put("hold-timeout", new Help(DNS, "duration",
        "How long the last good list survives an unanswered resolution (default: 30s).", false));
    t.put("hold-other", new Help(DNS, "duration",
        "How long the last good list survives other errors (SERVFAIL, empty, malformed; default: 30s).", false));
    t.put("hold-obsolete", new Help(DNS, "duration",
        "How long a server missing from the answers keeps its slot (default: 0s, as HAProxy).", false));
    t.put("accepted-payload-size", new Help(DNS, "bytes", "EDNS0 UDP payload size announced (default: 512).",
        false));
    t.put("respect-ttl", new Help(DNS, "on|off", "Also honour record TTLs (default: off, as HAProxy).", true));
    t.put("dns-failure", new Help(DNS, "keep|drop",
        "When DNS stays down past the hold timers: keep servers whose checks pass (default) or drop them (HAProxy).",
        false));

    t.put("check", new Help(CHECKS, "on|off", "Active health checks: TCP connect, or HTTP with --check-http (default: off).",
        true));
    t.put("check-interval", new Help(CHECKS, "duration", "Time between checks of one server (HAProxy inter; default: 2s).",
        false));
    t.put("rise", new Help(CHECKS, "N", "Consecutive successes that bring a server UP (default: 2).", false));
    t.put("fall", new Help(CHECKS, "N", "Consecutive failures that take a server DOWN (default: 3).", false));
    t.put("error-limit", new Help(CHECKS, "N",
        "Consecutive request errors (connection refused, timeout) that count as a failed check (default: 10).", false));

    t.put("cookie", new Help(COOKIE, "name", "Sticky cookie name, e.g. SRVID (default: none, no stickiness).",
        false));
    t.put("cookie-mode", new Help(COOKIE, "siphash|hmac|haproxy",
        "How values are derived: keyed SipHash (default), HMAC-SHA256, or HAProxy's dynamic cookie.", false));
    t.put("cookie-key", new Help(COOKIE, "key[,key...]",
        "Secret key(s), comma-separated; the first signs, all are accepted (key rotation). Required with --cookie.",
        false));
    t.put("cookie-path", new Help(COOKIE, "path", "Cookie Path attribute (default: /).", false));
    t.put("cookie-domain", new Help(COOKIE, "domain", "Cookie Domain attribute (default: none).", false));
    t.put("cookie-max-age", new Help(COOKIE, "duration", "Cookie Max-Age (default: none, a session cookie).", false));
    t.put("cookie-httponly", new Help(COOKIE, "on|off", "Cookie HttpOnly attribute (default: on).", true));
    t.put("cookie-secure", new Help(COOKIE, "on|off", "Cookie Secure attribute (default: off).", true));
    t.put("cookie-samesite", new Help(COOKIE, "Lax|Strict|None", "Cookie SameSite attribute (default: Lax).", false));
    t.put("cookie-nocache", new Help(COOKIE, "on|off",
        "Mark responses that set the cookie as private to caches (default: off).", true));
    t.put("cookie-indirect", new Help(COOKIE, "on|off",
        "Strip the cookie from requests forwarded to the servers (default: on).", true));

    t.put("mode", new Help(PROXY, "proxy|route", "proxy forwards requests (default); route only selects.", false));
    t.put("timeout-connect", new Help(PROXY, "duration", "Connect timeout to a server (default: 10s).", false));
    t.put("timeout-server", new Help(PROXY, "duration", "Inactivity timeout waiting for a server (default: 120s).",
        false));
    t.put("timeout-client", new Help(PROXY, "duration", "Inactivity timeout waiting for the client (default: 30s).",
        false));
    t.put("retries", new Help(PROXY, "N", "Connection attempts after the first failed one (default: 3).", false));
    t.put("redispatch", new Help(PROXY, "on|off", "Retry on another server (default: on).", true));
    t.put("forwardfor", new Help(PROXY, "on|off", "Append X-Forwarded-For (default: on).", true));
    t.put("preserve-host", new Help(PROXY, "on|off", "Forward the client's Host header (default: on).", true));

    t.put("stats-uri", new Help(STATS, "path", "Serve the stats page at this path, e.g. /my-stats (default: off).",
        false));
    t.put("stats-refresh", new Help(STATS, "duration", "Stats page refresh interval (default: 5s).", false));
    t.put("stats-auth", new Help(STATS, "user:password",
        "HTTP Basic protection for the stats page (it shows internal addresses).", false));
    TABLE = Collections.unmodifiableMap(t);
  }

  private FilterFlags() {}

  /** The help of {@code name}, or a generic line for a name this table does not know yet. */
  static Help help(String name) {
    Help h = TABLE.get(name);
    return h != null ? h : new Help(BACKEND, "value", "Filter init-parameter " + name + " (see docs/servlet.md).",
        false);
  }

  /** The names this table describes. */
  static Map<String, Help> table() {
    return TABLE;
  }
}
