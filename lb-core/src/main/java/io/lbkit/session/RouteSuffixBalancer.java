package io.lbkit.session;

import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.core.Balancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.Snapshot;
import io.lbkit.cookie.CookieHeaders;
import io.lbkit.internal.Checks;
import io.lbkit.option.OptionException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persistence on a session id that ends in {@code .<route>}, as Tomcat's {@code jvmRoute} and
 * Jetty's {@code workerName} make them ({@code JSESSIONID=8F3A…E1.node2}), the way mod_jk and
 * mod_proxy_balancer pin sessions. Routes map to servers by configuration ({@code route → server
 * name}) and by learning: when a server's {@code Set-Cookie} carries a session id with a route, that
 * route belongs to that server. A request whose route maps to a usable server goes there; any other
 * is balanced by the fallback.
 *
 * <p>Stateless for the client and nearly stateless here (one entry per route, not per session), so
 * any number of balancer instances agree once they know the routes. Selecting compares the suffix
 * in place against the known routes and allocates nothing.
 */
public final class RouteSuffixBalancer implements Balancer {
  private static final Logger log = LoggerFactory.getLogger(RouteSuffixBalancer.class);
  /** Learned routes are few (one per server); the cap only guards against a misbehaving backend. */
  static final int MAX_LEARNED_ROUTES = 4096;

  private final ServerGroup group;
  private final Balancer fallback;
  private final String cookieName;
  private final Map<String, String> configured;
  private final boolean learn;
  private final Map<String, Endpoint> learned = new LinkedHashMap<>();
  private Snapshot snapshot;
  private volatile Routes routes = new Routes(new String[0], new Selection[0]);

  private RouteSuffixBalancer(Builder b, ServerGroup group) {
    this.group = group;
    this.cookieName = b.cookieName;
    this.configured = Map.copyOf(b.routes);
    this.learn = b.learn;
    this.fallback = Objects.requireNonNull(b.fallback.apply(group), "fallback balancer");
    group.addListener(this::rebuild);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A retry on another server (redispatch) leaves the session's server: the fallback chooses. */
  @Override
  public Selection selectOther(RequestView request, Set<Server> tried) {
    return fallback.selectOther(RequestView.EMPTY, tried);
  }

  @Override
  public Selection select(RequestView request) {
    Routes r = routes;
    if (r.names.length > 0) {
      for (int h = 0, n = request.cookieHeaderCount(); h < n; h++) {
        String header = request.cookieHeader(h);
        for (long range = CookieHeaders.valueRange(header, cookieName, 0); range >= 0;
            range = CookieHeaders.valueRange(header, cookieName, CookieHeaders.end(range))) {
          Selection s = r.match(header, CookieHeaders.start(range), CookieHeaders.end(range));
          if (s != null) {
            return s;
          }
        }
      }
    }
    return fallback.select(request);
  }

  /** Learns the route of a session id the server issued; the header passes unchanged. */
  @Override
  public String backendSetCookie(Selection selection, String setCookie) {
    Server server = selection.server();
    String value = CookieHeaders.setCookieValue(setCookie, cookieName);
    if (!learn || server == null || server.endpoint() == null || value == null) {
      return setCookie;
    }
    int dot = value.lastIndexOf('.');
    if (dot > 0 && dot < value.length() - 1) {
      learn(value.substring(dot + 1), server);
    }
    return setCookie;
  }

  @Override
  public ServerGroup group() {
    return group;
  }

  /** The routes known now (configured and learned) and the server each maps to. */
  public synchronized Map<String, String> routes() {
    Map<String, String> out = new LinkedHashMap<>(configured);
    learned.forEach((route, endpoint) -> out.putIfAbsent(route, endpoint.authority()));
    return out;
  }

  private synchronized void learn(String route, Server server) {
    if (configured.containsKey(route) || server.endpoint().equals(learned.get(route))) {
      return;
    }
    if (learned.size() >= MAX_LEARNED_ROUTES && !learned.containsKey(route)) {
      log.warn("{}: more than {} session routes learned; ignoring route from {}", group.name(), MAX_LEARNED_ROUTES, server.name());
      return;
    }
    log.info("{}: session route '{}' is {}", group.name(), route, server.name());
    learned.put(route, server.endpoint());
    publish();
  }

  private synchronized void rebuild(Snapshot s) {
    snapshot = s;
    publish();
  }

  private void publish() {
    List<String> names = new ArrayList<>();
    List<Selection> selections = new ArrayList<>();
    for (Server server : snapshot.usable()) {
      for (Map.Entry<String, String> e : configured.entrySet()) {
        if (e.getValue().equals(server.name())) {
          names.add(e.getKey());
          selections.add(new Selection(server, null));
        }
      }
      learned.forEach((route, endpoint) -> {
        if (endpoint.equals(server.endpoint()) && !configured.containsKey(route)) {
          names.add(route);
          selections.add(new Selection(server, null));
        }
      });
    }
    routes = new Routes(names.toArray(new String[0]), selections.toArray(new Selection[0]));
  }

  private static final class Routes {
    final String[] names;
    final Selection[] selections;

    Routes(String[] names, Selection[] selections) {
      this.names = names;
      this.selections = selections;
    }

    /** The selection whose route is the suffix after the last '.' of value[start, end), or null. */
    Selection match(String header, int start, int end) {
      for (int i = 0; i < names.length; i++) {
        String route = names[i];
        int dot = end - route.length() - 1;
        if (dot > start && header.charAt(dot) == '.' && header.regionMatches(dot + 1, route, 0, route.length())) {
          return selections[i];
        }
      }
      return null;
    }
  }

  /** Builds a {@link RouteSuffixBalancer}. */
  public static final class Builder {
    private String cookieName = "JSESSIONID";
    private final Map<String, String> routes = new LinkedHashMap<>();
    private boolean learn = true;
    private Function<ServerGroup, ? extends Balancer> fallback = RoundRobinBalancer::create;

    private Builder() {}

    /** The session cookie (default {@code JSESSIONID}). */
    public Builder cookie(String cookieName) {
      this.cookieName = SessionOptions.ROUTE_COOKIE.check(cookieName);
      return this;
    }

    /** A route → server name pair ({@code jvm1 → whoami1}). */
    public Builder route(String route, String serverName) {
      if (route == null || route.isEmpty() || route.indexOf('.') >= 0 || route.chars().anyMatch(c -> c <= 32 || c >= 127 || c == ';')) {
        throw new OptionException("route-suffix", route, "route '" + route + "'",
            "a jvmRoute/workerName without dots or spaces", null);
      }
      if (serverName == null || serverName.isEmpty()) {
        throw new OptionException("route-suffix", route, "server for route '" + route + "' is empty",
            "a server name such as whoami1", null);
      }
      routes.put(route, serverName);
      return this;
    }

    /** Parses {@code route=server,route=server} ({@code jvm1=whoami1,jvm2=whoami2}). */
    public Builder routes(String list) {
      for (String pair : Checks.notNull("route-suffix", list).split(",")) {
        if (pair.isBlank()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new OptionException("route-suffix", pair.trim(), "route=server, e.g. jvm1=whoami1");
        }
        route(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
      }
      return this;
    }

    /** Learn routes from the servers' {@code Set-Cookie} headers (default true). */
    public Builder learn(boolean learn) {
      this.learn = learn;
      return this;
    }

    public Builder fallback(Function<ServerGroup, ? extends Balancer> fallback) {
      this.fallback = Checks.notNull("fallback", fallback);
      return this;
    }

    /**
     * Sets an option by its configuration name ({@code route-suffix}: {@code learn} or
     * {@code route=server,...}; {@code route-cookie}).
     *
     * @throws io.lbkit.option.OptionException for an unknown key or a bad value, naming both
     */
    public Builder set(String key, String value) {
      return SessionOptions.ROUTE_OPTIONS.set(this, key, value);
    }

    public RouteSuffixBalancer build(ServerGroup group) {
      Checks.notNull("group", group);
      if (routes.isEmpty() && !learn) {
        throw new OptionException("route-suffix", null, "no routes and learning off", "routes, learning, or both",
            null);
      }
      return new RouteSuffixBalancer(this, group);
    }
  }
}
