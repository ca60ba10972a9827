package io.lbkit.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lbkit.core.Server;
import io.lbkit.core.ServerStats;
import io.lbkit.testkit.RawWebSocket;
import io.lbkit.testkit.RecordedRequest;
import io.lbkit.testkit.WebSocketProbe;
import io.lbkit.testkit.WhoamiServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** WebSocket tunnels through the Netty engine, against WhoamiServer's echo socket and JDK clients. */
class TunnelTest {
  static final Duration PROMPTLY = Duration.ofSeconds(5);

  @RegisterExtension
  final ProxyFixture f = new ProxyFixture();

  private URI ws(String path) {
    return URI.create("ws://127.0.0.1:" + f.proxy.port() + path);
  }

  private static HttpClient noJar() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  private ServerStats stats(int backend) {
    int port = f.backend(backend).port();
    String ip = f.backend(backend).ip();
    for (Server s : f.balancer.group().snapshot().servers()) {
      if (s.endpoint().port() == port && s.endpoint().address().getHostAddress().equals(ip)) {
        return s.stats();
      }
    }
    throw new AssertionError("no server for backend " + backend);
  }

  /** No tunnel, no request in flight, no connection left on either side of the proxy. */
  private void awaitAllClosed() {
    await().atMost(PROMPTLY).untilAsserted(() -> {
      for (int i = 0; i < f.backends.size(); i++) {
        assertThat(stats(i).tunnels()).isZero();
        assertThat(stats(i).active()).isZero();
        assertThat(f.backend(i).openConnections()).isZero();
      }
      assertThat(f.proxy.engine().openTunnels()).isZero();
      assertThat(f.proxy.engine().openConnections()).isZero();
    });
  }

  @Test
  void textAndBinaryFramesEchoAndTheTunnelCountsInStats() throws Exception {
    f.backends(1).start();
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
      assertThat(stats(0).tunnels()).isEqualTo(1);
      assertThat(stats(0).active()).as("a tunnel counts as active").isEqualTo(1);
      assertThat(stats(0).tunnelsTotal()).isEqualTo(1);
      assertThat(f.proxy.engine().openTunnels()).isEqualTo(1);
    }
    awaitAllClosed();
    RecordedRequest got = f.backend(0).requests().get(0);
    assertThat(got.target()).isEqualTo("/chat?room=1");
    assertThat(got.header("Upgrade")).isEqualToIgnoringCase("websocket");
    assertThat(got.header("Connection")).isEqualToIgnoringCase("Upgrade");
    assertThat(got.header("Sec-WebSocket-Key")).isNotBlank();
    assertThat(got.header("Sec-WebSocket-Version")).isEqualTo("13");
    assertThat(got.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
    assertThat(got.header("Host")).isEqualTo("127.0.0.1:" + f.proxy.port());
    assertThat(stats(0).tunnelsTotal()).isEqualTo(1);
    assertThat(stats(0).requests()).isEqualTo(1);
  }

  /** A browser's handshake: neither Content-Length nor Transfer-Encoding (the JDK's client sends Content-Length: 0). */
  @Test
  void aHandshakeWithoutContentLengthTunnelsTheClientsFrames() throws Exception {
    f.backends(1).start();
    try (RawWebSocket c = RawWebSocket.open(new InetSocketAddress("127.0.0.1", f.proxy.port()), "/browser", 10_000)) {
      assertThat(c.ask("hello")).isEqualTo("hello");
      assertThat(c.ask("whoami")).isEqualTo("whoami1");
      byte[] big = new byte[100_000];
      for (int i = 0; i < big.length; i++) {
        big[i] = (byte) (i * 7);
      }
      c.send(0x2, big);
      assertThat(c.receive()).isEqualTo(big);
    }
    awaitAllClosed();
  }

  @Test
  void theHandshakeIsStickyByCookieAndNewTunnelsGoRoundRobin() throws Exception {
    f.backends(3).param("cookie", "SRVID").param("cookie-key", "k1").start();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      try (WebSocketProbe p = WebSocketProbe.open(noJar(), ws("/rr"))) {
        names.add(p.whoami());
      }
    }
    assertThat(names.subList(0, 3)).containsExactlyInAnyOrder("whoami1", "whoami2", "whoami3");
    assertThat(names.subList(3, 6)).isEqualTo(names.subList(0, 3));
    // a page's cookie sends the socket to the same server, reconnect after reconnect
    String server = WhoamiServer.hostnameOf(f.get("/page").body());
    for (int i = 0; i < 4; i++) {
      try (WebSocketProbe p = WebSocketProbe.open(f.http, ws("/socket"))) {
        assertThat(p.whoami()).isEqualTo(server);
      }
    }
    // the cookie issued with a 101 sticks the next page and socket
    f.cookies.getCookieStore().removeAll();
    String first;
    try (WebSocketProbe p = WebSocketProbe.open(f.http, ws("/socket"))) {
      first = p.whoami();
    }
    assertThat(f.cookies.getCookieStore().getCookies()).anySatisfy(c -> assertThat(c.getName()).isEqualTo("SRVID"));
    assertThat(WhoamiServer.hostnameOf(f.get("/page").body())).isEqualTo(first);
    try (WebSocketProbe p = WebSocketProbe.open(f.http, ws("/socket"))) {
      assertThat(p.whoami()).isEqualTo(first);
    }
    // a forged cookie: balanced as usual, and a fresh cookie comes with the 101
    try (WebSocketProbe p = WebSocketProbe.open(noJar(), ws("/forged"), "Cookie", "SRVID=0123456789abcdef")) {
      assertThat(p.whoami()).startsWith("whoami");
    }
    for (WhoamiServer b : f.backends) {
      for (RecordedRequest r : b.requests()) {
        assertThat(r.headers("Cookie")).noneSatisfy(c -> assertThat(c).contains("SRVID"));
      }
    }
  }

  @Test
  void aRefusedHandshakeIsRetriedOnAnotherServerAndANon101IsRelayed() throws Exception {
    f.backends(2).start();
    f.backend(0).stop();
    for (int i = 0; i < 3; i++) {
      try (WebSocketProbe p = WebSocketProbe.open(noJar(), ws("/retry"))) {
        assertThat(p.whoami()).isEqualTo("whoami2");
      }
    }
    assertThat(stats(0).retries()).isPositive();
    f.backend(1).answerWith(403);
    assertThatThrownBy(() -> WebSocketProbe.open(noJar(), ws("/forbidden")))
        .satisfies(e -> assertThat(handshakeFailure(e).getResponse().statusCode()).isEqualTo(403));
    // the connection that answered 403 is an ordinary one: the next plain request is served
    f.backend(1).answerWith(0);
    assertThat(f.get("/after").statusCode()).isEqualTo(200);
    await().atMost(PROMPTLY).until(() -> stats(1).active() == 0 && stats(1).tunnels() == 0);
    assertThat(stats(1).tunnelsTotal()).isEqualTo(3);
  }

  @Test
  void h2cIsNeverForwardedButTheRequestIsServed() throws Exception {
    f.backends(1).start();
    HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build(); // asks Upgrade: h2c
    HttpResponse<String> r = h2.send(HttpRequest.newBuilder(f.uri("/h2c")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    RecordedRequest got = f.backend(0).requests().get(0);
    assertThat(got.header("Upgrade")).isNull();
    assertThat(got.header("HTTP2-Settings")).isNull();
    assertThat(stats(0).tunnelsTotal()).isZero();
  }

  @Test
  void tunnelUpgradesNoneProxiesTheHandshakeAsAPlainRequest() throws Exception {
    f.backends(1).param("tunnel-upgrades", "none").start();
    assertThatThrownBy(() -> WebSocketProbe.open(noJar(), ws("/plain")))
        .satisfies(e -> assertThat(handshakeFailure(e).getResponse().statusCode()).isEqualTo(200));
    assertThat(f.backend(0).requests().get(0).header("Upgrade")).isNull();
    assertThat(stats(0).tunnelsTotal()).isZero();
  }

  @Test
  void aServerKilledMidTunnelClosesTheClientPromptly() throws Exception {
    f.backends(1).start();
    WebSocketProbe p = WebSocketProbe.open(f.http, ws("/kill"));
    assertThat(p.ask("before")).isEqualTo("before");
    f.backend(0).stop();
    assertThat(p.ended().get(PROMPTLY.toSeconds(), TimeUnit.SECONDS)).isNotNull();
    awaitAllClosed();
  }

  @Test
  void aClientThatVanishesClosesTheServerSideAndLeavesNoChannel() throws Exception {
    f.backends(1).start();
    HttpClient client = noJar();
    for (int i = 0; i < 5; i++) {
      WebSocketProbe p = WebSocketProbe.open(client, ws("/vanish"));
      assertThat(p.ask("x")).isEqualTo("x");
      p.socket().abort(); // the TCP connection closes without a close frame
    }
    awaitAllClosed();
    assertThat(stats(0).tunnelsTotal()).isEqualTo(5);
  }

  @Test
  void anIdleTunnelClosesAfterTimeoutTunnelNotTimeoutClientOrServer() throws Exception {
    f.backends(1).param("timeout-tunnel", "1s").param("timeout-client", "200ms").param("timeout-server", "200ms")
        .start();
    WebSocketProbe idle = WebSocketProbe.open(f.http, ws("/idle"));
    WebSocketProbe busy = WebSocketProbe.open(f.http, ws("/busy"));
    await().during(Duration.ofMillis(500)).atMost(Duration.ofMillis(900)).until(() -> !idle.ended().isDone());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
    while (System.nanoTime() < deadline) {
      assertThat(busy.ask("tick")).isEqualTo("tick"); // traffic keeps a tunnel open
    }
    assertThat(idle.ended().get(PROMPTLY.toSeconds(), TimeUnit.SECONDS)).isNotNull();
    assertThat(busy.ended()).isNotDone();
    assertThat(busy.ask("still")).isEqualTo("still");
    busy.close();
    awaitAllClosed();
  }

  @Test
  void aServerMarkedDownKeepsItsTunnelsUnlessToldToCloseThem() throws Exception {
    for (String action : List.of("keep", "close")) {
      f.params.clear();
      // a generous check-timeout: only the 503 may take the server down, not a slow check on a busy machine
      f.backends(1).param("check", "http").param("check-interval", "200ms").param("check-timeout", "5s")
          .param("fall", "1").param("rise", "1").param("tunnel-on-server-down", action).start();
      await().atMost(PROMPTLY).until(() -> f.balancer.group().snapshot().usable().size() == 1);
      WebSocketProbe p = WebSocketProbe.open(f.http, ws("/down"));
      assertThat(p.ask("up")).isEqualTo("up");
      f.backend(0).answerWith(503); // health checks fail; the open socket is untouched by the server
      await().atMost(PROMPTLY).until(() -> f.balancer.group().snapshot().usable().isEmpty());
      if (action.equals("keep")) {
        assertThat(p.ask("still here")).isEqualTo("still here"); // HAProxy without shutdown-sessions
        p.close();
      } else {
        assertThat(p.ended().get(PROMPTLY.toSeconds(), TimeUnit.SECONDS)).isNotNull();
      }
      awaitAllClosed();
      f.afterEach(null);
      f.proxy = null;
      f.balancer = null;
      f.backends.clear();
    }
  }

  @Test
  void closeOnServerDownClosesOnlyThatServersTunnels() throws Exception {
    // a generous check-timeout: only the 503 may take a server down, not a slow check on a busy machine
    f.backends(2).param("check", "http").param("check-interval", "200ms").param("check-timeout", "5s")
        .param("fall", "1").param("rise", "1").param("tunnel-on-server-down", "close").start();
    await().atMost(PROMPTLY).until(() -> f.balancer.group().snapshot().usable().size() == 2);
    WebSocketProbe a = WebSocketProbe.open(noJar(), ws("/a"));
    WebSocketProbe b = WebSocketProbe.open(noJar(), ws("/b"));
    WebSocketProbe onFirst = a.whoami().equals("whoami1") ? a : b;
    WebSocketProbe onSecond = onFirst == a ? b : a;
    assertThat(onSecond.whoami()).isEqualTo("whoami2");
    f.backend(0).answerWith(503);
    assertThat(onFirst.ended().get(PROMPTLY.toSeconds(), TimeUnit.SECONDS)).isNotNull();
    assertThat(onSecond.ask("unaffected")).isEqualTo("unaffected");
    assertThat(onSecond.ended()).isNotDone();
    onSecond.close();
    await().atMost(PROMPTLY).until(() -> f.proxy.engine().openTunnels() == 0);
  }

  @Test
  void twoHundredConcurrentTunnels() throws Exception {
    int n = 200;
    f.backends(2).start();
    HttpClient client = noJar();
    List<CompletableFuture<WebSocketProbe>> opening = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      opening.add(WebSocketProbe.openAsync(client, ws("/many")));
    }
    List<WebSocketProbe> open = new ArrayList<>();
    for (CompletableFuture<WebSocketProbe> o : opening) {
      open.add(o.get(60, TimeUnit.SECONDS));
    }
    for (WebSocketProbe p : open) {
      p.socket().sendText("m", true);
    }
    for (WebSocketProbe p : open) {
      assertThat(p.nextText(Duration.ofSeconds(30))).isEqualTo("m");
    }
    assertThat(stats(0).tunnels() + stats(1).tunnels()).isEqualTo(n);
    assertThat(f.proxy.engine().openTunnels()).isEqualTo(n);
    assertThat(stats(0).tunnels()).isBetween(n / 4, 3 * n / 4);
    for (WebSocketProbe p : open) {
      p.close();
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(stats(0).tunnels() + stats(1).tunnels()).isZero();
      assertThat(f.backend(0).openConnections() + f.backend(1).openConnections()).isZero();
      assertThat(f.proxy.engine().openConnections()).isZero();
    });
  }

  /**
   * 1,000 tunnels open at once (the figure), on browser-style raw sockets (a JDK client per
   * socket is what makes 1,000 slow): no thread per tunnel in the engine, and the engine's heap per
   * open tunnel bounded. The engine's share is the heap held with 1,000 tunnels open minus the heap
   * held by as many sockets opened straight to the backends (client sockets and the backends'
   * per-socket state, the same in both), so it is not hidden by the test's own sockets.
   */
  @Test
  void aThousandConcurrentTunnelsHoldNoThreadAndBoundedHeap() throws Exception {
    int n = 1000;
    f.backends(2).start();
    InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", f.proxy.port());
    InetSocketAddress direct = new InetSocketAddress(f.backend(0).ip(), f.backend(0).port());
    RawWebSocket.open(proxy, "/warm-up", 10_000).close();
    long directHeap = RawWebSocket.heapHeldByOpen(direct, "/many", n, () -> { });
    await().atMost(Duration.ofSeconds(30)).until(() -> f.backend(0).openConnections() == 0);
    long engineThreadsBefore = engineThreads();
    long proxiedHeap = RawWebSocket.heapHeldByOpen(proxy, "/many", n, () -> {
      assertThat(f.proxy.engine().openTunnels()).isEqualTo(n);
      assertThat(stats(0).tunnels() + stats(1).tunnels()).isEqualTo(n);
    });
    long enginePerTunnel = (proxiedHeap - directHeap) / n;
    System.out.printf("%d tunnels: %d bytes of heap per socket straight to a backend, %d more per tunnel"
        + " through the engine%n", n, directHeap / n, enginePerTunnel);
    assertThat(enginePerTunnel).isLessThan(16 * 1024);
    assertThat(engineThreads()).isLessThan(engineThreadsBefore + 10); // a few JDK helpers may start; not one per tunnel
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(f.proxy.engine().openTunnels()).isZero();
      assertThat(f.proxy.engine().openConnections()).isZero();
    });
  }

  /** Threads outside the backends (the backends' WhoamiServer has a thread per socket by design). */
  private static long engineThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.getName().startsWith("whoami-")).count();
  }

  static WebSocketHandshakeException handshakeFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof WebSocketHandshakeException) {
        return (WebSocketHandshakeException) c;
      }
    }
    throw new AssertionError("not a handshake failure", t);
  }
}
