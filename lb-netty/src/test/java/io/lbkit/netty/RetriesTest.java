package io.lbkit.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.BalancerKind;
import io.lbkit.core.ChurningBalancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.ServerGroup;
import io.lbkit.testkit.WhoamiServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The engine's retries with lb-core's rules, as the filter's {@code RetriesTest}: no request fails
 * on refused connections while a server it has not tried is live, though every attempt sees a new
 * snapshot of the server list ({@link ChurningBalancer}: replicas come and go between attempts).
 */
class RetriesTest {
  private final List<WhoamiServer> backends = new ArrayList<>();
  private ServerGroup group;

  @AfterEach
  void close() {
    if (group != null) {
      group.close();
    }
    for (WhoamiServer b : backends) {
      b.close();
    }
  }

  /**
   * Five of six replicas refuse, the list changes before every attempt, and {@code retries=1} alone
   * would allow two attempts: every request still reaches the live one.
   */
  @ParameterizedTest
  @EnumSource(BalancerKind.class)
  void noRequestFailsWhileAServerIsLiveThoughTheListChangesBetweenAttempts(BalancerKind balance) throws Exception {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      WhoamiServer b = WhoamiServer.start("whoami" + (i + 1), "127.0.0." + (i + 2));
      backends.add(b);
      endpoints.add(Endpoint.parse(b.authority()));
      if (i < 5) {
        b.stop();
      }
    }
    group = ServerGroup.builder("be").slots("whoami", endpoints.size()).endpoints(endpoints).build();
    ChurningBalancer churning = new ChurningBalancer(balance.create(group), endpoints, endpoints.get(5));
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (NettyProxy proxy = NettyProxy.builder().listen(new InetSocketAddress("127.0.0.1", 0)).balancer(churning)
        .options(NettyProxyOptions.parse(Map.of("retries", "1"))).threads(2).shutdownTimeout(Duration.ofSeconds(5))
        .start()) {
      int failed = 0;
      for (int i = 0; i < 40; i++) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/n" + i))
            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || !"whoami6".equals(WhoamiServer.hostnameOf(r.body()))) {
          failed++;
        }
      }
      assertThat(failed).as(balance + ": failed requests while whoami6 was live").isZero();
      assertThat(churning.publishes()).as(balance + ": publishes").isGreaterThan(40);
    }
    assertThat(backends.get(5).requestCount()).isEqualTo(40);
  }
}
