package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.Effect;
import io.lbkit.testkit.RawWebSocket;
import io.lbkit.testkit.RecordedRequest;
import io.lbkit.testkit.WebSocketProbe;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** WebSocket tunnels through the filter in Jetty and Tomcat, against WhoamiServer's echo socket. */
class TunnelTest {
  private static final Duration PROMPTLY = Duration.ofSeconds(5);

  @RegisterExtension
  final Fixture f = new Fixture();

  private URI ws(String path) {
    return URI.create("ws://127.0.0.1:" + f.container.port() + path);
  }

  private static HttpClient noJar() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void textAndBinaryFramesEchoAndTheTunnelCountsInStats(Kind kind) throws Exception {
    f.backends(1).start(kind);
    try (WebSocketProbe p = WebSocketProbe.open(f.http, ws("/chat?room=1"))) {
      assertThat(p.ask("hello")).isEqualTo("hello");
      assertThat(p.ask("é€😀")).isEqualTo("é€😀");
      assertThat(p.whoami()).isEqualTo("whoami1");
      ByteBuffer data = ByteBuffer.allocate(300_000);
      for (int i = 0; i < data.capacity(); i++) {
        data.put(i, (byte) (i * 31));
      }
      long crc = WebSocketProbe.crc(data);
      p.socket().sendBinary(data, true).get(15, TimeUnit.SECONDS);
      assertThat(p.nextBinary(Duration.ofSeconds(15))).containsExactly(300_000, crc);
      assertThat(f.metric("lbkit_server_tunnels", 0)).isEqualTo(1);
      assertThat(f.metric("lbkit_server_active_requests", 0)).isEqualTo(1);
      assertThat(f.metric("lbkit_server_tunnels_total", 0)).isEqualTo(1);
    }
    await().atMost(PROMPTLY).until(() -> f.metric("lbkit_server_tunnels", 0) == 0
        && f.metric("lbkit_server_active_requests", 0) == 0 && f.backend(0).openConnections() == 0);
    // the handshake reached the server with its WebSocket lines and the forwarding ones
    RecordedRequest got = f.backend(0).requests().get(0);
    assertThat(got.target()).isEqualTo("/chat?room=1");
    assertThat(got.header("Upgrade")).isEqualToIgnoringCase("websocket");
    assertThat(got.header("Connection")).isEqualToIgnoringCase("Upgrade");
    assertThat(got.header("Sec-WebSocket-Key")).isNotBlank();
    assertThat(got.header("Sec-WebSocket-Version")).isEqualTo("13");
    assertThat(got.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
    assertThat(got.header("Host")).isEqualTo("127.0.0.1:" + f.container.port());
    assertThat(f.metric("lbkit_server_tunnels_total", 0)).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theHandshakeIsStickyByCookieAndNewTunnelsGoRoundRobin(Kind kind) throws Exception {
    f.backends(3).param("cookie", "SRVID").param("cookie-key", "k1").start(kind);
    // without a cookie: round robin, and the 101 carries the cookie of the server it chose
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      try (WebSocketProbe p = WebSocketProbe.open(noJar(), ws("/rr"))) {
        names.add(p.whoami());
      }
    }
    assertThat(names).containsExactly("whoami1", "whoami2", "whoami3", "whoami1", "whoami2", "whoami3");
    // a cookie jar: the socket lands where the cookie says, reconnect after reconnect
    String server = Fixture.hostname(f.get("/page").body());
    for (int i = 0; i < 4; i++) {
      try (WebSocketProbe p = WebSocketProbe.open(f.http, ws("/socket"))) {
        assertThat(p.whoami()).isEqualTo(server);
      }
    }
    // the cookie issued with a 101 sticks the next page and socket to the same server
    f.cookies.getCookieStore().removeAll();
    String first;
    try (WebSocketProbe p = WebSocketProbe.open(f.http, ws("/socket"))) {
      first = p.whoami();
    }
    assertThat(f.cookies.getCookieStore().getCookies()).anySatisfy(c -> assertThat(c.getName()).isEqualTo("SRVID"));
    assertThat(Fixture.hostname(f.get("/page").body())).isEqualTo(first);
    try (WebSocketProbe p = WebSocketProbe.open(f.http, ws("/socket"))) {
      assertThat(p.whoami()).isEqualTo(first);
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aRefusedHandshakeIsRetriedOnAnotherServerAndANon101IsRelayed(Kind kind) throws Exception {
    f.backends(2).start(kind);
    f.backend(0).stop();
    for (int i = 0; i < 3; i++) {
      try (WebSocketProbe p = WebSocketProbe.open(noJar(), ws("/retry"))) {
        assertThat(p.whoami()).isEqualTo("whoami2");
      }
    }
    f.backend(1).answerWith(403);
    assertThatThrownBy(() -> WebSocketProbe.open(noJar(), ws("/forbidden")))
        .satisfies(e -> assertThat(handshakeFailure(e).getResponse().statusCode()).isEqualTo(403));
    await().atMost(PROMPTLY).until(() -> f.metric("lbkit_server_active_requests", 1) == 0);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aHandshakeWaitingForItsServerHoldsNoThread(Kind kind) throws Exception {
    f.backends(1).param("timeout-server", "30s").start(kind);
    f.backend(0).effect(Effect.STALL); // reads the handshake, never answers
    List<Socket> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 6; i++) {
        clients.add(f.closeLater(rawHandshake("/slow")));
      }
      await().atMost(PROMPTLY).until(() -> f.backend(0).openConnections() == 6);
      assertThat(threadsIn(UpgradeExchange.class)).isZero(); // async: no thread waits for the 101
    } finally {
      for (Socket s : clients) {
        s.close();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void withoutAnAsyncMappingTheHandshakeWaitsOnItsThreadAndStillTunnels(Kind kind) throws Exception {
    f.backends(2).requestDispatchOnly().start(kind);
    f.backend(0).stop(); // refused: retried on the other server, as with the ASYNC mapping
    try (WebSocketProbe p = WebSocketProbe.open(noJar(), ws("/fallback"))) {
      assertThat(p.whoami()).isEqualTo("whoami2");
      assertThat(p.ask("echo")).isEqualTo("echo");
    }
    f.backend(1).effect(Effect.STALL);
    try (Socket s = rawHandshake("/slow")) {
      await().atMost(PROMPTLY).until(() -> threadsIn(UpgradeExchange.class) == 1); // the request's thread waits
    }
  }

  /**
   * A browser's handshake: neither {@code Content-Length} nor {@code Transfer-Encoding} (the JDK's
   * client sends {@code Content-Length: 0}). Jetty's upgraded input, left alone, ended at once for
   * such a request (docs/servlet.md, Tunnels); with and without the ASYNC mapping.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void aHandshakeWithoutContentLengthTunnelsTheClientsFrames(Kind kind) throws Exception {
    for (boolean asyncMapping : new boolean[] {true, false}) {
      f.params.clear();
      if (!asyncMapping) {
        f.requestDispatchOnly();
      }
      f.backends(1).start(kind);
      java.net.InetSocketAddress lb = new java.net.InetSocketAddress("127.0.0.1", f.container.port());
      try (RawWebSocket c = RawWebSocket.open(lb, "/browser", 10_000)) {
        assertThat(c.ask("hello")).as("async mapping %s", asyncMapping).isEqualTo("hello");
        assertThat(c.ask("whoami")).isEqualTo("whoami1");
        byte[] big = new byte[100_000];
        for (int i = 0; i < big.length; i++) {
          big[i] = (byte) (i * 7);
        }
        c.send(0x2, big);
        assertThat(c.receive()).isEqualTo(big);
      }
      await().atMost(PROMPTLY).until(() -> f.metric("lbkit_server_tunnels", 0) == 0
          && f.metric("lbkit_server_active_requests", 0) == 0 && f.backend(0).openConnections() == 0);
      f.close();
    }
  }

  /** Sends a WebSocket handshake to the filter without waiting for its answer. */
  private Socket rawHandshake(String path) throws java.io.IOException {
    Socket s = new Socket("127.0.0.1", f.container.port());
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
        + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    return s;
  }

  /** Threads of this JVM but the backends' (a thread per socket) and the JDK client's. */
  private static long serverThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !t.getName().startsWith("whoami-") && !t.getName().startsWith("HttpClient-")).count();
  }

  /** Threads whose stack is in a method of {@code type} now. */
  private static long threadsIn(Class<?> type) {
    return Thread.getAllStackTraces().values().stream()
        .filter(stack -> Arrays.stream(stack).anyMatch(e -> e.getClassName().equals(type.getName()))).count();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void h2cIsNeverForwardedButTheRequestIsServed(Kind kind) throws Exception {
    f.backends(1).start(kind);
    HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build(); // asks Upgrade: h2c
    HttpResponse<String> r = h2.send(HttpRequest.newBuilder(f.uri("/h2c")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    RecordedRequest got = f.backend(0).requests().get(0);
    assertThat(got.header("Upgrade")).isNull();
    assertThat(got.header("HTTP2-Settings")).isNull();
    assertThat(f.metric("lbkit_server_tunnels_total", 0)).isZero();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aServerKilledMidTunnelClosesTheClientPromptly(Kind kind) throws Exception {
    f.backends(1).start(kind);
    WebSocketProbe p = WebSocketProbe.open(f.http, ws("/kill"));
    assertThat(p.ask("before")).isEqualTo("before");
    f.backend(0).stop();
    assertThat(p.ended().get(PROMPTLY.toSeconds(), TimeUnit.SECONDS)).isNotNull();
    await().atMost(PROMPTLY).until(() -> f.metric("lbkit_server_tunnels", 0) == 0
        && f.metric("lbkit_server_active_requests", 0) == 0);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aClientThatVanishesClosesTheServerSideAndLeavesNoThread(Kind kind) throws Exception {
    f.backends(1).start(kind);
    HttpClient client = noJar();
    WebSocketProbe.open(client, ws("/warm-up")).close();
    await().atMost(PROMPTLY).until(() -> f.backend(0).openConnections() == 0);
    int threadsBefore = Thread.activeCount();
    for (int i = 0; i < 5; i++) {
      WebSocketProbe p = WebSocketProbe.open(client, ws("/vanish"));
      assertThat(p.ask("x")).isEqualTo("x");
      p.socket().abort(); // the TCP connection closes without a close frame
    }
    await().atMost(PROMPTLY).until(() -> f.backend(0).openConnections() == 0
        && f.metric("lbkit_server_tunnels", 0) == 0 && f.metric("lbkit_server_active_requests", 0) == 0);
    assertThat(f.metric("lbkit_server_tunnels_total", 0)).isEqualTo(6);
    assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().startsWith("lbkit-tunnel"))
        .hasSizeLessThanOrEqualTo(2);
    assertThat(Thread.activeCount()).isLessThan(threadsBefore + 5); // not a thread per tunnel
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void anIdleTunnelClosesAfterTimeoutTunnel(Kind kind) throws Exception {
    f.backends(1).param("timeout-tunnel", "700ms").start(kind);
    WebSocketProbe idle = WebSocketProbe.open(f.http, ws("/idle"));
    WebSocketProbe busy = WebSocketProbe.open(f.http, ws("/busy"));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
    while (System.nanoTime() < deadline) {
      assertThat(busy.ask("tick")).isEqualTo("tick"); // traffic keeps a tunnel open
    }
    assertThat(idle.ended().get(PROMPTLY.toSeconds(), TimeUnit.SECONDS)).isNotNull();
    assertThat(busy.ended()).isNotDone();
    assertThat(busy.ask("still")).isEqualTo("still");
    busy.close();
    await().atMost(PROMPTLY).until(() -> f.backend(0).openConnections() == 0);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aServerMarkedDownKeepsItsTunnelsUnlessToldToCloseThem(Kind kind) throws Exception {
    for (String action : List.of("keep", "close")) {
      f.params.clear();
      // a generous check-timeout: only the 503 may take the server down, not a slow check on a busy machine
      f.backends(1).param("check", "http").param("check-interval", "200ms").param("check-timeout", "5s")
          .param("fall", "1").param("rise", "1").param("tunnel-on-server-down", action).start(kind);
      await().atMost(PROMPTLY).until(() -> f.metric("lbkit_server_up", 0) == 1);
      WebSocketProbe p = WebSocketProbe.open(f.http, ws("/down"));
      assertThat(p.ask("up")).isEqualTo("up");
      f.backend(0).answerWith(503); // health checks fail; the open socket is untouched by the server
      await().atMost(PROMPTLY).until(() -> f.metric("lbkit_server_up", 0) == 0);
      if (action.equals("keep")) {
        assertThat(p.ask("still here")).isEqualTo("still here"); // HAProxy without shutdown-sessions
        p.close();
      } else {
        assertThat(p.ended().get(PROMPTLY.toSeconds(), TimeUnit.SECONDS)).isNotNull();
      }
      await().atMost(PROMPTLY).until(() -> f.backend(0).openConnections() == 0);
      f.close();
    }
  }

  /**
   * 1,000 tunnels open at once (the figure), on browser-style raw sockets (a JDK client per
   * socket is what makes 1,000 slow; {@link #manyConcurrentTunnels} has the concurrent handshakes):
   * the container's threads do not grow with open tunnels, and the heap per tunnel is bounded. The
   * filter's and container's share is the heap held with the tunnels open minus the heap held by as
   * many sockets opened straight to a backend (client sockets and the backends' per-socket state).
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void aThousandTunnelsHoldNoThreadAndBoundedHeap(Kind kind) throws Exception {
    int n = 1000;
    f.backends(2).start(kind);
    URI uri = ws("/many");
    java.net.InetSocketAddress proxy = new java.net.InetSocketAddress(uri.getHost(), uri.getPort());
    java.net.InetSocketAddress direct = new java.net.InetSocketAddress(f.backend(0).ip(), f.backend(0).port());
    RawWebSocket.open(proxy, uri.getPath(), 10_000).close();
    long directHeap = RawWebSocket.heapHeldByOpen(direct, uri.getPath(), n, () -> { });
    await().atMost(Duration.ofSeconds(30)).until(() -> f.backend(0).openConnections() == 0);
    long threadsBefore = serverThreads();
    long proxiedHeap = RawWebSocket.heapHeldByOpen(proxy, uri.getPath(), n, () -> assertThat(
        f.metric("lbkit_server_tunnels", 0) + f.metric("lbkit_server_tunnels", 1)).isEqualTo(n));
    long perTunnel = (proxiedHeap - directHeap) / n;
    System.out.printf("%s: %d tunnels: %d bytes of heap per socket straight to a backend, %d more per tunnel"
        + " through the filter%n", kind, n, directHeap / n, perTunnel);
    // two 16 KiB buffers per tunnel and the container's upgraded connection: ~40 KB in Jetty, ~51 KB in Tomcat
    assertThat(perTunnel).isLessThan(96 * 1024);
    // the pool may grow with the handshakes' dispatches (Tomcat's did by ~30), not with open tunnels
    assertThat(serverThreads()).isLessThan(threadsBefore + n / 10);
    await().atMost(Duration.ofSeconds(30)).until(() -> f.metric("lbkit_server_tunnels", 0)
        + f.metric("lbkit_server_tunnels", 1) == 0);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void manyConcurrentTunnels(Kind kind) throws Exception {
    // 200 concurrent handshakes with JDK clients (1,000 of those take ~25 s on a loaded 2-core
    // machine); 1,000 open tunnels: aThousandTunnelsHoldNoThreadAndBoundedHeap
    int n = Integer.getInteger("lbkit.tunnels", 200);
    f.backends(2).start(kind);
    HttpClient client = noJar();
    WebSocketProbe.open(client, ws("/warm-up")).close(); // the container's and the client's threads started
    long threadsBefore = serverThreads();
    List<java.util.concurrent.CompletableFuture<WebSocketProbe>> opening = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      opening.add(WebSocketProbe.openAsync(client, ws("/many")));
    }
    List<WebSocketProbe> open = new ArrayList<>();
    for (java.util.concurrent.CompletableFuture<WebSocketProbe> o : opening) {
      open.add(o.get(60, TimeUnit.SECONDS));
    }
    Runtime rt = Runtime.getRuntime();
    for (WebSocketProbe p : open) {
      p.socket().sendText("m", true);
    }
    for (WebSocketProbe p : open) {
      assertThat(p.nextText(Duration.ofSeconds(30))).isEqualTo("m");
    }
    assertThat(f.metric("lbkit_server_tunnels", 0) + f.metric("lbkit_server_tunnels", 1)).isEqualTo(n);
    assertThat(f.metric("lbkit_server_tunnels", 0)).isBetween(n / 4L, 3L * n / 4); // concurrent handshakes: spread, not strict
    System.out.printf("%s: %d tunnels open, heap used %d MiB%n", kind, n, (rt.totalMemory() - rt.freeMemory()) >> 20);
    // no thread per tunnel: two tunnel threads, and the container's pool grows with the burst of
    // concurrent handshakes (Jetty's went from ~30 to ~90 threads for 200), not with open tunnels
    assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().startsWith("lbkit-tunnel"))
        .hasSizeLessThanOrEqualTo(2);
    assertThat(serverThreads()).isLessThan(threadsBefore + n / 2);
    for (WebSocketProbe p : open) {
      p.close();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> f.metric("lbkit_server_tunnels", 0)
        + f.metric("lbkit_server_tunnels", 1) == 0 && f.backend(0).openConnections() + f.backend(1).openConnections() == 0);
  }

  private static WebSocketHandshakeException handshakeFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof WebSocketHandshakeException) {
        return (WebSocketHandshakeException) c;
      }
    }
    throw new AssertionError("not a handshake failure", t);
  }
}
