package io.lbkit.spring;

import static io.lbkit.spring.SpringApp.hostname;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lbkit.spring.ServletApps.Container;
import java.net.CookieManager;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** {@code lbkit.filter.*} in a real Spring Boot servlet application, in Tomcat and in Jetty. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServletFilterTest {
  private static final List<String> ROTATION = List.of("whoami1", "whoami2", "whoami3");
  private Backends backends;

  @BeforeAll
  void startBackends() throws Exception {
    backends = Backends.start(3);
  }

  @AfterAll
  void stopBackends() {
    backends.close();
  }

  private Map<String, String> properties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("spring.cloud.gateway.server.webflux.enabled", "false"); // a servlet app: no reactive gateway
    p.put("lbkit.filter.backend", backends.list(3));
    p.put("lbkit.filter.server-prefix", "whoami");
    p.put("lbkit.filter.cookie", "SRVID");
    p.put("lbkit.filter.cookie-key", "njqWdVKWfG");
    p.put("lbkit.filter.stats-uri", "/lb-stats");
    p.put("lbkit.filter.url-patterns", "/*");
    return p;
  }

  @ParameterizedTest
  @EnumSource(Container.class)
  void balancesInSlotOrderPinsACookieJarAndServesStats(Container container) throws Exception {
    try (SpringApp app = SpringApp.start(container.configuration, WebApplicationType.SERVLET, properties())) {
      List<String> seen = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        HttpResponse<String> r = app.get(app.anonymous, "/rr" + i);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Set-Cookie")).hasValueSatisfying(c -> assertThat(c).startsWith("SRVID="));
        seen.add(hostname(r.body()));
      }
      for (int i = 1; i < seen.size(); i++) {
        assertThat(seen.get(i)).as("%s", seen)
            .isEqualTo(ROTATION.get((ROTATION.indexOf(seen.get(i - 1)) + 1) % ROTATION.size()));
      }

      HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
      String pinned = hostname(app.get(browser, "/pin").body());
      for (int i = 0; i < 4; i++) {
        assertThat(hostname(app.get(browser, "/pin" + i).body())).isEqualTo(pinned);
      }

      String stats = app.get(app.anonymous, "/lb-stats?format=json").body();
      assertThat(stats).contains("{\"name\":\"whoami1\",\"address\":\"127.0.0.2\"").contains("\"status\":\"UP\"");
    }
  }

  @Test
  void aBadPropertyFailsStartUpNamingTheProperty() {
    Map<String, String> p = properties();
    p.put("lbkit.filter.slots", "x");
    Throwable failure = catchThrowable(
        () -> SpringApp.start(Container.TOMCAT.configuration, WebApplicationType.SERVLET, p));
    assertThat(SpringApp.causeMessages(failure)).contains("lbkit.filter.slots: 'x' (expected: an integer 1..100000)");
    // Spring Boot's start-up report (the analyzer is listed in META-INF/spring.factories): no stack trace
    FailureAnalysis report = new LbkitConfigurationFailureAnalyzer().analyze(failure);
    assertThat(report.getDescription())
        .isEqualTo("Invalid lbkit configuration: lbkit.filter.slots: 'x' (expected: an integer 1..100000)");
  }

}
