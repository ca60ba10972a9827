package io.lbkit.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.testkit.PatternBodies;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.InputStream;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.zip.CRC32;

/**
 * Bodies for the streaming tests: lb-testkit's {@link PatternBodies}, with Netty's buffers sampled
 * after every read.
 */
final class TestBodies {
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

  /** {@code size} pattern bytes, checksummed into {@code crc} as they are read; samples the buffers. */
  static InputStream patternStream(long size, CRC32 crc) {
    return PatternBodies.stream(size, crc, TestBodies::sample);
  }

  /**
   * Reads {@code size} pattern bytes from {@code in}, checks every byte and the engine's buffers
   * after every read.
   */
  static void assertPattern(InputStream in, long size, long bufferBound) throws Exception {
    LongAccumulator maxUsed = new LongAccumulator(Math::max, 0);
    PatternBodies.Received got = PatternBodies.check(in, () -> maxUsed.accumulate(engineBuffers()));
    assertThat(got.length()).isEqualTo(size);
    assertThat(got.mismatches()).isZero();
    assertThat(maxUsed.get()).as("bytes held in Netty buffers while %d passed", size).isLessThan(bufferBound);
  }
}
