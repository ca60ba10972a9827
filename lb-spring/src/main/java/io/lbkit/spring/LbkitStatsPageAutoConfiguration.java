package io.lbkit.spring;

import io.lbkit.core.Balancer;
import io.lbkit.local.LocalAnswer;
import io.lbkit.local.LocalRequest;
import io.lbkit.option.Option;
import io.lbkit.option.OptionException;
import io.lbkit.stats.StatsOptions;
import io.lbkit.stats.StatsPage;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * lbkit's stats page in a reactive application (Spring Cloud Gateway, WebFlux): the same page as
 * the servlet filter's and the standalone jar's ({@link StatsPage}: HTML, {@code ?format=json},
 * {@code ?format=prometheus}), showing every {@code lbkit.services} group, at
 * {@code lbkit.stats-uri}, with {@code lbkit.stats-refresh} and {@code lbkit.stats-auth} (HTTP Basic;
 * the page shows internal addresses). Served by a WebFlux route, which Spring checks before the
 * gateway's routes.
 */
@AutoConfiguration(after = LbkitLoadBalancerAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(RouterFunction.class)
@ConditionalOnBean(LbkitServices.class)
@ConditionalOnProperty(LbkitStatsPageAutoConfiguration.PREFIX + ".stats-uri")
public class LbkitStatsPageAutoConfiguration {
  static final String PREFIX = "lbkit";

  /** The page at {@code lbkit.stats-uri}. */
  @Bean
  RouterFunction<ServerResponse> lbkitStatsPage(Environment environment, LbkitServices services) {
    StatsPage page = new StatsPage(new ArrayList<Balancer>(services.balancers().values()), options(environment));
    return RouterFunctions.route(RequestPredicates.path(page.options().uri()), request -> serve(page, request));
  }

  /** {@code lbkit.stats-uri}, {@code -refresh}, {@code -auth}, parsed by the options' own definitions. */
  static StatsOptions options(Environment environment) {
    StatsOptions.Builder builder = StatsOptions.builder();
    Binder binder = Binder.get(environment);
    for (Option<StatsOptions.Target, ?> option : List.of(StatsOptions.STATS_URI, StatsOptions.STATS_REFRESH,
        StatsOptions.STATS_AUTH)) {
      String property = PREFIX + "." + option.name();
      binder.bind(property, String.class).ifBound(value -> {
        try {
          option.apply(builder, value.trim());
        } catch (OptionException e) {
          throw new LbkitConfigurationException(e.message(property), e);
        }
      });
    }
    return builder.build();
  }

  private static Mono<ServerResponse> serve(StatsPage page, ServerRequest request) {
    URI uri = request.uri();
    LocalAnswer answer = page.answer(new LocalRequest(request.method().name(), request.requestPath().value(),
        uri.getRawQuery(), uri.getScheme() == null ? "http" : uri.getScheme(),
        uri.getHost() == null ? "localhost" : uri.getHost(), uri.getPort(),
        request.headers().asHttpHeaders().toSingleValueMap()));
    return ServerResponse.status(answer.status())
        .contentType(MediaType.parseMediaType(answer.contentType()))
        .headers(h -> answer.headers().forEach(h::set))
        .bodyValue(answer.body());
  }
}
