package io.lbkit.cookie;

/**
 * HAProxy's cookie dates ({@code s30tob64}): unix time / 4 as 30 bits, written as 5 characters of
 * the standard base64 alphabet, most significant first. Parsing allocates nothing.
 */
final class Dates {
  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  private Dates() {}

  static void write(StringBuilder sb, long unixSeconds) {
    int v = (int) ((unixSeconds >> 2) & 0x3FFFFFFF);
    for (int shift = 24; shift >= 0; shift -= 6) {
      sb.append(ALPHABET.charAt((v >> shift) & 63));
    }
  }

  /**
   * Reads {@code |xxxxx} at {@code at} (the '|' included), which must be followed by {@code end} or
   * another '|'; returns unix seconds, or -1 if absent or invalid. {@code end} is where the cookie
   * value ends (before a closing quote, spaces or ';').
   */
  static long read(CharSequence s, int at, int end) {
    if (at + 6 > end || s.charAt(at) != '|') {
      return -1;
    }
    long v = 0;
    for (int i = at + 1; i < at + 6; i++) {
      int d = ALPHABET.indexOf(s.charAt(i));
      if (d < 0) {
        return -1;
      }
      v = (v << 6) | d;
    }
    if (at + 6 < end && s.charAt(at + 6) != '|') {
      return -1;
    }
    return v << 2;
  }
}
