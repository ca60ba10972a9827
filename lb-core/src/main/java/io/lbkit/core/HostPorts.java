package io.lbkit.core;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** Parses {@code host:port} lists, the static server list syntax. */
final class HostPorts {
  private HostPorts() {}

  static List<Endpoint> parseList(String list) {
    if (list == null || list.isBlank()) {
      throw new IllegalArgumentException("backend: '" + list + "' (expected: host:port[,host:port...])");
    }
    List<Endpoint> endpoints = new ArrayList<>();
    for (String part : list.split(",")) {
      if (!part.isBlank()) {
        endpoints.add(parse(part.trim(), true));
      }
    }
    return endpoints;
  }

  static Endpoint parse(String hostPort, boolean allowNames) {
    String text = hostPort == null ? "" : hostPort.trim();
    String host;
    String portText;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
        throw bad(hostPort);
      }
      host = text.substring(1, close);
      portText = text.substring(close + 2);
    } else {
      int colon = text.lastIndexOf(':');
      if (colon <= 0 || text.indexOf(':') != colon) {
        throw bad(hostPort);
      }
      host = text.substring(0, colon);
      portText = text.substring(colon + 1);
    }
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port: '" + portText + "' in '" + hostPort + "' (expected: 1..65535)");
    }
    boolean literal = isIpLiteral(host);
    if (!literal && !allowNames) {
      throw new IllegalArgumentException("address: '" + host + "' (expected: an IPv4 or IPv6 literal)");
    }
    try {
      // getByName does no lookup for literals; names are resolved once, here, for static lists only
      InetAddress address = InetAddress.getByName(host);
      return Endpoint.create(literal ? null : host, address, port, 1, 0);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("backend: cannot resolve host '" + host + "' (expected: a resolvable name or an IP literal)", e);
    }
  }

  static boolean isIpLiteral(String host) {
    if (host.isEmpty()) {
      return false;
    }
    if (host.indexOf(':') >= 0) {
      return true;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c != '.' && (c < '0' || c > '9')) {
        return false;
      }
    }
    return true;
  }

  private static IllegalArgumentException bad(String hostPort) {
    return new IllegalArgumentException("endpoint: '" + hostPort + "' (expected: host:port or [ipv6]:port)");
  }
}
