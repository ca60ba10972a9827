package io.lbkit.health;

import io.lbkit.option.OptionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The HTTP check's request and its verdict on a status line. Immutable. */
final class HttpCheck {
  private final String method;
  private final String path;
  private final String version;
  private final int[] expect; // pairs: low, high (inclusive)

  HttpCheck(String method, String path, String version, int[] expect) {
    this.method = method;
    this.path = path;
    this.version = version;
    this.expect = expect.clone();
  }

  /** The request bytes as text; HTTP/1.1 adds the Host header it requires and asks to close. */
  String request(String host) {
    StringBuilder sb = new StringBuilder(64).append(method).append(' ').append(path).append(' ').append(version)
        .append("\r\n");
    if (version.equals("HTTP/1.1")) {
      sb.append("Host: ").append(host).append("\r\nConnection: close\r\n");
    }
    return sb.append("\r\n").toString();
  }

  /** Judges a status line ({@code HTTP/1.1 200 OK}): L7OK, L7STS code, or L7RSP for anything else. */
  Probe.Result judge(String line) {
    // HTTP/x.y SP 3DIGIT [SP reason]
    if (line.length() < 12 || !line.startsWith("HTTP/") || line.charAt(8) != ' '
        || !Character.isDigit(line.charAt(5)) || line.charAt(6) != '.' || !Character.isDigit(line.charAt(7))
        || (line.length() > 12 && line.charAt(12) != ' ')) {
      return new Probe.Result(false, "L7RSP", "not an HTTP status line: " + printable(line));
    }
    int code = 0;
    for (int i = 9; i < 12; i++) {
      char c = line.charAt(i);
      if (c < '0' || c > '9') {
        return new Probe.Result(false, "L7RSP", "not an HTTP status line: " + printable(line));
      }
      code = code * 10 + (c - '0');
    }
    if (code < 100) {
      return new Probe.Result(false, "L7RSP", "bad status code " + code);
    }
    return expected(code)
        ? new Probe.Result(true, "L7OK", "status " + code)
        : new Probe.Result(false, "L7STS " + code, "status " + code + " (expected: " + expectText() + ")");
  }

  boolean expected(int code) {
    for (int i = 0; i < expect.length; i += 2) {
      if (code >= expect[i] && code <= expect[i + 1]) {
        return true;
      }
    }
    return false;
  }

  String expectText() {
    return formatExpect(expect);
  }

  @Override
  public String toString() {
    return method + " " + path + " " + version + " expect " + expectText();
  }

  static String formatExpect(int[] ranges) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < ranges.length; i += 2) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(ranges[i]);
      if (ranges[i + 1] != ranges[i]) {
        sb.append('-').append(ranges[i + 1]);
      }
    }
    return sb.toString();
  }

  /** Parses {@code 200-399}, {@code 200}, or a comma-separated list of both. */
  static int[] parseExpect(String text) {
    IllegalArgumentException bad = new OptionException("check-expect", text, "status codes or ranges within 100-599, such as 200-399 or 200,204");
    if (text == null || text.isBlank()) {
      throw bad;
    }
    List<int[]> ranges = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String p = part.trim();
      int dash = p.indexOf('-');
      int lo = parseCode(dash < 0 ? p : p.substring(0, dash).trim(), bad);
      int hi = dash < 0 ? lo : parseCode(p.substring(dash + 1).trim(), bad);
      if (lo > hi) {
        throw bad;
      }
      ranges.add(new int[] {lo, hi});
    }
    int[] flat = new int[ranges.size() * 2];
    for (int i = 0; i < ranges.size(); i++) {
      flat[2 * i] = ranges.get(i)[0];
      flat[2 * i + 1] = ranges.get(i)[1];
    }
    return flat;
  }

  private static int parseCode(String s, IllegalArgumentException bad) {
    if (s.length() != 3 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw bad;
    }
    int code = Integer.parseInt(s);
    if (code < 100 || code > 599) {
      throw bad;
    }
    return code;
  }

  static String parseMethod(String text) {
    if (text == null || text.isEmpty() || text.length() > 32
        || !text.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0))) {
      throw new OptionException("check-method", text, "an HTTP method such as OPTIONS, GET or HEAD");
    }
    return text;
  }

  static String parsePath(String text) {
    if (text == null || text.isEmpty() || text.length() > 2048 || !(text.startsWith("/") || text.equals("*"))
        || !text.chars().allMatch(c -> c > 32 && c < 127)) {
      throw new OptionException("check-path", text, "a path starting with /, printable ASCII without spaces, at most 2048 chars");
    }
    return text;
  }

  static String parseVersion(String text) {
    String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
    switch (t) {
      case "HTTP/1.0":
      case "1.0":
        return "HTTP/1.0";
      case "HTTP/1.1":
      case "1.1":
        return "HTTP/1.1";
      default:
        throw new OptionException("check-version", text, "HTTP/1.0 or HTTP/1.1");
    }
  }

  private static String printable(String line) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < line.length() && i < 80; i++) {
      char c = line.charAt(i);
      sb.append(c >= 32 && c < 127 ? c : '?');
    }
    return sb.toString();
  }
}
