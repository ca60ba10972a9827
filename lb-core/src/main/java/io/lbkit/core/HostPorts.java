package io.lbkit.core;

import io.lbkit.internal.HostPort;
import io.lbkit.option.OptionException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** Turns {@code host:port} text ({@link HostPort}) into endpoints: the static server list syntax. */
final class HostPorts {
  static final String EXPECTED = "host:port or [ipv6]:port";

  private HostPorts() {}

  static List<Endpoint> parseList(String list) {
    if (list == null || list.isBlank()) {
      throw new OptionException("backend", list, "host:port[,host:port...]");
    }
    List<Endpoint> endpoints = new ArrayList<>();
    for (String part : list.split(",")) {
      if (!part.isBlank()) {
        endpoints.add(parse("backend", part.trim(), true));
      }
    }
    return endpoints;
  }

  /** One endpoint; a name is resolved once, now, when {@code allowNames}, else refused. */
  static Endpoint parse(String option, String hostPort, boolean allowNames) {
    HostPort hp = HostPort.parse(option, hostPort, 1, -1, EXPECTED);
    InetAddress literal = hp.literal();
    if (literal != null) {
      return Endpoint.create(null, literal, hp.port(), 1, 0);
    }
    if (!allowNames || hp.isIpLiteral() || hp.host().isEmpty()) {
      throw new OptionException(option, hostPort, "an IPv4 or IPv6 literal with a port, such as 10.0.0.1:80");
    }
    try {
      return Endpoint.create(hp.host(), InetAddress.getByName(hp.host()), hp.port(), 1, 0);
    } catch (UnknownHostException e) {
      throw new OptionException(option, hostPort, "'" + hostPort + "'", "a resolvable name or an IP literal", e);
    }
  }
}
