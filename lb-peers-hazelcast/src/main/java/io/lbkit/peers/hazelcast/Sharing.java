package io.lbkit.peers.hazelcast;

import io.lbkit.session.StickStore;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether sharing works, what failed, and what waits to be pushed. Degraded means: a member
 * configured with peers sees none, a client is not connected, or a lookup or push failed or ran
 * out of time within the last cool-down. While cooling down, lookups are not sent at all, so a
 * dead or overloaded peer costs at most one timeout per cool-down and gets no more work.
 */
final class Sharing {
  private static final Logger log = LoggerFactory.getLogger(Sharing.class);

  /** One learned entry not pushed yet, with its kind ({@code store} replaces, {@code offer} does not). */
  record Pending(StickEntry entry, boolean replace) {}

  private final String name;
  private final boolean client;
  private final boolean peersExpected;
  private final IntSupplier members;
  private final BooleanSupplier connected;
  private final BooleanSupplier backedUp;
  private final long coolDownNanos;
  private final int pendingMax;
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private volatile long lastFailureNanos;
  private volatile boolean failedRecently;
  private volatile boolean reportedDegraded;

  Sharing(String name, boolean client, boolean peersExpected, IntSupplier members, BooleanSupplier connected,
      BooleanSupplier backedUp, long coolDownNanos, int pendingMax) {
    this.name = name;
    this.client = client;
    this.peersExpected = peersExpected;
    this.members = members;
    this.connected = connected;
    this.backedUp = backedUp;
    this.coolDownNanos = coolDownNanos;
    this.pendingMax = pendingMax;
  }

  /** A lookup or push failed or timed out. */
  void failed(String what, Throwable cause) {
    failures.incrementAndGet();
    lastFailureNanos = System.nanoTime();
    if (!failedRecently) {
      failedRecently = true;
      log.debug("peers {}: {} failed: {}", name, what, cause == null ? "no answer in time" : cause.toString());
    }
  }

  /** True when lookups may wait for the cluster (bounded); false while cooling down after a failure. */
  boolean mayWait() {
    return !failedRecently || System.nanoTime() - lastFailureNanos >= coolDownNanos;
  }

  /** True when a push would fail at once (a client that is not connected): keep it for later. */
  boolean offline() {
    return client && !connected.getAsBoolean();
  }

  /** Keeps an entry for the next flush, dropping it when the pending set is full. */
  void pend(String id, Pending entry) {
    if (pending.size() < pendingMax || pending.containsKey(id)) {
      pending.put(id, entry);
    } else {
      dropped.incrementAndGet();
    }
  }

  /** Removes and returns up to {@code max} pending entries. */
  Map<String, Pending> take(int max) {
    Map<String, Pending> batch = new HashMap<>();
    for (String id : pending.keySet()) {
      if (batch.size() >= max) {
        break;
      }
      Pending p = pending.remove(id);
      if (p != null) {
        batch.put(id, p);
      }
    }
    return batch;
  }

  int pendingCount() {
    return pending.size();
  }

  StickStore.Status status() {
    if (failedRecently && System.nanoTime() - lastFailureNanos >= coolDownNanos) {
      failedRecently = false;
    }
    boolean degraded;
    String description;
    if (client) {
      degraded = !connected.getAsBoolean();
      description = degraded ? "client: cluster unreachable" : "client of " + members.getAsInt() + " member(s)";
    } else {
      int n = members.getAsInt();
      degraded = peersExpected && n <= 1;
      description = degraded ? "alone: no peer reachable" : n + " member(s)";
      if (n > 1 && !backedUp.getAsBoolean()) {
        description += ", backups syncing"; // until then, this member's death could lose recent entries
      }
    }
    if (failedRecently) {
      degraded = true;
      description += ", peers not answering";
    }
    if (dropped.get() > 0) {
      description += ", " + dropped.get() + " learned while degraded not kept (pending set full)";
    }
    return new StickStore.Status(degraded, description, failures.get(), pending.size());
  }

  /** Logs a change between shared and degraded; returns the current status. */
  StickStore.Status check() {
    StickStore.Status s = status();
    if (s.degraded() != reportedDegraded) {
      reportedDegraded = s.degraded();
      if (s.degraded()) {
        log.warn("peers {}: sharing degraded ({}); each instance serves from its own table", name, s.description());
      } else {
        log.info("peers {}: sharing restored ({}); {} pending entr(ies) to push", name, s.description(), s.pending());
      }
    }
    return s;
  }
}
