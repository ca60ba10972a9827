package io.lbkit.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.local.LocalAnswer;
import io.lbkit.local.LocalHandler;
import io.lbkit.local.LocalRequest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Paths answered by the engine itself: the stats page in its formats and a gateway's local handler. */
class LocalPagesTest {
  @RegisterExtension
  final ProxyFixture f = new ProxyFixture();

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return f.http.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder stats(String query) {
    return HttpRequest.newBuilder(f.uri("/my-stats" + query));
  }

  private static String basic(String credentials) {
    return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theStatsPageIsServedInEveryFormatAndNeverForwarded() throws Exception {
    f.backends(2).param("stats-uri", "/my-stats").param("stats-refresh", "7s").start();
    HttpResponse<String> html = send(stats(""));
    assertThat(html.statusCode()).isEqualTo(200);
    assertThat(html.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(html.headers().firstValue("refresh")).hasValue("7");
    assertThat(html.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(html.body()).contains("<h1>lbkit stats</h1>", f.backend(0).authority(), f.backend(1).authority());

    HttpResponse<String> json = send(stats("?format=json"));
    assertThat(json.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(json.body()).startsWith("{\"backends\":[").contains("\"requests\":0");
    assertThat(send(stats("").header("Accept", "application/json")).body()).startsWith("{\"backends\":[");

    HttpResponse<String> prometheus = send(stats("?format=prometheus"));
    assertThat(prometheus.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(prometheus.body()).contains("lbkit_server_requests_total{backend=").contains("} 0\n");

    assertThat(send(stats("?format=xml")).statusCode()).isEqualTo(400);
    HttpResponse<String> post = send(stats("").POST(HttpRequest.BodyPublishers.ofString("x")));
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
    HttpResponse<String> head = send(stats("?format=json").method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(f.backend(0).requestCount() + f.backend(1).requestCount()).as("never forwarded").isZero();

    for (int i = 0; i < 4; i++) {
      assertThat(f.get("/").statusCode()).isEqualTo(200);
    }
    assertThat(send(stats("?format=json")).body()).contains("\"requests\":2").doesNotContain("\"requests\":0");
    assertThat(send(stats("?format=prometheus")).body()).contains("} 2\n");
  }

  @Test
  void statsAuthAnswers401WithoutOrWithWrongCredentials() throws Exception {
    f.backends(1).param("stats-uri", "/my-stats").param("stats-auth", "admin:s3cret").start();
    HttpResponse<String> none = send(stats("?format=json"));
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("www-authenticate")).hasValue("Basic realm=\"lbkit stats\", charset=\"UTF-8\"");
    assertThat(send(stats("?format=json").header("Authorization", basic("admin:wrong"))).statusCode()).isEqualTo(401);
    assertThat(send(stats("?format=json").header("Authorization", "Bearer x")).statusCode()).isEqualTo(401);
    assertThat(send(stats("?format=json").header("Authorization", basic("admin:s3cret"))).statusCode()).isEqualTo(200);
    assertThat(send(stats("").header("Authorization", basic("admin:s3cret"))
        .POST(HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(405);
    assertThat(f.get("/my-stats/other").statusCode()).as("only the exact path").isEqualTo(200);
    assertThat(f.backend(0).requestCount()).isEqualTo(1);
  }

  @Test
  void aLocalHandlerAnswersOnAKeptAliveConnectionItsBodyDropped() throws Exception {
    LocalHandler ping = new LocalHandler() {
      @Override
      public boolean handles(String path) {
        return path.equals("/ping");
      }

      @Override
      public LocalAnswer answer(LocalRequest r) {
        return LocalAnswer.text(200, "text/plain", r.method() + " " + r.path() + " q=" + r.parameter("q") + " host="
            + r.host() + ":" + r.port() + "\n").withHeader("X-Local", "yes");
      }
    };
    f.backends(1);
    f.balancer = io.lbkit.config.BackendConfig.parse(java.util.Map.of("backend", f.backend(0).authority()))
        .createBalancer();
    f.proxy = NettyProxy.builder().listen(new InetSocketAddress("127.0.0.1", 0)).balancer(f.balancer)
        .localHandler(ping).threads(1).start();
    try (Socket s = new Socket("127.0.0.1", f.proxy.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      String body = "some body the handler never reads";
      out.write(("POST /ping?q=a+b HTTP/1.1\r\nHost: example.test:8080\r\nContent-Length: " + body.length()
          + "\r\n\r\n" + body + "GET /after HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String both = readAll(s.getInputStream());
      assertThat(both).startsWith("HTTP/1.1 200 OK\r\n").contains("X-Local: yes")
          .contains("POST /ping q=a b host=example.test:8080\n");
      assertThat(both.indexOf("HTTP/1.1 200 OK", 10)).as("the next request was forwarded on the same connection")
          .isPositive();
    }
    assertThat(f.backend(0).requestCount()).isEqualTo(1);
  }

  private static String readAll(InputStream in) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    in.transferTo(bytes);
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }
}
