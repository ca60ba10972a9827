package io.lbkit.core;

import java.util.Arrays;
import java.util.List;

/**
 * The servers one request has tried so far, remembered by {@link Endpoint} (address and port),
 * for {@link Balancer#selectOther} and retry decisions.
 *
 * <p>Why endpoints and not {@link Server} objects: every snapshot publish (a health flap, a DNS
 * answer, a weight change) creates new {@code Server} objects, and a request's attempts may
 * straddle one. An endpoint that refused a connection a moment ago is the same endpoint in the
 * next snapshot, whatever slot or object it has there.
 *
 * <p>Small and mutable, owned by one request: the attempts of a request follow one another, so it
 * is not thread-safe (hand it over with the usual happens-before of one attempt ending before the
 * next starts). A request tries a handful of servers, so it is a plain array scanned linearly.
 */
public final class TriedServers {
  private static final Endpoint[] NONE = {};

  private Endpoint[] endpoints = NONE;
  private int size;

  /** An empty set. */
  public TriedServers() {}

  /** A set holding the given servers' endpoints. */
  public static TriedServers of(Server... servers) {
    TriedServers tried = new TriedServers();
    for (Server s : servers) {
      tried.add(s);
    }
    return tried;
  }

  /** Remembers {@code server}'s endpoint; a server without an address is not remembered. */
  public void add(Server server) {
    Endpoint e = server.endpoint();
    if (e == null || contains(e)) {
      return;
    }
    if (size == endpoints.length) {
      endpoints = Arrays.copyOf(endpoints, Math.max(4, size * 2));
    }
    endpoints[size++] = e;
  }

  /** Whether a server with {@code server}'s address and port was tried, in this snapshot or an earlier one. */
  public boolean contains(Server server) {
    Endpoint e = server.endpoint();
    return e != null && contains(e);
  }

  private boolean contains(Endpoint e) {
    for (int i = 0; i < size; i++) {
      if (endpoints[i].equals(e)) {
        return true;
      }
    }
    return false;
  }

  /** Whether every server of {@code servers} was tried (true for an empty list). */
  public boolean containsAll(List<Server> servers) {
    for (int i = 0, n = servers.size(); i < n; i++) {
      if (!contains(servers.get(i))) {
        return false;
      }
    }
    return true;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** How many distinct endpoints were tried. */
  public int size() {
    return size;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < size; i++) {
      sb.append(i == 0 ? "" : ", ").append(endpoints[i].authority());
    }
    return sb.append(']').toString();
  }
}
