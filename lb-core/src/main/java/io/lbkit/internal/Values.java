package io.lbkit.internal;

import io.lbkit.option.OptionException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The value syntaxes every option shares, one parser each: booleans, integers with a range,
 * comma-separated lists and cookie names (durations: {@link Durations}, {@code host:port}:
 * {@link HostPort}). Each failure is an {@link OptionException} naming the option, the value and
 * what the option accepts. Internal: not API.
 */
public final class Values {
  private Values() {}

  /** {@code on}/{@code off}, {@code true}/{@code false}, {@code yes}/{@code no}, any case. */
  public static boolean bool(String option, String text) {
    switch (text == null ? "" : text.trim().toLowerCase(Locale.ROOT)) {
      case "on":
      case "true":
      case "yes":
        return true;
      case "off":
      case "false":
      case "no":
        return false;
      default:
        throw new OptionException(option, text, "on or off");
    }
  }

  /**
   * A decimal integer within {@code min..max}: {@code slots: 'x' (expected: an integer 1..100000)}
   * when it is not one, {@code slots: 0 (expected: 1..100000)} when it is out of range.
   */
  public static int integer(String option, String text, int min, int max) {
    return (int) longInteger(option, text, min, max);
  }

  /** {@link #integer} for longs. */
  public static long longInteger(String option, String text, long min, long max) {
    String t = text == null ? "" : text.trim();
    int start = t.startsWith("-") || t.startsWith("+") ? 1 : 0;
    if (t.length() == start || t.length() - start > 18
        || !t.substring(start).chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new OptionException(option, text, "an integer " + min + ".." + max);
    }
    return Checks.range(option, Long.parseLong(t), min, max);
  }

  /** Comma-separated items, each trimmed; an empty item (or an empty list) is refused. */
  public static List<String> list(String option, String text) {
    List<String> items = new ArrayList<>();
    for (String item : (text == null ? "" : text).split(",", -1)) {
      String t = item.trim();
      if (t.isEmpty()) {
        throw new OptionException(option, text, "a comma-separated list without empty items");
      }
      items.add(t);
    }
    return Collections.unmodifiableList(items);
  }

  /** A cookie name: an RFC 6265 token (letters, digits and {@code !#$%&'*+-.^_`|~}). */
  public static String cookieName(String option, String name) {
    if (name == null || name.isEmpty() || !name.chars().allMatch(Values::isTokenChar)) {
      throw new OptionException(option, name, "a cookie name made of letters, digits and !#$%&'*+-.^_`|~");
    }
    return name;
  }

  private static boolean isTokenChar(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }
}
