package io.lbkit.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.proxy.ErrorResponse;
import io.lbkit.testkit.Effect;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** lb-core's short answers through the engine, and requests the codec refuses. */
class ProxyErrorsTest {
  @RegisterExtension
  final ProxyFixture f = new ProxyFixture();

  @Test
  void noServerIs503() throws Exception {
    f.backends(2).start();
    f.balancer.group().snapshot().servers().forEach(s -> f.balancer.group().setMaintenance(s.name(), true));
    HttpResponse<String> r = f.get("/");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo(new String(ErrorResponse.NO_SERVER.body(), StandardCharsets.UTF_8));
    assertThat(r.headers().firstValue("cache-control")).contains("no-cache");
  }

  @Test
  void everyServerRefusingIs503() throws Exception {
    f.backends(2).param("retries", "2").start();
    f.backend(0).stop();
    f.backend(1).stop();
    assertThat(f.get("/").statusCode()).isEqualTo(503);
  }

  @Test
  void garbageFromTheServerIs502() throws Exception {
    f.backends(1).start();
    f.backend(0).effect(Effect.MALFORMED);
    HttpResponse<String> r = f.get("/");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).isEqualTo(new String(ErrorResponse.BAD_GATEWAY.body(), StandardCharsets.UTF_8));
  }

  @Test
  void stalledServerIs504AfterTimeoutServer() throws Exception {
    f.backends(1).param("timeout-server", "300ms").start();
    f.backend(0).effect(Effect.STALL);
    long start = System.nanoTime();
    HttpResponse<String> r = f.get("/");
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(r.body()).isEqualTo(new String(ErrorResponse.GATEWAY_TIMEOUT.body(), StandardCharsets.UTF_8));
    assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(250);
  }

  @Test
  void malformedRequestIs400() throws Exception {
    f.backends(1).start();
    String answer = raw("GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 400 ");
    assertThat(f.backend(0).requestCount()).isZero();
  }

  @Test
  void connectIs405AndNeverForwarded() throws Exception {
    f.backends(1).start();
    String answer = raw("CONNECT 127.0.0.2:22 HTTP/1.1\r\nHost: 127.0.0.2:22\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 405 ").endsWith(new String(ErrorResponse.CONNECT_REFUSED.body(), StandardCharsets.UTF_8));
    assertThat(f.backend(0).requestCount()).isZero();
  }

  @Test
  void oversizedHeadersAre431() throws Exception {
    f.backends(1).start();
    String answer = raw("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 431 ");
    assertThat(f.backend(0).requestCount()).isZero();
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    f.backends(3).start();
    StringBuilder req = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      req.append("GET /p").append(i).append(" HTTP/1.1\r\nHost: x\r\n")
          .append(i == 2 ? "Connection: close\r\n" : "").append("\r\n");
    }
    String answer = raw(req.toString());
    int p0 = answer.indexOf("GET /p0 ");
    int p1 = answer.indexOf("GET /p1 ");
    int p2 = answer.indexOf("GET /p2 ");
    assertThat(p0).isNotNegative();
    assertThat(p1).isGreaterThan(p0);
    assertThat(p2).isGreaterThan(p1);
    assertThat(answer.split("HTTP/1.1 200 ", -1)).hasSize(4);
  }

  @Test
  void silentClientIsDisconnectedAfterTimeoutClient() throws Exception {
    f.backends(1).param("timeout-client", "300ms").start();
    String answer = raw("GET / HTTP/1.1\r\nHost: x\r\n"); // the head never ends
    assertThat(answer).as("closed without an answer").isEmpty();
    assertThat(f.backend(0).requestCount()).isZero();
  }

  /** Sends {@code request} on a new connection and reads until the proxy closes it. */
  private String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", f.proxy.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      in.transferTo(got);
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
