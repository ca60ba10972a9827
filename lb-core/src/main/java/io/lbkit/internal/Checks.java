package io.lbkit.internal;

import io.lbkit.option.OptionException;
import java.time.Duration;

/**
 * Argument checks whose exceptions name the setting, the bad value and what was expected
 * ({@link OptionException}). Internal: not API, may change at any time.
 */
public final class Checks {
  private Checks() {}

  public static int range(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new OptionException(name, Integer.toString(value), Integer.toString(value), min + ".." + max, null);
    }
    return value;
  }

  public static long range(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new OptionException(name, Long.toString(value), Long.toString(value), min + ".." + max, null);
    }
    return value;
  }

  /** A duration in {@code (0, Durations.MAX]}. */
  public static Duration positive(String name, Duration value) {
    return Durations.check(name, value, Durations.POSITIVE, Durations.MAX);
  }

  /** A duration in {@code [0, Durations.MAX]}. */
  public static Duration nonNegative(String name, Duration value) {
    return Durations.check(name, value, Duration.ZERO, Durations.MAX);
  }

  public static <T> T notNull(String name, T value) {
    if (value == null) {
      throw new OptionException(name, null, "null", "a value", null);
    }
    return value;
  }
}
