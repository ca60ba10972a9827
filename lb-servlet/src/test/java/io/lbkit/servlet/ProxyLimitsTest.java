package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.ServerGroup;
import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.Effect;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 12, point 5: what the proxy keeps per server and per response is bounded: response
 * headers ({@code max-response-header-size}), the wait for a connection to a saturated server
 * ({@code maxconn}, {@code timeout-queue}), and the client's per-server state once a server is gone.
 */
class ProxyLimitsTest {
  @RegisterExtension
  final Fixture f = new Fixture();

  @ParameterizedTest
  @EnumSource(Kind.class)
  void responseHeadersOverTheLimitAnswer502(Kind kind) throws Exception {
    f.backends(1).param("max-response-header-size", "4096").start(kind);
    HttpResponse<String> small = f.get("/big-header?size=1000");
    assertThat(small.statusCode()).isEqualTo(200);
    assertThat(small.headers().firstValue("X-Big")).hasValueSatisfying(v -> assertThat(v).hasSize(1000));
    HttpResponse<String> big = f.get("/big-header?size=6000");
    assertThat(big.statusCode()).isEqualTo(502);
    assertThat(big.body()).isEqualTo("502 Bad Gateway: the server returned an invalid or incomplete response.\n");
    assertThat(big.headers().firstValue("X-Big")).isEmpty();
    assertThat(f.backend(0).requestCount()).as("not retried").isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theDefaultLimitIs16KiB(Kind kind) throws Exception {
    f.backends(1).start(kind);
    assertThat(f.get("/big-header?size=20000").statusCode()).isEqualTo(502);
    assertThat(FilterOptions.defaults().maxResponseHeaderSize()).isEqualTo(16 * 1024);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aRequestWaitingLongerThanTimeoutQueueForASaturatedServerAnswers503(Kind kind) throws Exception {
    f.backends(1);
    f.backend(0).effect(Effect.STALL);
    f.param("maxconn", "1").param("timeout-queue", "300ms").param("timeout-connect", "300ms")
        .param("timeout-server", "20s").start(kind);
    CompletableFuture<HttpResponse<String>> first = f.http.sendAsync(HttpRequest.newBuilder(f.uri("/first"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> f.backend(0).requestCount() == 1); // the one connection is busy
    HttpResponse<String> queued = f.get("/second");
    assertThat(queued.statusCode()).isEqualTo(503);
    assertThat(queued.body()).startsWith("503 Service Unavailable");
    assertThat(f.backend(0).requestCount()).isEqualTo(1);
    assertThat(first).isNotDone();
    assertThat(f.metric("lbkit_server_failures_total", 0)).as("busy is not failing").isZero();
    first.cancel(true);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void whatTheClientKeepsForAServerThatLeftExpires(Kind kind) throws Exception {
    f.backends(3);
    List<Endpoint> list = new ArrayList<>();
    f.backends.forEach(b -> list.add(Endpoint.parse(b.authority())));
    ServerGroup group = f.closeLater(ServerGroup.builder("be").slots("whoami", 3).endpoints(list).build());
    LoadBalancingFilter filter = new LoadBalancingFilter(RoundRobinBalancer.create(group), FilterOptions.defaults())
        .destinationIdle(Duration.ofMillis(200));
    f.filter(filter).start(kind);
    Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = f.get("/r" + i);
      assertThat(r.statusCode()).isEqualTo(200);
      seen.add(Fixture.hostname(r.body()));
    }
    assertThat(seen).hasSize(3);
    assertThat(filter.proxyDestinations()).isEqualTo(3);
    // two replicas go away (pod-IP churn): their addresses are never seen again
    group.setEndpoints(List.of(list.get(2)));
    f.backend(0).close();
    f.backend(1).close();
    await().atMost(Duration.ofSeconds(10)).until(() -> filter.proxyDestinations() == 1);
    HttpResponse<String> after = f.get("/after");
    assertThat(Fixture.hostname(after.body())).isEqualTo("whoami3");
  }
}
