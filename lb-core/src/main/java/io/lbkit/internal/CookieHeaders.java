package io.lbkit.internal;

/**
 * Reading and editing raw {@code Cookie} header values (request side), shared by the cookie and
 * session balancers. Internal: not API. The scan ({@link #valueRange}) is on the hot path and
 * allocates nothing; the editing methods run once per forwarded request.
 */
public final class CookieHeaders {
  private CookieHeaders() {}

  /**
   * Finds the value of the next pair named exactly {@code name} (case-sensitive, as HAProxy) in a
   * raw {@code Cookie} header, starting at {@code from}. Surrounding spaces and one pair of double
   * quotes are not part of the value. Returns the value's range packed in a long (see
   * {@link #start(long)} and {@link #end(long)}), or -1 when there is none. Pairs without {@code =}
   * are skipped; a name that merely ends with {@code name} ({@code XSRVID}) does not match.
   * Allocation-free: balancers call it per request.
   */
  public static long valueRange(String header, String name, int from) {
    if (header == null) {
      return -1;
    }
    if (!isToken(name)) {
      return scanPairs(header, name, from);
    }
    // Jump from one occurrence of the name to the next with String.indexOf (a vectorized
    // intrinsic), instead of walking every character of a ~300-character header. An occurrence
    // counts only where scanPairs would see a pair name: after the start or a ';' (spaces
    // between), and followed by '=' (spaces between). A token holds no ';', '=' or space, so
    // both find the same pairs; CookieHeadersTest checks that they agree.
    int len = header.length();
    int nameLen = name.length();
    for (int at = header.indexOf(name, from); at >= 0; at = header.indexOf(name, at + 1)) {
      int before = at - 1;
      while (before >= 0 && isSpace(header.charAt(before))) {
        before--;
      }
      if (before >= 0 && header.charAt(before) != ';') {
        continue;
      }
      int eq = at + nameLen;
      while (eq < len && isSpace(header.charAt(eq))) {
        eq++;
      }
      if (eq >= len || header.charAt(eq) != '=') {
        continue;
      }
      int valueEnd = header.indexOf(';', eq + 1);
      return trimmedValue(header, eq + 1, valueEnd < 0 ? len : valueEnd);
    }
    return -1;
  }

  /**
   * The reference scanner: walks the header pair by pair; for names that are not tokens. Public
   * (in this internal package) so the cookie fuzz target can check {@link #valueRange} against it.
   */
  public static long scanPairs(String header, String name, int from) {
    int len = header.length();
    int nameLen = name.length();
    int i = from;
    while (i < len) {
      char c = header.charAt(i);
      if (c == ' ' || c == '\t' || c == ';') {
        i++;
        continue;
      }
      int nameStart = i;
      while (i < len && (c = header.charAt(i)) != '=' && c != ';') {
        i++;
      }
      if (i >= len || c == ';') {
        continue; // a pair without '='
      }
      int nameEnd = i;
      while (nameEnd > nameStart && isSpace(header.charAt(nameEnd - 1))) {
        nameEnd--;
      }
      int valueStart = ++i;
      while (i < len && header.charAt(i) != ';') {
        i++;
      }
      if (nameEnd - nameStart != nameLen || !header.regionMatches(nameStart, name, 0, nameLen)) {
        continue;
      }
      return trimmedValue(header, valueStart, i);
    }
    return -1;
  }

  /** The range of {@code header[valueStart, valueEnd)} without surrounding spaces and one pair of quotes. */
  private static long trimmedValue(String header, int valueStart, int valueEnd) {
    while (valueStart < valueEnd && isSpace(header.charAt(valueStart))) {
      valueStart++;
    }
    while (valueEnd > valueStart && isSpace(header.charAt(valueEnd - 1))) {
      valueEnd--;
    }
    if (valueEnd - valueStart >= 2 && header.charAt(valueStart) == '"' && header.charAt(valueEnd - 1) == '"') {
      valueStart++;
      valueEnd--;
    }
    return ((long) valueStart << 32) | valueEnd;
  }

  /** True for a non-empty name without ';', '=', spaces or control characters (cookie names are tokens). */
  private static boolean isToken(String name) {
    int n = name.length();
    if (n == 0) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c == ';' || c == '=' || c == 127) {
        return false;
      }
    }
    return true;
  }

  /** The start (inclusive) of a range returned by {@link #valueRange}. */
  public static int start(long range) {
    return (int) (range >>> 32);
  }

  /** The end (exclusive) of a range returned by {@link #valueRange}. */
  public static int end(long range) {
    return (int) range;
  }

  /**
   * The end (exclusive) of the value that {@link #valueRange} found starting at {@code valueStart}:
   * for callers that kept only the start. Allocation-free.
   */
  public static int valueEnd(String header, int valueStart) {
    int end = header.indexOf(';', valueStart);
    if (end < 0) {
      end = header.length();
    }
    while (end > valueStart && isSpace(header.charAt(end - 1))) {
      end--;
    }
    // valueRange starts a value after its opening quote only when it also dropped the closing one
    if (valueStart > 0 && header.charAt(valueStart - 1) == '"' && end > valueStart && header.charAt(end - 1) == '"') {
      end--;
    }
    return end;
  }

  /** The first non-empty value of a pair named {@code name} in any of the headers, or null. */
  public static String firstValue(io.lbkit.core.RequestView request, String name) {
    return firstValue(request, name, Integer.MAX_VALUE);
  }

  /**
   * The first non-empty value of a pair named {@code name} in any of the headers, or null when
   * there is none or when that value is longer than {@code maxLength} characters (then nothing is
   * copied: a hostile client's huge value costs no allocation).
   */
  public static String firstValue(io.lbkit.core.RequestView request, String name, int maxLength) {
    for (int h = 0, n = request.cookieHeaderCount(); h < n; h++) {
      String header = request.cookieHeader(h);
      for (long r = valueRange(header, name, 0); r >= 0; r = valueRange(header, name, end(r))) {
        if (end(r) > start(r)) {
          return end(r) - start(r) <= maxLength ? header.substring(start(r), end(r)) : null;
        }
      }
    }
    return null;
  }

  /**
   * The value of a {@code Set-Cookie} header value that sets the cookie {@code name}, without
   * attributes and surrounding spaces; null when the header sets another cookie.
   */
  public static String setCookieValue(String setCookie, String name) {
    if (setCookie == null || !setCookie.startsWith(name) || setCookie.length() <= name.length()
        || setCookie.charAt(name.length()) != '=') {
      return null;
    }
    int start = name.length() + 1;
    int end = setCookie.indexOf(';', start);
    return setCookie.substring(start, end < 0 ? setCookie.length() : end).trim();
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t';
  }

  /**
   * Removes every pair named exactly {@code name} from a {@code Cookie} header value; returns
   * the same string when there is none, null when nothing is left.
   */
  public static String remove(String header, String name) {
    if (header == null || header.indexOf(name) < 0) {
      return header;
    }
    // index arithmetic rather than split/trim/substring: a proxy strips its cookie on every request
    StringBuilder out = null; // the pairs kept so far, made at the first one kept after a removal
    boolean removed = false;
    int n = header.length();
    int keptEnd = 0; // before any removal, the kept pairs are header[0, keptEnd) as they are, untrimmed
    for (int s = 0; s <= n; ) {
      int end = header.indexOf(';', s);
      if (end < 0) {
        end = n;
      }
      int a = s;
      int b = end;
      while (a < b && header.charAt(a) <= ' ') {
        a++;
      }
      while (b > a && header.charAt(b - 1) <= ' ') {
        b--;
      }
      s = end + 1;
      if (a == b) {
        continue;
      }
      if (named(header, a, b, name)) {
        if (!removed) {
          removed = true;
          out = keptBefore(header, keptEnd);
        }
        continue;
      }
      if (!removed) {
        keptEnd = end;
        continue;
      }
      if (out == null) {
        out = new StringBuilder(n);
      } else if (out.length() > 0) {
        out.append("; ");
      }
      out.append(header, a, b);
    }
    if (!removed) {
      return header;
    }
    return out == null || out.length() == 0 ? null : out.toString();
  }

  /** The non-empty trimmed pairs of {@code header[0, end)} joined by "; ", or null when there is none. */
  private static StringBuilder keptBefore(String header, int end) {
    StringBuilder out = null;
    for (int s = 0; s < end; ) {
      int e = header.indexOf(';', s);
      if (e < 0 || e > end) {
        e = end;
      }
      int a = s;
      int b = e;
      while (a < b && header.charAt(a) <= ' ') {
        a++;
      }
      while (b > a && header.charAt(b - 1) <= ' ') {
        b--;
      }
      s = e + 1;
      if (a < b) {
        if (out == null) {
          out = new StringBuilder(header.length());
        } else {
          out.append("; ");
        }
        out.append(header, a, b);
      }
    }
    return out;
  }

  /** Whether the pair {@code header[a, b)} (trimmed, not empty) is named {@code name}. */
  private static boolean named(String header, int a, int b, String name) {
    int eq = header.indexOf('=', a);
    int nameEnd = eq < 0 || eq >= b ? b : eq;
    while (nameEnd > a && header.charAt(nameEnd - 1) <= ' ') {
      nameEnd--;
    }
    return nameEnd - a == name.length() && header.startsWith(name, a);
  }
}
