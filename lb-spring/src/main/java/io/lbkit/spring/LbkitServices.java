package io.lbkit.spring;

import io.lbkit.core.Balancer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The lbkit balancers of the application's service ids, one live group each, built at start-up
 * from {@code lbkit.services.<id>.*} (every option of the filter's table: {@code backend},
 * {@code slots}, {@code balance}, {@code cookie}, the DNS and health-check options...). Spring
 * Cloud LoadBalancer asks it for the balancer of {@code lb://<id>}; closing the application
 * context closes the groups (DNS queries and health checks stop).
 *
 * <p>Two defaults differ from the filter's: the group's {@code name} and the {@code server-prefix}
 * are the service id, so the instances of {@code whoami} are {@code whoami1}, {@code whoami2}...
 */
public final class LbkitServices implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LbkitServices.class);

  private final Map<String, Balancer> balancers;

  private LbkitServices(Map<String, Balancer> balancers) {
    this.balancers = Collections.unmodifiableMap(balancers);
  }

  /**
   * Builds a balancer per service id found under {@code lbkit.services}.
   *
   * @throws LbkitConfigurationException naming the first bad property; groups built before it are closed
   */
  public static LbkitServices create(Environment environment) {
    Map<String, Balancer> built = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Map<String, String>> e : LbkitOptions.services(environment).entrySet()) {
        String id = e.getKey();
        Map<String, String> options = new LinkedHashMap<>(e.getValue());
        options.putIfAbsent("name", id);
        options.putIfAbsent("server-prefix", id);
        Balancer balancer = LbkitOptions.createBalancer(LbkitOptions.SERVICES_PREFIX + "." + id, options);
        built.put(id, balancer);
        log.info("lbkit service '{}': {} servers {}", id, balancer.getClass().getSimpleName(),
            balancer.group().snapshot().servers());
      }
    } catch (RuntimeException e) {
      built.values().forEach(b -> b.group().close());
      throw e;
    }
    return new LbkitServices(built);
  }

  /** The service ids, in sorted order. */
  public Set<String> ids() {
    return balancers.keySet();
  }

  /** The balancer of service {@code id}, or null when {@code id} is not an lbkit service. */
  public Balancer balancer(String id) {
    return balancers.get(id);
  }

  /** Every balancer by service id. */
  public Map<String, Balancer> balancers() {
    return balancers;
  }

  /** Matches when at least one service id is configured under {@code lbkit.services}. */
  static final class IsConfigured implements Condition {
    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
      return Binder.get(context.getEnvironment()).bind(LbkitOptions.SERVICES_PREFIX,
          Bindable.mapOf(String.class, Object.class)).map(m -> !m.isEmpty()).orElse(false);
    }
  }

  /** Closes every group: DNS discovery and health checks stop. */
  @Override
  public void close() {
    for (Balancer b : balancers.values()) {
      b.group().close();
    }
  }
}
