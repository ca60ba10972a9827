package io.lbkit.spring;

import io.lbkit.core.Balancer;
import io.lbkit.servlet.FilterOptions;
import io.lbkit.servlet.LoadBalancerConfig;
import io.lbkit.servlet.LoadBalancingFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * lbkit's servlet filter in a Spring Boot servlet application (Tomcat, Jetty), configured by
 * {@code lbkit.filter.*}: the filter's init-param names ({@code lbkit.filter.backend},
 * {@code lbkit.filter.cookie}, {@code lbkit.filter.stats-uri}...) plus
 * {@code lbkit.filter.url-patterns} (comma-separated, default {@code /*}). Registered with async
 * support, under the name {@code lbkit}. A bad property fails start-up, naming the property.
 */
@AutoConfiguration
@ConditionalOnClass({Filter.class, FilterRegistrationBean.class, LoadBalancingFilter.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Conditional(LbkitFilterAutoConfiguration.HasFilterOptions.class)
public class LbkitFilterAutoConfiguration {
  static final String URL_PATTERNS = LbkitOptions.URL_PATTERNS;

  /** The filter's group and balancer, closed with the application context. */
  @Bean(destroyMethod = "close")
  LbkitFilterBackend lbkitFilterBackend(Environment environment) {
    Map<String, String> options = new LinkedHashMap<>(LbkitOptions.filterOptions(environment));
    String patterns = options.remove(URL_PATTERNS);
    LoadBalancerConfig config = LbkitOptions.parse(LbkitOptions.FILTER_PREFIX, options);
    List<String> urlPatterns = new ArrayList<>();
    for (String p : (patterns == null || patterns.isBlank() ? "/*" : patterns).split(",")) {
      if (!p.isBlank()) {
        urlPatterns.add(p.trim());
      }
    }
    Balancer balancer = LbkitOptions.createBalancer(LbkitOptions.FILTER_PREFIX, config);
    return new LbkitFilterBackend(balancer, config.options(), urlPatterns);
  }

  /**
   * The filter, async-supported, on {@code url-patterns}, for REQUEST and ASYNC dispatches (a
   * tunnel's handshake comes back on an ASYNC one instead of holding a thread).
   */
  @Bean
  FilterRegistrationBean<LoadBalancingFilter> lbkitFilter(LbkitFilterBackend backend) {
    FilterRegistrationBean<LoadBalancingFilter> registration =
        new FilterRegistrationBean<>(new LoadBalancingFilter(backend.balancer(), backend.options()));
    registration.setName("lbkit");
    registration.setAsyncSupported(true);
    registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
    registration.setUrlPatterns(backend.urlPatterns());
    return registration;
  }

  /** The live group of {@code lbkit.filter.*}, with the filter's options. */
  static final class LbkitFilterBackend implements AutoCloseable {
    private final Balancer balancer;
    private final FilterOptions options;
    private final List<String> urlPatterns;

    LbkitFilterBackend(Balancer balancer, FilterOptions options, List<String> urlPatterns) {
      this.balancer = balancer;
      this.options = options;
      this.urlPatterns = List.copyOf(urlPatterns);
    }

    Balancer balancer() {
      return balancer;
    }

    FilterOptions options() {
      return options;
    }

    List<String> urlPatterns() {
      return urlPatterns;
    }

    @Override
    public void close() {
      balancer.group().close();
    }
  }

  /** Some {@code lbkit.filter.*} property is set. */
  static final class HasFilterOptions implements Condition {
    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
      return !LbkitOptions.filterOptions(context.getEnvironment()).isEmpty();
    }
  }
}
