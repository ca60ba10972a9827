package io.lbkit.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Closing the proxy lets the request in flight finish, then refuses new connections. */
class ShutdownTest {
  @RegisterExtension
  final ProxyFixture f = new ProxyFixture();

  @Test
  void requestInFlightFinishesOnClose() throws Exception {
    f.backends(1).start();
    CompletableFuture<HttpResponse<String>> slow = f.http.sendAsync(
        HttpRequest.newBuilder(f.uri("/slow?wait=700ms")).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(f.backend(0).takeRequest(Duration.ofSeconds(10))).as("the request reached the server").isNotNull();
    f.proxy.close();
    HttpResponse<String> r = slow.get(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("GET /slow?wait=700ms");
    assertThat(f.proxy.engine().openConnections()).isZero();
  }
}
