package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.WhoamiServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Chunked and streamed responses, server-sent events, echoed bodies and 200 concurrent requests. */
class StreamingTest {
  @RegisterExtension
  final Fixture f = new Fixture();

  @ParameterizedTest
  @EnumSource(Kind.class)
  void chunkedResponsesArriveWhole(Kind kind) throws Exception {
    f.backends(1).start(kind);
    HttpResponse<byte[]> r = f.http.send(HttpRequest.newBuilder(f.uri("/stream?chunks=7&size=1000")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).hasSize(7000);
    for (int i = 0; i < 7000; i++) {
      assertThat(r.body()[i]).isEqualTo(WhoamiServer.patternByte(i % 1000));
    }
    HttpResponse<byte[]> big = f.http.send(HttpRequest.newBuilder(f.uri("/data?size=5000000&chunked=true")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(big.body()).hasSize(5_000_000);
    assertThat(big.body()[4_999_999]).isEqualTo(WhoamiServer.patternByte(4_999_999));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void serverSentEventsArriveOneByOne(Kind kind) throws Exception {
    f.backends(1).start(kind);
    HttpResponse<InputStream> r = f.http.send(HttpRequest.newBuilder(f.uri("/sse?events=3")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      // the backend sends event i+1 only after release(): reading event i first proves it was not buffered
      for (int i = 0; i < 3; i++) {
        assertThat(in.readLine()).isEqualTo("data: event " + i);
        assertThat(in.readLine()).isEmpty();
        f.backend(0).release();
      }
      assertThat(in.readLine()).isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void echoStreamsTheBodyBackWhileItIsUploaded(Kind kind) throws Exception {
    f.backends(1).start(kind);
    byte[] body = new byte[2_000_000];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) (i % 13);
    }
    HttpResponse<byte[]> r = f.http.send(HttpRequest.newBuilder(f.uri("/echo"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(body);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void twoHundredConcurrentRequestsAllSucceedAndSpreadOverTheServers(Kind kind) throws Exception {
    f.backends(3).start(kind);
    List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      futures.add(f.http.sendAsync(HttpRequest.newBuilder(f.uri("/c" + i)).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    Map<String, Integer> perServer = new HashMap<>();
    for (CompletableFuture<HttpResponse<String>> fu : futures) {
      HttpResponse<String> r = fu.get(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      perServer.merge(Fixture.hostname(r.body()), 1, Integer::sum);
    }
    assertThat(perServer.keySet()).containsExactlyInAnyOrder("whoami1", "whoami2", "whoami3");
    assertThat(perServer.values()).allSatisfy(n -> assertThat(n).isBetween(40, 94));
    await().atMost(Duration.ofSeconds(5)).until(() -> f.metric("lbkit_server_active_requests", 0)
        + f.metric("lbkit_server_active_requests", 1) + f.metric("lbkit_server_active_requests", 2) == 0);
    assertThat(f.metric("lbkit_server_requests_total", 0) + f.metric("lbkit_server_requests_total", 1)
        + f.metric("lbkit_server_requests_total", 2)).isEqualTo(200);
  }
}
