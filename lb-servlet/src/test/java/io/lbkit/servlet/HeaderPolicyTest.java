package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.RecordedRequest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 12 points 7 and 8 through the real filter in Jetty and Tomcat: forwarding lines a client
 * forges never reach the server, and {@code cookie-nocache} adds {@code private} without removing
 * the server's stricter directives.
 */
class HeaderPolicyTest {
  private final Fixture f = new Fixture();
  private HttpServer cacheBackend;

  @AfterEach
  void close() throws Exception {
    try {
      f.close();
    } finally {
      if (cacheBackend != null) {
        cacheBackend.stop(0);
      }
    }
  }

  /** Sends raw HTTP/1.1 (the JDK client will not send a Host of our choosing) and returns the status code. */
  private String rawGet(String head) throws Exception {
    try (Socket s = new Socket("127.0.0.1", f.container.port())) {
      s.setSoTimeout(15_000);
      OutputStream out = s.getOutputStream();
      out.write((head + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.ISO_8859_1);
      return text.substring("HTTP/1.1 ".length(), "HTTP/1.1 200".length()); // Tomcat sends no reason phrase
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void forwardforReplacesTheClientsForwardingLinesAndTakesThePortOfTheConnection(Kind kind) throws Exception {
    f.backends(1).start(kind);
    String status = rawGet("GET /h HTTP/1.1\r\nHost: example.com:9999\r\n"
        + "Forwarded: for=6.6.6.6;proto=https;host=evil.example\r\n"
        + "X-Real-IP: 6.6.6.6\r\n"
        + "X-Forwarded-For: 198.51.100.1\r\n"
        + "X-Forwarded-Proto: https\r\n"
        + "X-Forwarded-Host: evil.example\r\n"
        + "X-Forwarded-Port: 443\r\n");
    assertThat(status).isEqualTo("200");
    RecordedRequest got = f.backend(0).takeRequest(Duration.ofSeconds(5));
    assertThat(got.headers("Forwarded")).containsExactly("for=127.0.0.1;host=\"example.com:9999\";proto=http");
    assertThat(got.headers("X-Real-IP")).containsExactly("127.0.0.1");
    assertThat(got.headers("X-Forwarded-For")).containsExactly("198.51.100.1", "127.0.0.1");
    assertThat(got.headers("X-Forwarded-Proto")).containsExactly("http");
    assertThat(got.headers("X-Forwarded-Host")).containsExactly("example.com:9999");
    assertThat(got.headers("X-Forwarded-Port")).as("the port the connection arrived on, not the Host header's")
        .containsExactly(Integer.toString(f.container.port()));
    assertThat(got.header("Host")).isEqualTo("example.com:9999");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void withoutForwardforTheClientsLinesPassUntouched(Kind kind) throws Exception {
    f.backends(1).param("forwardfor", "off").start(kind);
    assertThat(rawGet("GET /h HTTP/1.1\r\nHost: example.com\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\n"))
        .isEqualTo("200");
    RecordedRequest got = f.backend(0).takeRequest(Duration.ofSeconds(5));
    assertThat(got.headers("Forwarded")).containsExactly("for=6.6.6.6");
    assertThat(got.headers("X-Real-IP")).containsExactly("6.6.6.6");
    assertThat(got.header("X-Forwarded-For")).isNull();
  }

  /** A backend (the JDK's HTTP server on 127.0.0.2) answering with {@code Cache-Control: no-store}. */
  private void startNoStoreBackend() throws Exception {
    cacheBackend = HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 0);
    cacheBackend.createContext("/", exchange -> {
      byte[] body = "private data\n".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Cache-Control", "no-store");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    cacheBackend.start();
    f.param("backend", "127.0.0.2:" + cacheBackend.getAddress().getPort());
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void cookieNocacheKeepsTheServersNoStoreAndAddsPrivate(Kind kind) throws Exception {
    startNoStoreBackend();
    f.param("cookie", "SRVID").param("cookie-key", "k").param("cookie-nocache", "on").start(kind);
    HttpResponse<String> first = f.get("/account");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("Set-Cookie")).hasValueSatisfying(c -> assertThat(c).startsWith("SRVID="));
    assertThat(first.headers().allValues("Cache-Control")).containsExactly("no-store, private");
    HttpResponse<String> pinned = f.get("/account"); // the jar sends the cookie: nothing to advise
    assertThat(pinned.headers().allValues("Set-Cookie")).isEmpty();
    assertThat(pinned.headers().allValues("Cache-Control")).containsExactly("no-store");
  }
}
