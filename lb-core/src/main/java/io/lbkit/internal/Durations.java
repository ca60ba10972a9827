package io.lbkit.internal;

import io.lbkit.option.OptionException;
import java.time.Duration;
import java.util.Locale;

/**
 * The duration syntax shared by init-params, CLI flags and builders: {@code 10s}, {@code 500ms},
 * {@code 2m}, {@code 1h}, {@code 1d}; a bare number means milliseconds, as in HAProxy. Every
 * duration option has a maximum (at most {@link #MAX}), checked when the value is parsed or set,
 * so no later conversion to nanoseconds or deadline overflows. Internal: not API.
 */
public final class Durations {
  /** The longest duration any option accepts: converted to nanoseconds it stays far from overflow. */
  public static final Duration MAX = Duration.ofDays(365);
  /** The shortest positive duration, as a minimum: "&gt; 0". */
  public static final Duration POSITIVE = Duration.ofNanos(1);

  private static final String SYNTAX = "a duration such as 500ms, 10s, 2m, 1h";

  private Durations() {}

  /** Parses the syntax only; see {@link #parse(String, String, Duration, Duration)} for ranges. */
  public static Duration parse(String option, String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    int end = 0;
    while (end < t.length() && t.charAt(end) >= '0' && t.charAt(end) <= '9') {
      end++;
    }
    if (end == 0 || end > 12) { // 12 digits of days still fit a Duration; the range check refuses them
      throw new OptionException(option, text, SYNTAX);
    }
    long amount = Long.parseLong(t.substring(0, end));
    switch (t.substring(end)) {
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
        throw new OptionException(option, text, SYNTAX);
    }
  }

  /** Parses and range-checks: {@code min <= value <= max}. */
  public static Duration parse(String option, String text, Duration min, Duration max) {
    return check(option, parse(option, text), min, max);
  }

  /**
   * Checks {@code min <= value <= max}; the message shows the value as {@link #format} renders it
   * and the bound it broke ({@code > 0}, {@code >= 0}, {@code >= 1s}, {@code at most 365d}).
   */
  public static Duration check(String option, Duration value, Duration min, Duration max) {
    if (value == null) {
      throw new OptionException(option, null, "null", "a duration", null);
    }
    if (value.compareTo(min) < 0) {
      throw new OptionException(option, format(value), format(value), atLeast(min), null);
    }
    if (value.compareTo(max) > 0) {
      throw new OptionException(option, format(value), format(value), "at most " + format(max), null);
    }
    return value;
  }

  /** The lower bound as the messages say it. */
  public static String atLeast(Duration min) {
    return min.isZero() ? ">= 0" : min.equals(POSITIVE) ? "> 0" : ">= " + format(min);
  }

  /** Renders a duration the way it is parsed: {@code 10s}, {@code 1500ms}, {@code 2m}, {@code 7d}. */
  public static String format(Duration d) {
    if (d.getNano() == 0 && d.getSeconds() != 0 && d.getSeconds() % 86_400 == 0) {
      return d.getSeconds() / 86_400 + "d";
    }
    if (d.abs().compareTo(Duration.ofDays(1_000_000_000L)) > 0) {
      return d.getSeconds() + "s"; // beyond any option's range; toMillis() would overflow
    }
    long ms = d.toMillis();
    if (ms == 0) {
      return "0ms";
    }
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
