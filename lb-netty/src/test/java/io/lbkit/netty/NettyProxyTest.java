package io.lbkit.netty;

import static io.lbkit.netty.RawHttp.ascii;
import static io.lbkit.netty.RawHttp.contentLength;
import static io.lbkit.netty.RawHttp.readHead;
import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.Server;
import io.lbkit.testkit.RecordedRequest;
import io.lbkit.testkit.WhoamiServer;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine in front of real backends: balancing, stickiness, retries, headers, keep-alive. */
class NettyProxyTest {
  @RegisterExtension
  final ProxyFixture f = new ProxyFixture();

  @Test
  void roundRobinAcrossThreeBackends() throws Exception {
    f.backends(3).start();
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = f.get("/");
      assertThat(r.statusCode()).isEqualTo(200);
      seen.add(WhoamiServer.hostnameOf(r.body()));
    }
    assertThat(seen.subList(0, 3)).containsExactlyInAnyOrder("whoami1", "whoami2", "whoami3");
    assertThat(seen.subList(3, 6)).isEqualTo(seen.subList(0, 3));
  }

  @Test
  void keepAliveConnectionsToServersArePooled() throws Exception {
    f.backends(1).start();
    for (int i = 0; i < 5; i++) {
      assertThat(f.get("/").statusCode()).isEqualTo(200);
    }
    assertThat(f.backend(0).requestCount()).isEqualTo(5);
    assertThat(f.backend(0).connectionCount()).as("one pooled connection serves them all").isEqualTo(1);
    assertThat(f.balancer.group().snapshot().servers()).allSatisfy(s -> assertThat(s.stats().active()).isZero());
  }

  @Test
  void stickyCookiePinsAndIsStrippedFromTheForwardedRequest() throws Exception {
    f.backends(3).param("cookie", "SRVID").param("cookie-key", "njqWdVKWfG").start();
    HttpResponse<String> first = f.get("/");
    assertThat(first.headers().allValues("set-cookie")).anySatisfy(c -> assertThat(c).startsWith("SRVID="));
    String pinned = WhoamiServer.hostnameOf(first.body());
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = f.get("/");
      assertThat(WhoamiServer.hostnameOf(r.body())).isEqualTo(pinned);
      assertThat(r.body()).doesNotContain("SRVID=");
    }
    for (WhoamiServer b : f.backends) {
      for (RecordedRequest req : b.requests()) {
        assertThat(req.headers("Cookie")).noneSatisfy(c -> assertThat(c).contains("SRVID"));
      }
    }
  }

  @Test
  void refusedServerIsRetriedOnAnotherWithoutAFailedRequest() throws Exception {
    f.backends(3).start();
    f.backend(1).stop();
    for (int i = 0; i < 9; i++) {
      HttpResponse<String> r = f.get("/");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(WhoamiServer.hostnameOf(r.body())).isNotEqualTo("whoami2");
    }
    Server refused = f.balancer.group().snapshot().servers().stream()
        .filter(s -> s.endpoint().port() == f.backend(1).port()).findFirst().orElseThrow();
    assertThat(refused.stats().retries()).isPositive();
  }

  @Test
  void postBodiesAreRetriedWholeAfterARefusedConnect() throws Exception {
    f.backends(2).param("redispatch", "on").start();
    f.backend(0).stop();
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = f.http.send(java.net.http.HttpRequest.newBuilder(f.uri("/sink"))
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString("hello body " + i)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("Body-Length: " + ("hello body " + i).length());
    }
  }

  @Test
  void forwardingHeaders() throws Exception {
    f.backends(1).start();
    HttpResponse<String> r = f.http.send(java.net.http.HttpRequest.newBuilder(f.uri("/hello"))
        .header("X-Forwarded-Proto", "https").header("X-Forwarded-For", "198.51.100.1").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    RecordedRequest got = f.backend(0).takeRequest(Duration.ofSeconds(5));
    assertThat(got.headers("X-Forwarded-For")).containsExactly("198.51.100.1", "127.0.0.1");
    assertThat(got.headers("X-Forwarded-Proto")).containsExactly("http");
    assertThat(got.headers("X-Forwarded-Port")).containsExactly(Integer.toString(f.proxy.port()));
    assertThat(got.headers("X-Forwarded-Host")).containsExactly("127.0.0.1:" + f.proxy.port());
    assertThat(got.header("Host")).as("preserve-host").isEqualTo("127.0.0.1:" + f.proxy.port());
    assertThat(got.headers("Forwarded")).containsExactly("for=127.0.0.1;host=\"127.0.0.1:" + f.proxy.port()
        + "\";proto=http");
  }

  @Test
  void serverAddressAsHostWithoutPreserveHost() throws Exception {
    f.backends(1).param("preserve-host", "off").param("forwardfor", "off").start();
    assertThat(f.get("/").statusCode()).isEqualTo(200);
    RecordedRequest got = f.backend(0).takeRequest(Duration.ofSeconds(5));
    assertThat(got.header("Host")).isEqualTo(f.backend(0).authority());
    assertThat(got.headers("X-Forwarded-For")).isEmpty();
  }

  /**
   * The server answers a HEAD with the head a GET would get, Content-Length included, and no body:
   * the engine must read it so (the codec pairs answers with their methods), or the next answer on
   * the pooled connection would be taken for the HEAD's body. Status lines pass as sent.
   */
  @Test
  void headAnswersHaveNoBodyAndBothConnectionsCarryOn() throws Exception {
    f.backends(1).start();
    try (Socket s = new Socket("127.0.0.1", f.proxy.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      InputStream in = new BufferedInputStream(s.getInputStream());
      for (int i = 0; i < 2; i++) {
        out.write(ascii("HEAD /page HTTP/1.1\r\nHost: x\r\n\r\n"));
        out.flush();
        String head = readHead(in);
        assertThat(head).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("Content-Length: ");
        assertThat(contentLength(head)).isPositive();
        out.write(ascii("GET /page HTTP/1.1\r\nHost: x\r\n\r\n"));
        out.flush();
        String get = readHead(in);
        assertThat(get).startsWith("HTTP/1.1 200 OK\r\n");
        assertThat(new String(in.readNBytes(contentLength(get)), StandardCharsets.UTF_8)).contains("GET /page ");
        out.write(ascii("GET /status/404 HTTP/1.1\r\nHost: x\r\n\r\n"));
        out.flush();
        String notFound = readHead(in);
        assertThat(notFound).as("the server's own reason phrase").startsWith("HTTP/1.1 404 Status 404\r\n");
        assertThat(contentLength(notFound)).isZero();
      }
    }
    assertThat(f.backend(0).requests()).extracting(RecordedRequest::method)
        .containsExactly("HEAD", "GET", "GET", "HEAD", "GET", "GET");
    assertThat(f.backend(0).connectionCount()).as("one pooled connection for all").isEqualTo(1);
  }
}
