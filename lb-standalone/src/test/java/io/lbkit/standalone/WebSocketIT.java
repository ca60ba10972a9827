package io.lbkit.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.testkit.RawWebSocket;
import io.lbkit.testkit.WebSocketProbe;
import io.lbkit.testkit.WhoamiServer;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WebSockets through the jar in a JVM capped at {@code -Xmx128m}, on both engines, with the JDK's
 * client as a browser would use them: a cookie jar keeps the socket on one replica across
 * reconnects, a forged cookie gets a fresh one, new sockets without a cookie go round robin, and a
 * 16 MiB message passes. The servlet engine runs {@code --demo --replicas 3}; the netty engine,
 * which has no demo yet, balances three whoami replicas started here with the demo's cookie options.
 */
@ParameterizedClass(name = "--engine {0}")
@ValueSource(strings = {"servlet", "netty"})
class WebSocketIT {
  private static final Set<String> REPLICAS = Set.of("whoami-1", "whoami-2", "whoami-3");
  private static StandaloneProcess demo;
  private static final List<WhoamiServer> replicas = new ArrayList<>();
  private static final HttpClient plain = HttpClient.newHttpClient();

  @Parameter
  String engine;

  @BeforeParameterizedClassInvocation
  static void startDemo(String engine) throws Exception {
    // a short timeout-client: the idle timeout on client connections, which must not cut a tunnel
    if (engine.equals("servlet")) {
      demo = StandaloneProcess.startWithHeap("websocket", Engine.SERVLET, "128m", "--demo", "--replicas", "3", "--listen",
          "127.0.0.1:0", "--timeout-client", "1s",
          "--demo-port", Integer.toString(StandaloneProcess.freeDemoPort())).awaitListening();
      await().atMost(Duration.ofSeconds(20))
          .until(() -> Stats.fetch(plain, demo.uri("/my-stats?format=json")).up().size() == 3);
      return;
    }
    StringBuilder backend = new StringBuilder();
    for (int k = 1; k <= 3; k++) {
      WhoamiServer r = WhoamiServer.start("whoami-" + k, "127.0.0." + (k + 1));
      replicas.add(r);
      backend.append(k == 1 ? "" : ",").append(r.authority());
    }
    demo = StandaloneProcess.startWithHeap("websocket-" + engine, "128m", "--engine", engine, "--backend",
        backend.toString(), "--cookie", "SRVID", "--cookie-key", "njqWdVKWfG", "--listen", "127.0.0.1:0",
        "--timeout-client", "1s").awaitListening();
  }

  @AfterParameterizedClassInvocation
  static void stopDemo() throws Exception {
    if (demo != null) {
      demo.close();
      demo = null;
    }
    replicas.forEach(WhoamiServer::close);
    replicas.clear();
  }

  /** No request or tunnel left open on the servers. */
  private boolean allClosed() throws Exception {
    if (replicas.isEmpty()) {
      return Stats.fetch(plain, demo.uri("/my-stats?format=json")).active() == 0;
    }
    return replicas.stream().allMatch(r -> r.openConnections() == 0);
  }

  private static URI ws(String path) {
    return URI.create(demo.uri(path).toString().replaceFirst("^http", "ws"));
  }

  @Test
  void aCookieJarKeepsTheSocketOnOneReplicaAcrossReconnects() throws Exception {
    CookieManager jar = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    HttpClient browser = HttpClient.newBuilder().cookieHandler(jar).build();
    String first;
    try (WebSocketProbe p = WebSocketProbe.open(browser, ws("/websocket"))) {
      first = p.whoami(); // the 101 brought the cookie
    }
    assertThat(jar.getCookieStore().getCookies()).extracting(HttpCookie::getName).containsExactly("SRVID");
    for (int i = 0; i < 5; i++) {
      try (WebSocketProbe p = WebSocketProbe.open(browser, ws("/websocket"))) {
        assertThat(p.whoami()).as("reconnect %d", i).isEqualTo(first);
        assertThat(p.ask("hello " + i)).isEqualTo("hello " + i);
      }
    }
    // the page and its socket agree
    assertThat(StandaloneProcess.hostname(StandaloneProcess.get(browser, demo.uri("/"), Map.of()).body()))
        .isEqualTo(first);
  }

  /** A browser's handshake has neither Content-Length nor Transfer-Encoding (the JDK's client sends Content-Length: 0). */
  @Test
  void aHandshakeWithoutContentLengthEchoes() throws Exception {
    URI at = demo.uri("/websocket");
    try (RawWebSocket c = RawWebSocket.open(new InetSocketAddress(at.getHost(), at.getPort()), "/websocket", 10_000)) {
      assertThat(c.ask("hello")).isEqualTo("hello");
      assertThat(c.ask("whoami")).isIn(REPLICAS);
    }
  }

  @Test
  void anIdleSocketOutlivesTimeoutClient() throws Exception {
    try (WebSocketProbe p = WebSocketProbe.open(plain, ws("/idle"))) {
      assertThat(p.ask("before")).isEqualTo("before");
      // the point is that time passes with no byte either way: the socket stays open for 3 times
      // timeout-client (1s), checked all along
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !p.ended().isDone());
      assertThat(p.ask("after")).isEqualTo("after");
    }
  }

  @Test
  void aForgedCookieGetsAFreshOneThatNamesTheReplicaThatAnswered() throws Exception {
    for (String forged : List.of("0123456789abcdef", "127.0.0.2", "../../etc/passwd")) {
      CookieManager jar = new CookieManager(null, CookiePolicy.ACCEPT_ALL); // empty: the forged cookie is a header
      HttpClient browser = HttpClient.newBuilder().cookieHandler(jar).build();
      String answered;
      try (WebSocketProbe p = WebSocketProbe.open(browser, ws("/websocket"), "Cookie", "SRVID=" + forged)) {
        answered = p.whoami();
      }
      assertThat(jar.getCookieStore().getCookies()).singleElement()
          .satisfies(c -> assertThat(c.getValue()).matches("[0-9a-f]{16}").isNotEqualTo(forged));
      try (WebSocketProbe p = WebSocketProbe.open(browser, ws("/websocket"))) {
        assertThat(p.whoami()).as("with the fresh cookie").isEqualTo(answered);
      }
    }
  }

  @Test
  void newSocketsWithoutACookieTakeTurnsAndA16MiBMessageEchoesUnderASmallHeap() throws Exception {
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      try (WebSocketProbe p = WebSocketProbe.open(plain, ws("/chat"))) {
        seen.add(p.whoami());
      }
    }
    assertThat(new HashSet<>(seen.subList(0, 3))).isEqualTo(REPLICAS);
    assertThat(seen.subList(3, 6)).isEqualTo(seen.subList(0, 3));

    int size = 16 << 20;
    ByteBuffer message = ByteBuffer.allocateDirect(size);
    for (int i = 0; i < size; i++) {
      message.put(i, (byte) (i * 7));
    }
    long crc = WebSocketProbe.crc(message);
    try (WebSocketProbe p = WebSocketProbe.open(plain, ws("/big"))) {
      p.socket().sendBinary(message, true).get(60, TimeUnit.SECONDS);
      assertThat(p.nextBinary(Duration.ofSeconds(60))).containsExactly(size, crc);
    }
    await().atMost(Duration.ofSeconds(10)).until(this::allClosed);
  }
}
