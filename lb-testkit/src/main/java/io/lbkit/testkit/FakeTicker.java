package io.lbkit.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A nanosecond clock that moves only when a test says so, for code that takes an
 * {@code io.lbkit.core.Ticker}: pass {@code ticker::read} (this module cannot name lb-core's types,
 * see docs/architecture.md, "Test fixtures").
 *
 * <p>It starts one minute before {@code Long.MAX_VALUE}, so any test that advances it by more than
 * a minute crosses the overflow: code that compares times by anything but subtraction fails
 * there instead of in production after 292 years of uptime, or on a JVM whose {@code nanoTime}
 * happens to start near the end of the range.
 *
 * <pre>{@code
 * FakeTicker ticker = new FakeTicker();
 * ServerGroup group = ServerGroup.builder("be").ticker(ticker::read).build();
 * ticker.advance(Duration.ofSeconds(10));
 * }</pre>
 *
 * Thread-safe: the code under test may read it from its own threads.
 */
public final class FakeTicker {
  /** The first reading of every new ticker: one minute before {@code Long.MAX_VALUE}. */
  public static final long START = Long.MAX_VALUE - Duration.ofMinutes(1).toNanos();

  private final AtomicLong nanos = new AtomicLong(START);

  /** The current time in nanoseconds; the shape of {@code Ticker.read()}. */
  public long read() {
    return nanos.get();
  }

  /** Moves the time forward by {@code duration} and returns the new reading. */
  public long advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration: " + duration + " (expected: zero or positive; time never goes back)");
    }
    return advance(duration.toNanos());
  }

  /** Moves the time forward by {@code nanos} nanoseconds (wrapping past {@code Long.MAX_VALUE}) and returns the new reading. */
  public long advance(long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("nanos: " + nanos + " (expected: zero or positive; time never goes back)");
    }
    return this.nanos.addAndGet(nanos);
  }

  /** The time elapsed since the ticker was created, in nanoseconds (by subtraction, so across the overflow too). */
  public long elapsedNanos() {
    return nanos.get() - START;
  }

  @Override
  public String toString() {
    return "FakeTicker{START + " + Duration.ofNanos(elapsedNanos()) + "}";
  }
}
