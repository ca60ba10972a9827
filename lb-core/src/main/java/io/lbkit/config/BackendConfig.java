package io.lbkit.config;

import io.lbkit.balance.LeastConnectionsBalancer;
import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.cookie.CookieOptions;
import io.lbkit.cookie.StickyCookieBalancer;
import io.lbkit.core.Balancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.GroupOptions;
import io.lbkit.core.ServerGroup;
import io.lbkit.dns.DnsEndpointSource;
import io.lbkit.dns.DnsOptions;
import io.lbkit.health.HealthChecker;
import io.lbkit.health.HealthOptions;
import io.lbkit.internal.HostPort;
import io.lbkit.option.Option;
import io.lbkit.option.OptionException;
import io.lbkit.option.OptionSet;
import io.lbkit.option.Section;
import io.lbkit.session.RouteSuffixBalancer;
import io.lbkit.session.SessionOptions;
import io.lbkit.session.StickStore;
import io.lbkit.session.StickStoreProvider;
import io.lbkit.session.StickTableBalancer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole backend from options, without any container: the server group, its discovery (a static
 * list or DNS), its health checks and its balancer with the persistence mode. Adapters (the servlet
 * filter, and next Spring or Netty) parse their own options and hand the rest here.
 *
 * <pre>{@code
 * BackendConfig config = BackendConfig.parse(Map.of("backend", "tasks.whoami:80", "check", "tcp"));
 * Balancer balancer = config.createBalancer(); // close with balancer.group().close()
 * }</pre>
 *
 * <p>The options are those of {@link #options()}: {@code backend}, {@code name}, {@code balance}
 * and the options of {@link GroupOptions}, {@link DnsOptions}, {@link HealthOptions},
 * {@link CookieOptions} and {@link SessionOptions}, plus those of every {@link StickStoreProvider} on
 * the classpath ({@code peers} and friends with lb-peers-hazelcast). Immutable once parsed.
 */
public final class BackendConfig {
  private static final Logger log = LoggerFactory.getLogger(BackendConfig.class);

  private static final String BACKEND_FORMS =
      "ip:port[,ip:port...], a DNS name host:port or an SRV name _service._proto.name";
  private static final List<String> PERSISTENCE = List.of("cookie", "stick-on", "route-suffix");

  private static final Option<Draft, String> BACKEND = Option.define(Section.BACKEND, "backend",
          "Where the servers are: ip:port[,ip:port...] (static), a DNS name host:port (A/AAAA), or an SRV name"
              + " _service._proto.name. Required.")
      .label("servers").text(Draft::backend);

  private static final Option<Draft, String> NAME = Option.define(Section.BACKEND, "name",
          "Backend name, shown on the stats page and in logs.")
      .defaultText("backend").label("name").text((Draft d, String v) -> d.name = v);

  private static final Option<Draft, Function<ServerGroup, Balancer>> BALANCE = Option.define(Section.BACKEND,
          "balance", "Balancing algorithm: roundrobin (smooth weighted) or leastconn (fewest requests in flight per"
              + " weight); also the persistence modes' fallback.")
      .defaultText("roundrobin").label("roundrobin|leastconn")
      .parsed(BackendConfig::balanceAlgorithm, (Draft d, Function<ServerGroup, Balancer> f) -> d.balance = f);

  private static final OptionSet<Draft> OWN = OptionSet.of("backend", BACKEND, NAME, BALANCE);

  /** Modules on the classpath that share stick tables across instances, with their options (read once). */
  private static final List<StickStoreProvider> STORES = stickStoreProviders();
  private static final List<Option<?, ?>> OPTIONS = List.copyOf(OptionSet.catalog(sets()));
  private static final Map<String, Option<?, ?>> BY_NAME = byName(OPTIONS);

  private final Map<String, String> params;
  private final String backend;
  private final List<Endpoint> staticEndpoints;
  private final ServerGroup.Builder group;
  private final DnsEndpointSource.Builder dns;
  private final HealthChecker.Builder health;
  private final Function<ServerGroup, Balancer> balancer;

  /** The options of a backend, in help order (sections: backend, DNS, health, cookie, session; and timeout-connect). */
  public static List<Option<?, ?>> options() {
    return OPTIONS;
  }

  /** The option named {@code name}, or null. */
  public static Option<?, ?> option(String name) {
    return BY_NAME.get(name);
  }

  /** Every option name {@link #parse} accepts, sorted. */
  public static Set<String> knownKeys() {
    return Collections.unmodifiableSet(new TreeSet<>(BY_NAME.keySet()));
  }

  /**
   * Parses a backend's options. Keys and values are trimmed; an empty value counts as absent.
   *
   * @throws OptionException for the first unknown key, missing required option, bad value or
   *     options that do not go together, naming the option
   */
  public static BackendConfig parse(Map<String, String> raw) {
    return new BackendConfig(OptionSet.normalize(raw, BY_NAME.keySet()));
  }

  private BackendConfig(Map<String, String> p) {
    this.params = Collections.unmodifiableMap(new LinkedHashMap<>(p));
    Draft draft = OWN.setAll(new Draft(), p);
    if (draft.backend == null) {
      throw OptionException.notSet("backend", BACKEND_FORMS);
    }
    this.backend = draft.backendText;
    this.staticEndpoints = draft.staticEndpoints;
    this.group = GroupOptions.ALL.setAll(ServerGroup.builder(draft.name), p);

    if (staticEndpoints == null) {
      DnsEndpointSource.Builder b = draft.srv ? DnsEndpointSource.builder(draft.backendText)
          : DnsEndpointSource.builder(draft.backend.host(), draft.backend.port());
      this.dns = DnsOptions.ALL.setAll(b, p);
    } else {
      ignored(p, DnsOptions.ALL.names(), "backend '" + backend + "' is a static list (no DNS discovery)");
      this.dns = null;
      group.endpoints(staticEndpoints);
    }

    if (p.containsKey(HealthOptions.CHECK.name())) {
      this.health = HealthOptions.ALL.setAll(HealthChecker.builder(), p);
    } else {
      List<String> healthKeys = new ArrayList<>();
      for (Option<?, ?> o : OPTIONS) {
        if (o.section().equals(Section.HEALTH)) {
          healthKeys.add(o.name());
        }
      }
      ignored(p, healthKeys, "no check is set (health checks are off)");
      this.health = null;
    }
    this.balancer = persistence(p, draft.balance);
  }

  private static List<Iterable<? extends Option<?, ?>>> sets() {
    List<Iterable<? extends Option<?, ?>>> sets = new ArrayList<>(List.of(OWN, DnsOptions.ALL, HealthOptions.ALL,
        GroupOptions.ALL, CookieOptions.ALL, SessionOptions.STICK_TABLE_OPTIONS, SessionOptions.ROUTE_OPTIONS));
    for (StickStoreProvider provider : STORES) {
      sets.add(provider.options());
    }
    return sets;
  }

  private static List<StickStoreProvider> stickStoreProviders() {
    List<StickStoreProvider> providers = new ArrayList<>();
    ServiceLoader.load(StickStoreProvider.class, BackendConfig.class.getClassLoader()).forEach(providers::add);
    return List.copyOf(providers);
  }

  /** The stick table, shared through the one provider whose options are set, if any. */
  private static Function<ServerGroup, Balancer> stickTable(Map<String, String> p, Function<ServerGroup, Balancer> base) {
    StickTableBalancer.Builder table = SessionOptions.STICK_TABLE_OPTIONS.setAll(StickTableBalancer.builder(), p)
        .fallback(base);
    for (StickStoreProvider provider : STORES) {
      StickStore.Factory store = provider.factory(p);
      if (store != null) {
        table.stickStore(store);
      }
    }
    return table::build;
  }

  /** The persistence mode: sticky cookie, stick table, route suffix, or none (plain {@code balance}). One at most. */
  private static Function<ServerGroup, Balancer> persistence(Map<String, String> p,
      Function<ServerGroup, Balancer> base) {
    List<String> modes = new ArrayList<>();
    for (String key : PERSISTENCE) {
      if (p.containsKey(key)) {
        modes.add(key);
      }
    }
    if (modes.size() > 1) {
      throw OptionException.conflict(modes.get(1), modes.get(0),
          "one persistence mode: cookie, stick-on or route-suffix");
    }
    if (p.containsKey("cookie")) {
      if (!p.containsKey("cookie-key")) {
        throw OptionException.notSet("cookie-key",
            "one or more secret keys, comma-separated, the first signs; required with cookie");
      }
      return CookieOptions.ALL.setAll(StickyCookieBalancer.builder(), p).fallback(base)::build;
    }
    ignored(p, CookieOptions.ALL.names(), "no cookie is set (stickiness is off)");
    if (p.containsKey("stick-on")) {
      return stickTable(p, base);
    }
    if (p.containsKey("route-suffix")) {
      return SessionOptions.ROUTE_OPTIONS.setAll(RouteSuffixBalancer.builder(), p).fallback(base)::build;
    }
    List<String> tableOnly = new ArrayList<>(List.of("stick-table-size", "stick-table-expire", "stick-table-key-max",
        "route-cookie"));
    for (StickStoreProvider provider : STORES) {
      provider.options().forEach(o -> tableOnly.add(o.name()));
    }
    ignored(p, tableOnly, "its persistence mode is not set");
    return base;
  }

  private static void ignored(Map<String, String> p, Iterable<String> keys, String why) {
    for (String key : keys) {
      if (p.containsKey(key)) {
        log.warn("{}: ignored, {}", key, why);
      }
    }
  }

  /**
   * Builds the live server group and its balancer ({@code balance}: round robin or least
   * connections, under the persistence mode when one is set), with DNS discovery and health checks
   * attached to the group. The caller owns the group: close it with {@code balancer.group().close()}.
   *
   * @throws OptionException when options do not go together (e.g. SameSite None without Secure)
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

  /** The {@code backend} value as given. */
  public String backend() {
    return backend;
  }

  /** The endpoints of a static {@code backend} list, or null when it is a DNS name. */
  public List<Endpoint> staticEndpoints() {
    return staticEndpoints;
  }

  /** The options as parsed (trimmed, empty ones dropped), in the order given. */
  public Map<String, String> parameters() {
    return params;
  }

  /** Every option, secrets masked; for logs. */
  @Override
  public String toString() {
    return masked(params, BY_NAME);
  }

  /** {@code key=value, ...} with the values of secret options as {@code <masked>}. */
  public static String masked(Map<String, String> params, Map<String, ? extends Option<?, ?>> options) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : params.entrySet()) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      Option<?, ?> o = options.get(e.getKey());
      sb.append(e.getKey()).append('=').append(o != null && o.secret() ? "<masked>" : e.getValue());
    }
    return sb.toString();
  }

  /** The options by name, for {@link #masked}. */
  public static Map<String, Option<?, ?>> byName(List<Option<?, ?>> options) {
    Map<String, Option<?, ?>> map = new LinkedHashMap<>();
    for (Option<?, ?> o : options) {
      map.put(o.name(), o);
    }
    return Collections.unmodifiableMap(map);
  }

  private static Function<ServerGroup, Balancer> balanceAlgorithm(String balance) {
    switch (balance.toLowerCase(Locale.ROOT)) {
      case "roundrobin":
        return RoundRobinBalancer::create;
      case "leastconn":
        return LeastConnectionsBalancer::create;
      default:
        throw new OptionException("balance", balance, "roundrobin or leastconn");
    }
  }

  /** The backend-level values while parsing. */
  private static final class Draft {
    String backendText;
    HostPort backend;
    boolean srv;
    List<Endpoint> staticEndpoints;
    String name = "backend";
    Function<ServerGroup, Balancer> balance = RoundRobinBalancer::create;

    /** A static list when every entry is an IP literal with a port; else one DNS name (A/AAAA or SRV). */
    void backend(String value) {
      backendText = value;
      if (value.startsWith("_")) {
        srv = true;
        backend = new HostPort(value, 0);
        return;
      }
      List<HostPort> entries = new ArrayList<>();
      for (String part : value.split(",")) {
        if (!part.isBlank()) {
          entries.add(HostPort.parse("backend", part.trim(), 1, -1, BACKEND_FORMS));
        }
      }
      if (entries.isEmpty()) {
        throw new OptionException("backend", value, BACKEND_FORMS);
      }
      if (entries.size() == 1 && entries.get(0).literal() == null && !entries.get(0).isIpLiteral()) {
        backend = entries.get(0); // a DNS name
        return;
      }
      List<Endpoint> list = new ArrayList<>();
      for (HostPort hp : entries) {
        if (hp.literal() == null) {
          throw new OptionException("backend", value, "ip:port[,ip:port...] (IP literals only in a list), a DNS"
              + " name host:port or an SRV name _service._proto.name");
        }
        list.add(Endpoint.of(hp.literal(), hp.port()));
      }
      backend = entries.get(0);
      staticEndpoints = List.copyOf(list);
    }
  }
}
