package io.lbkit.spring;

import static io.lbkit.spring.SpringApp.hostname;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lbkit.core.Balancer;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/** {@code @LoadBalanced WebClient} and {@code RestClient} in a plain application select with lbkit. */
class LoadBalancedClientTest {
  private static final List<String> ROTATION = List.of("whoami1", "whoami2", "whoami3");

  @Test
  void webClientAndRestClientUseLbkitsSelectionAndItsCookie() throws Exception {
    try (Backends backends = Backends.start(3)) {
      Map<String, String> p = new LinkedHashMap<>();
      p.put("spring.cloud.gateway.server.webflux.enabled", "false");
      p.put("lbkit.services.whoami.backend", backends.list(3));
      p.put("lbkit.services.whoami.cookie", "SRVID");
      p.put("lbkit.services.whoami.cookie-key", "njqWdVKWfG");
      try (SpringApp app = SpringApp.start(ClientApp.class, WebApplicationType.NONE, p)) {
        WebClient web = app.context.getBean("loadBalancedWebClient", WebClient.Builder.class).build();
        RestClient rest = app.context.getBean("loadBalancedRestClient", RestClient.Builder.class).build();

        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          seen.add(hostname(web.get().uri("http://whoami/rr" + i).retrieve().bodyToMono(String.class).block()));
        }
        for (int i = 1; i < seen.size(); i++) {
          assertThat(seen.get(i)).as("%s", seen)
              .isEqualTo(ROTATION.get((ROTATION.indexOf(seen.get(i - 1)) + 1) % ROTATION.size()));
        }

        Balancer balancer = app.context.getBean(LbkitServices.class).balancer("whoami");
        String cookie = cookieOf(balancer, "whoami3");
        Server whoami3 = balancer.group().snapshot().server(2);
        long before = whoami3.stats().requests();
        for (int i = 0; i < 3; i++) {
          String body = web.get().uri("http://whoami/sticky" + i).cookie("SRVID", cookie)
              .retrieve().bodyToMono(String.class).block();
          assertThat(hostname(body)).isEqualTo("whoami3");
          body = rest.get().uri("http://whoami/sticky" + i).header("Cookie", "SRVID=" + cookie)
              .retrieve().body(String.class);
          assertThat(hostname(body)).isEqualTo("whoami3");
        }
        // counted by the load-balancer lifecycle: 6 requests, none left in flight
        await().atMost(Duration.ofSeconds(5)).until(() -> whoami3.stats().active() == 0);
        assertThat(whoami3.stats().requests() - before).isEqualTo(6);
      }
    }
  }

  @Test
  void aCancelledWebClientCallIsNoLongerCountedInFlight() throws Exception {
    try (Backends backends = Backends.start(1)) {
      Map<String, String> p = new LinkedHashMap<>();
      p.put("spring.cloud.gateway.server.webflux.enabled", "false");
      p.put("lbkit.services.whoami.backend", backends.list(1));
      try (SpringApp app = SpringApp.start(ClientApp.class, WebApplicationType.NONE, p)) {
        WebClient web = app.context.getBean("loadBalancedWebClient", WebClient.Builder.class).build();
        Server whoami1 = app.context.getBean(LbkitServices.class).balancer("whoami").group().snapshot().server(0);

        // a timeout cancels the call while the server still holds it
        assertThatThrownBy(() -> web.get().uri("http://whoami/slow?wait=3s").retrieve().bodyToMono(String.class)
            .timeout(Duration.ofMillis(300)).block())
            .hasCauseInstanceOf(java.util.concurrent.TimeoutException.class);
        assertThat(whoami1.stats().active()).isZero();

        // a disposed subscription, once the request is in flight
        reactor.core.Disposable call = web.get().uri("http://whoami/slow?wait=3s").retrieve()
            .bodyToMono(String.class).subscribe();
        await().atMost(Duration.ofSeconds(5)).until(() -> whoami1.stats().active() == 1);
        call.dispose();
        assertThat(whoami1.stats().active()).isZero();

        // answered calls are still counted once each
        long before = whoami1.stats().requests();
        web.get().uri("http://whoami/after").retrieve().bodyToMono(String.class).block();
        assertThat(whoami1.stats().requests() - before).isEqualTo(1);
        assertThat(whoami1.stats().active()).isZero();
      }
    }
  }

  @Test
  void aBadServicePropertyFailsStartUpNamingTheProperty() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("spring.cloud.gateway.server.webflux.enabled", "false");
    p.put("lbkit.services.whoami.backend", "127.0.0.2:8080");
    p.put("lbkit.services.whoami.balance", "random");
    assertThatThrownBy(() -> SpringApp.start(ClientApp.class, WebApplicationType.NONE, p))
        .satisfies(e -> assertThat(SpringApp.causeMessages(e))
            .contains("lbkit.services.whoami.balance: 'random' (expected: roundrobin or leastconn)"));
  }

  /** The value of {@code server}'s sticky cookie, as the balancer would set it. */
  private static String cookieOf(Balancer balancer, String server) {
    for (int i = 0; i < 10; i++) {
      Selection s = balancer.select(RequestView.EMPTY);
      if (s.name().equals(server)) {
        String setCookie = s.setCookie();
        return setCookie.substring("SRVID=".length(), setCookie.indexOf(';'));
      }
    }
    throw new AssertionError(server + " never selected");
  }
}
