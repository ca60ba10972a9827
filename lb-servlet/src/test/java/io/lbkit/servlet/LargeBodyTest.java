package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.PatternBodies;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.zip.CRC32;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * 1 GiB up and 1 GiB down through the filter with bodies streamed, never held. Surefire runs this
 * class alone in a JVM capped at {@code -Xmx128m} (see the lb-servlet POM), so a proxy that
 * buffered a body would fail with OutOfMemoryError. Client, container, filter and backend all
 * share that heap.
 */
class LargeBodyTest {
  private static final long GIB = 1L << 30;
  @RegisterExtension
  final Fixture f = new Fixture();

  @ParameterizedTest
  @EnumSource(Kind.class)
  void oneGibibyteUpAndDownWithASmallHeap(Kind kind) throws Exception {
    assertThat(Runtime.getRuntime().maxMemory()).as("run with -Xmx128m").isLessThan(200L << 20);
    f.backends(1).start(kind);

    CRC32 sent = new CRC32();
    HttpRequest upload = HttpRequest.newBuilder(f.uri("/sink"))
        .POST(HttpRequest.BodyPublishers.fromPublisher(
            HttpRequest.BodyPublishers.ofInputStream(() -> PatternBodies.stream(GIB, sent)), GIB))
        .build();
    long t0 = System.nanoTime();
    HttpResponse<String> up = f.http.send(upload, HttpResponse.BodyHandlers.ofString());
    long t1 = System.nanoTime();
    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(up.body()).contains("Body-Length: " + GIB, "Body-CRC32: " + Long.toHexString(sent.getValue()));

    HttpResponse<InputStream> down = f.http.send(HttpRequest.newBuilder(f.uri("/data?size=" + GIB)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(down.statusCode()).isEqualTo(200);
    assertThat(down.headers().firstValueAsLong("Content-Length")).hasValue(GIB);
    PatternBodies.Received got = PatternBodies.check(down.body());
    long t2 = System.nanoTime();
    System.out.printf("%s: 1 GiB up in %d ms, down in %d ms%n", kind, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
    assertThat(got.length()).isEqualTo(GIB);
    assertThat(got.mismatches()).isZero();
  }
}
