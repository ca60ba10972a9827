package io.lbkit.netty;

import static io.lbkit.netty.RawHttp.readResponse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.config.BackendConfig;
import io.lbkit.core.Balancer;


import io.lbkit.testkit.Effect;
import io.lbkit.testkit.RecordedRequest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pooled server connections that the server closes: a request the server may have read is never
 * sent twice unless its method is idempotent (docs/netty.md, "Reusing server connections";
 * {@link BackendPoolTest} for connections found closed before anything was written).
 */
class ConnectionReuseTest {
  @RegisterExtension
  final ProxyFixture f = new ProxyFixture();

  /**
   * The backend closes every connection right after its answer, unannounced. The engine's loops are
   * held while the answer to the first of two pipelined GETs and the server's FIN arrive, so the
   * second GET goes out on the pooled connection just closed (reused at once, it is not probed) and
   * meets the close before any answer: a GET may be sent again, on a fresh connection, and is.
   */
  @Test
  void getOnAPooledConnectionClosedUnderItIsSentAgainOnAFreshOne() throws Exception {
    f.backends(1);
    f.backend(0).effect(Effect.CLOSE_AFTER_RESPONSE);
    EventLoopGroup loops = Transport.newGroup(2, "reuse-test");
    Balancer balancer = BackendConfig.parse(Map.of("backend", f.backend(0).authority())).createBalancer();
    try (NettyProxy proxy = NettyProxy.builder().listen(new InetSocketAddress("127.0.0.1", 0)).balancer(balancer)
        .eventLoops(loops).start();
        Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET /r/1?wait=1s HTTP/1.1\r\nHost: x\r\n\r\n"
          + "GET /r/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      // the server holds its answer 1 s: time to hold the loops before it comes (a slow machine may see 2 already)
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
          .until(() -> f.backend(0).requestCount() >= 1);
      for (EventExecutor loop : loops) { // hold every loop until the server has answered and closed
        loop.execute(() -> await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
            .until(() -> f.backend(0).openConnections() == 0));
      }
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      s.getInputStream().transferTo(got);
      String answer = got.toString(StandardCharsets.ISO_8859_1);
      assertThat(answer.split("HTTP/1.1 200 ", -1)).as(answer).hasSize(3);
      assertThat(answer).contains("GET /r/1?wait=1s ", "GET /r/2 ");
    } finally {
      balancer.group().close();
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
    assertThat(f.backend(0).requests()).extracting(RecordedRequest::path).containsExactly("/r/1", "/r/2");
    assertThat(f.backend(0).connectionCount()).isEqualTo(2);
  }

  /**
   * The server reads a POST on a reused connection and closes without a byte of answer: it may have
   * acted on it, so the engine answers 502 and never sends it again.
   */
  @Test
  void postTheServerReadOnAReusedConnectionIsNotSentAgain() throws Exception {
    f.backends(1).start();
    try (Socket s = new Socket("127.0.0.1", f.proxy.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write("GET /first HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertThat(readResponse(in)).startsWith("HTTP/1.1 200 ");
      f.backend(0).effect(Effect.CLOSE_BEFORE_RESPONSE);
      out.write("POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      in.transferTo(got);
      assertThat(got.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 502 ");
    }
    assertThat(f.backend(0).connectionCount()).as("the POST went on the pooled connection").isEqualTo(1);
    assertThat(f.backend(0).requests()).extracting(RecordedRequest::target).containsExactly("/first", "/pay");
  }
}
