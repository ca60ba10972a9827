package io.lbkit.internal;

import java.time.Duration;
import java.util.Locale;

/**
 * Parses the duration syntax shared by init-params, CLI flags and builders: {@code 10s},
 * {@code 500ms}, {@code 2m}, {@code 1h}, {@code 1d}; a bare number means milliseconds, as in
 * HAProxy. Internal: not API.
 */
public final class Durations {
  private Durations() {}

  public static Duration parse(String name, String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    int end = 0;
    while (end < t.length() && Character.isDigit(t.charAt(end))) {
      end++;
    }
    if (end == 0 || end > 12) {
      throw bad(name, text);
    }
    long amount = Long.parseLong(t.substring(0, end));
    String unit = t.substring(end);
    // "ms" must be tested before "m"
    switch (unit) {
      case "":
      case "ms":
        return Duration.ofMillis(amount);
      case "us":
        return Duration.ofNanos(amount * 1000);
      case "s":
        return Duration.ofSeconds(amount);
      case "m":
        return Duration.ofMinutes(amount);
      case "h":
        return Duration.ofHours(amount);
      case "d":
        return Duration.ofDays(amount);
      default:
        throw bad(name, text);
    }
  }

  /** Renders a duration the way it is parsed: {@code 10s}, {@code 1500ms}, {@code 2m}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms != 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms != 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0 && ms != 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  private static IllegalArgumentException bad(String name, String text) {
    return new IllegalArgumentException(name + ": '" + text + "' (expected: a duration such as 500ms, 10s, 2m, 1h)");
  }
}
