package io.lbkit.spring;

import java.util.List;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * The outermost filter of {@code @LoadBalanced} {@code WebClient} builders: a call to an lbkit
 * service carries an {@link LbkitClientInFlight} that the lifecycle counts with, and a call the
 * caller cancels before its answer (a {@code timeout}, a disposed subscription) ends its count
 * here: Spring Cloud's load-balancer filter reports only answers and errors to the lifecycle.
 */
final class LbkitWebClientFilter implements ExchangeFilterFunction {
  private final ObjectProvider<LbkitServices> services;

  LbkitWebClientFilter(ObjectProvider<LbkitServices> services) {
    this.services = services;
  }

  @Override
  public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
    LbkitServices lbkit = services.getIfAvailable();
    String host = request.url().getHost();
    if (lbkit == null || host == null || lbkit.balancer(host) == null) {
      return next.exchange(request);
    }
    LbkitClientInFlight inFlight = new LbkitClientInFlight();
    return next.exchange(ClientRequest.from(request).attribute(LbkitClientInFlight.ATTRIBUTE, inFlight).build())
        .doOnCancel(inFlight::end);
  }

  /** Puts the filter first in every {@code @LoadBalanced} {@code WebClient.Builder} bean (outside Spring Cloud's). */
  static final class Installer implements BeanPostProcessor, BeanFactoryAware {
    private ConfigurableListableBeanFactory beans;
    private LbkitWebClientFilter filter;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
      if (beanFactory instanceof ConfigurableListableBeanFactory) {
        this.beans = (ConfigurableListableBeanFactory) beanFactory;
        this.filter = new LbkitWebClientFilter(beans.getBeanProvider(LbkitServices.class));
      }
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
      if (bean instanceof WebClient.Builder && beans != null && beans.containsBeanDefinition(beanName)
          && beans.findAnnotationOnBean(beanName, LoadBalanced.class) != null) {
        ((WebClient.Builder) bean).filters(this::addFirst);
      }
      return bean;
    }

    private void addFirst(List<ExchangeFilterFunction> filters) {
      if (!filters.contains(filter)) {
        filters.add(0, filter);
      }
    }
  }
}
