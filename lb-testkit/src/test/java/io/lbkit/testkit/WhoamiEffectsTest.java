package io.lbkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The effects a health check meets (hang-ups, resets, empty answers, a fixed status), seen from a raw socket. */
class WhoamiEffectsTest {
  @RegisterExtension
  final WhoamiExtension backend = WhoamiExtension.on("127.0.0.4");

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(backend.get(0).address(), backend.get(0).port()), 5000);
    s.setSoTimeout(5000);
    return s;
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  private void awaitRequests(int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (backend.get(0).requestCount() < n && System.nanoTime() - deadline < 0) {
      Thread.onSpinWait();
    }
  }

  @Test
  void closeOnAcceptHangsUpWithoutReading() throws Exception {
    WhoamiServer s = backend.get(0).effect(Effect.CLOSE_ON_ACCEPT);
    try (Socket c = connect()) {
      assertThat(c.getInputStream().read()).as("end of stream").isEqualTo(-1);
    }
    assertThat(s.connectionCount()).isEqualTo(1);
    assertThat(s.requestCount()).isZero();
    assertThat(s.openConnections()).isZero();
  }

  @Test
  void resetOnAcceptResetsWithoutReading() throws Exception {
    WhoamiServer s = backend.get(0).effect(Effect.RESET_ON_ACCEPT);
    // the reset may already reach connect() itself on a busy machine: any step may see it
    assertThatThrownBy(() -> {
      try (Socket c = connect()) {
        send(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        c.getInputStream().read();
      }
    }).isInstanceOf(SocketException.class);
    assertThat(s.connectionCount()).isEqualTo(1);
    assertThat(s.requestCount()).isZero();
  }

  @Test
  void closeBeforeResponseReadsTheRequestAndAnswersNothing() throws Exception {
    WhoamiServer s = backend.get(0).effect(Effect.CLOSE_BEFORE_RESPONSE);
    try (Socket c = connect()) {
      send(c, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(readAll(c.getInputStream())).isEmpty();
    }
    assertThat(s.takeRequest(Duration.ofSeconds(5)).target()).isEqualTo("/health");
  }

  @Test
  void closeAfterResponseAnswersAsIfKeptAliveThenHangsUp() throws Exception {
    WhoamiServer s = backend.get(0).effect(Effect.CLOSE_AFTER_RESPONSE);
    try (Socket c = connect()) {
      send(c, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
      String answer = readAll(c.getInputStream()); // ends: the server closed after its answer
      assertThat(answer).startsWith("HTTP/1.1 200 ").contains("GET /first HTTP/1.1").doesNotContainIgnoringCase(
          "connection: close");
    }
    assertThat(s.requestCount()).isEqualTo(1);
  }

  @Test
  void aStalledConnectionLeavesTheOpenCountWhenThePeerHangsUp() throws Exception {
    WhoamiServer s = backend.get(0).effect(Effect.STALL);
    try (Socket c = connect()) {
      send(c, "OPTIONS / HTTP/1.0\r\n\r\n");
      assertThat(s.takeRequest(Duration.ofSeconds(5))).isNotNull();
      assertThat(s.openConnections()).isEqualTo(1);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (s.openConnections() > 0 && System.nanoTime() - deadline < 0) {
      Thread.onSpinWait();
    }
    assertThat(s.openConnections()).isZero();
  }

  @Test
  void answerWithGivesOneStatusForEveryPath() throws Exception {
    WhoamiServer s = backend.get(0).answerWith(503);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (String path : new String[] {"/", "/echo", "/data?size=10", "/status/200"}) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + s.authority() + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isEqualTo(503);
      assertThat(r.body()).as(path).isEmpty();
    }
    try (Socket c = connect()) { // HTTP/1.0: answered, then closed
      send(c, "OPTIONS / HTTP/1.0\r\n\r\n");
      assertThat(readAll(c.getInputStream())).startsWith("HTTP/1.1 503 ").contains("Connection: close\r\n");
    }
    s.answerWith(0);
    assertThat(http.send(HttpRequest.newBuilder(URI.create("http://" + s.authority() + "/")).build(),
        HttpResponse.BodyHandlers.ofString()).body()).startsWith("Hostname: whoami1\n");
    assertThatThrownBy(() -> s.answerWith(42)).hasMessage("status: 42 (expected: 100..999, or 0 for normal answers)");
  }

  @Test
  void theHeadIsRecordedByteForByte() throws Exception {
    WhoamiServer s = backend.get(0);
    try (Socket c = connect()) {
      send(c, "\r\nOPTIONS / HTTP/1.0\r\n\r\n"); // a stray blank line before the request is not part of it
      assertThat(readAll(c.getInputStream())).startsWith("HTTP/1.1 200 ");
    }
    try (Socket c = connect()) {
      send(c, "GET /a HTTP/1.0\nHost:  b \n\n"); // bare LF line ends, spaces around the value
      assertThat(readAll(c.getInputStream())).startsWith("HTTP/1.1 200 ");
    }
    awaitRequests(2);
    assertThat(s.requests()).extracting(RecordedRequest::head)
        .containsExactly("OPTIONS / HTTP/1.0\r\n\r\n", "GET /a HTTP/1.0\nHost:  b \n\n");
    assertThat(s.requests().get(1).header("Host")).isEqualTo("b");
  }
}
