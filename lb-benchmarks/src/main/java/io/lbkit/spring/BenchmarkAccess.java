package io.lbkit.spring;

import io.lbkit.core.Balancer;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;

/**
 * The benchmarks' way to lb-spring's load balancer, which is package-private (applications get it
 * from Spring Cloud LoadBalancer's per-service context). This class sits in lb-spring's package on
 * the benchmark jar's class path only; it is not part of lb-spring.
 */
public final class BenchmarkAccess {
  private BenchmarkAccess() {
  }

  /** The load balancer lb-spring registers for service {@code serviceId}, over {@code balancer}. */
  public static ReactorServiceInstanceLoadBalancer loadBalancer(String serviceId, Balancer balancer) {
    return new LbkitReactorLoadBalancer(serviceId, balancer);
  }
}
