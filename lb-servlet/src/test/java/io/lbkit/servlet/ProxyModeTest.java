package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.RecordedRequest;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Proxy mode basics in real Jetty 12 (ee10) and Tomcat 11, with real backends and real HTTP. */
class ProxyModeTest {
  @RegisterExtension
  final Fixture f = new Fixture();

  @ParameterizedTest
  @EnumSource(Kind.class)
  void roundRobinVisitsServersInSlotOrder(Kind kind) throws Exception {
    f.backends(3).start(kind);
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = f.get("/hello?i=" + i);
      assertThat(r.statusCode()).isEqualTo(200);
      seen.add(Fixture.hostname(r.body()));
    }
    assertThat(seen).containsExactly("whoami1", "whoami2", "whoami3", "whoami1", "whoami2", "whoami3");
    assertThat(f.backend(0).requests()).extracting(RecordedRequest::target).containsExactly("/hello?i=0", "/hello?i=3");
  }

  /** balance=leastconn: while a long stream holds whoami1, quick requests go to the idle servers. */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void leastconnKeepsQuickRequestsOffTheServerHoldingALongOne(Kind kind) throws Exception {
    f.backends(3).param("balance", "leastconn").start(kind);
    CompletableFuture<HttpResponse<String>> stream = f.http.sendAsync(
        HttpRequest.newBuilder(f.uri("/sse?events=2")).build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> f.backend(0).requestCount() == 1);
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = f.get("/quick");
      assertThat(r.statusCode()).isEqualTo(200);
      seen.add(Fixture.hostname(r.body()));
    }
    // round robin would send every third one to whoami1
    assertThat(seen).containsExactly("whoami2", "whoami3", "whoami2", "whoami3", "whoami2", "whoami3");
    f.backend(0).release();
    assertThat(stream.get(10, TimeUnit.SECONDS).body()).contains("data: event 0", "data: event 1");
    // the stream is over: whoami1 is idle again and takes its turn
    await().atMost(Duration.ofSeconds(10)).until(() -> Fixture.hostname(f.get("/after").body()).equals("whoami1"));
  }

  /** leastconn + redispatch: the refusing server is the idlest, yet the retry goes elsewhere. */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void leastconnRetriesOnAnotherServerNotOnTheIdleOneThatRefused(Kind kind) throws Exception {
    f.backends(3).param("balance", "leastconn").start(kind);
    HttpClient plain = HttpClient.newHttpClient();
    List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
    for (int i = 0; i < 2; i++) { // whoami1, then whoami2, each held by a stream
      streams.add(plain.sendAsync(HttpRequest.newBuilder(f.uri("/sse?events=2")).build(),
          HttpResponse.BodyHandlers.ofString()));
      int busy = i;
      await().atMost(Duration.ofSeconds(10)).until(() -> f.backend(busy).requestCount() == 1);
    }
    f.backend(2).stop(); // whoami3: idle, so chosen first, and refusing
    HttpResponse<String> r = f.get("/x");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Fixture.hostname(r.body())).isIn("whoami1", "whoami2");
    f.backend(0).release();
    f.backend(1).release();
    for (CompletableFuture<HttpResponse<String>> stream : streams) {
      assertThat(stream.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  /** cookie + leastconn: new clients are balanced by leastconn and get the chosen server's cookie. */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void theStickyCookieBalancesNewClientsWithLeastconn(Kind kind) throws Exception {
    f.backends(3).param("balance", "leastconn").param("cookie", "SRVID").param("cookie-key", "k1").start(kind);
    HttpClient plain = HttpClient.newHttpClient(); // no cookie jar: every request is a new client
    CompletableFuture<HttpResponse<String>> stream = plain.sendAsync(
        HttpRequest.newBuilder(f.uri("/sse?events=2")).build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> f.backend(0).requestCount() == 1);
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = plain.send(HttpRequest.newBuilder(f.uri("/new")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.headers().firstValue("Set-Cookie")).hasValueSatisfying(c -> assertThat(c).startsWith("SRVID="));
      seen.add(Fixture.hostname(r.body()));
    }
    assertThat(seen).containsExactly("whoami2", "whoami3", "whoami2"); // round robin: whoami2, whoami3, whoami1
    f.backend(0).release();
    assertThat(stream.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void forwardsHeadersLikeHaproxyForwardfor(Kind kind) throws Exception {
    f.backends(1).start(kind);
    HttpResponse<String> r = f.send(HttpRequest.newBuilder(f.uri("/h"))
        .header("X-Forwarded-For", "203.0.113.7")
        .header("X-Forwarded-Proto", "forged")
        .header("X-Custom", "one")
        .header("X-Custom", "two"));
    assertThat(r.statusCode()).isEqualTo(200);
    RecordedRequest got = f.backend(0).takeRequest(Duration.ofSeconds(5));
    assertThat(got.headers("X-Forwarded-For")).containsExactly("203.0.113.7", "127.0.0.1");
    assertThat(got.headers("X-Forwarded-Proto")).containsExactly("http");
    assertThat(got.header("X-Forwarded-Host")).isEqualTo("127.0.0.1:" + f.container.port());
    assertThat(got.header("X-Forwarded-Port")).isEqualTo(Integer.toString(f.container.port()));
    assertThat(got.header("Host")).isEqualTo("127.0.0.1:" + f.container.port());
    assertThat(got.headers("X-Custom")).containsExactly("one", "two");
    assertThat(got.header("Upgrade")).isNull();
    assertThat(got.header("User-Agent")).startsWith("Java-http-client");
    assertThat(r.body()).contains("Hostname: whoami1", "X-Forwarded-For: 127.0.0.1");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void preserveHostOffSendsTheServersAuthority(Kind kind) throws Exception {
    f.backends(1).param("preserve-host", "off").param("forwardfor", "off").start(kind);
    assertThat(f.get("/h").statusCode()).isEqualTo(200);
    RecordedRequest got = f.backend(0).takeRequest(Duration.ofSeconds(5));
    assertThat(got.header("Host")).isEqualTo(f.backend(0).authority());
    assertThat(got.header("X-Forwarded-For")).isNull();
    assertThat(got.header("X-Forwarded-Host")).isNull();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void postBodyReachesTheServerIntact(Kind kind) throws Exception {
    f.backends(1).start(kind);
    byte[] body = new byte[3 * 1024 * 1024 + 7];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) (i * 31);
    }
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(body);
    HttpResponse<String> r = f.send(HttpRequest.newBuilder(f.uri("/sink")).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Body-Length: " + body.length, "Body-CRC32: " + Long.toHexString(crc.getValue()));
    RecordedRequest got = f.backend(0).takeRequest(Duration.ofSeconds(5));
    assertThat(got.header("Content-Length")).isEqualTo(Integer.toString(body.length));
  }
}
