package io.lbkit.core;

import io.lbkit.internal.Checks;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * An immutable network endpoint of a backend: a resolved address and port, plus the balancing
 * attributes a discovery source attaches to it (weight, SRV priority, the host name it came from).
 *
 * <p>Identity is the address and the port only: two endpoints with the same address and port are
 * equal whatever their weight, priority or host name, so a weight change from DNS updates a server
 * in place instead of replacing it.
 */
public final class Endpoint {
  /** HAProxy's weight range: 0 (no new traffic) to 256. */
  public static final int MAX_WEIGHT = 256;

  private final String hostname;
  private final InetAddress address;
  private final int port;
  private final int weight;
  private final int priority;

  private Endpoint(String hostname, InetAddress address, int port, int weight, int priority) {
    this.hostname = hostname;
    this.address = Objects.requireNonNull(address, "address: null (expected: an IPv4 or IPv6 address)");
    this.port = Checks.range("port", port, 1, 65535);
    this.weight = Checks.range("weight", weight, 0, MAX_WEIGHT);
    this.priority = Checks.range("priority", priority, 0, 65535);
    this.hashCode = 31 * address.hashCode() + port;
  }

  private final int hashCode;
  /** {@link #authority()}, made on first use. */
  private String authority;

  /** An endpoint with weight 1, priority 0 and no host name. */
  public static Endpoint of(InetAddress address, int port) {
    return new Endpoint(null, address, port, 1, 0);
  }

  /** Parses a literal {@code ip:port} or {@code [ipv6]:port}; host names are rejected here. */
  public static Endpoint parse(String hostPort) {
    return HostPorts.parse("endpoint", hostPort, false);
  }

  /** The host name this endpoint was resolved from (an SRV target or the queried name), or null. */
  public String hostname() {
    return hostname;
  }

  public InetAddress address() {
    return address;
  }

  public int port() {
    return port;
  }

  /** The balancing weight, 0..256; 0 takes no new traffic while other servers have weight. */
  public int weight() {
    return weight;
  }

  /** The SRV priority (lower is preferred); 0 for endpoints that did not come from SRV. */
  public int priority() {
    return priority;
  }

  public boolean isIpv6() {
    return address instanceof Inet6Address;
  }

  public Endpoint withWeight(int weight) {
    return weight == this.weight ? this : new Endpoint(hostname, address, port, weight, priority);
  }

  public Endpoint withPriority(int priority) {
    return priority == this.priority ? this : new Endpoint(hostname, address, port, weight, priority);
  }

  public Endpoint withHostname(String hostname) {
    return Objects.equals(hostname, this.hostname) ? this : new Endpoint(hostname, address, port, weight, priority);
  }

  /** True when weight, priority and host name are also equal (equals() compares address and port only). */
  public boolean sameAttributes(Endpoint other) {
    return equals(other) && weight == other.weight && priority == other.priority
        && Objects.equals(hostname, other.hostname);
  }

  /** The address as text, without a host name part ({@code 127.0.0.2}, {@code fd00:0:0:0:0:0:0:1}). */
  public String ipAddress() {
    return address.getHostAddress();
  }

  /** {@code ip:port}, or {@code [ipv6]:port}. */
  public String authority() {
    String a = authority; // computed once (a benign race, as String's hash): engines send it per request
    if (a == null) {
      a = isIpv6() ? "[" + ipAddress() + "]:" + port : ipAddress() + ":" + port;
      authority = a;
    }
    return a;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Endpoint && ((Endpoint) o).port == port && ((Endpoint) o).address.equals(address);
  }

  @Override
  public int hashCode() {
    return hashCode;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (hostname != null) {
      sb.append(hostname).append('/');
    }
    sb.append(authority());
    if (weight != 1) {
      sb.append(" weight=").append(weight);
    }
    if (priority != 0) {
      sb.append(" priority=").append(priority);
    }
    return sb.toString();
  }

  static Endpoint create(String hostname, InetAddress address, int port, int weight, int priority) {
    return new Endpoint(hostname, address, port, weight, priority);
  }
}
