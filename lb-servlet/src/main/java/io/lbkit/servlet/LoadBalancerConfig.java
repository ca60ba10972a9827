package io.lbkit.servlet;

import io.lbkit.balance.LeastConnectionsBalancer;
import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.cookie.CookieMode;
import io.lbkit.cookie.StickyCookieBalancer;
import io.lbkit.core.Balancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.ServerGroup;
import io.lbkit.dns.DnsEndpointSource;
import io.lbkit.health.HealthChecker;
import io.lbkit.session.RouteSuffixBalancer;
import io.lbkit.session.StickTableBalancer;
import io.lbkit.internal.Durations;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole configuration vocabulary in one place: filter init-params, and the standalone CLI's
 * flags without their {@code --}. {@link #parse(Map)} checks every key and value and fails with
 * one message naming the parameter and what it accepts; {@link #createBalancer()} then builds the
 * live group and its balancer, and {@link #options()} holds the filter's own options.
 *
 * <p>Keys: {@code backend} (required), {@code name}, {@code server-prefix}, {@code slots},
 * {@code balance}, {@code cookie}, {@code cookie-mode}, {@code cookie-key}, {@code cookie-path},
 * {@code cookie-domain}, {@code cookie-max-age}, {@code cookie-httponly}, {@code cookie-secure},
 * {@code cookie-samesite}, {@code cookie-nocache}, {@code cookie-indirect}, {@code cookie-maxidle},
 * {@code cookie-maxlife}, {@code stick-on}, {@code stick-table-size}, {@code stick-table-expire},
 * {@code route-suffix}, {@code route-cookie}, the health-check keys ({@link #CHECK_KEYS}: {@code check},
 * {@code check-interval}, {@code rise}, {@code fall}, ...), the resolver keys ({@link #DNS_KEYS}:
 * {@code nameserver}, {@code hold-valid}, ...), {@code mode}, {@code timeout-connect}, {@code timeout-server},
 * {@code timeout-client}, {@code retries}, {@code redispatch}, {@code forwardfor},
 * {@code preserve-host}, {@code stats-uri}, {@code stats-refresh}, {@code stats-auth}.
 * See {@code docs/servlet.md} for meanings and defaults.
 */
public final class LoadBalancerConfig {
  private static final Logger log = LoggerFactory.getLogger(LoadBalancerConfig.class);

  /** Keys of DNS discovery ({@link DnsEndpointSource.Builder#set}), used when {@code backend} is a DNS name. */
  public static final Set<String> DNS_KEYS = Collections.unmodifiableSet(new LinkedHashSet<>(
      DnsEndpointSource.Builder.KEYS));

  /** Keys of health checks ({@link HealthChecker.Builder#set}); {@code timeout-connect} is shared with the proxy. */
  public static final Set<String> CHECK_KEYS = Collections.unmodifiableSet(new TreeSet<>(HealthChecker.KEYS));

  private static final Set<String> GROUP_KEYS = Set.of("backend", "name", "server-prefix", "slots", "balance");
  private static final Set<String> COOKIE_KEYS = Set.of("cookie", "cookie-mode", "cookie-key", "cookie-path",
      "cookie-domain", "cookie-max-age", "cookie-httponly", "cookie-secure", "cookie-samesite", "cookie-nocache",
      "cookie-indirect", "cookie-maxidle", "cookie-maxlife");
  private static final Set<String> SESSION_KEYS = Set.of("stick-on", "stick-table-size", "stick-table-expire",
      "route-suffix", "route-cookie");
  private static final Set<String> FILTER_KEYS = Set.of("mode", "timeout-connect", "timeout-server", "timeout-client",
      "retries", "redispatch", "forwardfor", "preserve-host", "stats-uri", "stats-refresh", "stats-auth");

  private final Map<String, String> params;
  private final String backend;
  private final List<Endpoint> staticEndpoints;
  private final ServerGroup.Builder group;
  private final DnsEndpointSource.Builder dns;
  private final HealthChecker.Builder health;
  private final Function<ServerGroup, Balancer> balancer;
  private final FilterOptions options;

  private LoadBalancerConfig(Map<String, String> params, String backend, List<Endpoint> staticEndpoints,
      ServerGroup.Builder group, DnsEndpointSource.Builder dns, HealthChecker.Builder health,
      Function<ServerGroup, Balancer> balancer, FilterOptions options) {
    this.params = params;
    this.backend = backend;
    this.staticEndpoints = staticEndpoints;
    this.group = group;
    this.dns = dns;
    this.health = health;
    this.balancer = balancer;
    this.options = options;
  }

  /** Every key {@link #parse} accepts, sorted. */
  public static Set<String> knownKeys() {
    Set<String> all = new TreeSet<>();
    all.addAll(GROUP_KEYS);
    all.addAll(COOKIE_KEYS);
    all.addAll(SESSION_KEYS);
    all.addAll(CHECK_KEYS);
    all.addAll(DNS_KEYS);
    all.addAll(FILTER_KEYS);
    return Collections.unmodifiableSet(all);
  }

  /**
   * Parses a configuration. Values are trimmed; an empty value counts as absent.
   *
   * @throws IllegalArgumentException with one message, {@code name: value (expected: ...)}, for
   *     the first unknown key, missing required key or bad value found
   */
  public static LoadBalancerConfig parse(Map<String, String> raw) {
    Map<String, String> p = new LinkedHashMap<>();
    Set<String> known = knownKeys();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String key = e.getKey() == null ? "" : e.getKey().trim();
      if (!known.contains(key)) {
        throw new IllegalArgumentException(key + ": unknown parameter (expected: one of " + String.join(", ", known)
            + ")");
      }
      String value = e.getValue() == null ? "" : e.getValue().trim();
      if (!value.isEmpty()) {
        p.put(key, value);
      }
    }
    try {
      return parseKnown(p);
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static LoadBalancerConfig parseKnown(Map<String, String> p) {
    String backend = p.get("backend");
    if (backend == null) {
      throw new IllegalArgumentException("backend: not set (expected: ip:port[,ip:port...], a DNS name host:port or"
          + " an SRV name _service._proto.name)");
    }
    ServerGroup.Builder group = ServerGroup.builder(p.getOrDefault("name", "backend"));
    if (p.containsKey("server-prefix")) {
      group.serverPrefix(p.get("server-prefix"));
    }
    if (p.containsKey("slots")) {
      group.slots(p.getOrDefault("server-prefix", "srv"), integer(p, "slots"));
    }
    Function<ServerGroup, Balancer> base = balanceAlgorithm(p.getOrDefault("balance", "roundrobin"));

    List<Endpoint> staticEndpoints = staticList(backend);
    DnsEndpointSource.Builder dns = null;
    if (staticEndpoints == null) {
      try {
        dns = DnsEndpointSource.builder(backend);
      } catch (IllegalArgumentException e) {
        if (String.valueOf(e.getMessage()).startsWith("dns: ")) {
          throw e; // "dns: 'name' (expected: host:port ...)" already tells what a DNS backend looks like
        }
        // "port: 'x' in '...'" names no option: say it is the backend's
        throw new IllegalArgumentException("backend: '" + backend + "' (expected: ip:port[,ip:port...], host:port"
            + " or _service._proto.name; " + e.getMessage() + ")", e);
      }
      for (String key : DNS_KEYS) {
        if (p.containsKey(key)) {
          dns.set(key, p.get(key));
        }
      }
    } else {
      for (String key : DNS_KEYS) {
        if (p.containsKey(key)) {
          log.warn("{}: ignored, backend '{}' is a static list (no DNS discovery)", key, backend);
        }
      }
      group.endpoints(staticEndpoints);
    }

    HealthChecker.Builder health = null;
    if (p.containsKey("check")) {
      health = HealthChecker.builder();
      for (String key : CHECK_KEYS) {
        if (p.containsKey(key)) {
          health.set(key, p.get(key));
        }
      }
    } else {
      for (String key : CHECK_KEYS) {
        if (p.containsKey(key) && !key.equals("timeout-connect")) {
          log.warn("{}: ignored, no check is set (health checks are off)", key);
        }
      }
    }

    StickyCookieBalancer.Builder sticky = null;
    if (p.containsKey("cookie")) {
      sticky = StickyCookieBalancer.builder().cookie(p.get("cookie"));
      if (p.containsKey("cookie-mode")) {
        if (p.get("cookie-mode").equalsIgnoreCase("prefix")) {
          sticky.cookiePrefix(true);
        } else {
          try {
            sticky.cookieMode(CookieMode.parse(p.get("cookie-mode")));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cookie-mode: '" + p.get("cookie-mode")
                + "' (expected: siphash, hmac, haproxy or prefix)", e);
          }
        }
      }
      if (!p.containsKey("cookie-key")) {
        throw new IllegalArgumentException("cookie-key: not set (expected: one or more secret keys, comma-separated,"
            + " the first signs; required with cookie)");
      }
      List<String> keys = new ArrayList<>();
      for (String k : p.get("cookie-key").split(",")) {
        keys.add(k.trim());
      }
      sticky.cookieKey(keys);
      if (p.containsKey("cookie-path")) {
        sticky.cookiePath(p.get("cookie-path"));
      }
      if (p.containsKey("cookie-domain")) {
        sticky.cookieDomain(p.get("cookie-domain"));
      }
      if (p.containsKey("cookie-max-age")) {
        sticky.cookieMaxAge(Durations.parse("cookie-max-age", p.get("cookie-max-age")));
      }
      if (p.containsKey("cookie-httponly")) {
        sticky.cookieHttpOnly(bool(p, "cookie-httponly"));
      }
      if (p.containsKey("cookie-secure")) {
        sticky.cookieSecure(bool(p, "cookie-secure"));
      }
      if (p.containsKey("cookie-samesite")) {
        sticky.cookieSameSite(p.get("cookie-samesite"));
      }
      if (p.containsKey("cookie-nocache")) {
        sticky.cookieNocache(bool(p, "cookie-nocache"));
      }
      if (p.containsKey("cookie-indirect")) {
        sticky.cookieIndirect(bool(p, "cookie-indirect"));
      }
      if (p.containsKey("cookie-maxidle")) {
        sticky.cookieMaxIdle(Durations.parse("cookie-maxidle", p.get("cookie-maxidle")));
      }
      if (p.containsKey("cookie-maxlife")) {
        sticky.cookieMaxLife(Durations.parse("cookie-maxlife", p.get("cookie-maxlife")));
      }
    } else {
      for (String key : COOKIE_KEYS) {
        if (p.containsKey(key)) {
          log.warn("{}: ignored, no cookie is set (stickiness is off)", key);
        }
      }
    }

    Function<ServerGroup, Balancer> balancer = sessionBalancer(p, sticky, base);

    FilterOptions.Builder o = FilterOptions.builder();
    if (p.containsKey("mode")) {
      o.mode(Mode.parse(p.get("mode")));
    }
    if (p.containsKey("timeout-connect")) {
      o.timeoutConnect(Durations.parse("timeout-connect", p.get("timeout-connect")));
    }
    if (p.containsKey("timeout-server")) {
      o.timeoutServer(Durations.parse("timeout-server", p.get("timeout-server")));
    }
    if (p.containsKey("timeout-client")) {
      o.timeoutClient(Durations.parse("timeout-client", p.get("timeout-client")));
    }
    if (p.containsKey("retries")) {
      o.retries(integer(p, "retries"));
    }
    if (p.containsKey("redispatch")) {
      o.redispatch(bool(p, "redispatch"));
    }
    if (p.containsKey("forwardfor")) {
      o.forwardfor(bool(p, "forwardfor"));
    }
    if (p.containsKey("preserve-host")) {
      o.preserveHost(bool(p, "preserve-host"));
    }
    if (p.containsKey("stats-uri")) {
      o.statsUri(p.get("stats-uri"));
    }
    if (p.containsKey("stats-refresh")) {
      o.statsRefresh(Durations.parse("stats-refresh", p.get("stats-refresh")));
    }
    if (p.containsKey("stats-auth")) {
      o.statsAuth(p.get("stats-auth"));
    }
    FilterOptions options = o.build();
    if (options.hasStatsAuth() && options.statsUri() == null) {
      log.warn("stats-auth: ignored, no stats-uri is set");
    }
    return new LoadBalancerConfig(Collections.unmodifiableMap(p), backend, staticEndpoints, group, dns, health,
        balancer, options);
  }

  /** The persistence mode: sticky cookie, stick table, route suffix, or none (plain {@code balance}). One at most. */
  private static Function<ServerGroup, Balancer> sessionBalancer(Map<String, String> p,
      StickyCookieBalancer.Builder sticky, Function<ServerGroup, Balancer> base) {
    List<String> modes = new ArrayList<>();
    for (String key : List.of("cookie", "stick-on", "route-suffix")) {
      if (p.containsKey(key)) {
        modes.add(key);
      }
    }
    if (modes.size() > 1) {
      throw new IllegalArgumentException(modes.get(1) + ": set together with " + modes.get(0)
          + " (expected: one persistence mode: cookie, stick-on or route-suffix)");
    }
    if (sticky != null) {
      return sticky.fallback(base)::build;
    }
    if (p.containsKey("stick-on")) {
      StickTableBalancer.Builder table = StickTableBalancer.builder().stickOn(p.get("stick-on"));
      if (p.containsKey("stick-table-size")) {
        try {
          table.stickTableSize(Long.parseLong(p.get("stick-table-size")));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("stick-table-size: '" + p.get("stick-table-size")
              + "' (expected: an integer 1..1000000000)");
        }
      }
      if (p.containsKey("stick-table-expire")) {
        table.stickTableExpire(Durations.parse("stick-table-expire", p.get("stick-table-expire")));
      }
      return table.fallback(base)::build;
    }
    if (p.containsKey("route-suffix")) {
      RouteSuffixBalancer.Builder routes = RouteSuffixBalancer.builder();
      if (p.containsKey("route-cookie")) {
        routes.cookie(p.get("route-cookie"));
      }
      String value = p.get("route-suffix");
      if (!value.equalsIgnoreCase("learn")) {
        routes.routes(value);
      }
      return routes.fallback(base)::build;
    }
    for (String key : List.of("stick-table-size", "stick-table-expire", "route-cookie")) {
      if (p.containsKey(key)) {
        log.warn("{}: ignored, its persistence mode is not set", key);
      }
    }
    return base;
  }

  /** {@code balance}: how a request without persistence is balanced, and the persistence modes' fallback. */
  private static Function<ServerGroup, Balancer> balanceAlgorithm(String balance) {
    switch (balance.toLowerCase(java.util.Locale.ROOT)) {
      case "roundrobin":
        return RoundRobinBalancer::create;
      case "leastconn":
        return LeastConnectionsBalancer::create;
      default:
        throw new IllegalArgumentException("balance: '" + balance + "' (expected: roundrobin or leastconn)");
    }
  }

  /**
   * Builds the live server group and its balancer ({@code balance}: round robin or least
   * connections, under the persistence mode when one is set). The caller owns the group: close it with
   * {@code balancer.group().close()}.
   */
  public Balancer createBalancer() {
    ServerGroup g = group.build();
    try {
      Balancer b = balancer.apply(g);
      // attached to the group: closing the group stops them; DNS never fails on an unreachable server
      DnsEndpointSource source = dns == null ? null : dns.build(g);
      if (health != null) {
        if (source != null) {
          // HAProxy: a layer-4 check failure asks DNS again (reusing a result younger than hold-valid)
          health.onLayer4Failure(server -> source.triggerResolution());
        }
        health.build(g);
      }
      return b;
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
  }

  /** The filter's own options ({@code mode}, timeouts, retries, stats page...). */
  public FilterOptions options() {
    return options;
  }

  /** The {@code backend} value as given. */
  public String backend() {
    return backend;
  }

  /** The endpoints of a static {@code backend} list, or null when it is a DNS name. */
  public List<Endpoint> staticEndpoints() {
    return staticEndpoints;
  }

  /** The parameters as parsed (trimmed, empty ones dropped). */
  public Map<String, String> parameters() {
    return params;
  }

  /** Every parameter, secrets ({@code cookie-key}, {@code stats-auth}) masked; for logs. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : params.entrySet()) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      boolean secret = e.getKey().equals("cookie-key") || e.getKey().equals("stats-auth");
      sb.append(e.getKey()).append('=').append(secret ? "<masked>" : e.getValue());
    }
    return sb.toString();
  }

  /** The endpoints if every entry is an IP literal with a port; null if the value names a host. */
  private static List<Endpoint> staticList(String backend) {
    List<Endpoint> list = new ArrayList<>();
    for (String part : backend.split(",")) {
      String entry = part.trim();
      if (entry.isEmpty()) {
        continue;
      }
      String host = entry.startsWith("[") ? "::" : entry.lastIndexOf(':') < 0 ? entry
          : entry.substring(0, entry.lastIndexOf(':'));
      if (!host.isEmpty() && !isIpv4Literal(host) && !host.contains(":")) {
        return null;
      }
      try {
        list.add(Endpoint.parse(entry));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("backend: '" + backend + "' (expected: ip:port[,ip:port...]; " + e.getMessage()
            + ")", e);
      }
    }
    if (list.isEmpty()) {
      throw new IllegalArgumentException("backend: '" + backend + "' (expected: ip:port[,ip:port...])");
    }
    return list;
  }

  private static boolean isIpv4Literal(String host) {
    return host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
  }

  private static int integer(Map<String, String> p, String key) {
    try {
      return Integer.parseInt(p.get(key));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": '" + p.get(key) + "' (expected: an integer)");
    }
  }

  static boolean bool(Map<String, String> p, String key) {
    switch (p.get(key).toLowerCase(Locale.ROOT)) {
      case "on":
      case "true":
      case "yes":
        return true;
      case "off":
      case "false":
      case "no":
        return false;
      default:
        throw new IllegalArgumentException(key + ": '" + p.get(key) + "' (expected: on or off)");
    }
  }
}
