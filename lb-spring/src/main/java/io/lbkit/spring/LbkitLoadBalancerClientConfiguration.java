package io.lbkit.spring;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The beans of one service id's load-balancer context (Spring Cloud LoadBalancer keeps a child
 * context per id), present only when the id is an lbkit service: lbkit's choice, its instance
 * list and its request counting replace the defaults (round robin over a discovery client's list).
 */
@Configuration(proxyBeanMethods = false)
@Conditional(LbkitLoadBalancerClientConfiguration.IsLbkitService.class)
class LbkitLoadBalancerClientConfiguration {

  @Bean
  LbkitReactorLoadBalancer lbkitReactorLoadBalancer(Environment environment, LbkitServices services) {
    String id = LoadBalancerClientFactory.getName(environment);
    return new LbkitReactorLoadBalancer(id, services.balancer(id));
  }

  @Bean
  ServiceInstanceListSupplier lbkitServiceInstanceListSupplier(Environment environment, LbkitServices services) {
    String id = LoadBalancerClientFactory.getName(environment);
    return new LbkitServiceInstanceListSupplier(id, services.balancer(id));
  }

  @Bean
  LbkitLoadBalancerLifecycle lbkitLoadBalancerLifecycle() {
    return new LbkitLoadBalancerLifecycle();
  }

  /** The child context's service id has options under {@code lbkit.services}. */
  static final class IsLbkitService implements Condition {
    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
      String id = LoadBalancerClientFactory.getName(context.getEnvironment());
      ConfigurableListableBeanFactory beans = context.getBeanFactory();
      if (id == null || beans == null) {
        return false;
      }
      return beans.getBeanProvider(LbkitServices.class).stream().anyMatch(s -> s.balancer(id) != null);
    }
  }
}
