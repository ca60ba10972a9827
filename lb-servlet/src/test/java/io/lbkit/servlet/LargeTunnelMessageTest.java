package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.WebSocketProbe;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A 16 MiB WebSocket message each way through a tunnel, in the JVM capped at {@code -Xmx128m}
 * (the lb-servlet POM's small-heap execution) with client, container, filter and backend sharing
 * it: the tunnel copies through its two 16 KiB buffers and never holds a message.
 */
class LargeTunnelMessageTest {
  private static final int SIZE = 16 << 20;

  @RegisterExtension
  final Fixture f = new Fixture();

  @ParameterizedTest
  @EnumSource(Kind.class)
  void sixteenMebibytesEchoWithASmallHeap(Kind kind) throws Exception {
    assertThat(Runtime.getRuntime().maxMemory()).as("run with -Xmx128m").isLessThan(200L << 20);
    f.backends(1).start(kind);
    ByteBuffer message = ByteBuffer.allocateDirect(SIZE); // off the heap: the heap is for the proxy
    for (int i = 0; i < SIZE; i++) {
      message.put(i, (byte) (i % 251));
    }
    long crc = WebSocketProbe.crc(message);
    try (WebSocketProbe p = WebSocketProbe.open(f.http, URI.create("ws://127.0.0.1:" + f.container.port() + "/big"))) {
      for (int round = 0; round < 2; round++) {
        long t0 = System.nanoTime();
        p.socket().sendBinary(message.duplicate(), true).get(60, TimeUnit.SECONDS);
        assertThat(p.nextBinary(Duration.ofSeconds(60))).containsExactly(SIZE, crc);
        System.out.printf("%s: 16 MiB echoed in %d ms%n", kind, (System.nanoTime() - t0) / 1_000_000);
      }
      assertThat(p.ask("after")).isEqualTo("after");
    }
  }
}
