package io.lbkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The whoami backend answers like traefik/whoami, records what it got and misbehaves on request. */
class WhoamiServerTest {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> get(WhoamiServer s, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://" + s.authority() + path))
        .header("X-Test", "yes").timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersLikeWhoamiAndRecordsTheRequest() throws Exception {
    try (WhoamiServer s = WhoamiServer.start("whoami1", "127.0.0.2")) {
      HttpResponse<String> r = get(s, "/hello?x=1");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("Hostname: whoami1\nIP: 127.0.0.2\nRemoteAddr: 127.0.0.1:")
          .contains("GET /hello?x=1 HTTP/1.1\n", "X-Test: yes\n");
      RecordedRequest got = s.takeRequest(Duration.ofSeconds(1));
      assertThat(got.path()).isEqualTo("/hello");
      assertThat(got.header("x-test")).isEqualTo("yes");
      assertThat(got.connectionIndex()).isZero();
      assertThat(WhoamiServer.hostnameOf(r.body())).isEqualTo("whoami1");
      assertThat(WhoamiServer.hostnameOf("no such line\n")).isNull();
    }
  }

  @Test
  void dataBodiesFollowThePattern() throws Exception {
    try (WhoamiServer s = WhoamiServer.start("whoami1", "127.0.0.2")) {
      for (String path : new String[] {"/data?size=100000", "/data?size=100000&chunked=true"}) {
        byte[] body = http.send(HttpRequest.newBuilder(URI.create("http://" + s.authority() + path)).build(),
            HttpResponse.BodyHandlers.ofByteArray()).body();
        assertThat(body).hasSize(100_000);
        assertThat(WhoamiServer.patternMismatches(body, 0, body.length, 0)).isZero();
        body[5] ^= 1;
        assertThat(WhoamiServer.patternMismatches(body, 0, body.length, 0)).isEqualTo(1);
      }
    }
  }

  @Test
  void stopRefusesAndRestartListensAgainOnTheSamePort() throws Exception {
    try (WhoamiServer s = WhoamiServer.start("whoami1", "127.0.0.3")) {
      int port = s.port();
      s.stop();
      assertThatThrownBy(() -> get(s, "/")).isInstanceOf(ConnectException.class);
      s.restart();
      assertThat(s.port()).isEqualTo(port);
      assertThat(get(s, "/").statusCode()).isEqualTo(200);
    }
  }

  /** A connect right after stop() used to be accepted now and then (the kernel kept listening). */
  @Test
  void noConnectionIsAcceptedOnceStopReturns() throws Exception {
    int accepted = 0;
    for (int i = 0; i < 1000; i++) {
      try (WhoamiServer s = WhoamiServer.start("whoami1", "127.0.0.3")) {
        s.stop();
        try (Socket c = new Socket()) {
          c.connect(new InetSocketAddress(s.address(), s.port()), 5000);
          accepted++;
        } catch (ConnectException expected) {
          // refused, as it must be
        }
      }
    }
    assertThat(accepted).as("connections accepted after stop()").isZero();
  }

  @Test
  void effectsBreakTheResponse() throws Exception {
    try (WhoamiServer s = WhoamiServer.start("whoami1", "127.0.0.2")) {
      s.effect(Effect.MALFORMED);
      assertThatThrownBy(() -> get(s, "/")).isInstanceOf(IOException.class);
      s.effect(Effect.RESET_BEFORE_RESPONSE);
      assertThatThrownBy(() -> get(s, "/")).isInstanceOf(IOException.class);
      s.effect(Effect.RESET_MID_RESPONSE);
      assertThatThrownBy(() -> get(s, "/")).isInstanceOf(IOException.class);
      s.effect(Effect.STALL);
      assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create("http://" + s.authority() + "/"))
          .timeout(Duration.ofMillis(300)).build(), HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(java.net.http.HttpTimeoutException.class);
      assertThat(s.requestCount()).isGreaterThanOrEqualTo(4); // the JDK client may retry a GET once on a reset
    }
  }
}
