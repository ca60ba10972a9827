package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.RawWebSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A tunnel passes an end of stream on as a half-close, both ways, with raw sockets on both ends: a
 * server that shuts its output down and still reads, a client that does the same. The handshakes
 * carry neither {@code Content-Length} nor {@code Transfer-Encoding}, as a browser's.
 */
class TunnelHalfCloseTest {
  private static final Duration PROMPTLY = Duration.ofSeconds(5);

  @RegisterExtension
  final Fixture f = new Fixture();

  /** A server that answers one handshake with a 101, then runs {@code then} on the socket. */
  private interface Script {
    String run(Socket s) throws IOException;
  }

  private CompletableFuture<String> backend(Script then) throws IOException {
    ServerSocket listener = f.closeLater(new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1")));
    f.param("backend", "127.0.0.1:" + listener.getLocalPort());
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (Socket s = listener.accept()) {
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        for (int last4 = 0; last4 != 0x0d0a0d0a; ) {
          int c = in.read();
          if (c < 0) {
            throw new IOException("end of stream in the handshake");
          }
          last4 = (last4 << 8) | c;
        }
        s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        result.complete(then.run(s));
      } catch (IOException | RuntimeException e) {
        result.completeExceptionally(e);
      }
    }, "half-close-backend");
    t.setDaemon(true);
    t.start();
    return result;
  }

  /** Everything until the end of stream. */
  private static String readToEnd(Socket s) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    InputStream in = s.getInputStream();
    byte[] buf = new byte[1024];
    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
      b.write(buf, 0, n);
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  private InetSocketAddress lb() {
    return new InetSocketAddress("127.0.0.1", f.container.port());
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aServerThatEndsItsSideStillReadsWhatTheClientSendsAfter(Kind kind) throws Exception {
    CompletableFuture<String> serverGot = backend(s -> {
      s.getOutputStream().write("bye".getBytes(StandardCharsets.UTF_8));
      s.shutdownOutput();
      return readToEnd(s);
    });
    f.start(kind);
    try (RawWebSocket c = RawWebSocket.open(lb(), "/half", 10_000)) {
      assertThat(readToEnd(c.socket())).isEqualTo("bye"); // then the client's end of stream: a FIN
      assertThat(f.metric("lbkit_server_tunnels", 0)).isEqualTo(1); // still open the other way
      c.socket().getOutputStream().write("still here".getBytes(StandardCharsets.UTF_8));
      c.socket().shutdownOutput();
      assertThat(serverGot.get(PROMPTLY.toSeconds(), TimeUnit.SECONDS)).isEqualTo("still here");
    }
    await().atMost(PROMPTLY).until(() -> f.metric("lbkit_server_tunnels", 0) == 0
        && f.metric("lbkit_server_active_requests", 0) == 0);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aClientThatEndsItsSideStillGetsTheServersAnswer(Kind kind) throws Exception {
    CompletableFuture<Void> wordsArrived = new CompletableFuture<>();
    CompletableFuture<String> serverGot = backend(s -> {
      byte[] words = s.getInputStream().readNBytes("last words".length());
      wordsArrived.complete(null);
      String got = new String(words, StandardCharsets.UTF_8) + readToEnd(s);
      s.getOutputStream().write(("after your end: " + got).getBytes(StandardCharsets.UTF_8));
      return got;
    });
    f.start(kind);
    try (RawWebSocket c = RawWebSocket.open(lb(), "/half", 10_000)) {
      c.socket().getOutputStream().write("last words".getBytes(StandardCharsets.UTF_8));
      wordsArrived.get(PROMPTLY.toSeconds(), TimeUnit.SECONDS);
      c.socket().shutdownOutput();
      assertThat(serverGot.get(PROMPTLY.toSeconds(), TimeUnit.SECONDS)).isEqualTo("last words");
      String answer = readToEnd(c.socket());
      if (kind == Kind.JETTY) {
        assertThat(answer).isEqualTo("after your end: last words");
      } else {
        // Tomcat may close the whole connection soon after the client's FIN (its upgraded connection
        // closes on a socket event other than read or write): the answer arrives, or nothing does
        assertThat(answer).isIn("after your end: last words", "");
      }
    }
    await().atMost(PROMPTLY).until(() -> f.metric("lbkit_server_tunnels", 0) == 0
        && f.metric("lbkit_server_active_requests", 0) == 0);
  }
}
