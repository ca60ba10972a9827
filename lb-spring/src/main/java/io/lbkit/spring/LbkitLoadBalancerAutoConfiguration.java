package io.lbkit.spring;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClientSpecification;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * lbkit as Spring Cloud LoadBalancer's balancer for every service id configured under
 * {@code lbkit.services.<id>.*}: {@code lb://<id>} gateway routes and {@code @LoadBalanced}
 * {@code WebClient}/{@code RestClient} calls select with lbkit. Other service ids keep Spring Cloud's
 * defaults. A bad property fails start-up, naming the property.
 */
@AutoConfiguration
@ConditionalOnClass({ReactorServiceInstanceLoadBalancer.class, LoadBalancerClientSpecification.class})
public class LbkitLoadBalancerAutoConfiguration {

  /** The services' groups and balancers, built (and DNS discovery started) at start-up. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public LbkitServices lbkitServices(Environment environment) {
    return LbkitServices.create(environment);
  }

  /**
   * Puts {@link LbkitWebClientFilter} first in {@code @LoadBalanced} {@code WebClient.Builder} beans:
   * a call cancelled before its answer leaves no in-flight count behind.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.web.reactive.function.client.WebClient")
  static class WebClientCancel {
    @Bean
    static BeanPostProcessor lbkitWebClientFilterInstaller() {
      return new LbkitWebClientFilter.Installer();
    }
  }

  /**
   * Adds lbkit's beans to each service id's load-balancer context ({@code default.}: every id;
   * they stay out of the ids that are not lbkit services).
   */
  @Bean
  public LoadBalancerClientSpecification lbkitLoadBalancerClientSpecification() {
    return new LoadBalancerClientSpecification("default." + LbkitLoadBalancerClientConfiguration.class.getName(),
        new Class<?>[] {LbkitLoadBalancerClientConfiguration.class});
  }
}
