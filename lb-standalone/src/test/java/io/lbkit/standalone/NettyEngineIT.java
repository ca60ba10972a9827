package io.lbkit.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.testkit.WhoamiServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The jar in front of static backends (no DNS, no demo), on each engine: proxies round robin and
 * stops gracefully. (Named when only the netty engine ran here; the other ITs run on both too.)
 */
class NettyEngineIT {
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private WhoamiServer one;
  private WhoamiServer two;

  @AfterEach
  void stopBackends() {
    if (one != null) {
      one.close();
    }
    if (two != null) {
      two.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void proxiesRoundRobinAndFinishesTheRequestInFlightOnSigterm(Engine engine) throws Exception {
    one = WhoamiServer.start("whoami1", "127.0.0.2");
    two = WhoamiServer.start("whoami2", "127.0.0.3");
    try (StandaloneProcess lb = StandaloneProcess.start("static-backends", engine, "--listen",
        "127.0.0.1:0", "--backend", one.authority() + "," + two.authority(), "--shutdown-grace", "20s")
        .awaitListening()) {
      String first = StandaloneProcess.hostname(StandaloneProcess.get(client, lb.uri("/"), Map.of()).body());
      String second = StandaloneProcess.hostname(StandaloneProcess.get(client, lb.uri("/"), Map.of()).body());
      assertThat(java.util.List.of(first, second)).containsExactlyInAnyOrder("whoami1", "whoami2");

      CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
          HttpRequest.newBuilder(lb.uri("/slow?wait=1s")).build(), HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(20)).until(() -> one.requestCount() + two.requestCount() == 3);
      lb.terminate();
      HttpResponse<String> r = slow.get(20, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(lb.awaitExit(Duration.ofSeconds(30))).isZero();
    }
  }
}
