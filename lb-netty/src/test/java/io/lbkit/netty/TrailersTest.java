package io.lbkit.netty;

import static io.lbkit.netty.RawHttp.ascii;
import static io.lbkit.netty.RawHttp.readHead;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Trailers of chunked bodies pass both ways (the codecs make their trailer maps only when a
 * message has some, {@link LazyTrailers}), and the same connections carry on with a body sized by
 * {@code Content-Length}.
 */
class TrailersTest {
  @RegisterExtension
  final ProxyFixture f = new ProxyFixture();

  @Test
  void chunkedTrailersPassBothWays() throws Exception {
    try (ServerSocket backend = new ServerSocket(0, 4, InetAddress.getByName("127.0.0.2"))) {
      f.param("backend", "127.0.0.2:" + backend.getLocalPort()).param("forwardfor", "off").start();
      CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> serveTwo(backend));
      try (Socket s = new Socket("127.0.0.1", f.proxy.port())) {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        InputStream in = new BufferedInputStream(s.getInputStream());
        out.write(ascii("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
            + "5\r\nhello\r\n0\r\nX-Sum: client-sum\r\n\r\n"));
        out.flush();
        String first = readChunked(in);
        assertThat(first).startsWith("HTTP/1.1 200 ").contains("\r\n5\r\nworld\r\n0\r\nX-Sum: server-sum\r\n\r\n");
        out.write(ascii("POST /again HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
        out.flush();
        String second = readHead(in);
        assertThat(second).startsWith("HTTP/1.1 200 ").containsIgnoringCase("Content-Length: 2\r\n");
        assertThat(new String(in.readNBytes(2), StandardCharsets.US_ASCII)).isEqualTo("ok");
      }
      String requests = seen.get(20, TimeUnit.SECONDS);
      assertThat(requests).contains("\r\n5\r\nhello\r\n0\r\nX-Sum: client-sum\r\n\r\n");
      assertThat(requests.substring(requests.indexOf("POST /again"))).endsWith("\r\n\r\nabc")
          .doesNotContainIgnoringCase("transfer-encoding");
    }
  }

  /** Answers two requests on one connection: the first chunked with a trailer, the second sized; returns what it read. */
  private static String serveTwo(ServerSocket backend) {
    try (Socket s = backend.accept()) {
      s.setSoTimeout(10_000);
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      String first = readChunked(in);
      out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
          + "5\r\nworld\r\n0\r\nX-Sum: server-sum\r\n\r\n"));
      out.flush();
      String second = readHead(in);
      second += new String(in.readNBytes(3), StandardCharsets.US_ASCII);
      out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
      out.flush();
      return first + second;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A head and its chunked body with trailers, as bytes read (ends at the empty line after the last chunk). */
  private static String readChunked(InputStream in) throws IOException {
    StringBuilder got = new StringBuilder(readHead(in));
    while (true) {
      String size = line(in);
      got.append(size).append("\r\n");
      int n = Integer.parseInt(size.trim(), 16);
      if (n == 0) {
        String t;
        while (!(t = line(in)).isEmpty()) {
          got.append(t).append("\r\n");
        }
        return got.append("\r\n").toString();
      }
      got.append(new String(in.readNBytes(n), StandardCharsets.US_ASCII)).append(line(in)).append("\r\n");
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new IOException("closed after " + b);
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.US_ASCII);
  }

}
