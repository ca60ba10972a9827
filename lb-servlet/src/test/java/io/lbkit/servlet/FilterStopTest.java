package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.core.ServerGroup;
import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.Effect;
import io.lbkit.testkit.WhoamiServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A filter destroyed while a request waits for its server answers that request, and never retries. */
class FilterStopTest {
  @RegisterExtension
  final Fixture f = new Fixture();

  @ParameterizedTest
  @EnumSource(Kind.class)
  void destroyWhileARequestWaitsAnswers503(Kind kind) throws Exception {
    WhoamiServer stalled = f.backends(1).backend(0);
    ServerGroup group = f.closeLater(ServerGroup.builder("be").staticEndpoints("127.0.0.2:" + stalled.port()).build());
    stalled.effect(Effect.STALL);
    LoadBalancingFilter filter = new LoadBalancingFilter(RoundRobinBalancer.create(group),
        FilterOptions.builder().timeoutServer(Duration.ofSeconds(60)).build());
    f.filter(filter).start(kind);
    CompletableFuture<HttpResponse<String>> pending = f.http.sendAsync(
        HttpRequest.newBuilder(f.uri("/waiting")).build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> stalled.requestCount() == 1);
    filter.destroy();
    HttpResponse<String> r = pending.get(20, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(stalled.requestCount()).as("not retried").isEqualTo(1);
  }
}
