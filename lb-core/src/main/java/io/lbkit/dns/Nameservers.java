package io.lbkit.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Parses {@code nameserver} settings and {@code /etc/resolv.conf}. */
final class Nameservers {
  static final int DNS_PORT = 53;

  private Nameservers() {}

  /** {@code ip[:port]} items separated by commas or spaces; IPv6 as {@code [v6]:port} or a bare literal. */
  static List<InetSocketAddress> parseList(String text) {
    List<InetSocketAddress> out = new ArrayList<>();
    if (text != null) {
      for (String part : text.split("[,\\s]+")) {
        if (!part.isEmpty()) {
          out.add(parse(part));
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("nameserver: '" + text + "' (expected: ip[:port][,ip[:port]...])");
    }
    return out;
  }

  static InetSocketAddress parse(String text) {
    String t = text == null ? "" : text.trim();
    String host = t;
    int port = DNS_PORT;
    if (t.startsWith("[")) {
      int close = t.indexOf(']');
      if (close < 0) {
        throw bad(text);
      }
      host = t.substring(1, close);
      String rest = t.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw bad(text);
        }
        port = port(text, rest.substring(1));
      }
    } else if (t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':')) {
      host = t.substring(0, t.indexOf(':'));
      port = port(text, t.substring(t.indexOf(':') + 1));
    }
    InetAddress address = literal(host);
    if (address == null) {
      throw bad(text);
    }
    return new InetSocketAddress(address, port);
  }

  /**
   * The {@code nameserver} lines of a resolv.conf file, port 53, in file order; lines that are
   * not IP literals are skipped.
   */
  static List<InetSocketAddress> fromResolvConf(Path file) throws IOException {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String l = line.trim();
      if (!l.startsWith("nameserver")) {
        continue;
      }
      String[] words = l.split("\\s+");
      if (words.length >= 2 && words[0].equals("nameserver")) {
        InetAddress a = literal(words[1]);
        if (a != null) {
          out.add(new InetSocketAddress(a, DNS_PORT));
        }
      }
    }
    return out;
  }

  /** An IPv4 or IPv6 literal (no name lookup ever), or null. */
  static InetAddress literal(String host) {
    if (host == null || host.isEmpty()) {
      return null;
    }
    boolean v6 = host.indexOf(':') >= 0;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean ok = c == '.' || (c >= '0' && c <= '9')
          || (v6 && (c == ':' || c == '%' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
      if (!ok && !(v6 && host.indexOf('%') >= 0 && i > host.indexOf('%'))) {
        return null;
      }
    }
    if (!v6 && !isDottedQuad(host)) {
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

  static String format(InetSocketAddress a) {
    String ip = a.getAddress().getHostAddress();
    return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + a.getPort();
  }

  private static int port(String text, String p) {
    try {
      int port = Integer.parseInt(p);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // fall through to the error
    }
    throw new IllegalArgumentException("nameserver: '" + text + "' (expected: a port 1..65535 after the address)");
  }

  private static IllegalArgumentException bad(String text) {
    return new IllegalArgumentException("nameserver: '" + text + "' (expected: ip[:port] or [ipv6]:port)");
  }
}
