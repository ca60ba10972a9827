package io.lbkit.cookie;

/** Fixed-width 64-bit hex, without allocation on the parse side. */
final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();
  /** Digit values by ASCII code, -1 for anything else: a table load instead of three range tests per digit. */
  private static final byte[] VALUES = new byte[128];

  static {
    java.util.Arrays.fill(VALUES, (byte) -1);
    for (int i = 0; i < 16; i++) {
      VALUES[DIGITS[i]] = (byte) i;
      VALUES[Character.toUpperCase(DIGITS[i])] = (byte) i;
    }
  }

  private Hex() {}

  static String format(long value) {
    char[] out = new char[16];
    for (int i = 15; i >= 0; i--) {
      out[i] = DIGITS[(int) (value & 0xF)];
      value >>>= 4;
    }
    return new String(out);
  }

  /** True when {@code s[from, to)} is exactly 16 hex digits. */
  static boolean is16(CharSequence s, int from, int to) {
    if (to - from != 16) {
      return false;
    }
    int bad = 0;
    for (int i = from; i < to; i++) {
      bad |= digit(s.charAt(i)); // -1 sets the sign bit; no branch per digit (cookie values are random)
    }
    return bad >= 0;
  }

  /** Parses 16 hex digits already checked by {@link #is16}. */
  static long parse16(CharSequence s, int from) {
    long v = 0;
    for (int i = from; i < from + 16; i++) {
      v = (v << 4) | digit(s.charAt(i));
    }
    return v;
  }

  /** The value of a hex digit, or -1. */
  static int digit(char c) {
    return c < 128 ? VALUES[c] : -1;
  }
}
