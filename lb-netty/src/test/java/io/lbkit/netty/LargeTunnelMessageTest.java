package io.lbkit.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.testkit.WebSocketProbe;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A 16 MiB WebSocket message each way through a tunnel, in a JVM capped at {@code -Xmx128m} (the
 * lb-netty POM's small-heap execution) with client, engine and backend sharing it: the tunnel
 * passes buffers on as they are read and stops reading a side whose peer cannot take more.
 */
class LargeTunnelMessageTest {
  private static final int SIZE = 16 << 20;

  @RegisterExtension
  final ProxyFixture f = new ProxyFixture();

  @Test
  void sixteenMebibytesEchoWithASmallHeap() throws Exception {
    assertThat(Runtime.getRuntime().maxMemory()).as("run with -Xmx128m").isLessThan(200L << 20);
    f.backends(1).start();
    ByteBuffer message = ByteBuffer.allocateDirect(SIZE); // off the heap: the heap is for the proxy
    for (int i = 0; i < SIZE; i++) {
      message.put(i, (byte) (i % 251));
    }
    long crc = WebSocketProbe.crc(message);
    try (WebSocketProbe p = WebSocketProbe.open(f.http, URI.create("ws://127.0.0.1:" + f.proxy.port() + "/big"))) {
      for (int round = 0; round < 2; round++) {
        long t0 = System.nanoTime();
        p.socket().sendBinary(message.duplicate(), true).get(60, TimeUnit.SECONDS);
        assertThat(p.nextBinary(Duration.ofSeconds(60))).containsExactly(SIZE, crc);
        System.out.printf("netty: 16 MiB echoed in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      }
      assertThat(p.ask("after")).isEqualTo("after");
    }
  }
}
