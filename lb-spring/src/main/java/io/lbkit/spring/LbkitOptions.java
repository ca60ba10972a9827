package io.lbkit.spring;

import io.lbkit.config.BackendConfig;
import io.lbkit.core.Balancer;
import io.lbkit.option.OptionException;
import io.lbkit.servlet.LoadBalancerConfig;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.core.env.Environment;

/**
 * The one bridge from Spring properties to lbkit's option parser: properties under a prefix are
 * collected as the parser's own names ({@code lbkit.services.whoami.cookie-key} is the option
 * {@code cookie-key} of service {@code whoami}), and a parser error is re-thrown with the
 * property's full name. No option is interpreted here.
 */
final class LbkitOptions {
  /** Where service ids live: {@code lbkit.services.<id>.<option>}. */
  static final String SERVICES_PREFIX = "lbkit.services";
  /** The servlet filter's options: {@code lbkit.filter.<option>}. */
  static final String FILTER_PREFIX = "lbkit.filter";
  /** The filter's own option beside the filter's init-params: where it is mapped. */
  static final String URL_PATTERNS = "url-patterns";

  private LbkitOptions() {
  }

  /** The options of every service id under {@value #SERVICES_PREFIX}, ids in sorted order. */
  static Map<String, Map<String, String>> services(Environment environment) {
    Binder binder = Binder.get(environment);
    Map<String, Map<String, String>> services = binder
        .bind(SERVICES_PREFIX, Bindable.mapOf(String.class, Object.class))
        .map(LbkitOptions::flattenServices)
        .orElseGet(Map::of);
    Map<String, Map<String, String>> withDashed = new TreeMap<>();
    services.forEach((id, options) -> withDashed.put(id,
        withDashedNames(binder, SERVICES_PREFIX + "." + id, options, BackendConfig.knownKeys())));
    return withDashed;
  }

  /** The servlet filter's options under {@value #FILTER_PREFIX} (empty when none is set). */
  static Map<String, String> filterOptions(Environment environment) {
    Set<String> known = new TreeSet<>(LoadBalancerConfig.knownKeys());
    known.add(URL_PATTERNS);
    return options(environment, FILTER_PREFIX, known);
  }

  /**
   * The options under {@code prefix} as a flat map of option name to value (empty when none is set).
   *
   * @param known the option names: a dashed one is also found as an environment variable
   */
  static Map<String, String> options(Environment environment, String prefix, Collection<String> known) {
    Binder binder = Binder.get(environment);
    Map<String, String> options = binder
        .bind(prefix, Bindable.mapOf(String.class, Object.class))
        .map(LbkitOptions::flatten)
        .orElseGet(Map::of);
    return withDashedNames(binder, prefix, options, known);
  }

  /**
   * The options with the dashed names bound one by one. An environment variable has no dashes:
   * Spring reads {@code LBKIT_SERVICES_WHOAMI_COOKIE_KEY} as {@code lbkit.services.whoami.cookie.key},
   * which binds as a nested map ({@code cookie} → {@code key}), and loses it altogether next to
   * {@code LBKIT_SERVICES_WHOAMI_COOKIE}. Binding the name {@code lbkit.services.whoami.cookie-key}
   * itself matches the variable (Spring's relaxed binding: {@code COOKIE_KEY} or {@code COOKIEKEY}),
   * so each dashed option is looked up by name and its dotted form dropped; a dotted name that is no
   * option is kept, for the parser to name as unknown.
   */
  private static Map<String, String> withDashedNames(Binder binder, String prefix, Map<String, String> flat,
      Collection<String> known) {
    Map<String, String> dashed = new LinkedHashMap<>();
    if (ConfigurationPropertyName.isValid(prefix)) {
      for (String option : known) {
        if (option.indexOf('-') >= 0 && !flat.containsKey(option)) {
          binder.bind(prefix + "." + option, String.class).ifBound(value -> dashed.put(option, value));
        }
      }
    }
    if (dashed.isEmpty()) {
      return flat;
    }
    Map<String, String> options = new LinkedHashMap<>();
    flat.forEach((key, value) -> {
      if (!dashed.containsKey(key.replace('.', '-'))) {
        options.put(key, value);
      }
    });
    options.putAll(dashed);
    return options;
  }

  private static Map<String, Map<String, String>> flattenServices(Map<String, Object> raw) {
    Map<String, Map<String, String>> services = new TreeMap<>();
    for (Map.Entry<String, Object> e : raw.entrySet()) {
      String id = e.getKey();
      if (!(e.getValue() instanceof Map)) {
        throw new LbkitConfigurationException(SERVICES_PREFIX + "." + id + ": '" + e.getValue()
            + "' (expected: options of service " + id + ", e.g. " + SERVICES_PREFIX + "." + id
            + ".backend=tasks." + id + ":80)");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> options = (Map<String, Object>) e.getValue();
      services.put(id, flatten(options));
    }
    return services;
  }

  /**
   * Option name to value. A nested map means the property name went on with a dot
   * ({@code cookie.key}), which no option has: it is kept joined so the parser names it unknown.
   */
  private static Map<String, String> flatten(Map<String, Object> raw) {
    Map<String, String> options = new LinkedHashMap<>();
    flattenInto(options, "", raw);
    return options;
  }

  private static void flattenInto(Map<String, String> into, String path, Map<?, ?> raw) {
    for (Map.Entry<?, ?> e : raw.entrySet()) {
      String key = path + e.getKey();
      if (e.getValue() instanceof Map) {
        flattenInto(into, key + ".", (Map<?, ?>) e.getValue());
      } else {
        into.put(key, e.getValue() == null ? "" : String.valueOf(e.getValue()));
      }
    }
  }

  /**
   * Parses a service's options (lb-core's {@link BackendConfig}: the filter's own options do not
   * apply to a service) and builds the live group and its balancer; the caller closes the group
   * ({@code balancer.group().close()}).
   *
   * @param prefix the properties' prefix, for messages ({@code lbkit.services.whoami})
   * @throws LbkitConfigurationException naming the property and the expected form
   */
  static Balancer createBalancer(String prefix, Map<String, String> options) {
    BackendConfig config;
    try {
      config = BackendConfig.parse(options);
    } catch (IllegalArgumentException e) {
      throw named(prefix, e);
    }
    return build(prefix, config::createBalancer);
  }

  /** Builds the live group and balancer of a parsed filter configuration; errors name the property. */
  static Balancer createBalancer(String prefix, LoadBalancerConfig config) {
    return build(prefix, config::createBalancer);
  }

  /** The full parse, for the servlet filter, which also needs the filter's own options. */
  static LoadBalancerConfig parse(String prefix, Map<String, String> options) {
    try {
      return LoadBalancerConfig.parse(options);
    } catch (IllegalArgumentException e) {
      throw named(prefix, e);
    }
  }

  private static Balancer build(String prefix, Supplier<Balancer> create) {
    try {
      return create.get();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw named(prefix, e);
    }
  }

  /**
   * The error as the user wrote the property: an {@link OptionException} is shown under the
   * property's full name ({@code lbkit.services.whoami.slots: 'x' (expected: ...)}); anything else
   * keeps its message, after the prefix.
   */
  private static LbkitConfigurationException named(String prefix, RuntimeException e) {
    if (e instanceof OptionException) {
      OptionException o = (OptionException) e;
      return new LbkitConfigurationException(o.message(prefix + "." + o.option()), e);
    }
    return new LbkitConfigurationException(prefix + ": " + e.getMessage(), e);
  }
}
