package io.lbkit.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 1 GiB up and 1 GiB down through the engine to a real backend that checksums what it receives
 * and generates what it sends: every byte arrives, in order, and the engine's buffers stay small.
 * Surefire runs this class alone in a JVM capped at {@code -Xmx128m} (see the lb-netty POM); the
 * JVM's direct memory defaults to the same cap, so an engine that queued a body instead of holding
 * the fast side back would fail with an OutOfMemoryError. Client, engine and backend share that
 * JVM.
 */
class LargeBodyTest {
  private static final long GIB = 1L << 30;
  /** What the engine may hold at once: reads in flight and socket-sized queues, never a body's worth. */
  private static final long BUFFER_BOUND = 16L << 20;

  @RegisterExtension
  final ProxyFixture f = new ProxyFixture();

  @Test
  void oneGibibyteUpAndDownWithASmallHeap() throws Exception {
    assertThat(Runtime.getRuntime().maxMemory()).as("run with -Xmx128m").isLessThan(200L << 20);
    f.backends(1).start();

    CRC32 sent = new CRC32();
    TestBodies.MAX_USED.reset();
    long t0 = System.nanoTime();
    HttpResponse<String> up = f.http.send(HttpRequest.newBuilder(f.uri("/sink")).timeout(Duration.ofMinutes(5))
        .POST(HttpRequest.BodyPublishers.fromPublisher(
            HttpRequest.BodyPublishers.ofInputStream(() -> TestBodies.patternStream(GIB, sent)), GIB))
        .build(), HttpResponse.BodyHandlers.ofString());
    long t1 = System.nanoTime();
    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(up.body()).contains("Body-Length: " + GIB, "Body-CRC32: " + Long.toHexString(sent.getValue()));
    assertThat(TestBodies.MAX_USED.get()).as("bytes held in Netty buffers during the upload").isLessThan(BUFFER_BOUND);

    HttpResponse<InputStream> down = f.http.send(HttpRequest.newBuilder(f.uri("/data?size=" + GIB))
        .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(down.statusCode()).isEqualTo(200);
    assertThat(down.headers().firstValueAsLong("Content-Length")).hasValue(GIB);
    TestBodies.assertPattern(down.body(), GIB, BUFFER_BOUND);
    long t2 = System.nanoTime();
    System.out.printf("netty engine: 1 GiB up in %d ms, down in %d ms%n", (t1 - t0) / 1_000_000,
        (t2 - t1) / 1_000_000);
  }
}
