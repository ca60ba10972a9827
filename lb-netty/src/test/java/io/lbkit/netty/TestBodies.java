package io.lbkit.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.testkit.WhoamiServer;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.InputStream;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.zip.CRC32;

/** Bodies for the streaming tests: generated pattern bytes, checked as they arrive, never stored. */
final class TestBodies {
  private static final int PERIOD = 251;
  /** patternByte(i) for i in [0, 64 KiB + period): copied, not computed, so a GiB is cheap to make. */
  private static final byte[] PATTERN = new byte[64 * 1024 + PERIOD];

  static {
    for (int i = 0; i < PATTERN.length; i++) {
      PATTERN[i] = WhoamiServer.patternByte(i);
    }
  }

  /** The most bytes held in Netty's default allocator seen by {@link #sample()}. */
  static final LongAccumulator MAX_USED = new LongAccumulator(Math::max, 0);

  private TestBodies() {
  }

  /** Bytes the default allocator has handed out and not got back (0 if it keeps no metrics). */
  static long engineBuffers() {
    if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider) {
      ByteBufAllocatorMetric m = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
      return m.usedDirectMemory() + m.usedHeapMemory();
    }
    return 0;
  }

  static void sample() {
    MAX_USED.accumulate(engineBuffers());
  }

  /**
   * Reads {@code size} pattern bytes from {@code in}, checks every byte and the engine's buffers
   * after every read.
   */
  static void assertPattern(InputStream in, long size, long bufferBound) throws Exception {
    byte[] buf = new byte[64 * 1024];
    long offset = 0;
    long mismatches = 0;
    long maxUsed = 0;
    try (in) {
      int n;
      while ((n = in.read(buf)) > 0) {
        mismatches += WhoamiServer.patternMismatches(buf, 0, n, offset);
        offset += n;
        maxUsed = Math.max(maxUsed, engineBuffers());
      }
    }
    assertThat(offset).isEqualTo(size);
    assertThat(mismatches).isZero();
    assertThat(maxUsed).as("bytes held in Netty buffers while %d passed", size).isLessThan(bufferBound);
  }

  /** {@code size} bytes of {@link WhoamiServer#patternByte}, checksummed as they are read; samples the buffers. */
  static final class PatternStream extends InputStream {
    private final long size;
    private final CRC32 crc;
    private long offset;

    PatternStream(long size, CRC32 crc) {
      this.size = size;
      this.crc = crc;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (offset >= size) {
        return -1;
      }
      int n = (int) Math.min(Math.min(len, size - offset), PATTERN.length - PERIOD);
      System.arraycopy(PATTERN, (int) (offset % PERIOD), b, off, n);
      crc.update(b, off, n);
      offset += n;
      sample();
      return n;
    }
  }
}
