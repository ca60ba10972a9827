package io.lbkit.internal;

import io.lbkit.option.OptionException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * One {@code host:port}, the one parser behind backends, nameservers, {@code --listen} and every
 * later address option: an IPv4 literal, a bracketed IPv6 literal ({@code [::1]:8080}) or a name.
 * Parsing never looks a name up. Internal: not API.
 *
 * @param host the host without brackets; empty when the text starts with {@code :}
 * @param port the port, or the default when the text has none
 */
public record HostPort(String host, int port) {

  /**
   * Parses {@code host:port}, {@code [v6]:port}, and, when {@code defaultPort >= 0}, also
   * {@code host}, {@code [v6]} and a bare IPv6 literal.
   *
   * @param minPort 0 or 1: the lowest port accepted (the highest is 65535)
   * @param defaultPort the port when none is given, or -1 when the port is required
   * @param expected what to say the option accepts when the text has the wrong shape
   * @throws OptionException naming {@code option} for a wrong shape or a port out of range
   */
  public static HostPort parse(String option, String text, int minPort, int defaultPort, String expected) {
    String t = text == null ? "" : text.trim();
    String host;
    String portText;
    if (t.startsWith("[")) {
      int close = t.indexOf(']');
      if (close < 0 || (close + 1 < t.length() && t.charAt(close + 1) != ':')) {
        throw new OptionException(option, text, expected);
      }
      host = t.substring(1, close);
      if (host.isEmpty() || host.indexOf(':') < 0) {
        throw new OptionException(option, text, expected);
      }
      portText = close + 1 < t.length() ? t.substring(close + 2) : null;
    } else {
      int colon = t.indexOf(':');
      if (colon >= 0 && t.indexOf(':', colon + 1) >= 0) {
        if (defaultPort < 0) {
          throw new OptionException(option, text, expected); // IPv6 with a port needs brackets
        }
        host = t; // a bare IPv6 literal
        portText = null;
      } else {
        host = colon < 0 ? t : t.substring(0, colon);
        portText = colon < 0 ? null : t.substring(colon + 1);
      }
    }
    if (t.isEmpty() || host.chars().anyMatch(c -> c <= ' ' || c >= 127 || c == '/' || c == '[' || c == ']')) {
      throw new OptionException(option, text, expected);
    }
    if (portText == null) {
      if (defaultPort < 0) {
        throw new OptionException(option, text, expected);
      }
      return new HostPort(host, defaultPort);
    }
    int port;
    try {
      port = portText.length() > 5 ? -1 : Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < minPort || port > 65535 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new OptionException(option, text, "a port " + minPort + ".." + 65535);
    }
    return new HostPort(host, port);
  }

  /** Whether the host is an IPv4 or IPv6 literal (by its characters; see {@link #literal()}). */
  public boolean isIpLiteral() {
    if (host.isEmpty()) {
      return false;
    }
    if (host.indexOf(':') >= 0) {
      return true;
    }
    return host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
  }

  /** The host as an address if it is a valid IP literal, else null; never a name lookup. */
  public InetAddress literal() {
    return literal(host);
  }

  /** An IPv4 (dotted quad) or IPv6 literal, or null; never a name lookup. */
  public static InetAddress literal(String host) {
    if (host == null || host.isEmpty()) {
      return null;
    }
    boolean v6 = host.indexOf(':') >= 0;
    int zone = host.indexOf('%');
    for (int i = 0; i < (zone >= 0 ? zone : host.length()); i++) {
      char c = host.charAt(i);
      boolean ok = c == '.' || (c >= '0' && c <= '9')
          || (v6 && (c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
      if (!ok) {
        return null;
      }
    }
    if (!v6 && (zone >= 0 || !isDottedQuad(host))) {
      return null; // getByName would look an invalid quad up as a host name
    }
    try {
      return InetAddress.getByName(host); // a literal: parsed, not looked up
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static boolean isDottedQuad(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  /** {@code host:port}, IPv6 in brackets. */
  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
