package io.lbkit.netty;

import io.lbkit.core.Endpoint;
import io.lbkit.core.Ticker;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Idle keep-alive connections to servers, for one event loop: a connection is only ever used by
 * the loop it was made on, so the client side and the server side of an exchange share a thread
 * and no lock. The most recently used connection goes first (its socket is the warmest).
 *
 * <p>A connection is only handed out when it can still carry a request: not closed, not idle
 * longer than {@link #MAX_IDLE_NANOS} (servers close idle connections on their own schedule, and
 * a request sent in that instant may be lost), and, on epoll when idle longer than
 * {@link #PROBE_AFTER_NANOS}, still {@code ESTABLISHED} in the kernel, so a close by the server
 * that arrived but was not processed yet is seen before a byte is written (docs/netty.md, "Reusing server connections").
 */
final class BackendPool {
  /** Idle connections kept per server and loop; more are closed when released. */
  static final int MAX_IDLE_PER_SERVER = 64;
  /**
   * How long a connection may wait in the pool: below the keep-alive timeouts of common servers
   * (5 s for Node.js, Apache httpd, uvicorn; 20 s and more for Tomcat, Jetty, nginx), so the
   * engine drops an idle connection before the server does.
   */
  static final long MAX_IDLE_NANOS = TimeUnit.SECONDS.toNanos(4);
  /**
   * How long a connection waits before its reuse costs a look at the kernel's TCP state (one system
   * call): servers close idle connections after seconds, so a connection reused sooner (all of them
   * under load) is taken as is; a server that closes sooner without saying {@code Connection: close}
   * is covered by the retry rules instead.
   */
  static final long PROBE_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Map<Endpoint, ArrayDeque<BackendHandler>> idle = new HashMap<>();
  private final Ticker ticker;
  private final Transport.Probe probe = new Transport.Probe();

  BackendPool(Ticker ticker) {
    this.ticker = ticker;
  }

  /** An idle connection to {@code endpoint} that can carry a request now, or null. */
  Channel lease(Endpoint endpoint) {
    ArrayDeque<BackendHandler> q = idle.get(endpoint);
    if (q == null || q.isEmpty()) {
      return null;
    }
    long now = ticker.read();
    BackendHandler h;
    while ((h = q.pollFirst()) != null) {
      Channel ch = h.channel();
      long idleFor = now - h.idleSince();
      if (idleFor > MAX_IDLE_NANOS) {
        closeAll(q, ch); // the rest are older still
        return null;
      }
      if (ch.isActive() && (idleFor < PROBE_AFTER_NANOS || probe.established(ch))) {
        return ch;
      }
      ch.close(); // closed by the server: its close is known now, before a byte of the request was sent
    }
    return null;
  }

  private static void closeAll(ArrayDeque<BackendHandler> q, Channel first) {
    first.close();
    BackendHandler h;
    while ((h = q.pollFirst()) != null) {
      h.channel().close();
    }
  }

  /** Keeps the connection of {@code h} for the next exchange to {@code endpoint}, or closes it when the pool is full. */
  void release(Endpoint endpoint, BackendHandler h) {
    ArrayDeque<BackendHandler> q = idle.computeIfAbsent(endpoint, e -> new ArrayDeque<>());
    Channel ch = h.channel();
    if (q.size() >= MAX_IDLE_PER_SERVER || !ch.isActive()) {
      ch.close();
      return;
    }
    long now = ticker.read();
    h.idleSince(now);
    q.addFirst(h);
    BackendHandler oldest = q.peekLast();
    if (oldest != h && now - oldest.idleSince() > MAX_IDLE_NANOS) {
      q.pollLast().channel().close(); // one at a time: a busy pool sheds what it no longer needs
    }
  }

  /** Forgets a connection that closed while idle. */
  void remove(Endpoint endpoint, BackendHandler h) {
    ArrayDeque<BackendHandler> q = idle.get(endpoint);
    if (q != null) {
      q.remove(h);
    }
  }

  /** Closes every idle connection (the engine stops). */
  void closeAll() {
    for (ArrayDeque<BackendHandler> q : idle.values()) {
      for (BackendHandler h : q) {
        h.channel().close();
      }
      q.clear();
    }
  }
}
