package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.core.ServerGroup;
import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.WhoamiServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code timeout-client} reads the group's injected ticker, not the system clock: a client that
 * stops sending its body is cut off when the ticker says so, and not before.
 */
class ClientTimeoutTickerTest {
  @ParameterizedTest
  @EnumSource(Kind.class)
  void aSilentClientIsClosedWhenTheInjectedTickerPassesTimeoutClient(Kind kind) throws Exception {
    AtomicLong now = new AtomicLong(Long.MAX_VALUE - 1_000_000_000L); // near overflow on purpose
    try (WhoamiServer backend = WhoamiServer.start("whoami1", "127.0.0.2");
        ServerGroup group = ServerGroup.builder("be").staticEndpoints(backend.authority()).ticker(now::get).build()) {
      FilterOptions options = FilterOptions.builder().timeoutClient(Duration.ofMillis(40)).build();
      LoadBalancingFilter filter = new LoadBalancingFilter(RoundRobinBalancer.create(group), options);
      try (ServletContainer container = ServletContainer.start(kind, filter);
          Socket client = new Socket("127.0.0.1", container.port())) {
        OutputStream out = client.getOutputStream();
        out.write(("PUT /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789")
            .getBytes(StandardCharsets.ISO_8859_1));
        out.flush(); // then silence: 90 bytes never come
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.openConnections() == 1); // the proxy forwards the request
        InputStream in = client.getInputStream();
        client.setSoTimeout(400); // ten times timeout-client in real time, while the ticker stands still
        assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);

        now.addAndGet(Duration.ofSeconds(1).toNanos()); // wraps past Long.MAX_VALUE
        client.setSoTimeout(10_000);
        assertThat(readUntilClosed(in)).as("the filter closed the connection without an answer").isEqualTo(-1);
      }
    }
  }

  private static int readUntilClosed(InputStream in) {
    try {
      while (in.read() >= 0) {
        // a container may write nothing or a partial answer before closing
      }
      return -1;
    } catch (SocketTimeoutException e) {
      return 0; // still open after 10 s
    } catch (IOException e) {
      return -1; // reset: closed as well
    }
  }
}
