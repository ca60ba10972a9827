package io.lbkit.cookie;

import io.lbkit.option.OptionException;
import java.time.Duration;
import java.util.Locale;

/**
 * Our {@code Set-Cookie} header values: {@code NAME=<16 hex digits>[|<last>[|<first>]]} followed by
 * the attributes, which are fixed when the balancer is built. Also checks the attribute values the
 * builder takes, so that no value can break the header.
 */
final class SetCookieFormat {
  private final String name;
  private final String attributes;
  private final boolean firstDate;

  /**
   * @param attributes the attribute part, from {@link #attributes}
   * @param firstDate whether dated cookies carry the first-issue date ({@code cookie-maxlife})
   */
  SetCookieFormat(String name, String attributes, boolean firstDate) {
    this.name = name;
    this.attributes = attributes;
    this.firstDate = firstDate;
  }

  /** The header value for {@code value} without dates; computed once per server and snapshot. */
  String plain(long value) {
    return name + "=" + Hex.format(value) + attributes;
  }

  /** The header value for {@code value} with the dates of last use and first issue (unix seconds). */
  String dated(long value, long last, long first) {
    StringBuilder sb = new StringBuilder(name.length() + 40 + attributes.length());
    sb.append(name).append('=').append(Hex.format(value)).append('|');
    Dates.write(sb, last);
    if (firstDate) {
      Dates.write(sb.append('|'), first);
    }
    return sb.append(attributes).toString();
  }

  /** {@code ; Path=...; Domain=...; Max-Age=...; HttpOnly; Secure; SameSite=...}, each only when set. */
  static String attributes(String path, String domain, Duration maxAge, boolean httpOnly, boolean secure,
      String sameSite) {
    StringBuilder sb = new StringBuilder();
    if (path != null) {
      sb.append("; Path=").append(path);
    }
    if (domain != null) {
      sb.append("; Domain=").append(domain);
    }
    if (maxAge != null) {
      sb.append("; Max-Age=").append(maxAge.toSeconds());
    }
    if (httpOnly) {
      sb.append("; HttpOnly");
    }
    if (secure) {
      sb.append("; Secure");
    }
    if (sameSite != null) {
      sb.append("; SameSite=").append(sameSite);
    }
    return sb.toString();
  }

  /** Checks a {@code Path} or {@code Domain} value (null allowed): visible ASCII without ';' or ','. */
  static String checkAttribute(String option, String value) {
    if (value != null && (value.isEmpty() || !value.chars().allMatch(c -> c > 32 && c < 127 && c != ';' && c != ','))) {
      throw new OptionException(option, value, "visible ASCII without ';' or ','");
    }
    return value;
  }

  /** {@code Lax}, {@code Strict} or {@code None} in any case, spelled as browsers expect; null or empty for none. */
  static String sameSite(String sameSite) {
    if (sameSite == null || sameSite.isEmpty()) {
      return null;
    }
    switch (sameSite.toLowerCase(Locale.ROOT)) {
      case "lax":
        return "Lax";
      case "strict":
        return "Strict";
      case "none":
        return "None";
      default:
        throw new OptionException("cookie-samesite", sameSite, "Lax, Strict, None or empty");
    }
  }
}
