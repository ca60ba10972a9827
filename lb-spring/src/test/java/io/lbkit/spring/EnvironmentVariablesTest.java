package io.lbkit.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.config.BackendConfig;
import io.lbkit.core.RequestView;
import io.lbkit.core.Balancer;
import io.lbkit.servlet.LoadBalancerConfig;
import io.lbkit.stats.StatsOptions;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Every option of {@code lbkit.services.<id>.*} and {@code lbkit.filter.*}, dashed ones included
 * ({@code cookie-key}, {@code timeout-connect}), can be given as an environment variable:
 * {@code LBKIT_SERVICES_WHOAMI_COOKIE_KEY}, {@code LBKIT_FILTER_TIMEOUT_CONNECT}. The variables go
 * in through a {@link SystemEnvironmentPropertySource}, as a real process's environment does.
 */
class EnvironmentVariablesTest {

  /** {@code cookie-key} to {@code COOKIE_KEY}. */
  private static String variable(String prefix, String option) {
    return prefix + option.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private static StandardEnvironment environment(Map<String, Object> variables) {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
        new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
    return environment;
  }

  @Test
  void everyServiceOptionHasAnEnvironmentVariable() {
    Map<String, Object> variables = new TreeMap<>();
    Map<String, String> expected = new TreeMap<>();
    for (String option : BackendConfig.knownKeys()) {
      variables.put(variable("LBKIT_SERVICES_WHOAMI_", option), "v-" + option);
      expected.put(option, "v-" + option);
    }
    variables.put("LBKIT_SERVICES_API_COOKIE_KEY", "k"); // a second id, only a dashed option
    Map<String, Map<String, String>> services = LbkitOptions.services(environment(variables));
    assertThat(services.keySet()).containsExactly("api", "whoami");
    assertThat(new TreeMap<>(services.get("whoami"))).isEqualTo(expected);
    assertThat(services.get("api")).isEqualTo(Map.of("cookie-key", "k"));
  }

  @Test
  void everyFilterOptionHasAnEnvironmentVariable() {
    Map<String, Object> variables = new TreeMap<>();
    Map<String, String> expected = new TreeMap<>();
    for (String option : LoadBalancerConfig.knownKeys()) {
      variables.put(variable("LBKIT_FILTER_", option), "v-" + option);
      expected.put(option, "v-" + option);
    }
    variables.put("LBKIT_FILTER_URL_PATTERNS", "/api/*");
    expected.put("url-patterns", "/api/*");
    Map<String, String> options = LbkitOptions.filterOptions(environment(variables));
    assertThat(new TreeMap<>(options)).isEqualTo(expected);
  }

  @Test
  void theGatewayStatsPageOptionsHaveEnvironmentVariablesAndNamedErrors() {
    StatsOptions options = LbkitStatsPageAutoConfiguration.options(environment(Map.of(
        "LBKIT_STATS_URI", "/lbkit-stats", "LBKIT_STATS_REFRESH", "10s", "LBKIT_STATS_AUTH", "admin:pw")));
    assertThat(options.uri()).isEqualTo("/lbkit-stats");
    assertThat(options.refresh()).hasSeconds(10);
    assertThat(options.hasAuth()).isTrue();
    assertThatThrownBy(() -> LbkitStatsPageAutoConfiguration.options(environment(Map.of("LBKIT_STATS_URI", "stats"))))
        .isInstanceOf(LbkitConfigurationException.class)
        .hasMessageStartingWith("lbkit.stats-uri: 'stats' (expected: a path such as /my-stats");
  }

  @Test
  void anUnknownOptionFromTheEnvironmentIsStillNamed() {
    Map<String, Object> variables = Map.of("LBKIT_SERVICES_WHOAMI_COOKIE_KAY", "x");
    assertThat(LbkitOptions.services(environment(variables)).get("whoami")).containsOnlyKeys("cookie.kay");
  }

  @Test
  void aGatewayConfiguredByEnvironmentVariables() throws Exception {
    try (Backends backends = Backends.start(2)) {
      Map<String, Object> variables = new LinkedHashMap<>();
      variables.put("LBKIT_SERVICES_WHOAMI_BACKEND", backends.list(2));
      variables.put("LBKIT_SERVICES_WHOAMI_COOKIE", "SRVID");
      variables.put("LBKIT_SERVICES_WHOAMI_COOKIE_KEY", "njqWdVKWfG");
      variables.put("LBKIT_SERVICES_WHOAMI_SERVER_PREFIX", "web");
      variables.put("LBKIT_SERVICES_WHOAMI_COOKIE_SAMESITE", "Strict");
      variables.put("SPRING_CLOUD_GATEWAY_SERVER_WEBFLUX_ROUTES_0_ID", "whoami");
      variables.put("SPRING_CLOUD_GATEWAY_SERVER_WEBFLUX_ROUTES_0_URI", "lb://whoami");
      variables.put("SPRING_CLOUD_GATEWAY_SERVER_WEBFLUX_ROUTES_0_PREDICATES_0", "Path=/**");
      variables.put("SERVER_ADDRESS", "127.0.0.1");
      variables.put("SERVER_PORT", "0");
      variables.put("SPRING_MAIN_BANNER_MODE", "off");
      try (SpringApp gateway = new SpringApp(new SpringApplicationBuilder(GatewayApp.class)
          .web(WebApplicationType.REACTIVE).environment(environment(variables)).run())) {
        Balancer balancer = gateway.context.getBean(LbkitServices.class).balancer("whoami");
        assertThat(balancer.group().snapshot().servers()).extracting(s -> s.name()).containsExactly("web1", "web2");
        String setCookie = gateway.get(gateway.anonymous, "/env").headers().firstValue("Set-Cookie").orElseThrow();
        // the cookie is the one computed with the key given as LBKIT_SERVICES_WHOAMI_COOKIE_KEY
        assertThat(setCookie).contains("SameSite=Strict");
        Balancer reference = LbkitOptions.createBalancer("reference", Map.of("backend", backends.list(2),
            "cookie", "SRVID", "cookie-key", "njqWdVKWfG", "server-prefix", "web", "cookie-samesite", "Strict"));
        try {
          Set<String> cookies = new HashSet<>();
          for (int i = 0; i < 4; i++) {
            cookies.add(reference.select(RequestView.EMPTY).setCookie());
          }
          assertThat(cookies).contains(setCookie);
        } finally {
          reference.group().close();
        }
      }
    }
  }
}
