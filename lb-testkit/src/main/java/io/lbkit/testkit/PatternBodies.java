package io.lbkit.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;

/**
 * Large request and response bodies for streaming tests, made and checked on the fly so that a GiB
 * costs no heap: {@link #stream} sends {@link WhoamiServer#patternByte} bytes (what
 * {@code /data?size=N} answers) with their CRC32 (what {@code /sink} reports as {@code Body-CRC32}),
 * and {@link #check} reads such a body back and counts the bytes that differ from the pattern.
 */
public final class PatternBodies {
  private static final int PERIOD = 251;
  /** patternByte(i) for i in [0, 64 KiB + period): copied, not computed, so a GiB is cheap to make. */
  private static final byte[] PATTERN = new byte[64 * 1024 + PERIOD];

  static {
    for (int i = 0; i < PATTERN.length; i++) {
      PATTERN[i] = WhoamiServer.patternByte(i);
    }
  }

  private PatternBodies() {
  }

  /** What {@link #check} read: how many bytes, and how many of them differ from the pattern. */
  public record Received(long length, long mismatches) {
  }

  /**
   * {@code size} pattern bytes from offset 0, each read added to {@code crc}; {@code afterRead}
   * runs after every read that returned bytes (to sample a buffer gauge, say).
   */
  public static InputStream stream(long size, CRC32 crc, Runnable afterRead) {
    return new PatternStream(size, crc, afterRead);
  }

  /** {@link #stream(long, CRC32, Runnable)} with nothing run after each read. */
  public static InputStream stream(long size, CRC32 crc) {
    return stream(size, crc, () -> { });
  }

  /**
   * Reads {@code in} to its end in 64 KiB reads, closes it, and compares every byte with the
   * pattern from offset 0; {@code afterRead} runs after every read that returned bytes.
   */
  public static Received check(InputStream in, Runnable afterRead) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long offset = 0;
    long mismatches = 0;
    try (in) {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        mismatches += WhoamiServer.patternMismatches(buf, 0, n, offset);
        offset += n;
        if (n > 0) {
          afterRead.run();
        }
      }
    }
    return new Received(offset, mismatches);
  }

  /** {@link #check(InputStream, Runnable)} with nothing run after each read. */
  public static Received check(InputStream in) throws IOException {
    return check(in, () -> { });
  }

  private static final class PatternStream extends InputStream {
    private final long size;
    private final CRC32 crc;
    private final Runnable afterRead;
    private long offset;

    PatternStream(long size, CRC32 crc, Runnable afterRead) {
      this.size = size;
      this.crc = crc;
      this.afterRead = afterRead;
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
      afterRead.run();
      return n;
    }
  }
}
