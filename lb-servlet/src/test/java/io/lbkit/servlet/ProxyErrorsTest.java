package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lbkit.proxy.ErrorResponse;
import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.Effect;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every error path of proxy mode, in both containers, against backends that misbehave for real. */
class ProxyErrorsTest {
  @RegisterExtension
  final Fixture f = new Fixture();

  @ParameterizedTest
  @EnumSource(Kind.class)
  void noServerUpAnswers503(Kind kind) throws Exception {
    f.backends(1);
    f.backend(0).stop();
    f.param("check", "tcp").param("check-interval", "200ms").start(kind);
    await().atMost(Duration.ofSeconds(10)).until(() -> f.metric("lbkit_server_up", 0) == 0);
    HttpResponse<String> r = f.get("/x");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("503 Service Unavailable: no server is available to handle this request.\n");
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
  }

  /**
   * CONNECT, a forward proxy's method, is never forwarded: the filter answers 405 (as the Netty
   * engine does) where the container lets it through (Jetty); Tomcat answers 501 itself.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void connectIsRefusedAndNotForwarded(Kind kind) throws Exception {
    f.backends(1).start(kind);
    URI uri = f.uri("/");
    try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("CONNECT " + f.backend(0).authority() + " HTTP/1.1\r\nHost: "
          + f.backend(0).authority() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int c = in.read();
        assertThat(c).as("answer so far: %s", head).isNotNegative();
        head.append((char) c);
      }
      if (kind == Kind.TOMCAT) {
        assertThat(head.toString()).startsWith("HTTP/1.1 501 ");
      } else {
        String body = new String(ErrorResponse.CONNECT_REFUSED.body(), StandardCharsets.UTF_8);
        assertThat(head.toString()).startsWith("HTTP/1.1 405 ");
        assertThat(new String(in.readNBytes(body.length()), StandardCharsets.UTF_8)).isEqualTo(body);
      }
    }
    assertThat(f.backend(0).requestCount()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void refusedConnectionIsRetriedOnAnotherServerAndCountedAsFailure(Kind kind) throws Exception {
    f.backends(2);
    f.backend(0).stop();
    f.start(kind);
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = f.get("/r" + i);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(Fixture.hostname(r.body())).isEqualTo("whoami2");
    }
    long failures = f.metric("lbkit_server_failures_total", 0);
    assertThat(failures).isGreaterThanOrEqualTo(2);
    assertThat(f.metric("lbkit_server_retries_total", 0)).isEqualTo(failures);
    assertThat(f.backend(1).requestCount()).isEqualTo(4);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void everyServerRefusingAnswers503AfterTheRetries(Kind kind) throws Exception {
    f.backends(2);
    f.backend(0).stop();
    f.backend(1).stop();
    f.param("retries", "2").start(kind);
    HttpResponse<String> r = f.get("/x");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).startsWith("503 Service Unavailable");
    long failures = f.metric("lbkit_server_failures_total", 0) + f.metric("lbkit_server_failures_total", 1);
    assertThat(failures).isEqualTo(3); // the first try and two retries
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void stallingServerAnswers504AfterTimeoutServer(Kind kind) throws Exception {
    f.backends(1);
    f.backend(0).effect(Effect.STALL);
    f.param("timeout-server", "500ms").start(kind);
    HttpResponse<String> r = f.get("/slow");
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(r.body()).isEqualTo("504 Gateway Timeout: the server didn't respond in time.\n");
    assertThat(f.backend(0).requestCount()).isEqualTo(1); // a timeout is not retried
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void malformedResponseAnswers502(Kind kind) throws Exception {
    f.backends(2);
    f.backend(0).effect(Effect.MALFORMED);
    f.backend(1).effect(Effect.MALFORMED);
    f.start(kind);
    HttpResponse<String> r = f.get("/x");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).isEqualTo("502 Bad Gateway: the server returned an invalid or incomplete response.\n");
    assertThat(f.backend(0).requestCount() + f.backend(1).requestCount()).isEqualTo(1); // bytes came back: no retry
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void resetAfterAPostBodyWasSentAnswers502WithoutRetry(Kind kind) throws Exception {
    f.backends(2);
    f.backend(0).effect(Effect.RESET_BEFORE_RESPONSE);
    f.backend(1).effect(Effect.RESET_BEFORE_RESPONSE);
    f.start(kind);
    HttpResponse<String> r = f.send(HttpRequest.newBuilder(f.uri("/sink"))
        .POST(HttpRequest.BodyPublishers.ofString("order=1")));
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(f.backend(0).requestCount() + f.backend(1).requestCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void resetBeforeAnyByteOfAGetIsRetriedOnAnotherServer(Kind kind) throws Exception {
    f.backends(2);
    f.backend(0).effect(Effect.RESET_BEFORE_RESPONSE);
    f.start(kind);
    HttpResponse<String> r = f.get("/idempotent");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Fixture.hostname(r.body())).isEqualTo("whoami2");
    assertThat(f.backend(0).requestCount()).isEqualTo(1);
    assertThat(f.metric("lbkit_server_failures_total", 0)).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void serverResetMidResponseAbortsTheClientConnection(Kind kind) throws Exception {
    f.backends(1);
    f.backend(0).effect(Effect.RESET_MID_RESPONSE);
    f.start(kind);
    // the server sent a chunked 200 and one chunk, then reset: the client must not see a complete body
    assertThatThrownBy(() -> f.get("/partial")).isInstanceOf(IOException.class);
    await().atMost(Duration.ofSeconds(5)).until(() -> f.metric("lbkit_server_active_requests", 0) == 0);
    assertThat(f.metric("lbkit_server_failures_total", 0)).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void clientDisconnectMidResponseReleasesTheServerConnection(Kind kind) throws Exception {
    f.backends(1).start(kind);
    HttpResponse<InputStream> r = f.http.send(HttpRequest.newBuilder(f.uri("/data?size=" + (1L << 32))).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    try (InputStream in = r.body()) {
      byte[] buf = new byte[64 * 1024];
      long read = 0;
      while (read < 1 << 20) {
        int n = in.read(buf);
        assertThat(n).isPositive();
        read += n;
      }
    } // closing the stream mid-body closes the client's connection
    await().atMost(Duration.ofSeconds(10)).until(() -> f.backend(0).abortedResponses() == 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> f.backend(0).openConnections() == 0
        && f.metric("lbkit_server_active_requests", 0) == 0);
    assertThat(f.metric("lbkit_server_failures_total", 0)).isZero(); // the client left: not the server's fault
  }

}
