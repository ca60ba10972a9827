package io.lbkit.netty;

import io.lbkit.core.Endpoint;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle keep-alive connections to servers, for one event loop: a connection is only ever used by
 * the loop it was made on, so the client side and the server side of an exchange share a thread
 * and no lock. The most recently used connection goes first (its socket is the warmest).
 */
final class BackendPool {
  /** Idle connections kept per server and loop; more are closed when released. */
  static final int MAX_IDLE_PER_SERVER = 64;

  private final Map<Endpoint, ArrayDeque<Channel>> idle = new HashMap<>();

  /** An idle open connection to {@code endpoint}, or null. */
  Channel lease(Endpoint endpoint) {
    ArrayDeque<Channel> q = idle.get(endpoint);
    if (q == null) {
      return null;
    }
    Channel ch;
    while ((ch = q.pollFirst()) != null) {
      if (ch.isActive()) {
        return ch;
      }
    }
    return null;
  }

  /** Keeps {@code ch} for the next exchange to {@code endpoint}, or closes it when the pool is full. */
  void release(Endpoint endpoint, Channel ch) {
    ArrayDeque<Channel> q = idle.computeIfAbsent(endpoint, e -> new ArrayDeque<>());
    if (q.size() >= MAX_IDLE_PER_SERVER || !ch.isActive()) {
      ch.close();
      return;
    }
    q.addFirst(ch);
  }

  /** Forgets a connection that closed while idle. */
  void remove(Endpoint endpoint, Channel ch) {
    ArrayDeque<Channel> q = idle.get(endpoint);
    if (q != null) {
      q.remove(ch);
    }
  }

  /** Closes every idle connection (the engine stops). */
  void closeAll() {
    for (ArrayDeque<Channel> q : idle.values()) {
      for (Channel ch : q) {
        ch.close();
      }
      q.clear();
    }
  }
}
