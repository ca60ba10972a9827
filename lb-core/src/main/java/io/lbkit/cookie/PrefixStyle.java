package io.lbkit.cookie;

/**
 * The prefix style's header edits ({@code cookie-mode=prefix}, HAProxy {@code cookie <name> prefix}):
 * the server value goes in front of the application's own cookie value, {@code <16 hex>~<value>},
 * on the way out, and comes off again on the way in.
 */
final class PrefixStyle {
  private PrefixStyle() {}

  /**
   * Prefixes {@code serverValue} to the value of a backend {@code Set-Cookie} that sets
   * {@code name}; returns {@code setCookie} unchanged when it sets another cookie or deletes ours.
   */
  static String prefixed(String name, String serverValue, String setCookie) {
    if (setCookie == null || !setCookie.startsWith(name + "=")) {
      return setCookie;
    }
    int valueStart = name.length() + 1;
    if (valueStart >= setCookie.length() || setCookie.charAt(valueStart) == ';') {
      return setCookie; // the application deletes its cookie: nothing to pin
    }
    return name + "=" + serverValue + "~" + setCookie.substring(valueStart);
  }

  /**
   * Removes {@code <16 hex digits>~} from the start of the value of every pair named exactly
   * {@code name} in a {@code Cookie} header; returns the same string when there is nothing to remove.
   */
  static String strip(String header, String name) {
    if (header == null || header.indexOf('~') < 0) {
      return header;
    }
    StringBuilder out = null;
    int copied = 0;
    int i = 0;
    int len = header.length();
    while (i < len) {
      int pairEnd = header.indexOf(';', i);
      if (pairEnd < 0) {
        pairEnd = len;
      }
      int eq = header.indexOf('=', i);
      if (eq > 0 && eq < pairEnd && header.substring(i, eq).trim().equals(name)) {
        int v = eq + 1;
        while (v < pairEnd && header.charAt(v) == ' ') {
          v++;
        }
        if (v + 17 <= pairEnd && header.charAt(v + 16) == '~' && Hex.is16(header, v, v + 16)) {
          if (out == null) {
            out = new StringBuilder(len);
          }
          out.append(header, copied, v);
          copied = v + 17;
        }
      }
      i = pairEnd + 1;
    }
    return out == null ? header : out.append(header, copied, len).toString();
  }
}
