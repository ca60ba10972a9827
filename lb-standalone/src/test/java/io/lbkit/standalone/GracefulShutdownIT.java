package io.lbkit.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** SIGTERM while a request is in flight: it completes, new connections are refused, exit status 0. */
class GracefulShutdownIT {
  private final HttpClient client = HttpClient.newHttpClient();

  @ParameterizedTest
  @EnumSource(Engine.class)
  void sigtermLetsTheRequestInFlightFinishThenExitsZero(Engine engine) throws Exception {
    try (StandaloneProcess lb = startDemo("shutdown", engine, "20s")) {
      // a slow replica answer (whoami ?wait=), so the request is surely in flight at SIGTERM
      CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
          HttpRequest.newBuilder(lb.uri("/slow?wait=4s")).build(), HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(20)).until(() -> stats(lb).active() == 1);

      lb.terminate();

      // it stops accepting at once: a new connection is refused while the old request still runs
      await().atMost(Duration.ofSeconds(10)).until(() -> refused(lb));
      assertThat(slow).isNotDone();

      HttpResponse<String> r = slow.get(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("Hostname: whoami-1\n").contains("GET /slow?wait=4s HTTP/1.1\n");
      assertThat(lb.awaitExit(Duration.ofSeconds(30))).isZero();
      assertThat(lb.stderr()).containsPattern("stopping: no new connections; waiting up to 20s for [1-9] request\\(s\\)"
          + " in flight").contains("Main - stopped").doesNotContain("Exception").doesNotContain("cutting off");
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void theGracePeriodBoundsTheWait(Engine engine) throws Exception {
    try (StandaloneProcess lb = startDemo("shutdown-grace", engine, "1s")) {
      CompletableFuture<HttpResponse<String>> endless = client.sendAsync(
          HttpRequest.newBuilder(lb.uri("/?wait=5m")).build(), HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(20)).until(() -> stats(lb).active() == 1);

      lb.terminate();

      // exits after the 1s grace (plus the stop itself), long before the 5 minutes
      assertThat(lb.awaitExit(Duration.ofSeconds(30))).isZero();
      assertThat(lb.stderr()).containsPattern("grace period of 1s is over: cutting off [1-9] request\\(s\\) still in"
          + " flight");
      // the client sees its connection closed without an answer: never a false success
      assertThatThrownBy(() -> endless.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(IOException.class);
    }
  }

  private StandaloneProcess startDemo(String name, Engine engine, String grace) throws Exception {
    return StandaloneProcess.start(name, engine, "--demo", "--replicas", "1", "--listen", "127.0.0.1:0", "--demo-port",
        Integer.toString(StandaloneProcess.freeDemoPort()), "--shutdown-grace", grace).awaitListening();
  }

  private Stats stats(StandaloneProcess lb) throws Exception {
    return Stats.fetch(client, lb.uri("/my-stats?format=json"));
  }

  private static boolean refused(StandaloneProcess lb) throws Exception {
    HttpClient fresh = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    try {
      StandaloneProcess.get(fresh, lb.uri("/"), Map.of());
      return false;
    } catch (ConnectException e) {
      return true;
    }
  }
}
