package io.lbkit.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.lbkit.testkit.RecordedRequest;
import io.lbkit.testkit.WhoamiServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request smuggling against the jar, over raw sockets: requests whose framing or headers could be
 * read two ways (RFC 9112 sections 6.1, 6.3, 5.1, 5.2, 7.1) are answered 400 and the connection is
 * closed, and nothing of them reaches the backend: neither the ambiguous request nor the request
 * hidden behind it ({@code GET /smuggled}). Each case ends with a plain request on a new
 * connection, which must be the only one the backend records.
 */
class RequestSmugglingIT {
  private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: backend\r\n\r\n";
  /** Cases the netty engine's codec reads one way, as RFC 9112 allows, instead of refusing them. */
  private static final Set<String> NORMALIZED_BY_NETTY = Set.of("an obs-fold continuation",
      "a request line with a tab");

  static Stream<Arguments> ambiguous() {
    return Stream.of(
        post("two different Content-Lengths", "Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"),
        post("a Content-Length list", "Content-Length: 5, 6\r\n", "hello!"),
        post("a signed Content-Length", "Content-Length: +5\r\n", "hello"),
        post("Content-Length with chunked", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
        post("chunked with Content-Length after it", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
            "0\r\n\r\n"),
        post("chunked, identity", "Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n"),
        post("chunked twice in two lines", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
            "0\r\n\r\n"),
        post("xchunked", "Transfer-Encoding: xchunked\r\n", "0\r\n\r\n"),
        post("a space before the colon of Transfer-Encoding", "Transfer-Encoding : chunked\r\n", "0\r\n\r\n"),
        post("a space before the colon of Content-Length", "Content-Length : 5\r\n", "hello"),
        post("a tab before the colon", "Content-Length\t: 5\r\n", "hello"),
        post("Transfer-Encoding folded onto the next line", "Transfer-Encoding:\r\n chunked\r\n", "0\r\n\r\n"),
        post("an obs-fold continuation", "Content-Length: 5\r\nX-Note: one\r\n two\r\n", "hello"),
        post("a NUL in a header value", "Content-Length: 5\r\nX-Note: a\0b\r\n", "hello"),
        post("a bare CR in a header value", "Content-Length: 5\r\nX-Note: a\rb\r\n", "hello"),
        post("chunk size -1", "Transfer-Encoding: chunked\r\n", "-1\r\nhello\r\n0\r\n\r\n"),
        post("chunk size 0x10", "Transfer-Encoding: chunked\r\n", "0x10\r\n0123456789abcdef\r\n0\r\n\r\n"),
        post("a huge chunk size", "Transfer-Encoding: chunked\r\n", "fffffffffffffffff1\r\nhello\r\n0\r\n\r\n"),
        post("a chunk size with a space", "Transfer-Encoding: chunked\r\n", "5 5\r\nhello\r\n0\r\n\r\n"),
        Arguments.of("a request line with a tab", "GET\t/ HTTP/1.1\r\nHost: lb\r\n\r\n"),
        Arguments.of("two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        Arguments.of("no Host in HTTP/1.1", "GET / HTTP/1.1\r\nX-Note: x\r\n\r\n"));
  }

  private static Arguments post(String name, String headers, String body) {
    return Arguments.of(name, "POST /sink HTTP/1.1\r\nHost: lb\r\n" + headers + "\r\n" + body);
  }

  /** One jar per engine, shared by its cases (each case opens connections of its own). */
  @Nested
  @ParameterizedClass(name = "{0}")
  @EnumSource(Engine.class)
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Tests {
    /** The engine this process runs on. */
    @Parameter
    Engine engine;

    private WhoamiServer backend;
    private StandaloneProcess lb;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
      backend = WhoamiServer.start("whoami1", "127.0.0.2");
      lb = StandaloneProcess.start("smuggling", engine, "--backend", backend.authority(), "--listen", "127.0.0.1:0")
          .awaitListening();
    }

    @AfterParameterizedClassInvocation
    void stop() throws Exception {
      if (lb != null) {
        lb.close();
      }
      if (backend != null) {
        backend.close();
      }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.lbkit.standalone.RequestSmugglingIT#ambiguous")
    void isRefusedAndNothingReachesTheBackend(String name, String request) throws Exception {
      // Netty's codec replaces obs-fold with SP and splits the request line on any whitespace, as RFC 9112
      // (5.2, 3) allows; the proxy then writes its own normalized request: not ambiguous (docs/netty.md)
      assumeFalse(engine == Engine.NETTY && NORMALIZED_BY_NETTY.contains(name), "normalized by the netty engine");
      int before = backend.requestCount();
      String response = exchange(request + SMUGGLED);

      assertThat(response).as("answer to %s", name).startsWith("HTTP/1.1 400 ");
      assertThat(response.split("HTTP/1\\.1 ", -1)).as("one answer, then the connection is closed: %s", response)
          .hasSize(2);
      String control = "/control?case=" + name.replaceAll("[^A-Za-z0-9]+", "-");
      assertThat(exchange("GET " + control + " HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n"))
          .startsWith("HTTP/1.1 200 ");
      assertThat(targets(backend.requests().subList(before, backend.requestCount())))
          .as("what the backend received").containsExactly(control);
    }

    /**
     * Jetty parses a request line on whitespace boundaries (RFC 9112 section 3 allows it; Jetty has
     * no compliance switch for it). Not ambiguous here: the proxy writes its own request line, so
     * the backend receives one normalized request and the pipelined one after it, in plain sight.
     */
    @Test
    void aRequestLineWithTwoSpacesReachesTheBackendNormalized() throws Exception {
      int before = backend.requestCount();
      String response = exchange("GET  /two-spaces HTTP/1.1\r\nHost: lb\r\n\r\n"
          + "GET /next HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n");
      assertThat(response).startsWith("HTTP/1.1 200 ").contains("GET /two-spaces HTTP/1.1\n");
      List<RecordedRequest> got = backend.requests().subList(before, backend.requestCount());
      assertThat(got).extracting(r -> r.method() + " " + r.target() + " " + r.version())
          .containsExactly("GET /two-spaces HTTP/1.1", "GET /next HTTP/1.1");
    }

    @Test
    void aPlainPostWithABodyStillPasses() throws Exception {
      int before = backend.requestCount();
      String response = exchange("POST /sink HTTP/1.1\r\nHost: lb\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
          + "hello");
      assertThat(response).startsWith("HTTP/1.1 200 ").contains("Body-Length: 5");
      String chunked = exchange("POST /sink HTTP/1.1\r\nHost: lb\r\nTransfer-Encoding: chunked\r\nConnection: close"
          + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
      assertThat(chunked).startsWith("HTTP/1.1 200 ").contains("Body-Length: 5");
      assertThat(targets(backend.requests().subList(before, backend.requestCount()))).containsExactly("/sink", "/sink");
    }

    private static List<String> targets(List<RecordedRequest> requests) {
      return requests.stream().map(RecordedRequest::target).collect(Collectors.toList());
    }

    /** Writes {@code request} on a new connection and reads until the server closes it (or 10 s pass). */
    private String exchange(String request) throws Exception {
      try (Socket s = new Socket(lb.uri("/").getHost(), lb.uri("/").getPort())) {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
          for (int n; (n = in.read(buf)) >= 0; ) {
            got.write(buf, 0, n);
          }
        } catch (SocketTimeoutException e) {
          return got.toString(StandardCharsets.ISO_8859_1) + "\n[still open after 10 s]";
        }
        return got.toString(StandardCharsets.ISO_8859_1);
      }
    }
  }
}
