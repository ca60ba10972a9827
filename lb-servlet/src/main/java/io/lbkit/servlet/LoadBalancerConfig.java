package io.lbkit.servlet;

import io.lbkit.config.BackendConfig;
import io.lbkit.core.Balancer;
import io.lbkit.core.Endpoint;
import io.lbkit.option.Option;
import io.lbkit.option.OptionException;
import io.lbkit.option.OptionSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The filter's whole configuration: its own options ({@link FilterOptions#OPTIONS}: proxying and
 * the stats page) and a backend's ({@link BackendConfig}), as filter init-params or, with
 * {@code --}, the standalone's flags. {@link #parse(Map)} checks every key and value and fails with
 * an {@link OptionException} naming the parameter and what it accepts; {@link #createBalancer()}
 * then builds the live group and its balancer. Every name, with its meaning and default, is in
 * {@link #optionTable()} (and the README's configuration reference, rendered from it).
 */
public final class LoadBalancerConfig {
  private static final Logger log = LoggerFactory.getLogger(LoadBalancerConfig.class);

  private static final List<Option<?, ?>> TABLE = List.copyOf(OptionSet.catalog(
      List.of(FilterOptions.OPTIONS, BackendConfig.options()))); // the filter first: its proxy options lead
  private static final Map<String, Option<?, ?>> BY_NAME = BackendConfig.byName(TABLE);

  private final Map<String, String> params;
  private final BackendConfig backend;
  private final FilterOptions options;

  private LoadBalancerConfig(Map<String, String> params, BackendConfig backend, FilterOptions options) {
    this.params = params;
    this.backend = backend;
    this.options = options;
  }

  /** Every option, in help order: the backend's, then proxying and the stats page. */
  public static List<Option<?, ?>> optionTable() {
    return TABLE;
  }

  /** Every key {@link #parse} accepts, sorted. */
  public static Set<String> knownKeys() {
    return Collections.unmodifiableSet(new TreeSet<>(BY_NAME.keySet()));
  }

  /**
   * Parses a configuration. Values are trimmed; an empty value counts as absent.
   *
   * @throws OptionException with one message, {@code name: value (expected: ...)}, for the first
   *     unknown key, missing required key, bad value or conflict found
   */
  public static LoadBalancerConfig parse(Map<String, String> raw) {
    Map<String, String> p = OptionSet.normalize(raw, BY_NAME.keySet());
    Map<String, String> core = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : p.entrySet()) {
      if (BackendConfig.option(e.getKey()) != null) {
        core.put(e.getKey(), e.getValue());
      }
    }
    BackendConfig backend = BackendConfig.parse(core);
    FilterOptions options = FilterOptions.OPTIONS.setAll(FilterOptions.builder(), p).build();
    if (options.hasStatsAuth() && options.statsUri() == null) {
      log.warn("stats-auth: ignored, no stats-uri is set");
    }
    return new LoadBalancerConfig(Collections.unmodifiableMap(p), backend, options);
  }

  /**
   * Builds the live server group and its balancer ({@link BackendConfig#createBalancer()}). The
   * caller owns the group: close it with {@code balancer.group().close()}.
   */
  public Balancer createBalancer() {
    return backend.createBalancer();
  }

  /** The filter's own options ({@code mode}, timeouts, retries, stats page...). */
  public FilterOptions options() {
    return options;
  }

  /** The backend half of the configuration. */
  public BackendConfig backendConfig() {
    return backend;
  }

  /** The {@code backend} value as given. */
  public String backend() {
    return backend.backend();
  }

  /** The endpoints of a static {@code backend} list, or null when it is a DNS name. */
  public List<Endpoint> staticEndpoints() {
    return backend.staticEndpoints();
  }

  /** The parameters as parsed (trimmed, empty ones dropped). */
  public Map<String, String> parameters() {
    return params;
  }

  /** Every parameter, secrets ({@code cookie-key}, {@code stats-auth}) masked; for logs. */
  @Override
  public String toString() {
    return BackendConfig.masked(params, BY_NAME);
  }
}
