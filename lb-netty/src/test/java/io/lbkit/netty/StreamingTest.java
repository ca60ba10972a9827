package io.lbkit.netty;

import static io.lbkit.netty.RawHttp.readHead;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bodies far larger than any buffer pass through intact, both ways, while the engine's buffers
 * stay small: back-pressure holds the fast side instead of queueing.
 */
class StreamingTest {
  private static final long SIZE = 64L * 1024 * 1024;
  /** Far below the body size: what the engine may hold at once (reads in flight, socket-sized queues). */
  private static final long BUFFER_BOUND = 16L * 1024 * 1024;

  @RegisterExtension
  final ProxyFixture f = new ProxyFixture();

  @Test
  void uploadWithContentLengthArrivesIntact() throws Exception {
    f.backends(1).start();
    CRC32 sent = new CRC32();
    HttpResponse<String> r = f.http.send(HttpRequest.newBuilder(f.uri("/sink")).timeout(Duration.ofMinutes(2))
        .POST(HttpRequest.BodyPublishers.fromPublisher(
            HttpRequest.BodyPublishers.ofInputStream(() -> TestBodies.patternStream(SIZE, sent)), SIZE)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Body-Length: " + SIZE, "Body-CRC32: " + Long.toHexString(sent.getValue()));
  }

  @Test
  void chunkedDownloadArrivesIntactWithBoundedBuffers() throws Exception {
    f.backends(1).start();
    HttpResponse<InputStream> r = f.http.send(HttpRequest.newBuilder(f.uri("/data?size=" + SIZE + "&chunked=true"))
        .timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("transfer-encoding")).contains("chunked");
    assertPattern(r.body(), SIZE);
  }

  @Test
  void chunkedUploadEchoedBackStreamsBothWaysAtOnce() throws Exception {
    f.backends(1).start();
    try (Socket socket = new Socket("127.0.0.1", f.proxy.port())) {
      socket.setSoTimeout(60_000);
      OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
      CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
        try {
          out.write(("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
          byte[] chunk = new byte[32 * 1024];
          InputStream body = TestBodies.patternStream(SIZE, new CRC32());
          int n;
          while ((n = body.read(chunk, 0, chunk.length)) > 0) {
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(chunk, 0, n);
            out.write(CRLF);
          }
          out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
      String head = readHead(in);
      assertThat(head).startsWith("HTTP/1.1 200 ").containsIgnoringCase("transfer-encoding: chunked");
      assertPattern(new ChunkedStream(in), SIZE);
      upload.get(1, TimeUnit.MINUTES);
    }
  }

  private static final byte[] CRLF = {'\r', '\n'};

  /** The data of a chunked body, ending at the last chunk. */
  private static final class ChunkedStream extends InputStream {
    private final InputStream in;
    private long left;
    private boolean end;

    ChunkedStream(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (end) {
        return -1;
      }
      if (left == 0) {
        String size = line();
        if (size.isEmpty()) { // the CRLF after the previous chunk's data
          size = line();
        }
        int semi = size.indexOf(';');
        left = Long.parseLong(semi < 0 ? size.trim() : size.substring(0, semi).trim(), 16);
        if (left == 0) {
          end = true;
          return -1;
        }
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("chunk cut short");
      }
      left -= n;
      return n;
    }

    private String line() throws IOException {
      StringBuilder sb = new StringBuilder();
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) {
          throw new EOFException("chunk size line");
        }
        if (c != '\r') {
          sb.append((char) c);
        }
      }
      return sb.toString();
    }
  }

  /** Reads {@code size} pattern bytes, checking them and the engine's buffers. */
  private static void assertPattern(InputStream in, long size) throws Exception {
    TestBodies.assertPattern(in, size, BUFFER_BOUND);
  }
}
