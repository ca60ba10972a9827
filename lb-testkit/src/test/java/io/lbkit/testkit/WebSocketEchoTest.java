package io.lbkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** WhoamiServer's WebSocket, straight from the JDK's client: the fixture the tunnel tests rely on. */
class WebSocketEchoTest {
  @Test
  void acceptKeyIsRfc6455s() {
    assertThat(WebSocketEcho.accept("dGhlIHNhbXBsZSBub25jZQ==")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  }

  @Test
  void echoesTextBinaryAndFragmentsAndAnswersWhoami() throws Exception {
    try (WhoamiServer server = WhoamiServer.start("ws1", "127.0.0.2")) {
      HttpClient client = HttpClient.newHttpClient();
      try (WebSocketProbe p = WebSocketProbe.open(client, URI.create("ws://" + server.authority() + "/echo"))) {
        assertThat(p.ask("hi")).isEqualTo("hi");
        assertThat(p.whoami()).isEqualTo("ws1");
        p.socket().sendText("frag", false).get(5, TimeUnit.SECONDS);
        p.socket().sendText("ment", true).get(5, TimeUnit.SECONDS);
        assertThat(p.nextText(Duration.ofSeconds(5))).isEqualTo("fragment");
        ByteBuffer data = ByteBuffer.allocate(70_000);
        data.put(0, (byte) 1).put(69_999, (byte) 2);
        long crc = WebSocketProbe.crc(data);
        p.socket().sendBinary(data, true).get(5, TimeUnit.SECONDS);
        assertThat(p.nextBinary(Duration.ofSeconds(5))).containsExactly(70_000, crc);
        assertThat(server.openConnections()).isEqualTo(1);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (server.openConnections() > 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(server.openConnections()).isZero();
      assertThat(server.requests()).singleElement().satisfies(r -> assertThat(r.path()).isEqualTo("/echo"));
      HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create("http://" + server.authority()
          + "/websocket")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(page.body()).contains("new WebSocket(", "ws1");
    }
  }
}
