package io.lbkit.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * Spring Cloud Gateway (server-webflux) glue for {@code lb://} routes to lbkit services: the
 * sticky cookie set on the response and kept from the server, a refused connection retried on
 * another server, and the in-flight count kept until the response body is written. The choice
 * itself is made by {@link LbkitLoadBalancerAutoConfiguration}'s load balancer, and the per-attempt
 * counting by its lifecycle, both called by the gateway's own load-balancer filter. Without any
 * {@code lbkit.services} the gateway gets no filter of lbkit's.
 */
@AutoConfiguration(after = LbkitLoadBalancerAutoConfiguration.class)
@ConditionalOnClass({GlobalFilter.class, ReactiveLoadBalancerClientFilter.class})
@ConditionalOnBean(LbkitServices.class)
@Conditional(LbkitServices.IsConfigured.class)
public class LbkitGatewayAutoConfiguration {

  /** Cookies in and out, retries of refused connections (just before the gateway's load-balancer filter). */
  @Bean
  GlobalFilter lbkitGatewayFilter(LbkitServices services) {
    return new LbkitGatewayFilter(services);
  }

  /** Ends the in-flight count once the response body is written (around the gateway's response writer). */
  @Bean
  GlobalFilter lbkitGatewayInFlightFilter() {
    return new GatewayInFlightFilter();
  }
}
