package io.lbkit.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.context.annotation.Bean;

/**
 * Spring Cloud Gateway (server-webflux) glue for {@code lb://} routes to lbkit services: the
 * sticky cookie set on the response and kept from the server, in-flight counts and passive checks
 * per exchange, and a refused connection retried on another server. The choice itself is made by
 * {@link LbkitLoadBalancerAutoConfiguration}'s load balancer, called by the gateway's own
 * load-balancer filter.
 */
@AutoConfiguration(after = LbkitLoadBalancerAutoConfiguration.class)
@ConditionalOnClass({GlobalFilter.class, ReactiveLoadBalancerClientFilter.class})
@ConditionalOnBean(LbkitServices.class)
public class LbkitGatewayAutoConfiguration {

  /** Retries a refused connection on another server (before the gateway's load-balancer filter). */
  @Bean
  GlobalFilter lbkitGatewayRetryFilter(LbkitServices services) {
    return new GatewayRetryFilter(services);
  }

  /** Cookie in and out, in-flight count and passive checks (after the gateway's load-balancer filter). */
  @Bean
  GlobalFilter lbkitGatewaySelectionFilter() {
    return new GatewaySelectionFilter();
  }

  /** Ends the in-flight count once the response body is written (around the gateway's response writer). */
  @Bean
  GlobalFilter lbkitGatewayInFlightFilter() {
    return new GatewayInFlightFilter();
  }
}
