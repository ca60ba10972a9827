package io.lbkit.spring;

import io.lbkit.core.Balancer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What operators see of lbkit's backends (services and the servlet filter): Micrometer meters per
 * server, picked up by the application's registries (Prometheus through Actuator), and the
 * Actuator endpoint {@code lbkit}.
 */
@AutoConfiguration(after = {LbkitLoadBalancerAutoConfiguration.class, LbkitFilterAutoConfiguration.class})
public class LbkitObservabilityAutoConfiguration {

  /** Every lbkit balancer of the application, read when needed. */
  static Supplier<List<Balancer>> balancers(ObjectProvider<LbkitServices> services,
      ObjectProvider<LbkitFilterAutoConfiguration.LbkitFilterBackend> filter) {
    return () -> {
      List<Balancer> all = new ArrayList<>();
      services.ifAvailable(s -> all.addAll(s.balancers().values()));
      filter.ifAvailable(f -> all.add(f.balancer()));
      return all;
    };
  }

  /** The meters, when Micrometer is there. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterBinder.class)
  static class Meters {
    @Bean
    MeterBinder lbkitMetrics(ObjectProvider<LbkitServices> services,
        ObjectProvider<LbkitFilterAutoConfiguration.LbkitFilterBackend> filter) {
      return new LbkitMetrics(balancers(services, filter));
    }
  }

  /** The endpoint, when Actuator is there. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(Endpoint.class)
  static class Stats {
    @Bean
    LbkitEndpoint lbkitEndpoint(ObjectProvider<LbkitServices> services,
        ObjectProvider<LbkitFilterAutoConfiguration.LbkitFilterBackend> filter) {
      return new LbkitEndpoint(balancers(services, filter));
    }
  }
}
