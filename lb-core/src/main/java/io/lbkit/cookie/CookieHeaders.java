package io.lbkit.cookie;

/** Editing of raw {@code Cookie} header values (request side). */
public final class CookieHeaders {
  private CookieHeaders() {}

  /**
   * Removes every pair named exactly {@code name} from a {@code Cookie} header value; returns
   * the same string when there is none, null when nothing is left.
   */
  public static String remove(String header, String name) {
    if (header == null || header.indexOf(name) < 0) {
      return header;
    }
    StringBuilder out = new StringBuilder(header.length());
    boolean removed = false;
    for (String pair : header.split(";")) {
      String trimmed = pair.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      int eq = trimmed.indexOf('=');
      String pairName = (eq < 0 ? trimmed : trimmed.substring(0, eq)).trim();
      if (pairName.equals(name)) {
        removed = true;
        continue;
      }
      if (out.length() > 0) {
        out.append("; ");
      }
      out.append(trimmed);
    }
    if (!removed) {
      return header;
    }
    return out.length() == 0 ? null : out.toString();
  }
}
